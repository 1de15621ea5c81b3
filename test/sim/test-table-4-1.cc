/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The paper's Table 4.1 (ReSoA vs NAT) as executable tests, one per row a simulation can
 * show. Each test runs the same topology under NAT (NaptRouting on the AP) and under ReSoA
 * (the AP as ReSoA server) and checks what must hold for each:
 *
 * | row                                              | NAT                | ReSoA             |
 * |--------------------------------------------------|--------------------|-------------------|
 * | Active FTP, no ALG                               | fails              | works             |
 * | Active FTP, ALG                                  | works              | works             |
 * | Active FTP, encrypted control (any ALG)          | fails              | works             |
 * | Address the peer sees equals getsockname         | differs            | equal             |
 * | Hiding of clients: unsolicited inbound SYN/UDP   | reaches no client  | reaches no client |
 * | Intermediate state lost (router/server restart)  | connections break  | connections break |
 * | App-layer encryption of payload with addresses   | breaks the ALG     | works             |
 */
#include "ns3/resoa-helper.h"

#include "ns3/access-network-helper.h"
#include "ns3/active-ftp-client.h"
#include "ns3/active-ftp-server.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/napt-helper.h"
#include "ns3/napt-routing.h"
#include "ns3/network-module.h"

#include <gtest/gtest.h>

using namespace ns3;

namespace
{

enum class System
{
    Nat,
    NatWithAlg,
    Resoa
};

/// STA ))) AP --- host with the AP as NAT router or ReSoA server.
struct Table41Net
{
    AccessNetwork net;
    Ptr<NaptRouting> napt;
    Ptr<ResoaServer> server;
    Ptr<ResoaClient> client;

    explicit Table41Net(System sys)
    {
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(1);
        GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));
        // A data connection that cannot be opened fails after 2 SYNs, not 6.
        Config::SetDefault("ns3::TcpSocket::ConnCount", UintegerValue(2));
        AccessNetworkHelper access;
        access.SetStaInternet(sys != System::Resoa);
        net = access.Build();
        if (sys == System::Resoa)
        {
            ResoaHelper resoa;
            resoa.SetLhpAttribute("DeadTimeout", TimeValue(Seconds(1)));
            resoa.SetLhpAttribute("KeepaliveInterval", TimeValue(MilliSeconds(250)));
            server = resoa.InstallServer(net.ap, NetDeviceContainer(net.wifi.Get(0)));
            client =
                resoa.InstallClient(net.wifi.Get(1), net.wifi.Get(0)->GetAddress(), Seconds(0.1));
        }
        else
        {
            NaptHelper helper;
            helper.SetAttribute("EnableFtpAlg", BooleanValue(sys == System::NatWithAlg));
            Ptr<Ipv4> ipv4 = net.ap->GetObject<Ipv4>();
            napt = helper.Install(net.ap, ipv4->GetInterfaceForDevice(net.p2p.Get(0)));
        }
    }

    ~Table41Net()
    {
        Simulator::Destroy();
    }
};

struct FtpOutcome
{
    ActiveFtpClient::Result client;
    Address portSeenByServer;
    Address peerSeenByServer;
};

FtpOutcome
RunFtp(System sys, bool encrypt)
{
    Table41Net t(sys);
    Ptr<ActiveFtpServer> server = CreateObject<ActiveFtpServer>();
    server->SetAttribute("FileSize", UintegerValue(100000));
    server->SetAttribute("EncryptControl", BooleanValue(encrypt));
    t.net.host->AddApplication(server);
    Ptr<ActiveFtpClient> client = CreateObject<ActiveFtpClient>();
    client->SetAttribute("Remote", AddressValue(InetSocketAddress(t.net.hostAddress, 21)));
    client->SetAttribute("EncryptControl", BooleanValue(encrypt));
    client->SetStartTime(Seconds(1));
    t.net.stas.Get(0)->AddApplication(client);
    Simulator::Stop(Seconds(25));
    Simulator::Run();
    return FtpOutcome{
        client->GetResult(), server->GetLastPortAddress(), server->GetLastControlPeer()};
}

bool
Works(const FtpOutcome& o)
{
    return o.client.complete && o.client.lastReply == "226 transfer complete";
}

bool
FailsCleanly(const FtpOutcome& o)
{
    // The control connection worked; the server could not open the data connection.
    return o.client.controlConnected && !o.client.complete && !o.client.dataConnected &&
           o.client.lastReply.rfind("425", 0) == 0;
}

TEST(Table41, ActiveFtpWithoutAlg)
{
    FtpOutcome nat = RunFtp(System::Nat, false);
    EXPECT_TRUE(FailsCleanly(nat)) << "last reply: " << nat.client.lastReply;
    FtpOutcome resoa = RunFtp(System::Resoa, false);
    EXPECT_TRUE(Works(resoa)) << "last reply: " << resoa.client.lastReply;
}

TEST(Table41, ActiveFtpWithAlg)
{
    FtpOutcome nat = RunFtp(System::NatWithAlg, false);
    EXPECT_TRUE(Works(nat)) << "last reply: " << nat.client.lastReply;
    FtpOutcome resoa = RunFtp(System::Resoa, false);
    EXPECT_TRUE(Works(resoa));
}

TEST(Table41, ActiveFtpEncryptedControlAnyAlg)
{
    EXPECT_TRUE(FailsCleanly(RunFtp(System::Nat, true)));
    EXPECT_TRUE(FailsCleanly(RunFtp(System::NatWithAlg, true)));
    EXPECT_TRUE(Works(RunFtp(System::Resoa, true)));
}

