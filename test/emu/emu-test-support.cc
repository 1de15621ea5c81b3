/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "emu-test-support.h"

#include <chrono>
#include <regex>
#include <thread>

namespace resoa
{
namespace test
{

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

double
SecondsSince(const std::chrono::steady_clock::time_point& start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace test
} // namespace resoa
