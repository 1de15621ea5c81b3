/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Name resolution by the server (Resolve / Resolved): EpClient::Resolve, EpServer with a fake
 * asynchronous resolver (SetResolver / OnResolved), its bounds and timeout, and both engines
 * wired together.
 */
#include "ep-client.h"
#include "ep-server.h"

#include "core/ep-test-util.h"
#include "core/fake-socket-stack.h"
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace resoa
{
namespace test
{
namespace
{

constexpr std::uint32_t kServerIp = 0xCB007101;          // 203.0.113.1
const EpAddress kFiles = EpAddress::Ipv4(0xC6336402, 0); // 198.51.100.2

EpAddress
V6(std::uint8_t last, std::uint16_t port = 0)
{
    EpAddress a;
    a.family = 6;
    a.addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
    a.port = port;
    return a;
}

EpMessage
ResolveMsg(std::uint32_t requestId,
           const std::string& name,
           std::uint8_t family = 0,
           std::uint8_t flags = 0)
{
    EpMessage m = Msg(EpType::Resolve, 0, requestId);
    m.name = name;
    m.family = family;
    m.resolveFlags = flags;
    return m;
}

/// A server on a fake stack whose resolver records the requests it gets.
struct ResolveRig
{
    explicit ResolveRig(EpServerConfig cfg = Default(), bool withResolver = true)
        : stack(kServerIp)
        , server(cfg, stack)
    {
        stack.AttachServer(&server);
        if (withResolver)
        {
            server.SetResolver([this](const EpResolveRequest& r) { asked.push_back(r); });
        }
    }

    static EpServerConfig Default()
    {
        EpServerConfig c;
        c.serverIpv4 = kServerIp;
        return c;
    }

    void Up(std::uint64_t session, bool registerIt = true)
    {
        server.OnSessionUp(session);
        if (registerIt)
        {
            EpMessage m = Msg(EpType::Register, 0, 1);
            m.name = "sta";
            server.OnMessage(session, EncodeEpMessage(m), TimePoint{0});
            auto out = Drain(server);
            ASSERT_EQ(out.size(), 1u);
            ASSERT_EQ(out[0].msg.error, 0);
        }
    }

    void Send(std::uint64_t session, const EpMessage& m, TimePoint now = TimePoint{0})
    {
        server.OnMessage(session, EncodeEpMessage(m), now);
    }

    /// The single message the server queued (fails otherwise).
    EpMessage One()
    {
        auto out = Drain(server);
        EXPECT_EQ(out.size(), 1u);
        return out.empty() ? EpMessage{} : out[0].msg;
    }

    FakeSocketStack stack;
    EpServer server;
    std::vector<EpResolveRequest> asked;
};

// --- server ---

TEST(EpServerResolve, WithoutAResolverAnswersEaiFailAtOnce)
{
    ResolveRig rig(ResolveRig::Default(), false);
    rig.Up(1);
    rig.Send(1, ResolveMsg(7, "files.resoa.test"));
    EpMessage r = rig.One();
    EXPECT_EQ(r.type, EpType::Resolved);
    EXPECT_EQ(r.requestId, 7u);
    EXPECT_EQ(r.error, ep_resolve::kEaiFail);
    EXPECT_TRUE(r.addresses.empty());
    EXPECT_EQ(rig.server.GetStats().resolutionsUnsupported, 1u);
    EXPECT_EQ(rig.server.NextDeadline(), std::nullopt);
}

TEST(EpServerResolve, UnregisteredSessionGetsEperm)
{
    ResolveRig rig;
    rig.Up(1, false);
    rig.Send(1, ResolveMsg(7, "files.resoa.test"));
    EpMessage r = rig.One();
    EXPECT_EQ(r.type, EpType::Resolved);
    EXPECT_EQ(r.error, ep_errno::kEperm);
    EXPECT_TRUE(rig.asked.empty());
}

TEST(EpServerResolve, AsynchronousAnswerIsFilteredDeduplicatedAndBounded)
{
    ResolveRig rig;
    rig.Up(1);
    rig.Send(1, ResolveMsg(7, "files.resoa.test", 4, kEpResolveCanonName), TimePoint{1000});
    ASSERT_EQ(rig.asked.size(), 1u);
    EXPECT_EQ(rig.asked[0].sessionId, 1u);
    EXPECT_EQ(rig.asked[0].requestId, 7u);
    EXPECT_EQ(rig.asked[0].name, "files.resoa.test");
    EXPECT_EQ(rig.asked[0].family, 4);
    EXPECT_EQ(rig.asked[0].flags, kEpResolveCanonName);
    EXPECT_TRUE(Drain(rig.server).empty()); // nothing until the resolver answers
    EXPECT_EQ(rig.server.GetSession(1)->pendingResolutions, 1u);

    // The resolver's list: the same address per socket type (with ports), an IPv6 one
    // the client did not ask for, a family-0 entry, then 20 more IPv4 addresses.
    std::vector<EpAddress> list = {
        EpAddress::Ipv4(0xC6336402, 80), EpAddress::Ipv4(0xC6336402, 0), V6(2), EpAddress{}};
    for (std::uint32_t i = 0; i < 20; ++i)
    {
        list.push_back(EpAddress::Ipv4(0x0A000001 + i, 0));
    }
    rig.server.OnResolved(1, 7, ep_resolve::kOk, list, "files.resoa.test");
    EpMessage r = rig.One();
    EXPECT_EQ(r.type, EpType::Resolved);
    EXPECT_EQ(r.requestId, 7u);
    EXPECT_EQ(r.error, 0);
    ASSERT_EQ(r.addresses.size(), kEpMaxResolvedAddresses);
    EXPECT_EQ(r.addresses[0], kFiles); // port 0, listed once
    EXPECT_EQ(r.addresses[1], EpAddress::Ipv4(0x0A000001, 0));
    for (const EpAddress& a : r.addresses)
    {
        EXPECT_EQ(a.family, 4);
        EXPECT_EQ(a.port, 0);
    }
    EXPECT_EQ(r.name, "files.resoa.test");
    EXPECT_EQ(rig.server.GetSession(1)->pendingResolutions, 0u);
    EXPECT_EQ(rig.server.NextDeadline(), std::nullopt);
    EXPECT_EQ(rig.server.GetStats().resolutionsStarted, 1u);
    EXPECT_EQ(rig.server.GetStats().resolutionsAnswered, 1u);

    // Answered once: a repeated answer is stale.
    rig.server.OnResolved(1, 7, ep_resolve::kOk, list, "");
    EXPECT_TRUE(Drain(rig.server).empty());
    EXPECT_EQ(rig.server.GetStats().staleResolutions, 1u);
}

TEST(EpServerResolve, CanonicalNameOnlyWhenAskedAndErrorsCarryNothing)
{
    ResolveRig rig;
    rig.Up(1);
    rig.Send(1, ResolveMsg(7, "a.test"));
    rig.server.OnResolved(1, 7, 0, {kFiles, V6(9)}, "canonical.test");
    EpMessage r = rig.One();
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.name, "");             // not asked for
    EXPECT_EQ(r.addresses.size(), 2u); // family 0 = any

    rig.Send(1, ResolveMsg(8, "b.test", 0, kEpResolveCanonName));
    rig.server.OnResolved(1, 8, ep_resolve::kEaiNoname, {kFiles}, "ignored");
    r = rig.One();
    EXPECT_EQ(r.error, ep_resolve::kEaiNoname);
    EXPECT_TRUE(r.addresses.empty());
    EXPECT_EQ(r.name, "");

    // An undocumented negative code goes out as kEaiFail; an errno as itself.
    rig.Send(1, ResolveMsg(9, "c.test"));
    rig.server.OnResolved(1, 9, -7, {}, "");
    EXPECT_EQ(rig.One().error, ep_resolve::kEaiFail);
    rig.Send(1, ResolveMsg(10, "d.test"));
    rig.server.OnResolved(1, 10, ep_errno::kEnomem, {}, "");
    EXPECT_EQ(rig.One().error, ep_errno::kEnomem);

    // Success without a usable address is "no such name".
    rig.Send(1, ResolveMsg(11, "e.test", 6));
    rig.server.OnResolved(1, 11, 0, {kFiles}, "");
    EXPECT_EQ(rig.One().error, ep_resolve::kEaiNoname);
}

TEST(EpServerResolve, ASynchronousResolverMayAnswerFromInsideTheHook)
{
    ResolveRig rig(ResolveRig::Default(), false);
    rig.server.SetResolver([&rig](const EpResolveRequest& r)
                           { rig.server.OnResolved(r.sessionId, r.requestId, 0, {kFiles}); });
    rig.Up(1);
    rig.Send(1, ResolveMsg(7, "files.resoa.test"));
    EpMessage r = rig.One();
    EXPECT_EQ(r.error, 0);
    ASSERT_EQ(r.addresses.size(), 1u);
    EXPECT_EQ(r.addresses[0], kFiles);
    EXPECT_EQ(rig.server.GetSession(1)->pendingResolutions, 0u);
    EXPECT_EQ(rig.server.NextDeadline(), std::nullopt);
}

TEST(EpServerResolve, OutstandingResolutionsAreBoundedPerSession)
{
    EpServerConfig cfg = ResolveRig::Default();
    cfg.maxPendingResolutions = 16;
    ResolveRig rig(cfg);
    rig.Up(1);
    rig.Up(2);
    for (std::uint32_t i = 1; i <= 16; ++i)
    {
        rig.Send(1, ResolveMsg(100 + i, "n.test"));
    }
    EXPECT_TRUE(Drain(rig.server).empty());
    EXPECT_EQ(rig.asked.size(), 16u);
    rig.Send(1, ResolveMsg(200, "n.test"));
    EpMessage r = rig.One();
    EXPECT_EQ(r.requestId, 200u);
    EXPECT_EQ(r.error, ep_resolve::kEaiAgain);
    EXPECT_EQ(rig.server.GetStats().resolutionsRefused, 1u);
    EXPECT_EQ(rig.asked.size(), 16u);

    // The bound is per session: another client still resolves.
    rig.Send(2, ResolveMsg(5, "n.test"));
    EXPECT_EQ(rig.asked.size(), 17u);
    EXPECT_TRUE(Drain(rig.server).empty());

    // One answer makes room for one more.
    rig.server.OnResolved(1, 101, 0, {kFiles});
    EXPECT_EQ(rig.One().requestId, 101u);
    rig.Send(1, ResolveMsg(201, "n.test"));
    EXPECT_EQ(rig.asked.size(), 18u);
    EXPECT_TRUE(Drain(rig.server).empty());
}

TEST(EpServerResolve, RequestIdZeroAndRepeatedIdsAreIgnored)
{
    ResolveRig rig;
    rig.Up(1);
    rig.Send(1, ResolveMsg(0, "n.test"));
    rig.Send(1, ResolveMsg(7, "n.test"));
    rig.Send(1, ResolveMsg(7, "other.test"));
    EXPECT_TRUE(Drain(rig.server).empty());
    EXPECT_EQ(rig.asked.size(), 1u);
    EXPECT_EQ(rig.server.GetStats().unexpectedMessages, 2u);

    // A client never sends Resolved.
    EpMessage bogus = Msg(EpType::Resolved, 0, 9);
    bogus.error = ep_resolve::kEaiFail;
    rig.Send(1, bogus);
    EXPECT_TRUE(Drain(rig.server).empty());
    EXPECT_EQ(rig.server.GetStats().unexpectedMessages, 3u);
}

TEST(EpServerResolve, TimeoutAnswersEaiAgainAndTheLateAnswerIsStale)
{
    EpServerConfig cfg = ResolveRig::Default();
    cfg.resolveTimeout = std::chrono::seconds(5);
    ResolveRig rig(cfg);
    rig.Up(1);
    const TimePoint t0{std::chrono::seconds(100)};
    rig.Send(1, ResolveMsg(7, "slow.test"), t0);
    rig.Send(1, ResolveMsg(8, "fast.test"), t0 + std::chrono::seconds(1));
    ASSERT_EQ(rig.server.NextDeadline(), t0 + std::chrono::seconds(5));

    rig.server.HandleDeadline(t0 + std::chrono::seconds(4));
    EXPECT_TRUE(Drain(rig.server).empty());
    rig.server.HandleDeadline(t0 + std::chrono::seconds(5));
    EpMessage r = rig.One();
    EXPECT_EQ(r.requestId, 7u);
    EXPECT_EQ(r.error, ep_resolve::kEaiAgain);
    EXPECT_EQ(rig.server.GetStats().resolutionsTimedOut, 1u);
    EXPECT_EQ(rig.server.NextDeadline(), t0 + std::chrono::seconds(6));

    rig.server.OnResolved(1, 7, 0, {kFiles});
    EXPECT_TRUE(Drain(rig.server).empty());
    EXPECT_EQ(rig.server.GetStats().staleResolutions, 1u);

    rig.server.OnResolved(1, 8, 0, {kFiles});
    EXPECT_EQ(rig.One().requestId, 8u);
    EXPECT_EQ(rig.server.NextDeadline(), std::nullopt);
}

TEST(EpServerResolve, SessionDownForgetsOutstandingResolutions)
{
    ResolveRig rig;
    rig.Up(1);
    rig.Send(1, ResolveMsg(7, "n.test"));
    ASSERT_TRUE(rig.server.NextDeadline().has_value());
    rig.server.OnSessionDown(1);
    EXPECT_EQ(rig.server.NextDeadline(), std::nullopt);
    rig.server.OnResolved(1, 7, 0, {kFiles});
    EXPECT_TRUE(Drain(rig.server).empty());
    EXPECT_EQ(rig.server.GetStats().staleResolutions, 1u);
}

TEST(EpServerResolve, SmallMessagesDropTheNameThenAddresses)
{
    EpServerConfig cfg = ResolveRig::Default();
    cfg.maxMessageSize = kEpHeaderSize + 4 + 1 + 3 * kEpAddressSizeIpv6 + 1;
    ResolveRig rig(cfg);
    rig.Up(1);
    rig.Send(1, ResolveMsg(7, "n.test", 6, kEpResolveCanonName));
    std::vector<EpAddress> list;
    for (std::uint8_t i = 1; i <= 10; ++i)
    {
        list.push_back(V6(i));
    }
    rig.server.OnResolved(1, 7, 0, list, "a-long-canonical-name.test");
    auto out = Drain(rig.server);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.addresses.size(), 3u);
    EXPECT_EQ(out[0].msg.name, "");
}

// --- client ---

TEST(EpClientResolve, QueuesResolveAndReportsTheAnswer)
{
    EpClient c;
    std::uint32_t req = 0;
    ASSERT_EQ(c.Resolve("files.resoa.test", 4, &req, kEpResolveCanonName), 0);
    EXPECT_NE(req, 0u);
    auto out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].channel, LhpChannel::Reliable);
    const EpMessage& m = out[0].msg;
    EXPECT_EQ(m.type, EpType::Resolve);
    EXPECT_EQ(m.requestId, req);
    EXPECT_EQ(m.rsockId, 0u);
    EXPECT_EQ(m.flags, 0);
    EXPECT_EQ(m.family, 4);
    EXPECT_EQ(m.resolveFlags, kEpResolveCanonName);
    EXPECT_EQ(m.name, "files.resoa.test");

    EpMessage r = Msg(EpType::Resolved, 0, req);
    r.addresses = {kFiles, V6(2)};
    r.name = "files.resoa.test";
    Feed(c, r);
    auto events = Events(c);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, EpClientEvent::Kind::Resolved);
    EXPECT_STREQ(ToString(events[0].kind), "Resolved");
    EXPECT_EQ(events[0].requestId, req);
    EXPECT_EQ(events[0].error, 0);
    EXPECT_EQ(events[0].addresses, r.addresses);
    EXPECT_EQ(events[0].name, "files.resoa.test");
    EXPECT_EQ(events[0].value, 2);

    // Answered once: a repeat, an unknown id and a Response for it are stale.
    Feed(c, r);
    EpMessage resp = Msg(EpType::Response, 0, req);
    Feed(c, resp);
    EXPECT_TRUE(Events(c).empty());
    EXPECT_EQ(c.GetStats().staleMessages, 2u);
}

