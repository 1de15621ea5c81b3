/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Faults on the real daemons (docs/faults.md): serverd or clientd killed, a short link
 * outage, a server restart, a client that stops reading, and a SIGHUP reload, each with
 * unmodified programs (python3, curl) under resoa-run and the bound it must meet, measured
 * against the core's defaults (LhpConfig: deadTimeout, keepaliveInterval).
 */
#include "client-loop.h"
#include "ep-client.h"
#include "lhp-link.h"
#include "program-rig.h"
#include "realnet-test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace resoa
{
namespace test
{
namespace
{

using Clock = std::chrono::steady_clock;

const std::string kPython = "/usr/bin/python3";
const std::string kNet = ProgramRig::kInternetAddress;
const std::string kSrv = ProgramRig::kServerAddress;

/// fault-peer.py sits next to ftp-server.py (the only script path the build passes in).
std::string
PeerScript()
{
    const std::string ftp = RESOA_FTP_SERVER_PATH;
    return ftp.substr(0, ftp.rfind('/')) + "/fault-peer.py";
}

double
Seconds(std::chrono::nanoseconds d)
{
    return std::chrono::duration<double>(d).count();
}

/// The defaults every bound below is stated in (none of them is a daemon option).
const double kDead = Seconds(LhpConfig{}.deadTimeout);            // 5 s
const double kKeepalive = Seconds(LhpConfig{}.keepaliveInterval); // 1 s
const double kReconnect = Seconds(realnet::ClientLoopOptions{}.reconnectMin);
/// Scheduling, process start and the 10-ms polling of logs on a shared 2-core machine.
constexpr double kSlack = 1.5;

double
Since(Clock::time_point t)
{
    return Seconds(Clock::now() - t);
}

long long
Number(const std::string& text)
{
    return text.empty() ? -1 : std::stoll(text);
}

class Faults : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto why = ProgramRig::SkipReason({kPython, "curl", "ss", "nft"}))
        {
            GTEST_SKIP() << *why;
        }
    }

    void Build(const std::string& tag, const std::vector<std::string>& serverdArgs = {})
    {
        rig = std::make_unique<ProgramRig>(tag);
        dir = rig->Dir();
        rig->StartServerd(serverdArgs);
        client = &rig->AddResoaClient();
    }

    /// fault-peer.py in the internet namespace; waits until it listens.
    std::unique_ptr<Background> Peer(const std::vector<std::string>& args, const std::string& log)
    {
        std::vector<std::string> argv = {kPython, "-u", PeerScript()};
        argv.insert(argv.end(), args.begin(), args.end());
        auto p = rig->Start(rig->internet, argv, log);
        EXPECT_TRUE(p->WaitFor("listening")) << p->Log();
        return p;
    }

    /// fault-peer.py under resoa-run in the client namespace.
    std::unique_ptr<Background> App(const std::vector<std::string>& args, const std::string& log)
    {
        std::vector<std::string> argv = {"env",
                                         "RESOA_CLIENTD_SOCKET=" + client->socket,
                                         "RESOA_PRELOAD=" RESOA_PRELOAD_PATH,
                                         RESOA_RUN_PATH,
                                         kPython,
                                         "-u",
                                         PeerScript()};
        argv.insert(argv.end(), args.begin(), args.end());
        return rig->Start(client->ns, argv, log);
    }

    /// One blocking connect() over ReSoA. \return fault-peer's "connect=... t=..." line
    CommandResult Connect(int port, int seconds = 20)
    {
        return rig->RunResoa(*client,
                             "exec " + kPython + " " + PeerScript() + " connect " + kNet + " " +
                                 std::to_string(port),
                             seconds);
    }

    /// Waits until \p bg's last `progress` line for \p key reports at least \p bytes.
    bool WaitForProgress(const Background& bg,
                         const std::string& key,
                         const std::string& field,
                         long long bytes,
                         double seconds = 15)
    {
        const auto end = Clock::now() + std::chrono::duration<double>(seconds);
        while (Clock::now() < end)
        {
            if (Number(Field(bg.Log(), "progress " + key, field)) >= bytes)
            {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

    /// \return TCP and UDP sockets resoa-serverd holds (ss in the server namespace)
    int ServerdSockets()
    {
        CommandResult ss = rig->Run(rig->server, "ss -Htuanp", 10);
        return Count(ss.output, "\"resoa-serverd\"");
    }

    /// \return curl's exit code; the body goes to \p out
    CommandResult Curl(int port, const std::string& out)
    {
        return rig->RunResoa(*client,
                             "exec curl -sS -v --max-time 20 -o " + out + " http://" + kNet + ":" +
                                 std::to_string(port) + "/file.bin",
                             25);
    }

    std::unique_ptr<Background> HttpServer(int port)
    {
        auto http = rig->Start(rig->internet,
                               {kPython,
                                "-u",
                                "-m",
                                "http.server",
                                std::to_string(port),
                                "--bind",
                                kNet,
                                "--directory",
                                dir + "/www"},
                               "http-" + std::to_string(port) + ".log");
        EXPECT_TRUE(http->WaitFor("Serving HTTP")) << http->Log();
        return http;
    }

    std::unique_ptr<ProgramRig> rig;
    std::string dir;
    ProgramRig::Client* client = nullptr;
};

// Fault 1: serverd crashes while a program is receiving. The client's LHP link hears
// nothing more and dies after deadTimeout; clientd fails every socket the server knew:
// the program's read fails with ENETDOWN (the shim turns the pair's EOF into the socket's
// error, so a program that never asks SO_ERROR cannot take the cut stream for a complete
// one; SO_ERROR is then 0, read and cleared). A connect in flight gets ENETDOWN at
// the same moment, one made afterwards at once.
TEST_F(Faults, ServerDiesAndTheClientsSocketsFailWithinTheDeadTimeout)
{
    Build("srv-dies");
    WriteRandomFile(dir + "/stream.bin", 16 << 20, 11);
    auto source =
        Peer({"serve", kNet, "9000", "source", dir + "/stream.bin", "1000000"}, "source.log");
    auto fetch = App({"fetch", kNet, "9000", dir + "/got.bin"}, "fetch.log");
    ASSERT_TRUE(WaitForProgress(*fetch, "fetch", "got", 200000))
        << fetch->Log() << rig->DaemonLogs();

    ASSERT_TRUE(rig->serverd->Signal(SIGKILL));
    const auto killed = Clock::now();
    EXPECT_EQ(rig->serverd->Wait(5), -1); // killed by the signal
    // A connect() issued right after the crash: the Connect travels on a link that is not
    // known to be dead yet, so it is answered when the link dies.
    CommandResult during;
    std::thread connecting([&] { during = Connect(9000); });

    // The Internet peer sees the end at once: the kernel closes a dead process's sockets.
    EXPECT_TRUE(source->WaitFor("end conn=1", kSlack)) << source->Log();
    ASSERT_TRUE(fetch->WaitFor("end fetch", kDead + 2 * kSlack))
        << fetch->Log() << rig->DaemonLogs();
    const double failedAfter = Since(killed);
    RecordProperty("server_dies_socket_error_s", std::to_string(failedAfter));
    std::cout << "[ measured ] program's socket failed " << failedAfter << " s after SIGKILL\n";
    // The program was receiving, so the client heard the server until the kill: the link
    // dies deadTimeout after it, never before the last keepalive interval.
    EXPECT_GE(failedAfter, kDead - kKeepalive);
    EXPECT_LE(failedAfter, kDead + kSlack);
    EXPECT_EQ(Field(fetch->Log(), "end fetch", "kind"), "ENETDOWN") << fetch->Log();
    EXPECT_EQ(Field(fetch->Log(), "end fetch", "so_error"), "0") << fetch->Log();
    EXPECT_EQ(fetch->Wait(5), 1) << fetch->Log(); // fault-peer: the read failed
    EXPECT_TRUE(client->clientd->WaitFor("link dead; reconnecting", 1)) << client->clientd->Log();

    connecting.join();
    EXPECT_EQ(during.exitCode, 1) << during.output;
    EXPECT_NE(during.output.find("connect=ENETDOWN"), std::string::npos) << during.output;
    const double duringT = std::stod("0" + Field(during.output, "connect=", "t"));
    std::cout << "[ measured ] connect() issued at the crash failed after " << duringT << " s\n";
    EXPECT_LE(duringT, kDead + kSlack) << during.output;

    // While the server is down (clientd keeps reconnecting), connect() fails at once.
    CommandResult after = Connect(9000, 10);
    EXPECT_EQ(after.exitCode, 1) << after.output;
    EXPECT_NE(after.output.find("connect=ENETDOWN"), std::string::npos) << after.output;
    const double afterT = std::stod("0" + Field(after.output, "connect=", "t"));
    std::cout << "[ measured ] connect() while the server is known down failed after " << afterT
              << " s\n";
    EXPECT_LT(afterT, 0.5) << after.output;
    // ... and so does name resolution, which needs the server.
    CommandResult resolve =
        rig->RunResoa(*client, "exec curl -sS --max-time 20 http://no-such-host.invalid/", 25);
    EXPECT_EQ(resolve.exitCode, 6) << resolve.output; // CURLE_COULDNT_RESOLVE_HOST
}

// Fault 2: clientd crashes with open sockets. serverd's link to it dies after deadTimeout;
// the session goes down and every socket is released: connections are aborted (the
// Internet peer gets RST), the listener and the UDP socket closed.
TEST_F(Faults, ClientDiesAndTheServerResetsItsConnectionsAfterTheDeadTimeout)
{
    Build("cli-dies");
    WriteRandomFile(dir + "/stream.bin", 16 << 20, 12);
    auto idle = Peer({"serve", kNet, "9100", "idle"}, "idle.log");
    auto source =
        Peer({"serve", kNet, "9101", "source", dir + "/stream.bin", "1000000"}, "source.log");
    auto udp = Peer({"udp", kNet, "9102"}, "udp.log");
    auto app = App({"hold", kNet, "9100", "9101", "9102", "7300"}, "hold.log");
    ASSERT_TRUE(app->WaitFor("ready", 10)) << app->Log() << rig->DaemonLogs();
    ASSERT_TRUE(udp->WaitFor("datagram from=" + kSrv)) << udp->Log();
    ASSERT_TRUE(WaitForProgress(*app, "down", "got", 100000)) << app->Log();
    // Two connections, a UDP socket and a listener, all on the server.
    EXPECT_EQ(ServerdSockets(), 4) << rig->Run(rig->server, "ss -tuanp").output;

    ASSERT_TRUE(client->clientd->Signal(SIGKILL));
    const auto killed = Clock::now();
    // The program's pair ends lose their other end: it reads EOF at once.
    EXPECT_TRUE(app->WaitFor("end down", kSlack)) << app->Log();

    ASSERT_TRUE(source->WaitFor("end conn=1", kDead + 2 * kSlack))
        << source->Log() << rig->DaemonLogs();
    const double resetAfter = Since(killed);
    ASSERT_TRUE(idle->WaitFor("end conn=1", kSlack)) << idle->Log();
    RecordProperty("client_dies_peer_reset_s", std::to_string(resetAfter));
    std::cout << "[ measured ] Internet peer reset " << resetAfter << " s after SIGKILL\n";
    EXPECT_GE(resetAfter, kDead - kKeepalive);
    EXPECT_LE(resetAfter, kDead + kSlack);
    // Aborted, not closed: RST on both, whether the peer was sending or idle.
    EXPECT_EQ(Field(source->Log(), "end conn=1", "kind"), "RST") << source->Log();
    EXPECT_EQ(Field(idle->Log(), "end conn=1", "kind"), "RST") << idle->Log();
    EXPECT_TRUE(rig->serverd->WaitFor("client 02:00:00:aa:01:01 gone (session 1)", 1))
        << rig->serverd->Log();

    // Nothing is left on the server: no socket, and the listener's port is closed.
    EXPECT_EQ(ServerdSockets(), 0) << rig->Run(rig->server, "ss -tuanp").output;
    CommandResult probe = rig->Run(
        rig->internet, "exec " + kPython + " " + PeerScript() + " connect " + kSrv + " 7300", 10);
    EXPECT_NE(probe.output.find("connect=ECONNREFUSED"), std::string::npos) << probe.output;
}

// Fault 3: two outages of 1 s (< deadTimeout) in the middle of a download and an upload:
// first the client's link goes down (clientd's sends fail with ENETDOWN), then every frame
// is dropped silently in both directions (nftables netdev rules: a radio fade). LHP's ARQ
// retransmits afterwards; neither the link, the session nor TCP notices beyond the pause.
TEST_F(Faults, ShortLinkOutagesLoseNothing)
{
    Build("outage");
    const long long size = 8 << 20;
    WriteRandomFile(dir + "/down.bin", size, 13);
    WriteRandomFile(dir + "/up.bin", size, 14);
    RunCommand({"mkdir", "-p", dir + "/sink"});
    auto source =
        Peer({"serve", kNet, "9200", "source", dir + "/down.bin", "2000000"}, "source.log");
    auto sink = Peer({"serve", kNet, "9201", "sink", dir + "/sink"}, "sink.log");
    auto fetch = App({"fetch", kNet, "9200", dir + "/got.bin"}, "fetch.log");
    auto send = App({"send", kNet, "9201", dir + "/up.bin", "2000000"}, "send.log");
    const double outage = 1.0;

    // Outage 1: the interface goes down.
    ASSERT_TRUE(WaitForProgress(*fetch, "fetch", "got", size / 8))
        << fetch->Log() << rig->DaemonLogs();
    rig->net.Ip(client->ns, {"link", "set", "c0", "down"});
    std::this_thread::sleep_for(std::chrono::duration<double>(outage));
    rig->net.Ip(client->ns, {"link", "set", "c0", "up"});
    EXPECT_TRUE(client->clientd->WaitFor("Network is down", 1)) << client->clientd->Log();

    // Outage 2: the interfaces stay up and every frame is dropped on ingress, both ways.
    ASSERT_TRUE(WaitForProgress(*fetch, "fetch", "got", size * 5 / 8))
        << fetch->Log() << rig->DaemonLogs();
    auto drop = [&](const std::string& ns, const std::string& dev)
    {
        return rig->Run(ns,
                        "nft -f - <<'EOF'\n"
                        "table netdev resoa_fade {\n"
                        "  chain in {\n"
                        "    type filter hook ingress device \"" +
                            dev +
                            "\" priority 0; policy accept;\n"
                            "    counter drop\n"
                            "  }\n"
                            "}\n"
                            "EOF\n",
                        10);
    };
    ASSERT_EQ(drop(rig->server, "s0c1").exitCode, 0);
    ASSERT_EQ(drop(client->ns, "c0").exitCode, 0);
    std::this_thread::sleep_for(std::chrono::duration<double>(outage));
    CommandResult toServer = rig->Run(
        rig->server, "nft list table netdev resoa_fade; nft delete table netdev resoa_fade", 10);
    CommandResult toClient = rig->Run(
        client->ns, "nft list table netdev resoa_fade; nft delete table netdev resoa_fade", 10);
    const auto restored = Clock::now();
    // Both directions really lost frames (retransmissions, keepalives).
    auto dropped = [](const std::string& nft)
    {
        const std::size_t at = nft.find("counter packets ");
        return at == std::string::npos ? -1 : std::atoll(nft.c_str() + at + 16);
    };
    EXPECT_GT(dropped(toServer.output), 0) << toServer.output;
    EXPECT_GT(dropped(toClient.output), 0) << toClient.output;

    EXPECT_EQ(fetch->Wait(20), 0) << fetch->Log() << rig->DaemonLogs();
    EXPECT_EQ(send->Wait(20), 0) << send->Log() << rig->DaemonLogs();
    std::cout << "[ measured ] transfers done " << Since(restored)
              << " s after the second outage; download stalls:\n"
              << rig->Run(rig->server, "grep stall " + dir + "/fetch.log", 5).output;
    EXPECT_EQ(Sha256Of(dir + "/got.bin"), Sha256Of(dir + "/down.bin"));
    EXPECT_TRUE(sink->WaitFor("end conn=1 kind=FIN", 5)) << sink->Log();
    EXPECT_EQ(Sha256Of(dir + "/sink/sink-1.bin"), Sha256Of(dir + "/up.bin"));
    // Each outage was real: the download stalled for at least most of it, and resumed
    // within two maxRto of its end (the backed-off RTO, then one more for the frames whose
    // timers restarted at the first ack: the reads stall in two steps), far below
    // deadTimeout. Stalls (reads >= 0.5 s apart) belong to the outage whose bytes they
    // follow.
    const std::string log = fetch->Log();
    const double maxRto = Seconds(LhpConfig{}.maxRto);
    double longest[2] = {0, 0};
    double total[2] = {0, 0};
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);)
    {
        if (line.rfind("stall fetch", 0) == 0)
        {
            const int which = Number(Field(line, "stall", "got")) < size * 5 / 8 ? 0 : 1;
            const double s = std::stod(Field(line, "stall", "s"));
            longest[which] = std::max(longest[which], s);
            total[which] += s;
        }
    }
    for (int i = 0; i < 2; ++i)
    {
        RecordProperty("outage" + std::to_string(i + 1) + "_read_stall_s",
                       std::to_string(total[i]));
        EXPECT_GE(longest[i], outage * 0.8) << "outage " << i + 1 << "\n" << log;
        EXPECT_LE(total[i], outage + 2 * maxRto + 0.5) << "outage " << i + 1 << "\n" << log;
    }
    // One link, one session, all along.
    EXPECT_EQ(Count(client->clientd->Log(), "registered: errno 0"), 1) << client->clientd->Log();
    EXPECT_EQ(client->clientd->Log().find("link dead"), std::string::npos)
        << client->clientd->Log();
    EXPECT_EQ(rig->serverd->Log().find(" gone ("), std::string::npos) << rig->serverd->Log();
}

// Fault 4: serverd restarts, first in order (SIGTERM), then after a crash (SIGKILL).
// clientd re-registers by itself; the old sockets fail with ENETDOWN, new ones work.
TEST_F(Faults, ServerRestartClientdReRegistersAndNewSocketsWork)
{
    Build("restart");
    RunCommand({"mkdir", "-p", dir + "/www"});
    WriteRandomFile(dir + "/www/file.bin", 2 * 1024 * 1024 + 5, 15);
    auto http = HttpServer(8080);
    auto idle = Peer({"serve", kNet, "9300", "idle"}, "idle.log");

    // SIGTERM: serverd closes the session in order; the client hears it at once.
    // old1 reads with read(2), old2 with recv(2): the shim turns the EOF of both into ENETDOWN.
    auto old1 = App({"fetch", kNet, "9300", dir + "/old1.bin", "0", "read"}, "old1.log");
    ASSERT_TRUE(old1->WaitFor("connected", 10)) << old1->Log() << rig->DaemonLogs();
    ASSERT_TRUE(idle->WaitFor("accepted conn=1")) << idle->Log();
    auto stopped = Clock::now();
    EXPECT_EQ(rig->serverd->Stop(), 0) << rig->serverd->Log();
    const std::string firstLog = rig->serverd->Log();
    EXPECT_NE(firstLog.find("SIGTERM: closing 1 session(s)"), std::string::npos) << firstLog;
    EXPECT_NE(firstLog.find("stopped; 0 session(s) did not answer the close"), std::string::npos)
        << firstLog;
    ASSERT_TRUE(old1->WaitFor("end fetch", kSlack)) << old1->Log();
    std::cout << "[ measured ] SIGTERM: old socket failed " << Since(stopped) << " s after\n";
    EXPECT_EQ(Field(old1->Log(), "end fetch", "kind"), "ENETDOWN") << old1->Log();
    EXPECT_TRUE(idle->WaitFor("end conn=1 kind=RST", kSlack)) << idle->Log();
    EXPECT_TRUE(client->clientd->WaitFor("link closed; reconnecting", 1)) << client->clientd->Log();

    rig->StartServerd();
    auto started = Clock::now();
    // The client retries its Connect at the RTO, doubling to maxRto (1 s).
    for (int i = 0; i < 500 && Count(client->clientd->Log(), "registered: errno 0") < 2; ++i)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(Count(client->clientd->Log(), "registered: errno 0"), 2) << rig->DaemonLogs();
    std::cout << "[ measured ] SIGTERM: re-registered " << Since(started)
              << " s after the new serverd was up\n";
    CommandResult curl = Curl(8080, dir + "/got1.bin");
    EXPECT_EQ(curl.exitCode, 0) << curl.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/got1.bin"), Sha256Of(dir + "/www/file.bin"));

    // SIGKILL and an immediate restart: the new serverd does not know the old link and
    // ignores its frames, so the client finds out by silence, after deadTimeout.
    auto old2 = App({"fetch", kNet, "9300", dir + "/old2.bin"}, "old2.log");
    ASSERT_TRUE(old2->WaitFor("connected", 10)) << old2->Log() << rig->DaemonLogs();
    ASSERT_TRUE(idle->WaitFor("accepted conn=2")) << idle->Log();
    ASSERT_TRUE(rig->serverd->Signal(SIGKILL));
    const auto killed = Clock::now();
    rig->serverd->Wait(5);
    rig->StartServerd();
    // The kernel closed the dead serverd's socket: nothing was unread, so a FIN.
    EXPECT_TRUE(idle->WaitFor("end conn=2 kind=FIN", kSlack)) << idle->Log();
    ASSERT_TRUE(old2->WaitFor("end fetch", kDead + 2 * kSlack)) << old2->Log() << rig->DaemonLogs();
    const double failedAfter = Since(killed);
    EXPECT_GE(failedAfter, kDead - kKeepalive - 0.5);
    EXPECT_LE(failedAfter, kDead + kSlack);
    EXPECT_EQ(Field(old2->Log(), "end fetch", "kind"), "ENETDOWN") << old2->Log();
    for (int i = 0; i < 300 && Count(client->clientd->Log(), "registered: errno 0") < 3; ++i)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(Count(client->clientd->Log(), "registered: errno 0"), 3) << rig->DaemonLogs();
    const double reRegistered = Since(killed);
    std::cout << "[ measured ] SIGKILL: old socket failed after " << failedAfter
              << " s, re-registered after " << reRegistered << " s\n";
    RecordProperty("restart_sigkill_reregistered_s", std::to_string(reRegistered));
    EXPECT_LE(reRegistered, kDead + kReconnect + kSlack);
    CommandResult curl2 = Curl(8080, dir + "/got2.bin");
    EXPECT_EQ(curl2.exitCode, 0) << curl2.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/got2.bin"), Sha256Of(dir + "/www/file.bin"));
}

// Fault 5: the program stops reading. serverd reads from TCP only within the client's
// credit, so TCP's window closes and the Internet sender blocks; the link stays up past
// deadTimeout (keepalives), and when the program reads again everything arrives.
TEST_F(Faults, FullReceiveBufferStopsTheSenderAndLosesNothing)
{
    Build("rcvfull");
    const long long size = 24 << 20;
    WriteRandomFile(dir + "/big.bin", size, 16);
    auto source = Peer({"serve", kNet, "9400", "source", dir + "/big.bin", "0"}, "source.log");
    // Sleeps longer than deadTimeout before it reads a byte.
    const double pause = kDead + 1;
    auto fetch = App({"fetch", kNet, "9400", dir + "/got.bin", std::to_string(pause)}, "fetch.log");
    ASSERT_TRUE(fetch->WaitFor("connected", 10)) << fetch->Log() << rig->DaemonLogs();
    const auto connected = Clock::now();

    // Wait until the sender's count stands still for a second.
    long long last = -1;
    long long sent = 0;
    double stableFor = 0;
    while (Since(connected) < pause - 0.5 && stableFor < 1.0)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        sent = Number(Field(source->Log(), "progress conn=1", "sent"));
        stableFor = sent == last ? stableFor + 0.25 : 0;
        last = sent;
    }
    const double stalledAt = Since(connected);
    ASSERT_GE(stableFor, 1.0) << "the sender never stopped: " << source->Log();
    ASSERT_FALSE(fetch->WaitFor("resuming", 0)) << "measured too late";
    // Where the bytes are: serverd's unread TCP bytes (Recv-Q), the Internet's unsent ones
    // (Send-Q), and each socket's buffer size (skmem rb / tb) for the bound.
    auto tcp = [&](const std::string& ns, const std::string& filter)
    {
        std::istringstream v(rig->Run(ns, "ss -Htnm state established " + filter, 5).output);
        std::map<std::string, long long> m;
        v >> m["q-recv"] >> m["q-send"];
        for (std::string word; v >> word;)
        {
            for (const char* key : {"rb", "tb"})
            {
                const std::size_t at = word.find(std::string(",") + key);
                if (at != std::string::npos)
                {
                    m[key] = std::atoll(word.c_str() + at + 1 + std::strlen(key));
                }
            }
        }
        return m;
    };
    auto server = tcp(rig->server, "dst " + kNet + ":9400");
    auto internet = tcp(rig->internet, "src " + kNet + ":9400");
    // The bound: both TCP buffers as they stand, the client's credit window (its EpClient
    // receive buffer), the chunk clientd holds for the program, and the shim's socketpair
    // (clientd's end: net.core.wmem_default).
    std::istringstream wmem(RunCommand({"sysctl", "-n", "net.core.wmem_default"}).output);
    long long pair = 0;
    wmem >> pair;
    const long long credit = static_cast<long long>(EpClientConfig{}.recvWindowBytes);
    const long long pump = 65536; // clientd's PairPump moves up to one kChunk at a time
    const long long bound = server["rb"] + internet["tb"] + credit + pump + pair;
    std::cout << "[ measured ] sender stopped at " << sent << " bytes after " << stalledAt
              << " s: Internet Send-Q " << internet["q-send"] << " (tb " << internet["tb"]
              << "), serverd Recv-Q " << server["q-recv"] << " (rb " << server["rb"] << "), credit "
              << credit << ", pump " << pump << ", pair " << pair << "; bound " << bound
              << "; serverd read " << sent - internet["q-send"] - server["q-recv"] << "\n";
    const long long recvQ = server["q-recv"];
    RecordProperty("receiver_stalled_sender_bytes", std::to_string(sent));
    EXPECT_GT(sent, 0);
    EXPECT_LT(sent, size);
    EXPECT_LE(sent, bound);
    EXPECT_GT(recvQ, 0); // serverd stopped reading: TCP holds the rest
    // What serverd read and passed on is within the client's window, clientd's chunk and
    // the pair.
    const long long readByServerd = sent - internet["q-send"] - recvQ;
    EXPECT_GE(readByServerd, 0);
    EXPECT_LE(readByServerd, credit + pump + pair);

    ASSERT_TRUE(fetch->WaitFor("resuming", pause + kSlack)) << fetch->Log();
    EXPECT_EQ(fetch->Wait(30), 0) << fetch->Log() << source->Log() << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/got.bin"), Sha256Of(dir + "/big.bin"));
    EXPECT_EQ(Number(Field(source->Log(), "done conn=1", "sent")), size) << source->Log();
    // The paused connection kept its link and session.
    EXPECT_EQ(client->clientd->Log().find("link dead"), std::string::npos)
        << client->clientd->Log();
    EXPECT_EQ(rig->serverd->Log().find(" gone ("), std::string::npos) << rig->serverd->Log();
}

