/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libFuzzer target: resoa-serverd's frame input path without the OS. Ethernet payloads as
 * PacketLink delivers them (the bytes after the Ethernet header, zero-padded to 46, or with
 * other trailing bytes) go into LhpEndpoint::Receive, and everything after that is wired as
 * realnet/server-loop.cc wires it, with the core's public API only: deliveries and events
 * alternately (Up -> EpLhpSession + EpServer::OnSessionUp, Closed/Dead -> OnSessionDown,
 * SendSpace -> ResumeServerSession, SDU -> EpServer::OnMessage), PumpServerOutgoing into the
 * sessions, PollTransmit out, one timer for both engines. The server runs on the fuzz stack
 * (fuzz-ep-world.h). Frames are raw bytes, LHP frames built from input fields, or Data frames
 * carrying valid EP messages, so whole client sessions happen over the ARQ.
 */
#include "ep-lhp-session.h"
#include "ep-server.h"
#include "fuzz-ep-world.h"
#include "fuzz-input.h"
#include "fuzz-lhp-check.h"
#include "fuzz-lhp-peers.h"
#include "lhp-endpoint.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace
{

using namespace resoa;
using namespace resoa::fuzz;
using std::chrono::milliseconds;

constexpr std::size_t kMaxSteps = 1000;

/// ServerLoopConfig as Adjusted() makes it: accepting, SDUs that fit the interface MTU.
LhpEndpointConfig
PickEndpointConfig(FuzzInput& in)
{
    LhpEndpointConfig c;
    c.acceptIncoming = true;
    static const std::size_t kMtus[] = {1500, 576, 300};
    c.link.maxPayload = static_cast<std::uint16_t>(kMtus[in.U8() % 3] - kLhpHeaderSize);
    c.link.window = static_cast<std::uint16_t>(in.Range(1, 33));
    c.link.sendBufferSdus = in.Range(1, 64);
    c.link.ackEveryFrames = static_cast<std::uint32_t>(in.Range(1, 8));
    c.link.initialSeq = in.Bool() ? 0xFFFFFFF8u : 0;
    c.maxConnectionsPerPeer = in.Range(1, 4);
    c.maxConnections = in.Range(1, 6);
    c.maxStatelessReplies = in.Range(0, 8);
    static const int kChallenges[] = {0, 50, 1000};
    c.restartChallenge = milliseconds(kChallenges[in.U8() % 3]);
    return c;
}

struct Daemon
{
    explicit Daemon(FuzzInput& input)
        : in(input)
        , epConfig(PickEndpointConfig(input))
        , stack(input)
        , server(PickServerConfig(input, epConfig.link.maxPayload), stack)
        , ep(epConfig,
             [this]()
             {
                 seed = seed * 1664525u + 1013904223u;
                 return seed >> 8;
             })
        , peers(epConfig.link.initialSeq)
        , check(epConfig)
    {
        sessionConfig.backpressureMessages = in.Range(1, 64);
        stack.SetMaxSocketBuffer(server.GetConfig().maxSocketBuffer);
        resolver.Install(server, false);
    }

    // --- the glue of ServerLoop ---

    void OnEndpointEvent(const LhpEndpointEvent& e)
    {
        switch (e.kind)
        {
            case LhpEndpointEvent::Kind::Up:
            {
                const LhpHandle h = e.handle;
                sessions.erase(h);
                sessions.emplace(
                    h,
                    EpLhpSession([this, h](LhpChannel ch, const std::vector<std::uint8_t>& sdu)
                                 { return ep.Send(h, ch, sdu, now); },
                                 sessionConfig));
                server.OnSessionUp(h);
                ids.push_back(h);
                break;
            }
            case LhpEndpointEvent::Kind::Closed:
            case LhpEndpointEvent::Kind::Dead:
                if (sessions.erase(e.handle) != 0)
                {
                    server.OnSessionDown(e.handle);
                }
                break;
            case LhpEndpointEvent::Kind::SendSpace:
                if (auto it = sessions.find(e.handle); it != sessions.end())
                {
                    ResumeServerSession(server, e.handle, it->second);
                }
                break;
            case LhpEndpointEvent::Kind::SemiReliableDrop:
                break;
        }
    }

    /// ServerLoop::Round: endpoint output into the server and back until quiet, then send.
    void Round(std::size_t maxFrames)
    {
        const auto lookup = [this](std::uint64_t id) -> EpLhpSession*
        {
            auto it = sessions.find(id);
            return it == sessions.end() ? nullptr : &it->second;
        };
        bool progress = true;
        for (int rounds = 0; progress; ++rounds)
        {
            FUZZ_REQUIRE(rounds < 10000); // the glue terminates
            progress = false;
            check.DrainApp(
                ep,
                [&](const LhpEndpointDelivery& d)
                {
                    progress = true;
                    server.OnMessage(d.handle, d.data, now);
                },
                [&](const LhpEndpointEvent& e)
                {
                    progress = true;
                    OnEndpointEvent(e);
                });
            progress = PumpServerOutgoing(server,
                                          lookup,
                                          [this](const EpServerOutgoing& o)
                                          { CheckOutgoing(server, o); }) > 0 ||
                       progress;
        }
        check.DrainTransmit(ep, now, peers, maxFrames);
        CheckGlue();
    }

    /// ServerLoop::OnTimer at `now`.
    void Timer()
    {
        ep.HandleDeadline(now);
        EndpointChecker::CheckAfterDeadline(ep, now);
        if (auto d = server.NextDeadline(); d && *d <= now)
        {
            server.HandleDeadline(now);
            const auto next = server.NextDeadline();
            FUZZ_REQUIRE(!next || *next > now);
        }
    }

    std::optional<TimePoint> NextDeadline() const
    {
        std::optional<TimePoint> due = ep.NextDeadline();
        if (auto d = server.NextDeadline(); d && (!due || *d < *due))
        {
            due = d;
        }
        return due;
    }

    void CheckGlue() const
    {
        check.CheckState(ep);
        CheckServer(server, stack, ids);
        // One session per open LHP connection, and the server knows exactly those.
        const std::vector<LhpHandle> open = check.OpenHandles();
        FUZZ_REQUIRE(open.size() == sessions.size());
        FUZZ_REQUIRE(server.SessionCount() == sessions.size());
        for (LhpHandle h : open)
        {
            auto it = sessions.find(h);
            FUZZ_REQUIRE(it != sessions.end());
            const auto info = server.GetSession(h);
            FUZZ_REQUIRE(info.has_value());
            // The server reads from TCP for a client exactly while its link drains.
            FUZZ_REQUIRE(info->backedUp == it->second.BackedUp());
        }
    }

    // --- the operations ---

    void Step()
    {
        const std::uint8_t op = in.U8();
        switch (op % 16)
        {
            case 0:
            case 1:
            case 2:
            case 3:
            case 4:
            case 5:
            case 6:
            {
                // A Data frame carrying one EP message, over an open connection if any.
                const std::size_t peer = in.U8() % LhpPeers::kPeers;
                const bool data = (op % 16) < 5;
                std::vector<std::uint8_t> sdu;
                if (data)
                {
                    sdu = EncodeEpMessage(BuildClientMessage(in, epConfig.link.maxPayload));
                }
                Receive(peer, EncodeLhpFrame(peers.Build(in, peer, data ? &sdu : nullptr, data)));
                break;
            }
            case 7:
            {
                const std::size_t peer = in.U8() % LhpPeers::kPeers;
                Receive(peer, EncodeLhpFrame(peers.Build(in, peer)));
                break;
            }
            case 8:
            {
                // Raw bytes from the wire, as PacketLink hands them over.
                const std::size_t peer = in.U8() % LhpPeers::kPeers;
                const auto bytes = in.Bytes(in.Range(0, 120));
                ep.Receive(LhpPeers::Peer(peer), bytes.data(), bytes.size(), now);
                Round(SIZE_MAX);
                break;
            }
            case 9:
            case 10:
                stack.Event(server);
                Round(SIZE_MAX);
                break;
            case 11:
                resolver.Answer(in, server);
                Round(SIZE_MAX);
                break;
            case 12:
            case 13:
            {
                // The timer fires at the earliest deadline, or late after a time step.
                static const std::int64_t kSteps[] = {0, 1, 3, 20, 300, 6000};
                const TimePoint target = now + milliseconds(kSteps[in.U8() % 6]);
                const auto due = NextDeadline();
                now = (op & 0x40) != 0 && due && *due > now ? *due : target;
                if (const auto d = NextDeadline(); d && *d <= now)
                {
                    Timer();
                }
                Round(SIZE_MAX);
                break;
            }
            case 14:
                // The link is full: only some frames go out this round.
                Round(in.Range(0, 4));
                break;
            default:
                if (auto it = sessions.begin(); it != sessions.end() && op >= 240)
                {
                    ep.Close(it->first, now); // SIGTERM's CloseAll, one link at a time
                }
                Round(SIZE_MAX);
                break;
        }
    }

    void Receive(std::size_t peer, std::vector<std::uint8_t> bytes)
    {
        LhpPeers::Pad(in, bytes);
        ep.Receive(LhpPeers::Peer(peer), bytes.data(), bytes.size(), now);
        Round(SIZE_MAX);
    }

    FuzzInput& in;
    LhpEndpointConfig epConfig;
    EpLhpSessionConfig sessionConfig;
    FuzzSocketStack stack;
    EpServer server;
    std::uint32_t seed = 12345;
    LhpEndpoint ep;
    LhpPeers peers;
    EndpointChecker check;
    FuzzResolver resolver;
    std::map<LhpHandle, EpLhpSession> sessions;
    std::vector<std::uint64_t> ids; //!< every session id ever up
    TimePoint now{std::chrono::seconds(1)};
};

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    resoa::fuzz::FuzzInput in(data, size);
    Daemon d(in);
    for (std::size_t steps = 0; !in.Empty() && steps < kMaxSteps; ++steps)
    {
        d.Step();
    }
    // The clients go silent: timers run until every link is dead or reaped and every
    // session is gone, releasing every socket.
    for (int i = 0; i < 400; ++i)
    {
        const auto due = d.NextDeadline();
        if (!due)
        {
            break;
        }
        d.now = std::max(d.now, *due);
        d.Timer();
        d.Round(SIZE_MAX);
    }
    return 0;
}
