/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ReSoA semantics in ns-3: active FTP with and without an encrypted control channel, crash
 * semantics (paper §4.4) for a stopped server and a vanished client, and the client's
 * receive credit holding TCP's window closed while the application does not read.
 */
#include "resoa-scenario.h"

#include "ns3/active-ftp-client.h"
#include "ns3/active-ftp-server.h"
#include "ns3/applications-module.h"
#include "ns3/internet-module.h"

#include <gtest/gtest.h>

using namespace ns3;
using namespace resoa_test;

namespace
{

void
RunFtp(bool encrypt, double frameLoss = 0)
{
    ScenarioOptions o;
    o.frameLoss = frameLoss;
    o.macRetries = frameLoss > 0 ? 2 : 7;
    ResoaScenario s(o);
    Ptr<ActiveFtpServer> server = CreateObject<ActiveFtpServer>();
    server->SetAttribute("FileSize", UintegerValue(200000));
    server->SetAttribute("EncryptControl", BooleanValue(encrypt));
    s.net.host->AddApplication(server);
    Ptr<ActiveFtpClient> client = CreateObject<ActiveFtpClient>();
    client->SetAttribute("Remote", AddressValue(InetSocketAddress(s.net.hostAddress, 21)));
    client->SetAttribute("EncryptControl", BooleanValue(encrypt));
    s.net.stas.Get(0)->AddApplication(client);
    client->SetStartTime(Seconds(1));
    Simulator::Stop(Seconds(15));
    Simulator::Run();

    ActiveFtpClient::Result r = client->GetResult();
    EXPECT_TRUE(r.controlConnected);
    EXPECT_TRUE(r.dataConnected);
    EXPECT_TRUE(r.complete) << "received " << r.received << " of " << r.announced;
    EXPECT_EQ(r.announced, 200000u);
    EXPECT_EQ(r.lastReply, "226 transfer complete");
    // getsockname gave the public address, so the PORT the server acted on was right.
    InetSocketAddress own = InetSocketAddress::ConvertFrom(r.ownAddress);
    EXPECT_EQ(own.GetIpv4(), s.net.apPublic);
    EXPECT_EQ(InetSocketAddress::ConvertFrom(server->GetLastPortAddress()).GetIpv4(),
              s.net.apPublic);
    EXPECT_EQ(InetSocketAddress::ConvertFrom(server->GetLastControlPeer()), own);
    EXPECT_EQ(server->GetTransfersDone(), 1u);
    EXPECT_EQ(server->GetTransfersFailed(), 0u);
}

TEST(ResoaFtp, ActiveModeWorksWithoutAlg)
{
    RunFtp(false);
}

TEST(ResoaFtp, ActiveModeWorksWithEncryptedControl)
{
    RunFtp(true);
}

TEST(ResoaFtp, DownloadThroughCreditSurvivesLossyLink)
{
    // Credit runs out for moments under loss, so the server's TCP window closes and must be
    // reopened (this stalled for good before Ns3EpSocketStack forced window updates).
    RunFtp(false, 0.2);
}

/// A client socket that streams to the host and records how it ended.
struct StreamingSocket
{
    Ptr<Socket> socket;
    Time errorAt;
    Time normalAt;
    uint64_t sent = 0;

    void Start(Ptr<Node> node, Address peer)
    {
        socket = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        socket->SetConnectCallback(Callback<void, Ptr<Socket>>([this](Ptr<Socket>) { Fill(); }),
                                   MakeNullCallback<void, Ptr<Socket>>());
        socket->SetSendCallback(
            Callback<void, Ptr<Socket>, uint32_t>([this](Ptr<Socket>, uint32_t) { Fill(); }));
        socket->SetCloseCallbacks(
            Callback<void, Ptr<Socket>>([this](Ptr<Socket>) { normalAt = Simulator::Now(); }),
            Callback<void, Ptr<Socket>>([this](Ptr<Socket>) { errorAt = Simulator::Now(); }));
        socket->Connect(peer);
    }

    void Fill()
    {
        uint8_t buf[1000] = {};
        while (socket->GetTxAvailable() >= sizeof(buf) && socket->Send(buf, sizeof(buf), 0) > 0)
        {
            sent += sizeof(buf);
        }
    }
};

TEST(ResoaCrash, StoppedServerErrorsEveryClientSocketInBoundedTime)
{
    ScenarioOptions o;
    o.configure = [](ResoaHelper& h)
    {
        h.SetLhpAttribute("DeadTimeout", TimeValue(Seconds(1)));
        h.SetLhpAttribute("KeepaliveInterval", TimeValue(MilliSeconds(250)));
    };
    ResoaScenario s(o);
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 9));
    sinkHelper.Install(s.net.host);
    StreamingSocket a;
    StreamingSocket b;
    Simulator::Schedule(Seconds(1),
                        [&]()
                        {
                            a.Start(s.net.stas.Get(0), InetSocketAddress(s.net.hostAddress, 9));
                            b.Start(s.net.stas.Get(0), InetSocketAddress(s.net.hostAddress, 9));
                        });
    s.server->SetStopTime(Seconds(3));
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_GT(a.sent, 100000u);
    for (StreamingSocket* x : {&a, &b})
    {
        ASSERT_TRUE(x->errorAt.IsStrictlyPositive()) << "a client socket never heard of the crash";
        EXPECT_GE(x->errorAt, Seconds(3.9)); // the dead timeout after the last frame heard
        EXPECT_LE(x->errorAt, Seconds(4.6));
        EXPECT_TRUE(x->normalAt.IsZero());
    }
}