TEST(EpClientResolve, ResponseCannotSwallowAPendingResolve)
{
    EpClient c;
    std::uint32_t req = 0;
    ASSERT_EQ(c.Resolve("n.test", 0, &req), 0);
    Feed(c, Msg(EpType::Response, 0, req)); // a confused server: not the answer
    EXPECT_TRUE(Events(c).empty());
    EpMessage r = Msg(EpType::Resolved, 0, req);
    r.error = ep_resolve::kEaiNoname;
    Feed(c, r);
    auto events = Events(c);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].error, ep_resolve::kEaiNoname);
    EXPECT_TRUE(events[0].addresses.empty());
}

TEST(EpClientResolve, RefusesBadArgumentsAndRespectsBounds)
{
    EpClientConfig cfg;
    cfg.maxPendingRequests = 2;
    EpClient c(cfg);
    EXPECT_EQ(c.Resolve("", 0), ep_errno::kEinval);
    EXPECT_EQ(c.Resolve(std::string(256, 'a'), 0), ep_errno::kEinval);
    EXPECT_EQ(c.Resolve(std::string("a\0b", 3), 0), ep_errno::kEinval);
    EXPECT_EQ(c.Resolve("a", 5), ep_errno::kEinval);
    EXPECT_EQ(c.Resolve("a", 4, nullptr, 0x02), ep_errno::kEinval);
    EXPECT_EQ(c.Resolve(std::string(255, 'a'), 6), 0);
    EXPECT_EQ(c.Resolve("b", 0), 0);
    EXPECT_EQ(c.Resolve("c", 0), kEpEnobufs);
    EXPECT_EQ(c.GetStats().requestsRefused, 1u);

    EpClientConfig tiny;
    tiny.maxMessageSize = kEpHeaderSize + 3 + 10;
    EpClient t(tiny);
    EXPECT_EQ(t.Resolve("0123456789", 0), 0);
    EXPECT_EQ(t.Resolve("0123456789a", 0), ep_errno::kEmsgsize);

    EpClient down;
    down.OnLinkDown();
    EXPECT_EQ(down.Resolve("a", 0), ep_errno::kEnetdown);
}

