/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * LhpLink life cycle through LossyPipe: handshake, keepalive and dead-peer detection,
 * Send refusal, bad input, close.
 */
#include "lhp-frame.h"
#include "lhp-link.h"

#include "core/lhp-link-harness.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <tuple>
#include <vector>

namespace resoa
{
namespace
{

using namespace std::chrono_literals;
using namespace resoa::test;

// ---------------------------------------------------------------------------------------------
// 3. Handshake.

TEST(LhpLinkHandshake, OpensAndNegotiatesMinimum)
{
    LhpConfig ca;
    ca.maxPayload = 1000;
    ca.window = 16;
    LhpConfig cb; // 1476, 128
    Harness h(ca, cb, Clean());
    ASSERT_TRUE(h.Open());
    EXPECT_EQ(h.ea.Count(LhpEvent::Kind::Connected), 1u);
    EXPECT_EQ(h.eb.Count(LhpEvent::Kind::Connected), 1u);
    EXPECT_EQ(h.pipe.Sent(0, LhpFrameType::Connect), 1u);
    EXPECT_EQ(h.pipe.Sent(1, LhpFrameType::Accept), 1u);
    std::vector<std::uint8_t> big(1001, 7);
    EXPECT_FALSE(h.a.Send(LhpChannel::Reliable, big, h.pipe.Now()));
    EXPECT_FALSE(h.b.Send(LhpChannel::Reliable, big, h.pipe.Now()));
    big.resize(1000);
    EXPECT_TRUE(h.b.Send(LhpChannel::Reliable, big, h.pipe.Now()));
    EXPECT_EQ(h.b.SendSpace(LhpChannel::SemiReliable), 16 + cb.sendBufferSdus);
    // b may have only 16 frames in flight: cut a's acks and count b's distinct Data frames.
    h.pipe.SetBlackhole(0, true);
    for (int i = 0; i < 40; ++i)
    {
        ASSERT_TRUE(h.b.Send(LhpChannel::Reliable, {1}, h.pipe.Now()));
    }
    h.RunFor(20ms);
    std::size_t distinct = 0;
    for (std::uint32_t s = 0; s < 41; ++s)
    {
        distinct += h.pipe.DataSends(1, LhpChannel::Reliable, cb.initialSeq + s) > 0;
    }
    EXPECT_EQ(distinct, 16u);
}

TEST(LhpLinkHandshake, HandshakeGivesFirstRttSample)
{
    Harness h(Clean(10ms, 0));
    ASSERT_TRUE(h.Open());
    ASSERT_TRUE(h.a.GetSrtt().has_value());
    EXPECT_EQ(*h.a.GetSrtt(), 20ms);
}

TEST(LhpLinkHandshake, LostConnectIsRetransmitted)
{
    Harness h(Clean());
    h.pipe.SetDropFilter([n = 0](int from, const LhpFrame& f) mutable
                         { return from == 0 && f.type == LhpFrameType::Connect && n++ == 0; });
    ASSERT_TRUE(h.Open());
    EXPECT_EQ(h.pipe.Sent(0, LhpFrameType::Connect), 2u);
    EXPECT_EQ(h.pipe.Sent(1, LhpFrameType::Accept), 1u);
    EXPECT_GE(*h.ea.When(LhpEvent::Kind::Connected), h.a.GetConfig().initialRto);
    EXPECT_FALSE(h.a.GetSrtt().has_value()); // Karn: the handshake was ambiguous
}

TEST(LhpLinkHandshake, LostAcceptIsResentOnDuplicateConnect)
{
    Harness h(Clean());
    h.pipe.SetDropFilter([n = 0](int from, const LhpFrame& f) mutable
                         { return from == 1 && f.type == LhpFrameType::Accept && n++ == 0; });
    ASSERT_TRUE(h.Open());
    EXPECT_EQ(h.pipe.Sent(0, LhpFrameType::Connect), 2u);
    EXPECT_EQ(h.pipe.Sent(1, LhpFrameType::Accept), 2u);
    EXPECT_EQ(h.ea.Count(LhpEvent::Kind::Connected), 1u);
    EXPECT_EQ(h.eb.Count(LhpEvent::Kind::Connected), 1u);
    EXPECT_EQ(h.b.GetStats().badFrames, 0u);
}

TEST(LhpLinkHandshake, ConnectToNobodyGivesUp)
{
    LhpConfig c;
    c.connectRetries = 8;
    Harness h(Clean(), c);
    h.pipe.SetBlackhole(0, true);
    EXPECT_FALSE(h.Open(60s));
    EXPECT_EQ(h.a.GetState(), LhpState::Dead);
    EXPECT_EQ(h.pipe.Sent(0, LhpFrameType::Connect), 8u);
    EXPECT_EQ(h.ea.Count(LhpEvent::Kind::LinkDead), 1u);
    // Backoff 50, 100, 200, 400, 800, then capped at 1000 ms.
    EXPECT_EQ(*h.ea.When(LhpEvent::Kind::LinkDead), 50ms + 100ms + 200ms + 400ms + 800ms + 3000ms);
    std::vector<std::uint8_t> out;
    EXPECT_FALSE(h.a.PollTransmit(h.pipe.Now(), out));
    EXPECT_FALSE(h.a.Send(LhpChannel::Reliable, {1}, h.pipe.Now()));
    EXPECT_FALSE(h.a.NextDeadline().has_value());
}

TEST(LhpLinkHandshake, ConnectRetriesCountsFrames)
{
    LhpConfig c;
    c.connectRetries = 3;
    Harness h(Clean(), c);
    h.pipe.SetBlackhole(0, true);
    EXPECT_FALSE(h.Open(60s));
    EXPECT_EQ(h.pipe.Sent(0, LhpFrameType::Connect), 3u);
    EXPECT_EQ(*h.ea.When(LhpEvent::Kind::LinkDead), 50ms + 100ms + 200ms);
}

TEST(LhpLinkHandshake, SdusQueuedWhileConnectingFlowAfterAccept)
{
    Harness h(Clean());
    h.a.Connect(h.pipe.Now());
    EXPECT_EQ(h.a.GetState(), LhpState::Connecting);
    Sdus sdus = MakeSdus(4, 20000, 1, 1476);
    for (const auto& s : sdus)
    {
        ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, s, h.pipe.Now()));
    }
    ASSERT_TRUE(h.RunUntil([&] { return h.eb.reliable.size() == sdus.size(); }, 5s));
    EXPECT_TRUE(SameSdus(sdus, h.eb.reliable));
}

