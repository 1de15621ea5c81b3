/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * EpServer alone: hand-made client messages in, calls on a fake stack, EP messages out.
 */
#include "ep-server.h"

#include "core/ep-server-rig.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

namespace resoa
{
namespace test
{
namespace
{

TEST(EpServer, RegisterNTo1GivesServerAddressAndLimit)
{
    Rig r;
    EpMessage reg = r.Register(1);
    EXPECT_EQ(reg.type, EpType::Registered);
    EXPECT_EQ(reg.requestId, 1u);
    EXPECT_EQ(reg.error, 0);
    EXPECT_EQ(reg.addrMode, EpAddrMode::NTo1);
    EXPECT_EQ(reg.ipv4, kServerIp);
    EXPECT_EQ(reg.socketLimit, 8);
    r.Send(1, Msg(EpType::Register, 0, 2)); // idempotent
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.ipv4, kServerIp);
    EXPECT_EQ(out[0].msg.requestId, 2u);
}

TEST(EpServer, OneToOneAddressesComeFromThePoolAndReturnToIt)
{
    EpServerConfig cfg = Rig::Default();
    cfg.allowOneTo1 = true;
    cfg.addressPool = {kPool1};
    Rig r(cfg);
    EpMessage a = r.Register(1, EpAddrMode::OneTo1);
    EXPECT_EQ(a.addrMode, EpAddrMode::OneTo1);
    EXPECT_EQ(a.ipv4, kPool1);
    EpMessage b = r.Register(2, EpAddrMode::OneTo1); // pool empty: mixed mode falls back
    EXPECT_EQ(b.error, 0);
    EXPECT_EQ(b.addrMode, EpAddrMode::NTo1);
    EXPECT_EQ(b.ipv4, kServerIp);
    EpMessage c = r.Register(3, EpAddrMode::OneTo1, kPool1); // asked for a taken address
    EXPECT_EQ(c.error, ep_errno::kEaddrnotavail);
    EXPECT_FALSE(r.server.GetSession(3)->registered);
    r.server.OnSessionDown(1);
    EpMessage d = r.Register(4, EpAddrMode::OneTo1, kPool1);
    EXPECT_EQ(d.error, 0);
    EXPECT_EQ(d.ipv4, kPool1);
}

TEST(EpServer, OneToOneOnlyServerGivesPoolAddressEvenForNTo1Requests)
{
    EpServerConfig cfg = Rig::Default();
    cfg.allowNTo1 = false;
    cfg.allowOneTo1 = true;
    cfg.addressPool = {kPool1, kPool2};
    Rig r(cfg);
    EpMessage a = r.Register(1, EpAddrMode::NTo1);
    EXPECT_EQ(a.addrMode, EpAddrMode::OneTo1);
    EXPECT_EQ(a.ipv4, kPool1);
    EXPECT_EQ(r.Register(2).ipv4, kPool2);
    EXPECT_EQ(r.Register(3).error, ep_errno::kEaddrnotavail);
}

TEST(EpServer, AdmissionHookDeniesOrLimits)
{
    Rig r;
    r.server.SetAdmissionHook(
        [](const EpRegistration& reg)
        {
            EpAdmission a;
            if (reg.name == "evil")
            {
                a.error = ep_errno::kEacces;
            }
            if (reg.name == "small")
            {
                a.socketLimit = 1;
            }
            return a;
        });
    EXPECT_EQ(r.Register(1, EpAddrMode::NTo1, 0, "evil").error, ep_errno::kEacces);
    EXPECT_EQ(r.server.GetStats().registrationsDenied, 1u);
    EXPECT_EQ(r.Register(2, EpAddrMode::NTo1, 0, "small").socketLimit, 1);
}

// The hook chooses the mode per client (resoa-serverd's client-mode, by MAC): the client's
// own request does not matter, and a chosen mode never falls back to the other.
TEST(EpServer, AdmissionHookChoosesTheModeWithoutFallback)
{
    EpServerConfig cfg = Rig::Default();
    cfg.allowOneTo1 = true;
    cfg.addressPool = {kPool1, kPool2};
    Rig r(cfg);
    r.server.SetAdmissionHook(
        [](const EpRegistration& reg)
        {
            EpAdmission a;
            if (reg.name == "own")
            {
                a.mode = EpAddrMode::OneTo1;
            }
            else if (reg.name == "pinned")
            {
                a.mode = EpAddrMode::OneTo1;
                a.ipv4 = kPool2;
            }
            else if (reg.name == "shared")
            {
                a.mode = EpAddrMode::NTo1;
            }
            return a;
        });
    EpMessage pinned = r.Register(1, EpAddrMode::NTo1, 0, "pinned");
    EXPECT_EQ(pinned.error, 0);
    EXPECT_EQ(pinned.addrMode, EpAddrMode::OneTo1);
    EXPECT_EQ(pinned.ipv4, kPool2);
    EpMessage own = r.Register(2, EpAddrMode::NTo1, 0, "own");
    EXPECT_EQ(own.addrMode, EpAddrMode::OneTo1);
    EXPECT_EQ(own.ipv4, kPool1);
    EpMessage shared = r.Register(3, EpAddrMode::OneTo1, kPool1, "shared");
    EXPECT_EQ(shared.error, 0);
    EXPECT_EQ(shared.addrMode, EpAddrMode::NTo1);
    EXPECT_EQ(shared.ipv4, kServerIp);
    // The pool is empty: a chosen 1-to-1 is refused, not registered n-to-1.
    EpMessage full = r.Register(4, EpAddrMode::NTo1, 0, "own");
    EXPECT_EQ(full.error, ep_errno::kEaddrnotavail);
    EXPECT_FALSE(r.server.GetSession(4)->registered);
    // A client the hook leaves alone still gets what it asks for, with the usual fallback.
    EpMessage plain = r.Register(5, EpAddrMode::OneTo1);
    EXPECT_EQ(plain.error, 0);
    EXPECT_EQ(plain.addrMode, EpAddrMode::NTo1);
}

TEST(EpServer, AdmissionHookChoosingAModeTheServerDoesNotOfferIsEacces)
{
    Rig r; // n-to-1 only
    r.server.SetAdmissionHook(
        [](const EpRegistration&)
        {
            EpAdmission a;
            a.mode = EpAddrMode::OneTo1;
            return a;
        });
    EpMessage a = r.Register(1, EpAddrMode::OneTo1);
    EXPECT_EQ(a.error, ep_errno::kEacces);
    EXPECT_EQ(r.server.GetStats().registrationsDenied, 1u);
}

TEST(EpServer, CallsBeforeRegisterAreRefused)
{
    Rig r;
    r.server.OnSessionUp(1);
    std::vector<Sent> out;
    r.Connect(1, 1, &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Response);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEperm);
    EXPECT_EQ(r.stack.SocketCount(), 0u);
    EXPECT_EQ(r.server.GetStats().notRegistered, 1u);
}

TEST(EpServer, ConnectAnswersWithRealAddressesThenGrantsWindow)
{
    Rig r;
    r.Register(1);
    EpMessage m = Msg(EpType::Connect, 1, 9);
    m.flags = kEpFlagCreate;
    m.sockType = EpSockType::Stream;
    m.peer = kWeb;
    r.Send(1, m);
    EXPECT_FALSE(r.server.HasOutgoing()); // the stack's connect is still in flight
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].msg.type, EpType::Response);
    EXPECT_EQ(out[0].msg.requestId, 9u);
    EXPECT_EQ(out[0].msg.error, 0);
    EXPECT_EQ(out[0].msg.local, EpAddress::Ipv4(kServerIp, 40000));
    EXPECT_EQ(out[0].msg.peer, kWeb);
    EXPECT_EQ(out[1].msg.type, EpType::Credit);
    EXPECT_EQ(out[1].msg.value, 4000u);
    EXPECT_EQ(out[0].session, 1u);

    m.rsockId = 2;
    m.peer = EpAddress::Ipv4(0xC6336409, 81); // nobody listens there
    r.Send(1, m);
    out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEconnrefused);
    // The socket survives a refused connect until the client closes it.
    EXPECT_EQ(r.server.ListSockets().size(), 2u);
    r.Send(1, Msg(EpType::Close, 2));
    EXPECT_EQ(r.server.ListSockets().size(), 1u);
    EXPECT_TRUE(r.stack.Find(r.HandleOf(1, 1)) != nullptr);
}

