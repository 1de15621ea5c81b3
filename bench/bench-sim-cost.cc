/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ./resoa bench sim-cost: what simulating ReSoA costs compared with plain TCP.
 *
 * The same bulk upload (one STA, --bytes over a clean 802.11a hop, then 100 Mbit/s with 10 ms
 * one way, i.e. 20 ms RTT, to the host) is simulated
 *   - over ReSoA: a pure-ReSoA STA, the AP as ReSoA server, BulkSend on the STA;
 *   - over plain TCP: the STA with its own Internet stack, BulkSend straight to the host;
 * each --reps times in this process, alternating, with the same seed (Simulator::Destroy in
 * between). Each simulation stops when the last byte reaches the sink. Prints simulated
 * goodput, events executed and wall seconds per run, the medians and the ReSoA / TCP ratios.
 * Figures only; never fails on them.
 */
#include "ns3/resoa-helper.h"

#include "ns3/access-network-helper.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include "harness/command-line-checks.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <vector>

using namespace ns3;
using namespace ns3::cli;

namespace
{

struct Setup
{
    uint64_t bytes = 5000000;
    uint32_t sendSize = 1448;
    uint32_t seed = 1;
    uint64_t run = 1;
};

struct Figures
{
    double goodputMbps = 0;
    uint64_t delivered = 0;
    uint64_t events = 0;
    double runSeconds = 0;   //!< wall time of Simulator::Run
    double totalSeconds = 0; //!< wall time of build + run + destroy
};

void
StopWhenDone(std::pair<Ptr<PacketSink>, std::pair<uint64_t, Time*>> st,
             Ptr<const Packet>,
             const Address&)
{
    if (st.first->GetTotalRx() >= st.second.first && st.second.second->IsZero())
    {
        *st.second.second = Simulator::Now();
        Simulator::Stop();
    }
}

Figures
RunOnce(bool resoa, const Setup& s)
{
    using Clock = std::chrono::steady_clock;
    const Clock::time_point t0 = Clock::now();
    RngSeedManager::SetSeed(s.seed);
    RngSeedManager::SetRun(s.run);

    AccessNetworkHelper access; // clean 802.11a, 100 Mbit/s, 10 ms one way
    access.SetStaInternet(!resoa);
    AccessNetwork net = access.Build();
    // Fixed streams for the stacks too (ARP jitter and the like): otherwise each run in this
    // process draws fresh automatic streams and the repetitions differ.
    NodeContainer ipNodes(net.ap, net.host);
    if (!resoa)
    {
        ipNodes.Add(net.stas);
    }
    InternetStackHelper().AssignStreams(ipNodes, 1000);
    if (resoa)
    {
        ResoaHelper helper;
        Ptr<ResoaServer> server = helper.InstallServer(net.ap, NetDeviceContainer(net.wifi.Get(0)));
        Ptr<ResoaClient> client =
            helper.InstallClient(net.wifi.Get(1), net.wifi.Get(0)->GetAddress(), Seconds(0.1));
        server->GetLhps()[0]->AssignStreams(2000);
        client->GetLhp()->AssignStreams(2001);
    }

    const uint16_t port = 9;
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), port));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(net.host).Get(0));
    Time doneAt;
    sink->TraceConnectWithoutContext(
        "Rx",
        MakeBoundCallback(&StopWhenDone, std::make_pair(sink, std::make_pair(s.bytes, &doneAt))));
    const Time start = Seconds(1);
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(net.hostAddress, port));
    bulk.SetAttribute("MaxBytes", UintegerValue(s.bytes));
    bulk.SetAttribute("SendSize", UintegerValue(s.sendSize));
    bulk.Install(net.stas.Get(0)).Start(start);

    Simulator::Stop(Seconds(600)); // a safety net; the sink stops the run
    const Clock::time_point t1 = Clock::now();
    Simulator::Run();
    const Clock::time_point t2 = Clock::now();

    Figures f;
    f.delivered = sink->GetTotalRx();
    const Time end = doneAt.IsZero() ? Simulator::Now() : doneAt;
    f.goodputMbps = end > start ? f.delivered * 8.0 / (end - start).GetSeconds() / 1e6 : 0;
    f.events = Simulator::GetEventCount();
    Simulator::Destroy();
    f.runSeconds = std::chrono::duration<double>(t2 - t1).count();
    f.totalSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return f;
}

