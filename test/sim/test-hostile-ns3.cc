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
#include "ns3/resoa-helper.h"

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/ep-message.h"
#include "ns3/internet-module.h"
#include "ns3/lhp-frame.h"
#include "ns3/lhp-helper.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/stream-pattern.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <map>
#include <random>

using namespace ns3;

namespace
{

constexpr uint64_t kUploadBytes = 8 * 1024 * 1024;
constexpr uint64_t kSeed = 0x5EED00A7;
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
constexpr int kEpGarbage = 300;
constexpr uint32_t kSocketFlood = 200;
constexpr uint32_t kSocketLimit = 64; //!< ResoaServer::SocketLimit's default

/// Sends its share of the pattern stream on a socket, then closes it.
class PatternSender
{
  public:
    void Start(Ptr<Node> node, Address to)
    {
        m_socket = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        m_socket->SetSendCallback(MakeCallback(&PatternSender::OnSpace, this));
        m_socket->SetConnectCallback(MakeCallback(&PatternSender::OnConnected, this),
                                     MakeNullCallback<void, Ptr<Socket>>());
        m_socket->Connect(to);
        started = Simulator::Now();
    }

    Time started;

  private:
    void OnConnected(Ptr<Socket>)
    {
        Push();
    }

    void OnSpace(Ptr<Socket>, uint32_t)
    {
        Push();
    }

    void Push()
    {
        uint8_t buf[4096];
        while (m_sent < kUploadBytes)
        {
            uint32_t n = std::min<uint64_t>(
                {sizeof(buf), kUploadBytes - m_sent, uint64_t(m_socket->GetTxAvailable())});
            if (n == 0)
            {
                return;
            }
            for (uint32_t i = 0; i < n; ++i)
            {
                buf[i] = resoa::PatternByte(kSeed, m_sent + i);
            }
            int r = m_socket->Send(buf, n, 0);
            if (r <= 0)
            {
                return;
            }
            m_sent += r;
        }
        m_socket->Close();
    }

    Ptr<Socket> m_socket;
    uint64_t m_sent = 0;
};

/// Hashes what the host's sink receives and notes when the last byte came.
struct SinkRecorder
{
    resoa::StreamHash hash;
    Time last;

    void Rx(Ptr<const Packet> p, const Address&)
    {
        std::vector<uint8_t> b(p->GetSize());
        p->CopyData(b.data(), b.size());
        hash.Update(b.data(), b.size());
        last = Simulator::Now();
    }
};

std::vector<uint8_t>
Frame(resoa::LhpFrameType type,
      uint32_t connId,
      std::vector<uint8_t> payload = {},
      uint8_t flags = 0)
{
    resoa::LhpFrame f;
    f.type = type;
    f.connId = connId;
    f.flags = flags;
    f.payload = std::move(payload);
    return resoa::EncodeLhpFrame(f);
}

std::vector<uint8_t>
ConnectParams(uint32_t nonce)
{
    resoa::LhpConnectParams p;
    p.maxPayload = 1476;
    p.window = 32;
    p.nonce = nonce;
    std::vector<uint8_t> out;
    resoa::EncodeConnectParams(p, out);
    return out;
}

Mac48Address
RandomMac(std::mt19937& rng)
{
    uint8_t m[6];
    for (auto& b : m)
    {
        b = static_cast<uint8_t>(rng());
    }
    m[0] = static_cast<uint8_t>((m[0] & 0xf0) | 0x06); // locally administered, unicast
    Mac48Address a;
    a.CopyFrom(m);
    return a;
}

/// What one EpAttacker got back.
struct EpAttackCounts
{
    uint32_t registered = 0;
    uint32_t refused = 0; //!< Registered with ECONNREFUSED
    bool garbageSession = false;
    uint32_t repliesToGarbage = 0;
    uint32_t socketsOk = 0;
    uint32_t socketsEmfile = 0;
};

/**
 * An attacker with a real LhpProtocol: opens links to the server, registers on each, and on
 * the first session the server registers sends EP garbage, then raw EP Socket creates beyond
 * the server's per-client limit. Counts every answer.
 */
class EpAttacker
{
  public:
    EpAttacker(Ptr<LhpProtocol> lhp, Address server)
        : m_lhp(lhp)
        , m_server(server)
    {
        lhp->SetConnectionCallback(MakeCallback(&EpAttacker::OnConnection, this));
        lhp->SetReceiveCallback(MakeCallback(&EpAttacker::OnSdu, this));
        lhp->SetSendSpaceCallback(MakeCallback(&EpAttacker::Flush, this));
    }

