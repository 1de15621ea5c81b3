/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Active FTP through ReSoA, the classic NAT failure, with no ALG anywhere:
 *
 *   STA (no IP stack) ))) 802.11a ((( AP = ReSoA server --- p2p 100 Mbit/s, 10 ms --- host
 *     ActiveFtpClient                                                    ActiveFtpServer
 *
 * The client asks getsockname for its own address and writes it into `PORT`; the server then
 * opens the data connection *to that address*. Over ReSoA getsockname yields the ReSoA
 * server's public address and the listening data socket lives there, so the server's
 * connection arrives and the file gets through. With --encrypt=1 the control channel is
 * opaque (as FTPS), which defeats a NAT's ALG but changes nothing for ReSoA.
 *
 *   ./build/examples/resoa-ftp --encrypt=1 --fileSize=1000000 --pcap=1
 */
#include "ns3/resoa-helper.h"

#include "ns3/access-network-helper.h"
#include "ns3/active-ftp-client.h"
#include "ns3/active-ftp-control.h"
#include "ns3/active-ftp-server.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include "harness/command-line-checks.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>

using namespace ns3;
using namespace ns3::cli;

NS_LOG_COMPONENT_DEFINE("ResoaFtp");

namespace
{

/// True once the session has ended either way: the file is in and 226 came, or an error.
bool
Finished(const ActiveFtpClient::Result& r)
{
    if (r.complete && r.lastReply.rfind("226", 0) == 0)
    {
        return true;
    }
    return r.lastReply == "control connection failed" ||
           (!r.lastReply.empty() && (r.lastReply[0] == '4' || r.lastReply[0] == '5'));
}

/// Polls the client and ends the simulation shortly after the session has ended.
void
WatchClient(Ptr<ActiveFtpClient> client, Time* endedAt)
{
    if (Finished(client->GetResult()))
    {
        *endedAt = Simulator::Now();
        Simulator::Stop(MilliSeconds(100)); // let the last segments and FINs settle
        return;
    }
    Simulator::Schedule(MilliSeconds(10), &WatchClient, client, endedAt);
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string encryptArg = "0";
    std::string fileSizeArg = "1000000";
    std::string frameLossArg = "0";
    std::string seedArg = "1";
    std::string runArg = "1";
    std::string pcapArg = "0";
    std::string maxSecondsArg = "60";

    if (!RequireValues(argc, argv))
    {
        return 2;
    }
    CommandLine cmd(__FILE__);
    cmd.AddValue("encrypt", "encrypt the FTP control channel, as FTPS would (0/1)", encryptArg);
    cmd.AddValue("fileSize", "bytes the server sends for RETR", fileSizeArg);
    cmd.AddValue(
        "frameLoss", "i.i.d. post-reception frame loss on every Wi-Fi PHY, [0, 1)", frameLossArg);
    cmd.AddValue("seed", "RngSeedManager seed, >= 1", seedArg);
    cmd.AddValue("run", "RngSeedManager run number", runArg);
    cmd.AddValue("pcap", "write resoa-ftp-wifi-*.pcap and resoa-ftp-p2p-*.pcap (0/1)", pcapArg);
    cmd.AddValue("maxSeconds", "give up after this much simulated time", maxSecondsArg);
    cmd.Parse(argc, argv);

    bool encrypt = false;
    uint64_t fileSize = 0;
    double frameLoss = 0;
    uint64_t seed = 0;
    uint64_t run = 0;
    bool pcap = false;
    uint64_t maxSeconds = 0;
    if (!ParseFlag("encrypt", encryptArg, encrypt) ||
        !ParseUnsigned("fileSize", fileSizeArg, 1, 100000000000ULL, fileSize) ||
        !ParseFraction("frameLoss", frameLossArg, 0, 1, frameLoss) ||
        !ParseUnsigned("seed", seedArg, 1, UINT32_MAX, seed) ||
        !ParseUnsigned("run", runArg, 0, UINT64_MAX, run) || !ParseFlag("pcap", pcapArg, pcap) ||
        !ParseUnsigned("maxSeconds", maxSecondsArg, 1, 1000000, maxSeconds))
    {
        return 2;
    }

    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));

    AccessNetworkHelper access; // one STA with no IP stack
    access.Wifi().SetFrameLoss(frameLoss);
    AccessNetwork net = access.Build();
    ResoaHelper resoa;
    resoa.InstallServer(net.ap, NetDeviceContainer(net.wifi.Get(0)));
    resoa.InstallClient(net.wifi.Get(1), net.wifi.Get(0)->GetAddress(), Seconds(0.1));

    Ptr<ActiveFtpServer> ftpServer = CreateObject<ActiveFtpServer>();
    ftpServer->SetAttribute("FileSize", UintegerValue(fileSize));
    ftpServer->SetAttribute("EncryptControl", BooleanValue(encrypt));
    net.host->AddApplication(ftpServer);

    Ptr<ActiveFtpClient> ftpClient = CreateObject<ActiveFtpClient>();
    ftpClient->SetAttribute("Remote", AddressValue(InetSocketAddress(net.hostAddress, 21)));
    ftpClient->SetAttribute("EncryptControl", BooleanValue(encrypt));
    net.stas.Get(0)->AddApplication(ftpClient);
    const Time start = Seconds(1);
    ftpClient->SetStartTime(start);
    Time endedAt;
    Simulator::Schedule(start, &WatchClient, ftpClient, &endedAt);

    if (pcap)
    {
        access.Wifi().EnablePcap("resoa-ftp-wifi", net.wifi);
        PointToPointHelper p2p;
        p2p.EnablePcap("resoa-ftp-p2p", net.p2p);
    }

    Simulator::Stop(Seconds(maxSeconds));
    Simulator::Run();

    const ActiveFtpClient::Result r = ftpClient->GetResult();
    std::string portLine = "(not sent)";
    if (r.controlConnected && InetSocketAddress::IsMatchingType(r.ownAddress))
    {
        // What the client put in PORT: its getsockname address and its data port.
        UintegerValue dataPort;
        ftpClient->GetAttribute("DataPort", dataPort);
        InetSocketAddress own = InetSocketAddress::ConvertFrom(r.ownAddress);
        portLine = "PORT " + FormatFtpPort(InetSocketAddress(own.GetIpv4(), dataPort.Get())) +
                   "  (" + Show(InetSocketAddress(own.GetIpv4(), dataPort.Get())) + ")";
    }
    std::string hashOk = "-";
    if (r.announced > 0 && r.received == r.announced)
    {
        hashOk = r.complete ? "yes" : "NO";
    }

    std::cout << std::fixed << std::setprecision(3);
    std::cout << "control channel           "
              << (encrypt ? "encrypted (opaque to an ALG)" : "clear") << "\n"
              << "STA IP stack              "
              << (net.stas.Get(0)->GetObject<Ipv4>() ? "yes" : "none (pure ReSoA)") << "\n"
              << "ReSoA server public addr  " << net.apPublic << "\n"
              << "getsockname (control)     " << Show(r.ownAddress) << "\n"
              << "PORT sent                 " << portLine << "\n"
              << "server saw control peer   " << Show(ftpServer->GetLastControlPeer()) << "\n"
              << "server saw PORT address   " << Show(ftpServer->GetLastPortAddress()) << "\n"
              << "data connection           " << (r.dataConnected ? "accepted" : "NOT accepted")
              << "\n"
              << "file size                 " << fileSize << "\n"
              << "bytes announced (150)     " << r.announced << "\n"
              << "bytes received            " << r.received << "\n"
              << "hash ok                   " << hashOk << "\n"
              << "complete                  " << (r.complete ? "yes" : "NO") << "\n"
              << "last reply                " << (r.lastReply.empty() ? "(none)" : r.lastReply)
              << "\n"
              << "server transfers done     " << ftpServer->GetTransfersDone() << " (failed "
              << ftpServer->GetTransfersFailed() << ")\n";
    if (!endedAt.IsZero())
    {
        std::cout << "session time              " << (endedAt - start).GetSeconds() << " s\n";
    }
    else
    {
        std::cout << "session time              did not end within " << maxSeconds << " s\n";
    }
    Simulator::Destroy();
    return r.complete ? 0 : 1;
}
