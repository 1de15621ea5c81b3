/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * DhcpLease on a virtual clock: acquire, renew at T1, expire, NAK, timeout, release.
 */
#include "dhcp-lease.h"

#include <gtest/gtest.h>

#include <vector>

namespace resoa
{
namespace
{

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::array<std::uint8_t, 6> kMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07};
constexpr std::uint32_t kXid = 0xABCD0001;
constexpr std::uint32_t kAddr = 0xCB007164; // 203.0.113.100
constexpr std::uint32_t kServer = 0xCB007102;

DhcpLeaseConfig
Config()
{
    DhcpLeaseConfig c;
    c.mac = kMac;
    c.xid = kXid;
    c.retransmit = seconds(1);
    c.acquireTimeout = seconds(4);
    return c;
}

/// Every message the lease queued, decoded.
std::vector<DhcpMessage>
Out(DhcpLease& l)
{
    std::vector<DhcpMessage> v;
    while (auto b = l.PollOutgoing())
    {
        DhcpMessage m;
        EXPECT_EQ(DecodeDhcp(b->data(), b->size(), m), DecodeError::Ok);
        v.push_back(m);
    }
    return v;
}

DhcpMessage
Reply(DhcpType type, std::uint32_t yiaddr = kAddr, std::uint32_t xid = kXid)
{
    DhcpMessage m;
    m.op = 2;
    m.xid = xid;
    m.SetMac(kMac);
    m.type = type;
    m.yiaddr = yiaddr;
    return m;
}

DhcpMessage
Offer()
{
    DhcpMessage m = Reply(DhcpType::Offer);
    m.serverId = kServer;
    m.subnetMask = 0xFFFFFF00;
    m.leaseSeconds = 30;
    m.renewSeconds = 15;
    return m;
}

/// Runs the lease to Bound at t = 0.1 s (OFFER then ACK, the ACK without option 51 as
/// ns-3's DhcpServer sends it).
void
Acquire(DhcpLease& l)
{
    l.Start(TimePoint(0));
    ASSERT_EQ(Out(l).size(), 1u);
    ASSERT_TRUE(l.OnMessage(Offer(), milliseconds(100)));
    std::vector<DhcpMessage> req = Out(l);
    ASSERT_EQ(req.size(), 1u);
    ASSERT_TRUE(l.OnMessage(Reply(DhcpType::Ack), milliseconds(150)));
    ASSERT_EQ(l.GetState(), DhcpLease::State::Bound);
}

TEST(DhcpLease, AcquiresWithTheClientsMacAndBinds)
{
    DhcpLease l(Config());
    l.Start(TimePoint(0));
    std::vector<DhcpMessage> d = Out(l);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].type, DhcpType::Discover);
    EXPECT_EQ(d[0].op, 1);
    EXPECT_EQ(d[0].xid, kXid);
    EXPECT_EQ(d[0].Mac(), kMac);
    EXPECT_EQ(d[0].flags, kDhcpBroadcastFlag);
    EXPECT_TRUE(d[0].clientId.empty());
    EXPECT_EQ(l.GetState(), DhcpLease::State::Selecting);

    // Replies for another transaction or another MAC are not this lease's.
    EXPECT_FALSE(l.OnMessage(Reply(DhcpType::Offer, kAddr, kXid + 1), milliseconds(50)));
    DhcpMessage other = Offer();
    other.chaddr[5] = 8;
    EXPECT_FALSE(l.OnMessage(other, milliseconds(50)));

    ASSERT_TRUE(l.OnMessage(Offer(), milliseconds(100)));
    std::vector<DhcpMessage> r = Out(l);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].type, DhcpType::Request);
    EXPECT_EQ(r[0].requestedIp, kAddr);
    EXPECT_EQ(r[0].serverId, kServer);
    EXPECT_EQ(r[0].ciaddr, 0u);
    EXPECT_EQ(r[0].Mac(), kMac);

    ASSERT_TRUE(l.OnMessage(Reply(DhcpType::Ack), milliseconds(150)));
    std::optional<DhcpLeaseEvent> e = l.PollEvent();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, DhcpLeaseEvent::Kind::Bound);
    EXPECT_EQ(e->address, kAddr);
    EXPECT_EQ(l.GetAddress(), kAddr);
    EXPECT_EQ(l.GetSubnetMask(), 0xFFFFFF00u);
    // Times count from the REQUEST (0.1 s): the OFFER's 30 s lease and 15 s T1.
    EXPECT_EQ(l.GetExpiry(), milliseconds(30100));
    EXPECT_EQ(l.GetRenewAt(), milliseconds(15100));
    EXPECT_EQ(l.NextDeadline(), milliseconds(15100));
}

TEST(DhcpLease, SendsClientIdOnlyWhenConfigured)
{
    DhcpLeaseConfig c = Config();
    c.sendClientId = true;
    DhcpLease l(c);
    l.Start(TimePoint(0));
    std::vector<DhcpMessage> d = Out(l);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].clientId, (std::vector<std::uint8_t>{1, 2, 0, 0, 0, 0, 7}));
}