TEST(LhpLinkHandshake, ConnectWithOtherNonceOnOpenLinkIsBad)
{
    Harness h(Clean());
    ASSERT_TRUE(h.Open());
    LhpFrame restart;
    restart.type = LhpFrameType::Connect;
    restart.connId = kConnId;
    EncodeConnectParams(LhpConnectParams{1476, 128, 0x12345678}, restart.payload);
    h.b.Receive(restart, h.pipe.Now());
    EXPECT_EQ(h.b.GetStats().badFrames, 1u);
    EXPECT_EQ(h.b.GetState(), LhpState::Open);
    h.RunFor(100ms);
    EXPECT_EQ(h.pipe.Sent(1, LhpFrameType::Accept), 1u);
    EXPECT_EQ(h.eb.Count(LhpEvent::Kind::Connected), 1u);
}

TEST(LhpLinkHandshake, DegenerateConfigIsClampedAndStillConnects)
{
    LhpConfig c;
    c.window = 0;
    c.maxPayload = 0;
    Harness h(Clean(), c);
    ASSERT_TRUE(h.Open());
    EXPECT_EQ(h.a.GetConfig().window, 1u);
    EXPECT_EQ(h.a.GetConfig().maxPayload, 1u);
    EXPECT_FALSE(h.a.Send(LhpChannel::Reliable, {1, 2}, h.pipe.Now()));
    for (std::uint8_t i = 0; i < 5; ++i)
    {
        ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {i}, h.pipe.Now()));
    }
    ASSERT_TRUE(h.RunUntil([&] { return h.eb.reliable.size() == 5; }, 1s));
    EXPECT_EQ(h.eb.reliable[4], std::vector<std::uint8_t>{4});
}

