/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * LHP over ns-3 802.11a: intact delivery under frame loss with lowered MAC retries, no IP on
 * either node, dead-peer detection, and malformed frames on the air.
 */
#include "ns3/core-module.h"
#include "ns3/lhp-bulk-transfer.h"
#include "ns3/lhp-helper.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/network-module.h"
#include "ns3/wifi-module.h"

#include <gtest/gtest.h>

using namespace ns3;

namespace
{

/// AP (LHP server) and one STA (LHP client) on the lossy 802.11a hop; torn down with the test.
struct LhpWifiScenario
{
    NodeContainer nodes;
    NetDeviceContainer devices;
    Ptr<LhpProtocol> server;
    Ptr<LhpProtocol> client;

    LhpWifiScenario(double frameLoss, uint32_t macRetries, uint32_t run)
    {
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(run);
        nodes.Create(2);
        LossyWifiHelper wifi;
        wifi.SetFrameLoss(frameLoss);
        wifi.SetMacRetries(macRetries);
        devices = wifi.Install(nodes.Get(0), NodeContainer(nodes.Get(1)));
        int64_t stream = wifi.AssignStreams(devices, 10);
        LhpHelper lhp;
        lhp.SetAttribute("DeadTimeout", TimeValue(Seconds(2)));
        lhp.SetAttribute("KeepaliveInterval", TimeValue(MilliSeconds(500)));
        server = lhp.Install(devices.Get(0));
        client = lhp.Install(devices.Get(1));
        server->AssignStreams(stream++);
        client->AssignStreams(stream++);
    }

    ~LhpWifiScenario()
    {
        Simulator::Destroy();
    }
};

struct LossCase
{
    double frameLoss;
    uint32_t macRetries;
};

class LhpOverWifi : public ::testing::TestWithParam<LossCase>
{
};

TEST_P(LhpOverWifi, DeliversIntactUnderFrameLoss)
{
    const LossCase c = GetParam();
    const uint64_t bytes = 1000000;
    LhpWifiScenario s(c.frameLoss, c.macRetries, 3);
    Ptr<LhpBulkTransfer> t =
        Create<LhpBulkTransfer>(s.client, s.server, s.devices.Get(0)->GetAddress(), bytes, 42);
    t->SetStopWhenDone(true);
    t->Start(Seconds(0.5));
    Simulator::Stop(Seconds(60));
    Simulator::Run();

    LhpBulkTransfer::Result r = t->GetResult();
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.bytesDelivered, bytes);
    EXPECT_TRUE(r.intact) << "delivered bytes differ from the sent stream";
    EXPECT_FALSE(r.linkDied);
    EXPECT_GT(r.goodputMbps, 0.5);
    resoa::LhpStats tx = s.client->GetTotalStats();
    if (c.frameLoss >= 0.3)
    {
        // With 2 MAC attempts at 30 % loss, ~9 % of frames reach LHP lost: LHP must repair.
        EXPECT_GT(tx.retransmissions, 0u);
    }
    if (c.frameLoss == 0)
    {
        // MacRetryControl sees a clean link and lets the MAC send each frame once, so the
        // rare collision of the STA's data with the AP's acks is LHP's to repair.
        EXPECT_LE(tx.retransmissions, tx.dataFramesSent / 50);
    }
    // No IP stack was installed anywhere: LHP runs straight over the link.
    EXPECT_EQ(s.nodes.Get(0)->GetObject<Object>(TypeId::LookupByName("ns3::Ipv4")), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Loss,
                         LhpOverWifi,
                         ::testing::Values(LossCase{0.0, 7}, LossCase{0.1, 2}, LossCase{0.3, 2}),
                         [](const ::testing::TestParamInfo<LossCase>& info)
                         {
                             return "loss" + std::to_string(int(info.param.frameLoss * 100)) +
                                    "_retries" + std::to_string(info.param.macRetries);
                         });

TEST(LhpOverWifiLiveness, ClientDetectsDeadServer)
{
    LhpWifiScenario s(0.0, 7, 1);
    Ptr<LhpBulkTransfer> t =
        Create<LhpBulkTransfer>(s.client, s.server, s.devices.Get(0)->GetAddress(), 0, 5);
    t->Start(Seconds(0.5));
    Time diedAt;
    s.client->TraceConnectWithoutContext(
        "LinkDown",
        MakeBoundCallback(
            +[](Time* at, LhpProtocol::Handle, Address) { *at = Simulator::Now(); }, &diedAt));
    // The server's node loses its LHP state at t = 2 s, as in a crash; it stays silent.
    Simulator::Schedule(Seconds(2), &LhpProtocol::Crash, s.server);
    Simulator::Schedule(Seconds(2),
                        [&]() { s.server->SetAttribute("AcceptIncoming", BooleanValue(false)); });
    Simulator::Stop(Seconds(10));
    Simulator::Run();
    ASSERT_TRUE(diedAt.IsStrictlyPositive()) << "client never noticed the dead server";
    // DeadTimeout is 2 s after the last frame heard, which was just before the crash.
    EXPECT_GE(diedAt, Seconds(3.9));
    EXPECT_LE(diedAt, Seconds(4.6));
    EXPECT_TRUE(t->GetResult().linkDied);
    EXPECT_TRUE(t->GetResult().intact);
}

TEST(LhpOverWifiBadInput, MalformedFramesAreDroppedAndTransferSurvives)
{
    LhpWifiScenario s(0.0, 7, 2);
    const uint64_t bytes = 300000;
    Ptr<LhpBulkTransfer> t =
        Create<LhpBulkTransfer>(s.client, s.server, s.devices.Get(0)->GetAddress(), bytes, 9);
    t->SetStopWhenDone(true);
    t->Start(Seconds(0.5));
    std::vector<std::string> reasons;
    s.server->TraceConnectWithoutContext(
        "Drop",
        MakeBoundCallback(
            +[](std::vector<std::string>* out, Ptr<const Packet>, std::string why)
            { out->push_back(why); },
            &reasons));
    // A truncated header, a bad version, and a frame for a connection nobody opened.
    std::vector<std::vector<uint8_t>> junk = {
        {1, 1, 0},
        std::vector<uint8_t>(24, 0x07),
        {1, 1, 0, 0, 0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0},
    };
    Ptr<NetDevice> sta = s.devices.Get(1);
    Address ap = s.devices.Get(0)->GetAddress();
    for (size_t i = 0; i < junk.size(); ++i)
    {
        Simulator::Schedule(Seconds(0.3 + 0.01 * i),
                            [sta, ap, j = junk[i]]()
                            { sta->Send(Create<Packet>(j.data(), j.size()), ap, 0x88B5); });
    }
    Simulator::Stop(Seconds(30));
    Simulator::Run();
    ASSERT_EQ(reasons.size(), 3u);
    EXPECT_EQ(reasons[0], "malformed: Truncated");
    EXPECT_EQ(reasons[1], "malformed: BadVersion");
    EXPECT_EQ(reasons[2], "unknown connection");
    LhpBulkTransfer::Result r = t->GetResult();
    EXPECT_TRUE(r.complete);
    EXPECT_TRUE(r.intact);
}

} // namespace
