/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The scenario API users drive: per-station distances in the helpers, 1-to-1 mode in one
 * call per client (mixed with n-to-1 on one server), and user applications in the
 * comparison topology of every system.
 */
#include "resoa-scenario.h"

#include "ns3/applications-module.h"
#include "ns3/comparison-topology-helper.h"
#include "ns3/internet-module.h"
#include "ns3/mobility-model.h"
#include "ns3/wifi-module.h"

#include <gtest/gtest.h>

using namespace ns3;
using namespace resoa_test;

namespace
{

InetSocketAddress
Inet(const Address& a)
{
    return InetSocketAddress::ConvertFrom(a);
}

double
DistanceToAp(const AccessNetwork& net, uint32_t i)
{
    return net.stas.Get(i)->GetObject<MobilityModel>()->GetDistanceFrom(
        net.ap->GetObject<MobilityModel>());
}

TEST(ScenarioApi, StationDistancesPlaceEachStationWithMinstrel)
{
    AccessNetworkHelper access;
    access.SetStationDistances({5, 20, 40});
    AccessNetwork net = access.Build();
    ASSERT_EQ(net.stas.GetN(), 3u);
    EXPECT_NEAR(DistanceToAp(net, 0), 5, 1e-9);
    EXPECT_NEAR(DistanceToAp(net, 1), 20, 1e-9);
    EXPECT_NEAR(DistanceToAp(net, 2), 40, 1e-9);
    Ptr<WifiNetDevice> sta = DynamicCast<WifiNetDevice>(net.wifi.Get(1));
    ASSERT_TRUE(sta);
    EXPECT_EQ(sta->GetRemoteStationManager()->GetInstanceTypeId().GetName(),
              "ns3::MinstrelWifiManager");
    Simulator::Destroy();
}

TEST(ScenarioApi, StationPositionsAreKeptExactly)
{
    LossyWifiHelper wifi;
    wifi.SetStationPositions({Vector(3, 4, 0), Vector(0, -12, 0)}, false, false);
    NodeContainer stas(2);
    Ptr<Node> ap = CreateObject<Node>();
    wifi.Install(ap, stas);
    EXPECT_EQ(stas.Get(0)->GetObject<MobilityModel>()->GetPosition(), Vector(3, 4, 0));
    EXPECT_EQ(stas.Get(1)->GetObject<MobilityModel>()->GetPosition(), Vector(0, -12, 0));
    Simulator::Destroy();
}

TEST(ScenarioApiDeathTest, DistanceCountMustMatchTheStations)
{
    EXPECT_DEATH(
        {
            LossyWifiHelper wifi;
            wifi.SetStationDistances({5, 10}, true, true);
            NodeContainer stas(3);
            wifi.Install(CreateObject<Node>(), stas);
        },
        "2 station positions for 3 stations");
}

TEST(ScenarioApi, OneToOneInOneCallMixedWithNTo1)
{
    AccessNetworkHelper access;
    access.SetStaCount(2);
    AccessNetwork net = access.Build();
    ResoaHelper resoa;
    Ptr<ResoaServer> server = resoa.InstallServer(net.ap, NetDeviceContainer(net.wifi.Get(0)));
    const Address apLhp = net.wifi.Get(0)->GetAddress();
    const Ipv4Address own("203.0.113.10");
    Ptr<ResoaClient> oneToOne =
        resoa.InstallClientOneToOne(net.wifi.Get(1), server, apLhp, own, Seconds(0.1));
    Ptr<ResoaClient> shared = resoa.InstallClient(net.wifi.Get(2), apLhp, Seconds(0.1));

    AddressProbe a;
    AddressProbe b;
    ProbeAddresses(net, net.stas.Get(0), TcpSocketFactory::GetTypeId(), 9, &a);
    ProbeAddresses(net, net.stas.Get(1), TcpSocketFactory::GetTypeId(), 10, &b);
    Simulator::Stop(Seconds(4));
    Simulator::Run();

    // The address went on the server's wired interface (the subnet it belongs to).
    Ptr<Ipv4> ipv4 = net.ap->GetObject<Ipv4>();
    EXPECT_EQ(ipv4->GetInterfaceForAddress(own), ipv4->GetInterfaceForDevice(net.p2p.Get(0)));
    ASSERT_TRUE(a.connected);
    ASSERT_TRUE(b.connected);
    EXPECT_EQ(oneToOne->GetPublicAddress(), own);
    EXPECT_EQ(Inet(a.own).GetIpv4(), own);
    EXPECT_EQ(Inet(a.peerSeenByHost).GetIpv4(), own);
    EXPECT_EQ(shared->GetPublicAddress(), net.apPublic);
    EXPECT_EQ(Inet(b.own).GetIpv4(), net.apPublic);
    EXPECT_EQ(Inet(b.peerSeenByHost).GetIpv4(), net.apPublic);
    // getsockname tells each application what its peer sees.
    EXPECT_EQ(Inet(a.own).GetPort(), Inet(a.peerSeenByHost).GetPort());
    EXPECT_EQ(Inet(b.own).GetPort(), Inet(b.peerSeenByHost).GetPort());
    Simulator::Destroy();
}

TEST(ScenarioApiDeathTest, OneToOneAddressInNoSubnetOfTheServerAborts)
{
    EXPECT_DEATH(
        {
            AccessNetworkHelper access;
            AccessNetwork net = access.Build();
            ResoaHelper resoa;
            Ptr<ResoaServer> server =
                resoa.InstallServer(net.ap, NetDeviceContainer(net.wifi.Get(0)));
            resoa.InstallClientOneToOne(net.wifi.Get(1),
                                        server,
                                        net.wifi.Get(0)->GetAddress(),
                                        Ipv4Address("198.51.100.7"));
        },
        "no interface of the server holds 198.51.100.7's subnet");
}

class UserAppsInComparison : public ::testing::TestWithParam<std::string>
{
};

// A user's own applications (unmodified BulkSend, PacketSink and OnOff over UDP) in the
// comparison topology of each system: every byte arrives intact, from the address the
// system gives the station.
TEST_P(UserAppsInComparison, BytesArriveIntactFromThePublicAddress)
{
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(1);
    ComparisonTopologyHelper helper;
    helper.SetSystem(GetParam());
    helper.Access().SetStaCount(2);
    helper.Access().Wifi().SetFrameLoss(0.1);
    ComparisonTopology t = helper.Build();
    ASSERT_EQ(t.server != nullptr, GetParam() == "resoa");
    ASSERT_EQ(t.napt != nullptr, GetParam() == "nat");

    const uint64_t bytes = 300000;
    std::vector<RxRecorder> rx(2);
    std::vector<Ptr<PacketSink>> sinks;
    for (uint32_t i = 0; i < 2; ++i)
    {
        uint16_t port = 9 + i;
        PacketSinkHelper sink("ns3::TcpSocketFactory",
                              InetSocketAddress(Ipv4Address::GetAny(), port));
        sinks.push_back(DynamicCast<PacketSink>(sink.Install(t.net.host).Get(0)));
        sinks.back()->TraceConnectWithoutContext("Rx", MakeCallback(&RxRecorder::Rx, &rx[i]));
        BulkSendHelper send("ns3::TcpSocketFactory", InetSocketAddress(t.net.hostAddress, port));
        send.SetAttribute("MaxBytes", UintegerValue(bytes));
        send.Install(t.net.stas.Get(i)).Start(Seconds(1));
    }
    RxRecorder udp;
    PacketSinkHelper udpSink("ns3::UdpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), 20));
    Ptr<PacketSink> udpRx = DynamicCast<PacketSink>(udpSink.Install(t.net.host).Get(0));
    udpRx->TraceConnectWithoutContext("Rx", MakeCallback(&RxRecorder::Rx, &udp));
    OnOffHelper onoff("ns3::UdpSocketFactory", InetSocketAddress(t.net.hostAddress, 20));
    onoff.SetConstantRate(DataRate("1Mbps"), 500);
    onoff.SetAttribute("MaxBytes", UintegerValue(50000));
    onoff.Install(t.net.stas.Get(0)).Start(Seconds(1));

    Simulator::Stop(Seconds(15));
    Simulator::Run();
    for (uint32_t i = 0; i < 2; ++i)
    {
        EXPECT_EQ(sinks[i]->GetTotalRx(), bytes) << "STA " << i;
        EXPECT_EQ(rx[i].hash.Value(), ZeroHash(bytes)) << "STA " << i;
        EXPECT_EQ(Inet(rx[i].lastFrom).GetIpv4(), t.PublicAddressOf(i)) << "STA " << i;
    }
    const Ipv4Address expected = GetParam() == "tcp" ? t.net.staIfs.GetAddress(0) : t.net.apPublic;
    EXPECT_EQ(t.PublicAddressOf(0), expected);
    // 100 datagrams of 500 B at 10 % frame loss with 7 MAC tries: all or nearly all arrive.
    EXPECT_GE(udp.packets, 95u);
    EXPECT_LE(udp.packets, 100u);
    EXPECT_EQ(Inet(udp.lastFrom).GetIpv4(), expected);
    Simulator::Destroy();
}

INSTANTIATE_TEST_SUITE_P(Systems,
                         UserAppsInComparison,
                         ::testing::Values("resoa", "nat", "tcp"),
                         [](const auto& info) { return info.param; });

} // namespace