TEST(LhpLinkHandshake, AcceptRejectsNonConnect)
{
    LhpLink b(LhpConfig{}, kConnId, 2);
    EXPECT_FALSE(b.Accept(DataFrame(0, {1}), 0ns));
    LhpFrame connect;
    connect.type = LhpFrameType::Connect;
    connect.connId = kConnId;
    connect.payload = {1, 2, 3}; // not 8 bytes of params
    EXPECT_FALSE(b.Accept(connect, 0ns));
    EXPECT_EQ(b.GetState(), LhpState::Idle);
}

// ---------------------------------------------------------------------------------------------
// 4. Keepalive and dead-peer detection.

TEST(LhpLinkKeepalive, IdleLinkProbesAndStaysOpen)
{
    Harness h(Clean());
    std::size_t probes = 0;
    std::size_t responses = 0;
    h.pipe.SetTap(
        [&](int, const LhpFrame& f, TimePoint)
        {
            if (f.type == LhpFrameType::Keepalive)
            {
                ((f.flags & kFlagResponse) ? responses : probes)++;
            }
        });
    ASSERT_TRUE(h.Open());
    h.RunFor(20s);
    EXPECT_EQ(h.a.GetState(), LhpState::Open);
    EXPECT_EQ(h.b.GetState(), LhpState::Open);
    EXPECT_GE(probes, 10u);
    EXPECT_LE(probes, 45u);
    EXPECT_EQ(responses, probes);
    EXPECT_EQ(h.ea.Count(LhpEvent::Kind::LinkDead) + h.eb.Count(LhpEvent::Kind::LinkDead), 0u);
}

TEST(LhpLinkKeepalive, SilencedPeerIsDeclaredDead)
{
    Harness h(Clean());
    ASSERT_TRUE(h.Open());
    h.RunFor(3500ms);
    const TimePoint silencedAt = h.pipe.Now();
    h.pipe.SetBlackhole(1, true);
    const LhpConfig& c = h.a.GetConfig();
    ASSERT_TRUE(h.RunUntil([&] { return h.a.GetState() == LhpState::Dead; }, 30s));
    Duration took = *h.ea.When(LhpEvent::Kind::LinkDead) - silencedAt;
    EXPECT_LE(took, c.deadTimeout + c.keepaliveInterval);
    EXPECT_GE(took, c.deadTimeout - c.keepaliveInterval - 10ms);
    // a stops talking, so b follows.
    ASSERT_TRUE(h.RunUntil([&] { return h.b.GetState() == LhpState::Dead; }, 30s));
    EXPECT_LE(*h.eb.When(LhpEvent::Kind::LinkDead) - *h.ea.When(LhpEvent::Kind::LinkDead),
              c.deadTimeout + c.keepaliveInterval);
}

TEST(LhpLinkKeepalive, AnyFrameRefreshesLiveness)
{
    LhpConfig c;
    c.keepaliveInterval = 100s; // no probes: only data keeps the link alive
    c.deadTimeout = 1s;
    Harness h(Clean(), c);
    ASSERT_TRUE(h.Open());
    // a sends one SDU every 400 ms for 5 s; b only acks. Both stay alive.
    for (int i = 0; i < 12; ++i)
    {
        ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {static_cast<std::uint8_t>(i)}, h.pipe.Now()));
        h.RunFor(400ms);
    }
    EXPECT_EQ(h.a.GetState(), LhpState::Open);
    EXPECT_EQ(h.b.GetState(), LhpState::Open);
    EXPECT_EQ(h.eb.reliable.size(), 12u);
    h.RunFor(1500ms); // now silent
    EXPECT_EQ(h.a.GetState(), LhpState::Dead);
    EXPECT_EQ(h.b.GetState(), LhpState::Dead);
}

