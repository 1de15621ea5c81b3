/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * LhpEndpoint: demultiplexing, accept, the stateless Close reply, linger, the restart
 * policy, admission caps, padding and garbage, fairness and queue ordering; and the LHP
 * window field (advertised by the receiver, honoured by the sender) and its bound.
 */
#include "lhp-endpoint.h"
#include "lhp-frame.h"
#include "lhp-link.h"

#include "core/lhp-endpoint-harness.h"
#include "core/lhp-link-harness.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>

namespace resoa
{
namespace test
{
namespace
{

using Kind = LhpEndpointEvent::Kind;

LhpEndpointConfig
Server(LhpEndpointConfig c = {})
{
    c.acceptIncoming = true;
    return c;
}

std::vector<std::uint8_t>
Bytes(std::uint8_t tag, std::size_t n)
{
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
    {
        v[i] = static_cast<std::uint8_t>(tag + i);
    }
    return v;
}

/// Two endpoints, client (node 0, MAC ..:01) and server (node 1, MAC ..:02).
struct Pair
{
    explicit Pair(LhpEndpointConfig serverConfig = Server(),
                  LhpEndpointConfig clientConfig = {},
                  LhpEndpoint::RandomSource clientRandom = SequenceRandom({}, 0x100))
        : client(clientConfig, std::move(clientRandom))
        , server(serverConfig, SequenceRandom({}, 0x900))
    {
        c = net.Add(client, MacAddr(1));
        s = net.Add(server, MacAddr(2));
    }

    /// Client connects; returns (client handle, server handle) once both are Up.
    std::pair<LhpHandle, LhpHandle> Open()
    {
        std::size_t ups = net.App(s).Count(Kind::Up);
        LhpHandle hc = client.Connect(MacAddr(2), net.Now());
        EXPECT_NE(hc, kLhpNoHandle);
        EXPECT_TRUE(net.RunUntil(
            [&] { return net.App(c).Count(Kind::Up, hc) == 1 && net.App(s).Count(Kind::Up) > ups; },
            std::chrono::seconds(5)));
        return {hc, net.App(s).Handles(Kind::Up).back()};
    }

