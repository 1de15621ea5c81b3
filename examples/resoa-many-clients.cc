/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Many ReSoA clients, each uploading --bytes with an unmodified BulkSend to its own
 * PacketSink on the Internet host, in one of two placements (paper §4.4):
 *
 *  --placement=lan (default): ReSoA servers off the data path on an Ethernet access network;
 *  the clients (no IP at all) are spread round-robin over --servers servers, LHP runs
 *  straight over CSMA, and each server reaches the Internet through the router.
 *
 *    c0..cN-1 (no IP) --+
 *    s0..sS-1 (servers) +-- CSMA 100 Mbit/s 198.51.100.0/24 -- router --- p2p --- host
 *
 *  --placement=ap: the Wi-Fi access network; the AP is the one ReSoA server.
 *
 *    c0..cN-1 (no IP) ))) 802.11a ((( AP = server --- p2p --- host
 *
 * The wired link is 100 Mbit/s with 10 ms one way. Prints per-client goodput and the address
 * the host saw, per-server session counts, Jain's fairness index and the total.
 *
 *   ./build/examples/resoa-many-clients --clients=12 --servers=3 --bytes=2000000
 *   ./build/examples/resoa-many-clients --placement=ap --clients=4 --frameLoss=0.2
 */
#include "ns3/resoa-helper.h"

#include "ns3/access-network-helper.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include "harness/command-line-checks.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <vector>

using namespace ns3;
using namespace ns3::cli;

NS_LOG_COMPONENT_DEFINE("ResoaManyClients");

namespace
{

std::string
ToString(Ipv4Address a)
{
    std::ostringstream os;
    os << a; // Ipv4Address prints octet by octet, so std::setw needs a string
    return os.str();
}

struct Options
{
    bool lan = true;
    uint32_t clients = 8;
    uint32_t servers = 2;
    uint64_t bytes = 1000000;
    uint32_t sendSize = 512;
    double frameLoss = 0;
    uint32_t macRetries = 7;
    bool pcap = false;
};

/// The built network: the client nodes, their servers and the host.
struct Network
{
    NodeContainer clients;
    std::vector<Ptr<ResoaServer>> servers;
    std::vector<std::string> serverNames;
    std::vector<Ipv4Address> serverAddresses;
    std::vector<uint32_t> serverOf; //!< client index -> server index
    Ptr<Node> host;
    Ipv4Address hostAddress;
};

Network
BuildLan(const Options& o)
{
    Network n;
    n.clients.Create(o.clients);
    NodeContainer servers(o.servers);
    Ptr<Node> router = CreateObject<Node>();
    n.host = CreateObject<Node>();

    NodeContainer lan;
    lan.Add(n.clients);
    lan.Add(servers);
    lan.Add(router);
    CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", StringValue("100Mbps"));
    csma.SetChannelAttribute("Delay", TimeValue(MicroSeconds(5)));
    NetDeviceContainer lanDevs = csma.Install(lan); // clients, servers, router
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", StringValue("10ms"));
    NetDeviceContainer wan = p2p.Install(router, n.host);

    InternetStackHelper stack;
    stack.Install(servers);
    stack.Install(router);
    stack.Install(n.host);
    // Only the servers and the router are on IP; the clients have no stack and no address.
    NetDeviceContainer ipLan;
    for (uint32_t i = o.clients; i < lanDevs.GetN(); ++i)
    {
        ipLan.Add(lanDevs.Get(i));
    }
    Ipv4AddressHelper lanAddr("198.51.100.0", "255.255.255.0", "0.0.0.10");
    Ipv4InterfaceContainer lanIfs = lanAddr.Assign(ipLan);
    Ipv4AddressHelper wanAddr("203.0.113.0", "255.255.255.0");
    Ipv4InterfaceContainer wanIfs = wanAddr.Assign(wan);
    n.hostAddress = wanIfs.GetAddress(1);
    Ipv4StaticRoutingHelper routing;
    const Ipv4Address routerLan = lanIfs.GetAddress(o.servers);
    for (uint32_t i = 0; i < o.servers; ++i)
    {
        routing.GetStaticRouting(servers.Get(i)->GetObject<Ipv4>())->SetDefaultRoute(routerLan, 1);
    }
    routing.GetStaticRouting(n.host->GetObject<Ipv4>())->SetDefaultRoute(wanIfs.GetAddress(0), 1);

    ResoaHelper resoa;
    std::vector<Address> serverMacs;
    for (uint32_t i = 0; i < o.servers; ++i)
    {
        Ptr<NetDevice> dev = lanDevs.Get(o.clients + i);
        n.servers.push_back(resoa.InstallServer(servers.Get(i), NetDeviceContainer(dev)));
        n.serverNames.push_back("s" + std::to_string(i));
        n.serverAddresses.push_back(lanIfs.GetAddress(i));
        serverMacs.push_back(dev->GetAddress());
    }
    NetDeviceContainer clientDevs;
    for (uint32_t i = 0; i < o.clients; ++i)
    {
        clientDevs.Add(lanDevs.Get(i));
        n.serverOf.push_back(i % o.servers); // InstallClients' round-robin
    }
    resoa.InstallClients(clientDevs, serverMacs, Seconds(0.1));

    if (o.pcap)
    {
        csma.EnablePcap("resoa-many-clients-lan", lanDevs);
        p2p.EnablePcap("resoa-many-clients-p2p", wan);
    }
    return n;
}

Network
BuildAp(const Options& o)
{
    Network n;
    AccessNetworkHelper access;
    access.SetStaCount(o.clients);
    access.Wifi().SetFrameLoss(o.frameLoss);
    access.Wifi().SetMacRetries(o.macRetries);
    AccessNetwork net = access.Build();
    n.clients = net.stas;
    n.host = net.host;
    n.hostAddress = net.hostAddress;

    ResoaHelper resoa;
    n.servers.push_back(resoa.InstallServer(net.ap, NetDeviceContainer(net.wifi.Get(0))));
    n.serverNames.push_back("AP");
    n.serverAddresses.push_back(net.apPublic);
    NetDeviceContainer staDevs;
    for (uint32_t i = 1; i < net.wifi.GetN(); ++i)
    {
        staDevs.Add(net.wifi.Get(i));
        n.serverOf.push_back(0);
    }
    resoa.InstallClients(staDevs, {net.wifi.Get(0)->GetAddress()}, Seconds(0.1));

    if (o.pcap)
    {
        access.Wifi().EnablePcap("resoa-many-clients-wifi", net.wifi);
        PointToPointHelper p2p;
        p2p.EnablePcap("resoa-many-clients-p2p", net.p2p);
    }
    return n;
}

/// One client's flow, as the host's sink saw it.
struct Flow
{
    Ptr<PacketSink> sink;
    Ptr<BulkSendApplication> app;
    Address own;  //!< getsockname on the client
    Address seen; //!< the peer the host saw
    Time doneAt;
};

struct Progress
{
    uint64_t target = 0;
    uint32_t remaining = 0;
};

void
OnRx(std::pair<Flow*, Progress*> st, Ptr<const Packet>, const Address& from)
{
    Flow& f = *st.first;
    f.seen = from;
    if (f.doneAt.IsZero() && f.sink->GetTotalRx() >= st.second->target)
    {
        f.doneAt = Simulator::Now();
        if (--st.second->remaining == 0)
        {
            Simulator::Stop(); // every client is done
        }
    }
}

void
OnTx(Flow* f, Ptr<const Packet>)
{
    // getsockname() once the socket is connected (BulkSend sends only then).
    if (!InetSocketAddress::IsMatchingType(f->own) ||
        InetSocketAddress::ConvertFrom(f->own).GetPort() == 0)
    {
        f->app->GetSocket()->GetSockName(f->own);
    }
}

double
Jain(const std::vector<double>& x)
{
    double sum = 0;
    double squares = 0;
    for (double v : x)
    {
        sum += v;
        squares += v * v;
    }
    return squares > 0 ? sum * sum / (x.size() * squares) : 0;
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string placementArg = "lan";
    std::string clientsArg = "8";
    std::string serversArg; // default depends on the placement
    std::string bytesArg = "1000000";
    std::string sendSizeArg = "512";
    std::string frameLossArg;  // Wi-Fi only
    std::string macRetriesArg; // Wi-Fi only
    std::string seedArg = "1";
    std::string runArg = "1";
    std::string pcapArg = "0";
    std::string maxSecondsArg = "300";

    if (!RequireValues(argc, argv))
    {
        return 2;
    }
    CommandLine cmd(__FILE__);
    cmd.AddValue("placement",
                 "lan (off-path servers on CSMA) or ap (the Wi-Fi AP is the server)",
                 placementArg);
    cmd.AddValue("clients", "number of ReSoA clients (default 8)", clientsArg);
    cmd.AddValue("servers", "ReSoA servers (lan: default 2; ap: exactly 1)", serversArg);
    cmd.AddValue("bytes", "bytes each client uploads", bytesArg);
    cmd.AddValue(
        "sendSize", "bytes per Send call of BulkSend (its SendSize; 512 by default)", sendSizeArg);
    cmd.AddValue("frameLoss", "ap only: i.i.d. post-reception frame loss, [0, 1)", frameLossArg);
    cmd.AddValue("macRetries", "ap only: 802.11 MAC retry limit, >= 1 (default 7)", macRetriesArg);
    cmd.AddValue("seed", "RngSeedManager seed, >= 1", seedArg);
    cmd.AddValue("run", "RngSeedManager run number", runArg);
    cmd.AddValue("pcap", "write resoa-many-clients-*.pcap (0/1)", pcapArg);
    cmd.AddValue("maxSeconds", "give up after this much simulated time", maxSecondsArg);
    cmd.Parse(argc, argv);

    Options o;
    uint64_t clients = 0;
    uint64_t servers = 0;
    uint64_t sendSize = 0;
    uint64_t macRetries = 7;
    uint64_t seed = 0;
    uint64_t run = 0;
    uint64_t maxSeconds = 0;
    if (placementArg != "lan" && placementArg != "ap")
    {
        std::cerr << "error: --placement must be lan or ap, got '" << placementArg << "'\n";
        return 2;
    }
    o.lan = placementArg == "lan";
    if (!o.lan && !serversArg.empty() && serversArg != "1")
    {
        std::cerr << "error: --placement=ap has exactly one server (the AP); use "
                     "--placement=lan for several, got --servers="
                  << serversArg << "\n";
        return 2;
    }
    if (o.lan && (!frameLossArg.empty() || !macRetriesArg.empty()))
    {
        std::cerr << "error: --frameLoss and --macRetries apply to the Wi-Fi placement only "
                     "(--placement=ap)\n";
        return 2;
    }
    if (serversArg.empty())
    {
        serversArg = o.lan ? "2" : "1";
    }
    if (!ParseUnsigned("clients", clientsArg, 1, 200, clients) ||
        !ParseUnsigned("servers", serversArg, 1, 100, servers) ||
        !ParseUnsigned("bytes", bytesArg, 1, 10000000000ULL, o.bytes) ||
        !ParseUnsigned("sendSize", sendSizeArg, 1, 1000000, sendSize) ||
        (!frameLossArg.empty() && !ParseFraction("frameLoss", frameLossArg, 0, 1, o.frameLoss)) ||
        (!macRetriesArg.empty() &&
         !ParseUnsigned("macRetries", macRetriesArg, 1, 1000, macRetries)) ||
        !ParseUnsigned("seed", seedArg, 1, UINT32_MAX, seed) ||
        !ParseUnsigned("run", runArg, 0, UINT64_MAX, run) || !ParseFlag("pcap", pcapArg, o.pcap) ||
        !ParseUnsigned("maxSeconds", maxSecondsArg, 1, 1000000, maxSeconds))
    {
        return 2;
    }
    o.clients = clients;
    o.servers = servers;
    o.sendSize = sendSize;
    o.macRetries = macRetries;

    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);
    // The servers' TCP on the wired side uses Ethernet-sized segments, as Linux would.
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    // Each server opens all its clients' connections at once; ns-3's ARP keeps only 3 packets
    // per unresolved neighbour by default, so a 4th SYN would be dropped and wait for TCP's
    // 1 s SYN timeout (this looked like two clients stalling for 2 s).
    Config::SetDefault("ns3::ArpCache::PendingQueueSize", UintegerValue(64));

    Network net = o.lan ? BuildLan(o) : BuildAp(o);

    const Time start = Seconds(1);
    std::vector<Flow> flows(o.clients);
    Progress progress{o.bytes, o.clients};
    for (uint32_t i = 0; i < o.clients; ++i)
    {
        // One sink port per client, so each flow is counted on its own.
        const uint16_t port = 5000 + i;
        PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                    InetSocketAddress(Ipv4Address::GetAny(), port));
        flows[i].sink = DynamicCast<PacketSink>(sinkHelper.Install(net.host).Get(0));
        flows[i].sink->TraceConnectWithoutContext(
            "Rx", MakeBoundCallback(&OnRx, std::make_pair(&flows[i], &progress)));
        BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(net.hostAddress, port));
        bulk.SetAttribute("MaxBytes", UintegerValue(o.bytes));
        bulk.SetAttribute("SendSize", UintegerValue(o.sendSize));
        flows[i].app = DynamicCast<BulkSendApplication>(bulk.Install(net.clients.Get(i)).Get(0));
        flows[i].app->SetStartTime(start);
        flows[i].app->TraceConnectWithoutContext("Tx", MakeBoundCallback(&OnTx, &flows[i]));
    }

    Simulator::Stop(Seconds(maxSeconds));
    Simulator::Run();
    const Time end = Simulator::Now();

    std::cout << std::fixed << std::setprecision(3);
    std::cout << "placement  "
              << (o.lan ? "lan: off-path servers on CSMA 100 Mbit/s" : "ap: the Wi-Fi AP")
              << "; wired link 100 Mbit/s, 10 ms one way\n";
    if (!o.lan)
    {
        std::cout << "wi-fi      802.11a, frame loss " << o.frameLoss << ", MAC retry limit "
                  << o.macRetries << "\n";
    }
    std::cout << "clients    " << o.clients << " (no IP stack), " << o.servers << " server(s), "
              << o.bytes << " bytes each, BulkSend SendSize " << o.sendSize << "\n\n";

    std::cout << "client  server  getsockname           seen by host          bytes        "
                 "time_s  goodput_Mbps\n";
    std::vector<double> goodputs;
    uint64_t total = 0;
    uint32_t complete = 0;
    uint32_t matching = 0;
    Time last = start;
    for (uint32_t i = 0; i < o.clients; ++i)
    {
        const Flow& f = flows[i];
        const uint64_t rx = f.sink->GetTotalRx();
        const Time doneAt = f.doneAt.IsZero() ? end : f.doneAt;
        const double seconds = (doneAt - start).GetSeconds();
        const double mbps = seconds > 0 ? rx * 8.0 / seconds / 1e6 : 0;
        goodputs.push_back(mbps);
        total += rx;
        complete += f.doneAt.IsZero() ? 0 : 1;
        matching += f.own == f.seen ? 1 : 0;
        last = std::max(last, doneAt);
        std::cout << std::left << "c" << std::setw(6) << i << " " << std::setw(6)
                  << net.serverNames[net.serverOf[i]] << "  " << std::setw(20) << Show(f.own)
                  << "  " << std::setw(20) << Show(f.seen) << "  " << std::right << std::setw(11)
                  << rx << "  " << std::setw(6) << seconds << "  " << std::setw(12) << mbps
                  << (f.doneAt.IsZero() ? "  (incomplete)" : "") << "\n";
    }

    std::cout << "\nserver  public address    sessions  sockets  bytes from clients\n";
    for (uint32_t s = 0; s < net.servers.size(); ++s)
    {
        const resoa::EpServer* engine = net.servers[s]->GetEngine();
        std::cout << std::left << std::setw(6) << net.serverNames[s] << "  " << std::setw(16)
                  << ToString(net.serverAddresses[s]) << std::right << "  " << std::setw(8)
                  << net.servers[s]->GetSessionCount() << "  " << std::setw(7)
                  << (engine ? engine->GetStats().socketsCreated : 0) << "  " << std::setw(18)
                  << (engine ? engine->GetStats().bytesFromClients : 0) << "\n";
    }

    const double seconds = (last - start).GetSeconds();
    std::cout << "\ncomplete            " << complete << " of " << o.clients << " clients\n"
              << "getsockname = peer  " << matching << " of " << o.clients << " clients\n"
              << "jain fairness       " << Jain(goodputs) << " (per-client goodput)\n"
              << "total delivered     " << total << " bytes in " << seconds << " s\n"
              << "total goodput       " << (seconds > 0 ? total * 8.0 / seconds / 1e6 : 0)
              << " Mbit/s\n";
    Simulator::Destroy();
    return complete == o.clients && matching == o.clients ? 0 : 1;
}
