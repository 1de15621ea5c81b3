/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * LhpProtocol as a thin driver of resoa::LhpEndpoint over CSMA: callbacks may call anything
 * (Crash included) without use-after-free, per-connection traces (state, RTO, SRTT, frames in
 * flight, send window), the device queue's wake callback instead of polling, admission caps.
 */
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/lhp-bulk-transfer.h"
#include "ns3/lhp-helper.h"
#include "ns3/network-module.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

/// Drops the first `count` LHP frames of `type` a device receives (Ethernet framing).
class DropLhpType : public ErrorModel
{
  public:
    uint8_t type = 1; //!< Data
    uint32_t count = 1;
    uint32_t dropped = 0;

  private:
    bool DoCorrupt(Ptr<Packet> p) override
    {
        uint8_t b[16] = {};
        if (p->GetSize() < sizeof(b))
        {
            return false;
        }
        p->CopyData(b, sizeof(b));
        // 14-byte Ethernet header, then LHP: version, type.
        if (b[12] == 0x88 && b[13] == 0xB5 && b[15] == type && dropped < count)
        {
            ++dropped;
            return true;
        }
        return false;
    }

    void DoReset() override
    {
    }
};

/// Two nodes on one CSMA segment, an LHP client on 0 and an accepting server on 1.
struct CsmaPair
{
    NodeContainer nodes;
    NetDeviceContainer devs;
    Ptr<LhpProtocol> client;
    Ptr<LhpProtocol> server;

    explicit CsmaPair(const std::string& rate = "100Mbps",
                      Time delay = MilliSeconds(2),
                      const std::string& queue = "")
    {
        nodes.Create(2);
        CsmaHelper csma;
        csma.SetChannelAttribute("DataRate", StringValue(rate));
        csma.SetChannelAttribute("Delay", TimeValue(delay));
        if (!queue.empty())
        {
            csma.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", StringValue(queue));
        }
        devs = csma.Install(nodes);
        LhpHelper lhp;
        client = lhp.Install(devs.Get(0));
        server = lhp.Install(devs.Get(1));
        server->SetAttribute("AcceptIncoming", BooleanValue(true));
        client->AssignStreams(1);
        server->AssignStreams(2);
    }

    Address ServerAddress() const
    {
        return devs.Get(1)->GetAddress();
    }

    ~CsmaPair()
    {
        Simulator::Destroy();
    }
};

/// The same on full-duplex SimpleNetDevices (rate-limited, with a device queue): no
/// contention between data and acks, unlike CSMA's shared bus.
struct SimplePair
{
    NodeContainer nodes;
    NetDeviceContainer devs;
    Ptr<LhpProtocol> client;
    Ptr<LhpProtocol> server;

    SimplePair(const std::string& rate, Time delay, const std::string& queue = "100p")
    {
        nodes.Create(2);
        SimpleNetDeviceHelper simple;
        simple.SetDeviceAttribute("DataRate", DataRateValue(DataRate(rate)));
        simple.SetChannelAttribute("Delay", TimeValue(delay));
        simple.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", StringValue(queue));
        devs = simple.Install(nodes);
        LhpHelper lhp;
        client = lhp.Install(devs.Get(0));
        server = lhp.Install(devs.Get(1));
        server->SetAttribute("AcceptIncoming", BooleanValue(true));
        client->AssignStreams(1);
        server->AssignStreams(2);
    }

    Address ServerAddress() const
    {
        return devs.Get(1)->GetAddress();
    }

    ~SimplePair()
    {
        Simulator::Destroy();
    }
};

using Handle = LhpProtocol::Handle;
using ConnCb = Callback<void, Handle, LhpProtocol::ConnectionEvent, const Address&>;
using RecvCb = Callback<void, Handle, resoa::LhpChannel, Ptr<Packet>>;

std::vector<uint8_t>
Bytes(uint8_t tag, size_t n)
{
    return std::vector<uint8_t>(n, tag);
}

