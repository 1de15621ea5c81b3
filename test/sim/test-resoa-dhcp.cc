/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * 1-to-1 addresses leased by DHCP on the client's behalf (paper §4.1.2), against ns-3's own
 * DhcpServer: the lease carries the client's MAC, goes on the server's interface, is what
 * getsockname returns and what the Internet host sees and connects to; it is renewed while
 * the client stays and released when it dies. No DHCP server, an exhausted pool and an
 * expired lease each give the documented outcome.
 */
#include "dhcp-scenario.h"

#include "ns3/applications-module.h"

#include <gtest/gtest.h>

using namespace ns3;
using namespace resoa_test;

namespace
{

const Ipv4Address kServerAddr("203.0.113.1");
const Ipv4Address kHostAddr("203.0.113.3");
const Ipv4Address kLease0("203.0.113.100");
const Ipv4Address kLease1("203.0.113.101");
constexpr int32_t kEaddrnotavail = 99;

InetSocketAddress
Inet(const Address& a)
{
    return InetSocketAddress::ConvertFrom(a);
}

/// Sends `total` pattern bytes of stream `seed` on a connected socket, then closes it.
struct PatternSender
{
    Ptr<Socket> sock;
    uint64_t seed = 0;
    uint64_t total = 0;
    uint64_t sent = 0;
    bool connected = false;

    void Start(Ptr<Node> node, const InetSocketAddress& to)
    {
        sock = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        sock->SetConnectCallback(MakeCallback(&PatternSender::OnConnected, this),
                                 MakeNullCallback<void, Ptr<Socket>>());
        sock->SetSendCallback(MakeCallback(&PatternSender::OnSpace, this));
        sock->Connect(to);
    }

    void OnConnected(Ptr<Socket> s)
    {
        connected = true;
        Push(s);
    }

    void OnSpace(Ptr<Socket> s, uint32_t)
    {
        Push(s);
    }

    void Push(Ptr<Socket> s)
    {
        while (sent < total && s->GetTxAvailable() > 0)
        {
            uint32_t n = std::min<uint64_t>({total - sent, s->GetTxAvailable(), 1400});
            std::vector<uint8_t> b(n);
            for (uint32_t i = 0; i < n; ++i)
            {
                b[i] = resoa::PatternByte(seed, sent + i);
            }
            int r = s->Send(b.data(), n, 0);
            if (r <= 0)
            {
                return;
            }
            sent += r;
        }
        if (sent == total)
        {
            s->Close();
            sent = total + 1; // closed once
        }
    }
};

/// A listener on a client: hashes what its accepted connection receives.
struct HashingListener
{
    Ptr<Socket> listener;
    Ptr<Socket> accepted;
    Address acceptedOwn;  //!< getsockname of the accepted socket
    Address acceptedPeer; //!< the Internet host as the client sees it
    resoa::StreamHash hash;

    void Start(Ptr<Node> node, uint16_t port)
    {
        listener = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
        listener->Listen();
        listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                    MakeCallback(&HashingListener::OnAccept, this));
    }

    void OnAccept(Ptr<Socket> s, const Address& from)
    {
        accepted = s;
        acceptedPeer = from;
        s->GetSockName(acceptedOwn);
        s->SetRecvCallback(MakeCallback(&HashingListener::OnRecv, this));
    }

    void OnRecv(Ptr<Socket> s)
    {
        Ptr<Packet> p;
        while ((p = s->Recv()) && p->GetSize() > 0) // an empty packet is the end of stream
        {
            std::vector<uint8_t> b(p->GetSize());
            p->CopyData(b.data(), b.size());
            hash.Update(b.data(), b.size());
        }
    }
};

/// A connection from a client to a sink on the host: getsockname and what the host saw.
struct OutboundProbe
{
    Ptr<Socket> sock;
    Address own;
    Address seenByHost;
    bool connected = false;
    Time errorAt;

    void Start(Ptr<Node> client, Ptr<Node> host, uint16_t port)
    {
        PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                    InetSocketAddress(Ipv4Address::GetAny(), port));
        Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(host).Get(0));
        sink->TraceConnectWithoutContext("Rx", MakeCallback(&OutboundProbe::OnHostRx, this));
        sock = Socket::CreateSocket(client, TcpSocketFactory::GetTypeId());
        sock->SetConnectCallback(MakeCallback(&OutboundProbe::OnConnected, this),
                                 MakeNullCallback<void, Ptr<Socket>>());
        sock->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                                MakeCallback(&OutboundProbe::OnError, this));
        sock->Connect(InetSocketAddress(kHostAddr, port));
    }

    void OnConnected(Ptr<Socket> s)
    {
        connected = true;
        s->GetSockName(own);
        uint8_t hello[100] = {};
        s->Send(hello, sizeof(hello), 0);
    }

    void OnError(Ptr<Socket>)
    {
        errorAt = Simulator::Now();
    }

    void OnHostRx(Ptr<const Packet>, const Address& from)
    {
        seenByHost = from;
    }
};

