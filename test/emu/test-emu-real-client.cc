/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A real ReSoA client, everything else simulated (examples/resoa-emu-real-client.cc):
 *
 *   client ns [emu0, no IP] == ns-3: STA ))) lossy 802.11a ((( AP = ReSoA server
 *                                         == [emu0 198.51.100.2] internet ns
 *
 * An unmodified curl under resoa-run, over a real resoa-clientd, fetches a 1 MiB file from a
 * python http.server in the internet namespace, through the simulated ResoaServer: SHA-256
 * checked, at 0 % and 15 % frame loss. The http server must see the simulated server's
 * public address, and clientd must have registered with it. A second run against the same
 * real host must connect at once (no collision with the first run's TIME_WAIT).
 *
 * Each case has its own namespaces (NetnsFixture); the example runs in one of its own and
 * makes the taps. Needs root, curl and python3; reported as skipped without them.
 */
#include "emu-test-support.h"
#include "netns-fixture.h"
#include "program-rig.h"

#include <gtest/gtest.h>

#include <chrono>

namespace resoa
{
namespace test
{
namespace
{

const std::string kExample = RESOA_EMU_REAL_CLIENT_PATH;
const std::string kClientdPath = RESOA_CLIENTD_PATH;
const std::string kPreloadPath = RESOA_PRELOAD_PATH;
const std::string kResoaRunPath = RESOA_RUN_PATH;

const std::string kClientMac = "02:00:00:e0:00:11";
const std::string kServerMac = "02:00:00:e0:00:12";
const std::string kPublic = "198.51.100.1";
const std::string kInternet = "198.51.100.2";
/// Generous, for a loaded 2-core box; the lag measured is printed.
const std::string kMaxLagMs = "2000";
constexpr std::size_t kFileSize = 1024 * 1024 + 1234;

class EmuRealClient : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto why = EmuSkipReason({kExample, kClientdPath, kPreloadPath, kResoaRunPath},
                                     {"curl", "python3", "sha256sum"}))
        {
            GTEST_SKIP() << *why;
        }
        dir = MakeWorkDir("emu-rc", "www");
        client = net.AddNamespace("emu-rc-c");
        internet = net.AddNamespace("emu-rc-i");
        sim = net.AddNamespace("emu-rc-sim");
        WriteRandomFile(dir + "/www/blob.bin", kFileSize, 777);
        want = Sha256Of(dir + "/www/blob.bin");
        ASSERT_EQ(want.size(), 64u);
    }

    void TearDown() override
    {
        clientd.reset();
        http.reset();
        emu.reset();
        RemoveWorkDir(dir);
    }

    /// Starts the example; waits for both taps and the station's association.
    void StartEmu(const std::vector<std::string>& extra)
    {
        std::vector<std::string> argv = {kExample,
                                         "--client-ns=" + client,
                                         "--internet-ns=" + internet,
                                         "--client-mac=" + kClientMac,
                                         "--server-mac=" + kServerMac,
                                         "--public-ip=" + kPublic + "/24",
                                         "--internet-ip=" + kInternet + "/24",
                                         "--max-lag=" + kMaxLagMs,
                                         "--seed=7"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        // A log per run: a new run must not find the last one's lines.
        emu.reset();
        StartEmuExample(emu,
                        sim,
                        argv,
                        dir + "/emu-" + std::to_string(++emuRuns) + ".log",
                        {client, internet},
                        true);
    }

    /// Stops the example (SIGTERM), checks it ended well and returns its report.
    EmuRunReport StopEmu()
    {
        const int status = emu->Stop();
        EmuRunReport r = CheckFinishedRun(status, emu->Log(), {client, internet});
        EXPECT_EQ(r.associations, 1u) << emu->Log();
        return r;
    }

    /// python http.server on the internet namespace's tap address.
    void StartHttp()
    {
        StartHttpServer(http, internet, kInternet, dir + "/www", dir + "/http.log");
    }

    /// resoa-clientd on the client's tap, towards the simulated server's MAC.
    void StartClientd()
    {
        socket = dir + "/clientd.sock";
        clientd.reset();
        clientd = StartEmuClientd(
            client, kServerMac, socket, dir + "/clientd-" + std::to_string(emuRuns) + ".log");
        // The simulated ResoaServer answered the registration with its public address.
        ASSERT_TRUE(clientd->WaitFor("registered: errno 0, public address " + kPublic, 20))
            << clientd->Log() << "\n--- emu\n"
            << emu->Log();
    }

    /// curl under resoa-run in the client; checks the hash. \return curl's wall time
    double Fetch(const std::string& what)
    {
        const std::string out = dir + "/got.bin";
        RunCommand({"rm", "-f", out});
        std::vector<std::string> argv = ResoaRunPrefix(client, socket);
        argv.insert(argv.end(),
                    {"curl",
                     "-sS",
                     "--max-time",
                     "60",
                     "-o",
                     out,
                     "http://" + kInternet + ":8080/blob.bin"});
        const auto start = std::chrono::steady_clock::now();
        CommandResult curl = RunCommand(argv);
        const double seconds = SecondsSince(start);
        EXPECT_EQ(curl.exitCode, 0) << curl.output << "\n--- emu\n"
                                    << emu->Log() << "\n--- clientd\n"
                                    << clientd->Log();
        EXPECT_EQ(Sha256Of(out), want) << what;
        ReportTransfer(what, kFileSize, seconds);
        return seconds;
    }

    /// One whole run at \p loss: example, http server, clientd, curl, checks.
    void CurlOverResoa(const std::string& loss)
    {
        ASSERT_NO_FATAL_FAILURE(StartEmu({"--loss-model=iid", "--loss=" + loss}));
        // A pure ReSoA client: no IPv4 address on its only interface.
        EXPECT_EQ(net.Ip(client, {"-4", "addr", "show", "dev", "emu0"}).find("inet"),
                  std::string::npos);
        ASSERT_NO_FATAL_FAILURE(StartHttp());
        ASSERT_NO_FATAL_FAILURE(StartClientd());
        Fetch("real clientd + curl, simulated ReSoA server, " + loss + " frame loss");
        // The Internet host saw the simulated server's public address.
        EXPECT_TRUE(http->WaitFor(kPublic + " - - ", 2)) << http->Log();
        EXPECT_NE(http->Log().find("\"GET /blob.bin HTTP/1.1\" 200"), std::string::npos)
            << http->Log();
        EXPECT_EQ(clientd->Stop(), 0) << clientd->Log();
        EmuRunReport r = StopEmu();
        EXPECT_EQ(r.lhpAccepted, 1u);
        EXPECT_GE(r.socketsOpened, 1u);
        ExpectLossRate(r, std::stod(loss), 500);
    }

    NetnsFixture net;
    std::string dir;
    std::string client;
    std::string internet;
    std::string sim;
    std::string socket;
    std::string want;
    int emuRuns = 0;
    std::unique_ptr<Background> emu;
    std::unique_ptr<Background> http;
    std::unique_ptr<Background> clientd;
};

TEST_F(EmuRealClient, CurlOverSimulatedServerNoLoss)
{
    CurlOverResoa("0");
}

TEST_F(EmuRealClient, CurlOverSimulatedServer15PercentFrameLoss)
{
    CurlOverResoa("0.15");
}

TEST_F(EmuRealClient, SecondRunAgainstTheSameHostConnectsAtOnce)
{
    // Run 1 from ns-3's first ephemeral port; the http server closes first, so the real host
    // keeps that 4-tuple in TIME_WAIT. Run 2 must not reuse it: with the same port its SYN
    // (ISN 0, timestamps from 0) is answered with an ACK and waits >= 3 s for a retry.
    ASSERT_NO_FATAL_FAILURE(StartEmu({"--loss-model=none", "--port-skip=0"}));
    EXPECT_TRUE(emu->WaitFor("first TCP port 49153", 1)) << emu->Log();
    ASSERT_NO_FATAL_FAILURE(StartHttp());
    ASSERT_NO_FATAL_FAILURE(StartClientd());
    Fetch("run 1");
    clientd.reset();
    StopEmu();
    const std::string tw =
        RunCommand({"ip", "netns", "exec", internet, "ss", "-tan", "state", "time-wait"}).output;
    EXPECT_NE(tw.find(kPublic + ":49153"), std::string::npos) << tw;

    ASSERT_NO_FATAL_FAILURE(StartEmu({"--loss-model=none"}));
    EXPECT_FALSE(emu->WaitFor("first TCP port 49153", 0.5)) << emu->Log();
    ASSERT_NO_FATAL_FAILURE(StartClientd());
    EXPECT_LT(Fetch("run 2"), 2.5);
    clientd.reset();
    StopEmu();
}

TEST(EmuRealClientCommandLine, RefusesMissingNamespacesAndBadOptions)
{
    if (!IsExecutable(kExample))
    {
        GTEST_SKIP() << "example not built";
    }
    CommandResult r = RunCommand(
        {kExample, "--client-ns=remu-does-not-exist-c", "--internet-ns=remu-does-not-exist-i"});
    EXPECT_EQ(r.exitCode, 2) << r.output;
    r = RunCommand({kExample, "--client-ns=a", "--internet-ns=a"});
    EXPECT_EQ(r.exitCode, 2) << r.output;
    r = RunCommand({kExample,
                    "--client-ns=a",
                    "--internet-ns=b",
                    "--public-ip=198.51.100.1/24",
                    "--internet-ip=203.0.113.2/24"});
    EXPECT_EQ(r.exitCode, 2) << r.output;
    EXPECT_NE(r.output.find("one subnet"), std::string::npos) << r.output;
    r = RunCommand(
        {kExample, "--client-ns=a", "--internet-ns=b", "--server-mac=01:00:00:00:00:02"});
    EXPECT_EQ(r.exitCode, 2) << r.output;
    r = RunCommand({kExample, "--client-ns=a", "--internet-ns=b", "--loss-model=distance"});
    EXPECT_EQ(r.exitCode, 2) << r.output;
}

} // namespace
} // namespace test
} // namespace resoa