double
Median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string bytesArg = "5000000";
    std::string repsArg = "3";
    std::string sendSizeArg = "1448";
    std::string seedArg = "1";
    std::string runArg = "1";
    CommandLine cmd(__FILE__);
    cmd.AddValue("bytes", "bytes uploaded per run", bytesArg);
    cmd.AddValue("reps", "runs per system (median reported)", repsArg);
    cmd.AddValue("sendSize", "BulkSend SendSize (bytes per Send call)", sendSizeArg);
    cmd.AddValue("seed", "RngSeedManager seed, >= 1", seedArg);
    cmd.AddValue("run", "RngSeedManager run number", runArg);
    cmd.Parse(argc, argv);

    Setup s;
    uint64_t reps = 0;
    uint64_t sendSize = 0;
    uint64_t seed = 0;
    if (!ParseUnsigned("bytes", bytesArg, 1, 10000000000ULL, s.bytes) ||
        !ParseUnsigned("reps", repsArg, 1, 100, reps) ||
        !ParseUnsigned("sendSize", sendSizeArg, 1, 1000000, sendSize) ||
        !ParseUnsigned("seed", seedArg, 1, UINT32_MAX, seed) ||
        !ParseUnsigned("run", runArg, 0, UINT64_MAX, s.run))
    {
        return 2;
    }
    s.sendSize = sendSize;
    s.seed = seed;
    // Both systems' TCP (the ReSoA server's, or the STA's) with Ethernet-sized segments.
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));

    std::cout << "sim-cost: 1 STA uploads " << s.bytes << " B, clean 802.11a 54/24 Mbit/s, "
              << "100 Mbit/s p2p, RTT 20 ms, MSS 1448, BulkSend SendSize " << s.sendSize
              << ", seed " << s.seed << " run " << s.run << ", " << reps << " reps\n";
    std::cout << "system  rep  delivered  goodput_Mbps     events  run_wall_s  total_wall_s  "
                 "Mevents/s\n";
    std::cout << std::fixed;
    std::vector<double> wall[2];
    std::vector<double> total[2];
    std::vector<double> events[2];
    std::vector<double> goodput[2];
    const char* names[2] = {"resoa", "tcp"};
    for (uint64_t rep = 1; rep <= reps; ++rep)
    {
        for (int sys = 0; sys < 2; ++sys) // alternate, so drift hits both alike
        {
            Figures f = RunOnce(sys == 0, s);
            wall[sys].push_back(f.runSeconds);
            total[sys].push_back(f.totalSeconds);
            events[sys].push_back(static_cast<double>(f.events));
            goodput[sys].push_back(f.goodputMbps);
            std::cout << std::left << std::setw(6) << names[sys] << std::right << "  "
                      << std::setw(3) << rep << "  " << std::setw(9) << f.delivered << "  "
                      << std::setprecision(2) << std::setw(12) << f.goodputMbps << "  "
                      << std::setw(9) << f.events << "  " << std::setprecision(3) << std::setw(10)
                      << f.runSeconds << "  " << std::setw(12) << f.totalSeconds << "  "
                      << std::setprecision(2) << std::setw(9)
                      << (f.runSeconds > 0 ? f.events / f.runSeconds / 1e6 : 0)
                      << (f.delivered < s.bytes ? "  (incomplete)" : "") << "\n";
        }
    }
    std::cout << "\nmedian  goodput_Mbps     events  run_wall_s  total_wall_s\n";
    for (int sys = 0; sys < 2; ++sys)
    {
        std::cout << std::left << std::setw(6) << names[sys] << std::right << "  "
                  << std::setprecision(2) << std::setw(12) << Median(goodput[sys]) << "  "
                  << std::setprecision(0) << std::setw(9) << Median(events[sys]) << "  "
                  << std::setprecision(3) << std::setw(10) << Median(wall[sys]) << "  "
                  << std::setw(12) << Median(total[sys]) << "\n";
    }
    const double tcpWall = Median(wall[1]);
    const double tcpEvents = Median(events[1]);
    std::cout << std::setprecision(2) << "ratio resoa/tcp: run wall time "
              << (tcpWall > 0 ? Median(wall[0]) / tcpWall : 0) << ", events "
              << (tcpEvents > 0 ? Median(events[0]) / tcpEvents : 0) << "\n";
    return 0;
}