    LhpEndpoint client;
    LhpEndpoint server;
    EndpointNet net;
    int c = 0;
    int s = 0;
};

// ---------------------------------------------------------------------------------------------
// Accept, data, demultiplexing

TEST(LhpEndpoint, AcceptsAndCarriesDataBothWays)
{
    Pair p;
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    EXPECT_EQ(*p.server.GetPeer(hs), MacAddr(1));
    EXPECT_EQ(*p.client.GetPeer(hc), MacAddr(2));
    EXPECT_EQ(p.server.GetLink(hs)->GetConnId(), p.client.GetLink(hc)->GetConnId());
    EXPECT_FALSE(p.server.GetLink(hs)->IsConnector());
    EXPECT_TRUE(p.client.GetLink(hc)->IsConnector());
    EXPECT_EQ(p.server.GetStats().accepted, 1u);
    EXPECT_EQ(p.client.GetStats().connected, 1u);

    Sdus up = MakeSdus(11, 200000, 1, 1400);
    Sdus down = MakeSdus(12, 150000, 1, 1400);
    Source su{up};
    Source sd{down};
    ASSERT_TRUE(p.net.RunUntil(
        [&]
        {
            while (su.next < su.sdus.size() &&
                   p.client.Send(hc, LhpChannel::Reliable, su.sdus[su.next], p.net.Now()))
            {
                ++su.next;
            }
            while (sd.next < sd.sdus.size() &&
                   p.server.Send(hs, LhpChannel::Reliable, sd.sdus[sd.next], p.net.Now()))
            {
                ++sd.next;
            }
            return p.net.App(p.s).Data(hs).size() == up.size() &&
                   p.net.App(p.c).Data(hc).size() == down.size();
        },
        std::chrono::seconds(60)));
    EXPECT_TRUE(SameSdus(up, p.net.App(p.s).Data(hs)));
    EXPECT_TRUE(SameSdus(down, p.net.App(p.c).Data(hc)));
    // Acks freed send space, and the endpoint said so.
    EXPECT_GT(p.net.App(p.c).Count(Kind::SendSpace, hc), 0u);
    // The server heard Up before the first byte.
    const auto& log = p.net.App(p.s).log;
    auto firstData = std::find_if(log.begin(), log.end(), [](const auto& i) { return !i.isEvent; });
    EXPECT_LT(p.net.App(p.s).IndexOf(Kind::Up, hs),
              static_cast<std::size_t>(firstData - log.begin()));

    // Orderly close; the last data comes before Closed.
    ASSERT_TRUE(p.client.Send(hc, LhpChannel::Reliable, {7, 7, 7}, p.net.Now()));
    p.client.Close(hc, p.net.Now());
    ASSERT_TRUE(p.net.RunUntil(
        [&]
        {
            return p.net.App(p.c).Count(Kind::Closed, hc) == 1 &&
                   p.net.App(p.s).Count(Kind::Closed, hs) == 1;
        },
        std::chrono::seconds(5)));
    EXPECT_EQ(p.net.App(p.s).Data(hs).back(), (std::vector<std::uint8_t>{7, 7, 7}));
    EXPECT_EQ(p.net.App(p.s).log.back().event.kind, Kind::Closed);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Dead), 0u);
    EXPECT_EQ(p.server.GetStats().badFrames + p.client.GetStats().badFrames, 0u);
}

TEST(LhpEndpoint, DemultiplexesTwoPeersAndTwoConnectionsFromOnePeer)
{
    // Client A and client C draw the same connection id (0x42): only the peer address
    // tells their connections apart at the server.
    LhpEndpoint a(LhpEndpointConfig{}, SequenceRandom({0x42, 0xA1, 0x43, 0xA2}));
    LhpEndpoint c(LhpEndpointConfig{}, SequenceRandom({0x42, 0xC1}));
    LhpEndpoint s(Server(), SequenceRandom({}, 0x900));
    EndpointNet net;
    int na = net.Add(a, MacAddr(1));
    int nc = net.Add(c, MacAddr(3));
    int ns = net.Add(s, MacAddr(2));
    LhpHandle a1 = a.Connect(MacAddr(2), net.Now());
    LhpHandle a2 = a.Connect(MacAddr(2), net.Now());
    LhpHandle c1 = c.Connect(MacAddr(2), net.Now());
    EXPECT_EQ(a.GetLink(a1)->GetConnId(), 0x42u);
    EXPECT_EQ(a.GetLink(a2)->GetConnId(), 0x43u);
    EXPECT_EQ(c.GetLink(c1)->GetConnId(), 0x42u);
    ASSERT_TRUE(
        net.RunUntil([&] { return net.App(ns).Count(Kind::Up) == 3; }, std::chrono::seconds(5)));
    std::vector<LhpHandle> hs = net.App(ns).Handles(Kind::Up);
    ASSERT_EQ(std::set<LhpHandle>(hs.begin(), hs.end()).size(), 3u);

    ASSERT_TRUE(a.Send(a1, LhpChannel::Reliable, Bytes(10, 100), net.Now()));
    ASSERT_TRUE(a.Send(a2, LhpChannel::Reliable, Bytes(20, 200), net.Now()));
    ASSERT_TRUE(c.Send(c1, LhpChannel::SemiReliable, Bytes(30, 300), net.Now()));
    net.RunFor(std::chrono::milliseconds(50));
    // Map each server handle to its (peer, id) and check it got exactly its client's data.
    int matched = 0;
    for (LhpHandle h : hs)
    {
        LhpPeerAddress peer = *s.GetPeer(h);
        std::uint32_t id = s.GetLink(h)->GetConnId();
        const EndpointApp& app = net.App(ns);
        if (peer == MacAddr(1) && id == 0x42)
        {
            EXPECT_EQ(app.Data(h), (Sdus{Bytes(10, 100)}));
            ++matched;
        }
        else if (peer == MacAddr(1) && id == 0x43)
        {
            EXPECT_EQ(app.Data(h), (Sdus{Bytes(20, 200)}));
            ++matched;
        }
        else if (peer == MacAddr(3) && id == 0x42)
        {
            EXPECT_TRUE(app.Data(h).empty());
            EXPECT_EQ(app.Data(h, LhpChannel::SemiReliable), (Sdus{Bytes(30, 300)}));
            ++matched;
        }
    }
    EXPECT_EQ(matched, 3);
    EXPECT_EQ(s.GetLinkCount(), 3u);
    EXPECT_EQ(s.GetStats().badConnects + s.GetStats().unknownConnection, 0u);
    (void)na;
    (void)nc;
}

TEST(LhpEndpoint, ConnectionIdsAreNonZeroAndUniquePerPeer)
{
    // The source repeats 5 and yields 0: ids skip both, nonces skip 0.
    LhpEndpoint a(LhpEndpointConfig{}, SequenceRandom({5, 9, 5, 0, 5, 7, 0, 8}));
    LhpHandle h1 = a.Connect(MacAddr(2), TimePoint{0});
    LhpHandle h2 = a.Connect(MacAddr(2), TimePoint{0});
    LhpHandle h3 = a.Connect(MacAddr(3), TimePoint{0});
    EXPECT_EQ(a.GetLink(h1)->GetConnId(), 5u);
    EXPECT_EQ(a.GetLink(h1)->GetNonce(), 9u);
    EXPECT_EQ(a.GetLink(h2)->GetConnId(), 7u);
    EXPECT_EQ(a.GetLink(h2)->GetNonce(), 8u);
    // Another peer may reuse an id: the key is (peer, id).
    EXPECT_NE(a.GetLink(h3)->GetConnId(), 0u);
    EXPECT_LT(h1, h2);
    EXPECT_LT(h2, h3);

    // A source that only repeats: Connect gives up instead of looping forever.
    LhpEndpoint b(LhpEndpointConfig{}, [] { return 5u; });
    EXPECT_NE(b.Connect(MacAddr(2), TimePoint{0}), kLhpNoHandle);
    EXPECT_EQ(b.Connect(MacAddr(2), TimePoint{0}), kLhpNoHandle);
}

// ---------------------------------------------------------------------------------------------
// Close, linger, the stateless reply

TEST(LhpEndpoint, ClosedLinkLingersThenIsReaped)
{
    LhpEndpointConfig sc = Server();
    sc.linger = std::chrono::seconds(2);
    Pair p(sc);
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    p.client.Close(hc, p.net.Now());
    ASSERT_TRUE(p.net.RunUntil([&] { return p.net.App(p.s).Count(Kind::Closed, hs) == 1; },
                               std::chrono::seconds(5)));
    TimePoint closedAt = *p.net.App(p.s).When(Kind::Closed, hs);
    ASSERT_NE(p.server.GetLink(hs), nullptr);
    EXPECT_EQ(p.server.GetLink(hs)->GetState(), LhpState::Closed);
    ASSERT_TRUE(p.server.NextDeadline().has_value());
    EXPECT_EQ(*p.server.NextDeadline(), closedAt + std::chrono::seconds(2));
    ASSERT_TRUE(
        p.net.RunUntil([&] { return p.server.GetLink(hs) == nullptr; }, std::chrono::seconds(10)));
    EXPECT_EQ(p.net.Now(), closedAt + std::chrono::seconds(2));
    EXPECT_EQ(p.server.GetLinkCount(), 0u);
    EXPECT_EQ(p.server.GetStats().linksReaped, 1u);
    // Reaping reports nothing more.
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Dead), 0u);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Closed), 1u);
    // The counters of the reaped link still add up.
    EXPECT_GT(p.server.GetTotalStats().framesReceived, 0u);
}

TEST(LhpEndpoint, LingerDefaultsToDeadTimeout)
{
    LhpEndpointConfig d;
    EXPECT_EQ(d.EffectiveLinger(), d.link.deadTimeout);
    d.link.deadTimeout = std::chrono::seconds(3);
    EXPECT_EQ(d.EffectiveLinger(), std::chrono::seconds(3));
    d.linger = Duration{0};
    EXPECT_EQ(d.EffectiveLinger(), Duration{0});

    Pair p;
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    p.client.Close(hc, p.net.Now());
    ASSERT_TRUE(p.net.RunUntil([&] { return p.net.App(p.s).Count(Kind::Closed, hs) == 1; },
                               std::chrono::seconds(5)));
    TimePoint closedAt = *p.net.App(p.s).When(Kind::Closed, hs);
    ASSERT_TRUE(
        p.net.RunUntil([&] { return p.server.GetLink(hs) == nullptr; }, std::chrono::seconds(20)));
    EXPECT_EQ(p.net.Now() - closedAt, LhpConfig{}.deadTimeout);
}

