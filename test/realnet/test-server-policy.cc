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

TEST(ServerPolicy, ClientModeByMac)
{
    ServerConfig c;
    const MacAddress own = {2, 0, 0, 0xaa, 1, 2};
    const MacAddress pinned = {2, 0, 0, 0xaa, 1, 3};
    const MacAddress shared = {2, 0, 0, 0xaa, 1, 4};
    const MacAddress unlisted = {2, 0, 0, 0xaa, 1, 5};
    c.clientModes = {{own, AddressMode::OneTo1, std::nullopt},
                     {pinned, AddressMode::OneTo1, 0xC0000209},
                     {shared, AddressMode::NTo1, std::nullopt}};
    // Session n is the client with MAC sessions[n]; session 9 has no known peer.
    const std::vector<MacAddress> sessions = {own, pinned, shared, unlisted};
    const EpAdmissionHook hook =
        MakeClientModeAdmission(c,
                                [&](std::uint64_t id) -> std::optional<MacAddress>
                                {
                                    if (id >= sessions.size())
                                    {
                                        return std::nullopt;
                                    }
                                    return sessions[id];
                                });
    const auto admit = [&](std::uint64_t id, EpAddrMode asked)
    {
        EpRegistration r;
        r.sessionId = id;
        r.requestedMode = asked;
        return hook(r);
    };
    EXPECT_EQ(admit(0, EpAddrMode::NTo1).mode, std::optional<EpAddrMode>(EpAddrMode::OneTo1));
    EXPECT_EQ(admit(0, EpAddrMode::NTo1).ipv4, 0u);
    EXPECT_EQ(admit(1, EpAddrMode::NTo1).mode, std::optional<EpAddrMode>(EpAddrMode::OneTo1));
    EXPECT_EQ(admit(1, EpAddrMode::NTo1).ipv4, 0xC0000209u);
    EXPECT_EQ(admit(2, EpAddrMode::OneTo1).mode, std::optional<EpAddrMode>(EpAddrMode::NTo1));
    EXPECT_FALSE(admit(3, EpAddrMode::OneTo1).mode.has_value()); // not listed: its choice
    EXPECT_FALSE(admit(9, EpAddrMode::OneTo1).mode.has_value());
    for (std::uint64_t id : {0, 1, 2, 3})
    {
        EXPECT_EQ(admit(id, EpAddrMode::NTo1).error, 0);
    }
    // No list: nobody's choice is overridden, and the lookup is not even needed.
    const EpAdmissionHook none = MakeClientModeAdmission(ServerConfig{}, nullptr);
    EpRegistration r;
    EXPECT_FALSE(none(r).mode.has_value());
}

} // namespace
} // namespace test
} // namespace resoa