TEST(EpServer, SocketLimitAnswersEmfileAndChangesNothing)
{
    EpServerConfig cfg = Rig::Default();
    cfg.socketLimit = 2;
    Rig r(cfg);
    r.Register(1);
    r.Connect(1, 1);
    r.Connect(1, 2);
    std::vector<Sent> out;
    r.Connect(1, 3, &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEmfile);
    EXPECT_EQ(out[0].msg.rsockId, 3u);
    EXPECT_EQ(r.stack.SocketCount(), 2u);
    EXPECT_EQ(r.server.ListSockets().size(), 2u);
    EXPECT_EQ(r.server.GetStats().limitRejected, 1u);

    // A create without a request id (a client ignoring conventions) still hears why.
    EpMessage s = Msg(EpType::SendTo, 4);
    s.flags = kEpFlagCreate;
    s.sockType = EpSockType::Dgram;
    s.peer = kWeb;
    r.Send(1, s);
    out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Error);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEmfile);
    EXPECT_TRUE(r.stack.Datagrams().empty());
}

TEST(EpServer, BadInputIsCountedAndAnsweredOnlyWhenAsked)
{
    Rig r;
    r.Register(1);
    EpMessage bind = Msg(EpType::Bind, 42, 7); // no such socket, no create flag
    bind.local = EpAddress::Ipv4(0, 80);
    r.Send(1, bind);
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEbadf);
    r.Send(1, Data(42, Bytes("x"))); // no request id: no answer
    r.Send(1, Credit(42, 100));
    EXPECT_TRUE(r.Run().empty());
    EXPECT_EQ(r.server.GetStats().unknownSocket, 3u);

    std::vector<std::uint8_t> junk = {9, 9, 9, 9};
    r.server.OnMessage(1, junk);
    r.server.OnMessage(1, nullptr, 0);
    EXPECT_EQ(r.server.GetStats().decodeErrors, 2u);
    r.Send(1, Msg(EpType::Response, 1, 3)); // server-to-client types are never answered
    r.Send(1, Msg(EpType::Error, 1));
    r.Send(99, Msg(EpType::Register, 0, 1)); // unknown session
    EXPECT_EQ(r.server.GetStats().unexpectedMessages, 2u);
    EXPECT_EQ(r.server.GetStats().unknownSession, 1u);

    EpMessage bad = Msg(EpType::Socket, kServerRsockBase, 8); // a server-range id
    bad.sockType = EpSockType::Stream;
    r.Send(1, bad);
    bad.rsockId = 0;
    r.Send(1, bad);
    out = r.Run();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEinval);
    EXPECT_EQ(out[1].msg.error, ep_errno::kEinval);
    EXPECT_EQ(r.stack.SocketCount(), 0u);
}

