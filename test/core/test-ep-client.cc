/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * EpClient alone: calls in, EP messages out, hand-made server messages in, events out.
 */
#include "ep-client.h"

#include "core/ep-test-util.h"
#include <gtest/gtest.h>

#include <algorithm>

namespace resoa
{
namespace test
{
namespace
{

using Kind = EpClientEvent::Kind;

const EpAddress kPeer = EpAddress::Ipv4(0xC6336407, 80); // 198.51.100.7:80
const EpAddress kLocal = EpAddress::Ipv4(0xCB007101, 40001);

EpMessage
DataMsg(std::uint32_t id, const std::vector<std::uint8_t>& bytes)
{
    EpMessage m = Msg(EpType::Data, id);
    m.payload = bytes;
    return m;
}

/// Creates a stream socket and completes its connect with a server Response.
std::uint32_t
Connected(EpClient& c)
{
    EpSocketResult s = c.Create(EpSockType::Stream);
    EXPECT_EQ(s.error, 0);
    EXPECT_EQ(c.Connect(s.id, kPeer), 0);
    std::vector<Sent> out = Drain(c);
    EXPECT_EQ(out.size(), 1u);
    EpMessage r = Msg(EpType::Response, s.id, out.at(0).msg.requestId);
    r.local = kLocal;
    r.peer = kPeer;
    Feed(c, r);
    Drain(c);
    Events(c);
    return s.id;
}

std::vector<std::uint8_t>
Concat(const std::vector<Sent>& sent, EpType type)
{
    std::vector<std::uint8_t> all;
    for (const Sent& s : sent)
    {
        if (s.msg.type == type)
        {
            all.insert(all.end(), s.msg.payload.begin(), s.msg.payload.end());
        }
    }
    return all;
}

TEST(EpClient, CreateSendsNothingAndNumbersFromOne)
{
    EpClient c(SmallConfig());
    EXPECT_EQ(c.Create(EpSockType::Stream).id, 1u);
    EXPECT_EQ(c.Create(EpSockType::Dgram).id, 2u);
    EXPECT_EQ(c.Create(EpSockType::Stream).id, 3u);
    EXPECT_FALSE(c.HasOutgoing());
    EXPECT_EQ(c.GetState(1), EpClientSocketState::Fresh);
    EXPECT_EQ(c.Create(EpSockType::None).error, ep_errno::kEprotonosupport);
    EXPECT_EQ(c.GetStats().messagesSent, 0u);
}

TEST(EpClient, FirstCallCarriesCreateOnlyOnce)
{
    EpClient c(SmallConfig());
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    ASSERT_EQ(c.SetSockOpt(id, ep_sockopt::kLevelTcp, ep_sockopt::kTcpNoDelay, 1), 0);
    ASSERT_EQ(c.Connect(id, kPeer), 0);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].msg.type, EpType::SetSockOpt);
    EXPECT_EQ(out[0].msg.flags, kEpFlagCreate);
    EXPECT_EQ(out[0].msg.sockType, EpSockType::Stream);
    EXPECT_EQ(out[0].msg.rsockId, id);
    EXPECT_EQ(out[1].msg.type, EpType::Connect);
    EXPECT_EQ(out[1].msg.flags, 0);
    EXPECT_EQ(out[1].msg.peer, kPeer);
    EXPECT_NE(out[0].msg.requestId, 0u);
    EXPECT_NE(out[1].msg.requestId, out[0].msg.requestId);
    EXPECT_EQ(out[0].channel, LhpChannel::Reliable);
    EXPECT_EQ(c.SetSockOpt(id, 99, 1, 1), kEpEnoprotoopt);
}

TEST(EpClient, ConnectResponseCachesBothAddressesAndGrantsWindow)
{
    EpClient c(SmallConfig());
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    ASSERT_EQ(c.Connect(id, kPeer), 0);
    EXPECT_EQ(c.Connect(id, kPeer), kEpEalready);
    EpAddress a;
    EXPECT_EQ(c.GetPeerName(id, a), ep_errno::kEnotconn);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EpMessage r = Msg(EpType::Response, id, out[0].msg.requestId);
    r.local = kLocal;
    r.peer = kPeer;
    Feed(c, r);
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::ConnectDone);
    EXPECT_EQ(ev[0].error, 0);
    EXPECT_EQ(ev[0].local, kLocal);
    EXPECT_EQ(c.GetSockName(id, a), 0);
    EXPECT_EQ(a, kLocal);
    EXPECT_EQ(c.GetPeerName(id, a), 0);
    EXPECT_EQ(a, kPeer);
    // The only message now is the initial credit: the whole receive window.
    out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Credit);
    EXPECT_EQ(out[0].msg.value, 4000u);
    EXPECT_EQ(c.Connect(id, kPeer), ep_errno::kEisconn);
}