TEST(Table41, AddressThePeerSeesEqualsGetSockName)
{
    FtpOutcome nat = RunFtp(System::NatWithAlg, false);
    InetSocketAddress natOwn = InetSocketAddress::ConvertFrom(nat.client.ownAddress);
    InetSocketAddress natSeen = InetSocketAddress::ConvertFrom(nat.peerSeenByServer);
    EXPECT_EQ(natOwn.GetIpv4(), Ipv4Address("10.0.0.2"));
    EXPECT_EQ(natSeen.GetIpv4(), Ipv4Address("203.0.113.1"));
    EXPECT_NE(natOwn, natSeen);

    FtpOutcome resoa = RunFtp(System::Resoa, false);
    EXPECT_EQ(InetSocketAddress::ConvertFrom(resoa.client.ownAddress),
              InetSocketAddress::ConvertFrom(resoa.peerSeenByServer));
}

/// The host sends an unsolicited SYN to port 80 and a datagram to port 53 of the public
/// address; returns what reached the client.
uint32_t
UnsolicitedReachingClient(System sys)
{
    Table41Net t(sys);
    uint32_t reached = 0;
    if (sys == System::Resoa)
    {
        // EP messages that would carry inbound traffic to the client: Accepted, Data, RecvFrom.
        t.client->TraceConnectWithoutContext("Response",
                                             MakeBoundCallback(
                                                 +[](uint32_t* n, uint8_t type, uint32_t)
                                                 {
                                                     if (type == 6 || type == 9 || type == 16)
                                                     {
                                                         ++*n;
                                                     }
                                                 },
                                                 &reached));
    }
    else
    {
        t.net.stas.Get(0)->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext(
            "Rx",
            MakeBoundCallback(
                +[](uint32_t* n, Ptr<const Packet>, Ptr<Ipv4>, uint32_t) { ++*n; }, &reached));
    }
    Ptr<Node> host = t.net.host;
    Ipv4Address pub = t.net.apPublic;
    Simulator::Schedule(Seconds(2),
                        [host, pub]()
                        {
                            Ptr<Socket> tcp =
                                Socket::CreateSocket(host, TcpSocketFactory::GetTypeId());
                            tcp->Connect(InetSocketAddress(pub, 80));
                            Ptr<Socket> udp =
                                Socket::CreateSocket(host, UdpSocketFactory::GetTypeId());
                            udp->SendTo(Create<Packet>(100), 0, InetSocketAddress(pub, 53));
                        });
    Simulator::Stop(Seconds(6));
    Simulator::Run();
    return reached;
}

TEST(Table41, HidingOfClients)
{
    EXPECT_EQ(UnsolicitedReachingClient(System::Nat), 0u);
    EXPECT_EQ(UnsolicitedReachingClient(System::Resoa), 0u);
}

TEST(Table41, IntermediateStateLostBreaksConnections)
{
    // NAT: the router forgets its mappings mid-transfer.
    {
        Table41Net t(System::Nat);
        PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                    InetSocketAddress(Ipv4Address::GetAny(), 9));
        Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(t.net.host).Get(0));
        BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(t.net.hostAddress, 9));
        bulk.Install(t.net.stas.Get(0)).Start(Seconds(1));
        uint64_t atRestart = 0;
        Simulator::Schedule(Seconds(3),
                            [&]()
                            {
                                atRestart = sink->GetTotalRx();
                                t.napt->Restart();
                            });
        Simulator::Stop(Seconds(10));
        Simulator::Run();
        EXPECT_GT(atRestart, 1000000u);
        // The connection is gone: almost nothing more arrives (what was in flight at most).
        EXPECT_LT(sink->GetTotalRx(), atRestart + 300000);
    }
    // ReSoA: the server (the communication end point) stops; the client's socket errors.
    {
        Table41Net t(System::Resoa);
        PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                    InetSocketAddress(Ipv4Address::GetAny(), 9));
        Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(t.net.host).Get(0));
        Ptr<Socket> sock;
        Time errorAt;
        Simulator::Schedule(
            Seconds(1),
            [&]()
            {
                sock = Socket::CreateSocket(t.net.stas.Get(0), TcpSocketFactory::GetTypeId());
                sock->SetCloseCallbacks(
                    MakeNullCallback<void, Ptr<Socket>>(),
                    Callback<void, Ptr<Socket>>([&](Ptr<Socket>) { errorAt = Simulator::Now(); }));
                sock->Connect(InetSocketAddress(t.net.hostAddress, 9));
            });
        t.server->SetStopTime(Seconds(3));
        Simulator::Stop(Seconds(10));
        Simulator::Run();
        EXPECT_TRUE(errorAt.IsStrictlyPositive());
        EXPECT_LT(errorAt, Seconds(5));
    }
}

TEST(Table41, AppLayerEncryptionOfPayloadCarryingAddresses)
{
    // FTP's control channel carries the client's address; encrypted, an ALG cannot rewrite it.
    FtpOutcome nat = RunFtp(System::NatWithAlg, true);
    EXPECT_TRUE(FailsCleanly(nat));
    EXPECT_EQ(InetSocketAddress::ConvertFrom(nat.portSeenByServer).GetIpv4(),
              Ipv4Address("10.0.0.2"))
        << "the server acted on the private address the ALG could not see";
    FtpOutcome resoa = RunFtp(System::Resoa, true);
    EXPECT_TRUE(Works(resoa));
    EXPECT_EQ(InetSocketAddress::ConvertFrom(resoa.portSeenByServer).GetIpv4(),
              Ipv4Address("203.0.113.1"));
}

} // namespace
