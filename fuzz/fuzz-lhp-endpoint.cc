/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libFuzzer target: a server-role LhpEndpoint driven by a sequence of operations taken from
 * the input. Four clients send it raw frames and well-formed ones built from input fields
 * (Connect, Data with seq/ack/sack, Ack, Close with or without its token, Keepalive,
 * Forward); time advances by input-chosen steps and the timers run; the application sends
 * SDUs and closes handles. Invariants (see EndpointChecker) are checked after every step.
 * Link knobs and caps are chosen from the input too, small, so the caps and windows are hit.
 */
#include "fuzz-input.h"
#include "fuzz-lhp-check.h"
#include "fuzz-lhp-peers.h"
#include "lhp-endpoint.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

namespace
{

using namespace resoa;
using namespace resoa::fuzz;
using std::chrono::milliseconds;

/// Ends one input's run: enough for deep states, short enough for thousands of runs a second.
constexpr std::size_t kMaxSteps = 1500;

LhpEndpointConfig
PickConfig(FuzzInput& in)
{
    LhpEndpointConfig c;
    c.acceptIncoming = true;
    static const std::uint16_t kPayloads[] = {1476, 16, 64, 200};
    c.link.maxPayload = kPayloads[in.U8() % 4];
    c.link.window = static_cast<std::uint16_t>(in.Range(1, 40));
    c.link.sendBufferSdus = in.Range(1, 16);
    c.link.minRto = milliseconds(in.Range(1, 30));
    c.link.initialRto = c.link.minRto + milliseconds(in.Range(0, 100));
    c.link.maxRto = c.link.initialRto + milliseconds(in.Range(0, 1000));
    c.link.ackEveryFrames = static_cast<std::uint32_t>(in.Range(1, 8));
    c.link.ackDelay = milliseconds(in.Range(0, 10));
    c.link.semiReliableRetries = static_cast<std::uint32_t>(in.Range(0, 4));
    static const int kDeadlines[] = {0, 50, 200, 1000};
    c.link.semiReliableDeadline = milliseconds(kDeadlines[in.U8() % 4]);
    c.link.connectRetries = static_cast<std::uint32_t>(in.Range(1, 8));
    c.link.keepaliveInterval = milliseconds(in.Range(10, 2000));
    static const int kRetries[] = {0, 5, 100, 400};
    c.link.keepaliveRetry = milliseconds(kRetries[in.U8() % 4]);
    c.link.deadTimeout = milliseconds(in.Range(100, 6000));
    c.link.maxRetransmissions = static_cast<std::uint32_t>(in.Range(0, 5));
    // Near 2^32 half the time, so sequence numbers wrap inside a run.
    c.link.initialSeq = in.Bool() ? 0xFFFFFFF0u : 0;
    static const int kLingers[] = {-1, 0, 10, 2000};
    c.linger = milliseconds(kLingers[in.U8() % 4]);
    c.maxConnectionsPerPeer = in.Range(1, 4);
    c.maxConnections = in.Range(1, 8);
    c.maxStatelessReplies = in.Range(0, 8);
    static const int kChallenges[] = {0, 50, 1000};
    c.restartChallenge = milliseconds(kChallenges[in.U8() % 3]);
    return c;
}

/// Time steps from nothing to half a minute, so every timer (ack delay to dead timeout) fires.
Duration
PickStep(FuzzInput& in)
{
    switch (in.U8() % 4)
    {
        case 0:
            return Duration{0};
        case 1:
            return std::chrono::microseconds(in.Range(1, 5000));
        case 2:
            return milliseconds(in.Range(1, 2000));
        default:
            return std::chrono::seconds(in.Range(1, 30));
    }
}

struct Harness
{
    explicit Harness(FuzzInput& input)
        : in(input)
        , config(PickConfig(input))
        , seed(input.U32() | 1u)
        , ep(config, [this]() { return NextRandom(); })
        , peers(config.link.initialSeq)
        , check(config)
    {
    }

