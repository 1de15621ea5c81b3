/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Issue 11: LHP on a lossy radio link with few MAC retries. Each mechanism is a LhpConfig
 * switch, and each test runs it on and off, so it fails if the mechanism stops working:
 *  - lossTolerantRto: a random loss does not double the RTO, an outage still does;
 *  - minRto: a stalled window whose retransmission was lost recovers within a few ms;
 *  - adaptiveAcks: fewer ack frames at 30 % loss, data still intact;
 *  - macRetryControl: the advised MAC transmission count for a given per-attempt loss.
 */
#include "lhp-frame.h"
#include "lhp-link.h"

#include "core/lhp-link-harness.h"
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace resoa
{
namespace
{

using namespace std::chrono_literals;
using namespace resoa::test;

/// Opens a link on a clean 1 ms pipe and exchanges a few frames, so the RTT is measured.
void
Warm(Harness& h)
{
    ASSERT_TRUE(h.Open());
    for (int i = 0; i < 20; ++i)
    {
        ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {1}, h.pipe.Now()));
        h.RunFor(5ms);
    }
    h.RunFor(50ms);
}

/// Frame `lost` is lost once and only `lost + 1` comes after it (too few later frames for a
/// fast retransmit): the timer repairs it. Returns the RTO in force just after that
/// retransmission and, in `before`, the one just before the loss.
Duration
RtoAfterRandomLoss(bool lossTolerant, Duration& before)
{
    LhpConfig c;
    c.lossTolerantRto = lossTolerant;
    Harness h(Clean(1ms, 100e6), c);
    Warm(h);
    if (::testing::Test::HasFatalFailure())
    {
        return Duration{0};
    }
    const std::uint32_t lost = c.initialSeq + 20;
    h.pipe.SetDropFilter(
        [&](int from, const LhpFrame& f)
        {
            return from == 0 && f.type == LhpFrameType::Data && f.seq == lost &&
                   h.pipe.DataSends(0, LhpChannel::Reliable, lost) == 1;
        });
    before = h.a.GetRto();
    EXPECT_TRUE(h.a.Send(LhpChannel::Reliable, {2}, h.pipe.Now()));
    EXPECT_TRUE(h.a.Send(LhpChannel::Reliable, {3}, h.pipe.Now()));
    std::optional<Duration> after;
    h.pipe.SetTap(
        [&](int from, const LhpFrame& f, TimePoint)
        {
            if (from == 0 && f.type == LhpFrameType::Data && f.seq == lost && !after &&
                h.pipe.DataSends(0, LhpChannel::Reliable, lost) == 2)
            {
                after = h.a.GetRto(); // the retransmission (the count includes it)
            }
        });
    EXPECT_TRUE(h.RunUntil([&] { return h.eb.reliable.size() == 22; }, 2s));
    EXPECT_TRUE(after.has_value());
    return after.value_or(Duration{0});
}

TEST(LhpLossTolerantRto, RandomLossDoesNotDoubleTheRto)
{
    Duration before{0};
    Duration after = RtoAfterRandomLoss(true, before);
    ASSERT_GT(before, Duration{0});
    // A frame sent after the lost one was acked: lost, not late; the RTO stays.
    EXPECT_LT(after, before + before / 2);
}

TEST(LhpLossTolerantRto, OffEveryTimeoutDoublesTheRto)
{
    Duration before{0};
    Duration after = RtoAfterRandomLoss(false, before);
    ASSERT_GT(before, Duration{0});
    EXPECT_GE(after, before + before / 2);
}

TEST(LhpLossTolerantRto, OutageStillBacksOff)
{
    Harness h(Clean(1ms, 100e6));
    Warm(h);
    const Duration before = h.a.GetRto();
    h.pipe.SetBlackhole(0, true);
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {2}, h.pipe.Now()));
    const std::uint32_t seq = h.a.GetConfig().initialSeq + 20;
    ASSERT_TRUE(
        h.RunUntil([&] { return h.pipe.DataSends(0, LhpChannel::Reliable, seq) == 3; }, 2s));
    // Nothing sent later was acked: two timeouts, two doublings.
    EXPECT_EQ(h.a.GetRto(), std::min(4 * before, h.a.GetConfig().maxRto));
}

// Regression for the default minRto (20 ms -> 5 ms). A window of 4 stalls on a hole whose
// fast retransmission is lost too; only the timer can repair it, and on a 1 ms link it
// must not wait 20 ms.
TEST(LhpMinRto, StalledWindowRecoversWithinAFewMilliseconds)
{
    LhpConfig c;
    c.window = 4;
    Harness h(Clean(1ms, 100e6), c);
    Warm(h);
    const std::uint32_t hole = c.initialSeq + 20;
    h.pipe.SetDropFilter(
        [&](int from, const LhpFrame& f)
        {
            return from == 0 && f.type == LhpFrameType::Data && f.seq == hole &&
                   h.pipe.DataSends(0, LhpChannel::Reliable, hole) <= 2;
        });
    std::vector<TimePoint> sends;
    h.pipe.SetTap(
        [&](int from, const LhpFrame& f, TimePoint at)
        {
            if (from == 0 && f.type == LhpFrameType::Data && f.seq == hole)
            {
                sends.push_back(at);
            }
        });
    for (int i = 0; i < 8; ++i)
    {
        ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {4}, h.pipe.Now()));
    }
    ASSERT_TRUE(h.RunUntil([&] { return h.eb.reliable.size() == 28; }, 2s));
    ASSERT_EQ(sends.size(), 3u);
    EXPECT_LE(sends[2] - sends[1], 10ms);
    EXPECT_EQ(LhpConfig{}.minRto, 5ms);
}