    void Connect(uint32_t links)
    {
        for (uint32_t i = 0; i < links; ++i)
        {
            m_lhp->Connect(m_server);
        }
    }

    /// Set on every attacker: the first one the server registers does the EP attacks.
    bool* epAttackDone = nullptr;
    std::mt19937 rng{7};
    EpAttackCounts counts;

  private:
    void OnConnection(LhpProtocol::Handle h, LhpProtocol::ConnectionEvent ev, const Address&)
    {
        if (ev == LhpProtocol::CONNECTION_UP)
        {
            resoa::EpMessage m;
            m.type = resoa::EpType::Register;
            m.name = "attacker";
            Queue(h, resoa::EncodeEpMessage(m));
        }
    }

    void OnSdu(LhpProtocol::Handle h, resoa::LhpChannel, Ptr<Packet> sdu)
    {
        std::vector<uint8_t> b(sdu->GetSize());
        sdu->CopyData(b.data(), b.size());
        resoa::EpMessage m;
        if (resoa::DecodeEpMessage(b.data(), b.size(), m) != resoa::DecodeError::Ok)
        {
            return;
        }
        if (m.type == resoa::EpType::Registered)
        {
            counts.registered += m.error == 0;
            counts.refused += m.error == resoa::ep_errno::kEconnrefused;
            if (m.error == 0 && !*epAttackDone)
            {
                *epAttackDone = true;
                counts.garbageSession = true;
                m_garbageHandle = h;
                SendGarbageThenSockets(h);
            }
        }
        else if (counts.garbageSession && h == m_garbageHandle &&
                 m.type == resoa::EpType::Response && m.rsockId >= 1 && m.rsockId <= kSocketFlood)
        {
            counts.socketsOk += m.error == 0;
            counts.socketsEmfile += m.error == resoa::ep_errno::kEmfile;
        }
        else if (counts.garbageSession && h == m_garbageHandle)
        {
            ++counts.repliesToGarbage; // anything else on that session answers the garbage
        }
    }

    /// The recipes of test-hostile.cc's SendEpGarbage: every one fails EP decoding.
    void SendGarbageThenSockets(LhpProtocol::Handle h)
    {
        for (int i = 0; i < kEpGarbage; ++i)
        {
            resoa::EpMessage m;
            m.type = resoa::EpType::Register;
            std::vector<uint8_t> sdu = resoa::EncodeEpMessage(m);
            switch (i % 5)
            {
                case 0: // an EP type this version does not define
                    sdu[1] = static_cast<uint8_t>(resoa::kEpTypeMax + 1 +
                                                  rng() % (255 - resoa::kEpTypeMax));
                    break;
                case 1: // a future version
                    sdu[0] = static_cast<uint8_t>(2 + rng() % 254);
                    break;
                case 2: // body length beyond what follows
                    sdu[15] = static_cast<uint8_t>(sdu[15] + 1 + rng() % 200);
                    break;
                case 3: // random bytes, never version 1
                    sdu.resize(1 + rng() % 1400);
                    for (auto& b : sdu)
                    {
                        b = static_cast<uint8_t>(rng());
                    }
                    sdu[0] = 0;
                    break;
                default: // unknown flag bits on a valid type
                    sdu[2] = 0x80;
                    break;
            }
            Queue(h, std::move(sdu));
        }
        for (uint32_t i = 1; i <= kSocketFlood; ++i)
        {
            resoa::EpMessage m;
            m.type = resoa::EpType::Socket;
            m.sockType = resoa::EpSockType::Stream;
            m.rsockId = i;
            m.requestId = i;
            Queue(h, resoa::EncodeEpMessage(m));
        }
    }

