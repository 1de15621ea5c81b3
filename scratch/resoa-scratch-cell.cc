/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Your own applications in the comparison topology: a multi-rate cell of stations at several
 * distances (Nakagami fading, Minstrel), each running an unmodified OnOffApplication that
 * uploads over TCP to a PacketSink on the Internet host, under ReSoA, NAT or routed TCP.
 * Prints each station's goodput over the measured window, the total and Jain's index.
 *
 *   ./resoa build && build/scratch/resoa-scratch-cell --system=resoa --distances=5,15,25,35,45
 *
 * Swap OnOff for any ns-3 application: on a pure ReSoA station, ns3::TcpSocketFactory and
 * ns3::UdpSocketFactory are ReSoA's, so nothing in the application changes.
 */

#include "ns3/applications-module.h"
#include "ns3/comparison-topology-helper.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"

#include <iomanip>
#include <iostream>
#include <sstream>

using namespace ns3;

namespace
{

std::vector<double>
ParseDistances(const std::string& text)
{
    std::vector<double> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
    {
        char* end = nullptr;
        double d = std::strtod(item.c_str(), &end);
        if (item.empty() || *end != '\0' || d <= 0 || d > 1000)
        {
            return {};
        }
        out.push_back(d);
    }
    return out;
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string system = "resoa";
    std::string distances = "5,15,25,35,45";
    std::string rate = "8Mbps";
    double warmup = 2;
    double duration = 30;
    uint32_t seed = 1;
    uint32_t run = 1;
    CommandLine cmd(__FILE__);
    cmd.AddValue("system", "resoa, nat or tcp", system);
    cmd.AddValue(
        "distances", "one station per distance from the AP (m), comma-separated", distances);
    cmd.AddValue("rate", "each station's OnOff sending rate", rate);
    cmd.AddValue("warmup", "seconds of traffic before the measured window", warmup);
    cmd.AddValue("duration", "seconds measured", duration);
    cmd.AddValue("seed", "RngSeedManager seed", seed);
    cmd.AddValue("run", "RngSeedManager run", run);
    cmd.Parse(argc, argv);
    std::vector<double> meters = ParseDistances(distances);
    if (system != "resoa" && system != "nat" && system != "tcp")
    {
        std::cerr << "--system must be resoa, nat or tcp, got '" << system << "'\n";
        return 2;
    }
    if (meters.empty())
    {
        std::cerr << "--distances must list distances in (0, 1000] m, got '" << distances << "'\n";
        return 2;
    }
    if (warmup < 0 || duration <= 0)
    {
        std::cerr << "--warmup must be >= 0 and --duration > 0\n";
        return 2;
    }
    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);
    // Linux-like TCP everywhere (40 ms delayed ACKs, RTO = SRTT + max(200 ms, 4 RTTVAR)).
    Config::SetDefault("ns3::TcpL4Protocol::SocketType", StringValue("ns3::TcpCubic"));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(200)));
    Config::SetDefault("ns3::TcpSocketBase::ClockGranularity", TimeValue(MilliSeconds(200)));
    Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(MilliSeconds(40)));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(2 << 20));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(2 << 20));

    ComparisonTopologyHelper helper;
    helper.SetSystem(system);
    helper.Access().SetStationDistances(meters);
    helper.Access().SetLinkDelay(MilliSeconds(50));
    ComparisonTopology t = helper.Build();

    const Time start = Seconds(1);
    std::vector<Ptr<PacketSink>> sinks;
    for (uint32_t i = 0; i < t.net.stas.GetN(); ++i)
    {
        uint16_t port = 5000 + i;
        PacketSinkHelper sink("ns3::TcpSocketFactory",
                              InetSocketAddress(Ipv4Address::GetAny(), port));
        sinks.push_back(DynamicCast<PacketSink>(sink.Install(t.net.host).Get(0)));
        OnOffHelper onoff("ns3::TcpSocketFactory", InetSocketAddress(t.net.hostAddress, port));
        onoff.SetConstantRate(DataRate(rate), 1448);
        onoff.Install(t.net.stas.Get(i)).Start(start);
    }
    std::vector<uint64_t> atWarm(sinks.size());
    Simulator::Schedule(start + Seconds(warmup),
                        [&]()
                        {
                            for (std::size_t i = 0; i < sinks.size(); ++i)
                            {
                                atWarm[i] = sinks[i]->GetTotalRx();
                            }
                        });
    Simulator::Stop(start + Seconds(warmup + duration));
    Simulator::Run();

    double total = 0;
    double sum = 0;
    double squares = 0;
    std::cout << "system " << system << ", seed " << seed << ", run " << run << ", " << duration
              << " s measured\n";
    for (std::size_t i = 0; i < sinks.size(); ++i)
    {
        double mbps = (sinks[i]->GetTotalRx() - atWarm[i]) * 8.0 / duration / 1e6;
        total += mbps;
        sum += mbps;
        squares += mbps * mbps;
        std::ostringstream line;
        line << "  station " << i << " at " << meters[i] << " m: " << std::fixed
             << std::setprecision(2) << mbps << " Mbit/s";
        std::cout << line.str() << "\n";
    }
    double jain = squares > 0 ? sum * sum / (sinks.size() * squares) : 0;
    std::cout << std::fixed << std::setprecision(2) << "  total " << total << " Mbit/s, Jain "
              << std::setprecision(3) << jain << "\n";
    Simulator::Destroy();
    return 0;
}
