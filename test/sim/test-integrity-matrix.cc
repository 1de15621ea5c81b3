/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The integrity matrix (issue 12.1): a stream each way through the whole stack,
 * application -> EP -> LHP -> 802.11 -> ReSoA server -> TCP -> Internet host and back, under
 * i.i.d. frame loss up to 50 %, Gilbert-Elliott fades up to 500 ms, and received LHP frames
 * duplicated or reordered, 20 seeds each. Every byte must arrive once, in order, intact:
 * checked by count and by hash of the pattern stream, in both directions.
 */
#include "pattern-push.h"
#include "resoa-scenario.h"

#include "ns3/data-frame-error-model.h"
#include "ns3/frame-impairment.h"
#include "ns3/gilbert-elliott-error-model.h"
#include "ns3/internet-module.h"

#include <gtest/gtest.h>

using namespace ns3;

namespace
{

struct Condition
{
    std::string name;
    double loss = 0;             //!< i.i.d. loss of data frames and MAC ACKs
    double fadeMs = 0;           //!< mean Gilbert-Elliott fade (loss 1), mean 1 s between fades
    double duplicate = 0;        //!< received LHP frames handed up twice (both ends)
    double reorder = 0;          //!< received LHP frames held back 5 ms (both ends)
    uint64_t bytes = 512 * 1024; //!< each way; fade rows move enough to span several fades
};

void
PrintTo(const Condition& c, std::ostream* os)
{
    *os << c.name;
}

constexpr uint32_t kSeeds = 20;
/// Each way on the fade rows: about 4 s of transfer, several fades at 1 s mean spacing.
constexpr uint64_t kFadeBytes = 4 * 1024 * 1024;
constexpr uint64_t kUpSeed = 0x5EED0001;
constexpr uint64_t kDownSeed = 0x5EED0002;

/// One end of the transfer: sends its share of its pattern, then shuts down its sending side,
/// and hashes all it receives until the peer's FIN.
class PatternPeer
{
  public:
    PatternPeer(uint64_t seed, uint64_t bytes)
        : m_seed(seed)
        , m_bytes(bytes)
    {
    }

    void Attach(Ptr<Socket> s)
    {
        m_socket = s;
        s->SetSendCallback(MakeCallback(&PatternPeer::OnSpace, this));
        s->SetRecvCallback(MakeCallback(&PatternPeer::OnRecv, this));
        Push();
    }

    uint64_t Sent() const
    {
        return m_sent;
    }

    const resoa::StreamHash& Received() const
    {
        return m_rx;
    }

  private:
    void OnSpace(Ptr<Socket>, uint32_t)
    {
        Push();
    }

    void Push()
    {
        m_sent = PushPattern(m_socket, m_seed, m_sent, m_bytes);
        if (m_sent < m_bytes)
        {
            return;
        }
        if (!m_shutdown)
        {
            m_shutdown = true;
            m_socket->ShutdownSend();
        }
    }

    void OnRecv(Ptr<Socket> s)
    {
        while (Ptr<Packet> p = s->Recv())
        {
            if (p->GetSize() == 0)
            {
                break;
            }
            std::vector<uint8_t> b(p->GetSize());
            p->CopyData(b.data(), b.size());
            m_rx.Update(b.data(), b.size());
        }
    }

