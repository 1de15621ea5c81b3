/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Unmodified ns-3 applications over ReSoA: BulkSend, PacketSink (listening on the client),
 * OnOff, UdpEcho; addresses (getsockname) in n-to-1, 1-to-1 and mixed mode; dual stack.
 */
#include "resoa-scenario.h"

#include "ns3/applications-module.h"
#include "ns3/internet-module.h"

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

TEST(ResoaApps, PureResoaClientHasNoIpStack)
{
    ResoaScenario s;
    EXPECT_EQ(s.net.stas.Get(0)->GetObject<Ipv4>(), nullptr);
    // ...yet asking for a TcpSocketFactory finds ReSoA's.
    Ptr<Socket> sock = Socket::CreateSocket(s.net.stas.Get(0), TcpSocketFactory::GetTypeId());
    ASSERT_NE(sock, nullptr);
    EXPECT_EQ(sock->GetInstanceTypeId(), TypeId::LookupByName("ns3::ResoaTcpSocket"));
    EXPECT_EQ(sock->GetSocketType(), Socket::NS3_SOCK_STREAM);
}

TEST(ResoaApps, BulkSendReachesInternetHostIntact)
{
    ResoaScenario s;
    const uint64_t bytes = 500000;
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 9));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(s.net.host).Get(0));
    RxRecorder rec;
    sink->TraceConnectWithoutContext("Rx", MakeCallback(&RxRecorder::Rx, &rec));

    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(s.net.hostAddress, 9));
    bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
    ApplicationContainer app = bulk.Install(s.net.stas.Get(0));
    app.Start(Seconds(1));
    Simulator::Stop(Seconds(20));
    Simulator::Run();

    EXPECT_EQ(sink->GetTotalRx(), bytes);
    EXPECT_EQ(rec.hash.Value(), ZeroHash(bytes));
    // The host sees the ReSoA server's public address: n-to-1.
    EXPECT_EQ(Inet(rec.lastFrom).GetIpv4(), s.net.apPublic);
    EXPECT_GT(s.server->GetEngine()->GetStats().bytesFromClients, bytes - 1);
}

TEST(ResoaApps, PacketSinkOnClientAcceptsConnectionFromInternet)
{
    ResoaScenario s;
    const uint64_t bytes = 300000;
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 5000));
    ApplicationContainer sinkApp = sinkHelper.Install(s.net.stas.Get(0));
    sinkApp.Start(Seconds(0.5));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkApp.Get(0));
    RxRecorder rec;
    sink->TraceConnectWithoutContext("Rx", MakeCallback(&RxRecorder::Rx, &rec));

    // The Internet host connects to the server's public address: listen/accept ran there.
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(s.net.apPublic, 5000));
    bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
    bulk.Install(s.net.host).Start(Seconds(2));
    Simulator::Stop(Seconds(20));
    Simulator::Run();

    EXPECT_EQ(sink->GetTotalRx(), bytes);
    EXPECT_EQ(rec.hash.Value(), ZeroHash(bytes));
    EXPECT_EQ(Inet(rec.lastFrom).GetIpv4(), s.net.hostAddress);
    EXPECT_EQ(sink->GetAcceptedSockets().size(), 1u);
}

TEST(ResoaApps, OnOffTcpDeliversEverythingItSent)
{
    ResoaScenario s;
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 9));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(s.net.host).Get(0));
    OnOffHelper onoff("ns3::TcpSocketFactory", InetSocketAddress(s.net.hostAddress, 9));
    onoff.SetConstantRate(DataRate("4Mbps"), 1000);
    ApplicationContainer app = onoff.Install(s.net.stas.Get(0));
    uint64_t sent = 0;
    app.Get(0)->TraceConnectWithoutContext(
        "Tx",
        MakeBoundCallback(
            +[](uint64_t* n, Ptr<const Packet> p) { *n += p->GetSize(); }, &sent));
    app.Start(Seconds(1));
    app.Stop(Seconds(4));
    Simulator::Stop(Seconds(8));
    Simulator::Run();

    EXPECT_GT(sent, 1000000u); // ~3 s at 4 Mbit/s
    EXPECT_EQ(sink->GetTotalRx(), sent);
}

TEST(ResoaApps, UdpEchoRoundTrips)
{
    ResoaScenario s;
    UdpEchoServerHelper server(7);
    ApplicationContainer srv = server.Install(s.net.host);
    UdpEchoClientHelper client(s.net.hostAddress, 7);
    client.SetAttribute("MaxPackets", UintegerValue(10));
    client.SetAttribute("Interval", TimeValue(MilliSeconds(100)));
    client.SetAttribute("PacketSize", UintegerValue(512));
    ApplicationContainer cli = client.Install(s.net.stas.Get(0));
    cli.Start(Seconds(1));
    uint32_t echoed = 0;
    uint32_t served = 0;
    Address seenFrom;
    cli.Get(0)->TraceConnectWithoutContext("Rx",
                                           MakeBoundCallback(
                                               +[](uint32_t* n, Ptr<const Packet> p)
                                               {
                                                   if (p->GetSize() == 512)
                                                   {
                                                       ++*n;
                                                   }
                                               },
                                               &echoed));
    srv.Get(0)->TraceConnectWithoutContext("RxWithAddresses",
                                           MakeBoundCallback(
                                               +[](std::pair<uint32_t*, Address*> st,
                                                   Ptr<const Packet>,
                                                   const Address& from,
                                                   const Address&)
                                               {
                                                   ++*st.first;
                                                   *st.second = from;
                                               },
                                               std::make_pair(&served, &seenFrom)));
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    EXPECT_EQ(served, 10u);
    EXPECT_EQ(echoed, 10u);
    EXPECT_EQ(Inet(seenFrom).GetIpv4(), s.net.apPublic);
}

