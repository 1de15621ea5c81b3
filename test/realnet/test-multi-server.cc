/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Several servers on real Linux (paper §4.4, issue 13): two resoa-serverd off the data
 * path, two resoa-clientd with both servers' MACs. The clients spread by the hash policy
 * (resoa::ServerSelector: FNV-1a of the client's MAC modulo 2); SIGKILL of one serverd
 * makes its client fail its old socket (the read fails with ENETDOWN) within the LHP dead
 * timeout and re-register with the other server, through which a new curl works, with the
 * right sha256 and the other server's public address. The other client notices nothing.
 *
 *   cli1 (no IP, 02:00:00:00:01:01) --+                 +-- srv1 l0 | u0 198.51.100.1 --+
 *   cli2 (no IP, 02:00:00:00:01:02) --+-- br0 (lan) ----+                                +-- inet
 *                                                       +-- srv2 l0 | u0 203.0.113.1 ---+
 * 192.0.2.100
 *
 * The LAN is a bridge in a namespace of its own (a switch); each server reaches the
 * Internet host (192.0.2.100 on inet's loopback) through its own uplink. No server is the
 * clients' router: the clients have no IP at all, and nothing routes between the LAN and
 * the Internet.
 */
#include "client-loop.h"
#include "lhp-link.h"
#include "program-rig.h"
#include "realnet-test-util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <iostream>
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
const std::string kServerd = RESOA_SERVERD_PATH;
const std::string kClientd = RESOA_CLIENTD_PATH;
const std::string kHost = "192.0.2.100"; // the Internet host, reachable from both servers
const std::string kServerMac[2] = {"02:00:00:bb:00:01", "02:00:00:bb:00:02"};
const std::string kServerIp[2] = {"198.51.100.1", "203.0.113.1"};
const std::string kInetIp[2] = {"198.51.100.2", "203.0.113.2"};
const std::string kClientMac[2] = {"02:00:00:00:01:01", "02:00:00:00:01:02"};
/// FNV-1a(MAC) % 2 of kClientMac, computed independently (Python): cli1 -> srv2, cli2 -> srv1.
const int kExpectedServer[2] = {1, 0};

double
Secs(std::chrono::nanoseconds d)
{
    return std::chrono::duration<double>(d).count();
}

const double kDead = Secs(LhpConfig{}.deadTimeout);            // 5 s
const double kKeepalive = Secs(LhpConfig{}.keepaliveInterval); // 1 s
constexpr double kSlack = 1.5; // scheduling and log polling on a shared 2-core machine

std::string
PeerScript()
{
    const std::string ftp = RESOA_FTP_SERVER_PATH;
    return ftp.substr(0, ftp.rfind('/')) + "/fault-peer.py";
}

/// Waits until \p bg's log holds \p text \p n times. \return false after \p seconds
bool
WaitForCount(const Background& bg, const std::string& text, int n, double seconds)
{
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < end)
    {
        if (Count(bg.Log(), text) >= n)
        {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

class MultiServer : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto why = ProgramRig::SkipReason({kPython, "curl", "sha256sum"}))
        {
            GTEST_SKIP() << *why;
        }
        work = std::make_unique<WorkDir>("multi");
        dir = work->Path();
        RunCommand({"mkdir", "-p", dir + "/www"});
        lan = net.AddNamespace("lan");
        inet = net.AddNamespace("inet");
        net.Ip(lan, {"link", "add", "br0", "type", "bridge"});
        net.Ip(lan, {"link", "set", "br0", "up"});
        net.Ip(inet, {"addr", "add", kHost + "/32", "dev", "lo"});
        for (int i = 0; i < 2; ++i)
        {
            const std::string n = std::to_string(i + 1);
            srv[i] = net.AddNamespace("srv" + n);
            net.AddVeth(srv[i], "l0", lan, "ps" + n, kServerMac[i]);
            net.Ip(lan, {"link", "set", "ps" + n, "master", "br0"});
            net.AddVeth(srv[i], "u0", inet, "i" + n);
            net.AddAddress(srv[i], "u0", kServerIp[i] + "/24");
            net.AddAddress(inet, "i" + n, kInetIp[i] + "/24");
            net.Ip(srv[i], {"route", "add", kHost + "/32", "via", kInetIp[i]});
            cli[i] = net.AddNamespace("cli" + n);
            net.AddVeth(cli[i], "c0", lan, "pc" + n, kClientMac[i]);
            net.Ip(lan, {"link", "set", "pc" + n, "master", "br0"});
        }
        net.WaitUntilUp(lan, "br0");
    }

    void TearDown() override
    {
        for (auto& p : {&fetch, &source, &http})
        {
            p->reset();
        }
        for (int i = 0; i < 2; ++i)
        {
            clientd[i].reset(); // clientds first, then serverds
        }
        for (int i = 0; i < 2; ++i)
        {
            serverd[i].reset();
        }
        work.reset();
    }

    std::unique_ptr<Background> Start(const std::string& ns,
                                      const std::vector<std::string>& argv,
                                      const std::string& log)
    {
        return work->Start(ns, argv, log);
    }

    std::string Socket(int i) const
    {
        return dir + "/clientd" + std::to_string(i + 1) + ".sock";
    }

    /// `sh -c SCRIPT` under resoa-run in client \p i's namespace.
    CommandResult RunResoa(int i, const std::string& script, int seconds = 30)
    {
        return RunResoaShellIn(cli[i], Socket(i), script, seconds);
    }

    /// fault-peer.py under resoa-run in client \p i's namespace, in the background.
    std::unique_ptr<Background> App(int i,
                                    const std::vector<std::string>& args,
                                    const std::string& log)
    {
        std::vector<std::string> argv = {"env",
                                         "RESOA_CLIENTD_SOCKET=" + Socket(i),
                                         "RESOA_PRELOAD=" RESOA_PRELOAD_PATH,
                                         RESOA_RUN_PATH,
                                         kPython,
                                         "-u",
                                         PeerScript()};
        argv.insert(argv.end(), args.begin(), args.end());
        return Start(cli[i], argv, log);
    }

    NetnsFixture net;
    std::unique_ptr<WorkDir> work;
    std::string dir;
    std::string lan;
    std::string inet;
    std::string srv[2];
    std::string cli[2];
    std::unique_ptr<Background> serverd[2];
    std::unique_ptr<Background> clientd[2];
    std::unique_ptr<Background> http;
    std::unique_ptr<Background> source;
    std::unique_ptr<Background> fetch;
};

TEST_F(MultiServer, ClientsSpreadByHashAndFailOverWhenTheirServerIsKilled)
{
    for (int i = 0; i < 2; ++i)
    {
        serverd[i] = Start(srv[i],
                           {kServerd, "--interface", "l0", "--public-address", kServerIp[i]},
                           "serverd" + std::to_string(i + 1) + ".log");
        ASSERT_TRUE(serverd[i]->WaitFor("up on l0")) << serverd[i]->Log();
    }
    const std::string servers = kServerMac[0] + "," + kServerMac[1];
    for (int i = 0; i < 2; ++i)
    {
        clientd[i] = Start(
            cli[i],
            {kClientd, "--interface", "c0", "--server-mac", servers, "--unix-socket", Socket(i)},
            "clientd" + std::to_string(i + 1) + ".log");
    }
    // Spread by the hash of each client's MAC: each registers with its own server, and
    // learns that server's public address.
    for (int i = 0; i < 2; ++i)
    {
        const int s = kExpectedServer[i];
        ASSERT_TRUE(clientd[i]->WaitFor("registered: errno 0, public address " + kServerIp[s] +
                                            " (server " + kServerMac[s] + ")",
                                        15))
            << clientd[i]->Log() << serverd[s]->Log();
        EXPECT_NE(clientd[i]->Log().find("(hash: starting with " + kServerMac[s] + ")"),
                  std::string::npos)
            << clientd[i]->Log();
    }

    // An Internet host with a file and a paced source; both clients download from it.
    WriteRandomFile(dir + "/www/file.bin", 2 << 20, 31);
    WriteRandomFile(dir + "/stream.bin", 16 << 20, 32);
    http = Start(
        inet,
        {kPython, "-u", "-m", "http.server", "8080", "--bind", kHost, "--directory", dir + "/www"},
        "http.log");
    ASSERT_TRUE(http->WaitFor("Serving HTTP")) << http->Log();
    source = Start(inet,
                   {kPython,
                    "-u",
                    PeerScript(),
                    "serve",
                    kHost,
                    "9000",
                    "source",
                    dir + "/stream.bin",
                    "1000000"},
                   "source.log");
    ASSERT_TRUE(source->WaitFor("listening")) << source->Log();

    // cli2 (on srv1) holds a download: its old socket.
    fetch = App(1, {"fetch", kHost, "9000", dir + "/got.bin"}, "fetch.log");
    ASSERT_TRUE(source->WaitFor("accepted conn=1 peer=" + kServerIp[0] + ":", 10))
        << source->Log() << fetch->Log();
    // cli1 (on srv2) fetches before the kill: seen from srv2's address.
    CommandResult before = RunResoa(0,
                                    "exec curl -sS --max-time 20 -o " + dir +
                                        "/before.bin http://" + kHost + ":8080/file.bin");
    ASSERT_EQ(before.exitCode, 0) << before.output << clientd[0]->Log();
    EXPECT_EQ(Sha256Of(dir + "/before.bin"), Sha256Of(dir + "/www/file.bin"));
    EXPECT_TRUE(http->WaitFor(kServerIp[1] + " - - ", 2)) << http->Log();

    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the download runs
    ASSERT_TRUE(serverd[0]->Signal(SIGKILL));
    const auto killed = Clock::now();
    EXPECT_EQ(serverd[0]->Wait(5), -1);

    // The old socket fails when the link dies: its read fails with ENETDOWN (docs/faults.md §1).
    ASSERT_TRUE(fetch->WaitFor("end fetch", kDead + 2 * kSlack))
        << fetch->Log() << clientd[1]->Log();
    const double failedAfter = Secs(Clock::now() - killed);
    EXPECT_EQ(Field(fetch->Log(), "end fetch", "kind"), "ENETDOWN") << fetch->Log();
    EXPECT_EQ(Field(fetch->Log(), "end fetch", "so_error"), "0") << fetch->Log();
    EXPECT_GE(failedAfter, kDead - kKeepalive);
    EXPECT_LE(failedAfter, kDead + kSlack);

    // clientd moves to srv2 at once (no backoff within a round) and registers there.
    EXPECT_TRUE(clientd[1]->WaitFor(
        "link dead; reconnecting in 0 ms to " + kServerMac[1] + " (server 2 of 2)", 1))
        << clientd[1]->Log();
    ASSERT_TRUE(WaitForCount(*clientd[1], "registered: errno 0", 2, 3)) << clientd[1]->Log();
    const double registeredAfter = Secs(Clock::now() - killed);
    EXPECT_NE(clientd[1]->Log().find("registered: errno 0, public address " + kServerIp[1] +
                                     " (server " + kServerMac[1] + ")"),
              std::string::npos)
        << clientd[1]->Log();
    EXPECT_LE(registeredAfter, failedAfter + 0.5);
    RecordProperty("old_socket_failed_s", std::to_string(failedAfter));
    RecordProperty("reregistered_s", std::to_string(registeredAfter));
    std::cout << "[ measured ] old socket failed " << failedAfter
              << " s after SIGKILL; registered with the other server " << registeredAfter
              << " s after it\n";

    // A new program run on cli2 goes through srv2: right bytes, srv2's public address.
    const int httpGetsBefore = Count(http->Log(), kServerIp[1] + " - - ");
    CommandResult after = RunResoa(1,
                                   "exec curl -sS --max-time 20 -o " + dir + "/after.bin http://" +
                                       kHost + ":8080/file.bin");
    ASSERT_EQ(after.exitCode, 0) << after.output << clientd[1]->Log();
    EXPECT_EQ(Sha256Of(dir + "/after.bin"), Sha256Of(dir + "/www/file.bin"));
    EXPECT_FALSE(Sha256Of(dir + "/after.bin").empty());
    EXPECT_TRUE(WaitForCount(*http, kServerIp[1] + " - - ", httpGetsBefore + 1, 2)) << http->Log();
    EXPECT_EQ(Count(http->Log(), kServerIp[0] + " - - "), 0) << http->Log();
    CommandResult name =
        RunResoa(1,
                 "exec " + kPython +
                     " -c 'import socket; s = "
                     "socket.create_connection((\"" +
                     kHost + "\", 8080)); print(\"local=\" + s.getsockname()[0])'");
    EXPECT_NE(name.output.find("local=" + kServerIp[1]), std::string::npos) << name.output;

    // cli1 was on srv2 all along: one registration, no dead link.
    EXPECT_EQ(Count(clientd[0]->Log(), "registered: errno 0"), 1) << clientd[0]->Log();
    EXPECT_EQ(Count(clientd[0]->Log(), "link dead"), 0) << clientd[0]->Log();
    EXPECT_EQ(Count(clientd[1]->Log(), "registered: errno 0"), 2) << clientd[1]->Log();
}

// A refused registration is a failure too. Both servers are 1-to-1; only srv2's pool holds
// the address the client asks for, so srv1 answers EADDRNOTAVAIL and clientd moves on to
// srv2 at once, registers with its own address there, and a program's traffic leaves with it.
TEST_F(MultiServer, RefusedRegistrationMovesToTheNextServer)
{
    const std::string own = "203.0.113.50";
    net.AddAddress(srv[1], "u0", own + "/24");
    const std::string pool[2] = {"198.51.100.50/32", own + "/32"};
    for (int i = 0; i < 2; ++i)
    {
        serverd[i] = Start(
            srv[i],
            {kServerd, "--interface", "l0", "--address-mode", "1-to-1", "--address-pool", pool[i]},
            "serverd" + std::to_string(i + 1) + ".log");
        ASSERT_TRUE(serverd[i]->WaitFor("up on l0")) << serverd[i]->Log();
    }
    clientd[0] = Start(cli[0],
                       {kClientd,
                        "--interface",
                        "c0",
                        "--server-mac",
                        kServerMac[0] + "," + kServerMac[1],
                        "--server-selection",
                        "first",
                        "--address-mode",
                        "1-to-1",
                        "--requested-address",
                        own,
                        "--unix-socket",
                        Socket(0)},
                       "clientd1.log");
    ASSERT_TRUE(clientd[0]->WaitFor("registered: errno 0", 15))
        << clientd[0]->Log() << serverd[0]->Log() << serverd[1]->Log();
    const std::string log = clientd[0]->Log();
    EXPECT_NE(log.find("(first: starting with " + kServerMac[0] + ")"), std::string::npos) << log;
    const std::size_t refused = log.find("registered: errno 99, public address 0.0.0.0 (server " +
                                         kServerMac[0] + ")"); // EADDRNOTAVAIL
    const std::size_t moved =
        log.find("link closed: registration refused; reconnecting in 0 ms to " + kServerMac[1] +
                 " (server 2 of 2)");
    const std::size_t registered =
        log.find("registered: errno 0, public address " + own + " (server " + kServerMac[1] + ")");
    ASSERT_NE(refused, std::string::npos) << log;
    ASSERT_NE(moved, std::string::npos) << log;
    ASSERT_NE(registered, std::string::npos) << log;
    EXPECT_LT(refused, moved);
    EXPECT_LT(moved, registered);

    http = Start(
        inet,
        {kPython, "-u", "-m", "http.server", "8080", "--bind", kHost, "--directory", dir + "/www"},
        "http.log");
    ASSERT_TRUE(http->WaitFor("Serving HTTP")) << http->Log();
    WriteRandomFile(dir + "/www/file.bin", 1 << 20, 33);
    CommandResult got = RunResoa(
        0, "exec curl -sS --max-time 20 -o " + dir + "/got.bin http://" + kHost + ":8080/file.bin");
    ASSERT_EQ(got.exitCode, 0) << got.output << clientd[0]->Log();
    EXPECT_EQ(Sha256Of(dir + "/got.bin"), Sha256Of(dir + "/www/file.bin"));
    EXPECT_TRUE(http->WaitFor(own + " - - ", 2)) << http->Log();
    EXPECT_EQ(Count(clientd[0]->Log(), "registered: errno 0"), 1) << clientd[0]->Log();
}

} // namespace
} // namespace test
} // namespace resoa
