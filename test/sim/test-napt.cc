/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * NAPT on the access router: STAs (10.0.0.x) ))) AP/NAT (203.0.113.1) --- host (203.0.113.2).
 * Transfers through the NAT, the addresses the host sees, mapping behaviour (RFC 4787/5382),
 * filtering of unsolicited traffic, timeouts, and active FTP with and without the ALG.
 * Every scenario runs with IP/TCP/UDP checksums on.
 */
#include "ns3/access-network-helper.h"
#include "ns3/active-ftp-client.h"
#include "ns3/active-ftp-server.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/napt-ftp-alg.h"
#include "ns3/napt-helper.h"
#include "ns3/network-module.h"
#include "ns3/tcp-option-sack.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <sstream>

using namespace ns3;

namespace
{

const Ipv4Address kPublic("203.0.113.1");

InetSocketAddress
Inet(const Address& a)
{
    return InetSocketAddress::ConvertFrom(a);
}

/// STAs ))) AP --- host, the AP a NAT (unless `nat` is false), with traces recorded.
struct NaptScenario
{
    AccessNetwork net;
    Ptr<NaptRouting> napt;
    std::vector<NaptRouting::MappingInfo> created;
    std::vector<std::pair<NaptRouting::MappingInfo, Time>> expired;
    std::vector<std::pair<NaptRouting::DropReason, Ipv4Header>> drops;
    uint32_t staRxFromHost = 0; //!< IP packets from the host that reached any STA

    explicit NaptScenario(uint32_t stas = 1,
                          const std::function<void(NaptHelper&)>& configure = {},
                          bool nat = true)
    {
        GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(1);
        AccessNetworkHelper access;
        access.SetStaCount(stas);
        access.SetStaInternet(true);
        net = access.Build();
        if (nat)
        {
            NaptHelper helper;
            if (configure)
            {
                configure(helper);
            }
            Ptr<Ipv4> apIp = net.ap->GetObject<Ipv4>();
            napt = helper.Install(net.ap, apIp->GetInterfaceForDevice(net.p2p.Get(0)));
            napt->TraceConnectWithoutContext("MappingCreated",
                                             Callback<void, const NaptRouting::MappingInfo&>(
                                                 [this](const NaptRouting::MappingInfo& m)
                                                 { created.push_back(m); }));
            napt->TraceConnectWithoutContext("MappingExpired",
                                             Callback<void, const NaptRouting::MappingInfo&>(
                                                 [this](const NaptRouting::MappingInfo& m)
                                                 { expired.emplace_back(m, Simulator::Now()); }));
            napt->TraceConnectWithoutContext(
                "Drop",
                Callback<void, const Ipv4Header&, Ptr<const Packet>, NaptRouting::DropReason>(
                    [this](const Ipv4Header& h, Ptr<const Packet>, NaptRouting::DropReason r)
                    { drops.emplace_back(r, h); }));
        }
        for (uint32_t i = 0; i < stas; ++i)
        {
            // Rx fires for every IP packet an interface receives, before routing.
            net.stas.Get(i)->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext(
                "Rx",
                Callback<void, Ptr<const Packet>, Ptr<Ipv4>, uint32_t>(
                    [this](Ptr<const Packet> p, Ptr<Ipv4>, uint32_t)
                    {
                        Ipv4Header h;
                        p->PeekHeader(h);
                        staRxFromHost += h.GetSource() == net.hostAddress ? 1 : 0;
                    }));
        }
    }

    ~NaptScenario()
    {
        Simulator::Destroy();
    }

    Ipv4Address StaAddress(uint32_t i) const
    {
        return net.staIfs.GetAddress(i);
    }

    uint32_t Drops(NaptRouting::DropReason reason) const
    {
        uint32_t n = 0;
        for (const auto& d : drops)
        {
            n += d.first == reason ? 1 : 0;
        }
        return n;
    }
};

/// A UDP socket that records the source of every datagram it receives.
struct UdpProbe
{
    Ptr<Socket> socket;
    std::vector<InetSocketAddress> from;

    UdpProbe(Ptr<Node> node, uint16_t port)
    {
        socket = Socket::CreateSocket(node, UdpSocketFactory::GetTypeId());
        socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
        socket->SetRecvCallback(Callback<void, Ptr<Socket>>(
            [this](Ptr<Socket> s)
            {
                Address a;
                while (Ptr<Packet> p = s->RecvFrom(a))
                {
                    from.push_back(Inet(a));
                }
            }));
    }

