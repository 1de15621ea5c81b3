/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A real ReSoA client, everything else simulated, in real time:
 *
 *   namespace c (real client, no IP)      ns-3 (this program)            namespace i (real host)
 *   curl under resoa-run, resoa-clientd                                   python3 http.server
 *     [tap emu0, MAC C]                                                   [tap emu0, 198.51.100.2]
 *        |                                                                      |
 *   FdNetDevice -relay- STA (MAC C) ))) lossy 802.11a ((( AP (MAC S)            |
 *   node "client side"                                   ReSoA server   FdNetDevice 198.51.100.1
 *                                                        (LHP on the AP device, own TCP/IP)
 *
 * The real resoa-clientd talks LHP (EtherType 0x88B5) to the simulated ResoaServer, which runs
 * the same sans-I/O core as resoa-serverd: it listens for LHP on the AP's WifiNetDevice, whose
 * MAC is the one given to `resoa-clientd --server-mac`. The client's frames cross the tap and
 * the simulated station (which takes the client tap's MAC, as in resoa-emu-wifi-hop: a station
 * cannot send on behalf of another address). The server executes the client's socket calls on
 * its own ns-3 TCP/IP stack, whose only interface is an FdNetDevice on a second tap: a real
 * namespace standing for the Internet. So an unmodified curl in namespace c can fetch a real
 * file from a real http server, and that server sees the simulated ReSoA server's public
 * address.
 *
 *   ip netns add c; ip netns add i
 *   build/examples/resoa-emu-real-client --client-ns=c --internet-ns=i --loss=0.1 &
 *   ip netns exec i python3 -m http.server 8080 --bind 198.51.100.2 &
 *   ip netns exec c build/realnet/resoa-clientd --interface emu0 \
 *       --server-mac 02:00:00:e0:00:02 --unix-socket /run/resoa-c.sock &
 *   ip netns exec c env RESOA_CLIENTD_SOCKET=/run/resoa-c.sock build/realnet/resoa-run \
 *       curl -o blob http://198.51.100.2:8080/blob
 *
 * Exit status: 0 ok, 1 runtime failure, 2 bad arguments or missing privileges, 3 lag bound
 * exceeded.
 */
#include "ns3/resoa-helper.h"

#include "ns3/core-module.h"
#include "ns3/data-frame-error-model.h"
#include "ns3/emu-l2-relay.h"
#include "ns3/gilbert-elliott-error-model.h"
#include "ns3/internet-module.h"
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
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <random>
#include <thread>

extern char** environ;

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("ResoaEmuRealClient");

namespace
{

/// Exit status when the measured lag exceeded --max-lag.
constexpr int kExitLagBound = 3;

/// 802.11 and ReSoA server counters.
struct Counters
{
    uint64_t macTxDataFailed = 0;      //!< data frame attempts that got no ACK (retried)
    uint64_t macTxFinalDataFailed = 0; //!< data frames the MAC gave up on
    uint32_t associations = 0;         //!< station (re)associations
    uint32_t deassociations = 0;       //!< station de-associations
    uint64_t socketsOpened = 0;        //!< server sockets created for the client
    uint64_t requests = 0;             //!< EP requests the server received
};

Counters g_counters;

/// Parses "aa:bb:cc:dd:ee:ff" strictly (unicast only).
bool
ParseMac(const std::string& name, const std::string& text, Mac48Address& out)
{
    unsigned b[6];
    char tail = 0;
    if (text.size() != 17 ||
        std::sscanf(text.c_str(),
                    "%2x:%2x:%2x:%2x:%2x:%2x%c",
                    &b[0],
                    &b[1],
                    &b[2],
                    &b[3],
                    &b[4],
                    &b[5],
                    &tail) != 6 ||
        (b[0] & 1))
    {
        std::cerr << "error: --" << name << " must be a unicast MAC address aa:bb:cc:dd:ee:ff, "
                  << "got '" << text << "'\n";
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

/// Parses "a.b.c.d/len" (required).
bool
ParseCidr(const std::string& name, const std::string& text, Ipv4Address& address, Ipv4Mask& mask)
{
    const auto slash = text.find('/');
    uint64_t len = 0;
    in_addr probe{};
    if (slash == std::string::npos ||
        inet_pton(AF_INET, text.substr(0, slash).c_str(), &probe) != 1 ||
        !cli::ParseUnsigned(name + " prefix length", text.substr(slash + 1), 1, 30, len))
    {
        std::cerr << "error: --" << name << " must be an IPv4 address with a prefix length, like "
                  << "198.51.100.1/24, got '" << text << "'\n";
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

/// The namespace exists under /run/netns (or is a path).
bool
NamespaceExists(const std::string& ns)
{
    return ns[0] == '/' || access(("/run/netns/" + ns).c_str(), F_OK) == 0;
}

void
OnMacTxDataFailed(Mac48Address)
{
    ++g_counters.macTxDataFailed;
}

void
OnMacTxFinalDataFailed(Mac48Address)
{
    ++g_counters.macTxFinalDataFailed;
}

void
OnAssoc(Mac48Address bssid)
{
    ++g_counters.associations;
    std::cout << "emu: station associated with AP " << bssid << " at "
              << Simulator::Now().GetSeconds() << " s" << std::endl;
}

void
OnDeAssoc(Mac48Address bssid)
{
    ++g_counters.deassociations;
    std::cout << "emu: station lost its association with " << bssid << " at "
              << Simulator::Now().GetSeconds() << " s" << std::endl;
}

void
OnServerRequest(uint64_t, uint8_t, uint32_t)
{
    ++g_counters.requests;
}

void
OnServerSocketOpen(uint64_t)
{
    ++g_counters.socketsOpened;
}

/// Periodic one-line progress report.
void
Progress(Time interval, Ptr<RealtimeLagMonitor> lag, Ptr<EmuL2Relay> relay, Ptr<ResoaServer> server)
{
    std::cout << std::fixed << std::setprecision(1) << "emu: t=" << Simulator::Now().GetSeconds()
              << " s lag max " << lag->GetMaxLag().GetMicroSeconds() / 1000.0 << " ms, c->air "
              << relay->GetRelayed(0) << " frames, air->c " << relay->GetRelayed(1)
              << " frames, server sessions " << server->GetSessionCount() << std::endl;
    Simulator::Schedule(interval, &Progress, interval, lag, relay, server);
}

/// Reports changes of the server's session count (polled: ResoaServer has no session trace).
void
WatchSessions(Ptr<ResoaServer> server, uint32_t last)
{
    const uint32_t now = server->GetSessionCount();
    if (now != last)
    {
        std::cout << "emu: ReSoA server sessions " << now << " at " << Simulator::Now().GetSeconds()
                  << " s" << std::endl;
    }
    Simulator::Schedule(MilliSeconds(10), &WatchSessions, server, now);
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

} // namespace

int
main(int argc, char* argv[])
{
    std::string clientNs;
    std::string internetNs;
    std::string createText = "0";
    std::string clientTap = "emu0";
    std::string internetTap = "emu0";
    std::string clientMacText = "02:00:00:e0:00:01";
    std::string serverMacText = "02:00:00:e0:00:02";
    std::string internetMacText = "02:00:00:e0:00:03";
    std::string publicText = "198.51.100.1/24";
    std::string internetText = "198.51.100.2/24";
    std::string lossModel = "iid";
    std::string lossText = "0";
    std::string lossFrames = "data";
    std::string fadeGoodText = "1000";
    std::string fadeBadText = "50";
    std::string macRetriesText = "7";
    std::string seedText = "1";
    std::string runText = "1";
    std::string durationText = "0";
    std::string pcapText = "0";
    std::string pcapPrefix = "resoa-emu-real-client";
    std::string maxLagText = "0";
    std::string lagPeriodText = "1";
    std::string progressText = "0";
    std::string portSkipText = "random";

    // The server's TCP talks to a real Linux host over a 1500-byte link: full-size segments
    // (1448 + 12 bytes of timestamps), and buffers as large as Linux's defaults. Before Parse,
    // so --ns3::TcpSocket::... can override them (Nagle stays off, ns-3's default: with it on,
    // transfers were slower here).
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(1 << 20));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(1 << 20));

    CommandLine cmd(__FILE__);
    cmd.Usage("A real resoa-clientd (network namespace) served by a simulated ReSoA server "
              "across a simulated lossy 802.11 hop; the server's Internet side is a second real "
              "namespace. Real time, needs root. Stops at --duration or on SIGINT/SIGTERM and "
              "prints the real-time lag report.");
    cmd.AddValue("client-ns", "network namespace of the real ReSoA client (tap, no IP)", clientNs);
    cmd.AddValue("internet-ns",
                 "network namespace of the real Internet host (tap with --internet-ip)",
                 internetNs);
    cmd.AddValue("create-namespaces",
                 "create missing namespaces (ip netns add), and delete them at exit",
                 createText);
    cmd.AddValue("client-tap", "tap interface name in the client namespace", clientTap);
    cmd.AddValue("internet-tap", "tap interface name in the Internet namespace", internetTap);
    cmd.AddValue("client-mac",
                 "MAC of the client's tap; the simulated 802.11 station uses it too",
                 clientMacText);
    cmd.AddValue("server-mac",
                 "LHP address of the simulated ReSoA server: its AP's MAC (give it to "
                 "resoa-clientd --server-mac)",
                 serverMacText);
    cmd.AddValue("internet-mac", "MAC of the Internet namespace's tap", internetMacText);
    cmd.AddValue("public-ip",
                 "the simulated server's public IPv4 address/prefix, on its Internet link",
                 publicText);
    cmd.AddValue("internet-ip",
                 "IPv4 address/prefix of the Internet namespace's tap (same subnet; also the "
                 "simulated server's default gateway)",
                 internetText);
    cmd.AddValue("loss-model",
                 "none | iid (--loss per frame) | gilbert (fades: loss 1 in Bad, --loss in Good)",
                 lossModel);
    cmd.AddValue("loss", "802.11 frame loss probability after reception, in [0, 1)", lossText);
    cmd.AddValue("loss-frames",
                 "data: loss hits data frames and MAC ACKs, management frames are spared; all: "
                 "every frame",
                 lossFrames);
    cmd.AddValue("fade-good-ms", "gilbert: mean time between fades, ms", fadeGoodText);
    cmd.AddValue("fade-bad-ms", "gilbert: mean fade length, ms", fadeBadText);
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
    cmd.AddValue("port-skip",
                 "ephemeral TCP ports the simulated server skips before its first connection "
                 "(random = 0..16382 from the wall clock, see README-emu.md)",
                 portSkipText);
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
    uint64_t macRetries = 0;
    uint64_t seed = 0;
    uint64_t run = 0;
    uint64_t duration = 0;
    double maxLagMs = 0;
    double lagPeriodMs = 0;
    uint64_t progress = 0;
    uint64_t portSkip = 0;
    Mac48Address clientMac;
    Mac48Address serverMac;
    Mac48Address internetMac;
    Ipv4Address publicIp;
    Ipv4Mask publicMask;
    Ipv4Address internetIp;
    Ipv4Mask internetMask;
    if (!cli::ParseFlag("create-namespaces", createText, create) ||
        !cli::ParseFlag("pcap", pcapText, pcap) ||
        !cli::ParseFraction("loss", lossText, 0, 1, loss) ||
        !cli::ParseUnsigned("fade-good-ms", fadeGoodText, 1, 3600000, fadeGoodMs) ||
        !cli::ParseUnsigned("fade-bad-ms", fadeBadText, 1, 3600000, fadeBadMs) ||
        !cli::ParseUnsigned("mac-retries", macRetriesText, 1, 64, macRetries) ||
        !cli::ParseUnsigned("seed", seedText, 1, 0xffffffffULL, seed) ||
        !cli::ParseUnsigned("run", runText, 0, 0xffffffffULL, run) ||
        !cli::ParseUnsigned("duration", durationText, 0, 365ULL * 86400, duration) ||
        !cli::ParseFraction("max-lag", maxLagText, 0, 1e7, maxLagMs) ||
        !cli::ParseFraction("lag-period", lagPeriodText, 0.01, 1e6, lagPeriodMs) ||
        !cli::ParseUnsigned("progress", progressText, 0, 86400, progress) ||
        !ParseMac("client-mac", clientMacText, clientMac) ||
        !ParseMac("server-mac", serverMacText, serverMac) ||
        !ParseMac("internet-mac", internetMacText, internetMac) ||
        !ParseCidr("public-ip", publicText, publicIp, publicMask) ||
        !ParseCidr("internet-ip", internetText, internetIp, internetMask) ||
        (portSkipText != "random" &&
         !cli::ParseUnsigned("port-skip", portSkipText, 0, 16382, portSkip)))
    {
        return 2;
    }
    if (lossModel != "none" && lossModel != "iid" && lossModel != "gilbert")
    {
        std::cerr << "error: --loss-model must be none, iid or gilbert, got '" << lossModel
                  << "'\n";
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
    if (clientNs.empty() || internetNs.empty() || clientNs == internetNs)
    {
        std::cerr << "error: --client-ns and --internet-ns must name two different network "
                     "namespaces\n";
        return 2;
    }
    if (clientMac == serverMac || clientMac == internetMac || serverMac == internetMac)
    {
        std::cerr << "error: --client-mac, --server-mac and --internet-mac must differ\n";
        return 2;
    }
    if (publicIp == internetIp || !publicMask.IsMatch(publicIp, internetIp) ||
        publicMask != internetMask)
    {
        std::cerr << "error: --public-ip and --internet-ip must be two addresses of one subnet\n";
        return 2;
    }
    for (const std::string& tap : {clientTap, internetTap})
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
    for (const std::string& ns : {clientNs, internetNs})
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
    Ptr<Node> serverNode = CreateObject<Node>(); // the AP and ReSoA server

    // The wireless hop: the AP is the server, the station stands for the real client.
    LossyWifiHelper wifi;
    wifi.SetMacRetries(static_cast<uint32_t>(macRetries));
    Ptr<GilbertElliottErrorModel> fades;
    Ptr<ErrorModel> inner;
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
    NetDeviceContainer air = wifi.Install(serverNode, NodeContainer(clientSide));
    Ptr<NetDevice> ap = air.Get(0);
    Ptr<NetDevice> sta = air.Get(1);
    wifi.AssignStreams(air, 100);
    // The station is the real client; the AP's MAC is the server's LHP address.
    EmuL2Relay::SetDeviceAddress(sta, clientMac);
    EmuL2Relay::SetDeviceAddress(ap, serverMac);

    // The taps, made and brought up in the namespaces now, before the simulation runs.
    TapEmuHelper taps;
    taps.SetNamespace(clientNs);
    taps.SetTapName(clientTap);
    taps.SetTapMacAddress(clientMac);
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
    taps.SetNamespace(internetNs);
    taps.SetTapName(internetTap);
    taps.SetTapMacAddress(internetMac);
    taps.SetTapIpv4Address(internetIp, internetMask);
    Ptr<FdNetDevice> internetDev = taps.TryInstall(serverNode, error);
    if (!internetDev)
    {
        std::cerr << "error: Internet tap in namespace " << internetNs << ": " << error << "\n";
        removeCreated();
        return 2;
    }
    std::cout << "emu: tap " << taps.GetTapName() << " (" << taps.GetTapMacAddress() << ", "
              << internetIp << ") up in namespace " << internetNs << std::endl;

    Ptr<EmuL2Relay> relay = CreateObject<EmuL2Relay>();
    relay->Install(clientTapDev, sta);

    // The server's own TCP/IP: one interface, the Internet tap's FdNetDevice.
    InternetStackHelper internet;
    internet.Install(serverNode);
    Ptr<Ipv4> ipv4 = serverNode->GetObject<Ipv4>();
    const uint32_t ifIndex = ipv4->AddInterface(internetDev);
    ipv4->AddAddress(ifIndex, Ipv4InterfaceAddress(publicIp, publicMask));
    ipv4->SetMetric(ifIndex, 1);
    ipv4->SetUp(ifIndex);
    Ipv4StaticRoutingHelper routing;
    routing.GetStaticRouting(ipv4)->SetDefaultRoute(internetIp, ifIndex);
    // ns-3's TCP always starts at ephemeral port 49153 with ISN 0 and timestamps from 0, so a
    // second run against the same real host reuses the 4-tuple of the first one, which that
    // host still holds in TIME_WAIT: it answers the SYN with an ACK (PAWS), which ns-3 ignores,
    // and the connection waits for SYN retransmissions (3 s, 6 s, ...). Skipping ports avoids it.
    if (portSkipText == "random")
    {
        portSkip = std::random_device{}() % 16383;
    }
    Ptr<TcpL4Protocol> tcp = serverNode->GetObject<TcpL4Protocol>();
    for (uint64_t i = 0; i < portSkip; ++i)
    {
        tcp->DeAllocate(tcp->Allocate());
    }

    // The ReSoA server, listening for LHP on the AP's device only.
    ResoaHelper resoa;
    resoa.SetServerAttribute("PublicAddress", Ipv4AddressValue(publicIp));
    Ptr<ResoaServer> server = resoa.InstallServer(serverNode, NetDeviceContainer(ap));
    server->TraceConnectWithoutContext("Request", MakeCallback(&OnServerRequest));
    server->TraceConnectWithoutContext("SocketOpen", MakeCallback(&OnServerSocketOpen));

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
            NetDeviceContainer(NetDeviceContainer(clientTapDev), NetDeviceContainer(internetDev)),
            true);
    }

    Ptr<RealtimeLagMonitor> lag = CreateObject<RealtimeLagMonitor>();
    lag->SetAttribute("Period", TimeValue(MicroSeconds(static_cast<int64_t>(lagPeriodMs * 1000))));
    lag->Start();
    Simulator::Schedule(MilliSeconds(10), &WatchSessions, server, 0u);
    if (progress > 0)
    {
        const Time every = Seconds(static_cast<double>(progress));
        Simulator::Schedule(every, &Progress, every, lag, relay, server);
    }
    if (duration > 0)
    {
        Simulator::Stop(Seconds(static_cast<double>(duration)));
    }

    std::cout << "emu: 802.11a hop, loss model " << lossModel << " (loss " << loss << ", "
              << (lossFrames == "data" ? "data frames and ACKs" : "all frames") << "), MAC retries "
              << macRetries << "; station " << clientMac << " <-> AP and ReSoA server " << serverMac
              << "; server public address " << publicIp << ", Internet host " << internetIp
              << " (first TCP port " << 49153 + portSkip << ")" << std::endl;
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
    relay->Report(std::cout, "client side (A = tap in " + clientNs + ", B = station)");
    resoa::LhpStats lhp;
    resoa::LhpEndpointStats endpoint;
    for (Ptr<LhpProtocol> l : server->GetLhps())
    {
        resoa::AddLhpStats(lhp, l->GetTotalStats());
        endpoint = l->GetEndpointStats();
    }
    std::cout << "ReSoA server: LHP connections accepted " << endpoint.accepted << ", EP requests "
              << g_counters.requests << ", sockets opened " << g_counters.socketsOpened
              << ", LHP data frames sent " << lhp.dataFramesSent << " (retransmitted "
              << lhp.retransmissions << "), received " << lhp.framesReceived << ", bad "
              << lhp.badFrames + endpoint.badFrames << "\n";
    std::cout << "802.11: MAC data attempts lost " << g_counters.macTxDataFailed
              << ", frames given up after " << macRetries << " retries "
              << g_counters.macTxFinalDataFailed << ", associations " << g_counters.associations
              << ", de-associations " << g_counters.deassociations;
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