// Fault 6: serverd reloads its policy on SIGHUP with a session and a transfer running.
// The session and the transfer go on; the new destination policy applies to new calls
// (connect: EACCES), including to a destination an established connection still uses.
TEST_F(Faults, SighupReloadKeepsTheSessionAndAppliesThePolicyToNewCalls)
{
    rig = std::make_unique<ProgramRig>("reload");
    dir = rig->Dir();
    const std::string conf = dir + "/serverd.conf";
    std::ofstream(conf) << "# every port of the internet host\n"
                        << "allow-destinations = " << kNet << "/32\n";
    rig->StartServerd({"--config", conf});
    client = &rig->AddResoaClient();
    RunCommand({"mkdir", "-p", dir + "/www"});
    WriteRandomFile(dir + "/www/file.bin", 1024 * 1024 + 3, 17);
    WriteRandomFile(dir + "/stream.bin", 8 << 20, 18);
    auto open = HttpServer(8080);
    auto closing = HttpServer(8081);
    auto source =
        Peer({"serve", kNet, "9601", "source", dir + "/stream.bin", "2000000"}, "source.log");

    // Before: both HTTP ports work, and a transfer from port 9601 runs.
    auto fetch = App({"fetch", kNet, "9601", dir + "/got.bin"}, "fetch.log");
    ASSERT_TRUE(WaitForProgress(*fetch, "fetch", "got", 512 * 1024))
        << fetch->Log() << rig->DaemonLogs();
    CommandResult before = Curl(8081, dir + "/before.bin");
    EXPECT_EQ(before.exitCode, 0) << before.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/before.bin"), Sha256Of(dir + "/www/file.bin"));

    // Only port 8080 from now on; the socket limit changes too, which needs a restart.
    std::ofstream(conf) << "allow-destinations = " << kNet << "/32:8080\n"
                        << "sockets-per-client = 8\n";
    ASSERT_TRUE(rig->serverd->Signal(SIGHUP));
    ASSERT_TRUE(rig->serverd->WaitFor("SIGHUP: config reloaded", 5)) << rig->serverd->Log();
    ASSERT_FALSE(fetch->WaitFor("end fetch", 0)) << "the transfer ended before the reload";
    EXPECT_TRUE(rig->serverd->WaitFor("take effect after a restart", 1)) << rig->serverd->Log();

    // New calls: refused with EACCES (at once: the server answers), curl says so.
    CommandResult refused = Connect(8081, 10);
    EXPECT_EQ(refused.exitCode, 1) << refused.output;
    EXPECT_NE(refused.output.find("connect=EACCES"), std::string::npos) << refused.output;
    CommandResult again = Connect(9601, 10);
    EXPECT_NE(again.output.find("connect=EACCES"), std::string::npos) << again.output;
    // ... and each refusal is logged (rate-limited) with the call and the address.
    EXPECT_TRUE(rig->serverd->WaitFor(":8081 for session 1: Permission denied (policy)", 2))
        << rig->serverd->Log();
    CommandResult after = Curl(8081, dir + "/after.bin");
    EXPECT_EQ(after.exitCode, 7) << after.output; // CURLE_COULDNT_CONNECT
    EXPECT_NE(after.output.find("Permission denied"), std::string::npos) << after.output;
    CommandResult allowed = Curl(8080, dir + "/allowed.bin");
    EXPECT_EQ(allowed.exitCode, 0) << allowed.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/allowed.bin"), Sha256Of(dir + "/www/file.bin"));

    // The transfer that was running when the policy changed is not re-checked.
    EXPECT_EQ(fetch->Wait(20), 0) << fetch->Log() << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/got.bin"), Sha256Of(dir + "/stream.bin"));
    EXPECT_EQ(Count(client->clientd->Log(), "registered: errno 0"), 1) << client->clientd->Log();
    EXPECT_EQ(Count(rig->serverd->Log(), " connected (session "), 1) << rig->serverd->Log();

    // A config that does not parse changes nothing: the last good policy stays.
    std::ofstream(conf) << "allow-destinations = not-an-address\n";
    ASSERT_TRUE(rig->serverd->Signal(SIGHUP));
    EXPECT_TRUE(rig->serverd->WaitFor("SIGHUP: config not reloaded", 5)) << rig->serverd->Log();
    EXPECT_NE(Connect(8081, 10).output.find("connect=EACCES"), std::string::npos);
    EXPECT_NE(Connect(8080, 10).output.find("connect=ok"), std::string::npos);
}

} // namespace
} // namespace test
} // namespace resoa