void
ProbeAddresses(ResoaScenario& s, Ptr<Node> node, TypeId factory, uint16_t port, AddressProbe* out)
{
    resoa_test::ProbeAddresses(s.net, node, factory, port, out);
}

TEST(ResoaApps, GetSockNameIsServerPublicAddressNTo1)
{
    ResoaScenario s;
    AddressProbe probe;
    ProbeAddresses(s, s.net.stas.Get(0), TcpSocketFactory::GetTypeId(), 9, &probe);
    Simulator::Stop(Seconds(4));
    Simulator::Run();
    ASSERT_TRUE(probe.connected);
    EXPECT_EQ(Inet(probe.own).GetIpv4(), s.net.apPublic);
    EXPECT_NE(Inet(probe.own).GetPort(), 0);
    // What the application believes is its address is what the peer sees.
    EXPECT_EQ(Inet(probe.own), Inet(probe.peerSeenByHost));
}

TEST(ResoaApps, OneToOneAndMixedAddressing)
{
    const Ipv4Address pool("203.0.113.10");
    ScenarioOptions o;
    o.stas = 2;
    o.configure = [](ResoaHelper& h)
    {
        h.SetServerAttribute("AllowOneToOne", BooleanValue(true));
    };
    ResoaScenario s(o);
    // The pool address lives on the server's wired interface, so its TCP can use it.
    Ptr<Ipv4> ipv4 = s.net.ap->GetObject<Ipv4>();
    int32_t wired = ipv4->GetInterfaceForDevice(s.net.p2p.Get(0));
    ipv4->AddAddress(wired, Ipv4InterfaceAddress(pool, "255.255.255.0"));
    s.server->AddPoolAddress(pool);
    s.clients[0]->SetAttribute("AddressMode", EnumValue(ResoaClient::ONE_TO_1));

    AddressProbe own;
    AddressProbe shared;
    ProbeAddresses(s, s.net.stas.Get(0), TcpSocketFactory::GetTypeId(), 9, &own);
    ProbeAddresses(s, s.net.stas.Get(1), TcpSocketFactory::GetTypeId(), 10, &shared);
    Simulator::Stop(Seconds(4));
    Simulator::Run();

    ASSERT_TRUE(own.connected);
    ASSERT_TRUE(shared.connected);
    EXPECT_EQ(s.clients[0]->GetPublicAddress(), pool);
    EXPECT_EQ(Inet(own.own).GetIpv4(), pool);
    EXPECT_EQ(Inet(own.own), Inet(own.peerSeenByHost));
    EXPECT_EQ(s.clients[1]->GetPublicAddress(), s.net.apPublic);
    EXPECT_EQ(Inet(shared.own).GetIpv4(), s.net.apPublic);
    EXPECT_EQ(Inet(shared.own), Inet(shared.peerSeenByHost));
}

TEST(ResoaApps, DualStackApplicationChoosesReSoAByFactory)
{
    ScenarioOptions o;
    o.staInternet = true;
    ResoaScenario s(o);
    ASSERT_NE(s.net.stas.Get(0)->GetObject<Ipv4>(), nullptr);
    AddressProbe viaResoa;
    AddressProbe viaLocal;
    ProbeAddresses(
        s, s.net.stas.Get(0), TypeId::LookupByName("ns3::ResoaTcpSocketFactory"), 9, &viaResoa);
    ProbeAddresses(s, s.net.stas.Get(0), TcpSocketFactory::GetTypeId(), 10, &viaLocal);
    Simulator::Stop(Seconds(4));
    Simulator::Run();
    ASSERT_TRUE(viaResoa.connected);
    ASSERT_TRUE(viaLocal.connected);
    EXPECT_EQ(Inet(viaResoa.peerSeenByHost).GetIpv4(), s.net.apPublic);
    EXPECT_EQ(Inet(viaLocal.peerSeenByHost).GetIpv4(), s.net.staIfs.GetAddress(0));
}

TEST(ResoaApps, SocketLimitRefusesExtraSockets)
{
    ScenarioOptions o;
    o.configure = [](ResoaHelper& h)
    {
        h.SetServerAttribute("SocketLimit", UintegerValue(2));
    };
    ResoaScenario s(o);
    std::vector<Ptr<Socket>> made;
    Simulator::Schedule(Seconds(1),
                        [&]()
                        {
                            ASSERT_TRUE(s.clients[0]->IsRegistered());
                            for (int i = 0; i < 3; ++i)
                            {
                                made.push_back(Socket::CreateSocket(s.net.stas.Get(0),
                                                                    TcpSocketFactory::GetTypeId()));
                            }
                        });
    Simulator::Stop(Seconds(2));
    Simulator::Run();
    ASSERT_EQ(made.size(), 3u);
    EXPECT_NE(made[0], nullptr);
    EXPECT_NE(made[1], nullptr);
    EXPECT_EQ(made[2], nullptr) << "the server's limit of 2 must refuse a third socket";
    EXPECT_EQ(s.clients[0]->GetEngine().GetSocketLimit(), 2);
}

} // namespace
