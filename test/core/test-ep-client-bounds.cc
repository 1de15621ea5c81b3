/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * EpClient's write coalescing by `more` and by deadline, and the bound of each of its
 * queues; the datagram overhead defined once from the real header sizes.
 */
#include "ep-client.h"

#include "core/ep-test-util.h"
#include <gtest/gtest.h>

#include <chrono>

namespace resoa
{
namespace test
{
namespace
{

using Kind = EpClientEvent::Kind;
using std::chrono::milliseconds;

const EpAddress kPeer = EpAddress::Ipv4(0xC6336407, 80);
const EpAddress kLocal = EpAddress::Ipv4(0xCB007101, 40001);

std::uint32_t
Connected(EpClient& c)
{
    EpSocketResult s = c.Create(EpSockType::Stream);
    EXPECT_EQ(s.error, 0);
    EXPECT_EQ(c.Connect(s.id, kPeer), 0);
    std::vector<Sent> out = Drain(c);
    EXPECT_EQ(out.size(), 1u);
    EpMessage r = Msg(EpType::Response, s.id, out.at(0).msg.requestId);
    r.local = kLocal;
    r.peer = kPeer;
    Feed(c, r);
    Drain(c);
    Events(c);
    return s.id;
}

std::vector<std::size_t>
DataSizes(const std::vector<Sent>& out)
{
    std::vector<std::size_t> sizes;
    for (const Sent& s : out)
    {
        if (s.msg.type == EpType::Data)
        {
            sizes.push_back(s.msg.payload.size());
        }
    }
    return sizes;
}

// --- 4. coalescing by `more` and by deadline ---

TEST(EpClientCoalesce, MoreHoldsThePartialChunkUntilASendWithoutMore)
{
    EpClient c(SmallConfig()); // coalesceWrites off: only `more` holds
    std::uint32_t id = Connected(c);
    Feed(c, CreditMsg(id, 4000));
    std::vector<std::uint8_t> data = Pattern(1300, 1);
    const TimePoint t = milliseconds(10);
    ASSERT_EQ(c.Send(id, data.data(), 600, t, true).bytes, 600u);
    EXPECT_TRUE(Drain(c).empty()); // MSG_MORE: held
    ASSERT_TRUE(c.NextDeadline().has_value());
    EXPECT_EQ(*c.NextDeadline(), t); // coalesceDelay 0: at the end of this driver turn
    ASSERT_EQ(c.Send(id, data.data() + 600, 500, t, true).bytes, 500u);
    EXPECT_EQ(DataSizes(Drain(c)), std::vector<std::size_t>{1000}); // a whole chunk leaves
    ASSERT_EQ(c.Send(id, data.data() + 1100, 200, t, false).bytes, 200u);
    EXPECT_EQ(DataSizes(Drain(c)), std::vector<std::size_t>{300}); // the last write pushes
    EXPECT_FALSE(c.NextDeadline().has_value());

    // Without `more` nothing is held at all (the old three-argument Send too).
    ASSERT_EQ(c.Send(id, data.data(), 10).bytes, 10u);
    EXPECT_EQ(DataSizes(Drain(c)), std::vector<std::size_t>{10});
}

TEST(EpClientCoalesce, MoreChunkLeavesAtTheDeadlineOrAtShutdown)
{
    EpClient c(SmallConfig());
    std::uint32_t id = Connected(c);
    Feed(c, CreditMsg(id, 4000));
    std::vector<std::uint8_t> data = Pattern(100, 2);
    ASSERT_EQ(c.Send(id, data.data(), 50, milliseconds(1), true).bytes, 50u);
    EXPECT_TRUE(Drain(c).empty());
    c.HandleDeadline(milliseconds(1)); // the driver's turn ended
    EXPECT_EQ(DataSizes(Drain(c)), std::vector<std::size_t>{50});

    ASSERT_EQ(c.Send(id, data.data() + 50, 50, milliseconds(2), true).bytes, 50u);
    EXPECT_TRUE(Drain(c).empty());
    EXPECT_EQ(c.Shutdown(id, ep_shutdown::kWrite), 0);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].msg.payload.size(), 50u);
    EXPECT_EQ(out[1].msg.type, EpType::Shutdown);
}

TEST(EpClientCoalesce, CoalesceDelayIsADeadlineFromTheFirstHeldByte)
{
    EpClientConfig cfg = SmallConfig();
    cfg.coalesceWrites = true;
    cfg.coalesceDelay = milliseconds(5);
    EpClient c(cfg);
    std::uint32_t id = Connected(c);
    Feed(c, CreditMsg(id, 4000));
    std::vector<std::uint8_t> data = Pattern(300, 3);
    ASSERT_EQ(c.Send(id, data.data(), 100, milliseconds(0)).bytes, 100u);
    ASSERT_EQ(c.Send(id, data.data() + 100, 100, milliseconds(2)).bytes, 100u);
    EXPECT_TRUE(Drain(c).empty());
    EXPECT_EQ(c.NextDeadline(), std::optional<TimePoint>(milliseconds(5)));
    c.HandleDeadline(milliseconds(4));
    EXPECT_TRUE(Drain(c).empty());
    c.HandleDeadline(milliseconds(5));
    EXPECT_EQ(DataSizes(Drain(c)), std::vector<std::size_t>{200});
    EXPECT_FALSE(c.NextDeadline().has_value());

    // A new hold starts a new deadline; FlushPartial still flushes at once.
    ASSERT_EQ(c.Send(id, data.data() + 200, 100, milliseconds(9)).bytes, 100u);
    EXPECT_EQ(c.NextDeadline(), std::optional<TimePoint>(milliseconds(14)));
    c.FlushPartial();
    EXPECT_EQ(DataSizes(Drain(c)), std::vector<std::size_t>{100});
    EXPECT_FALSE(c.NextDeadline().has_value());
}

TEST(EpClientCoalesce, HeldChunkWithoutCreditLeavesWhenCreditComes)
{
    EpClientConfig cfg = SmallConfig();
    cfg.coalesceWrites = true;
    EpClient c(cfg);
    std::uint32_t id = Connected(c);
    std::vector<std::uint8_t> data = Pattern(100, 4);
    ASSERT_EQ(c.Send(id, data.data(), data.size(), milliseconds(1)).bytes, 100u);
    c.HandleDeadline(milliseconds(1)); // the deadline passed before any credit
    EXPECT_TRUE(Drain(c).empty());
    EXPECT_FALSE(c.NextDeadline().has_value()); // nothing held any more: waits for credit
    Feed(c, CreditMsg(id, 4000));
    EXPECT_EQ(DataSizes(Drain(c)), std::vector<std::size_t>{100});
}

// --- 5. datagram send space and queue bounds ---

TEST(EpDatagramOverhead, DefinedOnceFromTheHeaderSizes)
{
    EXPECT_EQ(kEpDatagramOverheadIpv4, 23u);
    EXPECT_EQ(kEpDatagramOverheadIpv6, 35u);
    for (EpType t : {EpType::SendTo, EpType::RecvFrom})
    {
        EpMessage m = Msg(t, 1);
        m.payload = Pattern(100, 5);
        m.peer = EpAddress::Ipv4(0x01020304, 9);
        EXPECT_EQ(EpEncodedSize(m), 100 + kEpDatagramOverheadIpv4);
        m.peer.family = 6;
        EXPECT_EQ(EpEncodedSize(m), 100 + kEpDatagramOverheadIpv6);
    }
    EXPECT_EQ(EpMaxDatagramPayload(1476), 1453u);
    EXPECT_EQ(EpMaxDatagramPayload(1476, true), 1441u);
    EXPECT_EQ(EpMaxDatagramPayload(20), 0u);
}

TEST(EpClientBounds, DatagramSendSpaceIsTheRealQueueSpace)
{
    EpClientConfig cfg;
    cfg.maxMessageSize = 1476;
    cfg.datagramSendBufferBytes = 3000;
    EpClient c(cfg);
    EpSocketResult s = c.Create(EpSockType::Dgram);
    ASSERT_EQ(s.error, 0);
    const std::size_t max = EpMaxDatagramPayload(1476);
    EXPECT_EQ(c.SendSpace(s.id), max);
    std::vector<std::uint8_t> big = Pattern(max, 6);
    ASSERT_EQ(c.SendTo(s.id, kPeer, big.data(), big.size()).error, 0);
    ASSERT_EQ(c.SendTo(s.id, kPeer, big.data(), big.size()).error, 0);
    // 2952 of 3000 bytes queued: room for a 25-byte datagram only.
    EXPECT_EQ(c.SendSpace(s.id), 3000u - 2 * 1476u - kEpDatagramOverheadIpv4);
    std::vector<std::uint8_t> small = Pattern(100, 7);
    EpIoResult r = c.SendTo(s.id, kPeer, small.data(), small.size());
    EXPECT_EQ(r.error, ep_errno::kEagain);
    EXPECT_EQ(c.GetStats().datagramsRefused, 1u);
    EXPECT_TRUE(Events(c).empty());

    ASSERT_TRUE(c.PollOutgoing().has_value()); // the driver hands one to LHP
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::Writable);
    EXPECT_EQ(ev[0].rsockId, s.id);
    EXPECT_EQ(c.SendSpace(s.id), max);
    EXPECT_EQ(c.SendTo(s.id, kPeer, small.data(), small.size()).error, 0);
}