TEST(LhpEndpoint, AnswersCloseForReapedLinkStatelessly)
{
    LhpEndpointConfig sc = Server();
    sc.linger = std::chrono::milliseconds(100);
    Pair p(sc);
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    std::uint32_t id = p.client.GetLink(hc)->GetConnId();
    p.client.Close(hc, p.net.Now());
    ASSERT_TRUE(
        p.net.RunUntil([&] { return p.server.GetLinkCount() == 0; }, std::chrono::seconds(5)));

    // The client (a new endpoint there would do the same) retransmits its Close.
    LhpFrame close;
    close.type = LhpFrameType::Close;
    close.connId = id;
    LhpRxResult r = p.server.Receive(
        MacAddr(1), EncodeLhpFrame(close).data(), EncodeLhpFrame(close).size(), p.net.Now());
    EXPECT_EQ(r.outcome, LhpRxOutcome::StatelessCloseReply);
    EXPECT_EQ(r.handle, kLhpNoHandle);
    LhpPeerAddress to;
    std::vector<std::uint8_t> out;
    LhpTxInfo info;
    info.handle = 99;
    ASSERT_TRUE(p.server.PollTransmit(p.net.Now(), to, out, &info));
    EXPECT_EQ(to, MacAddr(1));
    EXPECT_EQ(info.handle, kLhpNoHandle);
    LhpFrame reply;
    ASSERT_EQ(DecodeLhpFrame(out.data(), out.size(), reply), DecodeError::Ok);
    EXPECT_EQ(reply.type, LhpFrameType::Close);
    EXPECT_EQ(reply.flags, kFlagResponse);
    EXPECT_EQ(reply.connId, id);
    EXPECT_FALSE(p.server.PollTransmit(p.net.Now(), to, out));
    EXPECT_EQ(p.server.GetStats().statelessCloseReplies, 1u);
    EXPECT_EQ(p.server.GetLinkCount(), 0u) << "a stateless reply creates no state";

    // A Close|Response for no link is not answered (no ping-pong).
    close.flags = kFlagResponse;
    std::vector<std::uint8_t> b = EncodeLhpFrame(close);
    EXPECT_EQ(p.server.Receive(MacAddr(1), b.data(), b.size(), p.net.Now()).outcome,
              LhpRxOutcome::UnknownConnection);
    EXPECT_FALSE(p.server.PollTransmit(p.net.Now(), to, out));
    EXPECT_EQ(p.server.GetStats().unknownConnection, 1u);
}

TEST(LhpEndpoint, LostCloseResponseWithoutLingerStillEndsClosed)
{
    // Linger 0: the server reaps the link as it closes. Its first Close|Response is lost;
    // the retransmitted Close is answered statelessly, so the client ends Closed, not Dead.
    LhpEndpointConfig sc = Server();
    sc.linger = Duration{0};
    Pair p(sc);
    int dropped = 0;
    p.net.SetDropFilter(
        [&](int from, const LhpFrame& f)
        {
            if (from == 1 && f.type == LhpFrameType::Close && (f.flags & kFlagResponse) &&
                dropped == 0)
            {
                ++dropped;
                return true;
            }
            return false;
        });
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    p.client.Close(hc, p.net.Now());
    ASSERT_TRUE(p.net.RunUntil([&] { return p.net.App(p.c).Count(Kind::Closed, hc) == 1; },
                               std::chrono::seconds(10)));
    EXPECT_EQ(dropped, 1);
    EXPECT_EQ(p.net.App(p.c).Count(Kind::Dead), 0u);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Closed, hs), 1u);
    EXPECT_EQ(p.server.GetLink(hs), nullptr);
    EXPECT_EQ(p.server.GetStats().statelessCloseReplies, 1u);
    EXPECT_EQ(p.net.Sent(p.c, LhpFrameType::Close), 2u);
}

// ---------------------------------------------------------------------------------------------
// Restart policy and duplicate Connects

TEST(LhpEndpoint, RestartedPeerReplacesOldLink)
{
    Pair p(Server(), LhpEndpointConfig{}, SequenceRandom({0x77, 0x1111}));
    LhpHandle hc, hs1;
    std::tie(hc, hs1) = p.Open();
    ASSERT_TRUE(p.client.Send(hc, LhpChannel::Reliable, Bytes(1, 50), p.net.Now()));
    p.net.RunFor(std::chrono::milliseconds(20));
    ASSERT_EQ(p.net.App(p.s).Data(hs1).size(), 1u);
    EXPECT_EQ(p.server.GetLink(hs1)->GetPeerNonce(), 0x1111u);

    // The client host restarts: same MAC, its random source restarts too, so it reuses the
    // connection id 0x77 -- with another nonce.
    LhpEndpoint reborn(LhpEndpointConfig{}, SequenceRandom({0x77, 0x2222}));
    p.net.Replace(p.c, reborn);
    LhpHandle hc2 = reborn.Connect(MacAddr(2), p.net.Now());
    ASSERT_EQ(reborn.GetLink(hc2)->GetConnId(), 0x77u);
    ASSERT_TRUE(p.net.RunUntil([&] { return p.net.App(p.s).Count(Kind::Up) == 2; },
                               std::chrono::seconds(5)));
    LhpHandle hs2 = p.net.App(p.s).Handles(Kind::Up).back();
    EXPECT_GT(hs2, hs1) << "handles are never reused";
    // The old handle is reported dead, before the new one comes up.
    ASSERT_EQ(p.net.App(p.s).Count(Kind::Dead, hs1), 1u);
    EXPECT_LT(p.net.App(p.s).IndexOf(Kind::Dead, hs1), p.net.App(p.s).IndexOf(Kind::Up, hs2));
    EXPECT_EQ(p.server.GetLink(hs1), nullptr);
    EXPECT_EQ(p.server.GetStats().restarts, 1u);
    EXPECT_EQ(p.server.GetStats().accepted, 2u);
    EXPECT_EQ(p.server.GetLinkCount(), 1u);
    EXPECT_EQ(p.server.GetLink(hs2)->GetPeerNonce(), 0x2222u);
    // The new incarnation starts from scratch.
    ASSERT_TRUE(reborn.Send(hc2, LhpChannel::Reliable, Bytes(2, 60), p.net.Now()));
    p.net.RunFor(std::chrono::milliseconds(20));
    EXPECT_EQ(p.net.App(p.s).Data(hs2), (Sdus{Bytes(2, 60)}));
    EXPECT_EQ(p.net.App(p.s).Data(hs1).size(), 1u);
}