    /// The endpoint's ids and nonces: a fixed LCG per input (collisions happen, as they may).
    std::uint32_t NextRandom()
    {
        seed = seed * 1664525u + 1013904223u;
        return seed >> 8;
    }

    void Deadline()
    {
        if (auto d = ep.NextDeadline(); d && *d <= now)
        {
            ep.HandleDeadline(now);
            EndpointChecker::CheckAfterDeadline(ep, now);
        }
    }

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
            {
                const std::size_t peer = in.U8() % LhpPeers::kPeers;
                std::vector<std::uint8_t> bytes = EncodeLhpFrame(peers.Build(in, peer));
                LhpPeers::Pad(in, bytes);
                ep.Receive(LhpPeers::Peer(peer), bytes.data(), bytes.size(), now);
                break;
            }
            case 6:
            {
                const std::size_t peer = in.U8() % LhpPeers::kPeers;
                const std::vector<std::uint8_t> bytes = in.Bytes(in.Range(0, 120));
                ep.Receive(LhpPeers::Peer(peer), bytes.data(), bytes.size(), now);
                break;
            }
            case 7:
            case 8:
                now += PickStep(in);
                Deadline();
                break;
            case 9:
                // The timer fires exactly at its deadline, as a driver's would.
                if (auto d = ep.NextDeadline(); d && *d > now)
                {
                    now = *d;
                }
                Deadline();
                break;
            case 10:
            case 11:
            {
                const LhpHandle h = PickHandle(op);
                const auto ch = static_cast<LhpChannel>(in.U8() & 1);
                const std::size_t len = in.Range(0, config.link.maxPayload + 2);
                std::vector<std::uint8_t> sdu(len, static_cast<std::uint8_t>(op));
                const bool taken = ep.Send(h, ch, std::move(sdu), now);
                // Nothing is queued on a handle whose link is gone, nor beyond maxPayload.
                FUZZ_REQUIRE(!taken || ep.GetLink(h) != nullptr);
                FUZZ_REQUIRE(!taken || len <= config.link.maxPayload);
                break;
            }
            case 12:
                ep.Close(PickHandle(op), now);
                break;
            case 13:
            case 14:
                check.DrainTransmit(ep, now, peers, in.Range(0, 40));
                break;
            default:
                if (op == 255)
                {
                    ep.Crash();
                    check.OnCrash();
                }
                else
                {
                    check.DrainTransmit(ep, now, peers, SIZE_MAX);
                }
                break;
        }
        check.DrainApp(ep);
        check.CheckState(ep);
    }

    /// Mostly an open handle; sometimes any handle ever seen (stale) or none.
    LhpHandle PickHandle(std::uint8_t op)
    {
        const std::uint8_t pick = in.U8();
        const std::vector<LhpHandle> open = check.OpenHandles();
        if (!open.empty() && pick < 230)
        {
            return open[pick % open.size()];
        }
        const auto& all = check.AllHandles();
        if (!all.empty() && (op & 1) != 0)
        {
            auto it = all.begin();
            std::advance(it, pick % all.size());
            return *it;
        }
        return static_cast<LhpHandle>(pick % 3); // 0 (none) or a handle maybe never issued
    }

    FuzzInput& in;
    LhpEndpointConfig config;
    std::uint32_t seed;
    LhpEndpoint ep;
    LhpPeers peers;
    EndpointChecker check;
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
    // Let the timers play out (retransmissions, keepalives, dead timeouts, linger), as a
    // driver that keeps running would.
    for (int i = 0; i < 24; ++i)
    {
        h.check.DrainTransmit(h.ep, h.now, h.peers, SIZE_MAX);
        const auto d = h.ep.NextDeadline();
        if (!d)
        {
            break;
        }
        h.now = std::max(h.now, *d);
        h.Deadline();
        h.check.DrainApp(h.ep);
        h.check.CheckState(h.ep);
    }
    return 0;
}
