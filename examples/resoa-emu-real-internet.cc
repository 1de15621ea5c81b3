/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Simulated ReSoA clients, a real Internet, in real time:
 *
 *   ns-3 (this program)                                                namespace i (real host)
 *   STA 1..N (no IP stack)                                             a real TCP server
 *   unmodified apps on ReSoA sockets                                   [tap emu0, 198.51.100.2]
 *      ))) lossy 802.11a ((( AP = ReSoA server == FdNetDevice 198.51.100.1 ==|
 *
 * Each station is a pure ReSoA node: no IP stack, so an ns-3 application asking the node for
 * "ns3::TcpSocketFactory" gets ReSoA's, and its socket calls travel as EP messages over LHP to
 * the ResoaServer on the AP, whose own ns-3 TCP/IP stack runs them. That stack's only
 * interface is an FdNetDevice on a tap in a real namespace, the "Internet": the real server
 * there (python, nc, ...) sees every station as the simulated server's public address.
 *
 * Applications (--app):
 *  - pattern: a plain ns-3 socket client (below; it knows nothing of ReSoA) sends an 8-byte
 *    big-endian length and --bytes of the deterministic stream resoa::PatternByte(seed =
 *    station number), and is done when the server answers "ok N ..." (it read everything);
 *    test/emu/tcp-sink.py --framed is such a server;
 *  - bulk: ns-3's own BulkSendApplication, unmodified (zeros, then close).
 * Each station prints the address getsockname gives it (the server's public address and the
 * port the real server will see), and, for pattern, when it finished.
 *
 *   ip netns add i
 *   ip netns exec i test/emu/tcp-sink.py --framed 0.0.0.0 9000 /tmp/got &
 *   build/examples/resoa-emu-real-internet --internet-ns=i --stations=3 --loss=0.1 \
 *       --exit-when-done=1
 *
 * Exit status: 0 ok, 1 runtime failure (with --exit-when-done: a station did not finish), 2 bad
 * arguments or missing privileges, 3 lag bound exceeded.
 */
#include "ns3/resoa-helper.h"

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/realtime-lag-monitor.h"
#include "ns3/stream-pattern.h"
#include "ns3/tap-emu-helper.h"

#include "emu/emu-example-common.h"
#include "harness/command-line-checks.h"

#include <iostream>
#include <memory>

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("ResoaEmuRealInternet");

namespace
{

/**
 * An ordinary ns-3 TCP client: connects, sends an 8-byte big-endian length N and N bytes of the
 * pattern stream `seed`, and waits for the server's one-line answer "ok N ..." (it has read
 * everything), then closes. Nothing in it knows about ReSoA.
 *
 * Why an answer and not a half-close: ns-3 3.37's TcpSocketBase::ShutdownSend sends no FIN
 * when its last data segment is already sent but not yet acknowledged, so a ReSoA server on
 * ns-3 TCP can lose a client's shutdown(SHUT_WR) (see README-emu.md); Close has no such gap.
 */
class PatternSender : public Application
{
  public:
    static TypeId GetTypeId()
    {
        static TypeId tid = TypeId("ns3::ResoaEmuPatternSender")
                                .SetParent<Application>()
                                .SetGroupName("Resoa")
                                .AddConstructor<PatternSender>();
        return tid;
    }

    /// \param remote the server \param bytes how much \param seed which pattern \param done
    /// called once the server confirmed it read everything
    void Setup(Address remote, uint64_t bytes, uint64_t seed, Callback<void> done)
    {
        m_remote = remote;
        m_bytes = bytes;
        m_seed = seed;
        m_done = done;
    }

    uint64_t GetSent() const
    {
        return m_sent;
    }

    bool IsDone() const
    {
        return m_finished;
    }

    Time GetConnectedAt() const
    {
        return m_connectedAt;
    }

    Time GetFinishedAt() const
    {
        return m_finishedAt;
    }

    Address GetLocal() const
    {
        return m_local;
    }

  private:
    static constexpr uint64_t kHeader = 8; //!< the length prefix

    void StartApplication() override
    {
        m_socket = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
        m_socket->SetConnectCallback(MakeCallback(&PatternSender::Connected, this),
                                     MakeCallback(&PatternSender::Failed, this));
        m_socket->SetSendCallback(MakeCallback(&PatternSender::Space, this));
        m_socket->SetRecvCallback(MakeCallback(&PatternSender::Recv, this));
        m_socket->SetCloseCallbacks(MakeCallback(&PatternSender::PeerClosed, this),
                                    MakeCallback(&PatternSender::Failed, this));
        m_socket->Connect(m_remote);
    }

    void StopApplication() override
    {
        if (m_socket)
        {
            m_socket->Close();
        }
    }

    void Connected(Ptr<Socket> s)
    {
        m_connectedAt = Simulator::Now();
        s->GetSockName(m_local);
        std::cout << "emu: station " << m_seed << " connected as " << cli::Show(m_local) << " to "
                  << cli::Show(m_remote) << " at " << Simulator::Now().GetSeconds() << " s"
                  << std::endl;
        Space(s, s->GetTxAvailable());
    }

    /// Byte `offset` of what goes on the wire: the length prefix, then the pattern.
    uint8_t WireByte(uint64_t offset) const
    {
        return offset < kHeader ? static_cast<uint8_t>(m_bytes >> (8 * (kHeader - 1 - offset)))
                                : resoa::PatternByte(m_seed, offset - kHeader);
    }

    void Space(Ptr<Socket> s, uint32_t)
    {
        const uint64_t total = kHeader + m_bytes;
        while (m_wire < total)
        {
            const uint64_t n = std::min<uint64_t>({total - m_wire, s->GetTxAvailable(), 1448});
            if (n == 0)
            {
                return; // the send callback comes back when there is room
            }
            std::vector<uint8_t> buf(n);
            for (uint64_t i = 0; i < n; ++i)
            {
                buf[i] = WireByte(m_wire + i);
            }
            if (s->Send(Create<Packet>(buf.data(), n)) < 0)
            {
                return;
            }
            m_wire += n;
            m_sent = m_wire > kHeader ? m_wire - kHeader : 0;
        }
    }

    void Recv(Ptr<Socket> s)
    {
        while (Ptr<Packet> p = s->Recv())
        {
            if (p->GetSize() == 0)
            {
                break;
            }
            std::string text(p->GetSize(), '\0');
            p->CopyData(reinterpret_cast<uint8_t*>(&text[0]), text.size());
            m_answer += text;
        }
        const auto eol = m_answer.find('\n');
        if (m_finished || eol == std::string::npos)
        {
            return;
        }
        const std::string line = m_answer.substr(0, eol);
        m_finished = m_sent == m_bytes && line.rfind("ok " + std::to_string(m_bytes) + " ", 0) == 0;
        m_finishedAt = Simulator::Now();
        std::cout << "emu: station " << m_seed << (m_finished ? " done: " : " FAILED: ") << m_sent
                  << " bytes, server answered '" << line << "' at " << Simulator::Now().GetSeconds()
                  << " s" << std::endl;
        s->Close();
        if (m_finished && !m_done.IsNull())
        {
            m_done();
        }
    }

    void PeerClosed(Ptr<Socket>)
    {
        if (!m_finished)
        {
            std::cout << "emu: station " << m_seed << ": server closed without an answer at "
                      << Simulator::Now().GetSeconds() << " s" << std::endl;
        }
    }

    void Failed(Ptr<Socket>)
    {
        std::cout << "emu: station " << m_seed << " failed after " << m_sent << " bytes at "
                  << Simulator::Now().GetSeconds() << " s (errno " << m_socket->GetErrno() << ")"
                  << std::endl;
    }

    Ptr<Socket> m_socket;
    Address m_remote;
    Address m_local;
    uint64_t m_bytes = 0;
    uint64_t m_seed = 0;
    uint64_t m_wire = 0; //!< bytes handed to the socket, prefix included
    uint64_t m_sent = 0; //!< pattern bytes handed to the socket
    std::string m_answer;
    bool m_finished = false;
    Time m_connectedAt;
    Time m_finishedAt;
    Callback<void> m_done;
};

NS_OBJECT_ENSURE_REGISTERED(PatternSender);

void
OnRegistered(uint32_t station, int32_t error, Ipv4Address address)
{
    std::cout << "emu: station " << station << " registered: errno " << error << ", public address "
              << address << " at " << Simulator::Now().GetSeconds() << " s" << std::endl;
}

/// BulkSend's first Tx: its socket is connected, so getsockname says what the server sees.
void
OnBulkTx(uint32_t station,
         Ptr<BulkSendApplication> app,
         std::shared_ptr<bool> reported,
         Ptr<const Packet>)
{
    Address local;
    if (*reported || !app->GetSocket() || app->GetSocket()->GetSockName(local) != 0)
    {
        return;
    }
    *reported = true;
    std::cout << "emu: station " << station << " connected as " << cli::Show(local) << " at "
              << Simulator::Now().GetSeconds() << " s" << std::endl;
}

} // namespace

int
main(int argc, char* argv[])
{
    emu::EmuOptions options("resoa-emu-real-internet");
    options.durationHelp = "seconds to run (0 = until SIGINT/SIGTERM or done)";
    emu::InternetSideOptions internet;
    std::string portText = "9000";
    std::string stationsText = "3";
    std::string app = "pattern";
    std::string bytesText = "1048576";
    std::string startText = "1";
    std::string exitWhenDoneText = "0";

    // The server's TCP talks to a real Linux host; before Parse, so --ns3::TcpSocket::... can
    // override it.
    emu::SetServerTcpDefaults();

    CommandLine cmd(__FILE__);
    cmd.Usage("Simulated pure-ReSoA stations (unmodified ns-3 applications) reach a real TCP "
              "server in a network namespace through a simulated ReSoA server, across a "
              "simulated lossy 802.11 hop. Real time, needs root. Stops at --duration, when all "
              "stations finished (--exit-when-done) or on SIGINT/SIGTERM, and prints the "
              "real-time lag report.");
    cmd.AddValue("internet-ns", "network namespace of the real server (the Internet)", internet.ns);
    cmd.AddValue("create-namespaces",
                 "create the namespace if missing (ip netns add), and delete it at exit",
                 options.createText);
    cmd.AddValue("internet-tap", "tap interface name in the Internet namespace", internet.tap);
    internet.AddAddressOptions(cmd,
                               "IPv4 address/prefix of the Internet namespace's tap (same subnet; "
                               "the stations connect to it, and it is the simulated server's "
                               "default gateway)");
    cmd.AddValue("port", "TCP port of the real server", portText);
    cmd.AddValue("stations", "number of simulated ReSoA stations", stationsText);
    cmd.AddValue("app",
                 "pattern (an 8-byte length, then --bytes of resoa::PatternByte(seed = station "
                 "number); done when the server answers 'ok N') | bulk (ns-3 "
                 "BulkSendApplication, zeros, then close)",
                 app);
    cmd.AddValue("bytes", "bytes each station sends", bytesText);
    cmd.AddValue("start", "seconds (simulated) at which the applications start", startText);
    cmd.AddValue("exit-when-done",
                 "pattern: stop once every station finished (1/0); exit 1 if --duration ends "
                 "first",
                 exitWhenDoneText);
    options.AddLossOptions(cmd);
    options.AddRunOptions(cmd);
    internet.AddPortSkipOption(cmd);
    if (!cli::RequireValues(argc, argv))
    {
        return 2;
    }
    cmd.Parse(argc, argv);

    bool exitWhenDone = false;
    uint64_t port = 0;
    uint64_t stations = 0;
    uint64_t bytes = 0;
    double start = 0;
    if (!options.ParseValues() ||
        !cli::ParseFlag("exit-when-done", exitWhenDoneText, exitWhenDone) ||
        !cli::ParseUnsigned("port", portText, 1, 65535, port) ||
        !cli::ParseUnsigned("stations", stationsText, 1, 32, stations) ||
        !cli::ParseUnsigned("bytes", bytesText, 1, 1ULL << 40, bytes) ||
        !cli::ParseFraction("start", startText, 0.3, 3600, start) || !internet.ParseAddresses() ||
        !internet.ParsePortSkip())
    {
        return 2;
    }
    if (app != "pattern" && app != "bulk")
    {
        std::cerr << "error: --app must be pattern or bulk, got '" << app << "'\n";
        return 2;
    }
    if (exitWhenDone && app != "pattern")
    {
        std::cerr << "error: --exit-when-done needs --app=pattern (BulkSend cannot tell when the "
                     "server has everything)\n";
        return 2;
    }
    if (!options.CheckLossModel())
    {
        return 2;
    }
    if (internet.ns.empty())
    {
        std::cerr << "error: --internet-ns must name the real server's network namespace\n";
        return 2;
    }
    if (!internet.CheckSubnet() || !emu::CheckTapsAndPrivileges({internet.tap}))
    {
        return 2;
    }

    const sigset_t signals = emu::BlockStopSignals();
    emu::EmuNamespaces namespaces;
    if (const int status = namespaces.Ensure({internet.ns}, options.create))
    {
        return status;
    }

    options.SetUpSimulator();
    Ptr<Node> serverNode = CreateObject<Node>(); // the AP and ReSoA server
    NodeContainer stas;
    stas.Create(static_cast<uint32_t>(stations));

    emu::EmuWifiHop hop;
    NetDeviceContainer air = hop.Install(options, serverNode, stas);
    Ptr<NetDevice> ap = air.Get(0);

    // The server's Internet side: an FdNetDevice on a tap in the real namespace.
    TapEmuHelper taps;
    NetDeviceContainer tapDevs = emu::InstallTaps(taps, {{serverNode, internet.GetTapSpec()}});
    if (tapDevs.GetN() == 0)
    {
        namespaces.RemoveCreated();
        return 2;
    }

    // The ReSoA server on the AP (its own TCP/IP behind the tap), and one pure-ReSoA client
    // per station.
    emu::EmuResoaServer resoaServer;
    Ptr<ResoaServer> server = resoaServer.Install(serverNode, ap, tapDevs.Get(0), internet);
    ResoaHelper resoa;
    std::vector<Ptr<ResoaClient>> clients;
    for (uint32_t i = 0; i < stations; ++i)
    {
        // Staggered a little, so the stations' first frames do not all collide.
        Ptr<ResoaClient> c =
            resoa.InstallClient(air.Get(i + 1), ap->GetAddress(), Seconds(0.2 + 0.01 * i));
        c->TraceConnectWithoutContext("Registered", MakeBoundCallback(&OnRegistered, i + 1));
        clients.push_back(c);
    }

    // The applications: on these nodes "ns3::TcpSocketFactory" is ReSoA's.
    const InetSocketAddress remote(internet.internetIp, static_cast<uint16_t>(port));
    std::vector<Ptr<PatternSender>> senders;
    uint32_t remaining = static_cast<uint32_t>(stations);
    for (uint32_t i = 0; i < stations; ++i)
    {
        Ptr<Application> a;
        if (app == "pattern")
        {
            Ptr<PatternSender> s = CreateObject<PatternSender>();
            s->Setup(remote,
                     bytes,
                     i + 1,
                     Callback<void>(
                         [&remaining, exitWhenDone]()
                         {
                             if (--remaining == 0 && exitWhenDone)
                             {
                                 // Time for the closes to cross the hop and the Internet link.
                                 Simulator::Stop(MilliSeconds(300));
                             }
                         }));
            senders.push_back(s);
            a = s;
        }
        else
        {
            BulkSendHelper bulk("ns3::TcpSocketFactory", remote);
            bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
            bulk.SetAttribute("SendSize", UintegerValue(1448));
            Ptr<BulkSendApplication> b =
                DynamicCast<BulkSendApplication>(bulk.Install(stas.Get(i)).Get(0));
            b->TraceConnectWithoutContext(
                "Tx", MakeBoundCallback(&OnBulkTx, i + 1, b, std::make_shared<bool>(false)));
            a = b;
        }
        if (app == "pattern")
        {
            stas.Get(i)->AddApplication(a);
        }
        a->SetStartTime(Seconds(start + 0.01 * i));
    }

    emu::StationLog stationLog;
    stationLog.announceAssociation = false;
    stationLog.who = "a station";
    hop.WatchCounters(stationLog);

    if (options.pcap)
    {
        hop.EnablePcap(options.pcapPrefix, taps, tapDevs);
    }

    Ptr<RealtimeLagMonitor> lag = options.StartLagMonitor();
    options.ScheduleProgressAndStop(
        lag, [server](std::ostream& os) { os << "server sessions " << server->GetSessionCount(); });

    std::cout << "emu: " << stations << " pure-ReSoA station(s), app " << app << ", " << bytes
              << " bytes each to " << internet.internetIp << ":" << port << " from " << start
              << " s; 802.11a, ";
    options.DescribeLoss(std::cout);
    std::cout << "; server public address " << internet.publicIp << " (first TCP port "
              << 49153 + internet.portSkip << ")" << std::endl;
    options.RunUntilStopped(signals, exitWhenDone ? " or until every station finished" : "");

    uint64_t sent = 0;
    for (uint32_t i = 0; i < senders.size(); ++i)
    {
        Ptr<PatternSender> s = senders[i];
        sent += s->GetSent();
        std::cout << "station " << i + 1 << ": " << cli::Show(s->GetLocal()) << ", sent "
                  << s->GetSent() << " bytes";
        if (s->IsDone())
        {
            const double secs = (s->GetFinishedAt() - s->GetConnectedAt()).GetSeconds();
            std::cout << ", done in " << secs << " s after connecting ("
                      << s->GetSent() * 8 / secs / 1e6 << " Mbit/s)";
        }
        else
        {
            std::cout << ", NOT done";
        }
        std::cout << "\n";
    }
    lag->Report(std::cout);
    resoaServer.Report(std::cout);
    hop.Report(std::cout);

    int status = 0;
    if (exitWhenDone && remaining > 0)
    {
        std::cout << "error: " << remaining << " of " << stations << " station(s) did not finish\n";
        status = 1;
    }
    if (const int lagStatus = options.LagBoundStatus(lag))
    {
        status = lagStatus;
    }
    std::cout.flush();
    // Disposing the FdNetDevice closes the tap descriptor: the kernel removes the tap.
    Simulator::Destroy();
    namespaces.RemoveCreated();
    return status;
}