TEST(LhpEndpoint, RestartedPeerOnLingeringLinkJustReplacesIt)
{
    Pair p(Server(), LhpEndpointConfig{}, SequenceRandom({0x77, 0x1111}));
    LhpHandle hc, hs1;
    std::tie(hc, hs1) = p.Open();
    p.client.Close(hc, p.net.Now());
    ASSERT_TRUE(p.net.RunUntil([&] { return p.net.App(p.s).Count(Kind::Closed, hs1) == 1; },
                               std::chrono::seconds(5)));
    ASSERT_NE(p.server.GetLink(hs1), nullptr); // lingering
    LhpEndpoint reborn(LhpEndpointConfig{}, SequenceRandom({0x77, 0x2222}));
    p.net.Replace(p.c, reborn);
    reborn.Connect(MacAddr(2), p.net.Now());
    ASSERT_TRUE(p.net.RunUntil([&] { return p.net.App(p.s).Count(Kind::Up) == 2; },
                               std::chrono::seconds(5)));
    EXPECT_EQ(p.server.GetLink(hs1), nullptr);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Dead), 0u) << "a closed link is not reported again";
    EXPECT_EQ(p.server.GetStats().restarts, 0u);
}

TEST(LhpEndpoint, DuplicateConnectSameNonceIsAnsweredByTheExistingLink)
{
    Pair p;
    int accepts = 0;
    p.net.SetDropFilter([&](int from, const LhpFrame& f)
                        { return from == 1 && f.type == LhpFrameType::Accept && accepts++ == 0; });
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    EXPECT_EQ(p.net.Sent(p.c, LhpFrameType::Connect), 2u);
    EXPECT_EQ(p.net.Sent(p.s, LhpFrameType::Accept), 2u);
    EXPECT_EQ(p.server.GetStats().accepted, 1u);
    EXPECT_EQ(p.server.GetStats().restarts, 0u);
    EXPECT_EQ(p.server.GetLinkCount(), 1u);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Up), 1u);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Dead), 0u);
    EXPECT_EQ(p.server.GetLink(hs)->GetState(), LhpState::Open);
    EXPECT_EQ(p.client.GetLink(hc)->GetState(), LhpState::Open);
}

// ---------------------------------------------------------------------------------------------
// Spoofed frames: a sender that uses the client's address and knows the connection id, but
// cannot read the client's frames (so not its nonces).

TEST(LhpEndpoint, ForgedCloseWithoutTheTokenIsDroppedAndCounted)
{
    Pair p(Server(), LhpEndpointConfig{}, SequenceRandom({0x77, 0x1111}));
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    const std::uint32_t serverNonce = p.server.GetLink(hs)->GetNonce();
    LhpFrame close;
    close.type = LhpFrameType::Close;
    close.connId = 0x77;
    for (std::vector<std::uint8_t> token : {std::vector<std::uint8_t>{},
                                            std::vector<std::uint8_t>{0, 0, 0x11, 0x11},
                                            std::vector<std::uint8_t>{1, 2, 3, 4, 5}})
    {
        close.payload = token;
        EXPECT_EQ(p.net.Inject(p.s, MacAddr(1), EncodeLhpFrame(close)).outcome,
                  LhpRxOutcome::ToLink);
    }
    p.net.RunFor(std::chrono::milliseconds(50));
    EXPECT_EQ(p.server.GetLink(hs)->GetStats().forgedCloses, 3u);
    EXPECT_EQ(p.server.GetLink(hs)->GetState(), LhpState::Open);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Closed), 0u);
    EXPECT_EQ(p.net.Sent(p.s, LhpFrameType::Close), 0u) << "a forged Close is not answered";
    // The link still works, and the real client's Close (with the token) still closes it.
    ASSERT_TRUE(p.client.Send(hc, LhpChannel::Reliable, Bytes(1, 9), p.net.Now()));
    p.net.RunFor(std::chrono::milliseconds(20));
    EXPECT_EQ(p.net.App(p.s).Data(hs), (Sdus{Bytes(1, 9)}));
    EXPECT_NE(serverNonce, 0u);
    p.client.Close(hc, p.net.Now());
    ASSERT_TRUE(p.net.RunUntil([&] { return p.net.App(p.s).Count(Kind::Closed, hs) == 1; },
                               std::chrono::seconds(5)));
    EXPECT_EQ(p.server.GetLink(hs)->GetStats().forgedCloses, 3u);
}

TEST(LhpEndpoint, ForgedConnectIsChallengedAndKillsNoLiveLink)
{
    Pair p(Server(), LhpEndpointConfig{}, SequenceRandom({0x77, 0x1111}));
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    p.net.RunFor(std::chrono::milliseconds(10));
    LhpFrame connect;
    connect.type = LhpFrameType::Connect;
    connect.connId = 0x77;
    EncodeConnectParams(LhpConnectParams{1476, 32, 0x6666}, connect.payload);
    const std::vector<std::uint8_t> b = EncodeLhpFrame(connect);
    EXPECT_EQ(p.net.Inject(p.s, MacAddr(1), b).outcome, LhpRxOutcome::RestartChallenged);
    EXPECT_EQ(p.net.Inject(p.s, MacAddr(1), b).outcome, LhpRxOutcome::RestartChallenged);
    // The live client answers the challenge (a Keepalive) at once.
    p.net.RunFor(std::chrono::seconds(3));
    EXPECT_GE(p.net.Sent(p.s, LhpFrameType::Keepalive), 1u);
    EXPECT_EQ(p.server.GetStats().restartChallenges, 1u);
    EXPECT_EQ(p.server.GetStats().forgedConnects, 1u);
    EXPECT_EQ(p.server.GetStats().restarts, 0u);
    EXPECT_EQ(p.server.GetStats().accepted, 1u);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Dead), 0u);
    ASSERT_NE(p.server.GetLink(hs), nullptr);
    EXPECT_EQ(p.server.GetLink(hs)->GetState(), LhpState::Open);
    ASSERT_TRUE(p.client.Send(hc, LhpChannel::Reliable, Bytes(1, 7), p.net.Now()));
    p.net.RunFor(std::chrono::milliseconds(20));
    EXPECT_EQ(p.net.App(p.s).Data(hs), (Sdus{Bytes(1, 7)}));
}