TEST(EpClient, SendIsBoundedByBufferAndCredit)
{
    EpClient c(SmallConfig());
    std::uint32_t id = Connected(c);
    std::vector<std::uint8_t> data = Pattern(4500, 7);
    EpIoResult r = c.Send(id, data.data(), 2500);
    EXPECT_EQ(r.bytes, 2500u);
    EXPECT_FALSE(c.HasOutgoing()); // no credit from the server yet
    r = c.Send(id, data.data() + 2500, 2000);
    EXPECT_EQ(r.bytes, 1500u); // only the buffer space
    r = c.Send(id, data.data() + 4000, 500);
    EXPECT_EQ(r.bytes, 0u);
    EXPECT_EQ(r.error, ep_errno::kEagain);

    Feed(c, CreditMsg(id, 3000)); // initial grant: frees nothing
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 3u);
    for (const Sent& s : out)
    {
        EXPECT_EQ(s.msg.type, EpType::Data);
        EXPECT_EQ(s.msg.payload.size(), 1000u);
    }
    EXPECT_TRUE(Events(c).empty());
    EXPECT_EQ(c.SendSpace(id), 0u);

    Feed(c, CreditMsg(id, 2000)); // the server handed 2000 bytes to TCP
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::Writable);
    EXPECT_EQ(ev[0].value, 2000);
    std::vector<Sent> more = Drain(c);
    ASSERT_EQ(more.size(), 1u);
    out.insert(out.end(), more.begin(), more.end());
    EXPECT_EQ(Concat(out, EpType::Data),
              std::vector<std::uint8_t>(data.begin(), data.begin() + 4000));
    EXPECT_EQ(c.SendSpace(id), 2000u); // 2000 in flight, nothing unsent
    EXPECT_EQ(c.GetStats().bytesSent, 4000u);
}

TEST(EpClient, SendStatesFollowTcp)
{
    EpClient c(SmallConfig());
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    std::uint8_t b[3] = {1, 2, 3};
    EXPECT_EQ(c.Send(id, b, 3).error, ep_errno::kEnotconn);
    ASSERT_EQ(c.Connect(id, kPeer), 0);
    EXPECT_EQ(c.Send(id, b, 3).bytes, 3u); // allowed while the connect is in flight
    ASSERT_EQ(c.Shutdown(id, ep_shutdown::kWrite), 0);
    EXPECT_EQ(c.Send(id, b, 3).error, ep_errno::kEpipe);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 1u); // the Shutdown waits behind the unsent bytes
    EpMessage r = Msg(EpType::Response, id, out[0].msg.requestId);
    Feed(c, r);
    Drain(c);
    Feed(c, CreditMsg(id, 4000));
    out = Drain(c);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].msg.type, EpType::Data);
    EXPECT_EQ(out[0].msg.payload, std::vector<std::uint8_t>(b, b + 3));
    EXPECT_EQ(out[1].msg.type, EpType::Shutdown);
    EXPECT_EQ(out[1].msg.how, ep_shutdown::kWrite);
    EXPECT_EQ(c.Send(99, b, 3).error, ep_errno::kEbadf);
}

TEST(EpClient, RecvReturnsCreditInBatches)
{
    EpClient c(SmallConfig()); // window 4000, threshold 1000
    std::uint32_t id = Connected(c);
    std::vector<std::uint8_t> data = Pattern(3000, 11);
    for (int i = 0; i < 3; ++i)
    {
        Feed(c, DataMsg(id, {data.begin() + i * 1000, data.begin() + (i + 1) * 1000}));
    }
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0].kind, Kind::Readable);
    EXPECT_EQ(c.RecvAvailable(id), 3000u);

    std::vector<std::uint8_t> got;
    EpReadResult r = c.Recv(id, 500);
    got.insert(got.end(), r.data.begin(), r.data.end());
    EXPECT_FALSE(c.HasOutgoing()); // 500 < threshold
    r = c.Recv(id, 600);
    got.insert(got.end(), r.data.begin(), r.data.end());
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Credit);
    EXPECT_EQ(out[0].msg.value, 1100u);
    r = c.Recv(id, 10000);
    got.insert(got.end(), r.data.begin(), r.data.end());
    out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.value, 1900u);
    EXPECT_EQ(got, data);
    r = c.Recv(id, 10);
    EXPECT_EQ(r.error, ep_errno::kEagain);
    EXPECT_FALSE(r.eof);
}

