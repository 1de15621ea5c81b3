/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * LHP over a lossy 802.11a hop, no IP anywhere:
 *
 *   STA ))) 802.11a, 54 Mbit/s, post-reception frame loss ((( AP
 *   LhpProtocol (client)  ---- EtherType 0x88B5 ---->  LhpProtocol (server)
 *
 * The STA moves --bytes of a pattern stream over LHP's reliable channel; the AP hashes what
 * arrives. Prints bytes delivered, whether the hash matches, goodput and retransmissions at
 * the MAC (frames the MAC had to resend) and at LHP (what the MAC gave up on).
 *
 *   ./resoa run --frameLoss=0.3 --macRetries=2 --bytes=4000000 --pcap=1
 */
#include "ns3/core-module.h"
#include "ns3/lhp-bulk-transfer.h"
#include "ns3/lhp-helper.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/network-module.h"
#include "ns3/wifi-module.h"

#include <iomanip>
#include <iostream>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("LhpOverLossyWifi");

namespace
{
uint64_t g_macRetries = 0;

void
CountMacRetry(Mac48Address)
{
    ++g_macRetries;
}
} // namespace

int
main(int argc, char* argv[])
{
    double frameLoss = 0.1;
    uint32_t macRetries = 7;
    uint64_t bytes = 2000000;
    uint32_t seed = 1;
    uint32_t run = 1;
    bool pcap = false;
    double maxSeconds = 120;

    CommandLine cmd(__FILE__);
    cmd.AddValue(
        "frameLoss", "i.i.d. post-reception frame loss probability on every PHY", frameLoss);
    cmd.AddValue("macRetries", "802.11 MAC retry limit (MaxSsrc/MaxSlrc)", macRetries);
    cmd.AddValue("bytes", "bytes to move over LHP's reliable channel", bytes);
    cmd.AddValue("seed", "RngSeedManager seed", seed);
    cmd.AddValue("run", "RngSeedManager run number", run);
    cmd.AddValue("pcap", "write lhp-over-lossy-wifi-*.pcap", pcap);
    cmd.AddValue("maxSeconds", "give up after this much simulated time", maxSeconds);
    cmd.Parse(argc, argv);

    if (frameLoss < 0 || frameLoss >= 1)
    {
        std::cerr << "error: --frameLoss must be in [0, 1), got " << frameLoss << "\n";
        return 2;
    }
    if (bytes == 0 || macRetries == 0 || seed == 0 || maxSeconds <= 0)
    {
        std::cerr << "error: --bytes, --macRetries, --seed and --maxSeconds must be positive\n";
        return 2;
    }
    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);

    NodeContainer nodes;
    nodes.Create(2); // 0 = AP (LHP server), 1 = STA (LHP client)
    LossyWifiHelper wifi;
    wifi.SetFrameLoss(frameLoss);
    wifi.SetMacRetries(macRetries);
    NetDeviceContainer devices = wifi.Install(nodes.Get(0), NodeContainer(nodes.Get(1)));
    int64_t stream = wifi.AssignStreams(devices, 100);

    LhpHelper lhp;
    Ptr<LhpProtocol> server = lhp.Install(devices.Get(0));
    Ptr<LhpProtocol> client = lhp.Install(devices.Get(1));
    server->AssignStreams(stream++);
    client->AssignStreams(stream++);

    Config::ConnectWithoutContext(
        "/NodeList/1/DeviceList/*/$ns3::WifiNetDevice/RemoteStationManager/MacTxDataFailed",
        MakeCallback(&CountMacRetry));
    if (pcap)
    {
        wifi.EnablePcap("lhp-over-lossy-wifi", devices);
    }

    Ptr<LhpBulkTransfer> transfer = Create<LhpBulkTransfer>(
        client, server, devices.Get(0)->GetAddress(), bytes, seed * 7919 + run);
    transfer->SetStopWhenDone(true);
    transfer->Start(Seconds(0.5)); // after association
    Simulator::Stop(Seconds(maxSeconds));
    Simulator::Run();

    LhpBulkTransfer::Result r = transfer->GetResult();
    resoa::LhpStats tx = client->GetTotalStats();
    resoa::LhpStats rx = server->GetTotalStats();
    std::cout << std::fixed << std::setprecision(3);
    std::cout << "frame loss          " << frameLoss << " (MAC retry limit " << macRetries << ")\n"
              << "bytes requested     " << bytes << "\n"
              << "bytes delivered     " << r.bytesDelivered << "\n"
              << "hash matches        " << (r.intact ? "yes" : "NO") << "\n"
              << "complete            " << (r.complete ? "yes" : "NO") << "\n"
              << "goodput             " << r.goodputMbps << " Mbit/s\n"
              << "transfer time       " << (r.completedAt - r.connectedAt).GetSeconds() << " s\n"
              << "MAC data failures   " << g_macRetries << " (frame attempts the MAC lost)\n"
              << "LHP data frames     " << tx.dataFramesSent << "\n"
              << "LHP retransmissions " << tx.retransmissions << "\n"
              << "LHP acks (receiver) " << rx.acksSent << "\n"
              << "LHP duplicates      " << rx.duplicatesReceived << "\n";
    Simulator::Destroy();
    return r.intact && r.complete ? 0 : 1;
}