// ---------------------------------------------------------------------------------------------
// 8. Send refusal and bad input.

TEST(LhpLinkSend, RefusedUnlessConnectingOrOpen)
{
    LhpLink idle(LhpConfig{}, kConnId, 1);
    EXPECT_FALSE(idle.Send(LhpChannel::Reliable, {1}, 0ns));
    EXPECT_EQ(idle.SendSpace(LhpChannel::Reliable), 0u);
    idle.Connect(0ns);
    EXPECT_TRUE(idle.Send(LhpChannel::Reliable, {1}, 0ns));
    idle.Close(0ns);
    EXPECT_EQ(idle.GetState(), LhpState::Closed);
    EXPECT_FALSE(idle.Send(LhpChannel::Reliable, {1}, 0ns));
    std::vector<std::uint8_t> out;
    EXPECT_FALSE(idle.PollTransmit(0ns, out));
}

TEST(LhpLinkSend, OversizeRefused)
{
    LhpConfig c;
    c.maxPayload = 500;
    LhpLink a(c, kConnId, 1);
    a.Connect(0ns);
    const std::size_t space = a.SendSpace(LhpChannel::Reliable);
    EXPECT_FALSE(a.Send(LhpChannel::Reliable, std::vector<std::uint8_t>(501), 0ns));
    EXPECT_FALSE(a.Send(LhpChannel::SemiReliable, std::vector<std::uint8_t>(501), 0ns));
    EXPECT_EQ(a.SendSpace(LhpChannel::Reliable), space);
    EXPECT_TRUE(a.Send(LhpChannel::Reliable, std::vector<std::uint8_t>(500), 0ns));
    EXPECT_EQ(a.SendSpace(LhpChannel::Reliable), space - 1);
}

TEST(LhpLinkSend, FullBufferRefusedUntilAcked)
{
    LhpConfig c;
    c.window = 4;
    c.sendBufferSdus = 3;
    Harness h(Clean(), c);
    h.a.Connect(h.pipe.Now());
    EXPECT_EQ(h.a.SendSpace(LhpChannel::Reliable), 7u);
    for (std::uint8_t i = 0; i < 7; ++i)
    {
        EXPECT_TRUE(h.a.Send(LhpChannel::Reliable, {i}, h.pipe.Now()));
        EXPECT_EQ(h.a.SendSpace(LhpChannel::Reliable), 6u - i);
    }
    EXPECT_FALSE(h.a.Send(LhpChannel::Reliable, {7}, h.pipe.Now()));
    EXPECT_EQ(h.a.SendSpace(LhpChannel::SemiReliable), 7u); // channels are separate
    ASSERT_TRUE(h.RunUntil([&] { return h.a.AllReliableAcked(); }, 5s));
    EXPECT_EQ(h.a.SendSpace(LhpChannel::Reliable), 7u);
    EXPECT_EQ(h.eb.reliable.size(), 7u);
}

TEST(LhpLinkSend, RefusedAfterCloseAndWhenPeerCloses)
{
    Harness h(Clean());
    ASSERT_TRUE(h.Open());
    h.a.Close(h.pipe.Now());
    EXPECT_FALSE(h.a.Send(LhpChannel::Reliable, {1}, h.pipe.Now()));
    EXPECT_EQ(h.a.SendSpace(LhpChannel::Reliable), 0u);
    h.RunUntil([&] { return h.b.GetState() != LhpState::Open; }, 1s);
    EXPECT_FALSE(h.b.Send(LhpChannel::Reliable, {1}, h.pipe.Now()));
}

