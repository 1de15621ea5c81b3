/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * LhpLink ARQ through LossyPipe: reliable and semi-reliable delivery, RTT and RTO, acks,
 * sequence wraparound.
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
// 1. Reliable channel: exactly once, in order, both ways, under loss, reordering, duplication.

class ReliableBulk : public ::testing::TestWithParam<std::tuple<double, std::uint32_t>>
{
};

TEST_P(ReliableBulk, ExactlyOnceInOrderBothWaysThenClose)
{
    auto [loss, seed] = GetParam();
    LhpConfig c;
    // At 50 % loss each way only one Connect (or Close) exchange in four gets through; with
    // the defaults (8 tries, 5 s of silence) a handshake or close fails a few % of the time.
    c.connectRetries = 30;
    c.deadTimeout = 20s;
    Harness h(Impaired(loss, seed), c);
    const std::size_t maxPayload = h.a.GetConfig().maxPayload;
    Source ab{MakeSdus(seed * 2 + 1, 300000, 1, maxPayload)};
    Source ba{MakeSdus(seed * 2 + 2, 300000, 1, maxPayload)};

    h.a.Connect(h.pipe.Now());
    bool done = h.RunUntil(
        [&]
        {
            ab.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            ba.Feed(h.b, LhpChannel::Reliable, h.pipe.Now());
            return h.eb.reliable.size() == ab.sdus.size() && h.ea.reliable.size() == ba.sdus.size();
        },
        600s);
    ASSERT_FALSE(h.pipe.Stuck());
    ASSERT_TRUE(done) << "a->b " << h.eb.reliable.size() << "/" << ab.sdus.size() << ", b->a "
                      << h.ea.reliable.size() << "/" << ba.sdus.size() << " at "
                      << h.pipe.Now().count() / 1e9 << " s, a " << ToString(h.a.GetState())
                      << ", b " << ToString(h.b.GetState());
    EXPECT_TRUE(SameSdus(ab.sdus, h.eb.reliable));
    EXPECT_TRUE(SameSdus(ba.sdus, h.ea.reliable));
    EXPECT_EQ(h.a.GetState(), LhpState::Open);
    EXPECT_EQ(h.b.GetState(), LhpState::Open);
    EXPECT_EQ(h.b.GetStats().sdusDelivered, ab.sdus.size());
    EXPECT_EQ(h.a.GetStats().sdusDelivered, ba.sdus.size());
    EXPECT_EQ(h.a.GetStats().badFrames, 0u);
    EXPECT_EQ(h.b.GetStats().badFrames, 0u);
    if (loss > 0)
    {
        EXPECT_GT(h.a.GetStats().retransmissions, 0u);
    }

    ASSERT_TRUE(h.CloseBoth()) << "a " << ToString(h.a.GetState()) << ", b "
                               << ToString(h.b.GetState());
    for (const Endpoint* e : {&h.ea, &h.eb})
    {
        EXPECT_EQ(e->Count(LhpEvent::Kind::Connected), 1u);
        EXPECT_EQ(e->Count(LhpEvent::Kind::Closed), 1u);
        EXPECT_EQ(e->Count(LhpEvent::Kind::LinkDead), 0u);
    }
    // Nothing more arrived after the close.
    EXPECT_EQ(h.eb.reliable.size(), ab.sdus.size());
    EXPECT_EQ(h.ea.reliable.size(), ba.sdus.size());
}

INSTANTIATE_TEST_SUITE_P(LossAndSeeds,
                         ReliableBulk,
                         ::testing::Combine(::testing::Values(0.0, 0.1, 0.3, 0.5),
                                            ::testing::Range<std::uint32_t>(1, 21)),
                         [](const ::testing::TestParamInfo<ReliableBulk::ParamType>& p)
                         {
                             return "loss" +
                                    std::to_string(
                                        static_cast<int>(std::get<0>(p.param) * 100 + 0.5)) +
                                    "_seed" + std::to_string(std::get<1>(p.param));
                         });