TEST(EpClient, EofOnlyAfterBufferedData)
{
    EpClient c(SmallConfig());
    std::uint32_t id = Connected(c);
    Feed(c, DataMsg(id, Bytes("tail")));
    Feed(c, Msg(EpType::Eof, id));
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[1].kind, Kind::Eof);
    EpReadResult r = c.Recv(id, 100);
    EXPECT_EQ(r.data, Bytes("tail"));
    EXPECT_FALSE(r.eof);
    r = c.Recv(id, 100);
    EXPECT_TRUE(r.data.empty());
    EXPECT_TRUE(r.eof);
    EXPECT_EQ(r.error, 0);
}

TEST(EpClient, SocketLimitFromConfigThenFromRegistered)
{
    EpClientConfig cfg = SmallConfig();
    cfg.socketLimit = 2;
    EpClient c(cfg);
    EXPECT_EQ(c.Create(EpSockType::Stream).error, 0);
    EXPECT_EQ(c.Create(EpSockType::Stream).error, 0);
    EXPECT_EQ(c.Create(EpSockType::Stream).error, ep_errno::kEmfile);

    ASSERT_EQ(c.Register(EpAddrMode::NTo1, 0, "sta1"), 0);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Register);
    EXPECT_EQ(out[0].msg.name, "sta1");
    EpMessage reg = Msg(EpType::Registered, 0, out[0].msg.requestId);
    reg.ipv4 = 0xCB007101;
    reg.socketLimit = 3;
    Feed(c, reg);
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::Registered);
    EXPECT_EQ(ev[0].value, 3);
    EXPECT_EQ(ev[0].local.Ipv4HostOrder(), 0xCB007101u);
    EXPECT_TRUE(c.IsRegistered());
    EXPECT_EQ(c.GetSocketLimit(), 3);

    EpSocketResult third = c.Create(EpSockType::Stream);
    EXPECT_EQ(third.error, 0);
    EXPECT_EQ(c.Create(EpSockType::Stream).error, ep_errno::kEmfile);
    EXPECT_EQ(c.Close(third.id), 0);
    EXPECT_EQ(c.Create(EpSockType::Stream).error, 0);
    EXPECT_EQ(c.Register(EpAddrMode::NTo1, 0, std::string(300, 'x')), ep_errno::kEinval);
}

TEST(EpClient, AcceptedConnectionsGetServerRangeIds)
{
    EpClient c(SmallConfig());
    std::uint32_t lid = c.Create(EpSockType::Stream).id;
    ASSERT_EQ(c.Listen(lid, 5), 0);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Listen);
    EXPECT_EQ(out[0].msg.value, 5u);
    EXPECT_EQ(out[0].msg.flags, kEpFlagCreate);
    EpMessage r = Msg(EpType::Response, lid, out[0].msg.requestId);
    r.local = EpAddress::Ipv4(0, 8080);
    Feed(c, r);
    EXPECT_EQ(Events(c).at(0).kind, Kind::ListenDone);
    EXPECT_EQ(c.Accept(lid).error, ep_errno::kEagain);

    EpMessage a = Msg(EpType::Accepted, lid);
    a.value = kServerRsockBase + 5;
    a.local = kLocal;
    a.peer = kPeer;
    Feed(c, a);
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::Accepted);
    EXPECT_EQ(ev[0].rsockId, lid);
    EXPECT_EQ(ev[0].newRsockId, kServerRsockBase + 5);
    out = Drain(c);
    ASSERT_EQ(out.size(), 1u); // the new socket's initial credit
    EXPECT_EQ(out[0].msg.type, EpType::Credit);
    EXPECT_EQ(out[0].msg.rsockId, kServerRsockBase + 5);
    EXPECT_EQ(out[0].msg.value, 4000u);
    EpSocketResult acc = c.Accept(lid);
    EXPECT_EQ(acc.error, 0);
    EXPECT_EQ(acc.id, kServerRsockBase + 5);
    EpAddress p;
    EXPECT_EQ(c.GetPeerName(acc.id, p), 0);
    EXPECT_EQ(p, kPeer);
    EXPECT_EQ(c.Accept(lid).error, ep_errno::kEagain);

    // A client-range id from the server is refused; an Accepted for no listener is closed.
    a.value = 5;
    Feed(c, a);
    EXPECT_EQ(c.GetStats().unexpectedMessages, 1u);
    a = Msg(EpType::Accepted, 77);
    a.value = kServerRsockBase + 6;
    Feed(c, a);
    out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Close);
    EXPECT_EQ(out[0].msg.rsockId, kServerRsockBase + 6);
    EXPECT_TRUE(Events(c).empty());
}

