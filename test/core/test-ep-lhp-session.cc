/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * EpLhpSession: the EP-to-LHP glue every driver uses (order, backlog, datagram drops,
 * backpressure) and the one EP header peek.
 */
#include "ep-client.h"
#include "ep-lhp-session.h"
#include "ep-message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <vector>

namespace resoa
{
namespace
{

/// An LHP send buffer of `capacity` SDUs per channel that the test drains by hand.
struct FakeLhp
{
    std::size_t capacity = 2;
    std::deque<std::vector<std::uint8_t>> reliable;
    std::deque<std::vector<std::uint8_t>> datagrams;

    EpLhpSession::SendFn Fn()
    {
        return [this](LhpChannel ch, const std::vector<std::uint8_t>& sdu)
        {
            auto& q = ch == LhpChannel::Reliable ? reliable : datagrams;
            if (q.size() >= capacity)
            {
                return false;
            }
            q.push_back(sdu);
            return true;
        };
    }
};

std::vector<std::uint8_t>
Numbered(std::uint8_t n)
{
    return std::vector<std::uint8_t>(20, n);
}

TEST(EpLhpSession, ReliableMessagesKeepTheirOrderThroughTheBacklog)
{
    FakeLhp lhp;
    EpLhpSession s(lhp.Fn());
    for (std::uint8_t i = 0; i < 6; ++i)
    {
        EXPECT_TRUE(s.Offer(LhpChannel::Reliable, Numbered(i)));
    }
    EXPECT_EQ(lhp.reliable.size(), 2u);
    EXPECT_EQ(s.BacklogSize(), 4u);
    EXPECT_TRUE(s.Blocked());

    std::vector<std::uint8_t> order;
    while (!lhp.reliable.empty() || s.Blocked())
    {
        while (!lhp.reliable.empty())
        {
            order.push_back(lhp.reliable.front()[0]);
            lhp.reliable.pop_front();
        }
        s.OnSendSpace();
    }
    EXPECT_EQ(order, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(s.GetStats().reliableSent, 6u);
    EXPECT_EQ(s.GetStats().reliableDeferred, 4u);
    EXPECT_EQ(s.GetStats().maxBacklog, 4u);
}

TEST(EpLhpSession, ANewReliableMessageNeverOvertakesTheBacklog)
{
    FakeLhp lhp;
    lhp.capacity = 1;
    EpLhpSession s(lhp.Fn());
    s.Offer(LhpChannel::Reliable, Numbered(1));
    s.Offer(LhpChannel::Reliable, Numbered(2)); // waits
    lhp.reliable.clear();                       // LHP has room now, but nobody said so
    s.Offer(LhpChannel::Reliable, Numbered(3)); // must queue behind 2, not jump ahead
    EXPECT_TRUE(lhp.reliable.empty());
    s.OnSendSpace();
    ASSERT_EQ(lhp.reliable.size(), 1u);
    EXPECT_EQ(lhp.reliable.front()[0], 2);
}

TEST(EpLhpSession, DatagramsAreDroppedAndCountedNeverQueued)
{
    FakeLhp lhp;
    EpLhpSession s(lhp.Fn());
    s.Offer(LhpChannel::Reliable, Numbered(1));
    s.Offer(LhpChannel::Reliable, Numbered(2));
    s.Offer(LhpChannel::Reliable, Numbered(3)); // reliable backlog exists
    EXPECT_TRUE(s.Offer(LhpChannel::SemiReliable, Numbered(10)));
    EXPECT_TRUE(s.Offer(LhpChannel::SemiReliable, Numbered(11)));
    EXPECT_FALSE(s.Offer(LhpChannel::SemiReliable, Numbered(12)));
    EXPECT_FALSE(s.Offer(LhpChannel::SemiReliable, Numbered(13)));
    EXPECT_EQ(s.GetStats().datagramsSent, 2u);
    EXPECT_EQ(s.GetStats().datagramsDropped, 2u);
    EXPECT_EQ(s.BacklogSize(), 1u); // only the reliable one waits
    lhp.datagrams.clear();
    lhp.reliable.clear();
    s.OnSendSpace();
    EXPECT_EQ(lhp.datagrams.size(), 0u); // dropped ones never come back
    EXPECT_EQ(lhp.reliable.size(), 1u);
}

TEST(EpLhpSession, BackedUpAtTheThresholdAndClearedByDraining)
{
    FakeLhp lhp;
    lhp.capacity = 0;
    EpLhpSessionConfig cfg;
    cfg.backpressureMessages = 3;
    EpLhpSession s(lhp.Fn(), cfg);
    s.Offer(LhpChannel::Reliable, Numbered(1));
    s.Offer(LhpChannel::Reliable, Numbered(2));
    EXPECT_TRUE(s.Blocked());
    EXPECT_FALSE(s.BackedUp());
    s.Offer(LhpChannel::Reliable, Numbered(3));
    EXPECT_TRUE(s.BackedUp());
    lhp.capacity = 1;
    EXPECT_FALSE(s.OnSendSpace());
    EXPECT_FALSE(s.BackedUp());
    EXPECT_EQ(s.BacklogSize(), 2u);
    s.Reset();
    EXPECT_FALSE(s.Blocked());
    EXPECT_EQ(s.BacklogSize(), 0u);
}

TEST(EpLhpSession, ClientPumpStopsPollingTheEngineWhileBlocked)
{
    FakeLhp lhp;
    lhp.capacity = 1;
    EpClient client;
    EpLhpSession s(lhp.Fn());
    ASSERT_EQ(client.Register(EpAddrMode::NTo1, 0, "c"), 0);
    std::vector<std::uint32_t> ids;
    for (int i = 0; i < 4; ++i)
    {
        EpSocketResult r = client.Create(EpSockType::Stream);
        ASSERT_EQ(r.error, 0);
        ASSERT_EQ(client.Connect(r.id, EpAddress::Ipv4(0x0A000001, 80)), 0);
        ids.push_back(r.id);
    }
    std::vector<std::uint8_t> types;
    std::size_t moved = PumpClientOutgoing(
        client, s, [&](const EpOutgoing& o) { types.push_back(PeekEpHeader(o.bytes)->type); });
    // Register goes out, Connect #1 waits in the session, the rest stays in the engine.
    EXPECT_EQ(moved, 2u);
    EXPECT_EQ(s.BacklogSize(), 1u);
    EXPECT_TRUE(client.HasOutgoing());
    EXPECT_EQ(
        types,
        (std::vector<std::uint8_t>{std::uint8_t(EpType::Register), std::uint8_t(EpType::Connect)}));
    std::vector<std::uint32_t> rsocks;
    for (int round = 0; round < 10 && (client.HasOutgoing() || s.Blocked()); ++round)
    {
        while (!lhp.reliable.empty())
        {
            auto h = PeekEpHeader(lhp.reliable.front());
            ASSERT_TRUE(h.has_value());
            if (h->type == std::uint8_t(EpType::Connect))
            {
                rsocks.push_back(h->rsockId);
            }
            lhp.reliable.pop_front();
        }
        PumpClientOutgoing(client, s);
    }
    while (!lhp.reliable.empty())
    {
        rsocks.push_back(PeekEpHeader(lhp.reliable.front())->rsockId);
        lhp.reliable.pop_front();
    }
    EXPECT_EQ(rsocks, ids); // every Connect, in the order the application made them
}

TEST(EpHeaderPeek, ReadsTheFixedHeaderAndRefusesShortInput)
{
    EpMessage m;
    m.type = EpType::Data;
    m.flags = kEpFlagCreate;
    m.rsockId = 0x80000007u;
    m.requestId = 0x01020304u;
    m.payload = {1, 2, 3};
    std::vector<std::uint8_t> bytes = EncodeEpMessage(m);
    auto h = PeekEpHeader(bytes);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->version, kEpVersion);
    EXPECT_EQ(h->type, std::uint8_t(EpType::Data));
    EXPECT_EQ(h->flags, kEpFlagCreate);
    EXPECT_EQ(h->rsockId, 0x80000007u);
    EXPECT_EQ(h->requestId, 0x01020304u);
    EXPECT_FALSE(PeekEpHeader(bytes.data(), kEpHeaderSize - 1).has_value());
    EXPECT_FALSE(PeekEpHeader(nullptr, 100).has_value());
}

} // namespace
} // namespace resoa
