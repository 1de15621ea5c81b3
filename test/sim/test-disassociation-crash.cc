/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ns-3 3.37 segfaults in StaWifiMac::Disassociated when a station de-associates while a
 * Wi-Fi MAC queue holds MPDUs whose lifetime (WifiMacQueue MaxDelay, 500 ms) expired but that
 * were not wiped yet: the flush on PHY switch-off peeks a null MPDU and removes it. These
 * tests run one AP and one STA with saturating uplink traffic and four blackouts of all
 * frames (beacons too) that each outlast MaxMissedBeacons x the beacon interval, with
 * WifiDisassociationGuard (LossyWifiHelper's default) and without it (a death test).
 * See docs/channel-loss.md, "ns-3 3.37 crash on de-association".
 */
#include "ns3/core-module.h"
#include "ns3/data-frame-error-model.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/network-module.h"
#include "ns3/wifi-association-monitor.h"
#include "ns3/wifi-disassociation-guard.h"
#include "ns3/wifi-module.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

const uint16_t kProtocol = 0x88B6;       //!< raw frames, no IP: nothing but the MAC in the way
const Time kTrafficStart = Seconds(1);   //!< after the association on a clean channel
const Time kBlackout = Seconds(2.5);     //!< > 10 x 102.4 ms of missed beacons
const Time kBlackoutPeriod = Seconds(4); //!< blackouts at 2, 6, 10 and 14 s
const uint32_t kBlackouts = 4;
const Time kStop = Seconds(18);

/// An ns-3 Callback from a std::function (lambdas with captures, for trace sinks).
template<typename R, typename... A>
Callback<R, A...>
FnCallback(std::function<R(A...)> f)
{
    return Callback<R, A...>(f);
}

/// What one run measured.
struct BlackoutResult
{
    uint32_t associations = 0;
    uint32_t deassociations = 0;
    Time outage;
    std::vector<Time> deassocTimes;
    std::vector<Time> assocTimes;
    uint64_t bytesDelivered = 0;
    uint64_t bytesAfterLastReassociation = 0;
    std::vector<std::pair<Time, uint32_t>> arrivals; //!< (time, bytes) of frames at the AP
    uint64_t framesOffered = 0;
    bool guarded = false;
    uint32_t guardSwitchOffs = 0;
    uint32_t guardRescues = 0;
    uint64_t guardWiped = 0;
    uint32_t firstRescueAt = 0; //!< 1-based de-association that needed the guard, 0 = none
};

/**
 * One AP, one STA 5 m away (802.11a, 54/24 Mbit/s, 7 MAC attempts). From 1 s the STA offers
 * 1000-byte frames with exponential gaps of mean `gapUs` (200 us is about 40 Mbit/s, more
 * than the channel carries, so its MAC queue stays full and MPDUs keep expiring during a
 * blackout). `blackouts` times, every frame is lost on both PHYs for 2.5 s. With `verbose`,
 * every association and de-association is printed to stderr as it happens.
 */
BlackoutResult
RunBlackouts(bool guard, uint32_t blackouts, double gapUs = 200, bool verbose = false)
{
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(3);
    NodeContainer nodes;
    nodes.Create(2);
    LossyWifiHelper wifi;
    wifi.SetDisassociationGuard(guard);
    NetDeviceContainer devices = wifi.Install(nodes.Get(0), NodeContainer(nodes.Get(1)));
    wifi.AssignStreams(devices, 100);
    Ptr<WifiNetDevice> ap = DynamicCast<WifiNetDevice>(devices.Get(0));
    Ptr<WifiNetDevice> sta = DynamicCast<WifiNetDevice>(devices.Get(1));
    Ptr<WifiAssociationMonitor> monitor = CreateObject<WifiAssociationMonitor>();
    monitor->Install(devices);

    // Every frame class exposed, beacons included.
    Ptr<RateErrorModel> loss = CreateObjectWithAttributes<RateErrorModel>(
        "ErrorRate", DoubleValue(0.0), "ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
    loss->AssignStreams(60);
    for (uint32_t i = 0; i < 2; ++i)
    {
        DynamicCast<WifiNetDevice>(devices.Get(i))
            ->GetPhy()
            ->SetPostReceptionErrorModel(
                CreateObjectWithAttributes<DataFrameErrorModel>("Inner",
                                                                PointerValue(loss),
                                                                "ProtectManagement",
                                                                BooleanValue(false),
                                                                "ProtectControl",
                                                                BooleanValue(false)));
    }
    for (uint32_t b = 0; b < blackouts; ++b)
    {
        Time start = Seconds(2) + kBlackoutPeriod * b;
        Simulator::Schedule(start, [loss]() { loss->SetRate(1.0); });
        Simulator::Schedule(start + kBlackout, [loss]() { loss->SetRate(0.0); });
    }

    BlackoutResult r;
    Ptr<WifiDisassociationGuard> g = wifi.GetDisassociationGuard();
    if (verbose)
    {
        std::fprintf(stderr, "blackouts without the guard: started\n");
    }
    sta->GetMac()->TraceConnectWithoutContext(
        "DeAssoc",
        FnCallback(std::function<void(Mac48Address)>(
            [&r, g, verbose](Mac48Address)
            {
                r.deassocTimes.push_back(Simulator::Now());
                // ns-3 fires DeAssoc right after the flush the guard protected.
                if (g && g->GetRescues() > 0 && r.firstRescueAt == 0)
                {
                    r.firstRescueAt = r.deassocTimes.size();
                }
                if (verbose)
                {
                    std::fprintf(stderr, "de-associations survived: %zu\n", r.deassocTimes.size());
                }
            })));
    sta->GetMac()->TraceConnectWithoutContext(
        "Assoc",
        FnCallback(std::function<void(Mac48Address)>(
            [&r](Mac48Address) { r.assocTimes.push_back(Simulator::Now()); })));
    std::vector<std::pair<Time, uint32_t>>& arrivals = r.arrivals;
    nodes.Get(0)->RegisterProtocolHandler(
        FnCallback(std::function<void(Ptr<NetDevice>,
                                      Ptr<const Packet>,
                                      uint16_t,
                                      const Address&,
                                      const Address&,
                                      NetDevice::PacketType)>(
            [&arrivals](Ptr<NetDevice>,
                        Ptr<const Packet> p,
                        uint16_t,
                        const Address&,
                        const Address&,
                        NetDevice::PacketType)
            { arrivals.emplace_back(Simulator::Now(), p->GetSize()); })),
        kProtocol,
        ap);

    Ptr<ExponentialRandomVariable> gap =
        CreateObjectWithAttributes<ExponentialRandomVariable>("Mean", DoubleValue(gapUs * 1e-6));
    gap->SetStream(70);
    std::function<void()> offer = [&]()
    {
        ++r.framesOffered;
        sta->Send(Create<Packet>(1000), ap->GetAddress(), kProtocol);
        Simulator::Schedule(Seconds(gap->GetValue()), offer);
    };
    Simulator::Schedule(kTrafficStart, offer);
    Simulator::Stop(kStop);
    Simulator::Run();

    r.associations = monitor->GetAssociations(0);
    r.deassociations = monitor->GetDeassociations(0);
    r.outage = monitor->GetOutage(0);
    Time lastAssoc = r.assocTimes.empty() ? kStop : r.assocTimes.back();
    for (const auto& [at, bytes] : arrivals)
    {
        r.bytesDelivered += bytes;
        if (at > lastAssoc)
        {
            r.bytesAfterLastReassociation += bytes;
        }
    }
    if (g)
    {
        r.guarded = true;
        r.guardSwitchOffs = g->GetSwitchOffs();
        r.guardRescues = g->GetRescues();
        r.guardWiped = g->GetWipedMpdus();
    }
    Simulator::Destroy();
    return r;
}

std::string
Describe(const BlackoutResult& r)
{
    std::ostringstream os;
    os << "associations " << r.associations << ", de-associations " << r.deassociations
       << ", outage " << r.outage.GetSeconds() << " s, delivered " << r.bytesDelivered << " B ("
       << r.bytesAfterLastReassociation << " B after the last re-association), guard "
       << (r.guarded ? "on" : "off") << ": " << r.guardSwitchOffs << " switch-offs, "
       << r.guardRescues << " rescues (first at de-association " << r.firstRescueAt << "), "
       << r.guardWiped << " expired MPDUs wiped\n";
    for (uint32_t i = 0; i < r.deassocTimes.size(); ++i)
    {
        os << "  lost association at " << r.deassocTimes[i].GetSeconds() << " s";
        if (i + 1 < r.assocTimes.size())
        {
            os << ", back at " << r.assocTimes[i + 1].GetSeconds() << " s";
        }
        os << "\n";
    }
    return os.str();
}

} // namespace

TEST(DisassociationCrash, LossyWifiHelperInstallsTheGuardByDefault)
{
    RngSeedManager::SetSeed(1);
    NodeContainer nodes;
    nodes.Create(3);
    LossyWifiHelper wifi;
    NetDeviceContainer devices =
        wifi.Install(nodes.Get(0), NodeContainer(nodes.Get(1), nodes.Get(2)));
    Ptr<WifiDisassociationGuard> guard = wifi.GetDisassociationGuard();
    ASSERT_NE(guard, nullptr);
    EXPECT_EQ(guard->GetNStations(), 2u); // the AP has no beacon watchdog
    EXPECT_EQ(guard->GetSwitchOffs(), 0u);

    LossyWifiHelper off;
    off.SetDisassociationGuard(false);
    off.Install(nodes.Get(0), NodeContainer(nodes.Get(1)));
    EXPECT_EQ(off.GetDisassociationGuard(), nullptr);
    Simulator::Destroy();
}

TEST(DisassociationCrash, GuardChangesNothingWithoutDeassociation)
{
    // No blackout: the guard's listener never fires, and the runs are identical.
    BlackoutResult with = RunBlackouts(true, 0);
    BlackoutResult without = RunBlackouts(false, 0);
    std::printf("no blackout: %s", Describe(with).c_str());
    EXPECT_EQ(with.deassociations, 0u);
    EXPECT_EQ(with.guardSwitchOffs, 0u);
    EXPECT_GT(with.bytesDelivered, 0u);
    EXPECT_EQ(with.bytesDelivered, without.bytesDelivered);
    EXPECT_EQ(with.framesOffered, without.framesOffered);
    EXPECT_EQ(with.assocTimes, without.assocTimes);
}

TEST(DisassociationCrash, GuardedStationSurvivesDeassociationsWithExpiredMpdusQueued)
{
    BlackoutResult r = RunBlackouts(true, kBlackouts);
    std::printf("%s", Describe(r).c_str());

    // The run completed, and every blackout cost the association once.
    ASSERT_TRUE(r.guarded);
    EXPECT_EQ(r.deassociations, kBlackouts);
    EXPECT_EQ(r.guardSwitchOffs, kBlackouts); // one PHY switch-off per de-association
    ASSERT_EQ(r.deassocTimes.size(), kBlackouts);
    // The path that crashes ns-3 3.37 was taken: expired MPDUs were queued at a switch-off.
    EXPECT_GE(r.guardRescues, 1u);
    EXPECT_GE(r.guardWiped, r.guardRescues);

    // Each time: lost 10 beacon intervals into the blackout, back soon after it ended.
    ASSERT_EQ(r.assocTimes.size(), kBlackouts + 1);
    EXPECT_EQ(r.associations, kBlackouts + 1);
    Time outage;
    for (uint32_t b = 0; b < kBlackouts; ++b)
    {
        Time start = Seconds(2) + kBlackoutPeriod * b;
        EXPECT_GE(r.deassocTimes[b], start + MilliSeconds(1024 - 103));
        EXPECT_LE(r.deassocTimes[b], start + MilliSeconds(1024 + 5));
        EXPECT_GT(r.assocTimes[b + 1], start + kBlackout);
        EXPECT_LT(r.assocTimes[b + 1], start + kBlackout + MilliSeconds(400));
        outage += r.assocTimes[b + 1] - r.deassocTimes[b];
    }
    EXPECT_EQ(r.outage, outage);

    // Traffic resumed after every re-association, at close to the clean link's rate.
    for (uint32_t b = 0; b < kBlackouts; ++b)
    {
        Time from = r.assocTimes[b + 1];
        Time to = b + 1 < kBlackouts ? Seconds(2) + kBlackoutPeriod * (b + 1) : kStop;
        uint64_t bytes = 0;
        for (const auto& [at, size] : r.arrivals)
        {
            bytes += at > from && at <= to ? size : 0;
        }
        double mbps = bytes * 8 / (to - from).GetSeconds() / 1e6;
        std::printf("after re-association %u: %.1f Mbit/s\n", b + 1, mbps);
        EXPECT_GT(mbps, 15.0);
    }
    EXPECT_GT(r.bytesAfterLastReassociation, 0u);
}

TEST(DisassociationCrash, UnguardedStationCrashesNs3)
{
    // The same run in-process with the guard tells at which de-association the guard found
    // expired MPDUs; up to there both runs are identical (the guard only acts at switch-off).
    BlackoutResult guarded = RunBlackouts(true, kBlackouts);
    ASSERT_GE(guarded.firstRescueAt, 1u);
    std::printf("%s", Describe(guarded).c_str());
    std::fflush(stdout);

    // Without the guard, ns-3 3.37 dereferences a null MPDU in the flush that
    // StaWifiMac::Disassociated triggers (WifiMpdu::GetQueueIt via WifiMacQueue::Remove),
    // exactly at that de-association: the child's last words are the ones before it.
    std::string lastWords =
        guarded.firstRescueAt == 1
            ? std::string("started\n$")
            : "de-associations survived: " + std::to_string(guarded.firstRescueAt - 1) + "\n$";
    EXPECT_EXIT(
        RunBlackouts(false, kBlackouts, 200, true), ::testing::KilledBySignal(SIGSEGV), lastWords);
}
