/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "emu-example-common.h"

#include "ns3/resoa-helper.h"

#include "ns3/core-module.h"
#include "ns3/data-frame-error-model.h"
#include "ns3/emu-l2-relay.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/wifi-module.h"

#include "../harness/command-line-checks.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <random>
#include <thread>

extern char** environ;

namespace ns3
{
namespace emu
{

namespace
{

/// Runs a program (no shell) and waits for it; only before or after the simulation.
int
RunProgram(const std::vector<std::string>& argv)
{
    std::vector<char*> args;
    for (const std::string& a : argv)
    {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0)
    {
        return -1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The namespace exists under /run/netns (or is a path).
bool
NamespaceExists(const std::string& ns)
{
    return ns.empty() || ns[0] == '/' || access(("/run/netns/" + ns).c_str(), F_OK) == 0;
}

/**
 * Waits for SIGINT/SIGTERM (blocked in every thread, so only this one receives them) and stops
 * the simulation from the simulator's own thread (RealtimeSimulatorImpl::ScheduleWithContext
 * is thread-safe). SIGUSR1 ends the waiter after the run.
 */
void
SignalWaiter(sigset_t set)
{
    int sig = 0;
    if (sigwait(&set, &sig) != 0 || sig == SIGUSR1)
    {
        return;
    }
    std::cout << "emu: " << strsignal(sig) << ", stopping" << std::endl;
    Simulator::ScheduleWithContext(Simulator::NO_CONTEXT, Seconds(0), []() { Simulator::Stop(); });
}

/// Prints the progress line every \p interval.
void
Progress(Time interval, Ptr<RealtimeLagMonitor> lag, std::function<void(std::ostream&)> details)
{
    std::cout << std::fixed << std::setprecision(1) << "emu: t=" << Simulator::Now().GetSeconds()
              << " s lag max " << lag->GetMaxLag().GetMicroSeconds() / 1000.0 << " ms, ";
    details(std::cout);
    std::cout << std::endl;
    Simulator::Schedule(interval, &Progress, interval, lag, details);
}

} // namespace

MacProblem
ReadMac(const std::string& text, Mac48Address& out)
{
    unsigned b[6];
    char tail = 0;
    if (text.size() != 17 || std::sscanf(text.c_str(),
                                         "%2x:%2x:%2x:%2x:%2x:%2x%c",
                                         &b[0],
                                         &b[1],
                                         &b[2],
                                         &b[3],
                                         &b[4],
                                         &b[5],
                                         &tail) != 6)
    {
        return MacProblem::SYNTAX;
    }
    if (b[0] & 1)
    {
        return MacProblem::MULTICAST;
    }
    uint8_t bytes[6];
    for (int i = 0; i < 6; ++i)
    {
        bytes[i] = static_cast<uint8_t>(b[i]);
    }
    out.CopyFrom(bytes);
    return MacProblem::NONE;
}

bool
ParseUnicastMac(const std::string& name, const std::string& text, Mac48Address& out)
{
    if (ReadMac(text, out) != MacProblem::NONE)
    {
        std::cerr << "error: --" << name << " must be a unicast MAC address aa:bb:cc:dd:ee:ff, "
                  << "got '" << text << "'\n";
        return false;
    }
    return true;
}

bool
ParseCidr(const std::string& name,
          const std::string& text,
          uint64_t maxPrefix,
          const std::string& example,
          Ipv4Address& address,
          Ipv4Mask& mask)
{
    const auto slash = text.find('/');
    uint64_t len = 0;
    in_addr probe{};
    if (slash == std::string::npos ||
        inet_pton(AF_INET, text.substr(0, slash).c_str(), &probe) != 1 ||
        !cli::ParseUnsigned(name + " prefix length", text.substr(slash + 1), 1, maxPrefix, len))
    {
        std::cerr << "error: --" << name << " must be an IPv4 address with a prefix length, like "
                  << example << ", got '" << text << "'\n";
        return false;
    }
    address = Ipv4Address(text.substr(0, slash).c_str());
    mask = Ipv4Mask(("/" + std::to_string(len)).c_str());
    return true;
}

bool
CheckTapsAndPrivileges(const std::vector<std::string>& taps)
{
    for (const std::string& tap : taps)
    {
        if (tap.empty() || tap.size() >= IFNAMSIZ)
        {
            std::cerr << "error: tap name '" << tap << "' must have 1 to " << IFNAMSIZ - 1
                      << " characters\n";
            return false;
        }
    }
    if (std::string why = TapEmuHelper::CheckPrerequisites(); !why.empty())
    {
        std::cerr << "error: cannot emulate here: " << why << "\n";
        return false;
    }
    return true;
}

EmuOptions::EmuOptions(const std::string& pcapPrefix)
    : pcapPrefix(pcapPrefix)
{
}

void
EmuOptions::AddLossOptions(CommandLine& cmd)
{
    cmd.AddValue("loss-model",
                 std::string("none | iid (--loss per frame) | gilbert (fades: loss 1 in Bad, "
                             "--loss in Good)") +
                     (withDistance ? " | distance (log-distance + Nakagami + Minstrel at "
                                     "--distance, --loss on top)"
                                   : ""),
                 lossModel);
    cmd.AddValue("loss", lossHelp, lossText);
    cmd.AddValue("loss-frames", lossFramesHelp, lossFrames);
    cmd.AddValue("fade-good-ms", "gilbert: mean time between fades, ms", fadeGoodText);
    cmd.AddValue("fade-bad-ms", "gilbert: mean fade length, ms", fadeBadText);
    if (withDistance)
    {
        cmd.AddValue("distance", "distance: station-AP distance, m", distanceText);
    }
    cmd.AddValue("mac-retries", "802.11 MAC retry limit (MaxSsrc/MaxSlrc)", macRetriesText);
}

void
EmuOptions::AddRunOptions(CommandLine& cmd)
{
    cmd.AddValue("seed", "RngSeedManager seed", seedText);
    cmd.AddValue("run", "RngSeedManager run number", runText);
    cmd.AddValue("duration", durationHelp, durationText);
    cmd.AddValue("pcap", "write pcap files of every simulated device (1/0)", pcapText);
    cmd.AddValue("pcap-prefix", "prefix of the pcap files", pcapPrefix);
    cmd.AddValue("max-lag",
                 "fail (exit 3) if the real-time lag ever exceeded this many ms (0 = no bound)",
                 maxLagText);
    cmd.AddValue("lag-period", "lag sampling period, ms of simulated time", lagPeriodText);
    cmd.AddValue(
        "progress", "print a progress line every this many seconds (0 = never)", progressText);
}

bool
EmuOptions::ParseValues()
{
    return cli::ParseFlag("create-namespaces", createText, create) &&
           cli::ParseFlag("pcap", pcapText, pcap) &&
           cli::ParseFraction("loss", lossText, 0, 1, loss) &&
           cli::ParseUnsigned("fade-good-ms", fadeGoodText, 1, 3600000, fadeGoodMs) &&
           cli::ParseUnsigned("fade-bad-ms", fadeBadText, 1, 3600000, fadeBadMs) &&
           (!withDistance || cli::ParseUnsigned("distance", distanceText, 1, 1000, distance)) &&
           cli::ParseUnsigned("mac-retries", macRetriesText, 1, 64, macRetries) &&
           cli::ParseUnsigned("seed", seedText, 1, 0xffffffffULL, seed) &&
           cli::ParseUnsigned("run", runText, 0, 0xffffffffULL, run) &&
           cli::ParseUnsigned("duration", durationText, 0, 365ULL * 86400, duration) &&
           cli::ParseFraction("max-lag", maxLagText, 0, 1e7, maxLagMs) &&
           cli::ParseFraction("lag-period", lagPeriodText, 0.01, 1e6, lagPeriodMs) &&
           cli::ParseUnsigned("progress", progressText, 0, 86400, progress);
}

bool
EmuOptions::CheckLossModel() const
{
    if (lossModel != "none" && lossModel != "iid" && lossModel != "gilbert" &&
        !(withDistance && lossModel == "distance"))
    {
        std::cerr << "error: --loss-model must be "
                  << (withDistance ? "none, iid, gilbert or distance" : "none, iid or gilbert")
                  << ", got '" << lossModel << "'\n";
        return false;
    }
    if (lossModel == "none" && loss != 0)
    {
        std::cerr << "error: --loss-model=none takes no --loss\n";
        return false;
    }
    if (lossFrames != "data" && lossFrames != "all")
    {
        std::cerr << "error: --loss-frames must be data or all, got '" << lossFrames << "'\n";
        return false;
    }
    return true;
}

void
EmuOptions::DescribeLoss(std::ostream& os) const
{
    os << "loss model " << lossModel << " (loss " << loss << ", "
       << (lossFrames == "data" ? "data frames and ACKs" : "all frames") << "), MAC retries "
       << macRetries;
}

void
EmuOptions::SetUpSimulator() const
{
    TapEmuHelper::EnableRealtime();
    RngSeedManager::SetSeed(static_cast<uint32_t>(seed));
    RngSeedManager::SetRun(run);
}

Ptr<RealtimeLagMonitor>
EmuOptions::StartLagMonitor() const
{
    Ptr<RealtimeLagMonitor> lag = CreateObject<RealtimeLagMonitor>();
    lag->SetAttribute("Period", TimeValue(MicroSeconds(static_cast<int64_t>(lagPeriodMs * 1000))));
    lag->Start();
    return lag;
}

void
EmuOptions::ScheduleProgressAndStop(Ptr<RealtimeLagMonitor> lag,
                                    std::function<void(std::ostream&)> details) const
{
    if (progress > 0)
    {
        const Time every = Seconds(static_cast<double>(progress));
        Simulator::Schedule(every, &Progress, every, lag, details);
    }
    if (duration > 0)
    {
        Simulator::Stop(Seconds(static_cast<double>(duration)));
    }
}

void
EmuOptions::RunUntilStopped(const sigset_t& signals, const std::string& orUntil) const
{
    std::cout << "emu: running in real time"
              << (duration > 0 ? " for " + std::to_string(duration) + " s"
                               : std::string(" until SIGINT/SIGTERM"))
              << orUntil << std::endl;

    std::thread waiter(&SignalWaiter, signals);
    const auto wallStart = std::chrono::steady_clock::now();
    Simulator::Run();
    const double wallSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    pthread_kill(waiter.native_handle(), SIGUSR1);
    waiter.join();

    std::cout << std::fixed << std::setprecision(3) << "emu: ran " << Simulator::Now().GetSeconds()
              << " s simulated in " << wallSeconds << " s wall time\n";
}

int
EmuOptions::LagBoundStatus(Ptr<RealtimeLagMonitor> lag) const
{
    if (maxLagMs <= 0)
    {
        return 0;
    }
    const Time bound = MicroSeconds(static_cast<int64_t>(maxLagMs * 1000));
    if (lag->GetMaxLag() > bound)
    {
        std::cout << "error: real-time lag " << lag->GetMaxLag().GetMicroSeconds() / 1000.0
                  << " ms exceeded --max-lag=" << maxLagMs << " ms in " << lag->CountAbove(bound)
                  << " of " << lag->GetSampleCount() << " samples\n";
        return kExitLagBound;
    }
    std::cout << "lag bound: ok (max " << lag->GetMaxLag().GetMicroSeconds() / 1000.0
              << " ms <= " << maxLagMs << " ms)\n";
    return 0;
}

sigset_t
BlockStopSignals()
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

int
EmuNamespaces::Ensure(const std::vector<std::string>& names, bool create)
{
    for (const std::string& ns : names)
    {
        if (NamespaceExists(ns))
        {
            continue;
        }
        if (!create)
        {
            std::cerr << "error: network namespace '" << ns << "' does not exist (ip netns add "
                      << ns << ", or --create-namespaces=1)\n";
            return 2;
        }
        if (RunProgram({"ip", "netns", "add", ns}) != 0)
        {
            std::cerr << "error: ip netns add " << ns << " failed\n";
            return 1;
        }
        m_created.push_back(ns);
        std::cout << "emu: created network namespace " << ns << std::endl;
    }
    return 0;
}

void
EmuNamespaces::RemoveCreated()
{
    for (const std::string& ns : m_created)
    {
        RunProgram({"ip", "netns", "del", ns});
    }
}

NetDeviceContainer
InstallTaps(TapEmuHelper& taps, const std::vector<std::pair<Ptr<Node>, TapSpec>>& specs)
{
    NetDeviceContainer devices;
    for (const auto& [node, spec] : specs)
    {
        taps.SetNamespace(spec.ns);
        taps.SetTapName(spec.name);
        taps.SetTapMacAddress(spec.mac);
        taps.ClearTapIpv4Address();
        if (spec.haveIpv4)
        {
            taps.SetTapIpv4Address(spec.ipv4, spec.mask);
        }
        std::string error;
        Ptr<FdNetDevice> dev = taps.TryInstall(node, error);
        if (!dev)
        {
            std::cerr << "error: " << spec.role << " tap in namespace " << spec.ns << ": " << error
                      << "\n";
            return NetDeviceContainer();
        }
        std::cout << "emu: tap " << taps.GetTapName() << " (" << taps.GetTapMacAddress();
        if (spec.showIpv4)
        {
            std::cout << ", " << spec.ipv4;
        }
        std::cout << ") up in namespace " << spec.ns << std::endl;
        devices.Add(dev);
    }
    return devices;
}

NetDeviceContainer
EmuWifiHop::Install(const EmuOptions& options, Ptr<Node> apNode, NodeContainer staNodes)
{
    m_macRetries = options.macRetries;
    m_wifi.SetMacRetries(static_cast<uint32_t>(options.macRetries));
    Ptr<ErrorModel> inner;
    if (options.lossModel == "distance")
    {
        m_wifi.SetDistance(static_cast<double>(options.distance), true, true);
    }
    if (options.lossModel == "gilbert")
    {
        m_fades = CreateObject<GilbertElliottErrorModel>();
        m_fades->SetAttribute("MeanGoodDuration", TimeValue(MilliSeconds(options.fadeGoodMs)));
        m_fades->SetAttribute("MeanBadDuration", TimeValue(MilliSeconds(options.fadeBadMs)));
        m_fades->SetAttribute("GoodLossProbability", DoubleValue(options.loss));
        m_fades->SetAttribute("BadLossProbability", DoubleValue(1.0));
        inner = m_fades;
    }
    else if (options.loss > 0)
    {
        Ptr<RateErrorModel> rate = CreateObject<RateErrorModel>();
        rate->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
        rate->SetAttribute("ErrorRate", DoubleValue(options.loss));
        inner = rate;
    }
    if (inner)
    {
        // One inner model shared by all PHYs: one fade timeline hits every direction.
        ObjectFactory f("ns3::DataFrameErrorModel");
        f.Set("Inner", PointerValue(inner));
        f.Set("ProtectManagement", BooleanValue(options.lossFrames == "data"));
        f.Set("ProtectControl", BooleanValue(false));
        m_wifi.SetErrorModelFactory(f);
    }
    m_air = m_wifi.Install(apNode, staNodes);
    // Also reaches the shared inner model, through the DataFrameErrorModels.
    m_wifi.AssignStreams(m_air, 100);
    return m_air;
}

NetDeviceContainer
EmuWifiHop::InstallBetween(const EmuOptions& options,
                           Ptr<Node> apNode,
                           Mac48Address apMac,
                           Ptr<Node> staNode,
                           Mac48Address staMac)
{
    NetDeviceContainer air = Install(options, apNode, NodeContainer(staNode));
    EmuL2Relay::SetDeviceAddress(air.Get(1), staMac);
    EmuL2Relay::SetDeviceAddress(air.Get(0), apMac);
    return air;
}

void
EmuWifiHop::WatchCounters(const StationLog& log)
{
    m_log = log;
    for (uint32_t i = 0; i < m_air.GetN(); ++i)
    {
        Ptr<WifiNetDevice> dev = DynamicCast<WifiNetDevice>(m_air.Get(i));
        Ptr<WifiRemoteStationManager> manager = dev->GetRemoteStationManager();
        manager->TraceConnectWithoutContext("MacTxDataFailed",
                                            MakeCallback(&EmuWifiHop::OnMacTxDataFailed, this));
        manager->TraceConnectWithoutContext(
            "MacTxFinalDataFailed", MakeCallback(&EmuWifiHop::OnMacTxFinalDataFailed, this));
        if (i > 0) // the stations
        {
            dev->GetMac()->TraceConnectWithoutContext("Assoc",
                                                      MakeCallback(&EmuWifiHop::OnAssoc, this));
            dev->GetMac()->TraceConnectWithoutContext("DeAssoc",
                                                      MakeCallback(&EmuWifiHop::OnDeAssoc, this));
        }
    }
}

void
EmuWifiHop::EnablePcap(const std::string& prefix, TapEmuHelper& taps, NetDeviceContainer tapDevs)
{
    m_wifi.EnablePcap(prefix + "-wifi", m_air);
    taps.EnablePcap(prefix + "-tap", tapDevs, true);
}

void
EmuWifiHop::Report(std::ostream& os) const
{
    os << "802.11: MAC data attempts lost " << m_macTxDataFailed << ", frames given up after "
       << m_macRetries << " retries " << m_macTxFinalDataFailed << ", associations "
       << m_associations << ", de-associations " << m_deassociations;
    if (m_fades)
    {
        os << ", fades " << m_fades->GetBadPeriods();
    }
    for (const auto& em : m_wifi.GetErrorModels())
    {
        if (Ptr<DataFrameErrorModel> df = DynamicCast<DataFrameErrorModel>(em))
        {
            os << ", corrupted data " << df->GetFramesCorrupted(DataFrameErrorModel::DATA) << "/"
               << df->GetFramesSeen(DataFrameErrorModel::DATA) << " control "
               << df->GetFramesCorrupted(DataFrameErrorModel::CONTROL) << "/"
               << df->GetFramesSeen(DataFrameErrorModel::CONTROL);
        }
    }
    os << "\n";
}

void
EmuWifiHop::OnMacTxDataFailed(Mac48Address)
{
    ++m_macTxDataFailed;
}

void
EmuWifiHop::OnMacTxFinalDataFailed(Mac48Address)
{
    ++m_macTxFinalDataFailed;
}

void
EmuWifiHop::OnAssoc(Mac48Address bssid)
{
    ++m_associations;
    if (m_log.announceAssociation)
    {
        std::cout << "emu: " << m_log.who << " associated with AP " << bssid << " at "
                  << Simulator::Now().GetSeconds() << " s" << std::endl;
    }
}

void
EmuWifiHop::OnDeAssoc(Mac48Address bssid)
{
    ++m_deassociations;
    std::cout << "emu: " << m_log.who << " lost its association with " << bssid << " at "
              << Simulator::Now().GetSeconds() << " s" << m_log.lostNote << std::endl;
}

void
InternetSideOptions::AddAddressOptions(CommandLine& cmd, const std::string& internetIpHelp)
{
    cmd.AddValue("internet-mac", "MAC of the Internet namespace's tap", macText);
    cmd.AddValue("public-ip",
                 "the simulated server's public IPv4 address/prefix, on its Internet link",
                 publicText);
    cmd.AddValue("internet-ip", internetIpHelp, internetText);
}

void
InternetSideOptions::AddPortSkipOption(CommandLine& cmd)
{
    cmd.AddValue("port-skip",
                 "ephemeral TCP ports the simulated server skips before its first connection "
                 "(random = 0..16382 from the wall clock, see README-emu.md)",
                 portSkipText);
}

bool
InternetSideOptions::ParseAddresses()
{
    const std::string example = "198.51.100.1/24";
    return ParseUnicastMac("internet-mac", macText, mac) &&
           ParseCidr("public-ip", publicText, 30, example, publicIp, publicMask) &&
           ParseCidr("internet-ip", internetText, 30, example, internetIp, internetMask);
}

bool
InternetSideOptions::ParsePortSkip()
{
    return portSkipText == "random" ||
           cli::ParseUnsigned("port-skip", portSkipText, 0, 16382, portSkip);
}

bool
InternetSideOptions::CheckSubnet() const
{
    if (publicIp == internetIp || !publicMask.IsMatch(publicIp, internetIp) ||
        publicMask != internetMask)
    {
        std::cerr << "error: --public-ip and --internet-ip must be two addresses of one subnet\n";
        return false;
    }
    return true;
}

TapSpec
InternetSideOptions::GetTapSpec() const
{
    TapSpec spec;
    spec.role = "Internet";
    spec.ns = ns;
    spec.name = tap;
    spec.mac = mac;
    spec.haveIpv4 = true;
    spec.ipv4 = internetIp;
    spec.mask = internetMask;
    spec.showIpv4 = true;
    return spec;
}

void
SetServerTcpDefaults()
{
    // Full-size segments (1448 + 12 bytes of timestamps), and buffers as large as Linux's
    // defaults. Nagle stays off, ns-3's default: with it on, transfers were slower here.
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(1 << 20));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(1 << 20));
}

Ptr<ResoaServer>
EmuResoaServer::Install(Ptr<Node> node,
                        Ptr<NetDevice> ap,
                        Ptr<NetDevice> internetDev,
                        InternetSideOptions& options)
{
    InternetStackHelper internet;
    internet.Install(node);
    Ptr<Ipv4> ipv4 = node->GetObject<Ipv4>();
    const uint32_t ifIndex = ipv4->AddInterface(internetDev);
    ipv4->AddAddress(ifIndex, Ipv4InterfaceAddress(options.publicIp, options.publicMask));
    ipv4->SetMetric(ifIndex, 1);
    ipv4->SetUp(ifIndex);
    Ipv4StaticRoutingHelper routing;
    routing.GetStaticRouting(ipv4)->SetDefaultRoute(options.internetIp, ifIndex);
    // ns-3's TCP always starts at ephemeral port 49153 with ISN 0 and timestamps from 0, so a
    // second run against the same real host reuses the 4-tuples of the first one, which that
    // host may still hold in TIME_WAIT: it answers the SYN with an ACK (PAWS), which ns-3
    // ignores, and the connection waits for SYN retransmissions (3 s, 6 s, ...). Skipping
    // ports avoids it.
    if (options.portSkipText == "random")
    {
        options.portSkip = std::random_device{}() % 16383;
    }
    Ptr<TcpL4Protocol> tcp = node->GetObject<TcpL4Protocol>();
    for (uint64_t i = 0; i < options.portSkip; ++i)
    {
        tcp->DeAllocate(tcp->Allocate());
    }

    // The ReSoA server, listening for LHP on the AP's device only.
    ResoaHelper resoa;
    resoa.SetServerAttribute("PublicAddress", Ipv4AddressValue(options.publicIp));
    m_server = resoa.InstallServer(node, NetDeviceContainer(ap));
    m_server->TraceConnectWithoutContext("Request", MakeCallback(&EmuResoaServer::OnRequest, this));
    m_server->TraceConnectWithoutContext("SocketOpen",
                                         MakeCallback(&EmuResoaServer::OnSocketOpen, this));
    return m_server;
}

void
EmuResoaServer::Report(std::ostream& os) const
{
    resoa::LhpStats lhp;
    resoa::LhpEndpointStats endpoint;
    for (Ptr<LhpProtocol> l : m_server->GetLhps())
    {
        resoa::AddLhpStats(lhp, l->GetTotalStats());
        endpoint = l->GetEndpointStats();
    }
    os << "ReSoA server: LHP connections accepted " << endpoint.accepted << ", EP requests "
       << m_requests << ", sockets opened " << m_socketsOpened << ", LHP data frames sent "
       << lhp.dataFramesSent << " (retransmitted " << lhp.retransmissions << "), received "
       << lhp.framesReceived << ", bad " << lhp.badFrames + endpoint.badFrames << "\n";
}

void
EmuResoaServer::OnRequest(uint64_t, uint8_t, uint32_t)
{
    ++m_requests;
}

void
EmuResoaServer::OnSocketOpen(uint64_t)
{
    ++m_socketsOpened;
}

} // namespace emu
} // namespace ns3
