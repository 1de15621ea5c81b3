/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * EpServer's limits (issue 12.4): clients per server, registrations per second, and buffer
 * memory per client, each answered with its errno and counted, nothing changed.
 */
#include "core/ep-server-rig.h"
#include <gtest/gtest.h>

namespace resoa
{
namespace test
{
namespace
{

TimePoint
At(double seconds)
{
    return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds)));
}

EpMessage
RegisterAt(Rig& r, std::uint64_t session, TimePoint now)
{
    r.server.OnSessionUp(session);
    EpMessage m = Msg(EpType::Register, 0, 1);
    m.addrMode = EpAddrMode::NTo1;
    r.Send(session, m, now);
    std::vector<Sent> out = r.Run();
    EXPECT_EQ(out.size(), 1u);
    return out.at(0).msg;
}

TEST(EpServerLimits, ClientsBeyondMaxClientsAreRefusedUntilOneLeaves)
{
    EpServerConfig cfg = Rig::Default();
    cfg.maxClients = 2;
    Rig r(cfg);
    EXPECT_EQ(r.Register(1).error, 0);
    EXPECT_EQ(r.Register(2).error, 0);
    EpMessage third = r.Register(3);
    EXPECT_EQ(third.type, EpType::Registered);
    EXPECT_EQ(third.error, ep_errno::kEconnrefused);
    EXPECT_EQ(r.server.GetStats().clientsRefused, 1u);
    // A refused client cannot open sockets.
    std::vector<Sent> out;
    EXPECT_EQ(r.Connect(3, 1, &out), kEpInvalidHandle);
    EXPECT_EQ(r.stack.SocketCount(), 0u);
    // Repeating Register on a registered session is not a new client.
    EXPECT_EQ(r.Register(1).error, 0);
    EXPECT_EQ(r.server.GetStats().clientsRefused, 1u);
    // One leaves: the next one gets in.
    r.server.OnSessionDown(2);
    r.server.OnSessionDown(3);
    EXPECT_EQ(r.Register(4).error, 0);
}

TEST(EpServerLimits, RegistrationsPerSecondIsATokenBucket)
{
    EpServerConfig cfg = Rig::Default();
    cfg.registrationsPerSecond = 10;
    cfg.registrationBurst = 3;
    Rig r(cfg);
    // A burst of three at t = 1 s gets in, the fourth is refused.
    for (std::uint64_t s = 1; s <= 3; ++s)
    {
        EXPECT_EQ(RegisterAt(r, s, At(1.0)).error, 0) << s;
    }
    EXPECT_EQ(RegisterAt(r, 4, At(1.0)).error, ep_errno::kEconnrefused);
    EXPECT_EQ(r.server.GetStats().registrationsThrottled, 1u);
    // 10 per second: one token back after 100 ms, not before.
    EXPECT_EQ(RegisterAt(r, 5, At(1.05)).error, ep_errno::kEconnrefused);
    EXPECT_EQ(RegisterAt(r, 6, At(1.16)).error, 0);
    EXPECT_EQ(RegisterAt(r, 7, At(1.16)).error, ep_errno::kEconnrefused);
    // A long pause refills the bucket only up to the burst.
    for (std::uint64_t s = 10; s < 13; ++s)
    {
        EXPECT_EQ(RegisterAt(r, s, At(60.0)).error, 0) << s;
    }
    EXPECT_EQ(RegisterAt(r, 13, At(60.0)).error, ep_errno::kEconnrefused);
    EXPECT_EQ(r.server.GetStats().registrationsThrottled, 4u);
}

TEST(EpServerLimits, ZeroRateMeansNoRegistrationLimit)
{
    EpServerConfig cfg = Rig::Default();
    cfg.registrationsPerSecond = 0;
    cfg.registrationBurst = 1;
    Rig r(cfg);
    for (std::uint64_t s = 1; s <= 50; ++s)
    {
        ASSERT_EQ(RegisterAt(r, s, At(1.0)).error, 0) << s;
    }
}

EpMessage
SetBuf(std::uint32_t id, std::uint32_t requestId, std::int32_t option, std::int32_t value)
{
    EpMessage s = Msg(EpType::SetSockOpt, id, requestId);
    s.level = ep_sockopt::kLevelSocket;
    s.option = option;
    s.intValue = value;
    return s;
}

TEST(EpServerLimits, ClientBufferBudgetAnswersEnobufsAndGivesBackOnClose)
{
    EpServerConfig cfg = Rig::Default(); // 4000-byte stream window
    cfg.maxClientBufferBytes = 20000;
    Rig r(cfg);
    r.Register(1);
    EpHandle h1 = r.Connect(1, 1);
    ASSERT_NE(h1, kEpInvalidHandle);
    // 4000 held by socket 1; SO_RCVBUF 10000 more fits (14000), then SO_SNDBUF 8000 does not.
    r.Send(1, SetBuf(1, 10, ep_sockopt::kRcvBuf, 10000));
    r.Send(1, SetBuf(1, 11, ep_sockopt::kSndBuf, 8000));
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].msg.error, 0);
    EXPECT_EQ(out[1].msg.error, ep_errno::kEnobufs);
    EXPECT_EQ((r.stack.Find(h1)->options[{ep_sockopt::kLevelSocket, ep_sockopt::kRcvBuf}]), 10000);
    EXPECT_EQ((r.stack.Find(h1)->options.count({ep_sockopt::kLevelSocket, ep_sockopt::kSndBuf})),
              0u);
    // Another stream (4000) fits: 18000. A third does not: socket() answers ENOBUFS and no
    // stack socket is made.
    ASSERT_NE(r.Connect(1, 2), kEpInvalidHandle);
    out.clear();
    EXPECT_EQ(r.Connect(1, 3, &out), kEpInvalidHandle);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEnobufs);
    EXPECT_EQ(r.stack.SocketCount(), 2u);
    EXPECT_EQ(r.server.GetStats().bufferRefused, 2u);
    // Shrinking SO_RCVBUF gives memory back: now the third stream fits.
    r.Send(1, SetBuf(1, 12, ep_sockopt::kRcvBuf, 2000));
    out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, 0);
    ASSERT_NE(r.Connect(1, 3), kEpInvalidHandle);
    // Closing a socket gives its window and buffers back.
    r.Send(1, Msg(EpType::Close, 1));
    r.Run();
    ASSERT_NE(r.Connect(1, 4), kEpInvalidHandle);
    // Datagram sockets hold no stream window.
    EpMessage u = Msg(EpType::Socket, 5, 20);
    u.sockType = EpSockType::Dgram;
    r.Send(1, u);
    out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, 0);
}

TEST(EpServerLimits, BufferBudgetIsPerClient)
{
    EpServerConfig cfg = Rig::Default();
    cfg.maxClientBufferBytes = 8000; // two streams each
    Rig r(cfg);
    r.Register(1);
    r.Register(2);
    ASSERT_NE(r.Connect(1, 1), kEpInvalidHandle);
    ASSERT_NE(r.Connect(1, 2), kEpInvalidHandle);
    EXPECT_EQ(r.Connect(1, 3), kEpInvalidHandle);
    ASSERT_NE(r.Connect(2, 1), kEpInvalidHandle); // client 2 is not charged for client 1
    ASSERT_NE(r.Connect(2, 2), kEpInvalidHandle);
}

} // namespace
} // namespace test
} // namespace resoa