TEST(LhpLinkReliable, CleanPipeNeedsNoRetransmission)
{
    Harness h(Clean());
    Source ab{MakeSdus(7, 200000, 1, 1476)};
    ASSERT_TRUE(h.Open());
    ASSERT_TRUE(h.RunUntil(
        [&]
        {
            ab.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            return h.eb.reliable.size() == ab.sdus.size();
        },
        60s));
    EXPECT_TRUE(SameSdus(ab.sdus, h.eb.reliable));
    EXPECT_EQ(h.a.GetStats().retransmissions, 0u);
    EXPECT_EQ(h.a.GetStats().dataFramesSent, ab.sdus.size());
    EXPECT_EQ(h.b.GetStats().duplicatesReceived, 0u);
}

TEST(LhpLinkReliable, FastRetransmitBeatsTheTimer)
{
    LhpConfig c;
    c.minRto = 200ms; // a timer-driven retransmission could not happen before 200 ms
    Harness h(Clean(), c);
    const std::uint32_t victim = c.initialSeq + 10;
    h.pipe.SetDropFilter(
        [&, dropped = false](int from, const LhpFrame& f) mutable
        {
            if (from == 0 && f.type == LhpFrameType::Data && f.seq == victim && !dropped)
            {
                dropped = true;
                return true;
            }
            return false;
        });
    std::vector<TimePoint> victimSends;
    h.pipe.SetTap(
        [&](int from, const LhpFrame& f, TimePoint at)
        {
            if (from == 0 && f.type == LhpFrameType::Data && f.seq == victim)
            {
                victimSends.push_back(at);
            }
        });
    Source ab{MakeSdus(3, 60 * 1000, 1000, 1000)};
    ASSERT_TRUE(h.Open());
    ASSERT_TRUE(h.RunUntil(
        [&]
        {
            ab.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            return h.eb.reliable.size() == ab.sdus.size();
        },
        10s));
    EXPECT_TRUE(SameSdus(ab.sdus, h.eb.reliable));
    ASSERT_EQ(victimSends.size(), 2u);
    EXPECT_LT(victimSends[1] - victimSends[0], 20ms);
    EXPECT_EQ(h.a.GetStats().retransmissions, 1u);
}

TEST(LhpLinkReliable, RetransmissionLimitKillsTheLink)
{
    LhpConfig c;
    c.maxRetransmissions = 3;
    Harness h(Clean(), c);
    ASSERT_TRUE(h.Open());
    h.pipe.SetBlackhole(0, true);
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {1, 2, 3}, h.pipe.Now()));
    ASSERT_TRUE(h.RunUntil([&] { return h.a.GetState() == LhpState::Dead; }, 30s));
    EXPECT_EQ(h.pipe.DataSends(0, LhpChannel::Reliable, c.initialSeq), 4u);
    EXPECT_EQ(h.ea.Count(LhpEvent::Kind::LinkDead), 1u);
    std::vector<std::uint8_t> out;
    EXPECT_FALSE(h.a.PollTransmit(h.pipe.Now(), out));
    EXPECT_FALSE(h.a.NextDeadline().has_value());
}

TEST(LhpLinkReliable, EmptySduIsDelivered)
{
    Harness h(Clean());
    ASSERT_TRUE(h.Open());
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {}, h.pipe.Now()));
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {42}, h.pipe.Now()));
    ASSERT_TRUE(h.RunUntil([&] { return h.eb.reliable.size() == 2; }, 1s));
    EXPECT_TRUE(h.eb.reliable[0].empty());
    EXPECT_EQ(h.eb.reliable[1], std::vector<std::uint8_t>{42});
}

// ---------------------------------------------------------------------------------------------
// 2. Semi-reliable channel.

struct SemiRun
{
    Sdus sent;
    std::set<std::size_t> delivered;
    std::set<std::uint32_t> droppedSeqs;
    std::size_t duplicatesDelivered = 0;
    std::size_t corrupt = 0;
    std::size_t inversions = 0; //!< delivered with a lower index than the one before
};

