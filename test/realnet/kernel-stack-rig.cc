/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "kernel-stack-rig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <stdexcept>
#include <string>

namespace resoa
{
namespace test
{

using realnet::EventLoop;
using realnet::UniqueFd;

EpAddress
Loopback(std::uint16_t port)
{
    return EpAddress::Ipv4(kLoopbackIpv4, port);
}

std::uint64_t
Fnv1a(const std::uint8_t* data, std::size_t len, std::uint64_t hash)
{
    for (std::size_t i = 0; i < len; ++i)
    {
        hash ^= data[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::vector<std::uint8_t>
Pattern(std::size_t n, std::uint32_t seed)
{
    std::vector<std::uint8_t> out(n);
    std::uint32_t x = seed != 0 ? seed : 1;
    for (auto& b : out)
    {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<std::uint8_t>(x >> 24);
    }
    return out;
}

UniqueFd
TestSocket(int type, std::uint16_t port)
{
    UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
    if (!fd)
    {
        throw std::runtime_error("socket: " + std::to_string(errno));
    }
    const timeval timeout{10, 0};
    ::setsockopt(fd.Get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd.Get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(kLoopbackIpv4);
    sin.sin_port = htons(port);
    if (::bind(fd.Get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) < 0)
    {
        throw std::runtime_error("bind: " + std::to_string(errno));
    }
    return fd;
}

UniqueFd
TestListener()
{
    UniqueFd fd = TestSocket(SOCK_STREAM);
    if (::listen(fd.Get(), 16) < 0)
    {
        throw std::runtime_error("listen: " + std::to_string(errno));
    }
    return fd;
}

std::uint16_t
LocalPort(int fd)
{
    sockaddr_in sin{};
    socklen_t len = sizeof(sin);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
    return ntohs(sin.sin_port);
}

std::uint16_t
UnusedPort()
{
    UniqueFd fd = TestSocket(SOCK_STREAM);
    return LocalPort(fd.Get()); // closed without listening: nothing answers there
}

void
ResetAndClose(UniqueFd& fd)
{
    const linger reset{1, 0};
    ::setsockopt(fd.Get(), SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    fd.Reset();
}

StreamResult
ReadToEnd(int fd)
{
    StreamResult r;
    std::vector<std::uint8_t> buffer(65536);
    for (;;)
    {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n > 0)
        {
            r.hash = Fnv1a(buffer.data(), static_cast<std::size_t>(n), r.hash);
            r.bytes += static_cast<std::uint64_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        r.endErrno = n == 0 ? 0 : errno;
        return r;
    }
}

bool
WriteAll(int fd, const std::vector<std::uint8_t>& data)
{
    std::size_t done = 0;
    while (done < data.size())
    {
        const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// --- ServerRig ---

EpServerConfig
ServerRig::LoopbackServer()
{
    EpServerConfig c;
    c.serverIpv4 = kLoopbackIpv4;
    return c;
}

ServerRig::ServerRig(EpClientConfig clientConfig, EpServerConfig serverConfig)
    : stack(loop)
    , server(serverConfig, stack)
    , client(clientConfig)
{
    stack.AttachServer(server);
    server.OnSessionUp(kSession);
}

bool
ServerRig::Exchange()
{
    bool moved = false;
    for (bool any = true; any;)
    {
        any = false;
        while (auto o = client.PollOutgoing())
        {
            server.OnMessage(kSession, o->bytes, EventLoop::Now());
            any = true;
        }
        while (auto o = server.PollOutgoing())
        {
            EpMessage m;
            if (DecodeEpMessage(o->bytes.data(), o->bytes.size(), m) == DecodeError::Ok)
            {
                down.push_back(std::move(m));
            }
            if (o->sessionId == kSession)
            {
                client.OnMessage(o->bytes);
            }
            any = true;
        }
        while (auto e = client.PollEvent())
        {
            events.push_back(*e);
        }
        moved = moved || any;
    }
    return moved;
}

void
ServerRig::Turn(int waitMs)
{
    Exchange();
    const TimePoint now = EventLoop::Now();
    if (auto d = server.NextDeadline(); d && *d <= now)
    {
        server.HandleDeadline(now);
    }
    if (auto d = client.NextDeadline(); d && *d <= now)
    {
        client.HandleDeadline(now);
    }
    loop.RunOnce(waitMs);
    Exchange();
}

bool
ServerRig::RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout)
{
    const TimePoint end = EventLoop::Now() + timeout;
    Exchange();
    while (!done() && EventLoop::Now() < end)
    {
        Turn();
    }
    return done();
}

void
ServerRig::Register()
{
    client.Register(EpAddrMode::NTo1, 0, "kernel-stack-test");
    RunUntil([this] { return client.IsRegistered(); });
}

std::optional<EpClientEvent>
ServerRig::FindEvent(std::uint32_t id, EpClientEvent::Kind kind) const
{
    for (const EpClientEvent& e : events)
    {
        if (e.rsockId == id && e.kind == kind)
        {
            return e;
        }
    }
    return std::nullopt;
}

std::optional<EpClientEvent>
ServerRig::WaitEvent(std::uint32_t id, EpClientEvent::Kind kind, std::chrono::milliseconds timeout)
{
    RunUntil([&] { return FindEvent(id, kind).has_value(); }, timeout);
    return FindEvent(id, kind);
}

std::pair<std::uint32_t, std::optional<EpClientEvent>>
ServerRig::ConnectStream(const EpAddress& peer)
{
    const std::uint32_t id = client.Create(EpSockType::Stream).id;
    client.Connect(id, peer);
    return {id, WaitEvent(id, EpClientEvent::Kind::ConnectDone)};
}

std::optional<EpServerSocketInfo>
ServerRig::ServerSocket(std::uint32_t id) const
{
    for (const EpServerSocketInfo& info : server.ListSockets())
    {
        if (info.sessionId == kSession && info.rsockId == id)
        {
            return info;
        }
    }
    return std::nullopt;
}

// --- ClientStream ---

ClientStream::ClientStream(ServerRig& rig,
                           std::uint32_t id,
                           std::vector<std::uint8_t> toSend,
                           bool shutdown)
    : m_rig(rig)
    , m_id(id)
    , m_toSend(std::move(toSend))
    , m_shutdown(shutdown)
{
}

bool
ClientStream::Step()
{
    while (sent < m_toSend.size())
    {
        EpIoResult r = m_rig.client.Send(m_id,
                                         m_toSend.data() + sent,
                                         m_toSend.size() - static_cast<std::size_t>(sent),
                                         EventLoop::Now());
        if (r.error != 0 || r.bytes == 0)
        {
            break;
        }
        sent += r.bytes;
    }
    if (sent == m_toSend.size() && m_shutdown && !shutDone)
    {
        m_rig.client.Shutdown(m_id, ep_shutdown::kWrite);
        shutDone = true;
    }
    while (!eof)
    {
        EpReadResult r = m_rig.client.Recv(m_id, 65536);
        received.hash = Fnv1a(r.data.data(), r.data.size(), received.hash);
        received.bytes += r.data.size();
        if (r.eof)
        {
            eof = true;
        }
        else if (r.data.empty())
        {
            if (r.error != ep_errno::kEagain)
            {
                error = r.error;
            }
            break;
        }
    }
    return eof && sent == m_toSend.size();
}

bool
ClientStream::Run(std::chrono::milliseconds timeout)
{
    const TimePoint end = EventLoop::Now() + timeout;
    while (!Step() && error == 0 && EventLoop::Now() < end)
    {
        m_rig.Turn();
    }
    return eof && sent == m_toSend.size();
}

} // namespace test
} // namespace resoa
