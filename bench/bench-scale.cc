/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * One run of ./resoa bench scale (bench/scale/bench-scale.py runs the matrix): N stations on
 * one AP, every one uploading over ReSoA or plain TCP for --duration simulated seconds, built
 * with ComparisonTopologyHelper. Prints one line of key=value figures: wall seconds, events
 * executed and per wall second, peak RSS of this process, delivered goodput. One run per
 * process, so the peak RSS is this scenario's.
 *
 * Traffic: "bulk" = a saturated BulkSend per station; "web" = an OnOff per station over TCP
 * with exponential on (mean 0.5 s at 2 Mbit/s) and off (mean 2 s) periods, i.e. bursts of
 * about 125 kB.
 */
#include "ns3/applications-module.h"
#include "ns3/comparison-topology-helper.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"

#include "harness/command-line-checks.h"
#include <sys/resource.h>

#include <chrono>
#include <iostream>

using namespace ns3;
using namespace ns3::cli;

int
main(int argc, char* argv[])
{
    std::string system = "resoa";
    std::string flows = "bulk";
    std::string stationsText = "10";
    std::string durationText = "29";
    std::string runText = "1";
    CommandLine cmd(__FILE__);
    cmd.AddValue("system", "resoa | tcp", system);
    cmd.AddValue("flows", "bulk | web", flows);
    cmd.AddValue("stations", "stations on the AP (1..1000)", stationsText);
    cmd.AddValue("duration", "seconds of traffic after the 1-s start (1..3600)", durationText);
    cmd.AddValue("run", "RngSeedManager run", runText);
    if (!RequireValues(argc, argv))
    {
        return 2;
    }
    cmd.Parse(argc, argv);
    uint64_t stations = 0;
    uint64_t duration = 0;
    uint64_t run = 0;
    if (!ParseUnsigned("stations", stationsText, 1, 1000, stations) ||
        !ParseUnsigned("duration", durationText, 1, 3600, duration) ||
        !ParseUnsigned("run", runText, 1, 1u << 30, run))
    {
        return 2;
    }
    if (system != "resoa" && system != "tcp")
    {
        std::cerr << "--system must be resoa or tcp, got '" << system << "'\n";
        return 2;
    }
    if (flows != "bulk" && flows != "web")
    {
        std::cerr << "--flows must be bulk or web, got '" << flows << "'\n";
        return 2;
    }
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(run);
    const auto wallStart = std::chrono::steady_clock::now();

    ComparisonTopologyHelper helper;
    helper.SetSystem(system);
    helper.Access().SetStaCount(stations);
    helper.Access().SetLinkDelay(MilliSeconds(10));
    ComparisonTopology t = helper.Build();
    const Time start = Seconds(1);
    std::vector<Ptr<PacketSink>> sinks;
    for (uint32_t i = 0; i < stations; ++i)
    {
        const uint16_t port = 10000 + i;
        PacketSinkHelper sink("ns3::TcpSocketFactory",
                              InetSocketAddress(Ipv4Address::GetAny(), port));
        sinks.push_back(DynamicCast<PacketSink>(sink.Install(t.net.host).Get(0)));
        const InetSocketAddress to(t.net.hostAddress, port);
        ApplicationContainer app;
        if (flows == "bulk")
        {
            BulkSendHelper bulk("ns3::TcpSocketFactory", to);
            bulk.SetAttribute("SendSize", UintegerValue(1448));
            app = bulk.Install(t.net.stas.Get(i));
        }
        else
        {
            OnOffHelper onoff("ns3::TcpSocketFactory", to);
            onoff.SetConstantRate(DataRate("2Mbps"), 1448);
            onoff.SetAttribute("OnTime", StringValue("ns3::ExponentialRandomVariable[Mean=0.5]"));
            onoff.SetAttribute("OffTime", StringValue("ns3::ExponentialRandomVariable[Mean=2]"));
            app = onoff.Install(t.net.stas.Get(i));
        }
        // Spread the starts over 100 ms, as real stations would not start in one instant.
        app.Start(start + MicroSeconds(100000 * i / stations));
    }
    Simulator::Stop(start + Seconds(duration));
    const auto runStart = std::chrono::steady_clock::now();
    Simulator::Run();
    const double runWall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - runStart).count();
    const uint64_t events = Simulator::GetEventCount();
    uint64_t bytes = 0;
    uint32_t active = 0;
    for (const auto& s : sinks)
    {
        bytes += s->GetTotalRx();
        active += s->GetTotalRx() > 0 ? 1 : 0;
    }
    uint32_t registered = 0;
    for (const auto& c : t.clients)
    {
        registered += c->IsRegistered() ? 1 : 0;
    }
    Simulator::Destroy();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::cout << "system=" << system << " flows=" << flows << " stations=" << stations
              << " duration_s=" << duration << " run=" << run << " wall_s=" << wall
              << " run_wall_s=" << runWall << " events=" << events
              << " events_per_s=" << (runWall > 0 ? events / runWall : 0)
              << " peak_rss_kib=" << ru.ru_maxrss
              << " goodput_mbps=" << bytes * 8.0 / duration / 1e6
              << " stations_delivering=" << active << " clients_registered=" << registered << "\n";
    return 0;
}
