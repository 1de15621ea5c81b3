/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * RealtimeLagMonitor under the real-time simulator, and TapEmuHelper's error path. Each case
 * runs in its own process (gtest_discover_tests), so the simulator implementation chosen here
 * does not leak.
 */
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/realtime-lag-monitor.h"
#include "ns3/tap-emu-helper.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <sstream>
#include <thread>

namespace resoa
{
namespace test
{
// From test/realnet/realnet-test-util.h (resoa-netns-fixture). That header pulls in
// <linux/if_packet.h>, whose PACKET_HOST... macros break ns-3's NetDevice::PacketType, so the
// one function used here is declared rather than included.
std::string RunInChild(const std::function<std::string()>& body);
} // namespace test
} // namespace resoa

namespace
{

using namespace ns3;

/// Keeps the simulator thread busy for \p ms of wall time, as a slow event would.
void
Stall(int ms)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end)
    {
    }
}

TEST(RealtimeLagMonitor, SeesAStallOfTheSimulatorThread)
{
    TapEmuHelper::EnableRealtime();
    Ptr<RealtimeLagMonitor> lag = CreateObject<RealtimeLagMonitor>();
    lag->SetAttribute("Period", TimeValue(MilliSeconds(1)));
    lag->Start();
    Simulator::Schedule(MilliSeconds(200), &Stall, 80);
    Simulator::Stop(MilliSeconds(600));
    const auto start = std::chrono::steady_clock::now();
    Simulator::Run();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::ostringstream report;
    lag->Report(report);
    Simulator::Destroy();

    // Real time: 600 ms of simulated time took about that long.
    EXPECT_GT(wall, 0.55) << report.str();
    EXPECT_LT(wall, 3.0) << report.str();
    EXPECT_GE(lag->GetSampleCount(), 590u) << report.str();
    // The stall made the sample right after t = 200 ms about 80 ms late...
    EXPECT_GE(lag->GetMaxLag(), MilliSeconds(75)) << report.str();
    EXPECT_LT(lag->GetMaxLag(), MilliSeconds(1000)) << report.str();
    EXPECT_GE(lag->GetMaxLagTime(), MilliSeconds(200)) << report.str();
    EXPECT_LT(lag->GetMaxLagTime(), MilliSeconds(300)) << report.str();
    // ...and best effort caught up within about as long again, so the median stays small.
    EXPECT_LT(lag->GetLagQuantile(0.5), MilliSeconds(20)) << report.str();
    EXPECT_GE(lag->CountAbove(MilliSeconds(40)), 1u) << report.str();
    EXPECT_LE(lag->GetLagQuantile(0.5), lag->GetLagQuantile(0.99));
    EXPECT_LE(lag->GetLagQuantile(0.99), lag->GetMaxLag());
    EXPECT_NE(report.str().find("realtime lag: samples"), std::string::npos) << report.str();
}

TEST(RealtimeLagMonitor, EmptyReportIsZero)
{
    Ptr<RealtimeLagMonitor> lag = CreateObject<RealtimeLagMonitor>();
    EXPECT_EQ(lag->GetSampleCount(), 0u);
    EXPECT_EQ(lag->GetMaxLag(), Time(0));
    EXPECT_EQ(lag->GetLagQuantile(0.99), Time(0));
    EXPECT_EQ(lag->GetMeanLag(), Time(0));
}

TEST(TapEmuHelper, ReportsAMissingNamespaceInsteadOfAborting)
{
    Ptr<Node> node = CreateObject<Node>();
    TapEmuHelper taps;
    taps.SetNamespace("remu-no-such-namespace");
    std::string error;
    Ptr<FdNetDevice> dev = taps.TryInstall(node, error);
    EXPECT_FALSE(dev);
    EXPECT_NE(error.find("/run/netns/remu-no-such-namespace"), std::string::npos) << error;
    EXPECT_EQ(node->GetNDevices(), 0u);
}

TEST(TapEmuHelper, ReportsMissingPrivilegeInsteadOfAborting)
{
    if (::geteuid() != 0)
    {
        GTEST_SKIP() << "needs root (to drop it)";
    }
    // In a child, as nobody: creating a tap must fail and say what is missing.
    const std::string failure = resoa::test::RunInChild(
        []() -> std::string
        {
            if (::setgid(65534) != 0 || ::setuid(65534) != 0)
            {
                return "cannot become nobody";
            }
            if (TapEmuHelper::CheckPrerequisites().find("CAP_NET_ADMIN") == std::string::npos)
            {
                return "CheckPrerequisites did not name CAP_NET_ADMIN: " +
                       TapEmuHelper::CheckPrerequisites();
            }
            Ptr<Node> node = CreateObject<Node>();
            TapEmuHelper taps;
            taps.SetTapName("remu-noperm");
            std::string error;
            if (taps.TryInstall(node, error))
            {
                return "a tap was created without privileges";
            }
            // Opening /dev/net/tun (mode 0600 on some systems) or TUNSETIFF fails, with EACCES
            // or EPERM; either way the message names what is missing.
            if ((error.find("TUNSETIFF") == std::string::npos &&
                 error.find("/dev/net/tun") == std::string::npos) ||
                error.find("CAP_NET_ADMIN") == std::string::npos)
            {
                return "unexpected error: " + error;
            }
            return "";
        });
    EXPECT_EQ(failure, "");
}

} // namespace