TEST(EpServer, ReadsNeverExceedTheClientsCredit)
{
    Rig r;
    r.Register(1);
    EpHandle h = r.Connect(1, 1);
    ASSERT_NE(h, kEpInvalidHandle);
    std::vector<std::uint8_t> data = Pattern(10000, 21);
    EXPECT_EQ(r.stack.PeerWrite(h, data), 10000u);
    EXPECT_TRUE(r.Run().empty()); // no credit yet: nothing read, nothing pushed
    EXPECT_EQ(r.stack.Find(h)->totalRead, 0u);

    r.Send(1, Credit(1, 3000));
    std::vector<Sent> out = r.Run();
    EXPECT_EQ(Payload(out).size(), 3000u);
    EXPECT_EQ(r.stack.Find(h)->totalRead, 3000u);
    EXPECT_EQ(r.stack.Find(h)->rx.size(), 7000u); // TCP keeps the rest: its window stays shut
    EXPECT_LE(r.stack.Find(h)->maxReadRequest, 1460u);
    for (const Sent& s : out)
    {
        EXPECT_LE(EncodeEpMessage(s.msg).size(), 1476u);
    }

    // The application consumed it: each Credit returns that much window, never more.
    for (int round = 0; round < 3; ++round)
    {
        r.Send(1, Credit(1, 3000));
        std::vector<Sent> rest = r.Run();
        EXPECT_LE(Payload(rest).size(), 3000u);
        out.insert(out.end(), rest.begin(), rest.end());
    }
    EXPECT_EQ(Payload(out), data);
    EXPECT_EQ(r.stack.Find(h)->rx.size(), 0u);
    EXPECT_EQ(r.server.GetStats().creditViolations, 0u);
}

