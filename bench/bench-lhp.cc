/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ./resoa bench lhp: LHP goodput against saturated UDP on the same lossy 802.11a PHY, with
 * each of LHP's loss mechanisms switched on and off side by side.
 *
 * For each i.i.d. frame-loss level (data frames and MAC ACKs, never management frames, as in
 * resoa-compare) and each run (seed fixed, run 1..N), it simulates in this process:
 *   - saturated UDP (OnOff at 60 Mbit/s, 1472-byte datagrams = 1500-byte IP packets) STA->AP
 *     at every MAC transmission limit of --limitRetries: the limit is the best of their means
 *     (DESIGN.md: retries cost airtime), and UDP at --macRetries is printed too;
 *   - an unbounded LHP reliable-channel stream STA->AP (1476-byte SDUs = 1500-byte frames)
 *     with the MAC at --macRetries, once per variant: every mechanism on (the defaults), each
 *     one off alone, and all off (the LHP before issue 11).
 * Goodput is delivered payload over the same window after a warm-up. Every figure is the mean
 * over runs with the half-width of its 95 % Student-t confidence interval (for the ratios, of
 * the LHP runs over the mean of the UDP runs). retx/fr: LHP retransmissions per first
 * transmission; acks/fr: the receiver's standalone acks per data frame; MAC tx: the STA's MAC
 * transmission limit at the end (MacRetryControl's advice, else --macRetries). AdaptiveDeadline
 * acts on the semi-reliable channel only and is tested in test/sim/test-lhp-datagram-loss.cc.
 * Figures only; the program never fails on them.
 */
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/data-frame-error-model.h"
#include "ns3/internet-module.h"
#include "ns3/lhp-bulk-transfer.h"
#include "ns3/lhp-helper.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/network-module.h"
#include "ns3/wifi-mac-queue.h"
#include "ns3/wifi-mac.h"
#include "ns3/wifi-net-device.h"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <vector>

using namespace ns3;

namespace
{

/// Traffic starts here, after association on a channel that spares management frames.
const Time kStart = Seconds(0.5);

struct Setup
{
    double frameLoss = 0;
    uint32_t macRetries = 7;
    double warmup = 2.0;
    double duration = 10.0;
    uint32_t seed = 1;
    uint32_t run = 1;
};

/// One LHP configuration: a name and the LhpProtocol attributes it overrides.
struct Variant
{
    std::string name;
    std::vector<std::pair<std::string, std::string>> switches;
};

/// Every mechanism of issue 11 on (the defaults), each off alone (its value before issue 11),
/// and all off (the LHP before issue 11).
std::vector<Variant>
Variants()
{
    const std::vector<std::pair<std::string, std::string>> off = {
        {"MacRetryControl", "false"},
        {"AdaptiveAcks", "false"},
        {"LossTolerantRto", "false"},
        {"StallProbe", "false"},
        {"DeviceQueueLimit", "0"},
        {"MinRto", "20ms"},
    };
    std::vector<Variant> v;
    v.push_back({"all-on", {}});
    for (const auto& m : off)
    {
        v.push_back({"no-" + m.first, {m}});
    }
    v.push_back({"all-off", off});
    return v;
}

NetDeviceContainer
BuildWifi(const Setup& s, NodeContainer& nodes)
{
    RngSeedManager::SetSeed(s.seed);
    RngSeedManager::SetRun(s.run);
    nodes.Create(2);
    LossyWifiHelper wifi;
    if (s.frameLoss > 0)
    {
        // Data frames and MAC ACKs only: lost beacons would turn a loss study into an
        // association outage study at one MAC transmission (docs/channel-loss.md).
        Ptr<RateErrorModel> rate = CreateObject<RateErrorModel>();
        rate->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
        rate->SetAttribute("ErrorRate", DoubleValue(s.frameLoss));
        ObjectFactory f("ns3::DataFrameErrorModel");
        f.Set("Inner", PointerValue(rate));
        f.Set("ProtectManagement", BooleanValue(true));
        // MAC ACKs are spared too until the traffic starts: a lost ACK of the Association
        // Response leaves the station half associated for good (as in resoa-compare).
        f.Set("ProtectControl", BooleanValue(true));
        wifi.SetErrorModelFactory(f);
    }
    wifi.SetMacRetries(s.macRetries);
    NetDeviceContainer devices = wifi.Install(nodes.Get(0), NodeContainer(nodes.Get(1)));
    for (const auto& em : wifi.GetErrorModels())
    {
        Simulator::Schedule(kStart,
                            [em]() { em->SetAttribute("ProtectControl", BooleanValue(false)); });
    }
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
    src.Start(kStart);
    // Static ARP just before the traffic: the cache is flushed at association, and a lost
    // ARP exchange at high loss would measure ARP, not the channel.
    Simulator::Schedule(kStart - MilliSeconds(50),
                        []() { NeighborCacheHelper().PopulateNeighborCache(); });

    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkApp.Get(0));
    uint64_t atStart = 0;
    Simulator::Schedule(Seconds(s.warmup), [&]() { atStart = sink->GetTotalRx(); });
    Simulator::Stop(Seconds(s.warmup + s.duration));
    Simulator::Run();
    double mbps = (sink->GetTotalRx() - atStart) * 8.0 / s.duration / 1e6;
    Simulator::Destroy();
    return mbps;
}

/// Time the STA's Wi-Fi MAC queue held no frame: the sender had nothing ready (window,
/// timers or the device queue limit), so the medium was the receiver's or idle.
class MacQueueIdle
{
  public:
    explicit MacQueueIdle(Ptr<NetDevice> device)
    {
        Ptr<WifiMac> mac = DynamicCast<WifiNetDevice>(device)->GetMac();
        m_queue = mac->GetTxopQueue(mac->GetQosSupported() ? AC_BE : AC_BE_NQOS);
        for (const char* source : {"Enqueue", "Dequeue", "Drop", "Expired"})
        {
            m_queue->TraceConnectWithoutContext(source, MakeCallback(&MacQueueIdle::Changed, this));
        }
        m_emptySince = Simulator::Now();
    }

    /// Starts the measured window.
    void Reset()
    {
        m_idle = Seconds(0);
        if (m_empty)
        {
            m_emptySince = Simulator::Now();
        }
    }

    Time Idle() const
    {
        return m_idle + (m_empty ? Simulator::Now() - m_emptySince : Seconds(0));
    }

  private:
    void Changed(Ptr<const WifiMpdu>)
    {
        Simulator::ScheduleNow(&MacQueueIdle::Check, this);
    }

    void Check()
    {
        bool empty = m_queue->GetNPackets() == 0;
        if (empty && !m_empty)
        {
            m_emptySince = Simulator::Now();
        }
        else if (!empty && m_empty)
        {
            m_idle += Simulator::Now() - m_emptySince;
        }
        m_empty = empty;
    }

    Ptr<WifiMacQueue> m_queue;
    bool m_empty = true;
    Time m_emptySince;
    Time m_idle;
};

struct LhpFigures
{
    double mbps = 0;
    bool intact = true;
    double retxPerFrame = 0; //!< retransmissions per first transmission
    double acksPerFrame = 0; //!< receiver's standalone acks per first transmission
    uint32_t macTx = 0;      //!< MAC transmissions LHP set on the STA at the end (0: none)
    double queueIdle = 0;    //!< share of the window the STA's MAC queue was empty
};

LhpFigures
LhpGoodput(const Setup& s, const Variant& v)
{
    NodeContainer nodes;
    NetDeviceContainer devices = BuildWifi(s, nodes);
    LhpHelper lhp;
    for (const auto& [name, value] : v.switches)
    {
        lhp.SetAttribute(name, StringValue(value));
    }
    Ptr<LhpProtocol> server = lhp.Install(devices.Get(0));
    Ptr<LhpProtocol> client = lhp.Install(devices.Get(1));
    Ptr<LhpBulkTransfer> t =
        Create<LhpBulkTransfer>(client, server, devices.Get(0)->GetAddress(), 0, 77);
    t->Start(kStart);
    MacQueueIdle idle(devices.Get(1));
    uint64_t atStart = 0;
    Simulator::Schedule(Seconds(s.warmup),
                        [&]()
                        {
                            atStart = t->GetResult().bytesDelivered;
                            idle.Reset();
                        });
    Simulator::Stop(Seconds(s.warmup + s.duration));
    Simulator::Run();
    LhpBulkTransfer::Result r = t->GetResult();
    resoa::LhpStats tx = client->GetTotalStats();
    resoa::LhpStats rx = server->GetTotalStats();
    LhpFigures f;
    f.mbps = (r.bytesDelivered - atStart) * 8.0 / s.duration / 1e6;
    f.intact = r.intact;
    double frames = std::max<double>(1, tx.dataFramesSent);
    f.retxPerFrame = tx.retransmissions / frames;
    f.acksPerFrame = rx.acksSent / frames;
    f.macTx = client->GetAppliedMacTransmissions();
    f.queueIdle = idle.Idle().GetSeconds() / s.duration;
    Simulator::Destroy();
    return f;
}

/// Mean and half-width of the 95 % Student-t confidence interval.
struct Stat
{
    double mean = 0;
    double ci = 0;
};

Stat
Summarise(const std::vector<double>& xs)
{
    // t(0.975, n-1) for n = 2..30; beyond that 1.96 is close enough.
    static const double t[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                               2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                               2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                               2.060,  2.056, 2.052, 2.048, 2.045};
    Stat s;
    if (xs.empty())
    {
        return s;
    }
    for (double x : xs)
    {
        s.mean += x;
    }
    s.mean /= xs.size();
    if (xs.size() < 2)
    {
        return s;
    }
    double var = 0;
    for (double x : xs)
    {
        var += (x - s.mean) * (x - s.mean);
    }
    var /= xs.size() - 1;
    std::size_t dof = xs.size() - 1;
    double q = dof <= 29 ? t[dof - 1] : 1.96;
    s.ci = q * std::sqrt(var / xs.size());
    return s;
}

std::string
Show(const Stat& s)
{
    std::ostringstream os;
    os << std::fixed << std::setprecision(2) << s.mean << " ± " << s.ci;
    return os.str();
}

std::vector<double>
ParseList(const std::string& text, double lo, double hi, const std::string& what)
{
    std::vector<double> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
    {
        double v = std::stod(item);
        if (v < lo || v >= hi)
        {
            throw std::invalid_argument(what + " " + item + " out of range");
        }
        out.push_back(v);
    }
    return out;
}

/// Parses --extra: variants separated by '|', each "name:Attr=value,Attr=value".
std::vector<Variant>
ParseExtra(const std::string& text)
{
    std::vector<Variant> out;
    std::stringstream variants(text);
    std::string item;
    while (std::getline(variants, item, '|'))
    {
        std::size_t colon = item.find(':');
        if (colon == 0 || colon == std::string::npos)
        {
            throw std::invalid_argument("variant '" + item + "' is not name:Attr=value,...");
        }
        Variant v{item.substr(0, colon), {}};
        std::stringstream switches(item.substr(colon + 1));
        std::string sw;
        while (std::getline(switches, sw, ','))
        {
            std::size_t eq = sw.find('=');
            if (eq == 0 || eq == std::string::npos || eq + 1 == sw.size())
            {
                throw std::invalid_argument("switch '" + sw + "' is not Attr=value");
            }
            v.switches.emplace_back(sw.substr(0, eq), sw.substr(eq + 1));
        }
        out.push_back(v);
    }
    return out;
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string losses = "0,0.1,0.3,0.5";
    std::string limitRetries = "1,2,4,7";
    uint32_t runs = 5;
    std::string only;
    std::string extra;
    bool verbose = false;
    Setup s;
    CommandLine cmd(__FILE__);
    cmd.AddValue("losses", "comma-separated i.i.d. frame loss levels in [0, 1)", losses);
    cmd.AddValue("macRetries", "802.11 MAC transmission limit for LHP and UDP", s.macRetries);
    cmd.AddValue(
        "limitRetries", "MAC transmission limits the UDP limit is the best of", limitRetries);
    cmd.AddValue("runs", "runs per point (RngSeedManager run 1..runs)", runs);
    cmd.AddValue("duration", "measured seconds per run (after the warm-up)", s.duration);
    cmd.AddValue("warmup", "seconds before the measured window", s.warmup);
    cmd.AddValue("seed", "RngSeedManager seed", s.seed);
    cmd.AddValue("only",
                 "run only the LHP variants whose names start with one of these (comma-separated)",
                 only);
    cmd.AddValue("extra",
                 "more LHP variants, '|'-separated, each name:Attr=value,Attr=value (LhpProtocol "
                 "attributes), e.g. gap4:GapAckEveryFrames=4",
                 extra);
    cmd.AddValue("verbose", "print every run", verbose);
    cmd.Parse(argc, argv);
    std::vector<double> levels;
    std::vector<double> retryList;
    std::vector<Variant> all = Variants();
    try
    {
        for (const Variant& v : ParseExtra(extra))
        {
            all.push_back(v);
        }
        levels = ParseList(losses, 0, 1, "loss");
        retryList = ParseList(limitRetries, 1, 64, "MAC transmission limit");
    }
    catch (const std::exception& e)
    {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    }
    if (s.duration <= 0 || runs == 0 || s.macRetries == 0)
    {
        std::cerr << "error: --duration, --runs and --macRetries must be positive\n";
        return 2;
    }
    std::vector<Variant> variants;
    for (const Variant& v : all)
    {
        std::stringstream prefixes(only);
        std::string prefix;
        bool wanted = only.empty();
        while (!wanted && std::getline(prefixes, prefix, ','))
        {
            wanted = v.name.rfind(prefix, 0) == 0;
        }
        if (wanted)
        {
            variants.push_back(v);
        }
    }

    std::cout << "802.11a 54/24 Mbit/s, i.i.d. loss on data frames and MAC ACKs; LHP and UDP "
              << "at MAC transmission limit " << s.macRetries << "; limit = best UDP over "
              << limitRetries << "; " << runs << " runs x " << s.duration << " s after " << s.warmup
              << " s, seed " << s.seed << "; mean ± 95 % CI\n";
    for (double loss : levels)
    {
        Setup x = s;
        x.frameLoss = loss;
        std::cout << std::defaultfloat << std::setprecision(6) << "\nloss " << loss * 100 << " %\n";
        // The limit: UDP at each MAC transmission limit, the best mean.
        Stat limit;
        uint32_t limitAt = 0;
        Stat udpSame;
        for (double n : retryList)
        {
            std::vector<double> xs;
            for (uint32_t r = 1; r <= runs; ++r)
            {
                Setup u = x;
                u.macRetries = static_cast<uint32_t>(n);
                u.run = r;
                xs.push_back(UdpGoodputMbps(u));
                if (verbose)
                {
                    std::cout << "    run " << r << ": " << xs.back() << "\n";
                }
            }
            Stat st = Summarise(xs);
            std::cout << "  UDP, MAC tx " << std::setw(2) << static_cast<uint32_t>(n) << ": "
                      << Show(st) << " Mbit/s\n";
            if (st.mean > limit.mean)
            {
                limit = st;
                limitAt = static_cast<uint32_t>(n);
            }
            if (static_cast<uint32_t>(n) == s.macRetries)
            {
                udpSame = st;
            }
        }
        if (udpSame.mean == 0)
        {
            std::vector<double> xs;
            for (uint32_t r = 1; r <= runs; ++r)
            {
                Setup u = x;
                u.run = r;
                xs.push_back(UdpGoodputMbps(u));
            }
            udpSame = Summarise(xs);
        }
        std::cout << "  limit = " << Show(limit) << " Mbit/s (MAC tx " << limitAt
                  << "); UDP at MAC tx " << s.macRetries << " = " << Show(udpSame) << "\n";
        std::cout << "  " << std::left << std::setw(24) << "LHP variant" << std::right
                  << std::setw(16) << "Mbit/s" << std::setw(16) << "/ limit" << std::setw(16)
                  << "/ UDP same tx" << std::setw(10) << "retx/fr" << std::setw(10) << "acks/fr"
                  << std::setw(8) << "MAC tx" << std::setw(8) << "idle"
                  << "  intact\n";
        for (const Variant& v : variants)
        {
            std::vector<double> mbps;
            std::vector<double> toLimit;
            std::vector<double> toUdp;
            std::vector<double> retx;
            std::vector<double> acks;
            std::vector<double> macTx;
            std::vector<double> queueIdle;
            bool intact = true;
            for (uint32_t r = 1; r <= runs; ++r)
            {
                Setup u = x;
                u.run = r;
                LhpFigures f = LhpGoodput(u, v);
                if (verbose)
                {
                    std::cout << "    " << v.name << " run " << r << ": " << f.mbps << "\n";
                }
                mbps.push_back(f.mbps);
                toLimit.push_back(f.mbps / limit.mean);
                toUdp.push_back(f.mbps / udpSame.mean);
                retx.push_back(f.retxPerFrame);
                acks.push_back(f.acksPerFrame);
                macTx.push_back(f.macTx == 0 ? s.macRetries : f.macTx);
                queueIdle.push_back(f.queueIdle);
                intact = intact && f.intact;
            }
            std::cout << "  " << std::left << std::setw(24) << v.name << std::right << std::setw(16)
                      << Show(Summarise(mbps)) << std::setw(16) << Show(Summarise(toLimit))
                      << std::setw(16) << Show(Summarise(toUdp)) << std::fixed
                      << std::setprecision(3) << std::setw(10) << Summarise(retx).mean
                      << std::setw(10) << Summarise(acks).mean << std::setprecision(1)
                      << std::setw(8) << Summarise(macTx).mean << std::setprecision(3)
                      << std::setw(8) << Summarise(queueIdle).mean << "  "
                      << (intact ? "yes" : "NO") << "\n";
        }
    }
    return 0;
}