    void SendAt(Time t, Address to, uint32_t size = 100)
    {
        Ptr<Socket> s = socket;
        Simulator::Schedule(t, [s, to, size]() { s->SendTo(Create<Packet>(size), 0, to); });
    }
};

/// Completion time and source seen by the host for a 1 MB BulkSend STA -> host.
struct BulkResult
{
    uint64_t received = 0;
    bool allZero = true;
    InetSocketAddress from{Ipv4Address(), 0};
    Time last;
};

BulkResult
RunBulk(NaptScenario& s, uint64_t bytes)
{
    BulkResult r;
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 9));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(s.net.host).Get(0));
    sink->TraceConnectWithoutContext("Rx",
                                     Callback<void, Ptr<const Packet>, const Address&>(
                                         [&r](Ptr<const Packet> p, const Address& from)
                                         {
                                             std::vector<uint8_t> b(p->GetSize());
                                             p->CopyData(b.data(), b.size());
                                             for (uint8_t x : b)
                                             {
                                                 r.allZero = r.allZero && x == 0;
                                             }
                                             r.received += b.size();
                                             r.from = Inet(from);
                                             r.last = Simulator::Now();
                                         }));
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(s.net.hostAddress, 9));
    bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
    bulk.Install(s.net.stas.Get(0)).Start(Seconds(1));
    Simulator::Stop(Seconds(20));
    Simulator::Run();
    return r;
}

// ---------------------------------------------------------------------------------------------

TEST(NaptTcp, BulkSendArrivesCompleteFromPublicAddress)
{
    NaptScenario s;
    const uint64_t bytes = 1000000;
    BulkResult r = RunBulk(s, bytes);

    EXPECT_EQ(r.received, bytes);
    EXPECT_TRUE(r.allZero);
    // The host sees the NAT's address and the mapped port, not 10.0.0.2.
    EXPECT_EQ(r.from.GetIpv4(), kPublic);
    ASSERT_EQ(s.napt->GetMappingCount(), 1u);
    NaptRouting::MappingInfo m = s.napt->GetMappings()[0];
    EXPECT_EQ(m.protocol, 6);
    EXPECT_EQ(m.privateAddress, s.StaAddress(0));
    EXPECT_EQ(m.publicPort, r.from.GetPort());
    EXPECT_GE(m.publicPort, 49152);
    ASSERT_EQ(s.created.size(), 1u);
    EXPECT_TRUE(s.drops.empty());
    std::ostringstream table;
    s.napt->PrintRoutingTable(Create<OutputStreamWrapper>(&table));
    EXPECT_NE(table.str().find("tcp " + std::to_string(m.privatePort).insert(0, "10.0.0.2:")),
              std::string::npos)
        << table.str();
}

TEST(NaptTcp, GoodputMatchesPlainRouting)
{
    const uint64_t bytes = 1000000;
    BulkResult viaNat;
    BulkResult routed;
    {
        NaptScenario s;
        viaNat = RunBulk(s, bytes);
    }
    {
        NaptScenario s(1, {}, false);
        routed = RunBulk(s, bytes);
        EXPECT_EQ(routed.from.GetIpv4(), s.StaAddress(0)); // no NAT: the private address
    }
    ASSERT_EQ(viaNat.received, bytes);
    ASSERT_EQ(routed.received, bytes);
    double natMbps = bytes * 8 / (viaNat.last - Seconds(1)).GetSeconds() / 1e6;
    double routedMbps = bytes * 8 / (routed.last - Seconds(1)).GetSeconds() / 1e6;
    std::cout << "1 MB STA->host goodput: NAT " << natMbps << " Mbit/s, plain routing "
              << routedMbps << " Mbit/s" << std::endl;
    RecordProperty("natMbps", std::to_string(natMbps));
    RecordProperty("routedMbps", std::to_string(routedMbps));
    // Translation costs no simulated time: the same segments cross the same links.
    EXPECT_NEAR(natMbps, routedMbps, routedMbps * 0.01);
    EXPECT_GT(natMbps, 5.0);
}

TEST(NaptUdp, EchoRoundTrip)
{
    NaptScenario s;
    UdpEchoServerHelper server(9);
    Ptr<UdpEchoServer> echo = DynamicCast<UdpEchoServer>(server.Install(s.net.host).Get(0));
    std::set<Ipv4Address> seenFrom;
    echo->TraceConnectWithoutContext(
        "RxWithAddresses",
        Callback<void, Ptr<const Packet>, const Address&, const Address&>(
            [&seenFrom](Ptr<const Packet>, const Address& from, const Address&)
            { seenFrom.insert(Inet(from).GetIpv4()); }));
    UdpEchoClientHelper client(s.net.hostAddress, 9);
    client.SetAttribute("MaxPackets", UintegerValue(10));
    client.SetAttribute("Interval", TimeValue(MilliSeconds(200)));
    client.SetAttribute("PacketSize", UintegerValue(512));
    Ptr<Application> app = client.Install(s.net.stas.Get(0)).Get(0);
    app->SetStartTime(Seconds(1));
    uint32_t echoed = 0;
    app->TraceConnectWithoutContext(
        "Rx",
        Callback<void, Ptr<const Packet>>([&echoed](Ptr<const Packet> p)
                                          { echoed += p->GetSize() == 512 ? 1 : 0; }));
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(echoed, 10u);
    EXPECT_EQ(seenFrom, std::set<Ipv4Address>{kPublic});
    EXPECT_EQ(s.created.size(), 1u);
    EXPECT_EQ(s.staRxFromHost, 10u);
    EXPECT_TRUE(s.drops.empty());
}