TEST(EpClient, DatagramsSwitchChannelOnceConfirmed)
{
    EpClient c; // maxMessageSize 1476
    std::uint32_t id = c.Create(EpSockType::Dgram).id;
    std::vector<std::uint8_t> d = Pattern(1453, 3); // 1476 - 16 header - 7 address
    EXPECT_EQ(c.SendTo(id, kPeer, d.data(), d.size()).bytes, 1453u);
    EXPECT_EQ(c.SendTo(id, kPeer, d.data(), 10).bytes, 10u);
    std::vector<std::uint8_t> big(1454);
    EXPECT_EQ(c.SendTo(id, kPeer, big.data(), big.size()).error, ep_errno::kEmsgsize);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].channel, LhpChannel::Reliable);
    EXPECT_EQ(out[0].msg.flags, kEpFlagCreate);
    EXPECT_EQ(out[0].msg.sockType, EpSockType::Dgram);
    EXPECT_NE(out[0].msg.requestId, 0u);
    EXPECT_EQ(out[0].msg.payload, d);
    EXPECT_EQ(out[1].channel, LhpChannel::Reliable); // not confirmed yet: may not overtake
    EXPECT_EQ(out[1].msg.flags, 0);
    EXPECT_EQ(out[1].msg.requestId, 0u);

    EpMessage r = Msg(EpType::Response, id, out[0].msg.requestId);
    r.local = kLocal;
    Feed(c, r);
    EXPECT_TRUE(Events(c).empty()); // success of a datagram is silent
    EXPECT_EQ(c.SendTo(id, kPeer, d.data(), 5).bytes, 5u);
    out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].channel, LhpChannel::SemiReliable);
    EpAddress a;
    EXPECT_EQ(c.GetSockName(id, a), 0);
    EXPECT_EQ(a, kLocal);

    EpMessage in = Msg(EpType::RecvFrom, id);
    in.peer = kPeer;
    in.payload = Bytes("pong!");
    Feed(c, in);
    EpReadResult rr = c.Recv(id, 4); // truncated like UDP
    EXPECT_EQ(rr.data, Bytes("pong"));
    EXPECT_EQ(rr.from, kPeer);
    EXPECT_EQ(c.Recv(id, 4).error, ep_errno::kEagain);
}