TEST(DhcpLease, RetransmitsThenTimesOutWithoutAnOffer)
{
    DhcpLease l(Config());
    l.Start(TimePoint(0));
    EXPECT_EQ(Out(l).size(), 1u);
    for (int s = 1; s <= 3; ++s)
    {
        ASSERT_EQ(l.NextDeadline(), seconds(s));
        l.HandleDeadline(seconds(s));
        std::vector<DhcpMessage> d = Out(l);
        ASSERT_EQ(d.size(), 1u);
        EXPECT_EQ(d[0].type, DhcpType::Discover);
    }
    EXPECT_FALSE(l.PollEvent());
    ASSERT_EQ(l.NextDeadline(), seconds(4));
    l.HandleDeadline(seconds(4));
    EXPECT_TRUE(Out(l).empty());
    std::optional<DhcpLeaseEvent> e = l.PollEvent();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, DhcpLeaseEvent::Kind::Failed);
    EXPECT_EQ(e->reason, DhcpLeaseEvent::Reason::Timeout);
    EXPECT_EQ(l.GetState(), DhcpLease::State::Failed);
    EXPECT_FALSE(l.NextDeadline());
    EXPECT_EQ(l.GetStats().discovers, 4u);
}

TEST(DhcpLease, NakWhileRequestingFails)
{
    DhcpLease l(Config());
    l.Start(TimePoint(0));
    l.OnMessage(Offer(), milliseconds(100));
    Out(l);
    ASSERT_TRUE(l.OnMessage(Reply(DhcpType::Nak), milliseconds(120)));
    std::optional<DhcpLeaseEvent> e = l.PollEvent();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, DhcpLeaseEvent::Kind::Failed);
    EXPECT_EQ(e->reason, DhcpLeaseEvent::Reason::Nak);
    EXPECT_EQ(l.GetAddress(), 0u);
    EXPECT_EQ(l.GetStats().naks, 1u);
}

TEST(DhcpLease, RenewsAtT1AndExtendsTheLease)
{
    DhcpLease l(Config());
    Acquire(l);
    l.PollEvent();
    l.HandleDeadline(milliseconds(15100));
    EXPECT_EQ(l.GetState(), DhcpLease::State::Renewing);
    std::vector<DhcpMessage> r = Out(l);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].type, DhcpType::Request);
    EXPECT_EQ(r[0].ciaddr, kAddr);
    EXPECT_EQ(r[0].requestedIp, kAddr);
    EXPECT_FALSE(r[0].serverId); // RFC 2131: not in RENEWING
    // Unanswered: sent again a second later.
    l.HandleDeadline(milliseconds(16100));
    EXPECT_EQ(Out(l).size(), 1u);
    ASSERT_TRUE(l.OnMessage(Reply(DhcpType::Ack), milliseconds(16200)));
    std::optional<DhcpLeaseEvent> e = l.PollEvent();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, DhcpLeaseEvent::Kind::Renewed);
    EXPECT_EQ(l.GetState(), DhcpLease::State::Bound);
    // From the first renewal REQUEST at 15.1 s.
    EXPECT_EQ(l.GetExpiry(), milliseconds(45100));
    EXPECT_EQ(l.GetRenewAt(), milliseconds(30100));
    EXPECT_EQ(l.GetStats().renewals, 2u);
}

TEST(DhcpLease, ExpiresWhenNoRenewalIsAnswered)
{
    DhcpLease l(Config());
    Acquire(l);
    l.PollEvent();
    TimePoint t = milliseconds(15100);
    while (auto d = l.NextDeadline())
    {
        t = *d;
        l.HandleDeadline(t);
        Out(l);
    }
    EXPECT_EQ(t, milliseconds(30100));
    std::optional<DhcpLeaseEvent> e = l.PollEvent();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, DhcpLeaseEvent::Kind::Lost);
    EXPECT_EQ(e->reason, DhcpLeaseEvent::Reason::Expired);
    EXPECT_EQ(e->address, kAddr);
    EXPECT_EQ(l.GetState(), DhcpLease::State::Expired);
    EXPECT_EQ(l.GetAddress(), 0u);
    // A renewal every second from 15.1 s to 29.1 s.
    EXPECT_EQ(l.GetStats().renewals, 15u);
}

TEST(DhcpLease, NakWhileRenewingLosesTheLease)
{
    DhcpLease l(Config());
    Acquire(l);
    l.PollEvent();
    l.HandleDeadline(milliseconds(15100));
    Out(l);
    l.OnMessage(Reply(DhcpType::Nak), milliseconds(15200));
    std::optional<DhcpLeaseEvent> e = l.PollEvent();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, DhcpLeaseEvent::Kind::Lost);
    EXPECT_EQ(e->reason, DhcpLeaseEvent::Reason::Nak);
    EXPECT_EQ(e->address, kAddr);
}

TEST(DhcpLease, ReleaseSendsDhcpReleaseForTheLease)
{
    DhcpLease l(Config());
    Acquire(l);
    l.Release(seconds(5));
    std::vector<DhcpMessage> r = Out(l);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].type, DhcpType::Release);
    EXPECT_EQ(r[0].ciaddr, kAddr);
    EXPECT_EQ(r[0].serverId, kServer);
    EXPECT_EQ(r[0].Mac(), kMac);
    EXPECT_EQ(l.GetState(), DhcpLease::State::Released);
    EXPECT_FALSE(l.NextDeadline());
    // Releasing a lease never bound sends nothing.
    DhcpLease idle(Config());
    idle.Start(TimePoint(0));
    Out(idle);
    idle.Release(seconds(1));
    EXPECT_TRUE(Out(idle).empty());
    EXPECT_FALSE(idle.NextDeadline());
}

} // namespace
} // namespace resoa