TEST(NaptUdp, SamePrivatePortOnTwoStasGetsTwoPublicPorts)
{
    NaptScenario s(2);
    UdpProbe host(s.net.host, 9);
    UdpProbe sta0(s.net.stas.Get(0), 7000);
    UdpProbe sta1(s.net.stas.Get(1), 7000);
    sta0.SendAt(Seconds(1), InetSocketAddress(s.net.hostAddress, 9));
    sta1.SendAt(Seconds(1.1), InetSocketAddress(s.net.hostAddress, 9));
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    ASSERT_EQ(host.from.size(), 2u);
    EXPECT_EQ(host.from[0].GetIpv4(), kPublic);
    EXPECT_EQ(host.from[1].GetIpv4(), kPublic);
    EXPECT_NE(host.from[0].GetPort(), host.from[1].GetPort());
    ASSERT_EQ(s.napt->GetMappingCount(), 2u);
    for (const auto& m : s.napt->GetMappings())
    {
        EXPECT_EQ(m.privatePort, 7000);
    }
}

TEST(NaptUdp, MappingIsEndpointIndependent)
{
    NaptScenario s;
    UdpProbe host9(s.net.host, 9);
    UdpProbe host10(s.net.host, 10);
    UdpProbe sta(s.net.stas.Get(0), 7000);
    sta.SendAt(Seconds(1), InetSocketAddress(s.net.hostAddress, 9));
    sta.SendAt(Seconds(1.1), InetSocketAddress(s.net.hostAddress, 10));
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    ASSERT_EQ(host9.from.size(), 1u);
    ASSERT_EQ(host10.from.size(), 1u);
    // One public port for the socket, whatever the destination (RFC 4787 REQ-1).
    EXPECT_EQ(host9.from[0].GetPort(), host10.from[0].GetPort());
    EXPECT_EQ(host9.from[0].GetIpv4(), kPublic);
    EXPECT_EQ(s.napt->GetMappingCount(), 1u);
    EXPECT_EQ(s.created.size(), 1u);
}

TEST(NaptSecurity, UnsolicitedInboundReachesNoSta)
{
    Config::SetDefault("ns3::TcpSocket::ConnCount", UintegerValue(2));
    NaptScenario s(2);
    bool connected = false;
    std::vector<Ptr<Socket>> keep;
    for (uint16_t port : {80, 49152})
    {
        Ptr<Socket> tcp = Socket::CreateSocket(s.net.host, TcpSocketFactory::GetTypeId());
        tcp->SetConnectCallback(
            Callback<void, Ptr<Socket>>([&connected](Ptr<Socket>) { connected = true; }),
            MakeNullCallback<void, Ptr<Socket>>());
        tcp->Bind();
        Simulator::Schedule(Seconds(1),
                            [tcp, port]() { tcp->Connect(InetSocketAddress(kPublic, port)); });
        keep.push_back(tcp);
    }
    UdpProbe host(s.net.host, 5555);
    host.SendAt(Seconds(1), InetSocketAddress(kPublic, 49152));
    host.SendAt(Seconds(1.1), InetSocketAddress(kPublic, 7000));
    // Straight at a private host: the host's default route points at the AP.
    host.SendAt(Seconds(1.2), InetSocketAddress(s.StaAddress(0), 7000));
    host.SendAt(Seconds(1.3), InetSocketAddress(s.StaAddress(1), 7000));
    Simulator::Stop(Seconds(30));
    Simulator::Run();

    EXPECT_EQ(s.staRxFromHost, 0u);
    EXPECT_FALSE(connected);
    EXPECT_EQ(s.napt->GetMappingCount(), 0u);
    EXPECT_GE(s.Drops(NaptRouting::DROP_NO_MAPPING), 4u); // 2 SYNs (+ retries), 2 datagrams
    EXPECT_EQ(s.Drops(NaptRouting::DROP_TO_PRIVATE), 2u);
    for (const auto& d : s.drops)
    {
        EXPECT_EQ(d.second.GetSource(), s.net.hostAddress);
    }
}