// ---------------------------------------------------------------------------------------------
// Acks

/// A 30 % lossy bulk transfer; returns the receiver's standalone acks per data frame.
double
AcksPerFrame(bool adaptive, std::uint32_t seed)
{
    LhpConfig c;
    c.adaptiveAcks = adaptive;
    PipeParams p = Clean(1ms, 50e6);
    p.loss = 0.3;
    p.seed = seed;
    p.pollWhenIdle = true;
    Harness h(p, c);
    EXPECT_TRUE(h.Open());
    Source ab{MakeSdus(seed, 1476 * 3000, 1476, 1476)};
    EXPECT_TRUE(h.RunUntil(
        [&]
        {
            ab.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            return h.eb.reliable.size() == ab.sdus.size();
        },
        120s));
    EXPECT_TRUE(SameSdus(ab.sdus, h.eb.reliable));
    return static_cast<double>(h.b.GetStats().acksSent) / h.a.GetStats().dataFramesSent;
}

TEST(LhpAdaptiveAcks, FewerAckFramesAtThirtyPercentLoss)
{
    const double on = AcksPerFrame(true, 3);
    const double off = AcksPerFrame(false, 3);
    // Off: nearly every frame above a hole is acked (measured ~0.9 per data frame).
    EXPECT_GT(off, 0.7);
    EXPECT_LT(on, 0.7 * off);
}

TEST(LhpAdaptiveAcks, GapIsAckedAfterGapAckEveryFrames)
{
    LhpConfig c;
    c.ackEveryFrames = 100;
    c.ackDelay = 50ms;
    c.gapAckEveryFrames = 3;
    Harness h(Clean(1ms, 0), c);
    ASSERT_TRUE(h.Open());
    h.pipe.SetDropFilter([&](int from, const LhpFrame& f)
                         { return from == 0 && f.type == LhpFrameType::Data && f.seq == 0; });
    std::vector<LhpFrame> acks;
    h.pipe.SetTap(
        [&](int from, const LhpFrame& f, TimePoint)
        {
            if (from == 1 && f.type == LhpFrameType::Ack)
            {
                acks.push_back(f);
            }
        });
    for (std::uint8_t i = 0; i < 3; ++i)
    {
        ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {i}, h.pipe.Now()));
    }
    h.RunFor(1500us);
    EXPECT_TRUE(acks.empty()); // frames 1 and 2 above the hole: not yet
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {3}, h.pipe.Now()));
    h.RunFor(1500us);
    ASSERT_EQ(acks.size(), 1u); // the third frame above the hole
    EXPECT_EQ(acks[0].ack, c.initialSeq);
    EXPECT_EQ(acks[0].sack, 0b111u);
}

// ---------------------------------------------------------------------------------------------
// MAC transmission advice

/// Bulk a -> b over a pipe that loses a's Data frames like a MAC making
/// a.GetMacTransmissions() attempts at per-attempt loss `attempt` (acks are not lost, so
/// the measured residual loss is exact); returns a's advice at the end.
std::uint32_t
AdviceAt(double attempt, bool control, std::uint32_t* receiverAdvice = nullptr)
{
    LhpConfig c;
    c.macRetryControl = control;
    PipeParams p = Clean(1ms, 50e6);
    p.pollWhenIdle = true;
    Harness h(p, c);
    EXPECT_TRUE(h.Open());
    EXPECT_EQ(h.a.GetMacTransmissions(), control ? c.macTransmissionsMax : 0u);
    std::mt19937 rng(7);
    h.pipe.SetDropFilter(
        [&](int from, const LhpFrame& f)
        {
            if (from != 0 || f.type != LhpFrameType::Data)
            {
                return false;
            }
            double n = std::max<std::uint32_t>(h.a.GetMacTransmissions(), 1);
            return std::uniform_real_distribution<double>(0, 1)(rng) < std::pow(attempt, n);
        });
    Source ab{MakeSdus(11, 1476 * 4000, 1476, 1476)};
    h.RunUntil(
        [&]
        {
            ab.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            return h.eb.reliable.size() == ab.sdus.size();
        },
        300s);
    EXPECT_EQ(h.eb.reliable.size(), ab.sdus.size());
    if (receiverAdvice)
    {
        *receiverAdvice = h.b.GetMacTransmissions();
    }
    return h.a.GetMacTransmissions();
}

TEST(LhpMacRetryControl, FewestTransmissionsThatLeaveTheResidualTarget)
{
    // macResidualLoss 0.45: one transmission up to 45 % loss per attempt, then more.
    EXPECT_EQ(AdviceAt(0.05, true), 1u);
    EXPECT_EQ(AdviceAt(0.3, true), 1u);
    EXPECT_EQ(AdviceAt(0.6, true), 2u);  // 0.36 <= 0.45 < 0.6
    EXPECT_EQ(AdviceAt(0.95, true), 7u); // 0.95^7 = 0.70: capped at macTransmissionsMax
}

TEST(LhpMacRetryControl, ReceiverAdvisesFromThePeersLoss)
{
    std::uint32_t receiver = 0;
    AdviceAt(0.3, true, &receiver);
    // It sends only acks: the peer's residual loss (30 % at one transmission) is its guide.
    EXPECT_EQ(receiver, 1u);
}

TEST(LhpMacRetryControl, OffAdvisesNothing)
{
    std::uint32_t receiver = 9;
    EXPECT_EQ(AdviceAt(0.3, false, &receiver), 0u);
    EXPECT_EQ(receiver, 0u);
}

} // namespace
} // namespace resoa