TEST(ResoaDhcp, LeasesWithTheClientsMacAndTheHostReachesTheClient)
{
    DhcpScenarioOptions o;
    o.clients = 2;
    DhcpScenario s(o);
    OutboundProbe out;
    HashingListener in;
    PatternSender host;
    host.seed = 13;
    host.total = 200000;
    Ipv4Address leasedAtOne;
    Simulator::Schedule(Seconds(1),
                        [&]()
                        {
                            leasedAtOne = s.cl[0]->GetPublicAddress();
                            out.Start(s.clients.Get(0), s.host, 9);
                            in.Start(s.clients.Get(0), 7000);
                        });
    Simulator::Schedule(Seconds(1.5),
                        [&]() { host.Start(s.host, InetSocketAddress(leasedAtOne, 7000)); });
    Simulator::Stop(Seconds(6));
    Simulator::Run();

    // Each client registered 1-to-1 with its own leased address, one per MAC.
    EXPECT_EQ(s.registered[0].error, 0);
    EXPECT_EQ(s.registered[0].address, kLease0);
    EXPECT_EQ(s.registered[1].error, 0);
    EXPECT_EQ(s.registered[1].address, kLease1);
    EXPECT_EQ(s.cl[0]->GetPublicAddress(), kLease0);
    EXPECT_EQ(s.cl[1]->GetPublicAddress(), kLease1);
    EXPECT_LT(s.registered[0].at, Seconds(0.2)) << "the lease takes one round trip of DHCP";
    EXPECT_TRUE(s.ServerHolds(kLease0));
    EXPECT_TRUE(s.ServerHolds(kLease1));
    EXPECT_EQ(s.server->GetDhcpAgent()->GetLeaseCount(), 2u);

    // The DHCP server saw the clients' MACs, never the ReSoA server's own.
    std::vector<DhcpSeen> discovers = s.Seen(resoa::DhcpType::Discover);
    std::vector<DhcpSeen> requests = s.Seen(resoa::DhcpType::Request);
    ASSERT_EQ(discovers.size(), 2u);
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(discovers[0].msg.Mac(), MacBytes(s.MacOf(0)));
    EXPECT_EQ(discovers[1].msg.Mac(), MacBytes(s.MacOf(1)));
    EXPECT_EQ(requests[0].msg.Mac(), MacBytes(s.MacOf(0)));
    EXPECT_EQ(requests[0].msg.requestedIp, kLease0.Get());
    EXPECT_EQ(requests[1].msg.Mac(), MacBytes(s.MacOf(1)));
    EXPECT_EQ(requests[1].msg.requestedIp, kLease1.Get());
    const Mac48Address serverMac = Mac48Address::ConvertFrom(s.wired.Get(0)->GetAddress());
    for (const DhcpSeen& d : s.wire)
    {
        EXPECT_NE(d.msg.Mac(), MacBytes(serverMac));
    }

    // getsockname in the client returns the leased address, and the host sees it.
    ASSERT_TRUE(out.connected);
    EXPECT_EQ(Inet(out.own).GetIpv4(), kLease0);
    EXPECT_EQ(Inet(out.seenByHost).GetIpv4(), kLease0);
    EXPECT_EQ(Inet(out.own).GetPort(), Inet(out.seenByHost).GetPort());

    // The host connects to the leased address: every byte reaches the client's listener.
    ASSERT_TRUE(host.connected);
    ASSERT_TRUE(in.accepted);
    EXPECT_EQ(Inet(in.acceptedOwn).GetIpv4(), kLease0);
    EXPECT_EQ(Inet(in.acceptedOwn).GetPort(), 7000);
    EXPECT_EQ(Inet(in.acceptedPeer).GetIpv4(), kHostAddr);
    EXPECT_EQ(in.hash.Bytes(), 200000u);
    EXPECT_EQ(in.hash.Value(), resoa::PatternHash(13, 200000));
}