TEST(NaptSecurity, GlobalRoutingDoesNotExposePrivateHosts)
{
    // Global routing advertises 10.0.0.0/24 to the host; the NAT must still keep it private.
    // Without the NAT the same datagram reaches the STA (the control case).
    for (bool nat : {true, false})
    {
        NaptScenario s(1, {}, nat);
        Ipv4GlobalRoutingHelper::PopulateRoutingTables(); // after NaptHelper::Install
        UdpProbe host(s.net.host, 9);
        UdpProbe sta(s.net.stas.Get(0), 7000);
        sta.SendAt(Seconds(1), InetSocketAddress(s.net.hostAddress, 9));
        host.SendAt(Seconds(1.5), InetSocketAddress(s.StaAddress(0), 7000));
        Simulator::Stop(Seconds(3));
        Simulator::Run();

        ASSERT_EQ(host.from.size(), 1u);
        EXPECT_EQ(host.from[0].GetIpv4(), nat ? kPublic : s.StaAddress(0));
        EXPECT_EQ(s.staRxFromHost, nat ? 0u : 1u);
        EXPECT_EQ(s.Drops(NaptRouting::DROP_TO_PRIVATE), nat ? 1u : 0u);
    }
}

TEST(NaptSecurity, FilteringIsAddressAndPortDependent)
{
    NaptScenario s;
    UdpProbe host9(s.net.host, 9);
    UdpProbe other(s.net.host, 5555);
    UdpProbe sta(s.net.stas.Get(0), 7000);
    sta.SendAt(Seconds(1), InetSocketAddress(s.net.hostAddress, 9));
    Simulator::Schedule(Seconds(1.5),
                        [&]()
                        {
                            ASSERT_EQ(host9.from.size(), 1u);
                            // The endpoint the STA talked to gets through; another port of the same
                            // host does not.
                            host9.socket->SendTo(Create<Packet>(10), 0, host9.from[0]);
                            other.socket->SendTo(Create<Packet>(20), 0, host9.from[0]);
                        });
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    ASSERT_EQ(sta.from.size(), 1u);
    EXPECT_EQ(sta.from[0].GetPort(), 9);
    EXPECT_EQ(s.Drops(NaptRouting::DROP_FILTERED), 1u);
}

TEST(NaptSecurity, EndpointIndependentFilteringAttribute)
{
    NaptScenario s(1,
                   [](NaptHelper& h)
                   { h.SetAttribute("Filtering", EnumValue(ENDPOINT_INDEPENDENT_FILTERING)); });
    UdpProbe host9(s.net.host, 9);
    UdpProbe other(s.net.host, 5555);
    UdpProbe sta(s.net.stas.Get(0), 7000);
    sta.SendAt(Seconds(1), InetSocketAddress(s.net.hostAddress, 9));
    Simulator::Schedule(Seconds(1.5),
                        [&]()
                        {
                            ASSERT_EQ(host9.from.size(), 1u);
                            other.socket->SendTo(Create<Packet>(20), 0, host9.from[0]);
                        });
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    ASSERT_EQ(sta.from.size(), 1u);
    EXPECT_EQ(sta.from[0].GetPort(), 5555);
    EXPECT_TRUE(s.drops.empty());
}

TEST(NaptTimeout, UdpMappingExpires)
{
    NaptScenario s(1, [](NaptHelper& h) { h.SetAttribute("UdpTimeout", TimeValue(Seconds(2))); });
    UdpProbe host(s.net.host, 9);
    UdpProbe sta(s.net.stas.Get(0), 7000);
    sta.SendAt(Seconds(1), InetSocketAddress(s.net.hostAddress, 9));
    uint32_t countAt1_5 = 99;
    uint32_t countAt3_5 = 99;
    Simulator::Schedule(Seconds(1.5),
                        [&]()
                        {
                            countAt1_5 = s.napt->GetMappingCount();
                            host.socket->SendTo(
                                Create<Packet>(10), 0, host.from.at(0)); // refreshes the mapping
                        });
    Simulator::Schedule(Seconds(4),
                        [&]()
                        {
                            countAt3_5 = s.napt->GetMappingCount();
                            host.socket->SendTo(Create<Packet>(10), 0, host.from.at(0)); // too late
                        });
    Simulator::Stop(Seconds(6));
    Simulator::Run();

    EXPECT_EQ(countAt1_5, 1u);
    EXPECT_EQ(countAt3_5, 0u);
    ASSERT_EQ(s.expired.size(), 1u);
    EXPECT_EQ(s.expired[0].first.privatePort, 7000);
    // Idle timer restarted by the inbound reply at ~1.5 s: expiry 2 s later.
    EXPECT_GE(s.expired[0].second, Seconds(3.5));
    EXPECT_LT(s.expired[0].second, Seconds(3.6));
    EXPECT_EQ(sta.from.size(), 1u); // the reply before expiry, not the one after
    EXPECT_EQ(s.Drops(NaptRouting::DROP_NO_MAPPING), 1u);
}