TEST(EpServer, EofFollowsAllData)
{
    Rig r;
    r.Register(1);
    EpHandle h = r.Connect(1, 1);
    std::vector<std::uint8_t> data = Pattern(5000, 4);
    r.stack.PeerWrite(h, data);
    r.stack.PeerClose(h);
    r.Send(1, Credit(1, 2000));
    std::vector<Sent> out = r.Run();
    EXPECT_EQ(Payload(out).size(), 2000u);
    EXPECT_TRUE(std::none_of(
        out.begin(), out.end(), [](const Sent& s) { return s.msg.type == EpType::Eof; }));
    r.Send(1, Credit(1, 2000)); // the window is 2000: the client returns what it read
    std::vector<Sent> middle = r.Run();
    EXPECT_EQ(Payload(middle).size(), 2000u);
    out.insert(out.end(), middle.begin(), middle.end());
    r.Send(1, Credit(1, 2000));
    std::vector<Sent> rest = r.Run();
    ASSERT_FALSE(rest.empty());
    EXPECT_EQ(rest.back().msg.type, EpType::Eof);
    out.insert(out.end(), rest.begin(), rest.end());
    EXPECT_EQ(Payload(out), data);
}

TEST(EpServer, ClientDataWaitsForTcpAndCreditFollowsIt)
{
    Rig r;
    r.stack.SetBuffers(65536, 1000);
    r.Register(1);
    EpHandle h = r.Connect(1, 1);
    std::vector<std::uint8_t> data = Pattern(1200, 8);
    r.Send(1, Data(1, data));
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u); // 1000 taken by TCP = threshold (4000 / 4)
    EXPECT_EQ(out[0].msg.type, EpType::Credit);
    EXPECT_EQ(out[0].msg.value, 1000u);
    EXPECT_EQ(r.server.ListSockets().at(0).pendingBytes, 200u);

    r.stack.PeerRead(h, 1000); // TCP drains: OnWritable
    out = r.Run();
    // The rest went in, but the client still holds 3800 of credit (>= the threshold): the
    // 200 bytes are credited with the next batch, not in a frame of their own.
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(r.server.ListSockets().at(0).pendingBytes, 0u);
    std::vector<std::uint8_t> more = Pattern(900, 9);
    r.Send(1, Data(1, more));
    r.stack.PeerRead(h, 1000);
    out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Credit);
    EXPECT_EQ(out[0].msg.value, 1000u); // 200 + the 800 TCP took: the threshold
    r.stack.PeerRead(h, 1000);
    r.Run();
    r.stack.PeerRead(h, 1000);
    data.insert(data.end(), more.begin(), more.end());
    EXPECT_EQ(r.stack.Find(h)->peerReceived, data);
}