TEST(EpClient, LinkDownFailsEverySocketTheServerHeld)
{
    EpClient c(SmallConfig());
    std::uint32_t conn = Connected(c);
    std::uint32_t connecting = c.Create(EpSockType::Stream).id;
    ASSERT_EQ(c.Connect(connecting, kPeer), 0);
    std::uint32_t listener = c.Create(EpSockType::Stream).id;
    ASSERT_EQ(c.Listen(listener, 1), 0);
    std::uint32_t udp = c.Create(EpSockType::Dgram).id;
    ASSERT_EQ(c.SendTo(udp, kPeer, nullptr, 0).error, 0);
    std::uint32_t fresh = c.Create(EpSockType::Stream).id;
    std::uint32_t req = 0;
    ASSERT_EQ(c.GetSockOpt(conn, ep_sockopt::kLevelSocket, ep_sockopt::kRcvBuf, &req), 0);
    ASSERT_TRUE(c.HasOutgoing());

    c.OnLinkDown();
    EXPECT_FALSE(c.HasOutgoing());
    std::vector<EpClientEvent> ev = Events(c);
    auto find = [&](std::uint32_t id, Kind k)
    {
        return std::count_if(ev.begin(),
                             ev.end(),
                             [&](const EpClientEvent& e) {
                                 return e.rsockId == id && e.kind == k &&
                                        e.error == ep_errno::kEnetdown;
                             });
    };
    EXPECT_EQ(find(conn, Kind::Error), 1);
    EXPECT_EQ(find(conn, Kind::RequestDone), 1);
    EXPECT_EQ(find(connecting, Kind::ConnectDone), 1);
    EXPECT_EQ(find(listener, Kind::ListenDone), 1);
    EXPECT_EQ(find(listener, Kind::Error), 1);
    EXPECT_EQ(find(udp, Kind::Error), 1);
    EXPECT_EQ(ev.size(), 6u); // nothing for the fresh socket
    EXPECT_EQ(c.GetState(conn), EpClientSocketState::Error);
    EXPECT_EQ(c.GetState(fresh), EpClientSocketState::Fresh);

    std::uint8_t b = 1;
    EXPECT_EQ(c.Send(conn, &b, 1).error, ep_errno::kEnetdown);
    EXPECT_EQ(c.Recv(conn, 1).error, ep_errno::kEnetdown);
    EXPECT_EQ(c.Connect(fresh, kPeer), ep_errno::kEnetdown);
    EXPECT_EQ(c.Close(conn), 0);
    EXPECT_FALSE(c.HasOutgoing()); // nothing to tell a server that is gone

    c.OnLinkUp();
    ASSERT_EQ(c.Connect(fresh, kPeer), 0);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.flags, kEpFlagCreate);
}

TEST(EpClient, BadInputIsCountedAndIgnored)
{
    EpClient c(SmallConfig());
    std::uint32_t id = Connected(c);
    std::vector<std::uint8_t> junk = {1, 2, 3};
    c.OnMessage(junk);
    c.OnMessage(nullptr, 0);
    std::vector<std::uint8_t> unknownType = EncodeEpMessage(Msg(EpType::Eof, id));
    unknownType[1] = 200;
    c.OnMessage(unknownType);
    EXPECT_EQ(c.GetStats().decodeErrors, 3u);

    Feed(c, Msg(EpType::Connect, id, 5));     // a client-to-server type
    Feed(c, Msg(EpType::Response, id, 4242)); // nobody asked
    Feed(c, DataMsg(999, Bytes("x")));        // no such socket
    Feed(c, CreditMsg(999, 10));
    Feed(c, Msg(EpType::Registered, 0, 77)); // no Register pending
    EXPECT_EQ(c.GetStats().unexpectedMessages, 1u);
    EXPECT_EQ(c.GetStats().staleMessages, 4u);
    EXPECT_TRUE(Events(c).empty());
    EXPECT_FALSE(c.HasOutgoing());
    EXPECT_EQ(c.GetState(id), EpClientSocketState::Connected);
}

TEST(EpClient, CloseFlushesBufferedDataThenCloses)
{
    EpClient c(SmallConfig());
    std::uint32_t id = Connected(c);
    std::vector<std::uint8_t> data = Pattern(2500, 5);
    Feed(c, CreditMsg(id, 1000));
    ASSERT_EQ(c.Send(id, data.data(), data.size()).bytes, 2500u);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(c.Close(id), 0);
    EXPECT_EQ(c.Send(id, data.data(), 1).error, ep_errno::kEbadf); // gone for the app
    EXPECT_FALSE(c.HasOutgoing());
    Feed(c, CreditMsg(id, 1000));
    Feed(c, CreditMsg(id, 1000));
    std::vector<Sent> more = Drain(c);
    ASSERT_EQ(more.size(), 3u);
    EXPECT_EQ(more.back().msg.type, EpType::Close);
    out.insert(out.end(), more.begin(), more.end());
    EXPECT_EQ(Concat(out, EpType::Data), data);
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::Closed);
    Feed(c, DataMsg(id, Bytes("late"))); // racing data for the closed socket
    EXPECT_EQ(c.GetStats().staleMessages, 1u);
}

TEST(EpClient, CloseOfFreshSocketSendsNothing)
{
    EpClient c(SmallConfig());
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    EXPECT_EQ(c.Close(id), 0);
    EXPECT_FALSE(c.HasOutgoing());
    EXPECT_EQ(c.Close(id), ep_errno::kEbadf);
    EXPECT_EQ(c.OpenSocketCount(), 0u);
}

