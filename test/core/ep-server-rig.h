/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The EP server test rig shared by the server and stack-contract tests: an EpServer on the
 * fake socket stack, fed with raw client messages.
 */
#ifndef RESOA_TEST_EP_SERVER_RIG_H
#define RESOA_TEST_EP_SERVER_RIG_H

#include "ep-server.h"

#include "core/ep-test-util.h"
#include "core/fake-socket-stack.h"
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace resoa
{
namespace test
{

constexpr std::uint32_t kServerIp = 0xCB007101; // 203.0.113.1
constexpr std::uint32_t kPool1 = 0xCB00710A;
constexpr std::uint32_t kPool2 = 0xCB00710B;
const EpAddress kWeb = EpAddress::Ipv4(0xC6336407, 80);
const EpAddress kRemote = EpAddress::Ipv4(0xC6336408, 5555);

/// A server on a fake stack (public address kServerIp, pool kPool1/kPool2, a listener at
/// kWeb), fed with raw client messages.
struct Rig
{
    explicit Rig(EpServerConfig cfg = Default())
        : stack(kServerIp)
        , server(cfg, stack)
    {
        stack.AttachServer(&server);
        stack.AddLocalAddress(kPool1);
        stack.AddLocalAddress(kPool2);
        stack.AddRemoteListener(kWeb);
    }

    static EpServerConfig Default()
    {
        EpServerConfig c;
        c.serverIpv4 = kServerIp;
        c.socketLimit = 8;
        c.clientWindowBytes = 4000;
        return c;
    }

    /// Feeds a message at the latest time the server has seen.
    void Send(std::uint64_t session, const EpMessage& m)
    {
        server.OnMessage(session, EncodeEpMessage(m));
    }

    /// Feeds a message at `now`.
    void Send(std::uint64_t session, const EpMessage& m, TimePoint now)
    {
        server.OnMessage(session, EncodeEpMessage(m), now);
    }

    /// Runs stack events, then collects what the server queued.
    std::vector<Sent> Run()
    {
        stack.DeliverEvents();
        return Drain(server);
    }

    /// Opens `session` and registers it; returns the Registered answer.
    EpMessage Register(std::uint64_t session,
                       EpAddrMode mode = EpAddrMode::NTo1,
                       std::uint32_t ip = 0,
                       const std::string& name = "sta")
    {
        server.OnSessionUp(session);
        EpMessage m = Msg(EpType::Register, 0, 1);
        m.addrMode = mode;
        m.ipv4 = ip;
        m.name = name;
        Send(session, m);
        std::vector<Sent> out = Run();
        EXPECT_EQ(out.size(), 1u);
        return out.at(0).msg;
    }

    /// Connect|Create for `id` to kWeb, run to completion; the stack handle (0 if refused).
    EpHandle Connect(std::uint64_t session, std::uint32_t id, std::vector<Sent>* out = nullptr)
    {
        Send(session, ConnectMessage(id));
        return FinishConnect(session, id, out);
    }

    /// Same, at `now`.
    EpHandle Connect(std::uint64_t session,
                     std::uint32_t id,
                     TimePoint now,
                     std::vector<Sent>* out = nullptr)
    {
        Send(session, ConnectMessage(id), now);
        return FinishConnect(session, id, out);
    }

    EpHandle HandleOf(std::uint64_t session, std::uint32_t id) const
    {
        std::optional<EpServerSocketInfo> i = Info(session, id);
        return i ? i->handle : kEpInvalidHandle;
    }

    std::optional<EpServerSocketInfo> Info(std::uint64_t session, std::uint32_t id) const
    {
        for (const EpServerSocketInfo& i : server.ListSockets())
        {
            if (i.sessionId == session && i.rsockId == id)
            {
                return i;
            }
        }
        return std::nullopt;
    }

    FakeSocketStack stack;
    EpServer server;

  private:
    static EpMessage ConnectMessage(std::uint32_t id)
    {
        EpMessage m = Msg(EpType::Connect, id, 100 + id);
        m.flags = kEpFlagCreate;
        m.sockType = EpSockType::Stream;
        m.peer = kWeb;
        return m;
    }

    EpHandle FinishConnect(std::uint64_t session, std::uint32_t id, std::vector<Sent>* out)
    {
        std::vector<Sent> o = Run();
        if (out != nullptr)
        {
            *out = o;
        }
        return HandleOf(session, id);
    }
};

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_EP_SERVER_RIG_H