TEST(EpServer, ClientIgnoringCreditIsCutOff)
{
    Rig r;
    r.Register(1);
    EpHandle h = r.Connect(1, 1);
    r.Send(1, Data(1, Pattern(4001, 1))); // window is 4000
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Error);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEnomem);
    EXPECT_TRUE(r.stack.Find(h)->aborted);
    EXPECT_EQ(r.server.GetStats().windowViolations, 1u);
    EXPECT_TRUE(r.server.ListSockets().empty());
}

TEST(EpServer, ShutdownAndCloseWaitForBufferedData)
{
    Rig r;
    r.stack.SetBuffers(65536, 100);
    r.Register(1);
    EpHandle h = r.Connect(1, 1);
    std::vector<std::uint8_t> data = Pattern(300, 2);
    r.Send(1, Data(1, data));
    EpMessage sh = Msg(EpType::Shutdown, 1);
    sh.how = ep_shutdown::kWrite;
    r.Send(1, sh);
    r.Send(1, Msg(EpType::Close, 1));
    r.Run();
    EXPECT_FALSE(r.stack.Find(h)->shutWr);
    EXPECT_FALSE(r.stack.Find(h)->released);
    ASSERT_EQ(r.server.ListSockets().size(), 1u);
    EXPECT_EQ(r.server.ListSockets()[0].state, EpServerSocketState::Closing);
    for (int i = 0; i < 3; ++i)
    {
        r.stack.PeerRead(h, 100);
        r.Run();
    }
    EXPECT_EQ(r.stack.Find(h)->peerReceived, data);
    EXPECT_TRUE(r.stack.Find(h)->shutWr);
    EXPECT_TRUE(r.stack.Find(h)->closed);
    EXPECT_FALSE(r.stack.Find(h)->aborted);
    EXPECT_TRUE(r.server.ListSockets().empty());
}

TEST(EpServer, AcceptedConnectionsUseServerRangeAndCountTowardsLimit)
{
    EpServerConfig cfg = Rig::Default();
    cfg.socketLimit = 3;
    Rig r(cfg);
    r.Register(1);
    EpMessage l = Msg(EpType::Listen, 1, 5);
    l.flags = kEpFlagCreate;
    l.sockType = EpSockType::Stream;
    l.value = 4;
    r.Send(1, l);
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, 0);
    std::uint16_t port = out[0].msg.local.port;
    EXPECT_NE(port, 0);

    EpHandle c1 = r.stack.InjectIncoming(port, kRemote);
    EpHandle c2 = r.stack.InjectIncoming(port, kRemote);
    EpHandle c3 = r.stack.InjectIncoming(port, kRemote); // listener + 2 = limit
    out = r.Run();
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out[0].msg.type, EpType::Accepted);
    EXPECT_EQ(out[0].msg.rsockId, 1u);
    EXPECT_EQ(out[0].msg.value, kServerRsockBase);
    EXPECT_EQ(out[0].msg.peer, kRemote);
    EXPECT_EQ(out[0].msg.local, EpAddress::Ipv4(kServerIp, port));
    EXPECT_EQ(out[1].msg.type, EpType::Credit);
    EXPECT_EQ(out[1].msg.rsockId, kServerRsockBase);
    EXPECT_EQ(out[2].msg.value, kServerRsockBase + 1);
    EXPECT_FALSE(r.stack.Find(c1)->released);
    EXPECT_FALSE(r.stack.Find(c2)->released);
    EXPECT_TRUE(r.stack.Find(c3)->aborted);
    EXPECT_EQ(r.server.GetStats().acceptsRejected, 1u);

    // Data both ways on the accepted socket.
    r.stack.PeerWrite(c1, Bytes("hi"));
    r.Send(1, Credit(kServerRsockBase, 100));
    out = r.Run();
    EXPECT_EQ(Payload(out), Bytes("hi"));
    r.Send(1, Data(kServerRsockBase, Bytes("yo")));
    r.Run();
    EXPECT_EQ(r.stack.PeerRead(c1, 10), Bytes("yo"));
}

