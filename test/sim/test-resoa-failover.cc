/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Several servers (paper §4.4): clients with a list of two off-path servers spread over them
 * by the hash policy (resoa::ServerSelector), and a client whose server dies re-registers
 * with the other one: its old sockets fail (ENETDOWN -> ERROR_NOROUTETOHOST) within the LHP
 * dead timeout, and new connections run through the other server, byte-exact.
 *
 *   c0..c3 (no IP) --+
 *   s0, s1 (servers) +-- CSMA 198.51.100.0/24 -- router --- p2p --- host 203.0.113.2
 *
 * The servers are hosts on the access LAN; the router is neither of them.
 */
#include "ns3/resoa-helper.h"

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/stream-pattern.h"

#include <gtest/gtest.h>

#include <iostream>
#include <map>

using namespace ns3;

namespace
{

constexpr uint32_t kClients = 4;
constexpr uint16_t kOldPort = 9000; // + client index
constexpr uint16_t kNewPort = 9100; // + client index
constexpr uint32_t kOldBytes = 1000;
constexpr uint32_t kNewBytes = 300000;

/// The Internet host's side of one port: accepts one connection and hashes what arrives.
struct HostPort
{
    Ptr<Socket> listener;
    Ptr<Socket> conn;
    Ipv4Address from;
    resoa::StreamHash hash;
    bool peerClosed = false;

    void Listen(Ptr<Node> host, uint16_t port)
    {
        listener = Socket::CreateSocket(host, TcpSocketFactory::GetTypeId());
        listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
        listener->Listen();
        listener->SetAcceptCallback(
            MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
            Callback<void, Ptr<Socket>, const Address&>(
                [this](Ptr<Socket> s, const Address& a)
                {
                    conn = s;
                    from = InetSocketAddress::ConvertFrom(a).GetIpv4();
                    s->SetRecvCallback(
                        Callback<void, Ptr<Socket>>([this](Ptr<Socket> c) { Drain(c); }));
                    s->SetCloseCallbacks(
                        Callback<void, Ptr<Socket>>([this](Ptr<Socket>) { peerClosed = true; }),
                        Callback<void, Ptr<Socket>>([this](Ptr<Socket>) { peerClosed = true; }));
                }));
    }

    void Drain(Ptr<Socket> c)
    {
        while (Ptr<Packet> p = c->Recv())
        {
            if (p->GetSize() == 0)
            {
                break;
            }
            std::vector<uint8_t> b(p->GetSize());
            p->CopyData(b.data(), b.size());
            hash.Update(b.data(), b.size());
        }
    }
};

/// A client's TCP socket that sends `total` pattern bytes (seed `seed`), then stays open
/// (`close` false) or closes; records how it ended.
struct ClientStream
{
    Ptr<Socket> socket;
    uint64_t seed = 0;
    uint32_t total = 0;
    uint32_t sent = 0;
    bool close = false;
    bool connected = false;
    bool connectFailed = false;
    Time errorAt;
    Socket::SocketErrno error = Socket::ERROR_NOTERROR;

    void Start(Ptr<Node> node, Address to, uint64_t s, uint32_t bytes, bool closeWhenDone)
    {
        seed = s;
        total = bytes;
        close = closeWhenDone;
        socket = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        socket->SetConnectCallback(Callback<void, Ptr<Socket>>(
                                       [this](Ptr<Socket>)
                                       {
                                           connected = true;
                                           Push();
                                       }),
                                   Callback<void, Ptr<Socket>>(
                                       [this](Ptr<Socket> s)
                                       {
                                           connectFailed = true;
                                           error = s->GetErrno();
                                       }));
        socket->SetSendCallback(
            Callback<void, Ptr<Socket>, uint32_t>([this](Ptr<Socket>, uint32_t) { Push(); }));
        socket->SetCloseCallbacks(Callback<void, Ptr<Socket>>([](Ptr<Socket>) {}),
                                  Callback<void, Ptr<Socket>>(
                                      [this](Ptr<Socket> s)
                                      {
                                          errorAt = Simulator::Now();
                                          error = s->GetErrno();
                                      }));
        socket->Connect(to);
    }