/// Sends `count` indexed semi-reliable SDUs a->b until every one is delivered or dropped.
SemiRun
RunSemi(Harness& h, std::size_t count, std::uint32_t seed)
{
    SemiRun r;
    Source src{MakeIndexedSdus(seed, count, 4, 600)};
    r.sent = src.sdus;
    std::size_t seenSemi = 0;
    std::optional<std::size_t> last;
    const std::uint32_t seq0 = h.a.GetConfig().initialSeq;
    h.RunUntil(
        [&]
        {
            src.Feed(h.a, LhpChannel::SemiReliable, h.pipe.Now());
            for (; seenSemi < h.eb.semi.size(); ++seenSemi)
            {
                const auto& sdu = h.eb.semi[seenSemi];
                std::size_t i = IndexOf(sdu);
                if (i >= r.sent.size() || r.sent[i] != sdu)
                {
                    r.corrupt++;
                    continue;
                }
                if (!r.delivered.insert(i).second)
                {
                    r.duplicatesDelivered++;
                }
                if (last && i < *last)
                {
                    r.inversions++;
                }
                last = i;
            }
            for (const auto& [ev, at] : h.ea.events)
            {
                if (ev.kind == LhpEvent::Kind::SemiReliableDrop)
                {
                    r.droppedSeqs.insert(ev.seq - seq0);
                }
            }
            return src.AllQueued() && h.a.SendSpace(LhpChannel::SemiReliable) ==
                                          h.a.GetConfig().window + h.a.GetConfig().sendBufferSdus;
        },
        300s);
    h.RunFor(3s); // let Forward frames settle
    return r;
}

class SemiReliable : public ::testing::TestWithParam<std::uint32_t>
{
};

