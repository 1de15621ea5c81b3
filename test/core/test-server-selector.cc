/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ServerSelector: the start index (FNV-1a of the client's address, or the first), failover
 * in list order, no wait within a round, the backoff between rounds and its reset.
 */
#include "server-selector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

namespace resoa
{
namespace test
{
namespace
{

using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<std::uint8_t>
Mac(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t e, std::uint8_t f)
{
    return {a, b, c, d, e, f};
}

TEST(ServerSelector, Fnv1aMatchesThePublishedVectors)
{
    // Offset basis and the reference values for "" and "a" (Fowler/Noll/Vo).
    EXPECT_EQ(ServerSelector::Fnv1a32(nullptr, 0), 0x811c9dc5u);
    const std::uint8_t a = 'a';
    EXPECT_EQ(ServerSelector::Fnv1a32(&a, 1), 0xe40c292cu);
    const std::uint8_t foobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
    EXPECT_EQ(ServerSelector::Fnv1a32(foobar, sizeof(foobar)), 0xbf9cf968u);
    // ns-3's first allocated MACs (values computed independently, in Python).
    std::vector<std::uint8_t> m1 = Mac(0, 0, 0, 0, 0, 1);
    EXPECT_EQ(ServerSelector::Fnv1a32(m1.data(), m1.size()), 0x7e77860au);
}

TEST(ServerSelector, HashStartSpreadsClientsByTheirAddress)
{
    // Expected indices computed independently: FNV-1a(mac) % n.
    EXPECT_EQ(ServerSelector::HashIndex(Mac(0, 0, 0, 0, 0, 1), 2), 0u);
    EXPECT_EQ(ServerSelector::HashIndex(Mac(0, 0, 0, 0, 0, 2), 2), 1u);
    EXPECT_EQ(ServerSelector::HashIndex(Mac(0, 0, 0, 0, 0, 3), 2), 0u);
    EXPECT_EQ(ServerSelector::HashIndex(Mac(0, 0, 0, 0, 0, 4), 2), 1u);
    EXPECT_EQ(ServerSelector::HashIndex(Mac(0, 0, 0, 0, 0, 1), 3), 2u);
    EXPECT_EQ(ServerSelector::HashIndex(Mac(0, 0, 0, 0, 0, 2), 3), 0u);
    EXPECT_EQ(ServerSelector::HashIndex(Mac(2, 0, 0, 0, 1, 1), 2), 1u);
    EXPECT_EQ(ServerSelector::HashIndex(Mac(2, 0, 0, 0, 1, 2), 2), 0u);

    ServerSelector s(2, Mac(0, 0, 0, 0, 0, 2));
    EXPECT_EQ(s.Count(), 2u);
    EXPECT_EQ(s.StartIndex(), 1u);
    EXPECT_EQ(s.Current(), 1u);

    // 64 consecutive MACs over 4 servers: every server gets exactly its share.
    std::map<std::size_t, int> perServer;
    for (int i = 0; i < 64; ++i)
    {
        perServer[ServerSelector::HashIndex(Mac(2, 0, 0, 0, 0, static_cast<std::uint8_t>(i)), 4)]++;
    }
    ASSERT_EQ(perServer.size(), 4u);
    for (const auto& [idx, n] : perServer)
    {
        EXPECT_EQ(n, 16) << "server " << idx;
    }
}

TEST(ServerSelector, FirstPolicyStartsAtTheHeadOfTheList)
{
    ServerSelectorConfig c;
    c.start = ServerStartPolicy::First;
    ServerSelector s(3, Mac(0, 0, 0, 0, 0, 1), c);
    EXPECT_EQ(s.StartIndex(), 0u);
    EXPECT_EQ(s.Current(), 0u);
}

TEST(ServerSelector, FailoverGoesInListOrderAndWaitsOnlyBetweenRounds)
{
    ServerSelectorConfig c;
    c.start = ServerStartPolicy::First;
    ServerSelector s(3, {}, c);
    EXPECT_EQ(s.OnFailure(), Duration::zero()); // 0 failed: 1 at once
    EXPECT_EQ(s.Current(), 1u);
    EXPECT_EQ(s.OnFailure(), Duration::zero()); // 1 failed: 2 at once
    EXPECT_EQ(s.Current(), 2u);
    EXPECT_EQ(s.OnFailure(), milliseconds(100)); // round complete: back to 0 after 100 ms
    EXPECT_EQ(s.Current(), 0u);
    EXPECT_EQ(s.OnFailure(), Duration::zero());
    EXPECT_EQ(s.OnFailure(), Duration::zero());
    EXPECT_EQ(s.OnFailure(), milliseconds(200)); // second round: doubled
    EXPECT_EQ(s.GetFailoverCount(), 6u);
}

TEST(ServerSelector, RegistrationEndsTheRoundAndResetsTheBackoff)
{
    ServerSelectorConfig c;
    c.start = ServerStartPolicy::First;
    ServerSelector s(2, {}, c);
    EXPECT_EQ(s.OnFailure(), Duration::zero());
    EXPECT_EQ(s.OnFailure(), milliseconds(100));
    EXPECT_EQ(s.GetBackoff(), milliseconds(200));
    s.OnRegistered(); // server 0 took us
    EXPECT_EQ(s.GetBackoff(), milliseconds(100));
    // Server 0 dies: server 1 at once, not after a backoff.
    EXPECT_EQ(s.OnFailure(), Duration::zero());
    EXPECT_EQ(s.Current(), 1u);
    s.OnRegistered();
    // Server 1 dies: back to 0 at once; a round counts only failures since the registration.
    EXPECT_EQ(s.OnFailure(), Duration::zero());
    EXPECT_EQ(s.Current(), 0u);
}

TEST(ServerSelector, OneServerBacksOffAsClientdAlwaysDid)
{
    ServerSelector s(1, Mac(2, 0, 0, 0, 0, 1));
    EXPECT_EQ(s.Current(), 0u);
    std::vector<Duration> waits;
    for (int i = 0; i < 8; ++i)
    {
        waits.push_back(s.OnFailure());
        EXPECT_EQ(s.Current(), 0u);
    }
    std::vector<Duration> expected = {milliseconds(100),
                                      milliseconds(200),
                                      milliseconds(400),
                                      milliseconds(800),
                                      milliseconds(1600),
                                      milliseconds(3200),
                                      seconds(5),
                                      seconds(5)};
    EXPECT_EQ(waits, expected);
    EXPECT_EQ(s.GetFailoverCount(), 0u);
    s.OnRegistered();
    EXPECT_EQ(s.OnFailure(), milliseconds(100));
}

TEST(ServerSelector, AnEmptyListIsTreatedAsOneServer)
{
    ServerSelector s(0, Mac(0, 0, 0, 0, 0, 1));
    EXPECT_EQ(s.Count(), 1u);
    EXPECT_EQ(s.Current(), 0u);
    EXPECT_EQ(s.OnFailure(), milliseconds(100));
}

} // namespace
} // namespace test
} // namespace resoa
