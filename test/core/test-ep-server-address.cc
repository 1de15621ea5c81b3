/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * EpServer with a 1-to-1 address provider (e.g. DHCP on the client's behalf): the Register
 * waits for the driver's answer, which registers the client with the provided address,
 * falls back to n-to-1 or refuses it.
 */
#include "ep-server.h"

#include "core/ep-server-rig.h"
#include <gtest/gtest.h>

#include <vector>

namespace resoa
{
namespace test
{
namespace
{

constexpr std::uint32_t kLeased = 0xCB007164; // 203.0.113.100

struct ProviderRig : Rig
{
    ProviderRig()
        : Rig(Config())
    {
        server.SetAddressProvider([this](const EpAddressRequest& r) { asked.push_back(r); });
    }

    static EpServerConfig Config()
    {
        EpServerConfig c = Default();
        c.allowOneTo1 = true;
        return c;
    }

    /// Register for 1-to-1 and return what came out at once (nothing while it waits).
    std::vector<Sent> AskOwn(std::uint64_t session)
    {
        server.OnSessionUp(session);
        EpMessage m = Msg(EpType::Register, 0, 7);
        m.addrMode = EpAddrMode::OneTo1;
        Send(session, m);
        return Run();
    }

    std::vector<EpAddressRequest> asked;
};

TEST(EpServerAddressProvider, RegisterWaitsThenGetsTheProvidedAddress)
{
    ProviderRig r;
    EXPECT_TRUE(r.AskOwn(1).empty());
    ASSERT_EQ(r.asked.size(), 1u);
    EXPECT_EQ(r.asked[0].sessionId, 1u);
    EXPECT_TRUE(r.server.AwaitsAddress(1));
    // A repeated Register while waiting is not answered twice.
    EpMessage again = Msg(EpType::Register, 0, 8);
    again.addrMode = EpAddrMode::OneTo1;
    r.Send(1, again);
    EXPECT_TRUE(r.Run().empty());
    EXPECT_EQ(r.asked.size(), 1u);

    r.server.OnAddressAssigned(1, kLeased, false, ep_errno::kEaddrnotavail);
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Registered);
    EXPECT_EQ(out[0].msg.requestId, 7u);
    EXPECT_EQ(out[0].msg.error, 0);
    EXPECT_EQ(out[0].msg.addrMode, EpAddrMode::OneTo1);
    EXPECT_EQ(out[0].msg.ipv4, kLeased);
    EXPECT_FALSE(r.server.AwaitsAddress(1));
    // n-to-1 clients never ask the provider.
    EXPECT_EQ(r.Register(2).ipv4, kServerIp);
    EXPECT_EQ(r.asked.size(), 1u);
}

TEST(EpServerAddressProvider, NoAddressRefusesWithTheGivenErrno)
{
    ProviderRig r;
    r.AskOwn(1);
    r.server.OnAddressAssigned(1, 0, false, ep_errno::kEtimedout);
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Registered);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEtimedout);
    EXPECT_EQ(r.server.GetStats().registrationsDenied, 1u);
    // Still unregistered: socket calls are refused.
    r.Send(1, Msg(EpType::Socket, 1, 3));
    EXPECT_EQ(r.Run().at(0).msg.error, ep_errno::kEperm);
}

TEST(EpServerAddressProvider, NoAddressFallsBackToNTo1WhenAskedAndAllowed)
{
    ProviderRig r;
    r.AskOwn(1);
    r.server.OnAddressAssigned(1, 0, true, ep_errno::kEaddrnotavail);
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, 0);
    EXPECT_EQ(out[0].msg.addrMode, EpAddrMode::NTo1);
    EXPECT_EQ(out[0].msg.ipv4, kServerIp);
}

TEST(EpServerAddressProvider, LateAnswerForAGoneSessionIsIgnored)
{
    ProviderRig r;
    r.AskOwn(1);
    r.server.OnSessionDown(1);
    r.server.OnAddressAssigned(1, kLeased, false, 0);
    EXPECT_TRUE(r.Run().empty());
    EXPECT_FALSE(r.server.AwaitsAddress(1));
}

} // namespace
} // namespace test
} // namespace resoa
