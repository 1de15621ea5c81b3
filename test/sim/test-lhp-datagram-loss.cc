/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Issue 11.3: datagram loss over LHP's semi-reliable channel is never worse than plain UDP's
 * on the same channel. A station 45 m from the AP (log-distance + Nakagami fading, Minstrel)
 * sends 1000-byte datagrams at 2 Mbit/s for 10 s, once as UDP over IP (the MAC's retries
 * only) and once over LHP (the MAC's retries plus LHP's, within the deadline), with the same
 * seed and run. Measured: UDP 17.1 % / 6.2 % (runs 1 / 2), LHP 7.2 % / 1.1 %; with issue
 * 11's driver and deadline mechanisms off (DeviceQueueLimit 0: a window waits in the Wi-Fi
 * queue and the deadline counts there; a fixed 200 ms deadline; the device's retry limit)
 * LHP lost 16.6 % / 74 %, so this test fails without them.
 */
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/lhp-helper.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/network-module.h"
#include "ns3/wifi-module.h"

#include <gtest/gtest.h>

#include <vector>

using namespace ns3;

namespace
{

const Time kStart = Seconds(1);
const Time kSending = Seconds(10);
const uint32_t kSize = 1000;
const Time kInterval = MicroSeconds(4000); // 2 Mbit/s

NetDeviceContainer
BuildCell(NodeContainer& nodes, uint32_t run)
{
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(run);
    nodes.Create(2);
    LossyWifiHelper wifi;
    wifi.SetDistance(45, true, true);
    NetDeviceContainer devices = wifi.Install(nodes.Get(0), NodeContainer(nodes.Get(1)));
    wifi.AssignStreams(devices, 10);
    return devices;
}

/// Fraction of datagrams plain UDP lost.
double
UdpLoss(uint32_t run)
{
    NodeContainer nodes;
    NetDeviceContainer devices = BuildCell(nodes, run);
    InternetStackHelper stack;
    stack.Install(nodes);
    Ipv4AddressHelper addr("10.1.0.0", "255.255.255.0");
    Ipv4InterfaceContainer ifs = addr.Assign(devices);
    PacketSinkHelper sinkHelper("ns3::UdpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 9));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(nodes.Get(0)).Get(0));
    Ptr<Socket> socket = Socket::CreateSocket(nodes.Get(1), UdpSocketFactory::GetTypeId());
    socket->Connect(InetSocketAddress(ifs.GetAddress(0), 9));
    // Static ARP just before the traffic (the cache is flushed at association).
    Simulator::Schedule(kStart - MilliSeconds(50),
                        []() { NeighborCacheHelper().PopulateNeighborCache(); });
    uint32_t sent = 0;
    for (Time t = kStart; t < kStart + kSending; t += kInterval)
    {
        Simulator::Schedule(t,
                            [socket, &sent]()
                            {
                                socket->Send(Create<Packet>(kSize));
                                sent++;
                            });
    }
    Simulator::Stop(kStart + kSending + Seconds(2));
    Simulator::Run();
    double loss = 1.0 - static_cast<double>(sink->GetTotalRx() / kSize) / sent;
    Simulator::Destroy();
    return loss;
}

/// Fraction of datagrams LHP's semi-reliable channel lost (refused by Send counts as lost).
double
LhpLoss(uint32_t run, bool issue11)
{
    NodeContainer nodes;
    NetDeviceContainer devices = BuildCell(nodes, run);
    LhpHelper lhp;
    if (!issue11)
    {
        lhp.SetAttribute("DeviceQueueLimit", UintegerValue(0));
        lhp.SetAttribute("AdaptiveDeadline", BooleanValue(false));
        lhp.SetAttribute("MacRetryControl", BooleanValue(false));
    }
    lhp.SetAttribute("AcceptIncoming", BooleanValue(true));
    Ptr<LhpProtocol> server = lhp.Install(devices.Get(0));
    lhp.SetAttribute("AcceptIncoming", BooleanValue(false));
    Ptr<LhpProtocol> client = lhp.Install(devices.Get(1));
    uint32_t received = 0;
    server->SetReceiveCallback(LhpProtocol::ReceiveCallback(
        [&received](LhpProtocol::Handle, resoa::LhpChannel ch, Ptr<Packet>)
        {
            if (ch == resoa::LhpChannel::SemiReliable)
            {
                received++;
            }
        }));
    LhpProtocol::Handle h = 0;
    Simulator::Schedule(kStart - MilliSeconds(500),
                        [&]() { h = client->Connect(devices.Get(0)->GetAddress()); });
    uint32_t sent = 0;
    for (Time t = kStart; t < kStart + kSending; t += kInterval)
    {
        Simulator::Schedule(
            t,
            [&]()
            {
                client->Send(h, resoa::LhpChannel::SemiReliable, std::vector<uint8_t>(kSize, 7));
                sent++;
            });
    }
    Simulator::Stop(kStart + kSending + Seconds(2));
    Simulator::Run();
    double loss = 1.0 - static_cast<double>(received) / sent;
    Simulator::Destroy();
    return loss;
}

TEST(LhpDatagramLoss, NeverWorseThanPlainUdpAt45mMinstrel)
{
    for (uint32_t run = 1; run <= 2; ++run)
    {
        double udp = UdpLoss(run);
        double lhp = LhpLoss(run, true);
        EXPECT_GT(udp, 0.0) << "run " << run << ": the channel must lose datagrams";
        EXPECT_LE(lhp, udp) << "run " << run << ": LHP " << lhp << ", UDP " << udp;
    }
}

TEST(LhpDatagramLoss, WithoutTheIssue11MechanismsLhpLostMore)
{
    // Shows that the test above can fail: run 2 with the mechanisms off.
    double udp = UdpLoss(2);
    double before = LhpLoss(2, false);
    EXPECT_GT(before, udp) << "LHP " << before << ", UDP " << udp;
}

} // namespace