// Regression: the old driver held a `Connection&` into its map across the receive callback,
// so a callback that crashed the protocol (clearing the map) made the loop read freed memory
// and deliver SDUs of a destroyed connection. Five SDUs are released by one frame here (the
// first Data frame is lost and retransmitted), so the loop runs on after the Crash.
TEST(LhpDriver, ReceiveCallbackMayCrashTheProtocol)
{
    CsmaPair s;
    Ptr<DropLhpType> drop = CreateObject<DropLhpType>();
    s.devs.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(drop));
    Handle h = 0;
    s.client->SetConnectionCallback(ConnCb(
        [&](Handle ch, LhpProtocol::ConnectionEvent ev, const Address&)
        {
            if (ch == h && ev == LhpProtocol::CONNECTION_UP)
            {
                for (uint8_t i = 1; i <= 5; ++i)
                {
                    ASSERT_TRUE(s.client->Send(h, resoa::LhpChannel::Reliable, Bytes(i, 100)));
                }
            }
        }));
    std::vector<std::vector<uint8_t>> got;
    int serverEventsAfterCrash = 0;
    bool crashed = false;
    s.server->SetReceiveCallback(RecvCb(
        [&](Handle, resoa::LhpChannel, Ptr<Packet> p)
        {
            std::vector<uint8_t> b(p->GetSize());
            p->CopyData(b.data(), b.size());
            got.push_back(b);
            if (!crashed)
            {
                crashed = true;
                s.server->Crash();
            }
        }));
    s.server->SetConnectionCallback(ConnCb([&](Handle, LhpProtocol::ConnectionEvent, const Address&)
                                           { serverEventsAfterCrash += crashed ? 1 : 0; }));
    Simulator::Schedule(MilliSeconds(1), [&]() { h = s.client->Connect(s.ServerAddress()); });
    Simulator::Stop(Seconds(2));
    Simulator::Run();

    EXPECT_EQ(drop->dropped, 1u);
    ASSERT_EQ(got.size(), 1u) << "nothing may be delivered from a crashed protocol";
    EXPECT_EQ(got[0], Bytes(1, 100));
    EXPECT_EQ(serverEventsAfterCrash, 0);
    EXPECT_EQ(s.server->GetEndpoint().GetLinkCount(), 0u);
    EXPECT_EQ(s.server->GetTotalStats().sdusDelivered, 5u) << "all five were released at once";
}

TEST(LhpDriver, ReceiveCallbackMayCloseAnotherConnectionAndSend)
{
    CsmaPair s;
    Handle c1 = 0;
    Handle c2 = 0;
    std::vector<std::pair<Handle, LhpProtocol::ConnectionEvent>> clientEvents;
    s.client->SetConnectionCallback(ConnCb(
        [&](Handle h, LhpProtocol::ConnectionEvent ev, const Address&)
        {
            clientEvents.emplace_back(h, ev);
            if (h == c1 && ev == LhpProtocol::CONNECTION_UP)
            {
                s.client->Send(c1, resoa::LhpChannel::Reliable, Bytes(9, 10));
            }
        }));
    std::vector<Handle> serverUp;
    s.server->SetConnectionCallback(ConnCb(
        [&](Handle h, LhpProtocol::ConnectionEvent ev, const Address&)
        {
            if (ev == LhpProtocol::CONNECTION_UP)
            {
                serverUp.push_back(h);
            }
        }));
    // On data from one connection the server closes the other and answers on this one.
    s.server->SetReceiveCallback(RecvCb(
        [&](Handle h, resoa::LhpChannel, Ptr<Packet>)
        {
            for (Handle other : serverUp)
            {
                if (other != h)
                {
                    s.server->Close(other);
                }
            }
            s.server->Send(h, resoa::LhpChannel::Reliable, Bytes(7, 20));
        }));
    std::vector<std::vector<uint8_t>> echoed;
    s.client->SetReceiveCallback(RecvCb(
        [&](Handle h, resoa::LhpChannel, Ptr<Packet> p)
        {
            EXPECT_EQ(h, c1);
            std::vector<uint8_t> b(p->GetSize());
            p->CopyData(b.data(), b.size());
            echoed.push_back(b);
        }));
    // c2 first; c1 once c2 is up, so the server knows both before any data.
    Simulator::Schedule(MilliSeconds(1), [&]() { c2 = s.client->Connect(s.ServerAddress()); });
    Simulator::Schedule(MilliSeconds(50), [&]() { c1 = s.client->Connect(s.ServerAddress()); });
    Simulator::Stop(Seconds(2));
    Simulator::Run();

    EXPECT_EQ(serverUp.size(), 2u);
    ASSERT_EQ(echoed.size(), 1u);
    EXPECT_EQ(echoed[0], Bytes(7, 20));
    auto closed = std::find(clientEvents.begin(),
                            clientEvents.end(),
                            std::make_pair(c2, LhpProtocol::CONNECTION_CLOSED));
    EXPECT_NE(closed, clientEvents.end()) << "the other connection closed in order";
    EXPECT_EQ(std::count(clientEvents.begin(),
                         clientEvents.end(),
                         std::make_pair(c1, LhpProtocol::CONNECTION_UP)),
              1);
    ASSERT_NE(s.client->GetLink(c1), nullptr);
    EXPECT_EQ(s.client->GetLink(c1)->GetState(), resoa::LhpState::Open);
}