TEST(EpClientResolve, LinkDownAnswersPendingResolutionsAndCloseDoesNot)
{
    EpClient c;
    std::uint32_t req = 0;
    ASSERT_EQ(c.Resolve("n.test", 0, &req), 0);
    EpSocketResult s = c.Create(EpSockType::Stream);
    ASSERT_EQ(s.error, 0);
    c.Close(s.id);
    for (const EpClientEvent& e : Events(c))
    {
        EXPECT_NE(e.kind, EpClientEvent::Kind::Resolved); // closing a socket keeps it pending
    }
    c.OnLinkDown();
    auto events = Events(c);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, EpClientEvent::Kind::Resolved);
    EXPECT_EQ(events[0].requestId, req);
    EXPECT_EQ(events[0].error, ep_errno::kEnetdown);
}

// --- both engines ---

TEST(EpResolveEndToEnd, ClientAsksServerResolvesClientConnectsToTheAnswer)
{
    ResolveRig rig;
    rig.stack.AddRemoteListener(EpAddress::Ipv4(kFiles.Ipv4HostOrder(), 8080));
    rig.server.OnSessionUp(1);
    EpClient c;
    auto pump = [&]
    {
        for (int i = 0; i < 10; ++i)
        {
            bool any = false;
            while (auto o = c.PollOutgoing())
            {
                rig.server.OnMessage(1, o->bytes, TimePoint{0});
                any = true;
            }
            rig.stack.DeliverEvents();
            while (auto o = rig.server.PollOutgoing())
            {
                c.OnMessage(o->bytes);
                any = true;
            }
            if (!any)
            {
                break;
            }
        }
    };
    ASSERT_EQ(c.Register(EpAddrMode::NTo1, 0, "sta"), 0);
    std::uint32_t req = 0;
    ASSERT_EQ(c.Resolve("files.resoa.test", 0, &req), 0);
    pump();
    ASSERT_TRUE(c.IsRegistered());
    ASSERT_EQ(rig.asked.size(), 1u);
    EXPECT_EQ(rig.asked[0].name, "files.resoa.test");
    EXPECT_TRUE(Events(c).size() == 1u); // Registered only: the resolver has not answered

    rig.server.OnResolved(rig.asked[0].sessionId, rig.asked[0].requestId, 0, {kFiles});
    pump();
    auto events = Events(c);
    ASSERT_EQ(events.size(), 1u);
    ASSERT_EQ(events[0].kind, EpClientEvent::Kind::Resolved);
    EXPECT_EQ(events[0].requestId, req);
    ASSERT_EQ(events[0].addresses.size(), 1u);

    // The answer is only an address: the application connects to it with its own port.
    EpAddress peer = events[0].addresses[0];
    peer.port = 8080;
    EpSocketResult s = c.Create(EpSockType::Stream);
    ASSERT_EQ(c.Connect(s.id, peer), 0);
    pump();
    events = Events(c);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events[0].kind, EpClientEvent::Kind::ConnectDone);
    EXPECT_EQ(events[0].error, 0);
    EXPECT_EQ(events[0].peer, peer);
}

} // namespace
} // namespace test
} // namespace resoa