TEST(LhpLinkBadInput, WrongConnIdCountedAndIgnored)
{
    Harness h(Clean());
    ASSERT_TRUE(h.Open());
    h.b.Receive(DataFrame(h.b.GetConfig().initialSeq, {9}, kConnId + 1), h.pipe.Now());
    EXPECT_EQ(h.b.GetStats().badFrames, 1u);
    h.RunFor(10ms);
    EXPECT_TRUE(h.eb.reliable.empty());
    EXPECT_EQ(h.b.GetState(), LhpState::Open);
    // The real frame with that seq still goes through.
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {5}, h.pipe.Now()));
    ASSERT_TRUE(h.RunUntil([&] { return h.eb.reliable.size() == 1; }, 1s));
    EXPECT_EQ(h.eb.reliable[0], std::vector<std::uint8_t>{5});
}

TEST(LhpLinkBadInput, GarbageBytesCountedAndIgnored)
{
    Harness h(Clean());
    ASSERT_TRUE(h.Open());
    std::mt19937 rng(3);
    std::size_t rejected = 0;
    for (int i = 0; i < 200; ++i)
    {
        std::vector<std::uint8_t> junk(rng() % 64);
        for (auto& b : junk)
        {
            b = static_cast<std::uint8_t>(rng());
        }
        rejected += h.b.Receive(junk.data(), junk.size(), h.pipe.Now()) != DecodeError::Ok;
    }
    EXPECT_EQ(rejected, 200u); // random bytes virtually never form a valid v1 header
    EXPECT_EQ(h.b.GetStats().badFrames, 200u);
    std::vector<std::uint8_t> good = EncodeLhpFrame(DataFrame(0, {1, 2}));
    good.pop_back();
    EXPECT_EQ(h.b.Receive(good.data(), good.size(), h.pipe.Now()), DecodeError::Truncated);
    EXPECT_EQ(h.b.Receive(nullptr, 0, h.pipe.Now()), DecodeError::Truncated);
    EXPECT_EQ(h.b.GetStats().badFrames, 202u);
    h.RunFor(10ms);
    EXPECT_TRUE(h.eb.reliable.empty());
    EXPECT_EQ(h.b.GetState(), LhpState::Open);
}

TEST(LhpLinkBadInput, ImpossibleAcksAndMisplacedFramesAreBad)
{
    Harness h(Clean());
    ASSERT_TRUE(h.Open());
    const std::uint32_t seq0 = h.a.GetConfig().initialSeq;
    LhpFrame ack;
    ack.type = LhpFrameType::Ack;
    ack.connId = kConnId;
    ack.flags = kFlagAck;
    ack.ack = seq0 + 5; // acks frames a never sent
    h.a.Receive(ack, h.pipe.Now());
    EXPECT_EQ(h.a.GetStats().badFrames, 1u);
    ack.ack = seq0;
    ack.sack = 0x4; // SACKs seq0 + 3, never sent
    h.a.Receive(ack, h.pipe.Now());
    EXPECT_EQ(h.a.GetStats().badFrames, 2u);
    ack.sack = 0;
    ack.flags = 0; // Ack without its ack fields
    h.a.Receive(ack, h.pipe.Now());
    EXPECT_EQ(h.a.GetStats().badFrames, 3u);
    LhpFrame fwd;
    fwd.type = LhpFrameType::Forward;
    fwd.connId = kConnId;
    fwd.channel = LhpChannel::Reliable; // Forward exists only on the semi-reliable channel
    fwd.seq = seq0 + 10;
    h.a.Receive(fwd, h.pipe.Now());
    EXPECT_EQ(h.a.GetStats().badFrames, 4u);
    LhpFrame v2 = DataFrame(seq0, {1});
    v2.version = 2;
    h.a.Receive(v2, h.pipe.Now());
    EXPECT_EQ(h.a.GetStats().badFrames, 5u);
    LhpFrame far = DataFrame(seq0 + 1000, {1}); // far beyond the reliable window
    h.a.Receive(far, h.pipe.Now());
    EXPECT_EQ(h.a.GetStats().badFrames, 6u);
    h.RunFor(10ms);
    EXPECT_TRUE(h.ea.reliable.empty());
    EXPECT_EQ(h.a.GetState(), LhpState::Open);
    LhpLink idle(LhpConfig{}, kConnId, 9);
    idle.Receive(DataFrame(0, {1}), 0ns);
    EXPECT_EQ(idle.GetStats().badFrames, 1u);
}

