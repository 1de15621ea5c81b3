/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Placement and load sharing (paper §4.4): ReSoA servers off the data path on an Ethernet
 * access network, clients spread over them, LHP straight over CSMA.
 *
 *   c0..c3 (no IP) --+
 *   s0, s1 (servers) +-- CSMA 198.51.100.0/24 -- router --- p2p --- host 203.0.113.2
 */
#include "ns3/resoa-helper.h"

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <gtest/gtest.h>

#include <map>

using namespace ns3;

namespace
{

TEST(ResoaPlacement, ClientsShareTwoOffPathServersOverEthernet)
{
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(1);
    NodeContainer clients(4);
    NodeContainer servers(2);
    Ptr<Node> router = CreateObject<Node>();
    Ptr<Node> host = CreateObject<Node>();

    NodeContainer lan;
    lan.Add(clients);
    lan.Add(servers);
    lan.Add(router);
    CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", StringValue("100Mbps"));
    csma.SetChannelAttribute("Delay", TimeValue(MicroSeconds(5)));
    NetDeviceContainer lanDevs = csma.Install(lan); // c0..c3, s0, s1, router
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", StringValue("10ms"));
    NetDeviceContainer wan = p2p.Install(router, host);

    InternetStackHelper stack;
    stack.Install(servers);
    stack.Install(router);
    stack.Install(host);
    // Only servers and the router get addresses on the LAN: the clients have no IP at all.
    Ptr<Ipv4> r4 = router->GetObject<Ipv4>();
    Ipv4AddressHelper lanAddr("198.51.100.0", "255.255.255.0", "0.0.0.10");
    NetDeviceContainer ipLan;
    ipLan.Add(lanDevs.Get(4));
    ipLan.Add(lanDevs.Get(5));
    ipLan.Add(lanDevs.Get(6));
    Ipv4InterfaceContainer lanIfs = lanAddr.Assign(ipLan);
    Ipv4AddressHelper wanAddr("203.0.113.0", "255.255.255.0");
    Ipv4InterfaceContainer wanIfs = wanAddr.Assign(wan);
    Ipv4StaticRoutingHelper routing;
    for (uint32_t i = 0; i < 2; ++i)
    {
        routing.GetStaticRouting(servers.Get(i)->GetObject<Ipv4>())
            ->SetDefaultRoute(lanIfs.GetAddress(2), 1);
    }
    routing.GetStaticRouting(host->GetObject<Ipv4>())->SetDefaultRoute(wanIfs.GetAddress(0), 1);

    ResoaHelper resoa;
    std::vector<Ptr<ResoaServer>> srv;
    std::vector<Address> serverMacs;
    for (uint32_t i = 0; i < 2; ++i)
    {
        srv.push_back(resoa.InstallServer(servers.Get(i), NetDeviceContainer(lanDevs.Get(4 + i))));
        serverMacs.push_back(lanDevs.Get(4 + i)->GetAddress());
    }
    NetDeviceContainer clientDevs;
    for (uint32_t i = 0; i < 4; ++i)
    {
        clientDevs.Add(lanDevs.Get(i));
    }
    std::vector<Ptr<ResoaClient>> cl = resoa.InstallClients(clientDevs, serverMacs, Seconds(0.1));

    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 9));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(host).Get(0));
    std::map<uint32_t, uint64_t> bytesBySource; // by source IPv4
    sink->TraceConnectWithoutContext(
        "Rx",
        MakeBoundCallback(
            +[](std::map<uint32_t, uint64_t>* m, Ptr<const Packet> p, const Address& from)
            { (*m)[InetSocketAddress::ConvertFrom(from).GetIpv4().Get()] += p->GetSize(); },
            &bytesBySource));
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(wanIfs.GetAddress(1), 9));
    bulk.SetAttribute("MaxBytes", UintegerValue(200000));
    bulk.Install(clients).Start(Seconds(1));
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(sink->GetTotalRx(), 4u * 200000u);
    ASSERT_EQ(bytesBySource.size(), 2u);
    EXPECT_EQ(bytesBySource[lanIfs.GetAddress(0).Get()], 2u * 200000u);
    EXPECT_EQ(bytesBySource[lanIfs.GetAddress(1).Get()], 2u * 200000u);
    EXPECT_EQ(srv[0]->GetSessionCount(), 2u);
    EXPECT_EQ(srv[1]->GetSessionCount(), 2u);
    for (const auto& c : cl)
    {
        EXPECT_EQ(c->GetLhp()->GetDevice()->GetNode()->GetObject<Ipv4>(), nullptr);
    }
    Simulator::Destroy();
}

} // namespace
