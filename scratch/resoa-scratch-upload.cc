/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A starting point for your own scenario: one pure-ReSoA station uploads to an Internet host
 * over a lossy 802.11a hop, with an unmodified BulkSendApplication. Every .cc in scratch/ is
 * built as a program (build/scratch/NAME), as in ns-3:
 *
 *   ./resoa build && build/scratch/resoa-scratch-upload --loss=0.2 --bytes=2000000
 */

#include "ns3/resoa-helper.h"

#include "ns3/access-network-helper.h"
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"

#include <iostream>

using namespace ns3;

int
main(int argc, char* argv[])
{
    double loss = 0.1;
    uint64_t bytes = 1000000;
    uint32_t seed = 1;
    uint32_t run = 1;
    CommandLine cmd(__FILE__);
    cmd.AddValue("loss", "i.i.d. frame loss on the wireless hop (0..1)", loss);
    cmd.AddValue("bytes", "bytes to upload", bytes);
    cmd.AddValue("seed", "RngSeedManager seed", seed);
    cmd.AddValue("run", "RngSeedManager run", run);
    cmd.Parse(argc, argv);
    if (loss < 0 || loss >= 1)
    {
        std::cerr << "--loss must be in [0, 1)\n";
        return 2;
    }
    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);

    // STA ))) AP/router --- 100 Mbit/s, 20 ms --- host. The STA has no IP stack.
    AccessNetworkHelper net;
    net.SetStaCount(1);
    net.SetLinkDelay(MilliSeconds(20));
    net.Wifi().SetFrameLoss(loss);
    AccessNetwork n = net.Build();

    ResoaHelper resoa;
    resoa.InstallServer(n.ap, NetDeviceContainer(n.wifi.Get(0)));
    resoa.InstallClient(n.wifi.Get(1), n.wifi.Get(0)->GetAddress(), Seconds(0.1));

    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 9));
    ApplicationContainer sink = sinkHelper.Install(n.host);
    BulkSendHelper send("ns3::TcpSocketFactory", InetSocketAddress(n.hostAddress, 9));
    send.SetAttribute("MaxBytes", UintegerValue(bytes));
    send.Install(n.stas.Get(0)).Start(Seconds(0.2));

    Simulator::Stop(Seconds(60));
    Simulator::Run();
    uint64_t got = DynamicCast<PacketSink>(sink.Get(0))->GetTotalRx();
    std::cout << "received " << got << " of " << bytes << " bytes at loss " << loss << "\n";
    Simulator::Destroy();
    return got == bytes ? 0 : 1;
}