struct TraceLog
{
    std::vector<std::pair<resoa::LhpState, resoa::LhpState>> states;
    std::vector<Time> rto;
    std::vector<Time> srtt;
    uint32_t maxFrames = 0;
    std::vector<uint32_t> window;
    Handle handle = 0;
};

TEST(LhpDriver, TracesReportStateRtoSrttAndFlight)
{
    SimplePair s("100Mbps", MilliSeconds(2));
    TraceLog t;
    s.client->TraceConnectWithoutContext(
        "LinkState",
        MakeBoundCallback(
            +[](TraceLog* t, Handle h, resoa::LhpState o, resoa::LhpState n)
            {
                t->handle = h;
                t->states.emplace_back(o, n);
            },
            &t));
    s.client->TraceConnectWithoutContext(
        "Rto",
        MakeBoundCallback(
            +[](TraceLog* t, Handle, Time, Time n) { t->rto.push_back(n); }, &t));
    s.client->TraceConnectWithoutContext("Srtt",
                                         MakeBoundCallback(
                                             +[](TraceLog* t, Handle, Time o, Time n)
                                             {
                                                 EXPECT_NE(o, n);
                                                 t->srtt.push_back(n);
                                             },
                                             &t));
    s.client->TraceConnectWithoutContext("FramesInFlight",
                                         MakeBoundCallback(
                                             +[](TraceLog* t, Handle, uint32_t, uint32_t n)
                                             { t->maxFrames = std::max(t->maxFrames, n); },
                                             &t));
    s.client->TraceConnectWithoutContext(
        "SendWindow",
        MakeBoundCallback(
            +[](TraceLog* t, Handle, uint32_t, uint32_t n) { t->window.push_back(n); }, &t));
    Ptr<LhpBulkTransfer> bulk =
        Create<LhpBulkTransfer>(s.client, s.server, s.ServerAddress(), 400000, 3);
    bulk->Start(MilliSeconds(1));
    Simulator::Schedule(Seconds(1), [&]() { s.client->Close(t.handle); });
    Simulator::Stop(Seconds(3));
    Simulator::Run();

    ASSERT_TRUE(bulk->GetResult().complete);
    EXPECT_TRUE(bulk->GetResult().intact);
    ASSERT_GE(t.states.size(), 3u);
    EXPECT_EQ(t.states[0], std::make_pair(resoa::LhpState::Idle, resoa::LhpState::Connecting));
    EXPECT_EQ(t.states[1], std::make_pair(resoa::LhpState::Connecting, resoa::LhpState::Open));
    EXPECT_EQ(t.states.back().second, resoa::LhpState::Closed);
    // 2 x 2 ms propagation plus frame times, queueing and the delayed ack (3 ms).
    ASSERT_GE(t.srtt.size(), 5u);
    for (Time v : t.srtt)
    {
        EXPECT_GE(v, MilliSeconds(4));
        EXPECT_LE(v, MilliSeconds(20));
    }
    ASSERT_FALSE(t.rto.empty());
    resoa::LhpConfig c = s.client->GetConfig();
    for (Time v : t.rto)
    {
        EXPECT_GE(v, NanoSeconds(c.minRto.count()));
        EXPECT_LE(v, NanoSeconds(c.maxRto.count()));
    }
    EXPECT_EQ(t.rto.front(), NanoSeconds(c.initialRto.count())) << "first report: the initial RTO";
    EXPECT_GE(t.rto.back(), t.srtt.back());
    EXPECT_GT(t.maxFrames, 8u);
    EXPECT_LE(t.maxFrames, 33u);
    ASSERT_FALSE(t.window.empty());
    EXPECT_EQ(t.window.front(), 32u);
}