TEST(ResoaDhcp, RenewsWhileRegisteredAndReleasesWhenTheClientDies)
{
    DhcpScenarioOptions o;
    o.lease = Seconds(4);
    o.renew = Seconds(2);
    o.rebind = Seconds(3);
    DhcpScenario s(o);
    bool heldBeforeCrash = false;
    Ipv4Address addressBeforeCrash;
    Simulator::Schedule(Seconds(8.9),
                        [&]()
                        {
                            heldBeforeCrash = s.ServerHolds(kLease0);
                            addressBeforeCrash = s.cl[0]->GetPublicAddress();
                            s.cl[0]->Crash();
                        });
    Simulator::Stop(Seconds(16));
    Simulator::Run();

    EXPECT_EQ(s.registered[0].error, 0);
    EXPECT_EQ(s.registered[0].address, kLease0);
    EXPECT_TRUE(heldBeforeCrash);
    EXPECT_EQ(addressBeforeCrash, kLease0);
    // Renewals: REQUESTs naming the lease in ciaddr at T1 = 2 s after each ACK (2.1, 4.1,
    // 6.1, 8.1 s before the crash), each answered; they go on until the server notices the
    // dead link (LHP DeadTimeout, 5 s after the last frame it heard).
    std::vector<DhcpSeen> renewals;
    for (const DhcpSeen& d : s.Seen(resoa::DhcpType::Request))
    {
        if (d.msg.ciaddr == kLease0.Get())
        {
            renewals.push_back(d);
        }
    }
    ASSERT_GE(renewals.size(), 4u);
    for (uint32_t i = 0; i < renewals.size(); ++i)
    {
        EXPECT_GE(renewals[i].at, Seconds(2.1 + 2 * i)) << i;
        EXPECT_LT(renewals[i].at, Seconds(2.11 + 2 * i)) << i;
        EXPECT_EQ(renewals[i].msg.Mac(), MacBytes(s.MacOf(0))) << i;
        EXPECT_EQ(renewals[i].msg.requestedIp, kLease0.Get()) << i;
    }
    EXPECT_LT(renewals[3].at, Seconds(8.9));
    EXPECT_EQ(s.server->GetDhcpAgent()->GetStats().acks, 1 + renewals.size());
    // The client's link died: DHCPRELEASE for the lease, after the last renewal, within the
    // dead timeout; the address leaves the server's interface.
    std::vector<DhcpSeen> releases = s.Seen(resoa::DhcpType::Release);
    ASSERT_EQ(releases.size(), 1u);
    EXPECT_GT(releases[0].at, renewals.back().at);
    EXPECT_GT(releases[0].at, Seconds(8.9));
    EXPECT_LT(releases[0].at, Seconds(8.9 + 5.5));
    EXPECT_EQ(releases[0].msg.ciaddr, kLease0.Get());
    EXPECT_EQ(releases[0].msg.Mac(), MacBytes(s.MacOf(0)));
    EXPECT_EQ(releases[0].msg.serverId, Ipv4Address("203.0.113.2").Get());
    EXPECT_FALSE(s.ServerHolds(kLease0));
    EXPECT_EQ(s.server->GetDhcpAgent()->GetLeaseCount(), 0u);
    EXPECT_EQ(s.server->GetSessionCount(), 0u);
}

TEST(ResoaDhcp, NoDhcpServerRefusesWithEaddrnotavail)
{
    DhcpScenarioOptions o;
    o.dhcpServer = false;
    DhcpScenario s(o);
    Simulator::Stop(Seconds(4));
    Simulator::Run();

    EXPECT_EQ(s.registered[0].error, kEaddrnotavail);
    // Timeout 2 s after the DISCOVER sent at registration (~0.1 s).
    EXPECT_GE(s.registered[0].at, Seconds(2.1));
    EXPECT_LT(s.registered[0].at, Seconds(2.2));
    EXPECT_FALSE(s.cl[0]->IsRegistered());
    EXPECT_EQ(s.server->GetDhcpAgent()->GetStats().discovers, 4u); // every 0.5 s for 2 s
    EXPECT_EQ(s.server->GetDhcpAgent()->GetLeaseCount(), 0u);
    EXPECT_EQ(s.server->GetEngine()->GetStats().registrationsDenied, 1u);
    EXPECT_EQ(s.srv->GetObject<Ipv4>()->GetNAddresses(1), 1u) << "nothing leased, nothing added";
}