/// Counts FIN and RST segments arriving at a node.
struct TcpFlagCounter
{
    uint32_t fins = 0;
    uint32_t rsts = 0;
    Time firstRst;

    void Rx(Ptr<const Packet> p, Ptr<Ipv4>, uint32_t)
    {
        Ptr<Packet> c = p->Copy();
        Ipv4Header ip;
        c->RemoveHeader(ip);
        if (ip.GetProtocol() != 6)
        {
            return;
        }
        TcpHeader tcp;
        c->PeekHeader(tcp);
        if (tcp.GetFlags() & TcpHeader::FIN)
        {
            ++fins;
        }
        if ((tcp.GetFlags() & TcpHeader::RST) && rsts++ == 0)
        {
            firstRst = Simulator::Now();
        }
    }
};

TEST(ResoaCrash, VanishedClientKeepsConnectionUntilDeadTimeoutThenResetsNeverFin)
{
    ScenarioOptions o;
    o.configure = [](ResoaHelper& h)
    {
        h.SetLhpAttribute("DeadTimeout", TimeValue(Seconds(2)));
        h.SetLhpAttribute("KeepaliveInterval", TimeValue(MilliSeconds(500)));
    };
    ResoaScenario s(o);
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 5000));
    ApplicationContainer sinkApp = sinkHelper.Install(s.net.stas.Get(0));
    sinkApp.Start(Seconds(0.5));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkApp.Get(0));
    // The Internet host streams to the client through the server's public address.
    StreamingSocket host;
    Simulator::Schedule(Seconds(1),
                        [&]() { host.Start(s.net.host, InetSocketAddress(s.net.apPublic, 5000)); });
    TcpFlagCounter flags;
    s.net.host->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext(
        "Rx", MakeCallback(&TcpFlagCounter::Rx, &flags));
    uint64_t atCrash = 0;
    Simulator::Schedule(Seconds(3),
                        [&]()
                        {
                            atCrash = sink->GetTotalRx();
                            s.clients[0]->Crash();
                        });
    bool openBeforeTimeout = false;
    Simulator::Schedule(Seconds(4.8),
                        [&]() {
                            openBeforeTimeout =
                                host.errorAt.IsZero() && host.normalAt.IsZero() && flags.rsts == 0;
                        });
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_GT(atCrash, 100000u) << "the transfer was running before the crash";
    EXPECT_TRUE(openBeforeTimeout) << "the server's TCP must hold the connection until the LHP "
                                      "dead timeout";
    EXPECT_EQ(flags.fins, 0u) << "the peer must never see a FIN for data the client did not take";
    EXPECT_GE(flags.rsts, 1u);
    EXPECT_GE(flags.firstRst, Seconds(4.9));
    EXPECT_LE(flags.firstRst, Seconds(6));
    EXPECT_EQ(s.server->GetStack()->GetOpenSockets(), 0u) << "the dead client's listener goes too";
}

TEST(ResoaCredit, UnreadDataStaysInServerTcpAndClosesItsWindow)
{
    ScenarioOptions o;
    o.configure = [](ResoaHelper& h)
    {
        h.SetClientAttribute("ReceiveWindow", UintegerValue(16384));
    };
    ResoaScenario s(o);
    // A client application that accepts a connection and never reads.
    Ptr<Socket> listener;
    Ptr<Socket> accepted;
    Simulator::Schedule(
        Seconds(0.5),
        [&]()
        {
            listener = Socket::CreateSocket(s.net.stas.Get(0), TcpSocketFactory::GetTypeId());
            listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), 6000));
            listener->Listen();
            listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                        Callback<void, Ptr<Socket>, const Address&>(
                                            [&](Ptr<Socket> c, const Address&) { accepted = c; }));
        });
    StreamingSocket host;
    Simulator::Schedule(Seconds(1),
                        [&]() { host.Start(s.net.host, InetSocketAddress(s.net.apPublic, 6000)); });
    uint64_t sentAt4 = 0;
    size_t clientBufferedAt4 = 0;
    Simulator::Schedule(Seconds(4),
                        [&]()
                        {
                            sentAt4 = host.sent;
                            clientBufferedAt4 = accepted ? accepted->GetRxAvailable() : 0;
                        });
    uint64_t readLater = 0;
    Simulator::Schedule(Seconds(5),
                        [&]()
                        {
                            // Now the application reads: the window opens and the host moves on.
                            while (Ptr<Packet> p = accepted->Recv())
                            {
                                readLater += p->GetSize();
                            }
                            accepted->SetRecvCallback(Callback<void, Ptr<Socket>>(
                                [&](Ptr<Socket> c)
                                {
                                    while (Ptr<Packet> p = c->Recv())
                                    {
                                        readLater += p->GetSize();
                                    }
                                }));
                        });
    Simulator::Stop(Seconds(8));
    Simulator::Run();

    ASSERT_NE(accepted, nullptr);
    // The client holds at most its window; the server's TCP receive buffer (128 KiB) and the
    // host's send buffer (128 KiB) hold the rest, and then the host stalls.
    EXPECT_LE(clientBufferedAt4, 16384u);
    EXPECT_GT(clientBufferedAt4, 0u);
    EXPECT_LT(sentAt4, 16384u + 131072u + 131072u + 20000u);
    // Reading reopens the window: the server reads on within the returned credit, and its TCP
    // announces the space (see Ns3EpSocketStack::Read), so the host moves on.
    EXPECT_GT(host.sent, sentAt4 + 500000) << "reading must reopen the window";
    EXPECT_GT(readLater, 500000u);
    EXPECT_GE(readLater, clientBufferedAt4 + 131072u - 2000u);
}

} // namespace
