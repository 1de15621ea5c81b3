/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * resoa-serverd's settings turned into the core's config and policy hooks.
 */
#include "server-policy.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace resoa
{
namespace test
{
namespace
{

using namespace realnet;

TEST(ServerPolicy, BindAndListenFollowTheSettings)
{
    ServerConfig c;
    c.allowBindPorts = {ParsePortRange("8000-8080")};
    EpCallPolicy policy = MakeCallPolicy(c);
    const EpAddress any = EpAddress::Ipv4(0, 0);
    EXPECT_EQ(policy(1, EpType::Bind, EpAddress::Ipv4(0, 0)), 0); // ephemeral: always
    EXPECT_EQ(policy(1, EpType::Bind, EpAddress::Ipv4(0, 8080)), 0);
    EXPECT_EQ(policy(1, EpType::Bind, EpAddress::Ipv4(0, 80)), EACCES);
    EXPECT_EQ(policy(1, EpType::Listen, EpAddress::Ipv4(0, 8000)), 0);
    EXPECT_EQ(policy(1, EpType::Listen, EpAddress::Ipv4(0, 22)), EACCES);
    EXPECT_EQ(policy(1, EpType::Listen, any), 0);
    c.allowListen = false;
    policy = MakeCallPolicy(c);
    EXPECT_EQ(policy(1, EpType::Listen, EpAddress::Ipv4(0, 8000)), EACCES);
    EXPECT_EQ(policy(1, EpType::Listen, any), EACCES);
}

TEST(ServerPolicy, DestinationsMatchPrefixAndPorts)
{
    ServerConfig c;
    c.allowDestinations = {ParseDestinationRule("10.0.0.0/8:80-443")};
    const EpCallPolicy policy = MakeCallPolicy(c);
    EXPECT_EQ(policy(1, EpType::Connect, EpAddress::Ipv4(0x0A010203, 80)), 0);
    EXPECT_EQ(policy(1, EpType::SendTo, EpAddress::Ipv4(0x0A010203, 443)), 0);
    EXPECT_EQ(policy(1, EpType::Connect, EpAddress::Ipv4(0x0A010203, 22)), EACCES);
    EXPECT_EQ(policy(1, EpType::Connect, EpAddress::Ipv4(0xC0000201, 80)), EACCES);
    EpAddress v6;
    v6.family = 6;
    v6.port = 80;
    EXPECT_EQ(policy(1, EpType::Connect, v6), EACCES);
    // The default allows everything, both families.
    const EpCallPolicy open = MakeCallPolicy(ServerConfig{});
    EXPECT_EQ(open(1, EpType::Connect, EpAddress::Ipv4(0xC0000201, 22)), 0);
    EXPECT_EQ(open(1, EpType::Connect, v6), 0);
}

TEST(ServerPolicy, EpServerConfigFromSettings)
{
    ServerConfig c;
    c.publicAddress = 0xC6336401;
    c.addressMode = AddressMode::Mixed;
    c.addressPool = {ParseIpPrefix("192.0.2.8/30"), ParseIpPrefix("192.0.2.100")};
    c.socketsPerClient = 12;
    const EpServerConfig e = MakeEpServerConfig(c, 1400);
    EXPECT_EQ(e.serverIpv4, 0xC6336401u);
    EXPECT_TRUE(e.allowNTo1);
    EXPECT_TRUE(e.allowOneTo1);
    EXPECT_EQ(
        e.addressPool,
        (std::vector<std::uint32_t>{0xC0000208, 0xC0000209, 0xC000020A, 0xC000020B, 0xC0000264}));
    EXPECT_EQ(e.socketLimit, 12);
    EXPECT_EQ(e.maxMessageSize, 1400u);
    c.addressMode = AddressMode::OneTo1;
    EXPECT_FALSE(MakeEpServerConfig(c, 1400).allowNTo1);
}

TEST(ServerPolicy, MacAdmission)
{
    ServerConfig c;
    const MacAddress allowed = {2, 0, 0, 0, 0, 1};
    const MacAddress other = {2, 0, 0, 0, 0, 2};
    EXPECT_TRUE(MakeMacAdmission(c)(LhpPeerAddress(other.data(), 6))); // empty list: all
    c.allowMac = {allowed};
    const LhpEndpoint::AdmissionHook hook = MakeMacAdmission(c);
    EXPECT_TRUE(hook(LhpPeerAddress(allowed.data(), 6)));
    EXPECT_FALSE(hook(LhpPeerAddress(other.data(), 6)));
    EXPECT_FALSE(hook(LhpPeerAddress(allowed.data(), 4)));
}

} // namespace
} // namespace test
} // namespace resoa
