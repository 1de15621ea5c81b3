/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "emu-test-support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <thread>

namespace resoa
{
namespace test
{

namespace
{

const std::string kClientdPath = RESOA_CLIENTD_PATH;
const std::string kPreloadPath = RESOA_PRELOAD_PATH;
const std::string kResoaRunPath = RESOA_RUN_PATH;

} // namespace

EmuRunReport
ParseEmuRunReport(const std::string& log)
{
    EmuRunReport r;
    std::smatch m;
    if (std::regex_search(
            log,
            m,
            std::regex(
                R"(realtime lag: samples (\d+) period \S+ ms max ([0-9.]+) ms .* p99 ([0-9.]+) ms)")))
    {
        r.found = true;
        r.samples = std::stoull(m[1]);
        r.maxLagMs = std::stod(m[2]);
        r.p99LagMs = std::stod(m[3]);
    }
    if (std::regex_search(log, m, std::regex(R"(client side [^:]*: A->B (\d+) frames)")))
    {
        r.clientToAir = std::stoull(m[1]);
    }
    if (std::regex_search(log, m, std::regex(R"(server side [^:]*: A->B (\d+) frames)")))
    {
        r.serverToAir = std::stoull(m[1]);
    }
    const std::regex corrupted(R"(corrupted data (\d+)/(\d+))");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), corrupted);
         it != std::sregex_iterator();
         ++it)
    {
        r.dataCorrupted += std::stoull((*it)[1]);
        r.dataSeen += std::stoull((*it)[2]);
    }
    if (std::regex_search(log, m, std::regex(R"(associations (\d+), de-associations (\d+))")))
    {
        r.associations = std::stoul(m[1]);
        r.deassociations = std::stoul(m[2]);
    }
    if (std::regex_search(
            log,
            m,
            std::regex(R"(ReSoA server: LHP connections accepted (\d+), EP requests \d+, )"
                       R"(sockets opened (\d+))")))
    {
        r.lhpAccepted = std::stoull(m[1]);
        r.socketsOpened = std::stoull(m[2]);
    }
    return r;
}

