/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The comparison harness (examples/harness/compare-scenario): TCP profiles, the channel
 * options of issue 10 (shared vs per-PHY fades, the limit reported two ways, the multi-rate
 * cell's airtime shares) and the ReSoA server's own TCP. Short runs: these check the
 * harness's bookkeeping, not the systems' numbers.
 */
#include "../../examples/harness/compare-scenario.cc" // compiled into the programs that use it
#include <gtest/gtest.h>

#include <numeric>

namespace
{

using ns3::CompareConfig;
using ns3::CompareResult;

CompareConfig
Short(const std::string& system)
{
    CompareConfig c;
    c.system = system;
    c.duration = 4;
    c.warmup = 1;
    return c;
}

TEST(CompareProfile, LinuxLikeProfile)
{
    ns3::TcpProfile p = ns3::ResolveTcpProfile("linux", 0);
    EXPECT_EQ(p.congestion, "Cubic");
    EXPECT_EQ(p.minRtoMs, 200);
    EXPECT_EQ(p.clockGranularityMs, 200); // RTO = SRTT + max(200 ms, 4 RTTVAR)
    EXPECT_EQ(p.delAckMs, 40);
    EXPECT_EQ(p.initialCwnd, 10u);
    EXPECT_TRUE(p.sack);
}

TEST(CompareProfile, Ns3ProfilesKeepNs3Defaults)
{
    ns3::TcpProfile p = ns3::ResolveTcpProfile("NewReno", 0);
    EXPECT_EQ(p.congestion, "NewReno");
    EXPECT_EQ(p.minRtoMs, 1000);
    EXPECT_EQ(p.clockGranularityMs, 1);
    EXPECT_EQ(p.delAckMs, 200);
    EXPECT_EQ(ns3::ResolveTcpProfile("Cubic", 200).minRtoMs, 200);
    EXPECT_EQ(ns3::ResolveTcpProfile("linux", 300).minRtoMs, 300); // explicit override
}

TEST(CompareValidate, RejectsBadChannelAndProfileFlags)
{
    CompareConfig c;
    EXPECT_EQ(ns3::ValidateCompareConfig(c), "");
    c.tcp = "linux";
    EXPECT_EQ(ns3::ValidateCompareConfig(c), "");
    auto bad = [](auto edit)
    {
        CompareConfig x;
        edit(x);
        return !ns3::ValidateCompareConfig(x).empty();
    };
    EXPECT_TRUE(bad([](CompareConfig& x) { x.tcp = "Linuxish"; }));
    EXPECT_TRUE(bad([](CompareConfig& x) { x.serverTcp = "bsd"; }));
    EXPECT_TRUE(bad([](CompareConfig& x) { x.fadeTimeline = "both"; }));
    EXPECT_TRUE(bad([](CompareConfig& x) { x.lossFrames = "beacons"; }));
    EXPECT_TRUE(bad([](CompareConfig& x) { x.distances = "5,15"; })); // 1 client, 2 distances
    EXPECT_TRUE(bad(
        [](CompareConfig& x)
        {
            x.clients = 2;
            x.distances = "5,x";
        }));
    EXPECT_TRUE(bad([](CompareConfig& x) { x.limitRetries = "0,7"; }));
    EXPECT_FALSE(bad(
        [](CompareConfig& x)
        {
            x.clients = 2;
            x.distances = "5,15";
            x.limitRetries = "1,2";
        }));
}

// The headline channel: one fade timeline for all PHYs, depending on seed and run only, so
// every system sees the same fades in the measured window.
TEST(CompareChannel, SharedFadesAreTheSameForEverySystem)
{
    CompareConfig c = Short("tcp");
    c.burstBadMs = 50;
    c.burstGoodMs = 300;
    c.tcp = "linux";
    CompareResult tcp = ns3::RunCompare(c);
    c.system = "resoa";
    CompareResult resoa = ns3::RunCompare(c);
    EXPECT_GT(tcp.fades, 5u);
    EXPECT_EQ(tcp.fades, resoa.fades);
    EXPECT_GT(tcp.goodputMbps, 0);
    EXPECT_GT(resoa.goodputMbps, 0);
    EXPECT_EQ(tcp.deassociations, 0u); // beacons are protected
}

TEST(CompareChannel, PerPhyFadesOnAllFramesRun)
{
    CompareConfig c = Short("tcp");
    c.tcp = "linux";
    c.burstBadMs = 50;
    c.burstGoodMs = 300;
    c.fadeTimeline = "perPhy";
    c.lossFrames = "all";
    CompareResult r = ns3::RunCompare(c);
    EXPECT_GT(r.fades, 5u);
    // Stations associate on a clean channel (management and ACKs are hit from the start of
    // the traffic on): without that, this seed leaves the station half associated and the run
    // delivers nothing.
    EXPECT_EQ(r.outageSeconds, 0);
    EXPECT_GT(r.goodputMbps, 0);
    // Same seed and run: the AP's own timeline is a different stream from the shared one.
    c.fadeTimeline = "shared";
    c.lossFrames = "data";
    CompareResult shared = ns3::RunCompare(c);
    EXPECT_GT(shared.fades, 5u);
}

TEST(CompareLimit, ReportedTwoWays)
{
    CompareConfig c = Short("limit");
    c.frameLoss = 0.3;
    c.macRetries = 7;
    c.limitRetries = "1";
    CompareResult r = ns3::RunCompare(c);
    EXPECT_GT(r.limitSameMbps, 0);
    EXPECT_GE(r.goodputMbps, r.limitSameMbps);
    EXPECT_TRUE(r.macRetriesUsed == 1 || r.macRetriesUsed == 7) << r.macRetriesUsed;
    CompareResult tcp = ns3::RunCompare(Short("tcp"));
    EXPECT_LT(tcp.limitSameMbps, 0); // not a limit run
}

// Download limit, 30 % loss, run 2: the AP's ARP request for the STA (a broadcast, sent once)
// was lost three times, and the run measured 0 Mbit/s at every retry limit. The limit now
// starts from static ARP entries.
TEST(CompareLimit, DownloadLimitIsNotAnArpFailure)
{
    CompareConfig c = Short("limit");
    c.direction = "down";
    c.frameLoss = 0.3;
    c.run = 2;
    c.duration = 2;
    c.limitRetries = "7";
    CompareResult r = ns3::RunCompare(c);
    EXPECT_GT(r.limitSameMbps, 8.0);
    EXPECT_GT(r.goodputMbps, 8.0);
}

TEST(CompareCell, PerStationDistancesAndAirtime)
{
    CompareConfig c = Short("tcp");
    c.tcp = "linux";
    c.clients = 3;
    c.distances = "5,20,35";
    CompareResult r = ns3::RunCompare(c);
    ASSERT_EQ(r.distances.size(), 3u);
    EXPECT_NEAR(r.distances[0], 5, 1e-6);
    EXPECT_NEAR(r.distances[1], 20, 1e-6);
    EXPECT_NEAR(r.distances[2], 35, 1e-6);
    ASSERT_EQ(r.airtimeShare.size(), 3u);
    ASSERT_EQ(r.perClientMbps.size(), 3u);
    double sum = std::accumulate(r.airtimeShare.begin(), r.airtimeShare.end(), 0.0);
    EXPECT_GT(sum, 0.5);
    EXPECT_LE(sum, 1.0 + 1e-9);
    for (double s : r.airtimeShare)
    {
        EXPECT_GT(s, 0);
    }
}

// ReSoA's server has its own TCP: with the baseline's process-wide defaults set to the
// spurious-timeout-prone NewReno / 200 ms MinRto, the server (Linux-like profile) still
// carries a clean-link upload near the link's capacity.
TEST(CompareServerTcp, LinuxProfileIndependentOfTheBaseline)
{
    CompareConfig c = Short("resoa");
    c.tcp = "NewReno";
    c.minRtoMs = 200;
    c.serverTcp = "linux";
    CompareResult r = ns3::RunCompare(c);
    EXPECT_GT(r.goodputMbps, 15) << "the server's TCP stalled";
}

} // namespace