TEST(NaptTimeout, EstablishedTcpOutlivesTransitoryTimeout)
{
    NaptScenario s(2,
                   [](NaptHelper& h)
                   {
                       h.SetAttribute("TcpTransitoryTimeout", TimeValue(Seconds(2)));
                       h.SetAttribute("TcpEstablishedTimeout", TimeValue(Seconds(8)));
                   });
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 9));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(s.net.host).Get(0));
    InetSocketAddress dst(s.net.hostAddress, 9);

    // STA 0: connects, idles 5 s (past the transitory timeout), sends, idles until expiry.
    Ptr<Socket> idle = Socket::CreateSocket(s.net.stas.Get(0), TcpSocketFactory::GetTypeId());
    idle->Bind();
    Simulator::Schedule(Seconds(1), [idle, dst]() { idle->Connect(dst); });
    Simulator::Schedule(Seconds(6), [idle]() { idle->Send(Create<Packet>(1000)); });
    Simulator::Schedule(Seconds(16), [idle]() { idle->Send(Create<Packet>(500)); });
    uint64_t rxAt7 = 0;
    Simulator::Schedule(Seconds(7), [&]() { rxAt7 = sink->GetTotalRx(); });
    // STA 1: connects and closes at once: FIN makes its mapping transitory.
    Ptr<Socket> brief = Socket::CreateSocket(s.net.stas.Get(1), TcpSocketFactory::GetTypeId());
    brief->Bind();
    Simulator::Schedule(Seconds(1), [brief, dst]() { brief->Connect(dst); });
    Simulator::Schedule(Seconds(1.5), [brief]() { brief->Close(); });
    Simulator::Stop(Seconds(20));
    Simulator::Run();

    EXPECT_EQ(rxAt7, 1000u); // the established mapping survived 5 idle seconds
    ASSERT_EQ(s.expired.size(), 2u);
    EXPECT_EQ(s.expired[0].first.privateAddress, s.StaAddress(1));
    EXPECT_GT(s.expired[0].second, Seconds(3.5));
    EXPECT_LT(s.expired[0].second, Seconds(4.0));
    EXPECT_EQ(s.expired[1].first.privateAddress, s.StaAddress(0));
    EXPECT_GT(s.expired[1].second, Seconds(14.0));
    EXPECT_LT(s.expired[1].second, Seconds(14.6));
    // After expiry the connection's segments find no session and are dropped.
    EXPECT_EQ(sink->GetTotalRx(), 1000u);
    EXPECT_GE(s.Drops(NaptRouting::DROP_NO_SESSION), 1u);
}

// ---------------------------------------------------------------------------------------------

/// Active FTP: server on the host, client on STA 0.
struct FtpRun
{
    ActiveFtpClient::Result result;
    Ipv4Address portAddress;
    uint16_t portPort = 0;
    Ipv4Address controlPeer;
    uint32_t done = 0;
    uint32_t failed = 0;
};

FtpRun
RunFtp(NaptScenario& s, bool encrypt, uint64_t fileSize = 200000)
{
    Ptr<ActiveFtpServer> server = CreateObject<ActiveFtpServer>();
    server->SetAttribute("FileSize", UintegerValue(fileSize));
    server->SetAttribute("EncryptControl", BooleanValue(encrypt));
    s.net.host->AddApplication(server);
    server->SetStartTime(Seconds(0.5));
    Ptr<ActiveFtpClient> client = CreateObject<ActiveFtpClient>();
    client->SetAttribute("Remote", AddressValue(InetSocketAddress(s.net.hostAddress, 21)));
    client->SetAttribute("EncryptControl", BooleanValue(encrypt));
    s.net.stas.Get(0)->AddApplication(client);
    client->SetStartTime(Seconds(1));
    Simulator::Stop(Seconds(40));
    Simulator::Run();

    FtpRun r;
    r.result = client->GetResult();
    if (!server->GetLastPortAddress().IsInvalid())
    {
        r.portAddress = Inet(server->GetLastPortAddress()).GetIpv4();
        r.portPort = Inet(server->GetLastPortAddress()).GetPort();
    }
    if (!server->GetLastControlPeer().IsInvalid())
    {
        r.controlPeer = Inet(server->GetLastControlPeer()).GetIpv4();
    }
    r.done = server->GetTransfersDone();
    r.failed = server->GetTransfersFailed();
    return r;
}

void
FailFast()
{
    // A data connection the NAT drops fails after 2 SYNs rather than 6.
    Config::SetDefault("ns3::TcpSocket::ConnCount", UintegerValue(2));
}