    void Queue(LhpProtocol::Handle h, std::vector<uint8_t> sdu)
    {
        m_queues[h].push_back(std::move(sdu));
        Flush(h);
    }

    void Flush(LhpProtocol::Handle h)
    {
        auto& q = m_queues[h];
        while (!q.empty() && m_lhp->Send(h, resoa::LhpChannel::Reliable, q.front()))
        {
            q.pop_front();
        }
    }

    Ptr<LhpProtocol> m_lhp;
    Address m_server;
    LhpProtocol::Handle m_garbageHandle = 0;
    std::map<LhpProtocol::Handle, std::deque<std::vector<uint8_t>>> m_queues;
};

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
struct Outcome
{
    uint64_t bytes = 0;
    uint64_t hash = 0;
    double goodputMbps = 0;
    resoa::LhpEndpointStats endpoint;
    resoa::LhpStats links;
    resoa::EpServerStats ep;
    RawCounts raw;
    std::vector<EpAttackCounts> attackers;
    uint32_t honestLinkDowns = 0; //!< the honest client's LinkDown trace
    uint32_t serverLinkDownsOfHonest = 0;
    bool honestRegistered = false;
    size_t linksAtPeak = 0; //!< most server links at once (sampled every 10 ms)
    size_t linksAtEnd = 0;
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

/**
 * Garbage that fails LHP decoding whatever Ethernet padding follows it (CSMA pads every
 * frame to 46 bytes of payload with zeros, as Ethernet does): a wrong version, an unknown
 * type, channel or flag bits, or a declared length beyond the frame or above kLhpMaxPayload.
 */
std::vector<uint8_t>
Malformed(std::mt19937& rng)
{
    const uint32_t id = rng() | 1;
    std::vector<uint8_t> p;
    switch (rng() % 5)
    {
        case 0: // random bytes, random length, never version 1
            p.resize(1 + rng() % 1400);
            for (auto& b : p)
            {
                b = static_cast<uint8_t>(rng());
            }
            p[0] = static_cast<uint8_t>(p[0] == resoa::kLhpVersion ? 0 : p[0]);
            break;
        case 1: // declares more than the frame holds, or more than any frame may
            p = Frame(resoa::LhpFrameType::Data, id, std::vector<uint8_t>(100, 0xab));
            p[22] = rng() % 2 ? 0xff : 0x01; // 0xffxx > kLhpMaxPayload; 0x01xx > 100
            break;
        case 2: // unknown LHP type
            p = Frame(resoa::LhpFrameType::Keepalive, id);
            p[1] = static_cast<uint8_t>(rng() % 2 ? 0 : 8 + rng() % 248);
            break;
        case 3: // unknown LHP version
            p = Frame(resoa::LhpFrameType::Connect, id, ConnectParams(rng() | 1));
            p[0] = static_cast<uint8_t>(2 + rng() % 254);
            break;
        default: // unknown channel or flag bits
            p = Frame(resoa::LhpFrameType::Ack, id, {}, resoa::kFlagAck);
            p[rng() % 2 ? 3 : 2] = static_cast<uint8_t>(0x10 + rng() % 0xf0);
            break;
    }
    return p;
}

/// Valid frames that name no link: a truncated header becomes one of these on Ethernet
/// (its zero padding reads as the rest of a header), and so do Data/Ack/Keepalive frames
/// from unregistered MACs.
std::vector<uint8_t>
NoLink(std::mt19937& rng)
{
    // The high bytes are never zero: a truncated header keeps a non-zero connection id.
    const uint32_t id = rng() | 0x01010001;
    switch (rng() % 4)
    {
        case 0:
        {
            std::vector<uint8_t> p = Frame(resoa::LhpFrameType::Keepalive, id);
            p.resize(6 + rng() % 2); // a truncated header, cut inside the connection id
            return p;
        }
        case 1:
            return Frame(resoa::LhpFrameType::Data, id, std::vector<uint8_t>(200, 7));
        case 2:
            return Frame(resoa::LhpFrameType::Ack, id, {}, resoa::kFlagAck);
        default:
            return Frame(resoa::LhpFrameType::Keepalive, id);
    }
}

/// The honest (MAC, connection id) as the server knows it.
uint32_t
HonestConnId(Ptr<LhpProtocol> serverLhp, Mac48Address honest)
{
    uint8_t mac[6];
    honest.CopyTo(mac);
    const resoa::LhpPeerAddress want(mac, 6);
    uint32_t id = 0;
    serverLhp->GetEndpoint().ForEachLink(
        [&](resoa::LhpHandle, const resoa::LhpPeerAddress& peer, const resoa::LhpLink& link)
        {
            if (peer == want && link.GetState() == resoa::LhpState::Open)
            {
                id = link.GetConnId();
            }
        });
    return id;
}

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
        raw.At(t, RandomMac(rng), NoLink(rng), &RawCounts::noLink);
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
                std::vector<uint8_t> token;
                if (i % 2)
                {
                    token = {uint8_t(r()), uint8_t(r()), uint8_t(r()), uint8_t(r())};
                }
                raw.At(MicroSeconds(100 * i),
                       honest,
                       Frame(resoa::LhpFrameType::Close, id, token),
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
    const Mac48Address honestMac = Mac48Address::ConvertFrom(lanDevs.Get(0)->GetAddress());
    honest->GetLhp()->TraceConnectWithoutContext(
        "LinkDown",
        MakeBoundCallback(
            +[](uint32_t* n, LhpProtocol::Handle, Address) { ++*n; }, &out.honestLinkDowns));
    std::pair<uint32_t*, Mac48Address> serverWatch(&out.serverLinkDownsOfHonest, honestMac);
    serverLhp->TraceConnectWithoutContext(
        "LinkDown",
        MakeBoundCallback(
            +[](std::pair<uint32_t*, Mac48Address>* c, LhpProtocol::Handle, Address peer)
            { *c->first += Mac48Address::ConvertFrom(peer) == c->second; },
            &serverWatch));

    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 9));
    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(host).Get(0));
    SinkRecorder rec;
    sink->TraceConnectWithoutContext("Rx", MakeCallback(&SinkRecorder::Rx, &rec));
    PatternSender sender;
    Simulator::Schedule(Seconds(0.5),
                        [&] { sender.Start(client, InetSocketAddress(wanIfs.GetAddress(1), 9)); });

    std::mt19937 rng(20261202);
    LhpHelper lhpHelper;
    std::vector<std::unique_ptr<EpAttacker>> eps;
    bool epAttackDone = false;
    // The attacker's queue holds its whole attack: the honest upload keeps the channel busy,
    // and a frame its own queue dropped would be an attack never made.
    Ptr<CsmaNetDevice> rawDev = DynamicCast<CsmaNetDevice>(lanDevs.Get(1));
    rawDev->GetQueue()->SetMaxSize(QueueSize("100000p"));
    RawAttacker raw(rawDev, Mac48Address::ConvertFrom(serverDev->GetAddress()), out.raw);
    if (attack)
    {
        for (uint32_t i = 0; i < kAttackerNodes; ++i)
        {
            eps.push_back(std::make_unique<EpAttacker>(lhpHelper.Install(lanDevs.Get(2 + i)),
                                                       serverDev->GetAddress()));
            eps.back()->epAttackDone = &epAttackDone;
            EpAttacker* a = eps.back().get();
            Simulator::Schedule(Seconds(0.55) + MilliSeconds(5 * i), [a] { a->Connect(4); });
        }
        ScheduleRawAttacks(raw,
                           serverLhp,
                           honestMac,
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
    // Long enough for the fake links to die (DeadTimeout 5 s) and be reaped.
    Simulator::Stop(Seconds(7));
    Simulator::Run();

    out.bytes = rec.hash.Bytes();
    out.hash = rec.hash.Value();
    out.goodputMbps = (rec.last - sender.started).GetSeconds() > 0
                          ? out.bytes * 8.0 / (rec.last - sender.started).GetSeconds() / 1e6
                          : 0;
    out.endpoint = serverLhp->GetEndpointStats();
    out.links = serverLhp->GetTotalStats();
    out.ep = srv->GetEngine()->GetStats();
    out.honestRegistered = honest->IsRegistered();
    out.linksAtEnd = serverLhp->GetEndpoint().GetLinkCount();
    for (auto& a : eps)
    {
        out.attackers.push_back(a->counts);
    }
    Simulator::Destroy();
    return out;
}

TEST(HostileNs3, AttacksAreDroppedAndCountedAndTheHonestUploadKeepsItsGoodput)
{
    const Outcome base = RunScenario(false);
    const Outcome att = RunScenario(true);
    const uint64_t want = resoa::PatternHash(kSeed, kUploadBytes);

    // The honest upload: every byte, in order, both times.
    EXPECT_EQ(base.bytes, kUploadBytes);
    EXPECT_EQ(base.hash, want);
    EXPECT_EQ(att.bytes, kUploadBytes);
    EXPECT_EQ(att.hash, want);
    EXPECT_TRUE(att.honestRegistered);
    EXPECT_EQ(att.honestLinkDowns, 0u);
    EXPECT_EQ(att.serverLinkDownsOfHonest, 0u);
    EXPECT_EQ(base.endpoint.badFrames, 0u);
    std::printf("honest goodput: baseline %.1f Mbit/s, under attack %.1f Mbit/s (%.0f %%)\n",
                base.goodputMbps,
                att.goodputMbps,
                100 * att.goodputMbps / base.goodputMbps);
    EXPECT_GE(att.goodputMbps, 0.8 * base.goodputMbps); // measured 94 %

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
    std::printf("server LHP: badFrames %llu, unknownConnection %llu, statelessCloseReplies "
                "%llu (+%llu not queued), forgedCloses %llu, restartChallenges %llu, "
                "forgedConnects %llu, restarts %llu, accepted %llu, refusedPerPeerCap %llu, "
                "refusedGlobalCap %llu, links at peak %zu, at end %zu\n",
                (unsigned long long)e.badFrames,
                (unsigned long long)e.unknownConnection,
                (unsigned long long)e.statelessCloseReplies,
                (unsigned long long)e.statelessRepliesDropped,
                (unsigned long long)att.links.forgedCloses,
                (unsigned long long)e.restartChallenges,
                (unsigned long long)e.forgedConnects,
                (unsigned long long)e.restarts,
                (unsigned long long)e.accepted,
                (unsigned long long)e.refusedPerPeerCap,
                (unsigned long long)e.refusedGlobalCap,
                att.linksAtPeak,
                att.linksAtEnd);
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
    // 4: registrations beyond MaxClients are refused (the honest client holds one place).
    uint32_t registered = 0;
    uint32_t refused = 0;
    const EpAttackCounts* garbage = nullptr;
    for (const EpAttackCounts& a : att.attackers)
    {
        registered += a.registered;
        refused += a.refused;
        garbage = a.garbageSession ? &a : garbage;
    }
    EXPECT_EQ(registered, kMaxClients - 1);
    EXPECT_EQ(refused, kAttackerNodes * 4 - (kMaxClients - 1));
    EXPECT_EQ(att.ep.clientsRefused, uint64_t(refused));
    // 5: EP garbage on the attacker's own registered session: dropped, never answered.
    ASSERT_NE(garbage, nullptr);
    EXPECT_EQ(att.ep.decodeErrors, uint64_t(kEpGarbage));
    EXPECT_EQ(garbage->repliesToGarbage, 0u);
    // 6: raw Socket creates past the per-client limit: EMFILE, nothing created.
    EXPECT_EQ(garbage->socketsOk, kSocketLimit);
    EXPECT_EQ(garbage->socketsEmfile, kSocketFlood - kSocketLimit);
    EXPECT_EQ(att.ep.limitRejected, uint64_t(kSocketFlood - kSocketLimit));
    std::printf("server EP: clientsRefused %llu, decodeErrors %llu, limitRejected %llu\n",
                (unsigned long long)att.ep.clientsRefused,
                (unsigned long long)att.ep.decodeErrors,
                (unsigned long long)att.ep.limitRejected);
}

} // namespace
