/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The smallest complete ReSoA network:
 *
 *   STA (no IP stack) ))) 802.11a ((( AP = ReSoA server --- p2p 100 Mbit/s, 10 ms --- host
 *     BulkSend (unmodified)                 runs the STA's TCP         PacketSink
 *
 * The STA has no Internet stack at all: BulkSend asks the node for a TcpSocketFactory and gets
 * ReSoA's, so its socket calls travel as EP messages over LHP to the AP, whose own TCP talks
 * to the host. The program prints what getsockname says on the STA (the server's public
 * address), the peer the host saw (the same), the bytes delivered and the goodput.
 *
 *   ./build/examples/resoa-first --bytes=5000000 --frameLoss=0.2 --macRetries=4 --pcap=1
 */
#include "ns3/resoa-helper.h"

#include "ns3/access-network-helper.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/stream-pattern.h"

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

NS_LOG_COMPONENT_DEFINE("ResoaFirst");

namespace
{

/// What the host's PacketSink received.
struct SinkRecord
{
    uint64_t target = 0;
    resoa::StreamHash hash;
    Address lastFrom;
    Time firstRx;
    Time lastRx;

    void Rx(Ptr<const Packet> p, const Address& from)
    {
        std::vector<uint8_t> b(p->GetSize());
        p->CopyData(b.data(), b.size());
        hash.Update(b.data(), b.size());
        lastFrom = from;
        if (firstRx.IsZero())
        {
            firstRx = Simulator::Now();
        }
        lastRx = Simulator::Now();
        if (hash.Bytes() >= target)
        {
            Simulator::Stop(); // done: nothing after the last byte is worth simulating
        }
    }
};

/// Hash of `n` zero bytes: BulkSend sends zeros.
uint64_t
ZeroHash(uint64_t n)
{
    resoa::StreamHash h;
    const std::vector<uint8_t> zeros(65536, 0);
    for (; n > 0; n -= std::min<uint64_t>(n, zeros.size()))
    {
        h.Update(zeros.data(), std::min<uint64_t>(n, zeros.size()));
    }
    return h.Value();
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string bytesArg = "2000000";
    std::string frameLossArg = "0";
    std::string macRetriesArg = "7";
    std::string seedArg = "1";
    std::string runArg = "1";
    std::string pcapArg = "0";
    std::string maxSecondsArg = "120";
    std::string sendSizeArg = "512";

    if (!RequireValues(argc, argv))
    {
        return 2;
    }
    CommandLine cmd(__FILE__);
    cmd.AddValue("bytes", "bytes BulkSend moves from the STA to the host", bytesArg);
    cmd.AddValue(
        "frameLoss", "i.i.d. post-reception frame loss on every Wi-Fi PHY, [0, 1)", frameLossArg);
    cmd.AddValue("macRetries", "802.11 MAC retry limit (MaxSsrc/MaxSlrc), >= 1", macRetriesArg);
    cmd.AddValue("seed", "RngSeedManager seed, >= 1", seedArg);
    cmd.AddValue("run", "RngSeedManager run number", runArg);
    cmd.AddValue("pcap", "write resoa-first-wifi-*.pcap and resoa-first-p2p-*.pcap (0/1)", pcapArg);
    cmd.AddValue("maxSeconds", "give up after this much simulated time", maxSecondsArg);
    cmd.AddValue(
        "sendSize", "bytes per Send call of BulkSend (its SendSize; 512 by default)", sendSizeArg);
    cmd.Parse(argc, argv);

    uint64_t bytes = 0;
    double frameLoss = 0;
    uint64_t macRetries = 0;
    uint64_t seed = 0;
    uint64_t run = 0;
    bool pcap = false;
    uint64_t maxSeconds = 0;
    uint64_t sendSize = 0;
    if (!ParseUnsigned("bytes", bytesArg, 1, 100000000000ULL, bytes) ||
        !ParseFraction("frameLoss", frameLossArg, 0, 1, frameLoss) ||
        !ParseUnsigned("macRetries", macRetriesArg, 1, 1000, macRetries) ||
        !ParseUnsigned("seed", seedArg, 1, UINT32_MAX, seed) ||
        !ParseUnsigned("run", runArg, 0, UINT64_MAX, run) || !ParseFlag("pcap", pcapArg, pcap) ||
        !ParseUnsigned("maxSeconds", maxSecondsArg, 1, 1000000, maxSeconds) ||
        !ParseUnsigned("sendSize", sendSizeArg, 1, 1000000, sendSize))
    {
        return 2;
    }

    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);
    // The server's TCP on the wired link uses Ethernet-sized segments, as Linux would.
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));

    AccessNetworkHelper access; // one STA, no IP stack; 100 Mbit/s, 10 ms wired link
    access.Wifi().SetFrameLoss(frameLoss);
    access.Wifi().SetMacRetries(macRetries);
    AccessNetwork net = access.Build();

    ResoaHelper resoa;
    Ptr<ResoaServer> server = resoa.InstallServer(net.ap, NetDeviceContainer(net.wifi.Get(0)));
    Ptr<ResoaClient> client =
        resoa.InstallClient(net.wifi.Get(1), net.wifi.Get(0)->GetAddress(), Seconds(0.1));

    const uint16_t port = 9;
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), port));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(net.host).Get(0));
    SinkRecord rec;
    rec.target = bytes;
    sink->TraceConnectWithoutContext("Rx", MakeCallback(&SinkRecord::Rx, &rec));

    // An unmodified BulkSend: on this node "ns3::TcpSocketFactory" is ReSoA's.
    const Time start = Seconds(1);
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(net.hostAddress, port));
    bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
    bulk.SetAttribute("SendSize", UintegerValue(sendSize));
    Ptr<BulkSendApplication> app =
        DynamicCast<BulkSendApplication>(bulk.Install(net.stas.Get(0)).Get(0));
    app->SetStartTime(start);
    // getsockname() as the application would call it, once its socket is connected.
    Address ownAddress;
    app->TraceConnectWithoutContext(
        "Tx",
        MakeBoundCallback(
            +[](std::pair<Ptr<BulkSendApplication>, Address*> st, Ptr<const Packet>)
            {
                if (!InetSocketAddress::IsMatchingType(*st.second) ||
                    InetSocketAddress::ConvertFrom(*st.second).GetPort() == 0)
                {
                    st.first->GetSocket()->GetSockName(*st.second);
                }
            },
            std::make_pair(app, &ownAddress)));

    if (pcap)
    {
        access.Wifi().EnablePcap("resoa-first-wifi", net.wifi);
        PointToPointHelper p2p;
        p2p.EnablePcap("resoa-first-p2p", net.p2p);
    }

    Simulator::Stop(Seconds(maxSeconds));
    Simulator::Run();

    const uint64_t delivered = sink->GetTotalRx();
    const bool intact = delivered == bytes && rec.hash.Value() == ZeroHash(bytes);
    const double seconds = (rec.lastRx - start).GetSeconds();
    const double goodput = delivered > 0 && seconds > 0 ? delivered * 8.0 / seconds / 1e6 : 0;
    const resoa::LhpStats lhp = client->GetLhp()->GetTotalStats();
    const resoa::LhpStats ap = server->GetLhps().front()->GetTotalStats();

    std::cout << std::fixed << std::setprecision(3);
    std::cout << "STA IP stack              "
              << (net.stas.Get(0)->GetObject<Ipv4>() ? "yes" : "none (pure ReSoA)") << "\n"
              << "registered public address " << client->GetPublicAddress() << "\n"
              << "getsockname on the STA    " << Show(ownAddress) << "\n"
              << "peer seen by the host     " << Show(rec.lastFrom) << "\n"
              << "addresses match           " << (ownAddress == rec.lastFrom ? "yes" : "NO") << "\n"
              << "frame loss                " << frameLoss << " (MAC retry limit " << macRetries
              << ")\n"
              << "bytes requested           " << bytes << "\n"
              << "bytes delivered           " << delivered << "\n"
              << "content intact            " << (intact ? "yes" : "NO") << "\n"
              << "transfer time             " << seconds << " s (from BulkSend start at "
              << start.GetSeconds() << " s)\n"
              << "goodput                   " << goodput << " Mbit/s\n"
              << "LHP data frames (STA)     " << lhp.dataFramesSent << "\n"
              << "LHP retransmissions (STA) " << lhp.retransmissions << " (stall probes "
              << lhp.stallProbes << ")\n"
              << "LHP payload per frame     "
              << (lhp.dataFramesSent > 0 ? delivered / lhp.dataFramesSent : 0) << " bytes\n"
              << "LHP acks (STA / AP)       " << lhp.acksSent << " / " << ap.acksSent << "\n"
              << "LHP data frames (AP)      " << ap.dataFramesSent << " (retransmitted "
              << ap.retransmissions << ")\n"
              << "server sessions           " << server->GetSessionCount() << "\n";
    Simulator::Destroy();
    return intact ? 0 : 1;
}