std::string
WaitForTap(const std::string& ns, const std::string& tap)
{
    std::string state;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end)
    {
        // Not net.Ip: it throws while the tap does not exist yet.
        state = RunCommand({"ip", "-n", ns, "-o", "link", "show", "dev", tap}).output;
        if (state.find("LOWER_UP") != std::string::npos &&
            state.find("qdisc noop") == std::string::npos)
        {
            return "";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return state.empty() ? "no " + tap : state;
}

void
StartEmuExample(std::unique_ptr<Background>& emu,
                const std::string& ns,
                const std::vector<std::string>& argv,
                const std::string& log,
                const std::vector<std::string>& tapNamespaces,
                bool association)
{
    emu = std::make_unique<Background>(ns, argv, log);
    ASSERT_TRUE(emu->WaitFor("running in real time", 20)) << emu->Log();
    for (const std::string& tapNs : tapNamespaces)
    {
        const std::string why = WaitForTap(tapNs, "emu0");
        ASSERT_EQ(why, "") << "emu0 in " << tapNs << " did not come up\n" << emu->Log();
    }
    if (association)
    {
        ASSERT_TRUE(emu->WaitFor("station associated", 10)) << emu->Log();
    }
}

double
SecondsSince(const std::chrono::steady_clock::time_point& start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::optional<std::string>
EmuSkipReason(const std::vector<std::string>& executables, const std::vector<std::string>& programs)
{
    if (auto why = ProgramRig::SkipReason(programs))
    {
        return why;
    }
    for (const std::string& p : executables)
    {
        if (!IsExecutable(p))
        {
            return p + " is not built";
        }
    }
    return std::nullopt;
}

std::string
MakeWorkDir(const std::string& tag, const std::string& subdir)
{
    const std::string dir = "/tmp/" + NetnsFixture::NamePrefix() + tag;
    RunCommand({"rm", "-rf", dir});
    RunCommand({"mkdir", "-p", dir + "/" + subdir});
    return dir;
}

void
RemoveWorkDir(const std::string& dir)
{
    if (!dir.empty() && !std::getenv("RESOA_TEST_KEEP"))
    {
        RunCommand({"rm", "-rf", dir});
    }
}

EmuRunReport
CheckFinishedRun(int status,
                 const std::string& log,
                 const std::vector<std::string>& tapNamespaces,
                 const std::string& context)
{
    EXPECT_EQ(status, 0) << log << context;
    EmuRunReport r = ParseEmuRunReport(log);
    EXPECT_TRUE(r.found) << log;
    EXPECT_GT(r.samples, 100u) << log;
    EXPECT_EQ(r.deassociations, 0u) << log;
    const std::size_t summary = log.find("emu: ran");
    std::cout << "[ emu      ] " << (summary == std::string::npos ? log : log.substr(summary))
              << std::flush;
    ::testing::Test::RecordProperty("lag_max_ms", std::to_string(r.maxLagMs));
    ::testing::Test::RecordProperty("lag_p99_ms", std::to_string(r.p99LagMs));
    // The taps go with the example's descriptors.
    for (const std::string& ns : tapNamespaces)
    {
        EXPECT_NE(RunCommand({"ip", "-n", ns, "link", "show", "emu0"}).exitCode, 0)
            << "the tap in " << ns << " outlived the example";
    }
    return r;
}

void
ExpectLossRate(const EmuRunReport& r, double loss, uint64_t minSeen)
{
    if (loss == 0)
    {
        // No loss model at all (the MAC still loses attempts to collisions).
        EXPECT_EQ(r.dataSeen, 0u);
        EXPECT_EQ(r.dataCorrupted, 0u);
        return;
    }
    ASSERT_GT(r.dataSeen, minSeen);
    EXPECT_NEAR(static_cast<double>(r.dataCorrupted) / r.dataSeen, loss, 0.03)
        << r.dataCorrupted << "/" << r.dataSeen;
}

void
StartHttpServer(std::unique_ptr<Background>& http,
                const std::string& ns,
                const std::string& address,
                const std::string& root,
                const std::string& log)
{
    http = std::make_unique<Background>(ns,
                                        std::vector<std::string>{"/usr/bin/python3",
                                                                 "-u",
                                                                 "-m",
                                                                 "http.server",
                                                                 "8080",
                                                                 "--bind",
                                                                 address,
                                                                 "--directory",
                                                                 root},
                                        log);
    ASSERT_TRUE(http->WaitFor("Serving HTTP")) << http->Log();
}

std::unique_ptr<Background>
StartEmuClientd(const std::string& ns,
                const std::string& serverMac,
                const std::string& socket,
                const std::string& log)
{
    return std::make_unique<Background>(ns,
                                        std::vector<std::string>{kClientdPath,
                                                                 "--interface",
                                                                 "emu0",
                                                                 "--server-mac",
                                                                 serverMac,
                                                                 "--unix-socket",
                                                                 socket},
                                        log);
}

std::vector<std::string>
ResoaRunPrefix(const std::string& ns, const std::string& socket)
{
    return {"ip",
            "netns",
            "exec",
            ns,
            "env",
            "RESOA_CLIENTD_SOCKET=" + socket,
            "RESOA_PRELOAD=" + kPreloadPath,
            kResoaRunPath};
}

void
ReportTransfer(const std::string& what, std::size_t bytes, double seconds)
{
    const double mbps = bytes * 8 / seconds / 1e6;
    char line[200];
    std::snprintf(line,
                  sizeof(line),
                  "[ transfer ] %s: %zu bytes in %.3f s = %.2f Mbit/s\n",
                  what.c_str(),
                  bytes,
                  seconds,
                  mbps);
    std::cout << line << std::flush;
    ::testing::Test::RecordProperty("transfer_seconds", std::to_string(seconds));
    ::testing::Test::RecordProperty("throughput_mbps", std::to_string(mbps));
}

} // namespace test
} // namespace resoa
