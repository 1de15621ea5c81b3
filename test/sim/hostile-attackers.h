/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * What the ns-3 hostile-input tests share (docs/security.md, "Hostile input", ns-3 part):
 * the honest ReSoA upload they protect, the attackers that run a real LhpProtocol
 * (registration flood, EP garbage, socket flood), the frame recipes of the raw attackers, and
 * the checks both links make. test-hostile-ns3.cc runs them on CSMA Ethernet,
 * test-hostile-wifi.cc on 802.11a.
 */
#ifndef RESOA_TEST_HOSTILE_ATTACKERS_H
#define RESOA_TEST_HOSTILE_ATTACKERS_H

#include "ns3/resoa-helper.h"
#include "pattern-push.h"

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/ep-message.h"
#include "ns3/internet-module.h"
#include "ns3/lhp-frame.h"
#include "ns3/lhp-helper.h"
#include "ns3/network-module.h"
#include "ns3/stream-pattern.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <map>
#include <random>

namespace resoa_test
{

using namespace ns3;

constexpr uint64_t kHostileSeed = 0x5EED00A7; //!< the honest upload's pattern stream
constexpr int kEpGarbage = 300;
constexpr uint32_t kSocketFlood = 200;
constexpr uint32_t kSocketLimit = 64; //!< ResoaServer::SocketLimit's default

/// Sends `bytes` of the pattern stream on a socket, then closes it.
class PatternSender
{
  public:
    void Start(Ptr<Node> node, Address to, uint64_t bytes)
    {
        m_bytes = bytes;
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
        m_sent = PushPattern(m_socket, kHostileSeed, m_sent, m_bytes);
        if (m_sent < m_bytes)
        {
            return;
        }
        m_socket->Close();
    }

    Ptr<Socket> m_socket;
    uint64_t m_bytes = 0;
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

/// What the honest side of one run measured, on either link.
struct HonestOutcome
{
    uint64_t bytes = 0;
    uint64_t hash = 0;
    double goodputMbps = 0;
    resoa::LhpEndpointStats endpoint;
    resoa::LhpStats links;
    resoa::EpServerStats ep;
    std::vector<EpAttackCounts> attackers;
    uint32_t honestLinkDowns = 0; //!< the honest client's LinkDown trace
    uint32_t serverLinkDownsOfHonest = 0;
    Mac48Address honestMac; //!< whose LinkDowns serverLinkDownsOfHonest counts
    bool honestRegistered = false;
    size_t linksAtEnd = 0;
};

/**
 * The honest ReSoA client's upload to the host: a pattern stream on a TCP socket of the
 * client's (ReSoA) socket factory, hashed at the host's sink. Watches both ends of the
 * client's LHP link for a LinkDown.
 */
class HonestUpload
{
  public:
    HonestUpload(Ptr<ResoaClient> client,
                 Ptr<LhpProtocol> serverLhp,
                 Ptr<Node> host,
                 Address to,
                 Time start,
                 uint64_t bytes,
                 HonestOutcome& out)
        : m_client(client)
        , m_out(out)
    {
        out.honestMac = Mac48Address::ConvertFrom(client->GetLhp()->GetDevice()->GetAddress());
        client->GetLhp()->TraceConnectWithoutContext(
            "LinkDown",
            MakeBoundCallback(
                +[](uint32_t* n, LhpProtocol::Handle, Address) { ++*n; }, &out.honestLinkDowns));
        serverLhp->TraceConnectWithoutContext(
            "LinkDown",
            MakeBoundCallback(
                +[](HonestOutcome* o, LhpProtocol::Handle, Address peer)
                { o->serverLinkDownsOfHonest += Mac48Address::ConvertFrom(peer) == o->honestMac; },
                &out));
        const uint16_t port = InetSocketAddress::ConvertFrom(to).GetPort();
        PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                    InetSocketAddress(Ipv4Address::GetAny(), port));
        Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkHelper.Install(host).Get(0));
        sink->TraceConnectWithoutContext("Rx", MakeCallback(&SinkRecorder::Rx, &m_rec));
        Ptr<Node> node = client->GetLhp()->GetDevice()->GetNode();
        Simulator::Schedule(start, [this, node, to, bytes] { m_sender.Start(node, to, bytes); });
    }

