/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Simulated ReSoA clients, a real Internet (examples/resoa-emu-real-internet.cc):
 *
 *   ns-3: STAs (no IP) ))) lossy 802.11a ((( AP = ReSoA server == [emu0 198.51.100.2] internet ns
 *
 * Three pure-ReSoA stations send 512 KiB each (an 8-byte length, then the pattern stream of
 * their station number) to a real python TCP server (tcp-sink.py) in the internet namespace.
 * The server must have received exactly those bytes, from the simulated server's public
 * address and from the very port getsockname gave each station; at 0 % and 15 % frame loss.
 * ns-3's unmodified BulkSendApplication is checked the same way (size, zeros, addresses).
 *
 * Each case has its own namespaces (NetnsFixture). Needs root and python3.
 */
#include "emu-test-support.h"
#include "netns-fixture.h"
#include "program-rig.h"
#include "stream-pattern.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <regex>
#include <thread>

namespace resoa
{
namespace test
{
namespace
{

const std::string kExample = RESOA_EMU_REAL_INTERNET_PATH;
const std::string kSink = RESOA_EMU_TEST_DIR "/tcp-sink.py";

const std::string kPublic = "198.51.100.1";
const std::string kInternet = "198.51.100.2";
const std::string kPort = "9000";
const std::string kMaxLagMs = "2000";

/// What one station printed: its station number and the address getsockname gave it.
struct Station
{
    std::string ip;
    std::string port;
};

/// "emu: station K connected as IP:PORT" lines, by station number.
std::map<int, Station>
ParseStations(const std::string& log)
{
    std::map<int, Station> out;
    const std::regex re(R"(emu: station (\d+) connected as ([0-9.]+):(\d+))");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator();
         ++it)
    {
        out[std::stoi((*it)[1])] = Station{(*it)[2], (*it)[3]};
    }
    return out;
}

/// One connection the real server logged.
struct SinkConn
{
    uint64_t bytes = 0;
    std::string sha256;
};

/// "conn from IP:PORT bytes N sha256 H" lines, by "IP:PORT".
std::map<std::string, SinkConn>
ParseSink(const std::string& log)
{
    std::map<std::string, SinkConn> out;
    const std::regex re(R"(conn from ([0-9.]+:\d+) bytes (\d+) sha256 ([0-9a-f]{64}))");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator();
         ++it)
    {
        out[(*it)[1]] = SinkConn{std::stoull((*it)[2]), (*it)[3]};
    }
    return out;
}

class EmuRealInternet : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto why = EmuSkipReason({kExample}, {"python3", "sha256sum"}))
        {
            GTEST_SKIP() << *why;
        }
        dir = MakeWorkDir("emu-ri", "got");
        internet = net.AddNamespace("emu-ri-i");
        sim = net.AddNamespace("emu-ri-sim");
    }

    void TearDown() override
    {
        emu.reset();
        sink.reset();
        RemoveWorkDir(dir);
    }

    /// The real server, on every address of the internet namespace (its tap comes later).
    void StartSink(bool framed)
    {
        std::vector<std::string> argv = {"/usr/bin/python3", "-u", kSink};
        if (framed)
        {
            argv.push_back("--framed");
        }
        argv.insert(argv.end(), {"0.0.0.0", kPort, dir + "/got"});
        sink = std::make_unique<Background>(internet, argv, dir + "/sink.log");
        ASSERT_TRUE(sink->WaitFor("listening on")) << sink->Log();
    }

    void StartEmu(const std::vector<std::string>& extra)
    {
        std::vector<std::string> argv = {kExample,
                                         "--internet-ns=" + internet,
                                         "--public-ip=" + kPublic + "/24",
                                         "--internet-ip=" + kInternet + "/24",
                                         "--port=" + kPort,
                                         "--max-lag=" + kMaxLagMs,
                                         "--seed=7"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        StartEmuExample(emu, sim, argv, dir + "/emu.log", {internet}, false);
    }

    /// Checks the end of a run that exited with \p status, and returns its report.
    EmuRunReport CheckRun(int status, uint32_t stations)
    {
        const std::string log = emu->Log();
        EmuRunReport r = CheckFinishedRun(status, log, {internet}, "\n--- sink\n" + sink->Log());
        EXPECT_EQ(r.associations, stations) << log;
        EXPECT_EQ(r.lhpAccepted, stations) << log;
        EXPECT_EQ(r.socketsOpened, stations) << log;
        return r;
    }

    /**
     * Every station's connection reached the real server from the public address and the
     * port the station saw, with exactly \p bytes; \p check looks at each file's content.
     */
    template<typename Check>
    void CheckDeliveries(uint32_t stations, uint64_t bytes, Check check)
    {
        const std::map<int, Station> seen = ParseStations(emu->Log());
        const std::map<std::string, SinkConn> got = ParseSink(sink->Log());
        ASSERT_EQ(seen.size(), stations) << emu->Log();
        EXPECT_EQ(got.size(), stations) << sink->Log();
        for (const auto& [number, station] : seen)
        {
            // getsockname on a pure-ReSoA station: the simulated server's public address.
            EXPECT_EQ(station.ip, kPublic) << "station " << number;
            const std::string peer = station.ip + ":" + station.port;
            auto it = got.find(peer);
            ASSERT_NE(it, got.end()) << "the real server saw no connection from " << peer << "\n"
                                     << sink->Log();
            EXPECT_EQ(it->second.bytes, bytes) << peer;
            const std::string file = dir + "/got/conn-" + station.ip + "-" + station.port + ".bin";
            EXPECT_EQ(Sha256Of(file), it->second.sha256) << file;
            const std::string content = ReadWholeFile(file);
            ASSERT_EQ(content.size(), bytes) << file;
            check(number, content);
        }
    }

    NetnsFixture net;
    std::string dir;
    std::string internet;
    std::string sim;
    std::unique_ptr<Background> emu;
    std::unique_ptr<Background> sink;
};

/// Three stations, pattern streams, confirmed by the server: the run ends by itself.
class EmuRealInternetPattern : public EmuRealInternet
{
  protected:
    void Run(const std::string& loss)
    {
        constexpr uint32_t kStations = 3;
        constexpr uint64_t kBytes = 512 * 1024 + 77;
        ASSERT_NO_FATAL_FAILURE(StartSink(true));
        const auto start = std::chrono::steady_clock::now();
        ASSERT_NO_FATAL_FAILURE(StartEmu({"--stations=" + std::to_string(kStations),
                                          "--bytes=" + std::to_string(kBytes),
                                          "--app=pattern",
                                          "--exit-when-done=1",
                                          "--duration=90",
                                          "--loss-model=iid",
                                          "--loss=" + loss}));
        const int status = emu->Wait(100);
        const double seconds = SecondsSince(start);
        EmuRunReport r = CheckRun(status, kStations);
        ASSERT_NO_FATAL_FAILURE(CheckDeliveries(
            kStations,
            kBytes,
            [](int number, const std::string& content)
            {
                for (std::size_t i = 0; i < content.size(); ++i)
                {
                    if (static_cast<uint8_t>(content[i]) !=
                        resoa::PatternByte(static_cast<uint64_t>(number), i))
                    {
                        ADD_FAILURE() << "station " << number << ": byte " << i << " differs";
                        return;
                    }
                }
            }));
        // Each station's own measurement: connect to the server's confirmation.
        const std::regex done(R"(station (\d+): \S+, sent \d+ bytes, done in ([0-9.]+) s)");
        const std::string log = emu->Log();
        int doneCount = 0;
        for (auto it = std::sregex_iterator(log.begin(), log.end(), done);
             it != std::sregex_iterator();
             ++it, ++doneCount)
        {
            char line[160];
            std::snprintf(line,
                          sizeof(line),
                          "[ transfer ] station %s, %s frame loss: %llu bytes in %s s = %.2f "
                          "Mbit/s\n",
                          (*it)[1].str().c_str(),
                          loss.c_str(),
                          static_cast<unsigned long long>(kBytes),
                          (*it)[2].str().c_str(),
                          kBytes * 8 / std::stod((*it)[2]) / 1e6);
            std::cout << line;
        }
        EXPECT_EQ(doneCount, static_cast<int>(kStations)) << log;
        std::cout << "[ transfer ] whole run (wall, process start to exit): " << seconds << " s\n"
                  << std::flush;
        ::testing::Test::RecordProperty("run_seconds", std::to_string(seconds));
        ExpectLossRate(r, std::stod(loss), 500);
    }
};

TEST_F(EmuRealInternetPattern, ThreeStationsNoLoss)
{
    Run("0");
}

TEST_F(EmuRealInternetPattern, ThreeStations15PercentFrameLoss)
{
    Run("0.15");
}

TEST_F(EmuRealInternet, UnmodifiedBulkSend)
{
    constexpr uint32_t kStations = 2;
    constexpr uint64_t kBytes = 300000;
    ASSERT_NO_FATAL_FAILURE(StartSink(false));
    ASSERT_NO_FATAL_FAILURE(StartEmu({"--stations=" + std::to_string(kStations),
                                      "--bytes=" + std::to_string(kBytes),
                                      "--app=bulk",
                                      "--loss-model=iid",
                                      "--loss=0.1"}));
    // BulkSend closes after its last byte; the server logs each connection at its FIN.
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (ParseSink(sink->Log()).size() < kStations && std::chrono::steady_clock::now() < end)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CheckRun(emu->Stop(), kStations);
    CheckDeliveries(kStations,
                    kBytes,
                    [](int number, const std::string& content)
                    {
                        EXPECT_EQ(content.find_first_not_of('\0'), std::string::npos)
                            << "station " << number << ": BulkSend sends zeros";
                    });
}

TEST(EmuRealInternetCommandLine, RefusesBadOptions)
{
    if (!IsExecutable(kExample))
    {
        GTEST_SKIP() << "example not built";
    }
    CommandResult r = RunCommand({kExample, "--internet-ns=remu-does-not-exist-i"});
    EXPECT_EQ(r.exitCode, 2) << r.output;
    r = RunCommand({kExample});
    EXPECT_EQ(r.exitCode, 2) << r.output;
    r = RunCommand({kExample, "--internet-ns=a", "--app=ftp"});
    EXPECT_EQ(r.exitCode, 2) << r.output;
    r = RunCommand({kExample, "--internet-ns=a", "--app=bulk", "--exit-when-done=1"});
    EXPECT_EQ(r.exitCode, 2) << r.output;
    EXPECT_NE(r.output.find("--exit-when-done needs --app=pattern"), std::string::npos) << r.output;
    r = RunCommand({kExample, "--internet-ns=a", "--stations=0"});
    EXPECT_EQ(r.exitCode, 2) << r.output;
}

} // namespace
} // namespace test
} // namespace resoa
