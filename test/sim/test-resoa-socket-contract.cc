/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ResoaSocket's contract with the EP engine in ns-3: ShutdownRecv reaches the server (which
 * drains and drops instead of pushing), a datagram socket's send space is the real one
 * (the EP overhead defined once in the core), and a MSG_MORE write still leaves at the
 * engine's coalescing deadline.
 */
#include "ns3/resoa-socket.h"
#include "resoa-scenario.h"

#include "ns3/applications-module.h"
#include "ns3/ep-engine-types.h"
#include "ns3/internet-module.h"

#include <gtest/gtest.h>

using namespace ns3;
using namespace resoa_test;

namespace
{

/// An Internet-side socket that streams zeros for as long as TCP takes them.
struct Streamer
{
    Ptr<Socket> socket;
    uint64_t sent = 0;

    void Start(Ptr<Node> node, Address peer)
    {
        socket = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        socket->SetConnectCallback(Callback<void, Ptr<Socket>>([this](Ptr<Socket>) { Fill(); }),
                                   MakeNullCallback<void, Ptr<Socket>>());
        socket->SetSendCallback(
            Callback<void, Ptr<Socket>, uint32_t>([this](Ptr<Socket>, uint32_t) { Fill(); }));
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

/// The server's socket for an accepted connection (rsockID in the server range).
std::optional<resoa::EpServerSocketInfo>
AcceptedOnServer(const ResoaScenario& s)
{
    for (const resoa::EpServerSocketInfo& i : s.server->GetEngine()->ListSockets())
    {
        if (i.rsockId >= resoa::kServerRsockBase)
        {
            return i;
        }
    }
    return std::nullopt;
}

TEST(ResoaSocketContract, ShutdownRecvMakesTheServerDrainAndDrop)
{
    ScenarioOptions o;
    o.configure = [](ResoaHelper& h)
    {
        h.SetClientAttribute("ReceiveWindow", UintegerValue(16384));
    };
    ResoaScenario s(o);
    Ptr<Socket> listener;
    Ptr<Socket> accepted;
    uint64_t readByApp = 0;
    Simulator::Schedule(
        Seconds(0.5),
        [&]()
        {
            listener = Socket::CreateSocket(s.net.stas.Get(0), TcpSocketFactory::GetTypeId());
            listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), 6000));
            listener->Listen();
            listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                        Callback<void, Ptr<Socket>, const Address&>(
                                            [&](Ptr<Socket> c, const Address&)
                                            {
                                                accepted = c;
                                                c->SetRecvCallback(Callback<void, Ptr<Socket>>(
                                                    [&](Ptr<Socket> r)
                                                    {
                                                        while (Ptr<Packet> p = r->Recv())
                                                        {
                                                            readByApp += p->GetSize();
                                                        }
                                                    }));
                                            }));
        });
    Streamer host;
    Simulator::Schedule(Seconds(1),
                        [&]() { host.Start(s.net.host, InetSocketAddress(s.net.apPublic, 6000)); });
    uint64_t toClientAtShutdown = 0;
    uint64_t readAtShutdown = 0;
    Simulator::Schedule(Seconds(2),
                        [&]()
                        {
                            ASSERT_NE(accepted, nullptr);
                            readAtShutdown = readByApp;
                            EXPECT_EQ(accepted->ShutdownRecv(), 0);
                        });
    Simulator::Schedule(Seconds(2.5),
                        [&]()
                        {
                            auto info = AcceptedOnServer(s);
                            ASSERT_TRUE(info.has_value());
                            toClientAtShutdown = info->bytesToClient;
                        });
    uint64_t sentAt3 = 0;
    Simulator::Schedule(Seconds(3), [&]() { sentAt3 = host.sent; });
    Simulator::Stop(Seconds(6));
    Simulator::Run();

    ASSERT_NE(accepted, nullptr);
    EXPECT_GT(readAtShutdown, 0u) << "data flowed before the shutdown";
    auto info = AcceptedOnServer(s);
    ASSERT_TRUE(info.has_value());
    // The server was told: it no longer pushes over the air, it reads and drops.
    EXPECT_EQ(info->bytesToClient, toClientAtShutdown);
    EXPECT_GT(info->bytesFromStack, info->bytesToClient + 500000u);
    // The Internet peer is never stalled by a reader that left.
    EXPECT_GT(host.sent, sentAt3 + 500000u);
    EXPECT_EQ(accepted->GetRxAvailable(), 0u);
}

TEST(ResoaSocketContract, DatagramSendSpaceIsRealAndExact)
{
    ResoaScenario s;
    PacketSinkHelper sinkHelper("ns3::UdpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 7000));
    ApplicationContainer sinkApp = sinkHelper.Install(s.net.host);
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkApp.Get(0));
    Ptr<Socket> udp;
    uint32_t space = 0;
    int tooBig = 0;
    Socket::SocketErrno tooBigErrno = Socket::ERROR_NOTERROR;
    int fits = 0;
    Simulator::Schedule(Seconds(1),
                        [&]()
                        {
                            udp = Socket::CreateSocket(s.net.stas.Get(0),
                                                       UdpSocketFactory::GetTypeId());
                            space = udp->GetTxAvailable();
                            Address to = InetSocketAddress(s.net.hostAddress, 7000);
                            tooBig = udp->SendTo(Create<Packet>(space + 1), 0, to);
                            tooBigErrno = udp->GetErrno();
                            fits = udp->SendTo(Create<Packet>(space), 0, to);
                        });
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    const size_t maxMessage = s.clients[0]->GetEngine().GetConfig().maxMessageSize;
    EXPECT_EQ(space, resoa::EpMaxDatagramPayload(maxMessage));
    EXPECT_EQ(space, maxMessage - resoa::kEpDatagramOverheadIpv4);
    EXPECT_EQ(tooBig, -1);
    EXPECT_EQ(tooBigErrno, Socket::ERROR_MSGSIZE);
    EXPECT_EQ(fits, static_cast<int>(space));
    EXPECT_EQ(sink->GetTotalRx(), space) << "the largest datagram fits one LHP SDU";
}

TEST(ResoaSocketContract, MsgMoreWriteLeavesAtTheCoalescingDeadline)
{
    ResoaScenario s;
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 7001));
    ApplicationContainer sinkApp = sinkHelper.Install(s.net.host);
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkApp.Get(0));
    Ptr<Socket> tcp;
    int sent = 0;
    Simulator::Schedule(
        Seconds(1),
        [&]()
        {
            tcp = Socket::CreateSocket(s.net.stas.Get(0), TcpSocketFactory::GetTypeId());
            tcp->SetConnectCallback(Callback<void, Ptr<Socket>>(
                                        [&](Ptr<Socket> c)
                                        {
                                            // A short write that promises more, and then none.
                                            sent = c->Send(Create<Packet>(100),
                                                           ResoaSocket::MSG_MORE_FLAG);
                                        }),
                                    MakeNullCallback<void, Ptr<Socket>>());
            tcp->Connect(InetSocketAddress(s.net.hostAddress, 7001));
        });
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    EXPECT_EQ(sent, 100);
    EXPECT_EQ(sink->GetTotalRx(), 100u) << "a held chunk must not wait forever";
}

} // namespace