TEST(EpClientBounds, PendingRequestsAreBounded)
{
    EpClientConfig cfg = SmallConfig();
    cfg.maxPendingRequests = 3;
    EpClient c(cfg);
    EpSocketResult s = c.Create(EpSockType::Stream);
    for (int i = 0; i < 3; ++i)
    {
        EXPECT_EQ(c.GetSockOpt(s.id, ep_sockopt::kLevelSocket, ep_sockopt::kRcvBuf), 0);
    }
    EXPECT_EQ(c.GetSockOpt(s.id, ep_sockopt::kLevelSocket, ep_sockopt::kRcvBuf), kEpEnobufs);
    EXPECT_EQ(c.Connect(s.id, kPeer), kEpEnobufs);
    EXPECT_EQ(c.GetStats().requestsRefused, 2u);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 3u);
    EpMessage r = Msg(EpType::Response, s.id, out[0].msg.requestId);
    Feed(c, r); // one answered: room for one more
    EXPECT_EQ(c.Connect(s.id, kPeer), 0);
}

TEST(EpClientBounds, EventsMergeAtTheirBound)
{
    EpClientConfig cfg = SmallConfig();
    cfg.maxQueuedEvents = 2;
    EpClient c(cfg);
    std::uint32_t a = Connected(c);
    std::uint32_t b = Connected(c);
    for (int i = 0; i < 10; ++i)
    {
        EpMessage d = Msg(EpType::Data, i % 2 == 0 ? a : b);
        d.payload = Pattern(100, i);
        Feed(c, d);
    }
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].rsockId, a);
    EXPECT_EQ(ev[0].value, 500);
    EXPECT_EQ(ev[1].rsockId, b);
    EXPECT_EQ(ev[1].value, 500);
    EXPECT_EQ(c.GetStats().eventsMerged, 8u);
    EXPECT_EQ(c.RecvAvailable(a), 500u);
    EXPECT_EQ(c.RecvAvailable(b), 500u);
}

