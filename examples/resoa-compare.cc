/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * One run of the comparison ReSoA vs NAT vs plain TCP (and the saturated-UDP limit) over a
 * lossy 802.11a hop, on the same topology for every system:
 *
 *   STAs ))) 802.11a (54/24 Mbit/s, loss) ((( AP/router --- p2p (rate, rtt/2) --- host
 *
 * Appends one CSV row (every parameter, then the results) to --csv; the columns are
 * documented in docs/compare-csv.md. analysis/sweep.py runs it over parameter grids.
 *
 *   ./build/examples/resoa-compare --system=resoa --frameLoss=0.3 --macRetries=2 --csv=out.csv
 */
#include "ns3/core-module.h"

#include "harness/compare-scenario.h"

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>

using namespace ns3;

namespace
{

const char* kHeader =
    "system,direction,flows,clients,frame_loss,burst_bad_ms,burst_good_ms,mac_retries,rtt_ms,"
    "link_rate,tcp,min_rto_ms,bytes,duration_s,seed,run,goodput_mbps,per_client_mbps,jain,"
    "flows_done,fct_mean_s,fct_p50_s,fct_p95_s,fcts,mac_retx,lhp_retx,tcp_retx,frames_per_kb,"
    "outage_s,deassoc,sim_wall_s,warmup_s,distance_m,clock_granularity_ms,del_ack_ms,init_cwnd,"
    "sack,tcp_cc,server_tcp,fade_timeline,loss_frames,distances_m,limit_retries,limit_same_mbps,"
    "fades,airtime_share,sim_cpu_s";

std::string
Joined(const std::vector<double>& v, int precision)
{
    std::ostringstream os;
    os << std::setprecision(precision);
    for (size_t i = 0; i < v.size(); ++i)
    {
        os << (i ? " " : "") << v[i];
    }
    return os.str();
}

double
Percentile(std::vector<double> v, double q)
{
    if (v.empty())
    {
        return 0;
    }
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(q * (v.size() - 1) + 0.5))];
}

std::string
CsvRow(const CompareConfig& c, const CompareResult& r, double wall, double cpu)
{
    double fctMean =
        r.fcts.empty() ? 0 : std::accumulate(r.fcts.begin(), r.fcts.end(), 0.0) / r.fcts.size();
    const TcpProfile tcp = ResolveTcpProfile(c.tcp, c.minRtoMs);
    std::ostringstream os;
    os << std::setprecision(6);
    os << c.system << ',' << c.direction << ',' << c.flows << ',' << c.clients << ',' << c.frameLoss
       << ',' << c.burstBadMs << ',' << c.burstGoodMs << ',' << c.macRetries << ',' << c.rttMs
       << ',' << c.linkRate << ',' << c.tcp << ',' << tcp.minRtoMs << ',' << c.bytes << ','
       << c.duration << ',' << c.seed << ',' << c.run << ',' << r.goodputMbps << ','
       << Joined(r.perClientMbps, 6) << ',' << r.jain << ',' << r.fcts.size() << ',' << fctMean
       << ',' << Percentile(r.fcts, 0.5) << ',' << Percentile(r.fcts, 0.95) << ','
       << Joined(r.fcts, 5) << ',' << r.macRetx << ',' << r.lhpRetx << ',' << r.tcpRetx << ','
       << r.framesPerKb << ',' << r.outageSeconds << ',' << r.deassociations << ',' << wall << ','
       << c.warmup << ',' << c.distance << ',' << tcp.clockGranularityMs << ',' << tcp.delAckMs
       << ',' << tcp.initialCwnd << ',' << (tcp.sack ? 1 : 0) << ',' << tcp.congestion << ','
       << c.serverTcp << ',' << c.fadeTimeline << ',' << c.lossFrames << ','
       << Joined(r.distances, 4) << ',' << r.macRetriesUsed << ','
       << (r.limitSameMbps < 0 ? std::string() : std::to_string(r.limitSameMbps)) << ',' << r.fades
       << ',' << Joined(r.airtimeShare, 4) << ',' << cpu;
    return os.str();
}

} // namespace

int
main(int argc, char* argv[])
{
    CompareConfig c;
    std::string csv;
    CommandLine cmd(__FILE__);
    cmd.AddValue("system", "resoa | nat | tcp | limit", c.system);
    cmd.AddValue("direction", "up (STAs send) | down (STAs open, the host sends)", c.direction);
    cmd.AddValue("flows", "bulk | web", c.flows);
    cmd.AddValue("clients", "number of STAs", c.clients);
    cmd.AddValue("frameLoss", "i.i.d. frame loss on data frames and ACKs (0-1)", c.frameLoss);
    cmd.AddValue("burstBadMs", "Gilbert-Elliott mean fade in ms (0 = no bursts)", c.burstBadMs);
    cmd.AddValue("burstGoodMs", "Gilbert-Elliott mean time between fades in ms", c.burstGoodMs);
    cmd.AddValue("macRetries", "802.11 MAC transmissions per frame (MaxSsrc)", c.macRetries);
    cmd.AddValue("distance",
                 "STA distance in m with Nakagami fading and Minstrel (0 = fixed channel)",
                 c.distance);
    cmd.AddValue("distances",
                 "multi-rate cell: one distance in m per STA, comma-separated (5,15,25; Nakagami, "
                 "Minstrel)",
                 c.distances);
    cmd.AddValue("fadeTimeline",
                 "shared (one fade timeline for all PHYs) | perPhy (independent, "
                 "interference-like)",
                 c.fadeTimeline);
    cmd.AddValue("lossFrames",
                 "data (data frames and MAC ACKs; beacons protected) | all (every frame)",
                 c.lossFrames);
    cmd.AddValue("rtt", "approximate RTT in ms (wired one-way delay = rtt/2)", c.rttMs);
    cmd.AddValue("linkRate", "wired link rate", c.linkRate);
    cmd.AddValue("tcp",
                 "end-to-end TCP: linux (Linux-like profile: Cubic, RTO = SRTT + max(200 ms, "
                 "4 RTTVAR), delayed ACK 40 ms, SACK, IW 10) or an ns-3 congestion control "
                 "(NewReno, Cubic, ...) with ns-3's defaults",
                 c.tcp);
    cmd.AddValue(
        "minRto", "TCP MinRto in ms (0 = the profile's: ns-3 1000, linux 200)", c.minRtoMs);
    cmd.AddValue("serverTcp",
                 "the ReSoA server's own TCP: linux (default) | inherit (--tcp's defaults)",
                 c.serverTcp);
    cmd.AddValue("tcpBuffer",
                 "TCP send and receive buffer of every socket in bytes (not a CSV column)",
                 c.tcpBuffer);
    cmd.AddValue(
        "limitRetries",
        "limit: MAC retry limits to try besides --macRetries, comma-separated (default 1,2,4,7)",
        c.limitRetries);
    cmd.AddValue("bytes", "bulk: bytes per client (0 = run for --duration)", c.bytes);
    cmd.AddValue("duration", "seconds of traffic (measured)", c.duration);
    cmd.AddValue("warmup", "bulk with bytes=0: seconds run before measuring", c.warmup);
    cmd.AddValue("webFlowBytes", "web: mean flow size in bytes", c.webFlowBytes);
    cmd.AddValue("seed", "RngSeedManager seed", c.seed);
    cmd.AddValue("run", "RngSeedManager run", c.run);
    cmd.AddValue("pcap", "write pcap files", c.pcap);
    cmd.AddValue("csv", "append the result row to this file", csv);
    cmd.Parse(argc, argv);

    std::string err = ValidateCompareConfig(c);
    if (!err.empty())
    {
        std::cerr << "resoa-compare: " << err << "\n";
        return 2;
    }
    auto t0 = std::chrono::steady_clock::now();
    std::clock_t c0 = std::clock();
    CompareResult r = RunCompare(c);
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // CPU time too: on a shared machine the wall time depends on the load, the CPU time not.
    double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    std::string row = CsvRow(c, r, wall, cpu);
    std::cout << kHeader << "\n" << row << "\n";
    if (!csv.empty())
    {
        std::ifstream probe(csv);
        bool fresh = !probe.good() || probe.peek() == std::ifstream::traits_type::eof();
        std::ofstream out(csv, std::ios::app);
        if (!out)
        {
            std::cerr << "resoa-compare: cannot write " << csv << "\n";
            return 1;
        }
        if (fresh)
        {
            out << kHeader << "\n";
        }
        out << row << "\n";
    }
    return 0;
}