    /// Fills the honest side of the outcome; call after Simulator::Run, before Destroy.
    void Collect(Ptr<ResoaServer> server, Ptr<LhpProtocol> serverLhp)
    {
        m_out.bytes = m_rec.hash.Bytes();
        m_out.hash = m_rec.hash.Value();
        const double seconds = (m_rec.last - m_sender.started).GetSeconds();
        m_out.goodputMbps = seconds > 0 ? m_out.bytes * 8.0 / seconds / 1e6 : 0;
        m_out.endpoint = serverLhp->GetEndpointStats();
        m_out.links = serverLhp->GetTotalStats();
        m_out.ep = server->GetEngine()->GetStats();
        m_out.honestRegistered = m_client->IsRegistered();
        m_out.linksAtEnd = serverLhp->GetEndpoint().GetLinkCount();
    }

  private:
    Ptr<ResoaClient> m_client;
    HonestOutcome& m_out;
    PatternSender m_sender;
    SinkRecorder m_rec;
};

inline std::vector<uint8_t>
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

inline std::vector<uint8_t>
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

inline Mac48Address
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

/// Prints the server's LHP counters that the attacks should move, for the test log.
inline void
PrintServerCounters(const HonestOutcome& o)
{
    const resoa::LhpEndpointStats& e = o.endpoint;
    std::printf("server LHP: badFrames %llu, unknownConnection %llu, statelessCloseReplies "
                "%llu (+%llu not queued), forgedCloses %llu, restartChallenges %llu, "
                "forgedConnects %llu, restarts %llu, accepted %llu, refusedPerPeerCap %llu, "
                "refusedGlobalCap %llu, links at end %zu\n",
                (unsigned long long)e.badFrames,
                (unsigned long long)e.unknownConnection,
                (unsigned long long)e.statelessCloseReplies,
                (unsigned long long)e.statelessRepliesDropped,
                (unsigned long long)o.links.forgedCloses,
                (unsigned long long)e.restartChallenges,
                (unsigned long long)e.forgedConnects,
                (unsigned long long)e.restarts,
                (unsigned long long)e.accepted,
                (unsigned long long)e.refusedPerPeerCap,
                (unsigned long long)e.refusedGlobalCap,
                o.linksAtEnd);
}

/// Runs the scenario to 7 s, long enough for the fake links to die (DeadTimeout 5 s) and be
/// reaped; then fills the honest side of `out` and every EP attacker's counts, and destroys
/// the simulation.
inline void
RunAndCollect(HonestUpload& upload,
              Ptr<ResoaServer> server,
              Ptr<LhpProtocol> serverLhp,
              const std::vector<std::unique_ptr<EpAttacker>>& eps,
              HonestOutcome& out)
{
    Simulator::Stop(Seconds(7));
    Simulator::Run();
    upload.Collect(server, serverLhp);
    for (const auto& a : eps)
    {
        out.attackers.push_back(a->counts);
    }
    Simulator::Destroy();
}

/**
 * Installs one EpAttacker per device; each opens `links` LHP links to the server from
 * `start` on (5 ms apart). The caller keeps `done` alive for the run.
 */
inline std::vector<std::unique_ptr<EpAttacker>>
LaunchEpAttackers(
    NetDeviceContainer devices, Address server, uint32_t links, Time start, bool* done)
{
    LhpHelper lhpHelper;
    std::vector<std::unique_ptr<EpAttacker>> eps;
    for (uint32_t i = 0; i < devices.GetN(); ++i)
    {
        eps.push_back(std::make_unique<EpAttacker>(lhpHelper.Install(devices.Get(i)), server));
        eps.back()->epAttackDone = done;
        EpAttacker* a = eps.back().get();
        Simulator::Schedule(start + MilliSeconds(5 * i), [a, links] { a->Connect(links); });
    }
    return eps;
}

/**
 * Garbage that fails LHP decoding whatever zero padding follows it (CSMA pads every frame to
 * 46 bytes of payload, as Ethernet does; Wi-Fi does not pad): a wrong version, an unknown
 * type, channel or flag bits, or a declared length beyond the frame or above kLhpMaxPayload.
 */