TEST_P(SemiReliable, AtMostOnceBoundedRetriesDropsReported)
{
    std::uint32_t seed = GetParam();
    LhpConfig c;
    c.semiReliableRetries = 2;
    Harness h(Impaired(0.3, seed), c);
    ASSERT_TRUE(h.Open());
    SemiRun r = RunSemi(h, 1500, seed);
    ASSERT_FALSE(h.pipe.Stuck());
    EXPECT_EQ(r.corrupt, 0u);
    EXPECT_EQ(r.duplicatesDelivered, 0u);
    EXPECT_EQ(h.b.GetStats().sdusDelivered, r.delivered.size());
    EXPECT_LE(h.pipe.MaxDataSends(0, LhpChannel::SemiReliable), 1 + c.semiReliableRetries);
    // 30 % loss and two retries lose some datagrams; each one is reported exactly once.
    EXPECT_GT(r.droppedSeqs.size(), 0u);
    EXPECT_EQ(h.ea.Count(LhpEvent::Kind::SemiReliableDrop), r.droppedSeqs.size());
    EXPECT_EQ(h.a.GetStats().semiReliableDrops, r.droppedSeqs.size());
    for (std::size_t i = 0; i < r.sent.size(); ++i)
    {
        if (!r.delivered.count(i))
        {
            EXPECT_TRUE(r.droppedSeqs.count(static_cast<std::uint32_t>(i)))
                << "SDU " << i << " neither delivered nor reported dropped";
        }
    }
    // Most datagrams still arrive.
    EXPECT_GT(r.delivered.size(), r.sent.size() * 9 / 10);
    EXPECT_GT(h.pipe.Sent(0, LhpFrameType::Forward), 0u);
    // The receiver counts what it never got (its edge passed them); the sender's drops
    // include datagrams that arrived but whose acks were lost, so they are at least as many.
    EXPECT_EQ(h.b.GetStats().semiReliableSkipped, r.sent.size() - r.delivered.size());
    EXPECT_GE(h.a.GetStats().semiReliableDrops, h.b.GetStats().semiReliableSkipped);
    EXPECT_EQ(h.a.GetState(), LhpState::Open);
    EXPECT_EQ(h.b.GetStats().badFrames, 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, SemiReliable, ::testing::Range<std::uint32_t>(1, 6));

TEST(LhpLinkSemiReliable, DeadlineHonoured)
{
    LhpConfig c;
    c.semiReliableRetries = 1000; // only the deadline can drop
    c.semiReliableDeadline = 60ms;
    c.adaptiveDeadline = false; // on, 1001 RTOs would outlast it (test-lhp-lossy-link.cc)
    Harness h(Impaired(0.3, 11), c);
    ASSERT_TRUE(h.Open());
    // Every 10th datagram never gets through.
    const std::uint32_t seq0 = c.initialSeq;
    auto doomed = [&](std::uint32_t seq)
    {
        return (seq - seq0) % 10 == 3;
    };
    h.pipe.SetDropFilter(
        [&](int from, const LhpFrame& f)
        {
            return from == 0 && f.type == LhpFrameType::Data &&
                   f.channel == LhpChannel::SemiReliable && doomed(f.seq);
        });
    std::vector<std::pair<std::uint32_t, Duration>> lateness; // seq, drop time - deadline
    std::size_t seenEvents = 0;
    Source src{MakeIndexedSdus(5, 300, 4, 400)};
    h.RunUntil(
        [&]
        {
            src.Feed(h.a, LhpChannel::SemiReliable, h.pipe.Now());
            for (; seenEvents < h.ea.events.size(); ++seenEvents)
            {
                const auto& [ev, at] = h.ea.events[seenEvents];
                if (ev.kind == LhpEvent::Kind::SemiReliableDrop)
                {
                    auto first = h.pipe.FirstSent(0, LhpChannel::SemiReliable, ev.seq);
                    EXPECT_TRUE(first.has_value());
                    if (first)
                    {
                        lateness.emplace_back(ev.seq, at - *first - c.semiReliableDeadline);
                        EXPECT_LE(at - *first, c.semiReliableDeadline + h.a.GetRto());
                    }
                }
            }
            return src.AllQueued() && h.a.SendSpace(LhpChannel::SemiReliable) ==
                                          h.a.GetConfig().window + c.sendBufferSdus;
        },
        120s);
    std::set<std::uint32_t> droppedDoomed;
    for (const auto& [seq, late] : lateness)
    {
        EXPECT_GE(late, Duration{0}) << "seq " << seq << " dropped before its deadline";
        if (doomed(seq))
        {
            droppedDoomed.insert(seq);
        }
    }
    EXPECT_EQ(droppedDoomed.size(), 30u); // all doomed ones, each once
    for (const auto& sdu : h.eb.semi)
    {
        EXPECT_FALSE(doomed(static_cast<std::uint32_t>(IndexOf(sdu)) + seq0));
    }
    EXPECT_GT(h.eb.semi.size(), 250u);
}

TEST(LhpLinkSemiReliable, ForwardMovesReceiverPastAbandonedHole)
{
    LhpConfig c;
    c.semiReliableRetries = 1;
    Harness h(Clean(), c);
    ASSERT_TRUE(h.Open());
    const std::uint32_t victim = c.initialSeq + 2;
    h.pipe.SetDropFilter(
        [&](int from, const LhpFrame& f)
        {
            return from == 0 && f.type == LhpFrameType::Data && f.seq == victim &&
                   f.channel == LhpChannel::SemiReliable;
        });
    std::vector<std::uint32_t> forwards;
    h.pipe.SetTap(
        [&](int from, const LhpFrame& f, TimePoint)
        {
            if (from == 0 && f.type == LhpFrameType::Forward)
            {
                forwards.push_back(f.seq);
            }
        });
    for (std::uint8_t i = 0; i < 5; ++i)
    {
        ASSERT_TRUE(h.a.Send(LhpChannel::SemiReliable, {0, 0, 0, i}, h.pipe.Now()));
    }
    ASSERT_TRUE(h.RunUntil(
        [&] {
            return h.a.SendSpace(LhpChannel::SemiReliable) ==
                   h.a.GetConfig().window + c.sendBufferSdus;
        },
        10s));
    h.RunFor(1s);
    EXPECT_EQ(h.pipe.DataSends(0, LhpChannel::SemiReliable, victim), 2u);
    ASSERT_EQ(h.ea.Count(LhpEvent::Kind::SemiReliableDrop), 1u);
    EXPECT_EQ(h.ea.events.back().first.seq, victim);
    ASSERT_FALSE(forwards.empty());
    EXPECT_EQ(forwards.front(), c.initialSeq + 5); // new left edge: everything else acked
    ASSERT_EQ(h.eb.semi.size(), 4u);
    // The receiver moved on: new datagrams are delivered, the old hole never is.
    ASSERT_TRUE(h.a.Send(LhpChannel::SemiReliable, {0, 0, 0, 9}, h.pipe.Now()));
    ASSERT_TRUE(h.RunUntil([&] { return h.eb.semi.size() == 5; }, 1s));
    EXPECT_EQ(h.eb.semi.back(), (std::vector<std::uint8_t>{0, 0, 0, 9}));
    EXPECT_EQ(h.pipe.DataSends(0, LhpChannel::SemiReliable, c.initialSeq + 5), 1u);
}

TEST(LhpLinkSemiReliable, DeliveredInArrivalOrderEachOnce)
{
    PipeParams p = Clean();
    p.reorder = 0.5;
    p.reorderDelay = 5ms;
    p.duplicate = 0.3;
    p.seed = 4;
    Harness h(p);
    ASSERT_TRUE(h.Open());
    SemiRun r = RunSemi(h, 400, 8);
    EXPECT_EQ(r.corrupt, 0u);
    EXPECT_EQ(r.duplicatesDelivered, 0u);
    EXPECT_EQ(r.delivered.size(), 400u); // no loss: all arrive
    EXPECT_GT(r.inversions, 0u);         // not held back for ordering
    EXPECT_GT(h.b.GetStats().duplicatesReceived, 0u);
}

TEST(LhpLinkSemiReliable, ChannelsIndependentUnderLoss)
{
    Harness h(Impaired(0.2, 99));
    ASSERT_TRUE(h.Open());
    Source rel{MakeSdus(1, 100000, 1, 1476)};
    Source semi{MakeIndexedSdus(2, 400, 4, 1476)};
    ASSERT_TRUE(h.RunUntil(
        [&]
        {
            rel.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            semi.Feed(h.a, LhpChannel::SemiReliable, h.pipe.Now());
            return h.eb.reliable.size() == rel.sdus.size() && semi.AllQueued() &&
                   h.a.SendSpace(LhpChannel::SemiReliable) ==
                       h.a.GetConfig().window + h.a.GetConfig().sendBufferSdus;
        },
        120s));
    EXPECT_TRUE(SameSdus(rel.sdus, h.eb.reliable));
    std::set<std::size_t> seen;
    for (const auto& sdu : h.eb.semi)
    {
        std::size_t i = IndexOf(sdu);
        ASSERT_LT(i, semi.sdus.size());
        EXPECT_EQ(sdu, semi.sdus[i]);
        EXPECT_TRUE(seen.insert(i).second);
    }
    EXPECT_EQ(seen.size() + h.a.GetStats().semiReliableDrops >= semi.sdus.size(), true);
}

// ---------------------------------------------------------------------------------------------
// 5. RTT estimation and RTO.

TEST(LhpLinkRtt, SrttConvergesToPipeRtt)
{
    // 10 ms each way, 100 Mbit/s; one SDU every 5 ms, so no queue builds up.
    Harness h(Clean(10ms, 100e6));
    ASSERT_TRUE(h.Open());
    for (int i = 0; i < 400; ++i)
    {
        ASSERT_TRUE(
            h.a.Send(LhpChannel::Reliable, std::vector<std::uint8_t>(1000, 1), h.pipe.Now()));
        h.RunFor(5ms);
    }
    const LhpConfig& c = h.a.GetConfig();
    ASSERT_TRUE(h.a.GetSrtt().has_value());
    Duration srtt = *h.a.GetSrtt();
    // 20 ms + 1024 bytes at 100 Mbit/s (82 us) + at most the delayed-ack wait.
    EXPECT_GE(srtt, 20ms);
    EXPECT_LE(srtt, 20ms + 200us + c.ackDelay);
    EXPECT_GE(h.a.GetRto(), c.minRto);
    EXPECT_LE(h.a.GetRto(), c.maxRto);
    EXPECT_GE(h.a.GetRto(), srtt);
    EXPECT_LE(h.a.GetRto(), 2 * srtt);
    EXPECT_EQ(h.a.GetStats().retransmissions, 0u);
}

TEST(LhpLinkRtt, RtoBacksOffAndRecovers)
{
    Harness h(Clean(10ms, 100e6));
    ASSERT_TRUE(h.Open());
    for (int i = 0; i < 50; ++i)
    {
        ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {1}, h.pipe.Now()));
        h.RunFor(5ms);
    }
    h.RunFor(100ms);
    const Duration before = h.a.GetRto();
    h.pipe.SetBlackhole(0, true);
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {2}, h.pipe.Now()));
    const std::uint32_t seq = h.a.GetConfig().initialSeq + 50;
    ASSERT_TRUE(
        h.RunUntil([&] { return h.pipe.DataSends(0, LhpChannel::Reliable, seq) == 2; }, 1s));
    EXPECT_EQ(h.a.GetRto(), std::min(2 * before, h.a.GetConfig().maxRto));
    ASSERT_TRUE(
        h.RunUntil([&] { return h.pipe.DataSends(0, LhpChannel::Reliable, seq) == 3; }, 2s));
    EXPECT_EQ(h.a.GetRto(), std::min(4 * before, h.a.GetConfig().maxRto));
    h.pipe.SetBlackhole(0, false);
    ASSERT_TRUE(h.RunUntil([&] { return h.eb.reliable.size() == 51; }, 2s));
    // A fresh sample (a frame sent once) brings the RTO back down.
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {3}, h.pipe.Now()));
    h.RunFor(100ms);
    EXPECT_LT(h.a.GetRto(), 2 * before);
}