TEST(LhpEndpoint, WithoutAChallengeAForgedConnectEndsTheLink)
{
    // The old policy, kept as an option (restartChallenge 0): shows what the challenge stops.
    LhpEndpointConfig open = Server();
    open.restartChallenge = Duration{0};
    Pair p(open, LhpEndpointConfig{}, SequenceRandom({0x77, 0x1111}));
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    LhpFrame connect;
    connect.type = LhpFrameType::Connect;
    connect.connId = 0x77;
    EncodeConnectParams(LhpConnectParams{1476, 32, 0x6666}, connect.payload);
    EXPECT_EQ(p.net.Inject(p.s, MacAddr(1), EncodeLhpFrame(connect)).outcome,
              LhpRxOutcome::Accepted);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Dead, hs), 1u);
    EXPECT_EQ(p.server.GetStats().restarts, 1u);
    (void)hc;
}

TEST(LhpEndpoint, GarbageConnectKillsNoLink)
{
    Pair p(Server(), LhpEndpointConfig{}, SequenceRandom({0x77, 0x1111}));
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    LhpFrame connect;
    connect.type = LhpFrameType::Connect;
    connect.connId = 0x77;
    connect.payload = {0, 0, 0, 0, 0, 0, 0x22, 0x22}; // maxPayload 0: invalid
    std::vector<std::uint8_t> b = EncodeLhpFrame(connect);
    EXPECT_EQ(p.net.Inject(p.s, MacAddr(1), b).outcome, LhpRxOutcome::BadConnect);
    connect.payload = {0x05, 0xc4, 0, 32, 0, 0}; // truncated parameters
    b = EncodeLhpFrame(connect);
    EXPECT_EQ(p.net.Inject(p.s, MacAddr(1), b).outcome, LhpRxOutcome::BadConnect);
    EXPECT_EQ(p.server.GetStats().badConnects, 2u);
    EXPECT_EQ(p.server.GetStats().restarts, 0u);
    EXPECT_EQ(p.server.GetLink(hs)->GetState(), LhpState::Open);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Dead), 0u);
    (void)hc;
}

// ---------------------------------------------------------------------------------------------
// Admission caps

LhpEndpointConfig
QuickGiveUp()
{
    LhpEndpointConfig c;
    c.link.connectRetries = 3;
    return c;
}

TEST(LhpEndpoint, PerPeerCapRefusesAndCountsWithoutTouchingExistingLinks)
{
    LhpEndpointConfig sc = Server();
    sc.maxConnectionsPerPeer = 2;
    Pair p(sc, QuickGiveUp());
    LhpHandle c1, s1;
    std::tie(c1, s1) = p.Open();
    LhpHandle c2, s2;
    std::tie(c2, s2) = p.Open();
    LhpHandle c3 = p.client.Connect(MacAddr(2), p.net.Now());
    ASSERT_TRUE(p.net.RunUntil([&] { return p.net.App(p.c).Count(Kind::Dead, c3) == 1; },
                               std::chrono::seconds(10)));
    EXPECT_EQ(p.net.App(p.c).Count(Kind::Up, c3), 0u);
    EXPECT_EQ(p.net.Sent(p.c, LhpFrameType::Connect), 2u + 3u);
    // Every Connect of the third connection was refused and counted; none opened a link.
    EXPECT_EQ(p.server.GetStats().refusedPerPeerCap, 3u);
    EXPECT_EQ(p.server.GetStats().admissionsRefused, 3u);
    EXPECT_EQ(p.server.GetStats().accepted, 2u);
    EXPECT_EQ(p.server.GetLinkCount(), 2u);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Up), 2u);
    // The two admitted links are unaffected.
    ASSERT_TRUE(p.client.Send(c1, LhpChannel::Reliable, Bytes(1, 10), p.net.Now()));
    ASSERT_TRUE(p.client.Send(c2, LhpChannel::Reliable, Bytes(2, 20), p.net.Now()));
    p.net.RunFor(std::chrono::milliseconds(20));
    EXPECT_EQ(p.net.App(p.s).Data(s1), (Sdus{Bytes(1, 10)}));
    EXPECT_EQ(p.net.App(p.s).Data(s2), (Sdus{Bytes(2, 20)}));
}

TEST(LhpEndpoint, GlobalCapRefusesAndCounts)
{
    LhpEndpointConfig sc = Server();
    sc.maxConnections = 2;
    LhpEndpoint a(QuickGiveUp(), SequenceRandom({}, 0x100));
    LhpEndpoint c(QuickGiveUp(), SequenceRandom({}, 0x200));
    LhpEndpoint s(sc, SequenceRandom({}, 0x900));
    EndpointNet net;
    int na = net.Add(a, MacAddr(1));
    int nc = net.Add(c, MacAddr(3));
    int ns = net.Add(s, MacAddr(2));
    LhpHandle a1 = a.Connect(MacAddr(2), net.Now());
    ASSERT_TRUE(
        net.RunUntil([&] { return net.App(na).Count(Kind::Up) == 1; }, std::chrono::seconds(5)));
    LhpHandle cOk = c.Connect(MacAddr(2), net.Now());
    ASSERT_TRUE(
        net.RunUntil([&] { return net.App(nc).Count(Kind::Up) == 1; }, std::chrono::seconds(5)));
    LhpHandle cRefused = c.Connect(MacAddr(2), net.Now());
    ASSERT_TRUE(net.RunUntil([&] { return net.App(nc).Count(Kind::Dead, cRefused) == 1; },
                             std::chrono::seconds(10)));
    EXPECT_EQ(s.GetStats().refusedGlobalCap, 3u);
    EXPECT_EQ(s.GetStats().refusedPerPeerCap, 0u);
    EXPECT_EQ(s.GetLinkCount(), 2u);
    EXPECT_EQ(a.GetLink(a1)->GetState(), LhpState::Open);
    EXPECT_EQ(c.GetLink(cOk)->GetState(), LhpState::Open);
    EXPECT_EQ(net.App(ns).Count(Kind::Up), 2u);
}

