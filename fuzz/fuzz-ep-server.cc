/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libFuzzer target: an EpServer over an in-memory socket stack (fuzz-ep-world.h), driven by
 * a sequence of operations from the input: sessions up and down, client messages (raw bytes
 * and structurally valid ones built from input fields), stack events (connected, incoming,
 * readable with data, writable, FIN, reset, datagrams, stale events), resolver answers,
 * backpressure and time steps with HandleDeadline. The stack traps on any call that names a
 * released handle; CheckServer and CheckOutgoing hold the server's documented bounds.
 */
#include "ep-message.h"
#include "ep-server.h"
#include "fuzz-ep-world.h"
#include "fuzz-input.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace
{

using namespace resoa;
using namespace resoa::fuzz;

constexpr std::size_t kMaxSteps = 1500;
const std::vector<std::uint64_t> kSessions = {1, 2, 3, 4};

struct Harness
{
    explicit Harness(FuzzInput& input)
        : in(input)
        , stack(input)
        , server(PickServerConfig(input, input.Range(64, 1476)), stack)
    {
        stack.SetMaxSocketBuffer(server.GetConfig().maxSocketBuffer);
        resolver.Install(server, in.U8() >= 224);
        const std::uint8_t policy = in.U8();
        if ((policy & 1) != 0)
        {
            // Some registrations refused, some with their own socket limit.
            server.SetAdmissionHook(
                [policy](const EpRegistration& r)
                {
                    EpAdmission a;
                    a.error = r.name.size() % 7 == (policy >> 5) ? ep_errno::kEacces : 0;
                    a.socketLimit = static_cast<std::uint16_t>((policy >> 1) & 3);
                    return a;
                });
        }
        if ((policy & 8) != 0)
        {
            server.SetCallPolicy([](std::uint64_t, EpType, const EpAddress& a)
                                 { return a.port == 25 ? ep_errno::kEacces : 0; });
        }
    }

    void Deadline()
    {
        if (auto d = server.NextDeadline(); d && *d <= now)
        {
            server.HandleDeadline(now);
            const auto next = server.NextDeadline();
            FUZZ_REQUIRE(!next || *next > now);
        }
    }

    void Drain(std::size_t max)
    {
        for (std::size_t i = 0; i < max && server.HasOutgoing(); ++i)
        {
            const auto o = server.PollOutgoing();
            FUZZ_REQUIRE(o.has_value());
            CheckOutgoing(server, *o);
        }
    }

    void Step()
    {
        const std::uint8_t op = in.U8();
        const std::uint64_t session = kSessions[in.U8() % kSessions.size()];
        switch (op % 16)
        {
            case 0:
                server.OnSessionUp(session);
                break;
            case 1:
                if (op >= 128)
                {
                    server.OnSessionDown(session);
                }
                else
                {
                    server.SetSessionBackpressure(session, (op & 2) != 0);
                }
                break;
            case 2:
            {
                const auto bytes = in.Bytes(in.Range(0, 64));
                server.OnMessage(session, bytes, now);
                break;
            }
            case 3:
            case 4:
            case 5:
            case 6:
            case 7:
            {
                std::vector<std::uint8_t> bytes =
                    EncodeEpMessage(BuildClientMessage(in, server.GetConfig().maxMessageSize));
                if (op >= 250 && !bytes.empty())
                {
                    bytes[in.U8() % bytes.size()] ^= in.U8(); // a near miss for the decoder
                }
                server.OnMessage(session, bytes, now);
                break;
            }
            case 8:
            case 9:
            case 10:
            case 11:
                stack.Event(server);
                break;
            case 12:
                resolver.Answer(in, server);
                break;
            case 13:
            {
                static const std::int64_t kSteps[] = {0, 1, 5, 10, 1000, 60000};
                now += std::chrono::milliseconds(kSteps[in.U8() % 6]);
                Deadline();
                break;
            }
            case 14:
                if (auto d = server.NextDeadline(); d && *d > now)
                {
                    now = *d;
                }
                Deadline();
                break;
            default:
                Drain(in.Range(0, 8)); // a driver that drains slowly (queue bounds)
                break;
        }
        // Most steps end as a driver's round ends: the queue drained.
        if ((op & 0x30) != 0)
        {
            Drain(SIZE_MAX);
        }
        CheckServer(server, stack, kSessions);
    }

    FuzzInput& in;
    FuzzSocketStack stack;
    EpServer server;
    FuzzResolver resolver;
    TimePoint now{std::chrono::seconds(1)};
};

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    resoa::fuzz::FuzzInput in(data, size);
    Harness h(in);
    for (std::size_t steps = 0; !in.Empty() && steps < kMaxSteps; ++steps)
    {
        h.Step();
    }
    h.Drain(SIZE_MAX);
    // Every session goes down: everything is released, nothing is left behind.
    for (std::uint64_t id : kSessions)
    {
        h.server.OnSessionDown(id);
    }
    h.Drain(SIZE_MAX);
    FUZZ_REQUIRE(h.server.ListSockets().empty());
    FUZZ_REQUIRE(h.stack.LiveHandles().empty());
    FUZZ_REQUIRE(h.server.SessionCount() == 0);
    return 0;
}
