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
#include "ns3/emu-l2-relay.h"
#include "ns3/network-module.h"
#include "ns3/realtime-lag-monitor.h"
#include "ns3/tap-emu-helper.h"

#include "emu/emu-example-common.h"
#include "harness/command-line-checks.h"

#include <iostream>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("ResoaEmuRealClient");

namespace
{

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

} // namespace

int
main(int argc, char* argv[])
{
    emu::EmuOptions options("resoa-emu-real-client");
    emu::InternetSideOptions internet;
    std::string clientNs;
    std::string clientTap = "emu0";
    std::string clientMacText = "02:00:00:e0:00:01";
    std::string serverMacText = "02:00:00:e0:00:02";

    // The server's TCP talks to a real Linux host; before Parse, so --ns3::TcpSocket::... can
    // override it.
    emu::SetServerTcpDefaults();

    CommandLine cmd(__FILE__);
    cmd.Usage("A real resoa-clientd (network namespace) served by a simulated ReSoA server "
              "across a simulated lossy 802.11 hop; the server's Internet side is a second real "
              "namespace. Real time, needs root. Stops at --duration or on SIGINT/SIGTERM and "
              "prints the real-time lag report.");
    cmd.AddValue("client-ns", "network namespace of the real ReSoA client (tap, no IP)", clientNs);
    cmd.AddValue("internet-ns",
                 "network namespace of the real Internet host (tap with --internet-ip)",
                 internet.ns);
    cmd.AddValue("create-namespaces",
                 "create missing namespaces (ip netns add), and delete them at exit",
                 options.createText);
    cmd.AddValue("client-tap", "tap interface name in the client namespace", clientTap);
    cmd.AddValue("internet-tap", "tap interface name in the Internet namespace", internet.tap);
    cmd.AddValue("client-mac",
                 "MAC of the client's tap; the simulated 802.11 station uses it too",
                 clientMacText);
    cmd.AddValue("server-mac",
                 "LHP address of the simulated ReSoA server: its AP's MAC (give it to "
                 "resoa-clientd --server-mac)",
                 serverMacText);
    internet.AddAddressOptions(cmd,
                               "IPv4 address/prefix of the Internet namespace's tap (same subnet; "
                               "also the simulated server's default gateway)");
    options.AddLossOptions(cmd);
    options.AddRunOptions(cmd);
    internet.AddPortSkipOption(cmd);
    if (!cli::RequireValues(argc, argv))
    {
        return 2;
    }
    cmd.Parse(argc, argv);

    Mac48Address clientMac;
    Mac48Address serverMac;
    if (!options.ParseValues() || !emu::ParseUnicastMac("client-mac", clientMacText, clientMac) ||
        !emu::ParseUnicastMac("server-mac", serverMacText, serverMac) ||
        !internet.ParseAddresses() || !internet.ParsePortSkip() || !options.CheckLossModel())
    {
        return 2;
    }
    if (clientNs.empty() || internet.ns.empty() || clientNs == internet.ns)
    {
        std::cerr << "error: --client-ns and --internet-ns must name two different network "
                     "namespaces\n";
        return 2;
    }
    if (clientMac == serverMac || clientMac == internet.mac || serverMac == internet.mac)
    {
        std::cerr << "error: --client-mac, --server-mac and --internet-mac must differ\n";
        return 2;
    }
    if (!internet.CheckSubnet() || !emu::CheckTapsAndPrivileges({clientTap, internet.tap}))
    {
        return 2;
    }

    const sigset_t signals = emu::BlockStopSignals();
    emu::EmuNamespaces namespaces;
    if (const int status = namespaces.Ensure({clientNs, internet.ns}, options.create))
    {
        return status;
    }

    options.SetUpSimulator();
    Ptr<Node> clientSide = CreateObject<Node>();
    Ptr<Node> serverNode = CreateObject<Node>(); // the AP and ReSoA server

    // The wireless hop: the AP is the server (its MAC the server's LHP address), the station
    // stands for the real client.
    emu::EmuWifiHop hop;
    NetDeviceContainer air =
        hop.InstallBetween(options, serverNode, serverMac, clientSide, clientMac);
    Ptr<NetDevice> ap = air.Get(0);
    Ptr<NetDevice> sta = air.Get(1);

    TapEmuHelper taps;
    NetDeviceContainer tapDevs =
        emu::InstallTaps(taps,
                         {{clientSide, {"client", clientNs, clientTap, clientMac}},
                          {serverNode, internet.GetTapSpec()}});
    if (tapDevs.GetN() == 0)
    {
        namespaces.RemoveCreated();
        return 2;
    }

    Ptr<EmuL2Relay> relay = CreateObject<EmuL2Relay>();
    relay->Install(tapDevs.Get(0), sta);

    // The server's own TCP/IP (one interface, the Internet tap) and the ReSoA server on the AP.
    emu::EmuResoaServer resoaServer;
    Ptr<ResoaServer> server = resoaServer.Install(serverNode, ap, tapDevs.Get(1), internet);

    hop.WatchCounters();

    if (options.pcap)
    {
        hop.EnablePcap(options.pcapPrefix, taps, tapDevs);
    }

    Ptr<RealtimeLagMonitor> lag = options.StartLagMonitor();
    Simulator::Schedule(MilliSeconds(10), &WatchSessions, server, 0u);
    options.ScheduleProgressAndStop(lag,
                                    [relay, server](std::ostream& os)
                                    {
                                        os << "c->air " << relay->GetRelayed(0)
                                           << " frames, air->c " << relay->GetRelayed(1)
                                           << " frames, server sessions "
                                           << server->GetSessionCount();
                                    });

    std::cout << "emu: 802.11a hop, ";
    options.DescribeLoss(std::cout);
    std::cout << "; station " << clientMac << " <-> AP and ReSoA server " << serverMac
              << "; server public address " << internet.publicIp << ", Internet host "
              << internet.internetIp << " (first TCP port " << 49153 + internet.portSkip << ")"
              << std::endl;
    options.RunUntilStopped(signals);

    lag->Report(std::cout);
    relay->Report(std::cout, "client side (A = tap in " + clientNs + ", B = station)");
    resoaServer.Report(std::cout);
    hop.Report(std::cout);

    const int status = options.LagBoundStatus(lag);
    std::cout.flush();
    // Disposing the FdNetDevices closes the tap descriptors: the kernel removes the taps.
    Simulator::Destroy();
    namespaces.RemoveCreated();
    return status;
}