TEST(LhpEndpoint, LingeringLinksAreEvictedToAdmitAConnect)
{
    LhpEndpointConfig sc = Server();
    sc.maxConnectionsPerPeer = 1;
    Pair p(sc);
    LhpHandle c1, s1;
    std::tie(c1, s1) = p.Open();
    p.client.Close(c1, p.net.Now());
    ASSERT_TRUE(p.net.RunUntil([&] { return p.net.App(p.s).Count(Kind::Closed, s1) == 1; },
                               std::chrono::seconds(5)));
    ASSERT_NE(p.server.GetLink(s1), nullptr); // lingering, and it counts toward the cap
    LhpHandle c2, s2;
    std::tie(c2, s2) = p.Open();
    EXPECT_EQ(p.server.GetLink(s1), nullptr);
    EXPECT_EQ(p.server.GetStats().lingerEvictions, 1u);
    EXPECT_EQ(p.server.GetStats().admissionsRefused, 0u);
    EXPECT_EQ(p.server.GetLink(s2)->GetState(), LhpState::Open);
    (void)c2;
}

TEST(LhpEndpoint, AdmissionHookRefuses)
{
    LhpEndpoint a(QuickGiveUp(), SequenceRandom({}, 0x100));
    LhpEndpoint c(QuickGiveUp(), SequenceRandom({}, 0x200));
    LhpEndpoint s(Server(), SequenceRandom({}, 0x900));
    std::vector<LhpPeerAddress> asked;
    s.SetAdmissionHook(
        [&](const LhpPeerAddress& peer)
        {
            asked.push_back(peer);
            return peer != MacAddr(3);
        });
    EndpointNet net;
    int na = net.Add(a, MacAddr(1));
    int nc = net.Add(c, MacAddr(3));
    net.Add(s, MacAddr(2));
    LhpHandle ha = a.Connect(MacAddr(2), net.Now());
    LhpHandle hc = c.Connect(MacAddr(2), net.Now());
    ASSERT_TRUE(net.RunUntil([&] { return net.App(nc).Count(Kind::Dead, hc) == 1; },
                             std::chrono::seconds(10)));
    EXPECT_EQ(net.App(na).Count(Kind::Up, ha), 1u);
    EXPECT_EQ(s.GetStats().refusedByHook, 3u);
    EXPECT_EQ(s.GetStats().admissionsRefused, 3u);
    EXPECT_EQ(s.GetLinkCount(), 1u);
    EXPECT_EQ(std::count(asked.begin(), asked.end(), MacAddr(1)), 1);
    EXPECT_EQ(std::count(asked.begin(), asked.end(), MacAddr(3)), 3);
}

TEST(LhpEndpoint, NotAcceptingIgnoresConnect)
{
    LhpEndpointConfig sc; // acceptIncoming false
    Pair p(sc, QuickGiveUp());
    LhpHandle hc = p.client.Connect(MacAddr(2), p.net.Now());
    ASSERT_TRUE(p.net.RunUntil([&] { return p.net.App(p.c).Count(Kind::Dead, hc) == 1; },
                               std::chrono::seconds(10)));
    EXPECT_EQ(p.server.GetLinkCount(), 0u);
    EXPECT_EQ(p.server.GetStats().unknownConnection, 3u);
    EXPECT_EQ(p.server.GetStats().accepted, 0u);
    EXPECT_EQ(p.client.GetLinkCount(), 0u) << "dead links are reaped at once";
    EXPECT_FALSE(p.client.NextDeadline().has_value());
}

// ---------------------------------------------------------------------------------------------
// Padding and garbage

TEST(LhpEndpoint, PaddedFramesAreCutToTheirHeaderLength)
{
    Pair p;
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    const LhpLink& link = *p.server.GetLink(hs);
    std::uint64_t receivedBefore = link.GetStats().framesReceived;

    LhpFrame ack;
    ack.type = LhpFrameType::Ack;
    ack.flags = kFlagAck;
    ack.connId = link.GetConnId();
    ack.ack = 0; // nothing sent yet: the initial sequence number
    ack.window = 32;
    std::vector<std::uint8_t> b = EncodeLhpFrame(ack);
    ASSERT_EQ(b.size(), kLhpHeaderSize);
    b.resize(60, 0); // a minimum Ethernet frame's worth of padding
    LhpFrame scratch;
    ASSERT_EQ(DecodeLhpFrame(b.data(), b.size(), scratch), DecodeError::TrailingBytes)
        << "the strict decoder alone rejects the pad";
    LhpRxResult r = p.net.Inject(p.s, MacAddr(1), b);
    EXPECT_EQ(r.outcome, LhpRxOutcome::ToLink);
    EXPECT_EQ(r.handle, hs);
    EXPECT_EQ(p.server.GetStats().badFrames, 0u);
    EXPECT_EQ(link.GetStats().badFrames, 0u);
    EXPECT_EQ(link.GetStats().framesReceived, receivedBefore + 1);

    // End to end with every short frame padded, as on Ethernet.
    p.net.SetPadTo(46);
    ASSERT_TRUE(p.client.Send(hc, LhpChannel::Reliable, {1}, p.net.Now()));
    p.net.RunFor(std::chrono::milliseconds(50));
    EXPECT_EQ(p.net.App(p.s).Data(hs), (Sdus{{1}}));
    EXPECT_EQ(p.server.GetStats().badFrames + p.client.GetStats().badFrames, 0u);
    EXPECT_EQ(p.client.GetLink(hc)->GetFramesInFlight(), 0u) << "the padded ack was read";
}