TEST(ResoaDhcp, NoDhcpServerFallsBackToNTo1WhenConfigured)
{
    DhcpScenarioOptions o;
    o.dhcpServer = false;
    o.fallBack = true;
    DhcpScenario s(o);
    OutboundProbe out;
    Simulator::Schedule(Seconds(2.5), [&]() { out.Start(s.clients.Get(0), s.host, 9); });
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    EXPECT_EQ(s.registered[0].error, 0);
    EXPECT_EQ(s.registered[0].address, kServerAddr);
    EXPECT_GE(s.registered[0].at, Seconds(2.1));
    ASSERT_TRUE(out.connected);
    EXPECT_EQ(Inet(out.own).GetIpv4(), kServerAddr);
    EXPECT_EQ(Inet(out.seenByHost).GetIpv4(), kServerAddr);
}

TEST(ResoaDhcp, ExhaustedPoolRefusesTheThirdClient)
{
    DhcpScenarioOptions o;
    o.clients = 3; // the pool holds .100 and .101
    DhcpScenario s(o);
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    EXPECT_EQ(s.registered[0].address, kLease0);
    EXPECT_EQ(s.registered[1].address, kLease1);
    EXPECT_EQ(s.registered[2].error, kEaddrnotavail);
    EXPECT_FALSE(s.cl[2]->IsRegistered());
    // The third client's DISCOVERs reached the DHCP server, which had nothing to offer.
    uint32_t third = 0;
    for (const DhcpSeen& d : s.Seen(resoa::DhcpType::Discover))
    {
        third += d.msg.Mac() == MacBytes(s.MacOf(2)) ? 1 : 0;
    }
    EXPECT_EQ(third, 4u);
    EXPECT_EQ(s.server->GetDhcpAgent()->GetLeaseCount(), 2u);
}

TEST(ResoaDhcp, ExhaustedPoolFallsBackToNTo1WhenConfigured)
{
    DhcpScenarioOptions o;
    o.clients = 3;
    o.fallBack = true;
    DhcpScenario s(o);
    OutboundProbe out;
    Simulator::Schedule(Seconds(3.5), [&]() { out.Start(s.clients.Get(2), s.host, 9); });
    Simulator::Stop(Seconds(6));
    Simulator::Run();

    EXPECT_EQ(s.registered[0].address, kLease0);
    EXPECT_EQ(s.registered[1].address, kLease1);
    // The third client shares the server's address, side by side with two 1-to-1 clients.
    EXPECT_EQ(s.registered[2].error, 0);
    EXPECT_EQ(s.registered[2].address, kServerAddr);
    EXPECT_GE(s.registered[2].at, Seconds(2.5));
    ASSERT_TRUE(out.connected);
    EXPECT_EQ(Inet(out.own).GetIpv4(), kServerAddr);
    EXPECT_EQ(Inet(out.seenByHost).GetIpv4(), kServerAddr);
    EXPECT_EQ(s.server->GetDhcpAgent()->GetLeaseCount(), 2u);
}

TEST(ResoaDhcp, ExpiryWithoutRenewalEndsTheSession)
{
    DhcpScenarioOptions o;
    o.lease = Seconds(4);
    o.renew = Seconds(2);
    o.rebind = Seconds(3);
    o.dhcpStop = Seconds(1); // the DHCP server goes away after the lease
    DhcpScenario s(o);
    OutboundProbe out;
    Simulator::Schedule(Seconds(0.5), [&]() { out.Start(s.clients.Get(0), s.host, 9); });
    bool heldAtThree = false;
    Simulator::Schedule(Seconds(3), [&]() { heldAtThree = s.ServerHolds(kLease0); });
    Simulator::Stop(Seconds(8));
    Simulator::Run();

    EXPECT_EQ(s.registered[0].address, kLease0);
    ASSERT_TRUE(out.connected);
    EXPECT_EQ(Inet(out.seenByHost).GetIpv4(), kLease0);
    EXPECT_TRUE(heldAtThree) << "renewals fail, but the lease still runs";
    // The lease (from the REQUEST at ~0.1 s) ends at ~4.1 s: the session ends with it.
    EXPECT_FALSE(s.ServerHolds(kLease0));
    EXPECT_EQ(s.server->GetSessionCount(), 0u);
    EXPECT_EQ(s.server->GetDhcpAgent()->GetLeaseCount(), 0u);
    EXPECT_FALSE(s.cl[0]->IsRegistered());
    EXPECT_GE(out.errorAt, Seconds(4.1));
    EXPECT_LT(out.errorAt, Seconds(4.5));
    // Renewals were tried every 0.5 s from T1 (~2.1 s) until the end; no RELEASE follows
    // an expired lease.
    EXPECT_GE(s.server->GetDhcpAgent()->GetStats().renewals, 4u);
    EXPECT_TRUE(s.Seen(resoa::DhcpType::Release).empty());
}

} // namespace
