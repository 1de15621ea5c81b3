/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Hostile input against the ns-3 model (docs/security.md, "Hostile input", ns-3 part): the
 * Linux attacks of test/realnet/test-hostile.cc, on a simulated Ethernet. A raw attacker
 * sends LHP frames with any source MAC (CsmaNetDevice::SendFrom), and four attacker nodes
 * run a real LhpProtocol to register, send EP garbage and flood sockets, while an honest
 * ReSoA client uploads a pattern stream. Every attack must be dropped and counted by the
 * core's counters, never acted on; the upload's hash must be intact and its goodput is
 * compared with an attack-free run of the same scenario.
 *
 *   honest client (no IP) ---+
 *   raw attacker ------------+-- CSMA 100 Mbit/s -- server (ResoaServer) -- p2p -- host
 *   attackers a0..a3 (LHP) --+
 */
#include "hostile-attackers.h"

#include "ns3/csma-module.h"
#include "ns3/point-to-point-module.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

using namespace ns3;
using namespace resoa_test;

namespace
{

constexpr uint64_t kUploadBytes = 8 * 1024 * 1024;
constexpr uint32_t kAttackerNodes = 4;   //!< each opens 4 LHP links (the per-MAC cap)
constexpr uint32_t kMaxClients = 9;      //!< the honest client and 8 attackers
constexpr uint32_t kMaxConnections = 64; //!< the server's global LHP cap (1024 by default)
constexpr int kGarbageFrames = 1000;
constexpr int kNoLinkFrames = 200; //!< valid frames for no link, from random MACs
constexpr int kNoLinkCloses = 100; //!< Closes for no link: answered statelessly
constexpr int kForgedCloses = 200;
constexpr int kForgedConnects = 5;
constexpr int kOneMacConnects = 100;
constexpr int kManyMacConnects = 300;

/// What the raw attacker sent, by what the server must do with it.
struct RawCounts
{
    int malformed = 0; //!< must fail LHP decoding
    int noLink = 0;    //!< decode, but name no link: dropped (unknownConnection)
    int closes = 0;    //!< Close for no link: stateless reply
    int forgedCloses = 0;
    int forgedConnects = 0;
    int oneMacConnects = 0;
    int manyMacConnects = 0;
    int refusedByDevice = 0; //!< the attacker's own device queue was full: never sent
};

/// Everything one run measured.
struct Outcome : HonestOutcome
{
    RawCounts raw;
    size_t linksAtPeak = 0; //!< most server links at once (sampled every 10 ms)
};

/**
 * Raw frames from a device that writes any source MAC, one every `gap`, so the attacker's
 * own queue (100 frames) never overflows.
 */
class RawAttacker
{
  public:
    RawAttacker(Ptr<CsmaNetDevice> dev, Mac48Address server, RawCounts& counts)
        : m_dev(dev)
        , m_server(server)
        , m_counts(counts)
    {
    }

    /// Sends `frame` from `src` after `delay` (from now); `counter` counts it if the device
    /// takes it.
    void At(Time delay, Mac48Address src, std::vector<uint8_t> frame, int RawCounts::*counter)
    {
        Simulator::Schedule(delay,
                            [this, src, frame = std::move(frame), counter]()
                            {
                                Ptr<Packet> p = Create<Packet>(frame.data(), frame.size());
                                if (m_dev->SendFrom(p, src, m_server, resoa::kLhpEtherType))
                                {
                                    ++(m_counts.*counter);
                                }
                                else
                                {
                                    ++m_counts.refusedByDevice;
                                }
                            });
    }