TEST(LhpEndpoint, GarbageFramesAreCountedAndDropped)
{
    Pair p;
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    std::vector<std::vector<std::uint8_t>> junk = {
        {},
        {1, 1, 0},
        std::vector<std::uint8_t>(24, 0x07),             // bad version
        std::vector<std::uint8_t>(60, 0x00),             // version 0
        {1, 9, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, // unknown type 9
         0, 0, 0, 0, 0, 0, 0, 0},
        {1, 1, 0, 0, 0, 0, 0, 1,  0,    0,   0, 0, 0, 0, 0, 0, // declares 16 bytes, carries 2
         0, 0, 0, 0, 0, 0, 0, 16, 0xAA, 0xBB},
    };
    for (const auto& j : junk)
    {
        LhpRxResult r = p.net.Inject(p.s, MacAddr(1), j);
        EXPECT_EQ(r.outcome, LhpRxOutcome::Malformed);
        EXPECT_NE(r.error, DecodeError::Ok);
    }
    EXPECT_EQ(p.server.GetStats().badFrames, junk.size());
    // A well-formed frame for a connection nobody opened.
    LhpFrame data = DataFrame(0, {1, 2, 3}, 0xDEAD);
    EXPECT_EQ(p.net.Inject(p.s, MacAddr(1), EncodeLhpFrame(data)).outcome,
              LhpRxOutcome::UnknownConnection);
    // The right id from the wrong peer is another connection too.
    data.connId = p.server.GetLink(hs)->GetConnId();
    EXPECT_EQ(p.net.Inject(p.s, MacAddr(9), EncodeLhpFrame(data)).outcome,
              LhpRxOutcome::UnknownConnection);
    EXPECT_EQ(p.server.GetStats().unknownConnection, 2u);
    EXPECT_EQ(p.server.GetLinkCount(), 1u);
    EXPECT_TRUE(p.net.App(p.s).Data(hs).empty());
    // The real connection is unaffected.
    ASSERT_TRUE(p.client.Send(hc, LhpChannel::Reliable, {4, 5}, p.net.Now()));
    p.net.RunFor(std::chrono::milliseconds(20));
    EXPECT_EQ(p.net.App(p.s).Data(hs), (Sdus{{4, 5}}));
}

// ---------------------------------------------------------------------------------------------
// Fairness, ordering, crash

TEST(LhpEndpoint, TransmitsRoundRobinAcrossLinks)
{
    LhpEndpoint a(LhpEndpointConfig{}, SequenceRandom({}, 0x100));
    LhpEndpoint c(LhpEndpointConfig{}, SequenceRandom({}, 0x200));
    LhpEndpoint s(Server(), SequenceRandom({}, 0x900));
    EndpointNet net;
    net.Add(a, MacAddr(1));
    net.Add(c, MacAddr(3));
    int ns = net.Add(s, MacAddr(2));
    a.Connect(MacAddr(2), net.Now());
    c.Connect(MacAddr(2), net.Now());
    ASSERT_TRUE(net.RunUntil(
        [&] { return net.App(0).Count(Kind::Up) == 1 && net.App(1).Count(Kind::Up) == 1; },
        std::chrono::seconds(5)));
    net.RunFor(std::chrono::milliseconds(10)); // nothing left to send
    std::vector<LhpHandle> hs = net.App(ns).Handles(Kind::Up);
    // The first link queues 20 SDUs before the second queues any: a FIFO would send all of
    // them first.
    for (int i = 0; i < 20; ++i)
    {
        ASSERT_TRUE(s.Send(hs[0], LhpChannel::Reliable, {1}, net.Now()));
    }
    for (int i = 0; i < 20; ++i)
    {
        ASSERT_TRUE(s.Send(hs[1], LhpChannel::Reliable, {2}, net.Now()));
    }
    std::vector<LhpPeerAddress> order;
    LhpPeerAddress to;
    std::vector<std::uint8_t> out;
    LhpTxInfo info;
    while (order.size() < 40 && s.PollTransmit(net.Now(), to, out, &info))
    {
        order.push_back(to);
        EXPECT_EQ(*s.GetPeer(info.handle), to);
    }
    ASSERT_EQ(order.size(), 40u);
    for (std::size_t i = 1; i < order.size(); ++i)
    {
        EXPECT_NE(order[i], order[i - 1]) << "frame " << i;
    }
}

TEST(LhpEndpoint, EventsAndDeliveriesComeOutInOrder)
{
    // Drive by hand: the server queues Up and then data before anyone polls it.
    LhpEndpoint a(LhpEndpointConfig{}, SequenceRandom({}, 0x100));
    LhpEndpoint s(Server(), SequenceRandom({}, 0x900));
    TimePoint t{0};
    LhpPeerAddress to;
    std::vector<std::uint8_t> out;
    LhpHandle ha = a.Connect(MacAddr(2), t);
    ASSERT_TRUE(a.PollTransmit(t, to, out));
    LhpRxResult r = s.Receive(MacAddr(1), out.data(), out.size(), t);
    ASSERT_EQ(r.outcome, LhpRxOutcome::Accepted);
    ASSERT_TRUE(s.PollTransmit(t, to, out));
    EXPECT_EQ(a.Receive(MacAddr(2), out.data(), out.size(), t).outcome, LhpRxOutcome::ToLink);
    ASSERT_TRUE(a.Send(ha, LhpChannel::Reliable, {42}, t));
    ASSERT_TRUE(a.PollTransmit(t, to, out));
    s.Receive(MacAddr(1), out.data(), out.size(), t);

    EXPECT_FALSE(s.PollDelivery().has_value()) << "Up is older than the data";
    auto up = s.PollEvent();
    ASSERT_TRUE(up.has_value());
    EXPECT_EQ(up->kind, Kind::Up);
    EXPECT_EQ(up->handle, r.handle);
    EXPECT_EQ(up->peer, MacAddr(1));
    EXPECT_FALSE(s.PollEvent().has_value());
    auto d = s.PollDelivery();
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->handle, r.handle);
    EXPECT_EQ(d->data, (std::vector<std::uint8_t>{42}));
    EXPECT_FALSE(s.PollDelivery().has_value());
}

TEST(LhpEndpoint, CrashDropsEverythingSilently)
{
    Pair p;
    LhpHandle hc, hs;
    std::tie(hc, hs) = p.Open();
    ASSERT_TRUE(p.server.Send(hs, LhpChannel::Reliable, {1, 2, 3}, p.net.Now()));
    std::uint64_t received = p.server.GetTotalStats().framesReceived;
    std::size_t logged = p.net.App(p.s).log.size();
    p.server.Crash();
    EXPECT_EQ(p.server.GetLinkCount(), 0u);
    EXPECT_EQ(p.server.GetLink(hs), nullptr);
    EXPECT_FALSE(p.server.NextDeadline().has_value());
    LhpPeerAddress to;
    std::vector<std::uint8_t> out;
    EXPECT_FALSE(p.server.PollTransmit(p.net.Now(), to, out));
    EXPECT_FALSE(p.server.PollEvent().has_value());
    EXPECT_FALSE(p.server.Send(hs, LhpChannel::Reliable, {1}, p.net.Now()));
    EXPECT_EQ(p.server.GetTotalStats().framesReceived, received) << "counters survive";
    // The client's frames now hit no link; handles keep counting after a crash.
    LhpHandle hc2, hs2;
    std::tie(hc2, hs2) = p.Open();
    EXPECT_GT(hs2, hs);
    EXPECT_EQ(p.net.App(p.s).Count(Kind::Dead, hs), 0u);
    EXPECT_GT(p.net.App(p.s).log.size(), logged);
    (void)hc;
    (void)hc2;
}