    uint64_t m_seed;
    uint64_t m_bytes;
    Ptr<Socket> m_socket;
    uint64_t m_sent = 0;
    bool m_shutdown = false;
    resoa::StreamHash m_rx;
};

uint64_t
PatternHash(uint64_t seed, uint64_t bytes)
{
    resoa::StreamHash h;
    h.UpdatePattern(seed, 0, bytes);
    return h.Value();
}

/// The loss model every PHY shares (one fade timeline for both directions), or null.
Ptr<ErrorModel>
MakeLoss(const Condition& c, Ptr<GilbertElliottErrorModel>& fades)
{
    Ptr<ErrorModel> inner;
    if (c.fadeMs > 0)
    {
        Ptr<GilbertElliottErrorModel> ge = CreateObject<GilbertElliottErrorModel>();
        ge->SetAttribute("MeanGoodDuration", TimeValue(Seconds(1)));
        ge->SetAttribute("MeanBadDuration", TimeValue(MilliSeconds(c.fadeMs)));
        ge->SetAttribute("GoodLossProbability", DoubleValue(c.loss));
        ge->SetAttribute("BadLossProbability", DoubleValue(1.0));
        inner = ge;
        fades = ge;
    }
    else if (c.loss > 0)
    {
        Ptr<RateErrorModel> rate = CreateObject<RateErrorModel>();
        rate->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
        rate->SetAttribute("ErrorRate", DoubleValue(c.loss));
        inner = rate;
    }
    return inner;
}

struct Outcome
{
    uint64_t upBytes = 0;
    uint64_t upHash = 0;
    uint64_t downBytes = 0;
    uint64_t downHash = 0;
    uint64_t duplicated = 0;
    uint64_t reordered = 0;
    uint64_t fades = 0;
    double seconds = 0;
};

Outcome
RunOne(const Condition& c, uint32_t run)
{
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(run);
    AccessNetworkHelper access;
    access.SetStaCount(1);
    Ptr<GilbertElliottErrorModel> fades;
    if (Ptr<ErrorModel> inner = MakeLoss(c, fades))
    {
        // Data frames and MAC ACKs only: beacons survive, so a fade is not a de-association.
        ObjectFactory f("ns3::DataFrameErrorModel");
        f.Set("Inner", PointerValue(inner));
        f.Set("ProtectManagement", BooleanValue(true));
        f.Set("ProtectControl", BooleanValue(false));
        access.Wifi().SetErrorModelFactory(f);
    }
    AccessNetwork net = access.Build();
    ResoaHelper resoa;
    Ptr<ResoaServer> server = resoa.InstallServer(net.ap, NetDeviceContainer(net.wifi.Get(0)));
    Ptr<ResoaClient> client =
        resoa.InstallClient(net.wifi.Get(1), net.wifi.Get(0)->GetAddress(), Seconds(0.1));

    std::vector<Ptr<FrameImpairment>> impairments;
    if (c.duplicate > 0 || c.reorder > 0)
    {
        std::vector<Ptr<LhpProtocol>> ends = server->GetLhps();
        ends.push_back(client->GetLhp());
        for (uint32_t i = 0; i < ends.size(); ++i)
        {
            Ptr<FrameImpairment> imp = CreateObject<FrameImpairment>();
            imp->SetAttribute("DuplicateProbability", DoubleValue(c.duplicate));
            imp->SetAttribute("ReorderProbability", DoubleValue(c.reorder));
            imp->AssignStreams(900 + i);
            ends[i]->SetReceiveImpairment(imp);
            impairments.push_back(imp);
        }
    }

    PatternPeer host(kDownSeed, c.bytes);
    PatternPeer sta(kUpSeed, c.bytes);
    Ptr<Socket> listener = Socket::CreateSocket(net.host, TcpSocketFactory::GetTypeId());
    listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), 9));
    listener->Listen();
    listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                MakeCallback(&PatternPeer::Attach, &host));
    Simulator::Schedule(Seconds(0.5),
                        [&sta, &net]()
                        {
                            Ptr<Socket> s = Socket::CreateSocket(net.stas.Get(0),
                                                                 TcpSocketFactory::GetTypeId());
                            s->SetConnectCallback(MakeCallback(&PatternPeer::Attach, &sta),
                                                  MakeNullCallback<void, Ptr<Socket>>());
                            s->Connect(InetSocketAddress(net.hostAddress, 9));
                        });
    Outcome o;
    // Stop as soon as both streams are complete (or at 120 s: a hang fails the counts).
    std::function<void()> check = [&]()
    {
        if (host.Received().Bytes() >= c.bytes && sta.Received().Bytes() >= c.bytes)
        {
            o.seconds = Simulator::Now().GetSeconds();
            Simulator::Schedule(Seconds(1), &Simulator::Stop); // room for stray duplicates
            return;
        }
        Simulator::Schedule(MilliSeconds(100), check);
    };
    Simulator::Schedule(Seconds(0.5), check);
    Simulator::Stop(Seconds(120));
    Simulator::Run();
    o.upBytes = host.Received().Bytes();
    o.upHash = host.Received().Value();
    o.downBytes = sta.Received().Bytes();
    o.downHash = sta.Received().Value();
    o.fades = fades ? fades->GetBadPeriods() : 0;
    for (const auto& imp : impairments)
    {
        o.duplicated += imp->GetDuplicated();
        o.reordered += imp->GetReordered();
    }
    Simulator::Destroy();
    return o;
}

class IntegrityMatrix : public ::testing::TestWithParam<Condition>
{
};

TEST_P(IntegrityMatrix, BothStreamsArriveIntactOnEverySeed)
{
    const Condition& c = GetParam();
    const uint64_t up = PatternHash(kUpSeed, c.bytes);
    const uint64_t down = PatternHash(kDownSeed, c.bytes);
    double slowest = 0;
    uint64_t duplicated = 0;
    uint64_t reordered = 0;
    uint64_t fades = 0;
    for (uint32_t run = 1; run <= kSeeds; ++run)
    {
        Outcome o = RunOne(c, run);
        EXPECT_EQ(o.upBytes, c.bytes) << "run " << run;
        EXPECT_EQ(o.upHash, up) << "run " << run;
        EXPECT_EQ(o.downBytes, c.bytes) << "run " << run;
        EXPECT_EQ(o.downHash, down) << "run " << run;
        slowest = std::max(slowest, o.seconds);
        duplicated += o.duplicated;
        reordered += o.reordered;
        fades += o.fades;
    }
    // The impairment must really have happened, or the row proves nothing.
    if (c.duplicate > 0)
    {
        EXPECT_GT(duplicated, 100u);
    }
    if (c.reorder > 0)
    {
        EXPECT_GT(reordered, 100u);
    }
    if (c.fadeMs > 0)
    {
        EXPECT_GE(fades, 2 * kSeeds); // at least two fades per run on average
    }
    std::cout << c.name << ": " << kSeeds << " seeds x " << c.bytes << " B each way intact, "
              << "slowest done at " << slowest << " s simulated, " << fades << " fades, "
              << duplicated << " frames duplicated, " << reordered << " reordered\n";
}

INSTANTIATE_TEST_SUITE_P(Conditions,
                         IntegrityMatrix,
                         ::testing::Values(Condition{"clean"},
                                           Condition{"loss10", 0.1},
                                           Condition{"loss30", 0.3},
                                           Condition{"loss50", 0.5},
                                           Condition{"fade50ms", 0, 50, 0, 0, kFadeBytes},
                                           Condition{"fade200ms", 0, 200, 0, 0, kFadeBytes},
                                           Condition{"fade500ms", 0, 500, 0, 0, kFadeBytes},
                                           Condition{"fade500msLoss10", 0.1, 500, 0, 0, kFadeBytes},
                                           Condition{"duplicate10", 0, 0, 0.1},
                                           Condition{"reorder10", 0, 0, 0, 0.1},
                                           Condition{
                                               "loss30Duplicate10Reorder10", 0.3, 0, 0.1, 0.1}),
                         [](const auto& info) { return info.param.name; });

} // namespace