TEST(LhpLinkRtt, RtoStaysInBoundsUnderBulkLoss)
{
    Harness h(Impaired(0.3, 5));
    ASSERT_TRUE(h.Open());
    Source ab{MakeSdus(5, 100000, 1, 1476)};
    const LhpConfig& c = h.a.GetConfig();
    bool inBounds = true;
    ASSERT_TRUE(h.RunUntil(
        [&]
        {
            ab.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            inBounds = inBounds && h.a.GetRto() >= c.minRto && h.a.GetRto() <= c.maxRto;
            return h.eb.reliable.size() == ab.sdus.size();
        },
        120s));
    EXPECT_TRUE(inBounds);
    ASSERT_TRUE(h.a.GetSrtt().has_value());
    EXPECT_GE(*h.a.GetSrtt(), 4ms);
}

// ---------------------------------------------------------------------------------------------
// 6. Ack sparsity.

TEST(LhpLinkAcks, StandaloneAcksEveryEighthFrame)
{
    LhpConfig c;
    c.ackEveryFrames = 8;
    Harness h(Clean(2ms, 100e6), c);
    ASSERT_TRUE(h.Open());
    Source ab{MakeSdus(6, 1476 * 2000, 1476, 1476)};
    ASSERT_TRUE(h.RunUntil(
        [&]
        {
            ab.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            return h.eb.reliable.size() == ab.sdus.size() && h.a.AllReliableAcked();
        },
        60s));
    const std::uint64_t data = h.a.GetStats().dataFramesSent;
    const std::uint64_t acks = h.b.GetStats().acksSent;
    EXPECT_EQ(data, 2000u);
    EXPECT_LE(acks, data / 8 + 3);
    EXPECT_GE(acks, data / 8 - 1);
    EXPECT_EQ(h.pipe.Sent(1, LhpFrameType::Ack), acks);
    EXPECT_EQ(h.a.GetStats().retransmissions, 0u);
}

