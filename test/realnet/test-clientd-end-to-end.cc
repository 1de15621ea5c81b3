/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Real ReSoA end to end: an unmodified curl in a namespace with no IP address fetches a
 * file from an "internet" namespace through resoa-clientd -> LHP -> resoa-serverd.
 */
#include "netns-fixture.h"
#include "program-rig.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace resoa
{
namespace test
{
namespace
{

const std::string kClientd = RESOA_CLIENTD_PATH;
const std::string kServerd = RESOA_SERVERD_PATH; // empty when serverd is not built
const std::string kPreload = RESOA_PRELOAD_PATH;
const std::string kResoaRun = RESOA_RUN_PATH;
const std::string kProbe = RESOA_SHIM_PROBE_PATH;

bool
Exists(const std::string& path)
{
    return IsExecutable(path);
}

/// client (no IP) --LHP-- server (198.51.100.1) --IP-- internet (198.51.100.2).
class ClientdEndToEnd : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto why = NetnsFixture::SkipReason())
        {
            GTEST_SKIP() << *why;
        }
        if (!Exists(kServerd))
        {
            GTEST_SKIP() << "resoa-serverd not built yet";
        }
        dir = "/tmp/" + NetnsFixture::NamePrefix() + "clientd";
        RunCommand({"rm", "-rf", dir});
        RunCommand({"mkdir", "-p", dir + "/www"});
        client = net.AddNamespace("client");
        server = net.AddNamespace("server");
        internet = net.AddNamespace("internet");
        net.AddVeth(client, "c0", server, "s0", "02:00:00:aa:00:01", "02:00:00:aa:00:02");
        net.AddVeth(server, "s1", internet, "i0");
        net.AddAddress(server, "s1", "198.51.100.1/24");
        net.AddAddress(internet, "i0", "198.51.100.2/24");
    }

    void TearDown() override
    {
        if (!dir.empty())
        {
            RunCommand({"rm", "-rf", dir});
        }
    }

    NetnsFixture net;
    std::string dir;
    std::string client;
    std::string server;
    std::string internet;
};

TEST_F(ClientdEndToEnd, UnmodifiedCurlFetchesAFileThroughAClientWithNoIp)
{
    // The client really has no address: without ReSoA it reaches nothing.
    EXPECT_EQ(net.Ip(client, {"-4", "addr", "show", "dev", "c0"}).find("inet"), std::string::npos);

    std::string blob(2 * 1024 * 1024 + 123, '\0');
    std::mt19937 rng(42);
    for (char& c : blob)
    {
        c = static_cast<char>(rng());
    }
    std::ofstream(dir + "/www/blob.bin", std::ios::binary) << blob;

    Background http(internet,
                    {"/usr/bin/python3",
                     "-u",
                     "-m",
                     "http.server",
                     "8080",
                     "--bind",
                     "198.51.100.2",
                     "--directory",
                     dir + "/www"},
                    dir + "/http.log");
    Background serverd(server,
                       {kServerd, "--interface", "s0", "--public-address", "198.51.100.1"},
                       dir + "/serverd.log");
    std::string socket = dir + "/clientd.sock";
    Background clientd(client,
                       {kClientd,
                        "--interface",
                        "c0",
                        "--server-mac",
                        "02:00:00:aa:00:02",
                        "--unix-socket",
                        socket},
                       dir + "/clientd.log");
    ASSERT_TRUE(http.WaitFor("Serving HTTP")) << http.Log();
    ASSERT_TRUE(clientd.WaitFor("registered: errno 0, public address 198.51.100.1"))
        << clientd.Log() << serverd.Log();

    auto start = std::chrono::steady_clock::now();
    std::string out = dir + "/got.bin";
    CommandResult curl = RunCommand({"ip",
                                     "netns",
                                     "exec",
                                     client,
                                     "env",
                                     "RESOA_CLIENTD_SOCKET=" + socket,
                                     "RESOA_PRELOAD=" + kPreload,
                                     kResoaRun,
                                     "curl",
                                     "-sS",
                                     "--max-time",
                                     "20",
                                     "-o",
                                     out,
                                     "http://198.51.100.2:8080/blob.bin"});
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(curl.exitCode, 0) << curl.output << clientd.Log() << serverd.Log();
    CommandResult sums = RunCommand({"sha256sum", dir + "/www/blob.bin", out});
    ASSERT_EQ(sums.exitCode, 0);
    std::istringstream lines(sums.output);
    std::string want;
    std::string got;
    std::string ignore;
    lines >> want >> ignore >> got;
    EXPECT_EQ(want.size(), 64u);
    EXPECT_EQ(got, want);
    EXPECT_LT(seconds, 20.0);
    // The Internet saw the server's public address, not the client.
    EXPECT_TRUE(http.WaitFor("198.51.100.1 - -")) << http.Log();

    // What an application sees through the shim.
    CommandResult probe = RunCommand({"ip",
                                      "netns",
                                      "exec",
                                      client,
                                      "env",
                                      "RESOA_CLIENTD_SOCKET=" + socket,
                                      "RESOA_PRELOAD=" + kPreload,
                                      kResoaRun,
                                      kProbe,
                                      "198.51.100.2",
                                      "8080",
                                      "9"});
    EXPECT_EQ(probe.exitCode, 0) << probe.output;
    EXPECT_NE(probe.output.find("raw=EPROTONOSUPPORT"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("connect=ok"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("local=198.51.100.1:"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("peer=198.51.100.2:8080"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("type=stream"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("closed-port=ECONNREFUSED"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("udp-1453=ok"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("udp-1454=EMSGSIZE"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("nodelay=0/0/1"), std::string::npos) << probe.output;
    EXPECT_EQ(probe.output.find("udp-nodelay=ok"), std::string::npos) << probe.output;

    // SIGTERM: clientd closes its link in order and exits 0.
    EXPECT_EQ(clientd.Stop(), 0) << clientd.Log();
    EXPECT_NE(clientd.Log().find("link closed"), std::string::npos) << clientd.Log();
}

TEST(ShimWithoutClientd, FailsLoudlyInsteadOfUsingTheLocalStack)
{
    CommandResult probe = RunCommand({"env",
                                      "RESOA_CLIENTD_SOCKET=/nonexistent/clientd.sock",
                                      "RESOA_PRELOAD=" + kPreload,
                                      kResoaRun,
                                      kProbe,
                                      "127.0.0.1",
                                      "1",
                                      "2"});
    EXPECT_EQ(probe.exitCode, 0) << probe.output;
    EXPECT_NE(probe.output.find("connect=ENETDOWN"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("cannot reach resoa-clientd"), std::string::npos) << probe.output;
}

} // namespace
} // namespace test
} // namespace resoa
