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
#include "ns3/emu-l2-relay.h"
#include "ns3/network-module.h"
#include "ns3/realtime-lag-monitor.h"
#include "ns3/tap-emu-helper.h"

#include "emu/emu-example-common.h"
#include "harness/command-line-checks.h"

#include <iostream>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("ResoaEmuWifiHop");

namespace
{

/// Parses the MAC of a host's tap, with this example's two messages.
bool
ParseMac(const std::string& name, const std::string& text, Mac48Address& out)
{
    switch (emu::ReadMac(text, out))
    {
        case emu::MacProblem::SYNTAX:
            std::cerr << "error: --" << name << " must be a MAC address aa:bb:cc:dd:ee:ff, got '"
                      << text << "'\n";
            return false;
        case emu::MacProblem::MULTICAST:
            std::cerr << "error: --" << name << " must be a unicast address, got " << text << "\n";
            return false;
        default:
            return true;
    }
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
    return !have || emu::ParseCidr(name, text, 32, "10.99.0.1/24", address, mask);
}

} // namespace

int
main(int argc, char* argv[])
{
    emu::EmuOptions options("resoa-emu-wifi-hop");
    options.withDistance = true;
    options.lossHelp = "frame loss probability after reception, in [0, 1)";
    options.lossFramesHelp = "data: loss hits data frames and MAC ACKs, management frames are "
                             "spared (no de-association); all: every frame";
    std::string clientNs;
    std::string serverNs;
    std::string clientTap = "emu0";
    std::string serverTap = "emu0";
    std::string clientMacText = "02:00:00:e0:00:01";
    std::string serverMacText = "02:00:00:e0:00:02";
    std::string clientIpText;
    std::string serverIpText;

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
                 options.createText);
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
    options.AddLossOptions(cmd);
    options.AddRunOptions(cmd);
    if (!cli::RequireValues(argc, argv))
    {
        return 2;
    }
    cmd.Parse(argc, argv);

    emu::TapSpec clientSpec{"client", clientNs, clientTap};
    emu::TapSpec serverSpec{"server", serverNs, serverTap};
    if (!options.ParseValues() || !ParseMac("client-mac", clientMacText, clientSpec.mac) ||
        !ParseMac("server-mac", serverMacText, serverSpec.mac) ||
        !ParseCidr(
            "client-ip", clientIpText, clientSpec.haveIpv4, clientSpec.ipv4, clientSpec.mask) ||
        !ParseCidr(
            "server-ip", serverIpText, serverSpec.haveIpv4, serverSpec.ipv4, serverSpec.mask) ||
        !options.CheckLossModel())
    {
        return 2;
    }
    const Mac48Address clientMac = clientSpec.mac;
    const Mac48Address serverMac = serverSpec.mac;
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
    if (!emu::CheckTapsAndPrivileges({clientTap, serverTap}))
    {
        return 2;
    }

    const sigset_t signals = emu::BlockStopSignals();
    emu::EmuNamespaces namespaces;
    if (const int status = namespaces.Ensure({clientNs, serverNs}, options.create))
    {
        return status;
    }

    options.SetUpSimulator();
    Ptr<Node> clientSide = CreateObject<Node>();
    Ptr<Node> serverSide = CreateObject<Node>();

    // The wireless hop: the AP on the server side standing for host s, the station on the
    // client side standing for host c (see EmuL2Relay).
    emu::EmuWifiHop hop;
    NetDeviceContainer air =
        hop.InstallBetween(options, serverSide, serverMac, clientSide, clientMac);
    Ptr<NetDevice> ap = air.Get(0);
    Ptr<NetDevice> sta = air.Get(1);

    TapEmuHelper taps;
    NetDeviceContainer tapDevs =
        emu::InstallTaps(taps, {{clientSide, clientSpec}, {serverSide, serverSpec}});
    if (tapDevs.GetN() == 0)
    {
        namespaces.RemoveCreated();
        return 2;
    }

    Ptr<EmuL2Relay> clientRelay = CreateObject<EmuL2Relay>();
    clientRelay->Install(tapDevs.Get(0), sta);
    Ptr<EmuL2Relay> serverRelay = CreateObject<EmuL2Relay>();
    serverRelay->Install(tapDevs.Get(1), ap);

    emu::StationLog stationLog;
    stationLog.lostNote = " (frames are dropped until it associates again)";
    hop.WatchCounters(stationLog);

    if (options.pcap)
    {
        hop.EnablePcap(options.pcapPrefix, taps, tapDevs);
    }

    Ptr<RealtimeLagMonitor> lag = options.StartLagMonitor();
    options.ScheduleProgressAndStop(lag,
                                    [clientRelay, serverRelay](std::ostream& os)
                                    {
                                        os << "c->s " << clientRelay->GetRelayed(0)
                                           << " frames, s->c " << serverRelay->GetRelayed(0)
                                           << " frames";
                                    });

    std::cout << "emu: 802.11a hop, ";
    options.DescribeLoss(std::cout);
    std::cout << "; station " << clientMac << " <-> AP " << serverMac << std::endl;
    options.RunUntilStopped(signals);

    lag->Report(std::cout);
    clientRelay->Report(std::cout, "client side (A = tap in " + clientNs + ", B = station)");
    serverRelay->Report(std::cout, "server side (A = tap in " + serverNs + ", B = AP)");
    hop.Report(std::cout);

    const int status = options.LagBoundStatus(lag);
    std::cout.flush();
    // Disposing the FdNetDevices closes the tap descriptors: the kernel removes the taps.
    Simulator::Destroy();
    namespaces.RemoveCreated();
    return status;
}