inline std::vector<uint8_t>
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

/**
 * A valid frame that names no link: Data, Ack or Keepalive. On a `padded` link (CSMA pads
 * every frame to 46 bytes with zeros, as Ethernet does) a quarter are headers cut inside the
 * connection id, which the padding turns back into a valid header for no link; where nothing
 * pads (Wi-Fi) a cut header fails decoding instead, so none are made.
 */
inline std::vector<uint8_t>
NoLink(std::mt19937& rng, bool padded)
{
    // The high bytes are never zero: a truncated header keeps a non-zero connection id.
    const uint32_t id = rng() | 0x01010001;
    switch (padded ? rng() % 4 : 1 + rng() % 3)
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

/// The nonce token of the i-th forged Close: none, or four random bytes (the attacker does
/// not know the link's nonce).
inline std::vector<uint8_t>
ForgedCloseToken(int i, std::mt19937& r)
{
    if (i % 2 == 0)
    {
        return {};
    }
    return {uint8_t(r()), uint8_t(r()), uint8_t(r()), uint8_t(r())};
}

/// The honest (MAC, connection id) as the server knows it.
inline uint32_t
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

/**
 * The honest upload arrived whole and in order in both runs, its link never went down, and
 * under attack it kept at least `minRatio` of the attack-free goodput.
 */
inline void
ExpectHonestUploadIntact(const HonestOutcome& base,
                         const HonestOutcome& att,
                         uint64_t bytes,
                         double minRatio)
{
    const uint64_t want = resoa::PatternHash(kHostileSeed, bytes);
    EXPECT_EQ(base.bytes, bytes);
    EXPECT_EQ(base.hash, want);
    EXPECT_EQ(att.bytes, bytes);
    EXPECT_EQ(att.hash, want);
    EXPECT_TRUE(att.honestRegistered);
    EXPECT_EQ(att.honestLinkDowns, 0u);
    EXPECT_EQ(att.serverLinkDownsOfHonest, 0u);
    EXPECT_EQ(base.endpoint.badFrames, 0u);
    std::printf("honest goodput: baseline %.1f Mbit/s, under attack %.1f Mbit/s (%.0f %%)\n",
                base.goodputMbps,
                att.goodputMbps,
                100 * att.goodputMbps / base.goodputMbps);
    EXPECT_GE(att.goodputMbps, minRatio * base.goodputMbps);
}

/**
 * The attackers' own LHP links: registrations beyond MaxClients were refused (the honest
 * client holds one place), the EP garbage on the first registered session was dropped and
 * never answered, and Socket creates past the per-client limit got EMFILE.
 */
inline void
ExpectEpAttacksRefused(const HonestOutcome& att, uint32_t maxClients, uint32_t attackerLinks)
{
    uint32_t registered = 0;
    uint32_t refused = 0;
    const EpAttackCounts* garbage = nullptr;
    for (const EpAttackCounts& a : att.attackers)
    {
        registered += a.registered;
        refused += a.refused;
        garbage = a.garbageSession ? &a : garbage;
    }
    EXPECT_EQ(registered, maxClients - 1);
    EXPECT_EQ(refused, attackerLinks - (maxClients - 1));
    EXPECT_EQ(att.ep.clientsRefused, uint64_t(refused));
    ASSERT_NE(garbage, nullptr);
    EXPECT_EQ(att.ep.decodeErrors, uint64_t(kEpGarbage));
    EXPECT_EQ(garbage->repliesToGarbage, 0u);
    EXPECT_EQ(garbage->socketsOk, kSocketLimit);
    EXPECT_EQ(garbage->socketsEmfile, kSocketFlood - kSocketLimit);
    EXPECT_EQ(att.ep.limitRejected, uint64_t(kSocketFlood - kSocketLimit));
    std::printf("server EP: registered %u, clientsRefused %llu, decodeErrors %llu, "
                "limitRejected %llu\n",
                registered,
                (unsigned long long)att.ep.clientsRefused,
                (unsigned long long)att.ep.decodeErrors,
                (unsigned long long)att.ep.limitRejected);
}

} // namespace resoa_test

#endif // RESOA_TEST_HOSTILE_ATTACKERS_H
