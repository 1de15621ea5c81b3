/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ./resoa bench lhp: LHP goodput against saturated UDP on the same 802.11a PHY.
 *
 * For each frame-loss level it runs, in this process and with the same seed:
 *   - saturated UDP (OnOff at 60 Mbit/s, 1472-byte datagrams = 1500-byte IP packets) STA->AP;
 *   - an unbounded LHP reliable-channel stream STA->AP (1476-byte SDUs = 1500-byte frames);
 * and measures delivered payload over the same window. UDP is the ceiling: it gets every
 * frame the MAC delivers, with no acks of its own and no retransmission above the MAC.
 * Prints LHP / UDP at the same loss and LHP / lossless UDP. Figures only; never fails.
 */
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/lhp-bulk-transfer.h"
#include "ns3/lhp-helper.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/network-module.h"

#include <iomanip>
#include <iostream>
#include <sstream>
#include <vector>

using namespace ns3;

namespace
{

struct Setup
{
    double frameLoss;
    uint32_t macRetries;
    double warmup;
    double duration;
    uint32_t seed;
    uint32_t run;
};

NetDeviceContainer
BuildWifi(const Setup& s, NodeContainer& nodes)
{
    RngSeedManager::SetSeed(s.seed);
    RngSeedManager::SetRun(s.run);
    nodes.Create(2);
    LossyWifiHelper wifi;
    wifi.SetFrameLoss(s.frameLoss);
    wifi.SetMacRetries(s.macRetries);
    NetDeviceContainer devices = wifi.Install(nodes.Get(0), NodeContainer(nodes.Get(1)));
    wifi.AssignStreams(devices, 10);
    return devices;
}

double
UdpGoodputMbps(const Setup& s)
{
    NodeContainer nodes;
    NetDeviceContainer devices = BuildWifi(s, nodes);
    InternetStackHelper stack;
    stack.Install(nodes);
    Ipv4AddressHelper addr("10.1.0.0", "255.255.255.0");
    Ipv4InterfaceContainer ifs = addr.Assign(devices);

    uint16_t port = 9;
    PacketSinkHelper sinkHelper("ns3::UdpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), port));
    ApplicationContainer sinkApp = sinkHelper.Install(nodes.Get(0));
    OnOffHelper onoff("ns3::UdpSocketFactory", InetSocketAddress(ifs.GetAddress(0), port));
    onoff.SetConstantRate(DataRate("60Mbps"), 1472);
    ApplicationContainer src = onoff.Install(nodes.Get(1));
    src.Start(Seconds(0.5));

    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkApp.Get(0));
    uint64_t atStart = 0;
    Simulator::Schedule(Seconds(s.warmup), [&]() { atStart = sink->GetTotalRx(); });
    Simulator::Stop(Seconds(s.warmup + s.duration));
    Simulator::Run();
    double mbps = (sink->GetTotalRx() - atStart) * 8.0 / s.duration / 1e6;
    Simulator::Destroy();
    return mbps;
}

struct LhpFigures
{
    double mbps;
    bool intact;
    uint64_t retransmissions;
    uint64_t dataFrames;
    uint64_t acks;
};

LhpFigures
LhpGoodput(const Setup& s)
{
    NodeContainer nodes;
    NetDeviceContainer devices = BuildWifi(s, nodes);
    LhpHelper lhp;
    Ptr<LhpProtocol> server = lhp.Install(devices.Get(0));
    Ptr<LhpProtocol> client = lhp.Install(devices.Get(1));
    Ptr<LhpBulkTransfer> t =
        Create<LhpBulkTransfer>(client, server, devices.Get(0)->GetAddress(), 0, 77);
    t->Start(Seconds(0.5));
    uint64_t atStart = 0;
    Simulator::Schedule(Seconds(s.warmup), [&]() { atStart = t->GetResult().bytesDelivered; });
    Simulator::Stop(Seconds(s.warmup + s.duration));
    Simulator::Run();
    LhpBulkTransfer::Result r = t->GetResult();
    resoa::LhpStats tx = client->GetTotalStats();
    resoa::LhpStats rx = server->GetTotalStats();
    LhpFigures f{(r.bytesDelivered - atStart) * 8.0 / s.duration / 1e6,
                 r.intact,
                 tx.retransmissions,
                 tx.dataFramesSent,
                 rx.acksSent};
    Simulator::Destroy();
    return f;
}

std::vector<double>
ParseList(const std::string& text)
{
    std::vector<double> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
    {
        double v = std::stod(item);
        if (v < 0 || v >= 1)
        {
            throw std::invalid_argument("loss " + item + " not in [0, 1)");
        }
        out.push_back(v);
    }
    return out;
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string losses = "0,0.1,0.3";
    Setup s{0, 7, 1.0, 5.0, 1, 1};
    CommandLine cmd(__FILE__);
    cmd.AddValue("losses", "comma-separated i.i.d. frame loss levels", losses);
    cmd.AddValue("macRetries", "802.11 MAC retry limit", s.macRetries);
    cmd.AddValue("duration", "measured seconds per run (after a 1 s warm-up)", s.duration);
    cmd.AddValue("seed", "RngSeedManager seed", s.seed);
    cmd.AddValue("run", "RngSeedManager run", s.run);
    cmd.Parse(argc, argv);
    std::vector<double> levels;
    try
    {
        levels = ParseList(losses);
    }
    catch (const std::exception& e)
    {
        std::cerr << "error: --losses: " << e.what() << "\n";
        return 2;
    }
    if (s.duration <= 0)
    {
        std::cerr << "error: --duration must be positive\n";
        return 2;
    }

    Setup clean = s;
    clean.frameLoss = 0;
    double udpClean = UdpGoodputMbps(clean);
    std::cout << std::fixed << std::setprecision(2);
    std::cout << "802.11a 54/24 Mbit/s, MAC retry limit " << s.macRetries << ", " << s.duration
              << " s measured, seed " << s.seed << " run " << s.run << "\n";
    std::cout << "loss  udp_Mbps  lhp_Mbps  lhp/udp  lhp/udp_clean  lhp_retx  data_frames  "
                 "acks  intact\n";
    for (double loss : levels)
    {
        Setup x = s;
        x.frameLoss = loss;
        double udp = loss == 0 ? udpClean : UdpGoodputMbps(x);
        LhpFigures lhp = LhpGoodput(x);
        std::cout << std::setw(4) << loss << "  " << std::setw(8) << udp << "  " << std::setw(8)
                  << lhp.mbps << "  " << std::setw(7) << lhp.mbps / udp << "  " << std::setw(13)
                  << lhp.mbps / udpClean << "  " << std::setw(8) << lhp.retransmissions << "  "
                  << std::setw(11) << lhp.dataFrames << "  " << std::setw(4) << lhp.acks << "  "
                  << (lhp.intact ? "yes" : "NO") << "\n";
    }
    return 0;
}