  private:
    Ptr<CsmaNetDevice> m_dev;
    Mac48Address m_server;
    RawCounts& m_counts;
};

/// Schedules every raw attack from 0.6 s on (the upload starts at 0.5 s).
void
ScheduleRawAttacks(RawAttacker& raw,
                   Ptr<LhpProtocol> serverLhp,
                   Mac48Address honest,
                   Mac48Address attackerMac,
                   std::mt19937& rng)
{
    Time t = Seconds(0.6);
    const Time gap = MicroSeconds(100);
    for (int i = 0; i < kGarbageFrames; ++i, t += gap)
    {
        raw.At(t, rng() % 2 ? attackerMac : RandomMac(rng), Malformed(rng), &RawCounts::malformed);
    }
    for (int i = 0; i < kNoLinkFrames; ++i, t += gap)
    {
        raw.At(t, RandomMac(rng), NoLink(rng, true), &RawCounts::noLink);
    }
    for (int i = 0; i < kNoLinkCloses; ++i, t += gap)
    {
        raw.At(t,
               RandomMac(rng),
               Frame(resoa::LhpFrameType::Close, rng() | 1, {1, 2, 3, 4}),
               &RawCounts::closes);
    }
    // Forged Closes and Connects for the honest link: its id is read off the server (an
    // on-path attacker would read it off the air); its nonce is not.
    t = std::max(t, Seconds(0.76));
    Simulator::Schedule(
        t - Simulator::Now(),
        [&raw, serverLhp, honest, seed = rng()]()
        {
            std::mt19937 r(seed);
            const uint32_t id = HonestConnId(serverLhp, honest);
            NS_ASSERT_MSG(id != 0, "the honest link is not open at the attack");
            for (int i = 0; i < kForgedCloses; ++i)
            {
                raw.At(MicroSeconds(100 * i),
                       honest,
                       Frame(resoa::LhpFrameType::Close, id, ForgedCloseToken(i, r)),
                       &RawCounts::forgedCloses);
            }
            // One at a time: each starts its own challenge (1 s), which settles before the
            // next (the upload ends at about 1.4 s: the later ones hit a live, idle link).
            for (int i = 0; i < kForgedConnects; ++i)
            {
                raw.At(MilliSeconds(1200 * i),
                       honest,
                       Frame(resoa::LhpFrameType::Connect, id, ConnectParams(r() | 1)),
                       &RawCounts::forgedConnects);
            }
        });
    // Connect floods: distinct ids from one MAC, then one Connect each from many MACs.
    t = Seconds(0.8);
    const Mac48Address oneMac = RandomMac(rng);
    for (int i = 0; i < kOneMacConnects; ++i, t += MicroSeconds(50))
    {
        raw.At(t,
               oneMac,
               Frame(resoa::LhpFrameType::Connect, rng() | 1, ConnectParams(rng() | 1)),
               &RawCounts::oneMacConnects);
    }
    for (int i = 0; i < kManyMacConnects; ++i, t += MicroSeconds(50))
    {
        raw.At(t,
               RandomMac(rng),
               Frame(resoa::LhpFrameType::Connect, rng() | 1, ConnectParams(rng() | 1)),
               &RawCounts::manyMacConnects);
    }
}

Outcome
RunScenario(bool attack)
{
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(1);
    Outcome out;
    Ptr<Node> client = CreateObject<Node>();
    Ptr<Node> rawNode = CreateObject<Node>();
    NodeContainer attackers(kAttackerNodes);
    Ptr<Node> server = CreateObject<Node>();
    Ptr<Node> host = CreateObject<Node>();
    NodeContainer lan(client, rawNode);
    lan.Add(attackers);
    lan.Add(server);
    CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", StringValue("100Mbps"));
    csma.SetChannelAttribute("Delay", TimeValue(MicroSeconds(5)));
    NetDeviceContainer lanDevs = csma.Install(lan); // client, raw, a0..a3, server
    Ptr<NetDevice> serverDev = lanDevs.Get(lanDevs.GetN() - 1);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", StringValue("5ms"));
    NetDeviceContainer wan = p2p.Install(server, host);
    InternetStackHelper stack;
    stack.Install(server);
    stack.Install(host);
    Ipv4AddressHelper wanAddr("203.0.113.0", "255.255.255.0");
    Ipv4InterfaceContainer wanIfs = wanAddr.Assign(wan);

    ResoaHelper resoa;
    resoa.SetServerAttribute("MaxClients", UintegerValue(kMaxClients));
    resoa.SetLhpAttribute("MaxConnections", UintegerValue(kMaxConnections));
    Ptr<ResoaServer> srv = resoa.InstallServer(server, NetDeviceContainer(serverDev));
    Ptr<LhpProtocol> serverLhp = srv->GetLhps().front();
    Ptr<ResoaClient> honest =
        resoa.InstallClient(lanDevs.Get(0), serverDev->GetAddress(), Seconds(0.1));
    HonestUpload upload(honest,
                        serverLhp,
                        host,
                        InetSocketAddress(wanIfs.GetAddress(1), 9),
                        Seconds(0.5),
                        kUploadBytes,
                        out);

    std::mt19937 rng(20261202);
    std::vector<std::unique_ptr<EpAttacker>> eps;
    bool epAttackDone = false;
    // The attacker's queue holds its whole attack: the honest upload keeps the channel busy,
    // and a frame its own queue dropped would be an attack never made.
    Ptr<CsmaNetDevice> rawDev = DynamicCast<CsmaNetDevice>(lanDevs.Get(1));
    rawDev->GetQueue()->SetMaxSize(QueueSize("100000p"));
    RawAttacker raw(rawDev, Mac48Address::ConvertFrom(serverDev->GetAddress()), out.raw);
    if (attack)
    {
        NetDeviceContainer attackerDevs;
        for (uint32_t i = 0; i < kAttackerNodes; ++i)
        {
            attackerDevs.Add(lanDevs.Get(2 + i));
        }
        eps = LaunchEpAttackers(
            attackerDevs, serverDev->GetAddress(), 4, Seconds(0.55), &epAttackDone);
        ScheduleRawAttacks(raw,
                           serverLhp,
                           out.honestMac,
                           Mac48Address::ConvertFrom(lanDevs.Get(1)->GetAddress()),
                           rng);
        for (Time t = Seconds(0.8); t < Seconds(3); t += MilliSeconds(10))
        {
            Simulator::Schedule(t,
                                [&] {
                                    out.linksAtPeak = std::max(
                                        out.linksAtPeak, serverLhp->GetEndpoint().GetLinkCount());
                                });
        }
    }
    RunAndCollect(upload, srv, serverLhp, eps, out);
    return out;
}

TEST(HostileNs3, AttacksAreDroppedAndCountedAndTheHonestUploadKeepsItsGoodput)
{
    const Outcome base = RunScenario(false);
    const Outcome att = RunScenario(true);
    ExpectHonestUploadIntact(base, att, kUploadBytes, 0.8); // measured 93 %

    const RawCounts& r = att.raw;
    const resoa::LhpEndpointStats& e = att.endpoint;
    std::printf("raw frames sent: malformed %d, no link %d, Closes for no link %d, forged "
                "Closes %d, forged Connects %d, Connects from one MAC %d, from many %d "
                "(refused by the attacker's own queue %d)\n",
                r.malformed,
                r.noLink,
                r.closes,
                r.forgedCloses,
                r.forgedConnects,
                r.oneMacConnects,
                r.manyMacConnects,
                r.refusedByDevice);
    PrintServerCounters(att);
    std::printf("server LHP: links at peak %zu\n", att.linksAtPeak);
    EXPECT_EQ(r.refusedByDevice, 0);
    // 1: garbage fails decoding, every frame of it.
    EXPECT_EQ(e.badFrames, uint64_t(kGarbageFrames));
    EXPECT_EQ(r.malformed, kGarbageFrames);
    // Valid frames for no link are dropped, Closes for no link answered statelessly.
    EXPECT_EQ(e.unknownConnection, uint64_t(kNoLinkFrames));
    EXPECT_EQ(e.statelessCloseReplies + e.statelessRepliesDropped, uint64_t(kNoLinkCloses));
    // 2: forged Closes without the nonce are dropped; forged Connects are challenged, the
    // honest client answers the probe, and nothing is restarted.
    EXPECT_EQ(att.links.forgedCloses, uint64_t(kForgedCloses));
    EXPECT_EQ(e.restartChallenges, uint64_t(kForgedConnects));
    EXPECT_EQ(e.forgedConnects, uint64_t(kForgedConnects));
    EXPECT_EQ(e.restarts, 0u);
    // 3: the caps. One MAC keeps 4 links; the many-MAC flood fills the table to
    // MaxConnections and no further; every fake link is reaped at the dead timeout.
    EXPECT_EQ(e.refusedPerPeerCap, uint64_t(kOneMacConnects - 4));
    EXPECT_EQ(att.linksAtPeak, size_t(kMaxConnections));
    EXPECT_GT(e.refusedGlobalCap, 0u);
    EXPECT_EQ(e.admissionsRefused, e.refusedPerPeerCap + e.refusedGlobalCap);
    EXPECT_EQ(e.accepted + e.admissionsRefused,
              uint64_t(1 + kAttackerNodes * 4 + kOneMacConnects + kManyMacConnects));
    // At the end only the honest link and the attackers' own (live) links remain.
    EXPECT_EQ(att.linksAtEnd, size_t(1 + kAttackerNodes * 4));
    EXPECT_EQ(e.linksReaped, e.accepted - att.linksAtEnd);
    // 4-6: the attackers' own sessions: registrations beyond MaxClients refused, EP garbage
    // dropped unanswered, Socket creates past the per-client limit refused with EMFILE.
    ExpectEpAttacksRefused(att, kMaxClients, kAttackerNodes * 4);
}

} // namespace
