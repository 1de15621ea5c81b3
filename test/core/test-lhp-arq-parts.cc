/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The parts of the LHP ARQ on their own: serial arithmetic, RTT estimator, send and receive
 * windows.
 */
#include "lhp-recv-window.h"
#include "lhp-rtt-estimator.h"
#include "lhp-send-window.h"
#include "lhp-seq.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace resoa
{
namespace
{

using namespace std::chrono_literals;
using Sdus = std::vector<std::vector<std::uint8_t>>;

TEST(LhpSeq, SerialOrderAcrossTheWrap)
{
    EXPECT_TRUE(SeqLess(1, 2));
    EXPECT_FALSE(SeqLess(2, 2));
    EXPECT_TRUE(SeqLess(0xffffffffu, 0));
    EXPECT_TRUE(SeqLess(0xfffffff0u, 0x10));
    EXPECT_FALSE(SeqLess(0x10, 0xfffffff0u));
    EXPECT_TRUE(SeqLess(0x7fffffffu, 0x80000000u));
    EXPECT_TRUE(SeqGreater(0, 0xffffffffu));
    EXPECT_TRUE(SeqLessEq(5, 5));
    EXPECT_EQ(SeqMax(0xfffffffeu, 3), 3u);
    EXPECT_EQ(SeqMax(3, 0xfffffffeu), 3u);
}

// ---------------------------------------------------------------------------------------------

TEST(LhpRttEstimator, FollowsRfc6298)
{
    LhpRttEstimator rtt(50ms, 1ms, 1000ms);
    EXPECT_EQ(rtt.GetRto(), 50ms);
    EXPECT_FALSE(rtt.GetSrtt().has_value());
    rtt.AddSample(20ms); // SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR
    EXPECT_EQ(*rtt.GetSrtt(), 20ms);
    EXPECT_EQ(rtt.GetRttVar(), 10ms);
    EXPECT_EQ(rtt.GetRto(), 60ms);
    rtt.AddSample(28ms); // RTTVAR = 3/4*10 + 1/4*8 = 9.5; SRTT = 7/8*20 + 1/8*28 = 21
    EXPECT_EQ(rtt.GetRttVar(), 9500us);
    EXPECT_EQ(*rtt.GetSrtt(), 21ms);
    EXPECT_EQ(rtt.GetRto(), 59ms);
}

TEST(LhpRttEstimator, ClampsAndBacksOff)
{
    LhpRttEstimator rtt(2ms, 5ms, 100ms);
    EXPECT_EQ(rtt.GetRto(), 5ms); // initial value clamped up
    rtt.AddSample(1ms);
    EXPECT_EQ(rtt.GetRto(), 5ms);
    rtt.Backoff();
    EXPECT_EQ(rtt.GetRto(), 10ms);
    for (int i = 0; i < 10; ++i)
    {
        rtt.Backoff();
    }
    EXPECT_EQ(rtt.GetRto(), 100ms);
    rtt.AddSample(1ms); // a new sample ends the backoff
    EXPECT_LT(rtt.GetRto(), 10ms);
    LhpRttEstimator big(50ms, 5ms, 100ms);
    big.AddSample(90ms);
    EXPECT_EQ(big.GetRto(), 100ms); // clamped down
}

// ---------------------------------------------------------------------------------------------

TEST(LhpRecvWindow, ReliableReordersAndSacks)
{
    LhpRecvWindow rx(false, 100);
    rx.Configure(8, 2, 2ms);
    Sdus out;
    EXPECT_EQ(rx.OnData(102, {2}, out), LhpArrival::OutOfOrder);
    EXPECT_EQ(rx.OnData(104, {4}, out), LhpArrival::OutOfOrder);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(rx.Expected(), 100u);
    EXPECT_EQ(rx.SackBits(), 0b1010u); // 102 and 104 = ack+2, ack+4
    EXPECT_TRUE(rx.HasGap());
    EXPECT_EQ(rx.OnData(102, {2}, out), LhpArrival::Duplicate);
    EXPECT_EQ(rx.OnData(100, {0}, out), LhpArrival::InOrder);
    EXPECT_EQ(out, (Sdus{{0}}));
    EXPECT_EQ(rx.OnData(101, {1}, out), LhpArrival::InOrder);
    EXPECT_EQ(out, (Sdus{{0}, {1}, {2}}));
    EXPECT_EQ(rx.Expected(), 103u);
    EXPECT_EQ(rx.SackBits(), 0b1u);
    EXPECT_EQ(rx.OnData(99, {9}, out), LhpArrival::Duplicate);
    EXPECT_EQ(rx.OnData(111, {9}, out), LhpArrival::OutOfWindow); // window is [103, 111)
    EXPECT_EQ(rx.OnData(110, {10}, out), LhpArrival::OutOfOrder);
    EXPECT_EQ(rx.OnForward(110), false); // reliable receivers never skip
    EXPECT_EQ(rx.Expected(), 103u);
}

TEST(LhpRecvWindow, SemiReliableDeliversAtOnceAndSkipsOnForward)
{
    LhpRecvWindow rx(true, 0xfffffffeu);
    rx.Configure(4, 2, 2ms);
    Sdus out;
    EXPECT_EQ(rx.OnData(0, {0}, out), LhpArrival::OutOfOrder); // across the wrap
    EXPECT_EQ(out, (Sdus{{0}}));
    EXPECT_EQ(rx.OnData(0, {0}, out), LhpArrival::Duplicate);
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(rx.SackBits(), 0b10u);
    EXPECT_TRUE(rx.OnForward(0xffffffffu)); // 0xfffffffe abandoned
    EXPECT_EQ(rx.Expected(), 0xffffffffu);
    EXPECT_FALSE(rx.OnForward(0xfffffff0u)); // old news
    EXPECT_EQ(rx.OnData(0xffffffffu, {1}, out), LhpArrival::InOrder);
    EXPECT_EQ(rx.Expected(), 1u); // moved over the frame received earlier
    // A frame a window ahead proves the sender retired everything below seq - window + 1.
    EXPECT_EQ(rx.OnData(10, {10}, out), LhpArrival::OutOfOrder);
    EXPECT_EQ(rx.Expected(), 7u);
    EXPECT_EQ(rx.SackBits(), 0b100u);
    EXPECT_EQ(out.back(), std::vector<std::uint8_t>{10});
}

TEST(LhpRecvWindow, AckSchedule)
{
    LhpRecvWindow rx(false, 0);
    rx.Configure(16, 3, 5ms);
    rx.NoteArrival(true, false, 10ms);
    EXPECT_FALSE(rx.AckDue());
    EXPECT_EQ(rx.AckDeadline(), std::optional<std::chrono::nanoseconds>(15ms));
    rx.NoteArrival(true, false, 11ms);
    EXPECT_FALSE(rx.AckDue());
    rx.NoteArrival(true, false, 12ms); // third frame
    EXPECT_TRUE(rx.AckDue());
    EXPECT_FALSE(rx.AckDeadline().has_value());
    rx.OnAckSent();
    EXPECT_FALSE(rx.AckDue());
    rx.NoteArrival(true, false, 20ms);
    rx.HandleDeadline(24ms);
    EXPECT_FALSE(rx.AckDue());
    rx.HandleDeadline(25ms);
    EXPECT_TRUE(rx.AckDue());
    rx.OnAckSent();
    rx.NoteArrival(false, true, 30ms); // duplicate or gap: at once
    EXPECT_TRUE(rx.AckDue());
}

// ---------------------------------------------------------------------------------------------

/// Sends `n` one-byte SDUs from a fresh window, each at `now` with increasing serials.
void
SendN(LhpSendWindow& tx, int n, std::chrono::nanoseconds now, std::uint64_t& serial)
{
    for (int i = 0; i < n; ++i)
    {
        ASSERT_TRUE(tx.Enqueue({static_cast<std::uint8_t>(i)}));
    }
    while (tx.CanSendNew())
    {
        std::uint32_t seq = tx.TakeNew(now);
        tx.MarkSent(seq, now, ++serial);
    }
}

TEST(LhpSendWindow, WindowAndSpace)
{
    LhpSendWindow tx(false, 7);
    tx.SetLimits(4, 2);
    EXPECT_EQ(tx.Space(), 6u);
    std::uint64_t serial = 0;
    SendN(tx, 6, 0ms, serial);
    EXPECT_EQ(tx.InFlightCount(), 4u);
    EXPECT_EQ(tx.Space(), 0u);
    EXPECT_FALSE(tx.Enqueue({1}));
    EXPECT_EQ(tx.Base(), 7u);
    EXPECT_EQ(tx.Next(), 11u);
    LhpAckOutcome r = tx.OnAck(9, 0, 10ms);
    ASSERT_TRUE(r.valid);
    EXPECT_EQ(r.newlyAcked, 2u);
    ASSERT_TRUE(r.rttSample.has_value());
    EXPECT_EQ(*r.rttSample, 10ms);
    EXPECT_EQ(tx.Base(), 9u);
    EXPECT_TRUE(tx.CanSendNew());
    EXPECT_EQ(tx.Space(), 2u);
    EXPECT_FALSE(tx.OnAck(12, 0, 10ms).valid);      // beyond Next()
    EXPECT_FALSE(tx.OnAck(9, 1u << 1, 10ms).valid); // SACKs 11 = Next()
    EXPECT_TRUE(tx.OnAck(8, 0, 10ms).valid);        // stale, harmless
    EXPECT_EQ(tx.Base(), 9u);
}

TEST(LhpSendWindow, FastRetransmitAfterThreeNewerSacks)
{
    LhpSendWindow tx(false, 0);
    tx.SetLimits(16, 0);
    std::uint64_t serial = 0;
    SendN(tx, 8, 0ms, serial);
    // 0 and 1 lost; 2, 3 SACKed (bit i = ack + 1 + i): not yet three newer frames above 1.
    LhpAckOutcome r = tx.OnAck(0, 0b110, 5ms);
    EXPECT_TRUE(r.lost.empty());
    r = tx.OnAck(0, 0b1110, 6ms); // 2, 3, 4 SACKed: 0 and 1 are lost
    EXPECT_EQ(r.lost, (std::vector<std::uint32_t>{0, 1}));
    tx.QueueRetransmission(0);
    tx.QueueRetransmission(1);
    r = tx.OnAck(0, 0b11110, 7ms); // queued frames are not reported again
    EXPECT_TRUE(r.lost.empty());
    // Retransmit 0; until three frames sent after it are acked it is not lost again.
    ASSERT_EQ(tx.PopRetransmission(), std::optional<std::uint32_t>(0));
    tx.MarkSent(0, 8ms, ++serial);
    r = tx.OnAck(0, 0b1111110, 9ms); // 2..7 SACKed, but all sent before the retransmission
    EXPECT_TRUE(r.lost.empty());
    // Karn: the retransmitted frame gives no sample when it is acked.
    ASSERT_EQ(tx.PopRetransmission(), std::optional<std::uint32_t>(1));
    tx.MarkSent(1, 8ms, ++serial);
    r = tx.OnAck(2, 0b11111, 20ms);
    EXPECT_EQ(r.newlyAcked, 2u);
    EXPECT_FALSE(r.rttSample.has_value());
    EXPECT_EQ(tx.Base(), 8u);
    EXPECT_TRUE(tx.AllAcked());
}

TEST(LhpSendWindow, NeverBeyondSackReach)
{
    LhpSendWindow tx(false, 0xfffffff0u);
    tx.SetLimits(128, 0);
    std::uint64_t serial = 0;
    SendN(tx, 100, 0ms, serial);
    // The receiver can report PeerAck() .. PeerAck() + 32 only.
    EXPECT_EQ(tx.InFlightCount(), 33u);
    EXPECT_FALSE(tx.CanSendNew());
    tx.OnAck(0xfffffff0u, 0b110, 1ms); // hole at the edge: still 33 past it
    EXPECT_FALSE(tx.CanSendNew());
    tx.OnAck(0xfffffff5u, 0, 2ms);
    EXPECT_TRUE(tx.CanSendNew());
    while (tx.CanSendNew())
    {
        tx.MarkSent(tx.TakeNew(2ms), 2ms, ++serial);
    }
    EXPECT_EQ(tx.Next(), 0xfffffff5u + 33);
}

TEST(LhpSendWindow, LostRetransmissionDetectedBySendOrder)
{
    LhpSendWindow tx(false, 0);
    tx.SetLimits(16, 0);
    std::uint64_t serial = 0;
    SendN(tx, 4, 0ms, serial); // 0..3, serials 1..4
    LhpAckOutcome r = tx.OnAck(0, 0b111, 5ms);
    ASSERT_EQ(r.lost, (std::vector<std::uint32_t>{0}));
    tx.QueueRetransmission(0);
    ASSERT_EQ(tx.PopRetransmission(), std::optional<std::uint32_t>(0));
    tx.MarkSent(0, 6ms, ++serial); // serial 5
    SendN(tx, 3, 7ms, serial);     // 4..6, serials 6..8, sent after the retransmission
    r = tx.OnAck(0, 0b111111, 12ms);
    EXPECT_EQ(r.lost, (std::vector<std::uint32_t>{0})); // lost again
}

TEST(LhpSendWindow, AmbiguousAckDoesNotCascade)
{
    LhpSendWindow tx(false, 0);
    tx.SetLimits(16, 0);
    std::uint64_t serial = 0;
    SendN(tx, 8, 0ms, serial); // serials 1..8
    std::uint64_t newest = 0;
    // 0 and 1 time out (spuriously: they are only slow) and are sent again after 2..7.
    ASSERT_EQ(tx.CollectExpired(10ms, 10ms, newest).size(), 8u);
    tx.QueueRetransmission(0);
    tx.QueueRetransmission(1);
    tx.QueueRetransmission(2);
    for (std::uint32_t s = 0; s < 3; ++s)
    {
        ASSERT_EQ(tx.PopRetransmission(), std::optional<std::uint32_t>(s));
        tx.MarkSent(s, 11ms, ++serial); // serials 9..11
    }
    // The originals of 0, 1, 2 arrive. Were their acks credited to the retransmissions,
    // 3..7 (sent before them, still on their way) would be declared lost.
    LhpAckOutcome r = tx.OnAck(3, 0, 12ms);
    EXPECT_EQ(r.newlyAcked, 3u);
    EXPECT_TRUE(r.lost.empty());
    EXPECT_FALSE(r.rttSample.has_value()); // Karn
}

TEST(LhpSendWindow, StaleCumulativeJumpGivesNoSample)
{
    LhpSendWindow tx(false, 0);
    tx.SetLimits(16, 0);
    std::uint64_t serial = 0;
    SendN(tx, 5, 0ms, serial);                 // 0..4 at 0 ms
    LhpAckOutcome r = tx.OnAck(0, 0b111, 5ms); // 1..3 SACKed, 0 lost
    ASSERT_EQ(r.rttSample, std::optional<std::chrono::nanoseconds>(5ms));
    tx.QueueRetransmission(0);
    ASSERT_EQ(tx.PopRetransmission(), std::optional<std::uint32_t>(0));
    tx.MarkSent(0, 100ms, ++serial);
    // 4 arrived long ago but hid behind the hole; the retransmission of 0 releases it. The
    // newest transmission acked is the retransmission: no sample (not 102 ms from frame 4).
    r = tx.OnAck(5, 0, 102ms);
    EXPECT_EQ(r.newlyAcked, 2u);
    EXPECT_FALSE(r.rttSample.has_value());
}

TEST(LhpSendWindow, TimersInSendOrder)
{
    LhpSendWindow tx(false, 0);
    tx.SetLimits(16, 0);
    std::uint64_t serial = 0;
    SendN(tx, 2, 0ms, serial);
    SendN(tx, 1, 4ms, serial);
    EXPECT_EQ(tx.RtoDeadline(10ms), std::optional<std::chrono::nanoseconds>(10ms));
    std::uint64_t newest = 0;
    std::vector<std::uint32_t> expired = tx.CollectExpired(10ms, 10ms, newest);
    EXPECT_EQ(expired, (std::vector<std::uint32_t>{0, 1}));
    EXPECT_EQ(newest, 2u);
    EXPECT_EQ(tx.RtoDeadline(10ms), std::optional<std::chrono::nanoseconds>(14ms));
    tx.OnAck(3, 0, 12ms); // everything acked: no timer
    EXPECT_FALSE(tx.RtoDeadline(10ms).has_value());
}

TEST(LhpSendWindow, SemiReliableDropNeedsForward)
{
    LhpSendWindow tx(true, 0);
    tx.SetLimits(16, 0);
    std::uint64_t serial = 0;
    SendN(tx, 4, 0ms, serial);
    tx.OnAck(1, 0b11, 5ms); // 0, 2, 3 received; 1 missing
    EXPECT_FALSE(tx.NeedsForward());
    tx.Drop(1);
    EXPECT_EQ(tx.Base(), 4u);
    EXPECT_TRUE(tx.NeedsForward()); // receiver still waits at 1
    tx.OnAck(4, 0, 6ms);
    EXPECT_FALSE(tx.NeedsForward());
    EXPECT_FALSE(tx.OldestFirstSent().has_value());
}

} // namespace
} // namespace resoa