TEST(NaptFtp, ActiveFailsWithoutAlg)
{
    FailFast();
    NaptScenario s;
    FtpRun r = RunFtp(s, false);

    EXPECT_TRUE(r.result.controlConnected);
    EXPECT_FALSE(r.result.dataConnected);
    EXPECT_FALSE(r.result.complete);
    EXPECT_EQ(r.result.lastReply.rfind("425", 0), 0u) << r.result.lastReply;
    EXPECT_EQ(r.portAddress, s.StaAddress(0)); // the private address, useless to the server
    EXPECT_EQ(r.failed, 1u);
    EXPECT_EQ(r.done, 0u);
    EXPECT_GE(s.Drops(NaptRouting::DROP_TO_PRIVATE), 1u);
    EXPECT_EQ(s.napt->GetAlgRewrites(), 0u);
}

TEST(NaptFtp, ActiveWorksWithAlg)
{
    FailFast();
    NaptScenario s(1, [](NaptHelper& h) { h.SetAttribute("EnableFtpAlg", BooleanValue(true)); });
    const uint64_t size = 200000;
    FtpRun r = RunFtp(s, false, size);

    EXPECT_TRUE(r.result.dataConnected);
    EXPECT_TRUE(r.result.complete);
    EXPECT_EQ(r.result.announced, size);
    EXPECT_EQ(r.result.received, size);
    // The control stream survived the length change: the reply after the data is intact.
    EXPECT_EQ(r.result.lastReply, "226 transfer complete");
    EXPECT_EQ(r.portAddress, kPublic);
    EXPECT_EQ(r.done, 1u);
    EXPECT_EQ(r.failed, 0u);
    EXPECT_GE(s.napt->GetAlgRewrites(), 1u);
    // The PORT port is the public port mapped to the client's data listener (20000).
    bool found = false;
    for (const auto& m : s.created)
    {
        if (m.privatePort == 20000)
        {
            found = true;
            EXPECT_EQ(m.publicPort, r.portPort);
            EXPECT_EQ(m.privateAddress, s.StaAddress(0));
        }
    }
    EXPECT_TRUE(found);
    EXPECT_TRUE(s.drops.empty());
}

TEST(NaptFtp, EncryptedControlDefeatsAlg)
{
    FailFast();
    NaptScenario s(1, [](NaptHelper& h) { h.SetAttribute("EnableFtpAlg", BooleanValue(true)); });
    FtpRun r = RunFtp(s, true);

    EXPECT_TRUE(r.result.controlConnected);
    EXPECT_FALSE(r.result.complete);
    EXPECT_EQ(r.result.lastReply.rfind("425", 0), 0u) << r.result.lastReply;
    EXPECT_EQ(r.portAddress, s.StaAddress(0)); // the ALG could not read, so not rewrite, it
    EXPECT_EQ(r.failed, 1u);
    EXPECT_EQ(s.napt->GetAlgRewrites(), 0u);
}

TEST(NaptFtp, PeerSeesPublicAddressNotGetsockname)
{
    FailFast();
    NaptScenario s(1, [](NaptHelper& h) { h.SetAttribute("EnableFtpAlg", BooleanValue(true)); });
    FtpRun r = RunFtp(s, false, 10000);

    ASSERT_TRUE(r.result.controlConnected);
    EXPECT_EQ(Inet(r.result.ownAddress).GetIpv4(), s.StaAddress(0));
    EXPECT_EQ(r.controlPeer, kPublic);
    EXPECT_NE(Inet(r.result.ownAddress).GetIpv4(), r.controlPeer);
}