TEST(LhpLinkAcks, DelayedAckFiresForALoneFrame)
{
    LhpConfig c;
    c.ackEveryFrames = 8;
    c.ackDelay = 3ms;
    Harness h(Clean(1ms, 0), c);
    ASSERT_TRUE(h.Open());
    std::optional<TimePoint> ackAt;
    h.pipe.SetTap(
        [&](int from, const LhpFrame& f, TimePoint at)
        {
            if (from == 1 && f.type == LhpFrameType::Ack && !ackAt)
            {
                ackAt = at;
            }
        });
    const TimePoint sentAt = h.pipe.Now();
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {1}, sentAt));
    h.RunFor(20ms);
    ASSERT_TRUE(ackAt.has_value());
    EXPECT_EQ(*ackAt - sentAt, 1ms + c.ackDelay);
    EXPECT_TRUE(h.a.AllReliableAcked());
}

TEST(LhpLinkAcks, AcksRideOnReverseData)
{
    PipeParams p = Clean(2ms, 100e6);
    p.pollWhenIdle = true; // like a driver that polls when the device can take a frame
    Harness h(p);
    ASSERT_TRUE(h.Open());
    Source ab{MakeSdus(8, 500000, 1476, 1476)};
    Source ba{MakeSdus(9, 500000, 1476, 1476)};
    ASSERT_TRUE(h.RunUntil(
        [&]
        {
            ab.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            ba.Feed(h.b, LhpChannel::Reliable, h.pipe.Now());
            return h.eb.reliable.size() == ab.sdus.size() && h.ea.reliable.size() == ba.sdus.size();
        },
        60s));
    // With ackEveryFrames = 2 a one-way transfer needs one ack per two frames; here the
    // reverse data carries nearly all of them.
    EXPECT_LT(h.a.GetStats().acksSent + h.b.GetStats().acksSent,
              (h.a.GetStats().dataFramesSent + h.b.GetStats().dataFramesSent) / 10);
}