TEST(EpServer, StackErrorBecomesErrorMessageAndReleasesHandle)
{
    Rig r;
    r.Register(1);
    EpHandle h = r.Connect(1, 1);
    r.stack.PeerReset(h);
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Error);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEconnreset);
    EXPECT_TRUE(r.stack.Find(h)->released);
    r.Send(1, Data(1, Bytes("late")));
    r.Send(1, Msg(EpType::Close, 1));
    EXPECT_TRUE(r.Run().empty());
    EXPECT_EQ(r.stack.DoubleReleases(), 0u);
}

TEST(EpServer, SessionDownReleasesEveryHandleOfThatSessionOnly)
{
    Rig r;
    r.Register(1);
    r.Register(2);
    EpHandle a1 = r.Connect(1, 1);
    EpMessage l = Msg(EpType::Listen, 2, 5);
    l.flags = kEpFlagCreate;
    l.sockType = EpSockType::Stream;
    r.Send(1, l);
    EpMessage u = Msg(EpType::SendTo, 3, 6);
    u.flags = kEpFlagCreate;
    u.sockType = EpSockType::Dgram;
    u.peer = kWeb;
    r.Send(1, u);
    EpHandle b1 = r.Connect(2, 1);
    r.Run();
    EpHandle a2 = r.HandleOf(1, 2);
    EpHandle a3 = r.HandleOf(1, 3);
    r.stack.PeerWrite(a1, Bytes("pending"));
    r.Send(1, Credit(1, 100)); // queues Data for session 1
    r.stack.DeliverEvents();
    ASSERT_TRUE(r.server.HasOutgoing());

    r.server.OnSessionDown(1);
    EXPECT_TRUE(r.stack.Find(a1)->aborted); // a connection: reset
    EXPECT_TRUE(r.stack.Find(a2)->closed);  // listener: closed
    EXPECT_TRUE(r.stack.Find(a3)->closed);  // datagram socket: closed
    EXPECT_FALSE(r.stack.Find(b1)->released);
    EXPECT_EQ(r.stack.LiveHandles(), std::vector<EpHandle>{b1});
    EXPECT_FALSE(r.server.HasOutgoing()); // nothing left for the dead session
    EXPECT_FALSE(r.server.GetSession(1).has_value());
    EXPECT_EQ(r.server.SessionCount(), 1u);
    EXPECT_EQ(r.stack.DoubleReleases(), 0u);
}

TEST(EpServer, DatagramsBothWays)
{
    Rig r;
    r.Register(1);
    EpMessage u = Msg(EpType::SendTo, 1, 6);
    u.flags = kEpFlagCreate;
    u.sockType = EpSockType::Dgram;
    u.peer = kWeb;
    u.payload = Bytes("ping");
    r.Send(1, u);
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, 0);
    EXPECT_EQ(out[0].msg.local.Ipv4HostOrder(), kServerIp);
    ASSERT_EQ(r.stack.Datagrams().size(), 1u);
    EXPECT_EQ(r.stack.Datagrams()[0].to, kWeb);
    EXPECT_EQ(r.stack.Datagrams()[0].data, Bytes("ping"));

    EpHandle h = r.HandleOf(1, 1);
    r.stack.InjectDatagram(h, kWeb, Bytes("pong"));
    r.stack.InjectDatagram(h, kWeb, std::vector<std::uint8_t>(2000, 1)); // cannot fit an SDU
    out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].channel, LhpChannel::SemiReliable);
    EXPECT_EQ(out[0].msg.type, EpType::RecvFrom);
    EXPECT_EQ(out[0].msg.peer, kWeb);
    EXPECT_EQ(out[0].msg.payload, Bytes("pong"));
    EXPECT_EQ(r.server.GetStats().datagramsDropped, 1u);
}