TEST(NaptFtp, AlgKeepsControlStreamIntactAcrossSegments)
{
    NaptScenario s(1, [](NaptHelper& h) { h.SetAttribute("EnableFtpAlg", BooleanValue(true)); });
    // A bare stream sink on port 21 records exactly what the server side receives.
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 21));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(s.net.host).Get(0));
    std::string stream;
    sink->TraceConnectWithoutContext("Rx",
                                     Callback<void, Ptr<const Packet>, const Address&>(
                                         [&stream](Ptr<const Packet> p, const Address&)
                                         {
                                             std::string b(p->GetSize(), '\0');
                                             p->CopyData(reinterpret_cast<uint8_t*>(&b[0]),
                                                         b.size());
                                             stream += b;
                                         }));
    Ptr<Socket> control = Socket::CreateSocket(s.net.stas.Get(0), TcpSocketFactory::GetTypeId());
    control->Bind();
    Simulator::Schedule(Seconds(1),
                        [&]() { control->Connect(InetSocketAddress(s.net.hostAddress, 21)); });
    // One command per segment, each after the previous one was acknowledged, so every later
    // segment's sequence number must be shifted and every ack mapped back.
    uint32_t t = 0;
    for (std::string line :
         {"PORT 10,0,0,2,78,32\r\n", "NOOP\r\n", "EPRT |1|10.0.0.2|20001|\r\n", "QUIT\r\n"})
    {
        Simulator::Schedule(
            Seconds(2 + 0.5 * t++),
            [control, line]()
            { control->Send(reinterpret_cast<const uint8_t*>(line.data()), line.size(), 0); });
    }
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    std::map<uint16_t, uint16_t> publicPort; // private data port -> public port
    for (const auto& m : s.created)
    {
        publicPort[m.privatePort] = m.publicPort;
    }
    ASSERT_EQ(publicPort.count(20000), 1u);
    ASSERT_EQ(publicPort.count(20001), 1u);
    EXPECT_EQ(stream,
              "PORT " + FormatFtpPort(InetSocketAddress(kPublic, publicPort[20000])) +
                  "\r\nNOOP\r\nEPRT |1|203.0.113.1|" + std::to_string(publicPort[20001]) +
                  "|\r\nQUIT\r\n");
    EXPECT_EQ(s.napt->GetAlgRewrites(), 2u);
    // Every byte the client sent was acknowledged in its own numbering.
    UintegerValue sndBuf;
    control->GetAttribute("SndBufSize", sndBuf);
    EXPECT_EQ(control->GetTxAvailable(), sndBuf.Get());
    EXPECT_TRUE(s.drops.empty());
}

// ---------------------------------------------------------------------------------------------
// The ALG and the mapping table on their own, with exact values.

std::string
Text(Ptr<const Packet> p)
{
    std::string s(p->GetSize(), '\0');
    p->CopyData(reinterpret_cast<uint8_t*>(&s[0]), s.size());
    return s;
}