TEST(EpClientBounds, ClosedSocketsStillDrainingCountTowardTheLimit)
{
    EpClientConfig cfg = SmallConfig();
    cfg.socketLimit = 2;
    EpClient c(cfg);
    std::uint32_t a = Connected(c);
    std::vector<std::uint8_t> data = Pattern(3000, 8);
    ASSERT_EQ(c.Send(a, data.data(), data.size()).bytes, 3000u); // no credit: all unsent
    EXPECT_EQ(c.Close(a), 0);
    std::uint32_t b = Connected(c);
    EXPECT_NE(b, 0u);
    EXPECT_EQ(c.Create(EpSockType::Stream).error, ep_errno::kEmfile);
    Feed(c, CreditMsg(a, 4000)); // a's data leaves: its slot frees
    Events(c);
    EXPECT_EQ(c.Create(EpSockType::Stream).error, 0);
}

TEST(EpClientBounds, ReceiveQueuesAreBounded)
{
    EpClientConfig cfg = SmallConfig();
    cfg.maxQueuedDatagrams = 3;
    EpClient c(cfg);
    std::uint32_t id = Connected(c);
    EpMessage d = Msg(EpType::Data, id);
    d.payload = Pattern(4001, 9); // beyond the 4000 of credit granted: a broken server
    Feed(c, d);
    EXPECT_EQ(c.GetStats().windowViolations, 1u);
    EXPECT_EQ(c.RecvAvailable(id), 0u);
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::Error);
    EXPECT_EQ(ev[0].error, ep_errno::kEnomem);

    EpSocketResult u = c.Create(EpSockType::Dgram);
    std::vector<std::uint8_t> ping = Bytes("ping");
    ASSERT_EQ(c.SendTo(u.id, kPeer, ping.data(), ping.size()).error, 0);
    for (int i = 0; i < 5; ++i)
    {
        EpMessage r = Msg(EpType::RecvFrom, u.id);
        r.peer = kPeer; // empty datagrams: only the count bounds them
        Feed(c, r);
    }
    EXPECT_EQ(c.GetStats().datagramsReceived, 3u);
    EXPECT_EQ(c.GetStats().datagramsDropped, 2u);
}

} // namespace
} // namespace test
} // namespace resoa
