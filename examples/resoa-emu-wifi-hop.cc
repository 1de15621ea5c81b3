/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ns-3 as the wireless channel between two real hosts, in real time:
 *
 *   namespace c (real host)                                 namespace s (real host)
 *   resoa-clientd, curl, ...                                resoa-serverd, http server, ...
 *     [tap emu0, MAC C] ............ ns-3 (this program) ............ [tap emu0, MAC S]
 *          |                                                                   |
 *     FdNetDevice --EmuL2Relay-- STA (MAC C) ))) lossy 802.11a ((( AP (MAC S) --EmuL2Relay--
 * FdNetDevice node "client side"                                                node "server side"
 *
 * Every Ethernet frame either host sends crosses one simulated 802.11a hop (54/24 Mbit/s,
 * MAC retries, a post-reception loss model) and comes out of the other tap with its source
 * and destination unchanged: LHP (EtherType 0x88B5, no IP) between a real resoa-clientd and a
 * real resoa-serverd, and IPv4/ARP when the taps have addresses (real kernel TCP over the same
 * hop, for comparison). The simulated station takes host c's MAC and the AP host s's MAC
 * (EmuL2Relay::SetDeviceAddress), because an 802.11 station cannot send on behalf of another
 * address: the hosts' frames then need no rewriting at all (see model/emu/emu-l2-relay.h).
 *
 * The taps are created by this program in the namespaces named on the command line
 * (TapEmuHelper: /dev/net/tun, no helper binary; needs root) before the simulation starts,
 * and disappear when it exits. It runs until --duration or SIGINT/SIGTERM, then prints how
 * far the real-time simulator fell behind the wall clock (RealtimeLagMonitor), what the relays
 * carried and what the channel did; with --max-lag it exits 3 when the lag exceeded the bound.
 *
 *   ip netns add c; ip netns add s
 *   build/examples/resoa-emu-wifi-hop --client-ns=c --server-ns=s --loss-model=iid --loss=0.2
 *   ip netns exec s build/realnet/resoa-serverd --interface emu0 --public-address ...
 *   ip netns exec c build/realnet/resoa-clientd --interface emu0 --server-mac 02:00:00:e0:00:02 ...
 *
 * Exit status: 0 ok, 1 runtime failure, 2 bad arguments or missing privileges, 3 lag bound
 * exceeded.
 */
#include "ns3/core-module.h"
#include "ns3/data-frame-error-model.h"
#include "ns3/emu-l2-relay.h"
#include "ns3/gilbert-elliott-error-model.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/network-module.h"
#include "ns3/realtime-lag-monitor.h"
#include "ns3/tap-emu-helper.h"
#include "ns3/wifi-module.h"

#include "harness/command-line-checks.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

extern char** environ;

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("ResoaEmuWifiHop");

namespace
{

/// Exit status when the measured lag exceeded --max-lag.
constexpr int kExitLagBound = 3;

/// 802.11 counters, from the devices' remote station managers and the loss models.
struct ChannelCounters
{
    uint64_t macTxDataFailed = 0;      //!< data frame attempts that got no ACK (retried)
    uint64_t macTxFinalDataFailed = 0; //!< data frames the MAC gave up on
    uint32_t associations = 0;         //!< station (re)associations
    uint32_t deassociations = 0;       //!< station de-associations
};

ChannelCounters g_channel;

/// Parses "aa:bb:cc:dd:ee:ff" strictly.
bool
ParseMac(const std::string& name, const std::string& text, Mac48Address& out)
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
        std::cerr << "error: --" << name << " must be a MAC address aa:bb:cc:dd:ee:ff, got '"
                  << text << "'\n";
        return false;
    }
    if (b[0] & 1)
    {
        std::cerr << "error: --" << name << " must be a unicast address, got " << text << "\n";
        return false;
    }
    uint8_t bytes[6];
    for (int i = 0; i < 6; ++i)
    {
        bytes[i] = static_cast<uint8_t>(b[i]);
    }
    out.CopyFrom(bytes);
    return true;
}

/// Parses "a.b.c.d/len" ("" = none).
bool
ParseCidr(const std::string& name,
          const std::string& text,
          bool& have,
          Ipv4Address& address,
          Ipv4Mask& mask)
{
    have = !text.empty();
    if (!have)
    {
        return true;
    }
    const auto slash = text.find('/');
    uint64_t len = 0;
    in_addr probe{};
    if (slash == std::string::npos ||
        inet_pton(AF_INET, text.substr(0, slash).c_str(), &probe) != 1 ||
        !cli::ParseUnsigned(name + " prefix length", text.substr(slash + 1), 1, 32, len))
    {
        std::cerr << "error: --" << name << " must be an IPv4 address with a prefix length, like "
                  << "10.99.0.1/24, got '" << text << "'\n";
        return false;
    }
    address = Ipv4Address(text.substr(0, slash).c_str());
    mask = Ipv4Mask(("/" + std::to_string(len)).c_str());
    return true;
}

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

/// The namespace exists under /run/netns.
bool
NamespaceExists(const std::string& ns)
{
    return ns.empty() || ns[0] == '/' || access(("/run/netns/" + ns).c_str(), F_OK) == 0;
}

void
OnMacTxDataFailed(Mac48Address)
{
    ++g_channel.macTxDataFailed;
}

void
OnMacTxFinalDataFailed(Mac48Address)
{
    ++g_channel.macTxFinalDataFailed;
}

void
OnAssoc(Mac48Address bssid)
{
    ++g_channel.associations;
    std::cout << "emu: station associated with AP " << bssid << " at "
              << Simulator::Now().GetSeconds() << " s" << std::endl;
}

void
OnDeAssoc(Mac48Address bssid)
{
    ++g_channel.deassociations;
    std::cout << "emu: station lost its association with " << bssid << " at "
              << Simulator::Now().GetSeconds() << " s (frames are dropped until it "
              << "associates again)" << std::endl;
}

/// Periodic one-line progress report.
void
Progress(Time interval,
         Ptr<RealtimeLagMonitor> lag,
         Ptr<EmuL2Relay> clientRelay,
         Ptr<EmuL2Relay> serverRelay)
{
    std::cout << std::fixed << std::setprecision(1) << "emu: t=" << Simulator::Now().GetSeconds()
              << " s lag max " << lag->GetMaxLag().GetMicroSeconds() / 1000.0 << " ms, c->s "
              << clientRelay->GetRelayed(0) << " frames, s->c " << serverRelay->GetRelayed(0)
              << " frames" << std::endl;
    Simulator::Schedule(interval, &Progress, interval, lag, clientRelay, serverRelay);
}

/**
 * Waits for SIGINT/SIGTERM (blocked in every thread, so only this one receives them) and stops
 * the simulation from the simulator's own thread: RealtimeSimulatorImpl::ScheduleWithContext
 * is safe to call from another thread. SIGUSR1 ends the waiter after the run.
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

} // namespace

int
main(int argc, char* argv[])
{
    std::string clientNs;
    std::string serverNs;
    std::string createText = "0";
    std::string clientTap = "emu0";
    std::string serverTap = "emu0";
    std::string clientMacText = "02:00:00:e0:00:01";
    std::string serverMacText = "02:00:00:e0:00:02";
    std::string clientIpText;
    std::string serverIpText;
    std::string lossModel = "iid";
    std::string lossText = "0";
    std::string lossFrames = "data";
    std::string fadeGoodText = "1000";
    std::string fadeBadText = "50";
    std::string distanceText = "30";
    std::string macRetriesText = "7";
    std::string seedText = "1";
    std::string runText = "1";
    std::string durationText = "0";
    std::string pcapText = "0";
    std::string pcapPrefix = "resoa-emu-wifi-hop";
    std::string maxLagText = "0";
    std::string lagPeriodText = "1";
    std::string progressText = "0";

    CommandLine cmd(__FILE__);
    cmd.Usage("ns-3 as the 802.11 hop between two real hosts (network namespaces), in real "
              "time. Needs root. Stops at --duration or on SIGINT/SIGTERM and prints the "
              "real-time lag report.");
    cmd.AddValue(
        "client-ns", "network namespace of the real client host (its tap goes there)", clientNs);
    cmd.AddValue("server-ns", "network namespace of the real server host", serverNs);
    cmd.AddValue("create-namespaces",
                 "create the two namespaces if missing (ip netns add), and delete the ones "
                 "created at exit",
                 createText);
    cmd.AddValue("client-tap", "tap interface name in the client namespace", clientTap);
    cmd.AddValue("server-tap", "tap interface name in the server namespace", serverTap);
    cmd.AddValue("client-mac",
                 "MAC of the client's tap; the simulated 802.11 station uses it too",
                 clientMacText);
    cmd.AddValue("server-mac",
                 "MAC of the server's tap; the simulated access point uses it too (give it to "
                 "resoa-clientd --server-mac)",
                 serverMacText);
    cmd.AddValue("client-ip", "IPv4 address/prefix for the client's tap ('' = none)", clientIpText);
    cmd.AddValue("server-ip", "IPv4 address/prefix for the server's tap ('' = none)", serverIpText);
    cmd.AddValue("loss-model",
                 "none | iid (--loss per frame) | gilbert (fades: loss 1 in Bad, --loss in Good) "
                 "| distance (log-distance + Nakagami + Minstrel at --distance, --loss on top)",
                 lossModel);
    cmd.AddValue("loss", "frame loss probability after reception, in [0, 1)", lossText);
    cmd.AddValue("loss-frames",
                 "data: loss hits data frames and MAC ACKs, management frames are spared (no "
                 "de-association); all: every frame",
                 lossFrames);
    cmd.AddValue("fade-good-ms", "gilbert: mean time between fades, ms", fadeGoodText);
    cmd.AddValue("fade-bad-ms", "gilbert: mean fade length, ms", fadeBadText);
    cmd.AddValue("distance", "distance: station-AP distance, m", distanceText);
    cmd.AddValue("mac-retries", "802.11 MAC retry limit (MaxSsrc/MaxSlrc)", macRetriesText);
    cmd.AddValue("seed", "RngSeedManager seed", seedText);
    cmd.AddValue("run", "RngSeedManager run number", runText);
    cmd.AddValue("duration", "seconds to run (0 = until SIGINT/SIGTERM)", durationText);
    cmd.AddValue("pcap", "write pcap files of every simulated device (1/0)", pcapText);
    cmd.AddValue("pcap-prefix", "prefix of the pcap files", pcapPrefix);
    cmd.AddValue("max-lag",
                 "fail (exit 3) if the real-time lag ever exceeded this many ms (0 = no bound)",
                 maxLagText);
    cmd.AddValue("lag-period", "lag sampling period, ms of simulated time", lagPeriodText);
    cmd.AddValue(
        "progress", "print a progress line every this many seconds (0 = never)", progressText);
    if (!cli::RequireValues(argc, argv))
    {
        return 2;
    }
    cmd.Parse(argc, argv);

    bool create = false;
    bool pcap = false;
    double loss = 0;
    uint64_t fadeGoodMs = 0;
    uint64_t fadeBadMs = 0;
    uint64_t distance = 0;
    uint64_t macRetries = 0;
    uint64_t seed = 0;
    uint64_t run = 0;
    uint64_t duration = 0;
    double maxLagMs = 0;
    double lagPeriodMs = 0;
    uint64_t progress = 0;
    Mac48Address clientMac;
    Mac48Address serverMac;
    bool haveClientIp = false;
    bool haveServerIp = false;
    Ipv4Address clientIp;
    Ipv4Address serverIp;
    Ipv4Mask clientMask;
    Ipv4Mask serverMask;
    if (!cli::ParseFlag("create-namespaces", createText, create) ||
        !cli::ParseFlag("pcap", pcapText, pcap) ||
        !cli::ParseFraction("loss", lossText, 0, 1, loss) ||
        !cli::ParseUnsigned("fade-good-ms", fadeGoodText, 1, 3600000, fadeGoodMs) ||
        !cli::ParseUnsigned("fade-bad-ms", fadeBadText, 1, 3600000, fadeBadMs) ||
        !cli::ParseUnsigned("distance", distanceText, 1, 1000, distance) ||
        !cli::ParseUnsigned("mac-retries", macRetriesText, 1, 64, macRetries) ||
        !cli::ParseUnsigned("seed", seedText, 1, 0xffffffffULL, seed) ||
        !cli::ParseUnsigned("run", runText, 0, 0xffffffffULL, run) ||
        !cli::ParseUnsigned("duration", durationText, 0, 365ULL * 86400, duration) ||
        !cli::ParseFraction("max-lag", maxLagText, 0, 1e7, maxLagMs) ||
        !cli::ParseFraction("lag-period", lagPeriodText, 0.01, 1e6, lagPeriodMs) ||
        !cli::ParseUnsigned("progress", progressText, 0, 86400, progress) ||
        !ParseMac("client-mac", clientMacText, clientMac) ||
        !ParseMac("server-mac", serverMacText, serverMac) ||
        !ParseCidr("client-ip", clientIpText, haveClientIp, clientIp, clientMask) ||
        !ParseCidr("server-ip", serverIpText, haveServerIp, serverIp, serverMask))
    {
        return 2;
    }
    if (lossModel != "none" && lossModel != "iid" && lossModel != "gilbert" &&
        lossModel != "distance")
    {
        std::cerr << "error: --loss-model must be none, iid, gilbert or distance, got '"
                  << lossModel << "'\n";
        return 2;
    }
    if (lossModel == "none" && loss != 0)
    {
        std::cerr << "error: --loss-model=none takes no --loss\n";
        return 2;
    }
    if (lossFrames != "data" && lossFrames != "all")
    {
        std::cerr << "error: --loss-frames must be data or all, got '" << lossFrames << "'\n";
        return 2;
    }
    if (clientNs.empty() || serverNs.empty() || clientNs == serverNs)
    {
        std::cerr << "error: --client-ns and --server-ns must name two different network "
                     "namespaces\n";
        return 2;
    }
    if (clientMac == serverMac)
    {
        std::cerr << "error: --client-mac and --server-mac must differ\n";
        return 2;
    }
    for (const std::string& tap : {clientTap, serverTap})
    {
        if (tap.empty() || tap.size() >= IFNAMSIZ)
        {
            std::cerr << "error: tap name '" << tap << "' must have 1 to " << IFNAMSIZ - 1
                      << " characters\n";
            return 2;
        }
    }
    if (std::string why = TapEmuHelper::CheckPrerequisites(); !why.empty())
    {
        std::cerr << "error: cannot emulate here: " << why << "\n";
        return 2;
    }

    // Signals: blocked before any thread exists (FdNetDevice's readers inherit the mask), and
    // taken by one waiter thread started just before the run.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    // Namespaces: created (if asked) with ip, before the simulation; never from an event.
    std::vector<std::string> created;
    for (const std::string& ns : {clientNs, serverNs})
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
        created.push_back(ns);
        std::cout << "emu: created network namespace " << ns << std::endl;
    }
    auto removeCreated = [&created]()
    {
        for (const std::string& ns : created)
        {
            RunProgram({"ip", "netns", "del", ns});
        }
    };

    TapEmuHelper::EnableRealtime();
    RngSeedManager::SetSeed(static_cast<uint32_t>(seed));
    RngSeedManager::SetRun(run);

    Ptr<Node> clientSide = CreateObject<Node>();
    Ptr<Node> serverSide = CreateObject<Node>();

    // The wireless hop: the AP on the server side, the station on the client side.
    LossyWifiHelper wifi;
    wifi.SetMacRetries(static_cast<uint32_t>(macRetries));
    Ptr<GilbertElliottErrorModel> fades;
    Ptr<ErrorModel> inner;
    if (lossModel == "distance")
    {
        wifi.SetDistance(static_cast<double>(distance), true, true);
    }
    if (lossModel == "gilbert")
    {
        fades = CreateObject<GilbertElliottErrorModel>();
        fades->SetAttribute("MeanGoodDuration", TimeValue(MilliSeconds(fadeGoodMs)));
        fades->SetAttribute("MeanBadDuration", TimeValue(MilliSeconds(fadeBadMs)));
        fades->SetAttribute("GoodLossProbability", DoubleValue(loss));
        fades->SetAttribute("BadLossProbability", DoubleValue(1.0));
        inner = fades;
    }
    else if (loss > 0)
    {
        Ptr<RateErrorModel> rate = CreateObject<RateErrorModel>();
        rate->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
        rate->SetAttribute("ErrorRate", DoubleValue(loss));
        inner = rate;
    }
    if (inner)
    {
        // One inner model shared by both PHYs: one fade timeline hits both directions.
        ObjectFactory f("ns3::DataFrameErrorModel");
        f.Set("Inner", PointerValue(inner));
        f.Set("ProtectManagement", BooleanValue(lossFrames == "data"));
        f.Set("ProtectControl", BooleanValue(false));
        wifi.SetErrorModelFactory(f);
    }
    NetDeviceContainer air = wifi.Install(serverSide, NodeContainer(clientSide));
    Ptr<NetDevice> ap = air.Get(0);
    Ptr<NetDevice> sta = air.Get(1);
    // Also reaches the shared inner model, through the DataFrameErrorModels.
    wifi.AssignStreams(air, 100);
    // The station stands for host c and the AP for host s (see EmuL2Relay).
    EmuL2Relay::SetDeviceAddress(sta, clientMac);
    EmuL2Relay::SetDeviceAddress(ap, serverMac);

    // The taps, made and brought up in the namespaces now, before the simulation runs.
    TapEmuHelper taps;
    taps.SetNamespace(clientNs);
    taps.SetTapName(clientTap);
    taps.SetTapMacAddress(clientMac);
    if (haveClientIp)
    {
        taps.SetTapIpv4Address(clientIp, clientMask);
    }
    std::string error;
    Ptr<FdNetDevice> clientTapDev = taps.TryInstall(clientSide, error);
    if (!clientTapDev)
    {
        std::cerr << "error: client tap in namespace " << clientNs << ": " << error << "\n";
        removeCreated();
        return 2;
    }
    std::cout << "emu: tap " << taps.GetTapName() << " (" << taps.GetTapMacAddress()
              << ") up in namespace " << clientNs << std::endl;
    taps.SetNamespace(serverNs);
    taps.SetTapName(serverTap);
    taps.SetTapMacAddress(serverMac);
    taps.ClearTapIpv4Address();
    if (haveServerIp)
    {
        taps.SetTapIpv4Address(serverIp, serverMask);
    }
    Ptr<FdNetDevice> serverTapDev = taps.TryInstall(serverSide, error);
    if (!serverTapDev)
    {
        std::cerr << "error: server tap in namespace " << serverNs << ": " << error << "\n";
        removeCreated();
        return 2;
    }
    std::cout << "emu: tap " << taps.GetTapName() << " (" << taps.GetTapMacAddress()
              << ") up in namespace " << serverNs << std::endl;

    Ptr<EmuL2Relay> clientRelay = CreateObject<EmuL2Relay>();
    clientRelay->Install(clientTapDev, sta);
    Ptr<EmuL2Relay> serverRelay = CreateObject<EmuL2Relay>();
    serverRelay->Install(serverTapDev, ap);

    for (Ptr<NetDevice> dev : {ap, sta})
    {
        Ptr<WifiRemoteStationManager> manager =
            DynamicCast<WifiNetDevice>(dev)->GetRemoteStationManager();
        manager->TraceConnectWithoutContext("MacTxDataFailed", MakeCallback(&OnMacTxDataFailed));
        manager->TraceConnectWithoutContext("MacTxFinalDataFailed",
                                            MakeCallback(&OnMacTxFinalDataFailed));
    }
    Ptr<WifiMac> staMac = DynamicCast<WifiNetDevice>(sta)->GetMac();
    staMac->TraceConnectWithoutContext("Assoc", MakeCallback(&OnAssoc));
    staMac->TraceConnectWithoutContext("DeAssoc", MakeCallback(&OnDeAssoc));

    if (pcap)
    {
        wifi.EnablePcap(pcapPrefix + "-wifi", air);
        taps.EnablePcap(
            pcapPrefix + "-tap",
            NetDeviceContainer(NetDeviceContainer(clientTapDev), NetDeviceContainer(serverTapDev)),
            true);
    }

    Ptr<RealtimeLagMonitor> lag = CreateObject<RealtimeLagMonitor>();
    lag->SetAttribute("Period", TimeValue(MicroSeconds(static_cast<int64_t>(lagPeriodMs * 1000))));
    lag->Start();
    if (progress > 0)
    {
        const Time every = Seconds(static_cast<double>(progress));
        Simulator::Schedule(every, &Progress, every, lag, clientRelay, serverRelay);
    }
    if (duration > 0)
    {
        Simulator::Stop(Seconds(static_cast<double>(duration)));
    }

    std::cout << "emu: 802.11a hop, loss model " << lossModel << " (loss " << loss << ", "
              << (lossFrames == "data" ? "data frames and ACKs" : "all frames") << "), MAC retries "
              << macRetries << "; station " << clientMac << " <-> AP " << serverMac << std::endl;
    std::cout << "emu: running in real time"
              << (duration > 0 ? " for " + std::to_string(duration) + " s"
                               : std::string(" until SIGINT/SIGTERM"))
              << std::endl;

    std::thread waiter(&SignalWaiter, signals);
    const auto wallStart = std::chrono::steady_clock::now();
    Simulator::Run();
    const double wallSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    pthread_kill(waiter.native_handle(), SIGUSR1);
    waiter.join();

    std::cout << std::fixed << std::setprecision(3) << "emu: ran " << Simulator::Now().GetSeconds()
              << " s simulated in " << wallSeconds << " s wall time\n";
    lag->Report(std::cout);
    clientRelay->Report(std::cout, "client side (A = tap in " + clientNs + ", B = station)");
    serverRelay->Report(std::cout, "server side (A = tap in " + serverNs + ", B = AP)");
    std::cout << "802.11: MAC data attempts lost " << g_channel.macTxDataFailed
              << ", frames given up after " << macRetries << " retries "
              << g_channel.macTxFinalDataFailed << ", associations " << g_channel.associations
              << ", de-associations " << g_channel.deassociations;
    if (fades)
    {
        std::cout << ", fades " << fades->GetBadPeriods();
    }
    for (const auto& em : wifi.GetErrorModels())
    {
        if (Ptr<DataFrameErrorModel> df = DynamicCast<DataFrameErrorModel>(em))
        {
            std::cout << ", corrupted data " << df->GetFramesCorrupted(DataFrameErrorModel::DATA)
                      << "/" << df->GetFramesSeen(DataFrameErrorModel::DATA) << " control "
                      << df->GetFramesCorrupted(DataFrameErrorModel::CONTROL) << "/"
                      << df->GetFramesSeen(DataFrameErrorModel::CONTROL);
        }
    }
    std::cout << "\n";

    int status = 0;
    if (maxLagMs > 0)
    {
        const Time bound = MicroSeconds(static_cast<int64_t>(maxLagMs * 1000));
        if (lag->GetMaxLag() > bound)
        {
            std::cout << "error: real-time lag " << lag->GetMaxLag().GetMicroSeconds() / 1000.0
                      << " ms exceeded --max-lag=" << maxLagMs << " ms in "
                      << lag->CountAbove(bound) << " of " << lag->GetSampleCount() << " samples\n";
            status = kExitLagBound;
        }
        else
        {
            std::cout << "lag bound: ok (max " << lag->GetMaxLag().GetMicroSeconds() / 1000.0
                      << " ms <= " << maxLagMs << " ms)\n";
        }
    }
    std::cout.flush();
    // Disposing the FdNetDevices closes the tap descriptors: the kernel removes the taps.
    Simulator::Destroy();
    removeCreated();
    return status;
}