Ptr<Packet>
Bytes(const std::string& s)
{
    return Create<Packet>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(NaptFtpAlg, RewritesEprtAndShiftsSequenceNumbers)
{
    std::vector<std::pair<NaptEndpoint, Ipv4Address>> asked;
    NaptFtpAlg alg(
        [&asked](NaptEndpoint priv, Ipv4Address server) -> std::optional<uint16_t>
        {
            asked.emplace_back(priv, server);
            return 50000;
        });
    NaptFtpAlg::Connection c{{Ipv4Address("10.0.0.2"), 40000}, {Ipv4Address("198.51.100.7"), 21}};
    const Ipv4Address pub("203.0.113.1");

    TcpHeader syn;
    syn.SetFlags(TcpHeader::SYN);
    syn.SetSequenceNumber(SequenceNumber32(1000));
    alg.Outbound(c, syn, Create<Packet>(), pub);

    TcpHeader t;
    t.SetFlags(TcpHeader::ACK);
    t.SetSequenceNumber(SequenceNumber32(1001));
    const std::string line = "EPRT |1|10.0.0.2|20000|\r\n";
    Ptr<Packet> out = alg.Outbound(c, t, Bytes(line + "RETR f\r\n"), pub);
    const std::string expected = "EPRT |1|203.0.113.1|50000|\r\n";
    EXPECT_EQ(Text(out), expected + "RETR f\r\n");
    EXPECT_EQ(t.GetSequenceNumber(), SequenceNumber32(1001)); // the line itself is not shifted
    ASSERT_EQ(asked.size(), 1u);
    EXPECT_EQ(asked[0].first.address, Ipv4Address("10.0.0.2"));
    EXPECT_EQ(asked[0].first.port, 20000);
    EXPECT_EQ(asked[0].second, Ipv4Address("198.51.100.7"));

    const int32_t delta = int32_t(expected.size()) - int32_t(line.size()); // 3
    EXPECT_EQ(delta, 3);
    const uint32_t next = 1001 + line.size() + 8;
    TcpHeader later;
    later.SetFlags(TcpHeader::ACK);
    later.SetSequenceNumber(SequenceNumber32(next));
    alg.Outbound(c, later, Bytes("QUIT\r\n"), pub);
    EXPECT_EQ(later.GetSequenceNumber(), SequenceNumber32(next + delta));

    // A retransmission of the rewritten segment comes out byte for byte the same.
    TcpHeader again;
    again.SetFlags(TcpHeader::ACK);
    again.SetSequenceNumber(SequenceNumber32(1001));
    EXPECT_EQ(Text(alg.Outbound(c, again, Bytes(line + "RETR f\r\n"), pub)),
              expected + "RETR f\r\n");
    EXPECT_EQ(again.GetSequenceNumber(), SequenceNumber32(1001));
    EXPECT_EQ(asked.size(), 1u); // no new expectation for a retransmission

    // The server's acks are mapped back into the client's numbering, SACK blocks too.
    TcpHeader ack;
    ack.SetFlags(TcpHeader::ACK);
    ack.SetAckNumber(SequenceNumber32(next + delta));
    Ptr<TcpOptionSack> sack = CreateObject<TcpOptionSack>();
    sack->AddSackBlock({SequenceNumber32(next + delta + 6), SequenceNumber32(next + delta + 12)});
    ack.AppendOption(sack);
    alg.Inbound(c, ack);
    EXPECT_EQ(ack.GetAckNumber(), SequenceNumber32(next));
    auto mapped = DynamicCast<const TcpOptionSack>(ack.GetOption(TcpOption::SACK));
    ASSERT_TRUE(mapped);
    ASSERT_EQ(mapped->GetNumSackBlocks(), 1u);
    EXPECT_EQ(mapped->GetSackList().front().first, SequenceNumber32(next + 6));
    EXPECT_EQ(mapped->GetSackList().front().second, SequenceNumber32(next + 12));
    TcpHeader early;
    early.SetFlags(TcpHeader::ACK);
    early.SetAckNumber(SequenceNumber32(1001));
    alg.Inbound(c, early);
    EXPECT_EQ(early.GetAckNumber(), SequenceNumber32(1001));
}

TEST(NaptFtpAlg, LeavesForeignAndOpaqueLinesAlone)
{
    uint32_t asked = 0;
    NaptFtpAlg alg(
        [&asked](NaptEndpoint, Ipv4Address) -> std::optional<uint16_t>
        {
            ++asked;
            return 50000;
        });
    NaptFtpAlg::Connection c{{Ipv4Address("10.0.0.2"), 40000}, {Ipv4Address("198.51.100.7"), 21}};
    TcpHeader syn;
    syn.SetFlags(TcpHeader::SYN);
    alg.Outbound(c, syn, Create<Packet>(), Ipv4Address("203.0.113.1"));
    for (std::string payload : {std::string("PORT 10,0,0,9,78,32\r\n"), // another host
                                std::string("PORT 10,0,0,2,78\r\n"),    // malformed
                                std::string("EPRT |2|::1|20000|\r\n"),  // IPv6
                                std::string("\x93\x1f\xa0PORT 1\r\n")}) // not a command
    {
        TcpHeader t;
        t.SetFlags(TcpHeader::ACK);
        t.SetSequenceNumber(SequenceNumber32(1));
        Ptr<Packet> in = Bytes(payload);
        EXPECT_EQ(alg.Outbound(c, t, in, Ipv4Address("203.0.113.1")), in);
        EXPECT_EQ(t.GetSequenceNumber(), SequenceNumber32(1));
    }
    EXPECT_EQ(asked, 0u);
    EXPECT_EQ(alg.GetRewrites(), 0u);
}

TEST(NaptMappingTable, PortRangeIsExhaustedAndReused)
{
    NaptMappingTable table;
    NaptPolicy policy;
    policy.portFirst = 60000;
    policy.portLast = 60001;
    policy.udp = Seconds(10);
    NaptEndpoint remote{Ipv4Address("203.0.113.2"), 9};
    auto r1 = table.Outbound(17, {Ipv4Address("10.0.0.2"), 5}, remote, 0, Seconds(0), policy);
    auto r2 = table.Outbound(17, {Ipv4Address("10.0.0.3"), 5}, remote, 0, Seconds(1), policy);
    auto r3 = table.Outbound(17, {Ipv4Address("10.0.0.4"), 5}, remote, 0, Seconds(2), policy);
    EXPECT_EQ(r1.mapping.publicPort, 60000);
    EXPECT_EQ(r2.mapping.publicPort, 60001);
    EXPECT_EQ(r3.verdict, NaptMappingTable::Verdict::PORTS_EXHAUSTED);
    EXPECT_EQ(table.NextExpiry(policy), Seconds(10));
    EXPECT_EQ(table.Expire(Seconds(10), policy).size(), 1u);
    auto r4 = table.Outbound(17, {Ipv4Address("10.0.0.4"), 5}, remote, 0, Seconds(10), policy);
    EXPECT_EQ(r4.verdict, NaptMappingTable::Verdict::OK);
    EXPECT_EQ(r4.mapping.publicPort, 60000);
    EXPECT_TRUE(r4.created);
    // A TCP segment that is not a SYN opens nothing.
    auto r5 = table.Outbound(
        6, {Ipv4Address("10.0.0.5"), 5}, remote, TcpHeader::ACK, Seconds(10), policy);
    EXPECT_EQ(r5.verdict, NaptMappingTable::Verdict::NO_SESSION);
    EXPECT_EQ(table.GetCount(), 2u);
}

} // namespace