    void Push()
    {
        while (connected && sent < total && socket->GetTxAvailable() > 0)
        {
            uint32_t n = std::min({total - sent, socket->GetTxAvailable(), 1400u});
            std::vector<uint8_t> b(n);
            for (uint32_t i = 0; i < n; ++i)
            {
                b[i] = resoa::PatternByte(seed, sent + i);
            }
            int r = socket->Send(b.data(), n, 0);
            if (r <= 0)
            {
                return;
            }
            sent += static_cast<uint32_t>(r);
        }
        if (sent == total && close)
        {
            close = false;
            socket->Close();
        }
    }
};

/// The off-path LAN of the header comment, with `n` clients.
struct OffPathLan
{
    NodeContainer clients;
    NodeContainer servers;
    Ptr<Node> router;
    Ptr<Node> host;
    NetDeviceContainer lanDevs;    //!< c0..c(n-1), s0, s1, router
    Ipv4InterfaceContainer lanIfs; //!< s0 .10, s1 .11, router .12
    Ipv4InterfaceContainer wanIfs;
    std::vector<Address> serverMacs;

    explicit OffPathLan(uint32_t n)
    {
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(1);
        clients.Create(n);
        servers.Create(2);
        router = CreateObject<Node>();
        host = CreateObject<Node>();
        NodeContainer lan;
        lan.Add(clients);
        lan.Add(servers);
        lan.Add(router);
        CsmaHelper csma;
        csma.SetChannelAttribute("DataRate", StringValue("100Mbps"));
        csma.SetChannelAttribute("Delay", TimeValue(MicroSeconds(5)));
        lanDevs = csma.Install(lan);
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
        p2p.SetChannelAttribute("Delay", StringValue("10ms"));
        NetDeviceContainer wan = p2p.Install(router, host);

        InternetStackHelper stack;
        stack.Install(servers);
        stack.Install(router);
        stack.Install(host);
        Ipv4AddressHelper lanAddr("198.51.100.0", "255.255.255.0", "0.0.0.10");
        NetDeviceContainer ipLan;
        ipLan.Add(lanDevs.Get(n));
        ipLan.Add(lanDevs.Get(n + 1));
        ipLan.Add(lanDevs.Get(n + 2));
        lanIfs = lanAddr.Assign(ipLan);
        Ipv4AddressHelper wanAddr("203.0.113.0", "255.255.255.0");
        wanIfs = wanAddr.Assign(wan);
        Ipv4StaticRoutingHelper routing;
        for (uint32_t i = 0; i < 2; ++i)
        {
            routing.GetStaticRouting(servers.Get(i)->GetObject<Ipv4>())
                ->SetDefaultRoute(lanIfs.GetAddress(2), 1);
            serverMacs.push_back(lanDevs.Get(n + i)->GetAddress());
        }
        routing.GetStaticRouting(host->GetObject<Ipv4>())->SetDefaultRoute(wanIfs.GetAddress(0), 1);
    }

    Ipv4Address ServerIp(uint32_t i) const
    {
        return lanIfs.GetAddress(i);
    }