TEST(EpServer, OneToOneSocketsUseTheClientsAddress)
{
    EpServerConfig cfg = Rig::Default();
    cfg.allowOneTo1 = true;
    cfg.addressPool = {kPool1};
    Rig r(cfg);
    r.Register(1, EpAddrMode::OneTo1);
    std::vector<Sent> out;
    EpHandle h = r.Connect(1, 1, &out);
    EXPECT_EQ(r.stack.Find(h)->local.Ipv4HostOrder(), kPool1);
    EXPECT_EQ(out.at(0).msg.local.Ipv4HostOrder(), kPool1);

    EpMessage b = Msg(EpType::Bind, 2, 7);
    b.flags = kEpFlagCreate;
    b.sockType = EpSockType::Stream;
    b.local = EpAddress::Ipv4(kServerIp, 5000); // not this client's address
    r.Send(1, b);
    b.rsockId = 3;
    b.local = EpAddress::Ipv4(0, 5000); // wildcard: becomes the client's address
    r.Send(1, b);
    out = r.Run();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEaddrnotavail);
    EXPECT_EQ(out[1].msg.error, 0);
    EXPECT_EQ(out[1].msg.local, EpAddress::Ipv4(kPool1, 5000));
}

TEST(EpServer, CallPolicyRefusesWithoutUndoingTheCreate)
{
    Rig r;
    r.server.SetCallPolicy(
        [](std::uint64_t, EpType op, const EpAddress& a)
        { return op == EpType::Connect && a.port == 25 ? ep_errno::kEacces : 0; });
    r.Register(1);
    EpMessage m = Msg(EpType::Connect, 1, 3);
    m.flags = kEpFlagCreate;
    m.sockType = EpSockType::Stream;
    m.peer = EpAddress::Ipv4(0xC6336407, 25);
    r.Send(1, m);
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEacces);
    EXPECT_EQ(r.server.ListSockets().size(), 1u); // still there: the client will close it
}

TEST(EpServer, StackOutOfSocketsMeansNoSocket)
{
    Rig r;
    r.stack.SetCreateBudget(0);
    r.Register(1);
    std::vector<Sent> out;
    r.Connect(1, 1, &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEnomem);
    EXPECT_TRUE(r.server.ListSockets().empty());
}

TEST(EpServer, SockOptsReachTheStack)
{
    Rig r;
    r.Register(1);
    EpHandle h = r.Connect(1, 1);
    EpMessage s = Msg(EpType::SetSockOpt, 1, 4);
    s.level = ep_sockopt::kLevelTcp;
    s.option = ep_sockopt::kTcpNoDelay;
    s.intValue = 1;
    r.Send(1, s);
    EpMessage g = Msg(EpType::GetSockOpt, 1, 5);
    g.level = ep_sockopt::kLevelSocket;
    g.option = ep_sockopt::kRcvBuf;
    r.Send(1, g);
    g.requestId = 6;
    g.option = 77; // outside the subset
    r.Send(1, g);
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].msg.error, 0);
    EXPECT_EQ((r.stack.Find(h)->options[{ep_sockopt::kLevelTcp, ep_sockopt::kTcpNoDelay}]), 1);
    EXPECT_EQ(out[1].msg.intValue, 65536);
    EXPECT_EQ(out[2].msg.error, kEpEnoprotoopt);
}

TEST(EpServer, ReadShutdownDrainsAndDrops)
{
    Rig r;
    r.Register(1);
    EpHandle h = r.Connect(1, 1);
    r.stack.PeerWrite(h, Pattern(3000, 9));
    r.stack.DeliverEvents();
    EpMessage sh = Msg(EpType::Shutdown, 1);
    sh.how = ep_shutdown::kRead;
    r.Send(1, sh);
    r.Send(1, Credit(1, 4000));
    EXPECT_TRUE(r.Run().empty()); // nothing pushed to a client that will not read
    EXPECT_EQ(r.stack.Find(h)->rx.size(), 0u);
}

} // namespace
} // namespace test
} // namespace resoa