TEST(LhpLinkAcks, GapIsAckedAtOnceWithoutAdaptiveAcks)
{
    LhpConfig c;
    c.adaptiveAcks = false; // on: see test-lhp-lossy-link.cc
    c.ackEveryFrames = 100;
    c.ackDelay = 50ms;
    Harness h(Clean(1ms, 0), c);
    ASSERT_TRUE(h.Open());
    h.pipe.SetDropFilter(
        [&](int from, const LhpFrame& f)
        { return from == 0 && f.type == LhpFrameType::Data && f.seq == c.initialSeq; });
    std::vector<LhpFrame> acks;
    h.pipe.SetTap(
        [&](int from, const LhpFrame& f, TimePoint)
        {
            if (from == 1 && f.type == LhpFrameType::Ack)
            {
                acks.push_back(f);
            }
        });
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {1}, h.pipe.Now()));
    ASSERT_TRUE(h.a.Send(LhpChannel::Reliable, {2}, h.pipe.Now()));
    h.RunFor(1500us); // one-way delay: the second frame has just arrived
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].ack, c.initialSeq);
    EXPECT_EQ(acks[0].sack, 1u);
    EXPECT_EQ(acks[0].window, c.window);
}

// ---------------------------------------------------------------------------------------------
// 7. Sequence-number wraparound.

class Wraparound : public ::testing::TestWithParam<std::uint32_t>
{
};

TEST_P(Wraparound, ReliableAndSemiReliableCrossTheWrap)
{
    LhpConfig c;
    c.initialSeq = GetParam();
    c.window = kLhpMaxWindow; // the largest window: the most frames in flight across the wrap
    Harness h(Impaired(0.1, GetParam() & 0xff), c);
    std::uint32_t maxOffset = 0; // largest seq - initialSeq seen on the wire
    h.pipe.SetTap(
        [&](int, const LhpFrame& f, TimePoint)
        {
            if (f.type == LhpFrameType::Data)
            {
                maxOffset = std::max(maxOffset, static_cast<std::uint32_t>(f.seq - c.initialSeq));
            }
        });
    ASSERT_TRUE(h.Open());
    Source ab{MakeSdus(1, 400000, 1, 1000)};
    Source ba{MakeSdus(2, 400000, 1, 1000)};
    Source semi{MakeIndexedSdus(3, 800, 4, 300)};
    ASSERT_TRUE(h.RunUntil(
        [&]
        {
            ab.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            ba.Feed(h.b, LhpChannel::Reliable, h.pipe.Now());
            semi.Feed(h.a, LhpChannel::SemiReliable, h.pipe.Now());
            return h.eb.reliable.size() == ab.sdus.size() &&
                   h.ea.reliable.size() == ba.sdus.size() && semi.AllQueued() &&
                   h.a.SendSpace(LhpChannel::SemiReliable) ==
                       h.a.GetConfig().window + c.sendBufferSdus;
        },
        300s));
    EXPECT_TRUE(SameSdus(ab.sdus, h.eb.reliable));
    EXPECT_TRUE(SameSdus(ba.sdus, h.ea.reliable));
    std::set<std::size_t> seen;
    for (const auto& sdu : h.eb.semi)
    {
        std::size_t i = IndexOf(sdu);
        ASSERT_LT(i, semi.sdus.size());
        EXPECT_EQ(sdu, semi.sdus[i]);
        EXPECT_TRUE(seen.insert(i).second) << "SDU " << i << " delivered twice";
    }
    EXPECT_GT(seen.size(), 700u);
    // Sequence numbers really crossed 2^32 (or 2^31, where a signed compare would flip).
    const std::uint32_t toWrap = std::min(0u - c.initialSeq, 0x80000000u - c.initialSeq);
    EXPECT_GT(maxOffset, toWrap + 200);
    EXPECT_LT(maxOffset, 0x10000u);
    EXPECT_EQ(h.a.GetStats().badFrames + h.b.GetStats().badFrames, 0u);
    EXPECT_TRUE(h.CloseBoth());
}

INSTANTIATE_TEST_SUITE_P(NearWrap,
                         Wraparound,
                         ::testing::Values(0xffffff00u, 0xfffffff0u, 0x7fffff00u));

} // namespace
} // namespace resoa