// ---------------------------------------------------------------------------------------------
// Close.

TEST(LhpLinkClose, WaitsForUnackedDataUnderLoss)
{
    Harness h(Impaired(0.2, 21));
    ASSERT_TRUE(h.Open());
    Sdus sdus = MakeSdus(21, 60000, 1, 1476);
    for (const auto& s : sdus)
    {
        ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, s, h.pipe.Now()));
    }
    h.a.Close(h.pipe.Now());
    EXPECT_EQ(h.a.GetState(), LhpState::Closing);
    ASSERT_TRUE(h.RunUntil(
        [&] { return h.a.GetState() == LhpState::Closed && h.b.GetState() == LhpState::Closed; },
        60s));
    EXPECT_TRUE(SameSdus(sdus, h.eb.reliable));
    EXPECT_EQ(h.ea.Count(LhpEvent::Kind::Closed), 1u);
    EXPECT_EQ(h.eb.Count(LhpEvent::Kind::Closed), 1u);
}

TEST(LhpLinkClose, PeerDrainsItsDataBeforeAnswering)
{
    Harness h(Impaired(0.2, 22));
    ASSERT_TRUE(h.Open());
    Sdus sdus = MakeSdus(22, 60000, 1, 1476);
    for (const auto& s : sdus)
    {
        ASSERT_TRUE(h.b.Send(LhpChannel::Reliable, s, h.pipe.Now()));
    }
    ASSERT_TRUE(h.CloseBoth());
    EXPECT_TRUE(SameSdus(sdus, h.ea.reliable));
}

TEST(LhpLinkClose, SimultaneousClose)
{
    Harness h(Clean());
    ASSERT_TRUE(h.Open());
    h.b.Close(h.pipe.Now());
    ASSERT_TRUE(h.CloseBoth());
    EXPECT_EQ(h.ea.Count(LhpEvent::Kind::Closed), 1u);
    EXPECT_EQ(h.eb.Count(LhpEvent::Kind::Closed), 1u);
}

TEST(LhpLinkClose, LostResponseIsAnsweredAfterClosed)
{
    Harness h(Clean());
    h.pipe.SetDropFilter(
        [n = 0](int from, const LhpFrame& f) mutable {
            return from == 1 && f.type == LhpFrameType::Close && (f.flags & kFlagResponse) &&
                   n++ == 0;
        });
    ASSERT_TRUE(h.Open());
    ASSERT_TRUE(h.CloseBoth());
    EXPECT_EQ(h.pipe.Sent(0, LhpFrameType::Close), 2u);
    EXPECT_EQ(h.pipe.Sent(1, LhpFrameType::Close), 2u);
    EXPECT_LT(*h.eb.When(LhpEvent::Kind::Closed), *h.ea.When(LhpEvent::Kind::Closed));
    // Closed links are quiet and keep no timers.
    std::vector<std::uint8_t> out;
    EXPECT_FALSE(h.a.PollTransmit(h.pipe.Now(), out));
    EXPECT_FALSE(h.b.PollTransmit(h.pipe.Now(), out));
    EXPECT_FALSE(h.a.NextDeadline().has_value());
    EXPECT_FALSE(h.b.NextDeadline().has_value());
}

TEST(LhpLinkClose, CloseWhileConnectingAbandons)
{
    LhpLink a(LhpConfig{}, kConnId, 1);
    a.Connect(0ns);
    a.Close(0ns);
    EXPECT_EQ(a.GetState(), LhpState::Closed);
    auto ev = a.PollEvent();
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->kind, LhpEvent::Kind::Closed);
    std::vector<std::uint8_t> out;
    EXPECT_FALSE(a.PollTransmit(0ns, out));
}

} // namespace
} // namespace resoa