TEST(EpClient, ErrorMessageResetsAfterBufferedData)
{
    EpClient c(SmallConfig());
    std::uint32_t id = Connected(c);
    Feed(c, DataMsg(id, Bytes("abc")));
    EpMessage e = Msg(EpType::Error, id);
    e.error = ep_errno::kEconnreset;
    Feed(c, e);
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[1].kind, Kind::Error);
    EXPECT_EQ(ev[1].error, ep_errno::kEconnreset);
    std::uint8_t b = 0;
    EXPECT_EQ(c.Send(id, &b, 1).error, ep_errno::kEconnreset);
    EXPECT_EQ(c.Recv(id, 10).data, Bytes("abc"));
    EXPECT_EQ(c.Recv(id, 10).error, ep_errno::kEconnreset);
}

TEST(EpClient, CreateRefusedByServerKillsSocketWithoutClose)
{
    EpClient c(SmallConfig());
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    ASSERT_EQ(c.Connect(id, kPeer), 0);
    std::vector<Sent> out = Drain(c);
    EpMessage r = Msg(EpType::Response, id, out.at(0).msg.requestId);
    r.error = ep_errno::kEmfile;
    Feed(c, r);
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::ConnectDone);
    EXPECT_EQ(ev[0].error, ep_errno::kEmfile);
    EXPECT_EQ(c.GetState(id), EpClientSocketState::Error);
    EXPECT_EQ(c.Close(id), 0);
    EXPECT_FALSE(c.HasOutgoing()); // the server never had it
}

TEST(EpClient, GetSockOptAnswerCarriesValue)
{
    EpClient c(SmallConfig());
    std::uint32_t id = Connected(c);
    std::uint32_t req = 0;
    ASSERT_EQ(c.GetSockOpt(id, ep_sockopt::kLevelSocket, ep_sockopt::kKeepAlive, &req), 0);
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.requestId, req);
    EXPECT_EQ(out[0].msg.level, ep_sockopt::kLevelSocket);
    EXPECT_EQ(out[0].msg.option, ep_sockopt::kKeepAlive);
    EpMessage r = Msg(EpType::Response, id, req);
    r.intValue = 1;
    Feed(c, r);
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::RequestDone);
    EXPECT_EQ(ev[0].requestId, req);
    EXPECT_EQ(ev[0].value, 1);
}

} // namespace
} // namespace test
} // namespace resoa

namespace resoa
{
namespace test
{
namespace
{

TEST(EpClientCoalesce, SmallWritesInOneTurnFillWholeChunks)
{
    EpClientConfig cfg = SmallConfig();
    cfg.coalesceWrites = true;
    EpClient c(cfg);
    std::uint32_t id = Connected(c);
    Feed(c, CreditMsg(id, 4000));
    std::vector<std::uint8_t> data = Pattern(2500, 3);
    for (std::size_t off = 0; off < data.size(); off += 100)
    {
        ASSERT_EQ(c.Send(id, data.data() + off, 100).bytes, 100u);
    }
    // Whole 1000-byte chunks go at once; the 500-byte tail waits for the end of the turn.
    std::vector<Sent> out = Drain(c);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].msg.payload.size(), 1000u);
    EXPECT_EQ(out[1].msg.payload.size(), 1000u);
    c.FlushPartial();
    std::vector<Sent> tail = Drain(c);
    ASSERT_EQ(tail.size(), 1u);
    EXPECT_EQ(tail[0].msg.payload.size(), 500u);
    out.insert(out.end(), tail.begin(), tail.end());
    EXPECT_EQ(Concat(out, EpType::Data), data);
}

TEST(EpClientCoalesce, HeldTailLeavesWhenCreditArrivesAfterTheTurn)
{
    EpClientConfig cfg = SmallConfig();
    cfg.coalesceWrites = true;
    EpClient c(cfg);
    std::uint32_t id = Connected(c);
    std::vector<std::uint8_t> data = Pattern(100, 4);
    ASSERT_EQ(c.Send(id, data.data(), data.size()).bytes, 100u);
    c.FlushPartial(); // the turn ends before the server granted any credit
    EXPECT_TRUE(Drain(c).empty());
    Feed(c, CreditMsg(id, 4000));
    std::vector<Sent> out = Drain(c);
    EXPECT_EQ(Concat(out, EpType::Data), data);
}

} // namespace
} // namespace test
} // namespace resoa