// ---------------------------------------------------------------------------------------------
// The window field and the window bound (LhpLink)

/// Opens a link `a` by hand against a hand-driven peer; returns the peer's window params.
void
HandOpen(LhpLink& a, std::uint16_t peerWindow)
{
    TimePoint t{0};
    std::vector<std::uint8_t> out;
    a.Connect(t);
    ASSERT_TRUE(a.PollTransmit(t, out));
    LhpFrame accept;
    accept.type = LhpFrameType::Accept;
    accept.connId = a.GetConnId();
    EncodeConnectParams(LhpConnectParams{1476, peerWindow, 0xBEEF}, accept.payload);
    a.Receive(accept, t);
    ASSERT_EQ(a.GetState(), LhpState::Open);
}

LhpFrame
AckFrame(std::uint32_t connId, std::uint32_t ack, std::uint16_t window)
{
    LhpFrame f;
    f.type = LhpFrameType::Ack;
    f.flags = kFlagAck;
    f.connId = connId;
    f.ack = ack;
    f.window = window;
    return f;
}

std::vector<std::uint32_t>
DrainDataSeqs(LhpLink& a, TimePoint t)
{
    std::vector<std::uint32_t> seqs;
    std::vector<std::uint8_t> out;
    while (a.PollTransmit(t, out))
    {
        LhpFrame f;
        EXPECT_EQ(DecodeLhpFrame(out.data(), out.size(), f), DecodeError::Ok);
        if (f.type == LhpFrameType::Data)
        {
            seqs.push_back(f.seq);
            EXPECT_TRUE(f.HasAck());
            EXPECT_EQ(f.window, a.GetWindow()) << "every ack advertises our receive window";
        }
    }
    return seqs;
}

TEST(LhpWindowField, SenderHonoursTheAdvertisedWindow)
{
    LhpLink a(LhpConfig{}, kConnId, 0xA0);
    HandOpen(a, 32);
    EXPECT_EQ(a.GetPeerWindow(LhpChannel::Reliable), 32u);
    TimePoint t{0};
    // The receiver advertises 3 frames from its ack on.
    a.Receive(AckFrame(kConnId, 0, 3), t);
    EXPECT_EQ(a.GetPeerWindow(LhpChannel::Reliable), 3u);
    EXPECT_EQ(a.GetSendWindow(LhpChannel::Reliable), 3u);
    for (std::uint8_t i = 0; i < 10; ++i)
    {
        ASSERT_TRUE(a.Send(LhpChannel::Reliable, {i}, t));
    }
    EXPECT_EQ(DrainDataSeqs(a, t), (std::vector<std::uint32_t>{0, 1, 2}));
    EXPECT_EQ(a.GetFramesInFlight(), 3u);
    EXPECT_EQ(a.GetBytesInFlight(), 3u);
    // Two frames acked, window still 3: seq < 2 + 3.
    a.Receive(AckFrame(kConnId, 2, 3), t);
    EXPECT_EQ(DrainDataSeqs(a, t), (std::vector<std::uint32_t>{3, 4}));
    // A window of 0 is read as 1: one frame keeps probing.
    a.Receive(AckFrame(kConnId, 5, 0), t);
    EXPECT_EQ(a.GetPeerWindow(LhpChannel::Reliable), 1u);
    EXPECT_EQ(DrainDataSeqs(a, t), (std::vector<std::uint32_t>{5}));
    // The window reopens.
    a.Receive(AckFrame(kConnId, 6, 32), t);
    EXPECT_EQ(DrainDataSeqs(a, t), (std::vector<std::uint32_t>{6, 7, 8, 9}));
    EXPECT_EQ(a.GetStats().badFrames, 0u);
}

TEST(LhpWindowField, ConnectWindowAppliesUntilTheFirstAck)
{
    LhpLink a(LhpConfig{}, kConnId, 0xA0);
    HandOpen(a, 4); // the peer's Accept says 4
    EXPECT_EQ(a.GetWindow(), 4u);
    EXPECT_EQ(a.GetPeerWindow(LhpChannel::Reliable), 4u);
    TimePoint t{0};
    for (std::uint8_t i = 0; i < 10; ++i)
    {
        ASSERT_TRUE(a.Send(LhpChannel::Reliable, {i}, t));
    }
    EXPECT_EQ(DrainDataSeqs(a, t).size(), 4u);
}

TEST(LhpWindowField, WindowIsBoundedBySackReach)
{
    LhpConfig c;
    c.window = 4096;
    LhpLink a(c, kConnId, 1);
    EXPECT_EQ(a.GetConfig().window, kLhpMaxWindow);
    EXPECT_EQ(kLhpMaxWindow, 33u);
    HandOpen(a, 4096); // a peer claiming more changes nothing
    EXPECT_EQ(a.GetWindow(), kLhpMaxWindow);
    EXPECT_EQ(a.GetSendWindow(LhpChannel::Reliable), 33u);
    TimePoint t{0};
    for (int i = 0; i < 100; ++i)
    {
        ASSERT_TRUE(a.Send(LhpChannel::Reliable, {1}, t));
    }
    EXPECT_EQ(DrainDataSeqs(a, t).size(), 33u);

    // Two such links under loss on a long pipe: never more than 33 frames in flight.
    PipeParams pipe = Impaired(0.05, 7);
    pipe.delay = std::chrono::milliseconds(10);
    Harness h(pipe, c);
    ASSERT_TRUE(h.Open());
    Source src{MakeSdus(5, 300000, 100, 1400)};
    std::size_t most = 0;
    ASSERT_TRUE(h.RunUntil(
        [&]
        {
            src.Feed(h.a, LhpChannel::Reliable, h.pipe.Now());
            most = std::max(most, h.a.GetFramesInFlight());
            return h.eb.reliable.size() == src.sdus.size();
        },
        std::chrono::seconds(120)));
    EXPECT_TRUE(SameSdus(src.sdus, h.eb.reliable));
    EXPECT_LE(most, 33u);
    EXPECT_GE(most, 32u) << "the window was the limit";
}

} // namespace
} // namespace test
} // namespace resoa