    Address Host(uint16_t port) const
    {
        return InetSocketAddress(wanIfs.GetAddress(1), port);
    }
};

TEST(ResoaFailover, ClientsSpreadByHashAndFailOverToTheOtherOffPathServer)
{
    OffPathLan net(kClients);
    NodeContainer& clients = net.clients;
    NodeContainer& servers = net.servers;
    Ptr<Node> host = net.host;
    NetDeviceContainer& lanDevs = net.lanDevs;
    const std::vector<Address>& serverMacs = net.serverMacs;
    const Ipv4Address serverIp[2] = {net.ServerIp(0), net.ServerIp(1)};

    ResoaHelper resoa; // LHP defaults: DeadTimeout 5 s, KeepaliveInterval 1 s
    std::vector<Ptr<ResoaServer>> srv;
    for (uint32_t i = 0; i < 2; ++i)
    {
        srv.push_back(
            resoa.InstallServer(servers.Get(i), NetDeviceContainer(lanDevs.Get(kClients + i))));
    }
    const Time crashAt = Seconds(2);
    srv[0]->SetStopTime(crashAt); // a stopped ResoaServer is a crashed one: silent, sockets gone

    std::vector<Ptr<ResoaClient>> cl;
    for (uint32_t i = 0; i < kClients; ++i)
    {
        cl.push_back(resoa.InstallClient(lanDevs.Get(i), serverMacs, Seconds(0.1)));
    }
    // The hash policy: FNV-1a of the client's MAC modulo 2. ns-3 allocated the clients' MACs
    // 00:00:00:00:00:01..04 (computed independently: 0x7e77860a, 0x7d778477, 0x7c7782e4,
    // 0x7b778151), so c0 and c2 start on s0, c1 and c3 on s1.
    const uint32_t expectedStart[kClients] = {0, 1, 0, 1};
    for (uint32_t i = 0; i < kClients; ++i)
    {
        ASSERT_EQ(Mac48Address::ConvertFrom(lanDevs.Get(i)->GetAddress()),
                  Mac48Address(("00:00:00:00:00:0" + std::to_string(i + 1)).c_str()));
    }

    std::vector<Time> registeredAt[kClients];
    std::vector<Ipv4Address> registeredAs[kClients];
    std::vector<uint32_t> changedTo[kClients];
    HostPort oldPorts[kClients];
    HostPort newPorts[kClients];
    ClientStream oldStreams[kClients];
    ClientStream newStreams[kClients];
    for (uint32_t i = 0; i < kClients; ++i)
    {
        oldPorts[i].Listen(host, kOldPort + i);
        newPorts[i].Listen(host, kNewPort + i);
        cl[i]->TraceConnectWithoutContext(
            "ServerChange",
            Callback<void, uint32_t, const Address&>([&changedTo, i](uint32_t idx, const Address&)
                                                     { changedTo[i].push_back(idx); }));
        cl[i]->TraceConnectWithoutContext(
            "Registered",
            Callback<void, int32_t, Ipv4Address>(
                [&, i](int32_t err, Ipv4Address a)
                {
                    ASSERT_EQ(err, 0);
                    registeredAt[i].push_back(Simulator::Now());
                    registeredAs[i].push_back(a);
                    if (registeredAt[i].size() == 2)
                    {
                        // Registered with the other server: a new connection must work.
                        newStreams[i].Start(
                            clients.Get(i), net.Host(kNewPort + i), 100 + i, kNewBytes, true);
                    }
                }));
        Simulator::Schedule(
            Seconds(0.5),
            [&, i]()
            { oldStreams[i].Start(clients.Get(i), net.Host(kOldPort + i), i, kOldBytes, false); });
    }
    bool allOldArrivedBeforeCrash = false;
    Simulator::Schedule(crashAt - MilliSeconds(100),
                        [&]()
                        {
                            allOldArrivedBeforeCrash = true;
                            for (uint32_t i = 0; i < kClients; ++i)
                            {
                                allOldArrivedBeforeCrash &=
                                    oldPorts[i].hash.Bytes() == kOldBytes &&
                                    oldPorts[i].hash.Value() == resoa::PatternHash(i, kOldBytes);
                            }
                        });
    Simulator::Stop(Seconds(15));
    Simulator::Run();

    EXPECT_TRUE(allOldArrivedBeforeCrash);
    const Time dead = Seconds(5);
    const Time keepalive = Seconds(1);
    for (uint32_t i = 0; i < kClients; ++i)
    {
        SCOPED_TRACE("client " + std::to_string(i));
        // Spread: the host saw the first connection from the server the hash picked.
        EXPECT_EQ(oldPorts[i].from, serverIp[expectedStart[i]]);
        ASSERT_GE(registeredAs[i].size(), 1u);
        EXPECT_EQ(registeredAs[i][0], serverIp[expectedStart[i]]);
        if (expectedStart[i] == 1)
        {
            // s1's clients never noticed: one registration, the old socket still open.
            EXPECT_EQ(registeredAt[i].size(), 1u);
            EXPECT_TRUE(oldStreams[i].errorAt.IsZero());
            EXPECT_EQ(cl[i]->GetFailoverCount(), 0u);
            EXPECT_EQ(cl[i]->GetServerIndex(), 1u);
            EXPECT_TRUE(changedTo[i].empty());
            continue;
        }
        // s0's clients: the old socket failed within the dead timeout of the crash ...
        ASSERT_FALSE(oldStreams[i].errorAt.IsZero()) << "the old socket must fail";
        EXPECT_EQ(oldStreams[i].error, Socket::ERROR_NOROUTETOHOST) << "ENETDOWN";
        EXPECT_GE(oldStreams[i].errorAt, crashAt + dead - keepalive);
        EXPECT_LE(oldStreams[i].errorAt, crashAt + dead + MilliSeconds(100));
        // ... the client moved to s1 at once and registered there, with s1's address ...
        EXPECT_EQ(changedTo[i], std::vector<uint32_t>{1});
        EXPECT_EQ(cl[i]->GetFailoverCount(), 1u);
        EXPECT_EQ(cl[i]->GetServerIndex(), 1u);
        EXPECT_EQ(cl[i]->GetServer(), serverMacs[1]);
        ASSERT_EQ(registeredAt[i].size(), 2u);
        EXPECT_EQ(registeredAs[i][1], serverIp[1]);
        EXPECT_EQ(cl[i]->GetPublicAddress(), serverIp[1]);
        Time failover = registeredAt[i][1] - oldStreams[i].errorAt;
        EXPECT_GE(failover, Seconds(0));
        EXPECT_LE(failover, MilliSeconds(10)) << "no backoff within a round";
        std::cout << "[ measured ] client " << i << ": old socket failed "
                  << (oldStreams[i].errorAt - crashAt).GetSeconds()
                  << " s after the crash; registered with s1 "
                  << (registeredAt[i][1] - oldStreams[i].errorAt).GetMicroSeconds()
                  << " us after that" << std::endl;
        // ... and a new connection ran through s1, byte-exact.
        EXPECT_TRUE(newStreams[i].connected);
        EXPECT_EQ(newStreams[i].sent, kNewBytes);
        EXPECT_EQ(newPorts[i].from, serverIp[1]);
        EXPECT_EQ(newPorts[i].hash.Bytes(), kNewBytes);
        EXPECT_EQ(newPorts[i].hash.Value(), resoa::PatternHash(100 + i, kNewBytes));
        EXPECT_TRUE(newPorts[i].peerClosed);
    }
    EXPECT_EQ(srv[1]->GetSessionCount(), kClients);
    Simulator::Destroy();
}

// A refused registration is a failure too: the first server of the list offers 1-to-1 but
// has no pool, so it answers EADDRNOTAVAIL to a client asking for its own address; the
// client moves on to the second, which has that address, and its traffic leaves with it.
TEST(ResoaFailover, RefusedRegistrationMovesToTheNextServer)
{
    OffPathLan net(1);
    const Ipv4Address own("198.51.100.50");
    ResoaHelper resoa;
    std::vector<Ptr<ResoaServer>> srv;
    for (uint32_t i = 0; i < 2; ++i)
    {
        srv.push_back(
            resoa.InstallServer(net.servers.Get(i), NetDeviceContainer(net.lanDevs.Get(1 + i))));
        srv[i]->SetAttribute("AllowOneToOne", BooleanValue(true));
    }
    Ptr<Ipv4> s1ip = net.servers.Get(1)->GetObject<Ipv4>();
    s1ip->AddAddress(1, Ipv4InterfaceAddress(own, Ipv4Mask("255.255.255.0")));
    srv[1]->AddPoolAddress(own);

    resoa.SetClientAttribute("ServerSelection", EnumValue(ResoaClient::SELECT_FIRST));
    resoa.SetClientAttribute("AddressMode", EnumValue(ResoaClient::ONE_TO_1));
    resoa.SetClientAttribute("RequestedAddress", Ipv4AddressValue(own));
    Ptr<ResoaClient> c = resoa.InstallClient(net.lanDevs.Get(0), net.serverMacs, Seconds(0.1));
    std::vector<std::pair<int32_t, Ipv4Address>> registrations;
    std::vector<Time> registeredAt;
    c->TraceConnectWithoutContext("Registered",
                                  Callback<void, int32_t, Ipv4Address>(
                                      [&](int32_t err, Ipv4Address a)
                                      {
                                          registrations.emplace_back(err, a);
                                          registeredAt.push_back(Simulator::Now());
                                      }));
    HostPort port;
    port.Listen(net.host, kNewPort);
    ClientStream stream;
    Simulator::Schedule(Seconds(0.5),
                        [&]()
                        { stream.Start(net.clients.Get(0), net.Host(kNewPort), 7, 50000, true); });
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    ASSERT_EQ(registrations.size(), 2u);
    EXPECT_EQ(registrations[0].first, 99) << "EADDRNOTAVAIL from s0";
    EXPECT_EQ(registrations[1].first, 0);
    EXPECT_EQ(registrations[1].second, own);
    EXPECT_LE(registeredAt[1] - registeredAt[0], MilliSeconds(5)) << "no backoff within a round";
    EXPECT_EQ(c->GetServerIndex(), 1u);
    EXPECT_EQ(c->GetFailoverCount(), 1u);
    EXPECT_EQ(srv[0]->GetSessionCount(), 0u) << "the refused link was closed";
    EXPECT_EQ(srv[1]->GetSessionCount(), 1u);
    EXPECT_EQ(port.from, own);
    EXPECT_EQ(port.hash.Bytes(), 50000u);
    EXPECT_EQ(port.hash.Value(), resoa::PatternHash(7, 50000));
    Simulator::Destroy();
}

// A server that never answers: the LHP connect to it fails (8 Connect frames, about 4.5 s),
// and the client moves on to the next server at once. c0's MAC hashes to s0, which runs no
// ReSoA server at all.
TEST(ResoaFailover, ClientWhoseFirstServerNeverAnswersRegistersWithTheNext)
{
    OffPathLan net(1);
    ResoaHelper resoa;
    Ptr<ResoaServer> s1 =
        resoa.InstallServer(net.servers.Get(1), NetDeviceContainer(net.lanDevs.Get(2)));
    Ptr<ResoaClient> c = resoa.InstallClient(net.lanDevs.Get(0), net.serverMacs, Seconds(0.1));
    std::vector<Time> changes;
    c->TraceConnectWithoutContext("ServerChange",
                                  Callback<void, uint32_t, const Address&>(
                                      [&](uint32_t idx, const Address&)
                                      {
                                          EXPECT_EQ(idx, 1u);
                                          changes.push_back(Simulator::Now());
                                      }));
    Time registeredAt;
    Ipv4Address registeredAs;
    c->TraceConnectWithoutContext("Registered",
                                  Callback<void, int32_t, Ipv4Address>(
                                      [&](int32_t err, Ipv4Address a)
                                      {
                                          EXPECT_EQ(err, 0);
                                          registeredAt = Simulator::Now();
                                          registeredAs = a;
                                      }));
    HostPort port;
    port.Listen(net.host, kNewPort);
    // A connect issued while the first link is being opened waits for the server; when that
    // link fails, it is answered ENETDOWN like every request waiting on a dead link.
    ClientStream early;
    Simulator::Schedule(
        Seconds(0.2),
        [&]() { early.Start(net.clients.Get(0), net.Host(kNewPort + 1), 8, 1000, true); });
    // One issued after the registration with the next server works.
    ClientStream stream;
    c->TraceConnectWithoutContext(
        "Registered",
        Callback<void, int32_t, Ipv4Address>(
            [&](int32_t, Ipv4Address)
            { stream.Start(net.clients.Get(0), net.Host(kNewPort), 9, 20000, true); }));
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    ASSERT_EQ(changes.size(), 1u);
    const Time connectFailed = changes[0] - Seconds(0.1);
    std::cout << "[ measured ] connect to the silent server failed after "
              << connectFailed.GetSeconds() << " s" << std::endl;
    EXPECT_GE(connectFailed, Seconds(3.5));
    EXPECT_LE(connectFailed, Seconds(5.5));
    EXPECT_GE(registeredAt, changes[0]);
    EXPECT_LE(registeredAt - changes[0], MilliSeconds(5));
    EXPECT_EQ(registeredAs, net.ServerIp(1));
    EXPECT_EQ(c->GetServerIndex(), 1u);
    EXPECT_EQ(s1->GetSessionCount(), 1u);
    EXPECT_EQ(port.from, net.ServerIp(1));
    EXPECT_EQ(port.hash.Bytes(), 20000u);
    EXPECT_EQ(port.hash.Value(), resoa::PatternHash(9, 20000));
    EXPECT_TRUE(early.connectFailed);
    EXPECT_EQ(early.error, Socket::ERROR_NOROUTETOHOST) << "ENETDOWN";
    Simulator::Destroy();
}

} // namespace
