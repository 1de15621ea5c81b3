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
#include "ns3/data-frame-error-model.h"
#include "ns3/gilbert-elliott-error-model.h"
#include "ns3/internet-module.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/network-module.h"
#include "ns3/realtime-lag-monitor.h"
#include "ns3/stream-pattern.h"
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
#include <memory>
#include <random>
#include <thread>

extern char** environ;

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("ResoaEmuRealInternet");

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
    uint64_t socketsOpened = 0;        //!< server sockets created for the clients
    uint64_t requests = 0;             //!< EP requests the server received
};

Counters g_counters;

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
OnAssoc(Mac48Address)
{
    ++g_counters.associations;
}

void
OnDeAssoc(Mac48Address bssid)
{
    ++g_counters.deassociations;
    std::cout << "emu: a station lost its association with " << bssid << " at "
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

/// Periodic one-line progress report.
void
Progress(Time interval, Ptr<RealtimeLagMonitor> lag, Ptr<ResoaServer> server)
{
    std::cout << std::fixed << std::setprecision(1) << "emu: t=" << Simulator::Now().GetSeconds()
              << " s lag max " << lag->GetMaxLag().GetMicroSeconds() / 1000.0
              << " ms, server sessions " << server->GetSessionCount() << std::endl;
    Simulator::Schedule(interval, &Progress, interval, lag, server);
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
    std::string internetNs;
    std::string createText = "0";
    std::string internetTap = "emu0";
    std::string internetMacText = "02:00:00:e0:00:03";
    std::string publicText = "198.51.100.1/24";
    std::string internetText = "198.51.100.2/24";
    std::string portText = "9000";
    std::string stationsText = "3";
    std::string app = "pattern";
    std::string bytesText = "1048576";
    std::string startText = "1";
    std::string exitWhenDoneText = "0";
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
    std::string pcapPrefix = "resoa-emu-real-internet";
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
    cmd.Usage("Simulated pure-ReSoA stations (unmodified ns-3 applications) reach a real TCP "
              "server in a network namespace through a simulated ReSoA server, across a "
              "simulated lossy 802.11 hop. Real time, needs root. Stops at --duration, when all "
              "stations finished (--exit-when-done) or on SIGINT/SIGTERM, and prints the "
              "real-time lag report.");
    cmd.AddValue("internet-ns", "network namespace of the real server (the Internet)", internetNs);
    cmd.AddValue("create-namespaces",
                 "create the namespace if missing (ip netns add), and delete it at exit",
                 createText);
    cmd.AddValue("internet-tap", "tap interface name in the Internet namespace", internetTap);
    cmd.AddValue("internet-mac", "MAC of the Internet namespace's tap", internetMacText);
    cmd.AddValue("public-ip",
                 "the simulated server's public IPv4 address/prefix, on its Internet link",
                 publicText);
    cmd.AddValue("internet-ip",
                 "IPv4 address/prefix of the Internet namespace's tap (same subnet; the stations "
                 "connect to it, and it is the simulated server's default gateway)",
                 internetText);
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
    cmd.AddValue("duration", "seconds to run (0 = until SIGINT/SIGTERM or done)", durationText);
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
    bool exitWhenDone = false;
    double loss = 0;
    uint64_t port = 0;
    uint64_t stations = 0;
    uint64_t bytes = 0;
    double start = 0;
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
    Mac48Address internetMac;
    Ipv4Address publicIp;
    Ipv4Mask publicMask;
    Ipv4Address internetIp;
    Ipv4Mask internetMask;
    if (!cli::ParseFlag("create-namespaces", createText, create) ||
        !cli::ParseFlag("pcap", pcapText, pcap) ||
        !cli::ParseFlag("exit-when-done", exitWhenDoneText, exitWhenDone) ||
        !cli::ParseFraction("loss", lossText, 0, 1, loss) ||
        !cli::ParseUnsigned("port", portText, 1, 65535, port) ||
        !cli::ParseUnsigned("stations", stationsText, 1, 32, stations) ||
        !cli::ParseUnsigned("bytes", bytesText, 1, 1ULL << 40, bytes) ||
        !cli::ParseFraction("start", startText, 0.3, 3600, start) ||
        !cli::ParseUnsigned("fade-good-ms", fadeGoodText, 1, 3600000, fadeGoodMs) ||
        !cli::ParseUnsigned("fade-bad-ms", fadeBadText, 1, 3600000, fadeBadMs) ||
        !cli::ParseUnsigned("mac-retries", macRetriesText, 1, 64, macRetries) ||
        !cli::ParseUnsigned("seed", seedText, 1, 0xffffffffULL, seed) ||
        !cli::ParseUnsigned("run", runText, 0, 0xffffffffULL, run) ||
        !cli::ParseUnsigned("duration", durationText, 0, 365ULL * 86400, duration) ||
        !cli::ParseFraction("max-lag", maxLagText, 0, 1e7, maxLagMs) ||
        !cli::ParseFraction("lag-period", lagPeriodText, 0.01, 1e6, lagPeriodMs) ||
        !cli::ParseUnsigned("progress", progressText, 0, 86400, progress) ||
        !ParseMac("internet-mac", internetMacText, internetMac) ||
        !ParseCidr("public-ip", publicText, publicIp, publicMask) ||
        !ParseCidr("internet-ip", internetText, internetIp, internetMask) ||
        (portSkipText != "random" &&
         !cli::ParseUnsigned("port-skip", portSkipText, 0, 16382, portSkip)))
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
    if (internetNs.empty())
    {
        std::cerr << "error: --internet-ns must name the real server's network namespace\n";
        return 2;
    }
    if (publicIp == internetIp || !publicMask.IsMatch(publicIp, internetIp) ||
        publicMask != internetMask)
    {
        std::cerr << "error: --public-ip and --internet-ip must be two addresses of one subnet\n";
        return 2;
    }
    if (internetTap.empty() || internetTap.size() >= IFNAMSIZ)
    {
        std::cerr << "error: tap name '" << internetTap << "' must have 1 to " << IFNAMSIZ - 1
                  << " characters\n";
        return 2;
    }
    if (std::string why = TapEmuHelper::CheckPrerequisites(); !why.empty())
    {
        std::cerr << "error: cannot emulate here: " << why << "\n";
        return 2;
    }

    // Signals: blocked before any thread exists (FdNetDevice's reader inherits the mask), and
    // taken by one waiter thread started just before the run.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    // The namespace: created (if asked) with ip, before the simulation; never from an event.
    bool created = false;
    if (internetNs[0] != '/' && access(("/run/netns/" + internetNs).c_str(), F_OK) != 0)
    {
        if (!create)
        {
            std::cerr << "error: network namespace '" << internetNs << "' does not exist (ip "
                      << "netns add " << internetNs << ", or --create-namespaces=1)\n";
            return 2;
        }
        if (RunProgram({"ip", "netns", "add", internetNs}) != 0)
        {
            std::cerr << "error: ip netns add " << internetNs << " failed\n";
            return 1;
        }
        created = true;
        std::cout << "emu: created network namespace " << internetNs << std::endl;
    }
    auto removeCreated = [&]()
    {
        if (created)
        {
            RunProgram({"ip", "netns", "del", internetNs});
        }
    };

    TapEmuHelper::EnableRealtime();
    RngSeedManager::SetSeed(static_cast<uint32_t>(seed));
    RngSeedManager::SetRun(run);

    Ptr<Node> serverNode = CreateObject<Node>(); // the AP and ReSoA server
    NodeContainer stas;
    stas.Create(static_cast<uint32_t>(stations));

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
        // One inner model shared by all PHYs: one fade timeline for the whole cell.
        ObjectFactory f("ns3::DataFrameErrorModel");
        f.Set("Inner", PointerValue(inner));
        f.Set("ProtectManagement", BooleanValue(lossFrames == "data"));
        f.Set("ProtectControl", BooleanValue(false));
        wifi.SetErrorModelFactory(f);
    }
    NetDeviceContainer air = wifi.Install(serverNode, stas);
    wifi.AssignStreams(air, 100);
    Ptr<NetDevice> ap = air.Get(0);

    // The server's Internet side: an FdNetDevice on a tap in the real namespace.
    TapEmuHelper taps;
    taps.SetNamespace(internetNs);
    taps.SetTapName(internetTap);
    taps.SetTapMacAddress(internetMac);
    taps.SetTapIpv4Address(internetIp, internetMask);
    std::string error;
    Ptr<FdNetDevice> internetDev = taps.TryInstall(serverNode, error);
    if (!internetDev)
    {
        std::cerr << "error: Internet tap in namespace " << internetNs << ": " << error << "\n";
        removeCreated();
        return 2;
    }
    std::cout << "emu: tap " << taps.GetTapName() << " (" << taps.GetTapMacAddress() << ", "
              << internetIp << ") up in namespace " << internetNs << std::endl;

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
    // second run against the same real host reuses the 4-tuples of the first one, which that
    // host may still hold in TIME_WAIT: it answers the SYN with an ACK (PAWS), which ns-3
    // ignores, and the connection waits for SYN retransmissions. Skipping ports avoids it.
    if (portSkipText == "random")
    {
        portSkip = std::random_device{}() % 16383;
    }
    Ptr<TcpL4Protocol> tcp = serverNode->GetObject<TcpL4Protocol>();
    for (uint64_t i = 0; i < portSkip; ++i)
    {
        tcp->DeAllocate(tcp->Allocate());
    }

    // The ReSoA server on the AP, and one pure-ReSoA client per station.
    ResoaHelper resoa;
    resoa.SetServerAttribute("PublicAddress", Ipv4AddressValue(publicIp));
    Ptr<ResoaServer> server = resoa.InstallServer(serverNode, NetDeviceContainer(ap));
    server->TraceConnectWithoutContext("Request", MakeCallback(&OnServerRequest));
    server->TraceConnectWithoutContext("SocketOpen", MakeCallback(&OnServerSocketOpen));
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
    const InetSocketAddress remote(internetIp, static_cast<uint16_t>(port));
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

    for (uint32_t i = 0; i < air.GetN(); ++i)
    {
        Ptr<WifiNetDevice> dev = DynamicCast<WifiNetDevice>(air.Get(i));
        dev->GetRemoteStationManager()->TraceConnectWithoutContext(
            "MacTxDataFailed", MakeCallback(&OnMacTxDataFailed));
        dev->GetRemoteStationManager()->TraceConnectWithoutContext(
            "MacTxFinalDataFailed", MakeCallback(&OnMacTxFinalDataFailed));
        if (i > 0)
        {
            dev->GetMac()->TraceConnectWithoutContext("Assoc", MakeCallback(&OnAssoc));
            dev->GetMac()->TraceConnectWithoutContext("DeAssoc", MakeCallback(&OnDeAssoc));
        }
    }

    if (pcap)
    {
        wifi.EnablePcap(pcapPrefix + "-wifi", air);
        taps.EnablePcap(pcapPrefix + "-tap", NetDeviceContainer(internetDev), true);
    }

    Ptr<RealtimeLagMonitor> lag = CreateObject<RealtimeLagMonitor>();
    lag->SetAttribute("Period", TimeValue(MicroSeconds(static_cast<int64_t>(lagPeriodMs * 1000))));
    lag->Start();
    if (progress > 0)
    {
        const Time every = Seconds(static_cast<double>(progress));
        Simulator::Schedule(every, &Progress, every, lag, server);
    }
    if (duration > 0)
    {
        Simulator::Stop(Seconds(static_cast<double>(duration)));
    }

    std::cout << "emu: " << stations << " pure-ReSoA station(s), app " << app << ", " << bytes
              << " bytes each to " << internetIp << ":" << port << " from " << start
              << " s; 802.11a, loss model " << lossModel << " (loss " << loss << ", "
              << (lossFrames == "data" ? "data frames and ACKs" : "all frames") << "), MAC retries "
              << macRetries << "; server public address " << publicIp << " (first TCP port "
              << 49153 + portSkip << ")" << std::endl;
    std::cout << "emu: running in real time"
              << (duration > 0 ? " for " + std::to_string(duration) + " s"
                               : std::string(" until SIGINT/SIGTERM"))
              << (exitWhenDone ? " or until every station finished" : "") << std::endl;

    std::thread waiter(&SignalWaiter, signals);
    const auto wallStart = std::chrono::steady_clock::now();
    Simulator::Run();
    const double wallSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    pthread_kill(waiter.native_handle(), SIGUSR1);
    waiter.join();

    std::cout << std::fixed << std::setprecision(3) << "emu: ran " << Simulator::Now().GetSeconds()
              << " s simulated in " << wallSeconds << " s wall time\n";
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
    if (exitWhenDone && remaining > 0)
    {
        std::cout << "error: " << remaining << " of " << stations << " station(s) did not finish\n";
        status = 1;
    }
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
    // Disposing the FdNetDevice closes the tap descriptor: the kernel removes the tap.
    Simulator::Destroy();
    removeCreated();
    return status;
}