// A device queue of 3 frames on a 10 Mbit/s link: LHP stops when the queue stops and resumes
// from its wake callback. No frame is lost to the queue, so nothing is retransmitted.
TEST(LhpDriver, FullDeviceQueueWakesTheProtocol)
{
    SimplePair s("10Mbps", MilliSeconds(1), "3p");
    ASSERT_NE(s.devs.Get(0)->GetObject<NetDeviceQueueInterface>(), nullptr)
        << "the device must offer the queue interface for this test";
    // At 10 Mbit/s a frame takes 1.2 ms: the first window's RTT (queue, 3 ms delayed ack)
    // outruns the 5 ms MinRto tuned for paced 54 Mbit/s Wi-Fi before the estimate catches
    // up, and one spurious retransmission would hide a real loss here.
    s.client->SetAttribute("MinRto", TimeValue(MilliSeconds(20)));
    uint32_t queueDrops = 0;
    Ptr<Queue<Packet>> queue = DynamicCast<SimpleNetDevice>(s.devs.Get(0))->GetQueue();
    queue->TraceConnectWithoutContext(
        "Drop",
        MakeBoundCallback(
            +[](uint32_t* n, Ptr<const Packet>) { ++*n; }, &queueDrops));
    Ptr<LhpBulkTransfer> bulk =
        Create<LhpBulkTransfer>(s.client, s.server, s.ServerAddress(), 500000, 4);
    bulk->SetStopWhenDone(true);
    bulk->Start(MilliSeconds(1));
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    LhpBulkTransfer::Result r = bulk->GetResult();
    ASSERT_TRUE(r.complete);
    EXPECT_TRUE(r.intact);
    EXPECT_GT(s.client->GetDeviceStalls(), 10u) << "the queue must have filled";
    EXPECT_EQ(queueDrops, 0u);
    EXPECT_EQ(s.client->GetTotalStats().retransmissions, 0u);
    EXPECT_EQ(queue->GetMaxSize().GetValue(), 3u);
    // Close to the link's 10 Mbit/s: waking is immediate, not a polling interval.
    EXPECT_GT(r.goodputMbps, 9.0);
}

TEST(LhpDriver, AdmissionCapRefusesAConnectionPerPeer)
{
    CsmaPair s;
    s.server->SetAttribute("MaxConnectionsPerPeer", UintegerValue(2));
    s.client->SetAttribute("ConnectRetries", UintegerValue(3));
    std::vector<std::pair<Handle, LhpProtocol::ConnectionEvent>> events;
    s.client->SetConnectionCallback(
        ConnCb([&](Handle h, LhpProtocol::ConnectionEvent ev, const Address&)
               { events.emplace_back(h, ev); }));
    std::vector<std::string> reasons;
    s.server->TraceConnectWithoutContext(
        "Drop",
        MakeBoundCallback(
            +[](std::vector<std::string>* out, Ptr<const Packet>, std::string why)
            { out->push_back(why); },
            &reasons));
    std::vector<Handle> hs;
    Simulator::Schedule(MilliSeconds(1),
                        [&]()
                        {
                            for (int i = 0; i < 3; ++i)
                            {
                                hs.push_back(s.client->Connect(s.ServerAddress()));
                            }
                        });
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    ASSERT_EQ(hs.size(), 3u);
    EXPECT_EQ(
        std::count(events.begin(), events.end(), std::make_pair(hs[0], LhpProtocol::CONNECTION_UP)),
        1);
    EXPECT_EQ(
        std::count(events.begin(), events.end(), std::make_pair(hs[1], LhpProtocol::CONNECTION_UP)),
        1);
    EXPECT_EQ(std::count(events.begin(),
                         events.end(),
                         std::make_pair(hs[2], LhpProtocol::CONNECTION_DEAD)),
              1);
    resoa::LhpEndpointStats st = s.server->GetEndpointStats();
    EXPECT_EQ(st.refusedPerPeerCap, 3u);
    EXPECT_EQ(st.accepted, 2u);
    EXPECT_EQ(std::count(reasons.begin(), reasons.end(), "admission refused"), 3);
    EXPECT_EQ(s.server->GetEndpoint().GetLinkCount(), 2u);
}

TEST(LhpDriver, AttributesBoundTheWindowAndDefaultFromTheCore)
{
    Ptr<LhpProtocol> p = CreateObject<LhpProtocol>();
    resoa::LhpEndpointConfig d;
    UintegerValue u;
    p->GetAttribute("MaxConnectionsPerPeer", u);
    EXPECT_EQ(u.Get(), d.maxConnectionsPerPeer);
    p->GetAttribute("MaxConnections", u);
    EXPECT_EQ(u.Get(), d.maxConnections);
    TimeValue linger;
    p->GetAttribute("Linger", linger);
    EXPECT_EQ(linger.Get(), NanoSeconds(d.linger.count()));
    EXPECT_TRUE(p->SetAttributeFailSafe("Window", UintegerValue(resoa::kLhpMaxWindow)));
    EXPECT_FALSE(p->SetAttributeFailSafe("Window", UintegerValue(4096)));
    EXPECT_EQ(p->GetConfig().window, resoa::kLhpMaxWindow);
    p->SetAttribute("Linger", TimeValue(Seconds(1)));
    EXPECT_EQ(p->GetEndpoint().GetConfig().EffectiveLinger(), std::chrono::seconds(1));
    p->Dispose();
}

} // namespace
