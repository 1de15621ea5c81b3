/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * EpClient <-> EpServer wired directly (one hop per Step, as if over LHP), with the server
 * running its calls on the fake stack. Checks the socket semantics the paper requires.
 */
#include "ep-client.h"
#include "ep-server.h"

#include "core/ep-test-util.h"
#include "core/fake-socket-stack.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>

namespace resoa
{
namespace test
{
namespace
{

using Kind = EpClientEvent::Kind;

constexpr std::uint32_t kServerIp = 0xCB007101; // 203.0.113.1
constexpr std::uint32_t kPool1 = 0xCB00710A;
const EpAddress kWeb = EpAddress::Ipv4(0xC6336407, 80);
const EpAddress kRemote = EpAddress::Ipv4(0xC6336408, 5555);

/// One message that crossed the "link", decoded.
struct Logged
{
    bool up = false; //!< client to server
    std::uint64_t session = 0;
    LhpChannel channel = LhpChannel::Reliable;
    EpMessage msg;
};

/// Clients and a server on a fake stack, wired through queues: a message queued during
/// one Step is delivered in the next, so request/response round trips take two Steps.
class Net
{
  public:
    explicit Net(EpServerConfig cfg = Default())
        : stack(kServerIp)
        , server(cfg, stack)
    {
        stack.AttachServer(&server);
        stack.AddLocalAddress(kPool1);
        stack.AddRemoteListener(kWeb);
    }

    static EpServerConfig Default()
    {
        EpServerConfig c;
        c.serverIpv4 = kServerIp;
        return c;
    }

    EpClient& AddClient(std::uint64_t session, EpClientConfig cfg = {})
    {
        auto c = std::make_unique<EpClient>(cfg);
        EpClient& ref = *c;
        m_clients[session] = std::move(c);
        server.OnSessionUp(session);
        return ref;
    }

    /// Client, registered; returns the Registered event.
    EpClient& Registered(std::uint64_t session,
                         EpAddrMode mode = EpAddrMode::NTo1,
                         EpClientConfig cfg = {})
    {
        EpClient& c = AddClient(session, cfg);
        EXPECT_EQ(c.Register(mode, 0, "sta"), 0);
        Pump();
        std::vector<EpClientEvent> ev = Events(c);
        EXPECT_EQ(ev.size(), 1u);
        EXPECT_EQ(ev.at(0).kind, Kind::Registered);
        EXPECT_EQ(ev.at(0).error, 0);
        return c;
    }

    /// Raw bytes from a client that is not an EpClient (e.g. one ignoring the limit).
    void RawUp(std::uint64_t session, const EpMessage& m)
    {
        server.OnMessage(session, EncodeEpMessage(m));
    }

    bool Step()
    {
        std::vector<std::pair<std::uint64_t, EpOutgoing>> up;
        for (auto& [session, c] : m_clients)
        {
            while (auto o = c->PollOutgoing())
            {
                up.emplace_back(session, std::move(*o));
            }
        }
        std::vector<EpServerOutgoing> down;
        while (auto o = server.PollOutgoing())
        {
            down.push_back(std::move(*o));
        }
        for (auto& [session, o] : up)
        {
            log.push_back(Logged{true, session, o.channel, Decode(o.bytes)});
            server.OnMessage(session, o.bytes);
        }
        std::size_t events = stack.DeliverEvents();
        for (EpServerOutgoing& o : down)
        {
            log.push_back(Logged{false, o.sessionId, o.channel, Decode(o.bytes)});
            auto it = m_clients.find(o.sessionId);
            if (it == m_clients.end())
            {
                rawDown[o.sessionId].push_back(Decode(o.bytes));
            }
            else
            {
                it->second->OnMessage(o.bytes);
            }
        }
        return !up.empty() || !down.empty() || events > 0;
    }

    void Pump()
    {
        for (int i = 0; i < 100000 && Step(); ++i)
        {
        }
    }

    std::size_t Count(bool up, EpType type, std::size_t from = 0) const
    {
        return static_cast<std::size_t>(
            std::count_if(log.begin() + static_cast<long>(from),
                          log.end(),
                          [&](const Logged& l) { return l.up == up && l.msg.type == type; }));
    }

    FakeSocketStack stack;
    EpServer server;
    std::vector<Logged> log;
    std::map<std::uint64_t, std::vector<EpMessage>> rawDown;

  private:
    std::map<std::uint64_t, std::unique_ptr<EpClient>> m_clients;
};

/// Connects `id` to kWeb and runs until ConnectDone.
void
ConnectWeb(Net& net, EpClient& c, std::uint32_t id)
{
    ASSERT_EQ(c.Connect(id, kWeb), 0);
    net.Pump();
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev[0].kind, Kind::ConnectDone);
    EXPECT_EQ(ev[0].error, 0);
}

TEST(EpEndToEnd, LazySocketAndSingleMessageConnect)
{
    Net net;
    EpClient& c = net.Registered(1);
    std::size_t before = net.log.size();
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    net.Pump();
    EXPECT_EQ(net.log.size(), before); // socket() sent nothing
    EXPECT_TRUE(net.stack.LiveHandles().empty());

    ASSERT_EQ(c.Connect(id, kWeb), 0);
    net.Step();
    ASSERT_EQ(net.log.size(), before + 1); // one message: create and connect together
    const EpMessage& m = net.log.back().msg;
    EXPECT_EQ(m.type, EpType::Connect);
    EXPECT_EQ(m.flags & kEpFlagCreate, kEpFlagCreate);
    EXPECT_EQ(m.sockType, EpSockType::Stream);
    EXPECT_EQ(m.rsockId, id);
    EXPECT_EQ(m.peer, kWeb);
    net.Pump();
    EXPECT_EQ(net.Count(true, EpType::Socket), 0u);
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::ConnectDone);

    // getsockname/getpeername: the server's public address and the real port, no message.
    EpHandle h = net.stack.HandleByPeer(kWeb);
    ASSERT_NE(h, kEpInvalidHandle);
    std::size_t logged = net.log.size();
    EpAddress local;
    EpAddress peer;
    ASSERT_EQ(c.GetSockName(id, local), 0);
    ASSERT_EQ(c.GetPeerName(id, peer), 0);
    EXPECT_EQ(local, EpAddress::Ipv4(kServerIp, net.stack.Find(h)->local.port));
    EXPECT_NE(local.port, 0);
    EXPECT_EQ(peer, kWeb);
    EXPECT_FALSE(c.HasOutgoing());
    net.Pump();
    EXPECT_EQ(net.log.size(), logged);
}

TEST(EpEndToEnd, NTo1SharesTheServerAddressOneTo1GetsItsOwn)
{
    EpServerConfig cfg = Net::Default();
    cfg.allowOneTo1 = true;
    cfg.addressPool = {kPool1};
    Net net(cfg);
    EpClient& a = net.Registered(1, EpAddrMode::NTo1);
    EpClient& b = net.Registered(2, EpAddrMode::OneTo1);
    EXPECT_EQ(a.GetPublicIpv4(), kServerIp);
    EXPECT_EQ(b.GetPublicIpv4(), kPool1);
    EXPECT_EQ(b.GetAddrMode(), EpAddrMode::OneTo1);
    std::uint32_t ia = a.Create(EpSockType::Stream).id;
    std::uint32_t ib = b.Create(EpSockType::Stream).id;
    ConnectWeb(net, a, ia);
    ConnectWeb(net, b, ib);
    EpAddress la;
    EpAddress lb;
    a.GetSockName(ia, la);
    b.GetSockName(ib, lb);
    EXPECT_EQ(la.Ipv4HostOrder(), kServerIp);
    EXPECT_EQ(lb.Ipv4HostOrder(), kPool1);
    EXPECT_NE(la.port, lb.port);
    // What the Internet sees: the stack's sockets carry the same addresses.
    int seen = 0;
    for (EpHandle h : net.stack.LiveHandles())
    {
        EpAddress s = net.stack.GetSockName(h);
        seen += s == la ? 1 : 0;
        seen += s == lb ? 2 : 0;
    }
    EXPECT_EQ(seen, 3);
}

TEST(EpEndToEnd, MegabyteDownloadThroughSmallCreditWindow)
{
    EpClientConfig cc;
    cc.recvWindowBytes = 8192;
    Net net;
    net.stack.SetBuffers(16384, 16384);
    EpClient& c = net.Registered(1, EpAddrMode::NTo1, cc);
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    ConnectWeb(net, c, id);
    EpHandle h = net.stack.HandleByPeer(kWeb);
    std::vector<std::uint8_t> data = Pattern(1 << 20, 99);

    // The application does not read: the client fills its window, TCP's window stays shut.
    std::size_t off = 0;
    for (int i = 0; i < 5; ++i)
    {
        off += net.stack.PeerWrite(h, data.data() + off, data.size() - off);
        net.Pump();
    }
    EXPECT_EQ(c.RecvAvailable(id), 8192u);
    EXPECT_EQ(net.stack.Find(h)->totalRead, 8192u);
    EXPECT_EQ(net.stack.Find(h)->rx.size(), 16384u); // unread bytes stay in the stack
    EXPECT_EQ(off, 8192u + 16384u);

    // Now it reads, slowly; the peer closes right after its last byte.
    std::vector<std::uint8_t> got;
    std::uint64_t maxAhead = 0;
    bool closed = false;
    for (int i = 0; i < 100000 && got.size() < data.size(); ++i)
    {
        off += net.stack.PeerWrite(h, data.data() + off, data.size() - off);
        if (off == data.size() && !closed)
        {
            net.stack.PeerClose(h);
            closed = true;
        }
        net.Pump();
        maxAhead = std::max<std::uint64_t>(maxAhead, net.stack.Find(h)->totalRead - got.size());
        EpReadResult r = c.Recv(id, 3000);
        EXPECT_FALSE(r.eof && got.size() + r.data.size() < data.size());
        got.insert(got.end(), r.data.begin(), r.data.end());
    }
    EXPECT_LE(maxAhead, 8192u); // the server never read beyond the client's credit
    ASSERT_EQ(got.size(), data.size());
    EXPECT_TRUE(got == data);
    net.Pump();
    EpReadResult r = c.Recv(id, 3000);
    EXPECT_TRUE(r.data.empty());
    EXPECT_TRUE(r.eof);

    // On the wire, Eof came after the last Data.
    long lastData = -1;
    long eof = -1;
    for (std::size_t i = 0; i < net.log.size(); ++i)
    {
        const Logged& l = net.log[i];
        if (!l.up && l.msg.rsockId == id && l.msg.type == EpType::Data)
        {
            lastData = static_cast<long>(i);
        }
        if (!l.up && l.msg.rsockId == id && l.msg.type == EpType::Eof)
        {
            eof = static_cast<long>(i);
        }
    }
    EXPECT_GT(eof, lastData);
    EXPECT_GT(lastData, 0);
    // Credit was batched: the initial grant, then one per threshold (8192 / 4) consumed.
    EXPECT_LE(net.Count(true, EpType::Credit), 2 + data.size() / 2048);
    EXPECT_LT(net.Count(true, EpType::Credit), net.Count(false, EpType::Data));
}

TEST(EpEndToEnd, MegabyteUploadThroughCreditAndTcpBackpressure)
{
    EpClientConfig cc;
    cc.sendBufferBytes = 16384;
    EpServerConfig sc = Net::Default();
    sc.clientWindowBytes = 8192;
    Net net(sc);
    net.stack.SetBuffers(16384, 4096);
    EpClient& c = net.Registered(1, EpAddrMode::NTo1, cc);
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    ConnectWeb(net, c, id);
    EpHandle h = net.stack.HandleByPeer(kWeb);
    std::vector<std::uint8_t> data = Pattern(1 << 20, 7);

    std::size_t sent = 0;
    int eagain = 0;
    std::int64_t writable = 0;
    std::size_t maxPending = 0;
    for (int i = 0; i < 100000 && net.stack.Find(h)->peerReceived.size() < data.size(); ++i)
    {
        if (sent < data.size())
        {
            EpIoResult r = c.Send(id, data.data() + sent, data.size() - sent);
            sent += r.bytes;
            if (sent < data.size())
            {
                // A short write means the buffer is full: the next call must say so.
                EpIoResult again = c.Send(id, data.data() + sent, data.size() - sent);
                EXPECT_EQ(again.bytes, 0u);
                eagain += again.error == ep_errno::kEagain ? 1 : 0;
            }
        }
        net.Pump();
        net.stack.PeerRead(h, 3000); // the Internet peer drains TCP slowly
        net.Pump();
        for (const EpClientEvent& e : Events(c))
        {
            writable += e.kind == Kind::Writable ? e.value : 0;
        }
        maxPending = std::max(maxPending, net.server.ListSockets().at(0).pendingBytes);
    }
    EXPECT_GT(eagain, 0); // the application felt TCP's back-pressure
    EXPECT_LE(maxPending, 8192u);
    EXPECT_TRUE(net.stack.Find(h)->peerReceived == data);
    // Writable reports what the server handed to TCP; at most one credit batch is held back.
    EXPECT_LE(static_cast<std::size_t>(writable), data.size());
    EXPECT_GE(static_cast<std::size_t>(writable), data.size() - 8192 / 4);
    EXPECT_EQ(c.SendSpace(id), 16384u - (data.size() - static_cast<std::size_t>(writable)));

    ASSERT_EQ(c.Shutdown(id, ep_shutdown::kWrite), 0);
    net.Pump();
    EXPECT_TRUE(net.stack.Find(h)->shutWr);
}

/// Uploads 200 kB with a client send buffer of `sendBuffer` against the server's default
/// Credit batch (32 KiB); returns what the Internet peer received.
std::vector<std::uint8_t>
UploadWithSendBuffer(std::size_t sendBuffer, const std::vector<std::uint8_t>& data, int& flagged)
{
    EpClientConfig cc;
    cc.sendBufferBytes = sendBuffer;
    Net net;
    EpClient& c = net.Registered(1, EpAddrMode::NTo1, cc);
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    ConnectWeb(net, c, id);
    EpHandle h = net.stack.HandleByPeer(kWeb);
    std::size_t sent = 0;
    flagged = 0;
    for (int i = 0; i < 20000 && net.stack.Find(h)->peerReceived.size() < data.size(); ++i)
    {
        sent += c.Send(id, data.data() + sent, data.size() - sent).bytes;
        net.Pump();
        net.stack.PeerRead(h, 1 << 20);
        net.Pump();
    }
    flagged = static_cast<int>(std::count_if(net.log.begin(),
                                             net.log.end(),
                                             [](const Logged& l) {
                                                 return l.up && l.msg.type == EpType::Data &&
                                                        (l.msg.flags & kEpFlagCreditWanted) != 0;
                                             }));
    return net.stack.Find(h)->peerReceived;
}

// A send buffer at or below the server's Credit batch used to stall for good: the server
// waited for 32 KiB that the client could never have outstanding. kEpFlagCreditWanted on the
// last Data before a full buffer makes the server credit at once.
TEST(EpEndToEnd, UploadCompletesWithSendBufferBelowTheCreditBatch)
{
    const std::vector<std::uint8_t> data = Pattern(200000, 3);
    for (std::size_t buffer : {std::size_t{100},
                               std::size_t{1000},
                               std::size_t{8192},
                               std::size_t{32767},
                               std::size_t{32768},
                               std::size_t{131072}})
    {
        int flagged = 0;
        EXPECT_TRUE(UploadWithSendBuffer(buffer, data, flagged) == data)
            << "send buffer " << buffer;
        EXPECT_GT(flagged, 0) << "send buffer " << buffer; // the buffer filled at least once
    }
}

TEST(EpEndToEnd, SendDuringConnectAndCloseWithDataInFlight)
{
    Net net;
    EpClient& c = net.Registered(1);
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    ASSERT_EQ(c.Connect(id, kWeb), 0);
    std::vector<std::uint8_t> msg = Bytes("GET / HTTP/1.0\r\n\r\n");
    EXPECT_EQ(c.Send(id, msg.data(), msg.size()).bytes, msg.size()); // before the answer
    ASSERT_EQ(c.Close(id), 0);
    net.Pump();
    ASSERT_EQ(net.stack.AllHandles().size(), 1u);
    EpHandle h = net.stack.AllHandles()[0];
    EXPECT_EQ(net.stack.PeerRead(h, 100), msg);
    EXPECT_TRUE(net.stack.Find(h)->closed); // graceful: data first, then FIN
    EXPECT_FALSE(net.stack.Find(h)->aborted);
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev.back().kind, Kind::Closed);
    EXPECT_TRUE(net.server.ListSockets().empty());
}

TEST(EpEndToEnd, EofArrivesAfterTheData)
{
    Net net;
    EpClient& c = net.Registered(1);
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    ConnectWeb(net, c, id);
    EpHandle h = net.stack.HandleByPeer(kWeb);
    net.stack.PeerWrite(h, Bytes("abc"));
    net.stack.PeerClose(h);
    net.Pump();
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].kind, Kind::Readable);
    EXPECT_EQ(ev[1].kind, Kind::Eof);
    EXPECT_EQ(c.Recv(id, 10).data, Bytes("abc"));
    EXPECT_TRUE(c.Recv(id, 10).eof);
}

TEST(EpEndToEnd, SocketLimitAtTheClientAndAtTheServer)
{
    EpServerConfig sc = Net::Default();
    sc.socketLimit = 3;
    Net net(sc);
    EpClient& c = net.Registered(1);
    EXPECT_EQ(c.GetSocketLimit(), 3);
    for (int i = 0; i < 3; ++i)
    {
        EXPECT_EQ(c.Create(EpSockType::Stream).error, 0);
    }
    EXPECT_EQ(c.Create(EpSockType::Stream).error, ep_errno::kEmfile);

    // A client ignoring the limit gets EMFILE from the server and nothing else changes.
    net.server.OnSessionUp(2);
    net.RawUp(2, Msg(EpType::Register, 0, 1));
    for (std::uint32_t id = 1; id <= 4; ++id)
    {
        EpMessage m = Msg(EpType::Connect, id, 10 + id);
        m.flags = kEpFlagCreate;
        m.sockType = EpSockType::Stream;
        m.peer = kWeb;
        net.RawUp(2, m);
    }
    net.Pump();
    std::vector<EpMessage>& down = net.rawDown[2];
    auto resp = std::find_if(down.begin(),
                             down.end(),
                             [](const EpMessage& m)
                             { return m.type == EpType::Response && m.rsockId == 4; });
    ASSERT_NE(resp, down.end());
    EXPECT_EQ(resp->error, ep_errno::kEmfile);
    EXPECT_EQ(resp->requestId, 14u);
    EXPECT_EQ(net.stack.LiveHandles().size(), 3u);
    EXPECT_EQ(net.server.GetSession(2)->socketCount, 3u);
}

TEST(EpEndToEnd, AcceptPathWithDataBothWays)
{
    Net net;
    EpClient& c = net.Registered(1);
    std::uint32_t lid = c.Create(EpSockType::Stream).id;
    ASSERT_EQ(c.Bind(lid, EpAddress::Ipv4(0, 8080)), 0);
    ASSERT_EQ(c.Listen(lid, 8), 0);
    net.Pump();
    std::vector<EpClientEvent> ev = Events(c);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].kind, Kind::BindDone);
    EXPECT_EQ(ev[0].error, 0);
    EXPECT_EQ(ev[0].local.port, 8080);
    EXPECT_EQ(ev[1].kind, Kind::ListenDone);
    EXPECT_EQ(ev[1].error, 0);

    EpHandle h = net.stack.InjectIncoming(8080, kRemote);
    ASSERT_NE(h, kEpInvalidHandle);
    net.Pump();
    ev = Events(c);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, Kind::Accepted);
    EXPECT_EQ(ev[0].rsockId, lid);
    EXPECT_GE(ev[0].newRsockId, kServerRsockBase);
    EpSocketResult a = c.Accept(lid);
    ASSERT_EQ(a.error, 0);
    EXPECT_EQ(a.id, ev[0].newRsockId);
    EpAddress peer;
    EpAddress local;
    ASSERT_EQ(c.GetPeerName(a.id, peer), 0);
    ASSERT_EQ(c.GetSockName(a.id, local), 0);
    EXPECT_EQ(peer, kRemote);
    EXPECT_EQ(local, EpAddress::Ipv4(kServerIp, 8080));

    net.stack.PeerWrite(h, Bytes("hello"));
    net.Pump();
    EXPECT_EQ(c.Recv(a.id, 100).data, Bytes("hello"));
    std::vector<std::uint8_t> w = Bytes("world");
    EXPECT_EQ(c.Send(a.id, w.data(), w.size()).bytes, 5u);
    net.Pump();
    EXPECT_EQ(net.stack.PeerRead(h, 100), w);
}

TEST(EpEndToEnd, DatagramsMoveToSemiReliableOnceConfirmed)
{
    Net net;
    EpClient& c = net.Registered(1);
    std::uint32_t id = c.Create(EpSockType::Dgram).id;
    std::size_t before = net.log.size();
    std::vector<std::uint8_t> d1 = Bytes("one");
    std::vector<std::uint8_t> d2 = Bytes("two");
    std::vector<std::uint8_t> d3 = Bytes("three");
    ASSERT_EQ(c.SendTo(id, kWeb, d1.data(), d1.size()).error, 0);
    ASSERT_EQ(c.SendTo(id, kWeb, d2.data(), d2.size()).error, 0);
    net.Pump();
    ASSERT_EQ(c.SendTo(id, kWeb, d3.data(), d3.size()).error, 0);
    net.Pump();
    std::vector<Logged> sends;
    for (std::size_t i = before; i < net.log.size(); ++i)
    {
        if (net.log[i].up && net.log[i].msg.type == EpType::SendTo)
        {
            sends.push_back(net.log[i]);
        }
    }
    ASSERT_EQ(sends.size(), 3u);
    EXPECT_EQ(sends[0].channel, LhpChannel::Reliable);
    EXPECT_EQ(sends[0].msg.flags, kEpFlagCreate);
    EXPECT_EQ(sends[1].channel, LhpChannel::Reliable);
    EXPECT_EQ(sends[2].channel, LhpChannel::SemiReliable);
    ASSERT_EQ(net.stack.Datagrams().size(), 3u);
    EXPECT_EQ(net.stack.Datagrams()[0].data, d1);
    EXPECT_EQ(net.stack.Datagrams()[2].data, d3);
    EXPECT_EQ(net.stack.Datagrams()[2].to, kWeb);
    EpAddress local;
    c.GetSockName(id, local);
    EXPECT_EQ(local, net.stack.Datagrams()[0].from);
    EXPECT_EQ(local.Ipv4HostOrder(), kServerIp);

    net.stack.InjectDatagram(net.stack.Datagrams()[0].handle, kWeb, Bytes("reply"));
    net.Pump();
    EXPECT_EQ(net.log.back().channel, LhpChannel::SemiReliable);
    EXPECT_EQ(net.log.back().msg.type, EpType::RecvFrom);
    EpReadResult r = c.Recv(id, 100);
    EXPECT_EQ(r.data, Bytes("reply"));
    EXPECT_EQ(r.from, kWeb);
}

TEST(EpEndToEnd, LinkDownErrorsEveryClientSocket)
{
    Net net;
    EpClient& c = net.Registered(1);
    std::uint32_t conn = c.Create(EpSockType::Stream).id;
    ConnectWeb(net, c, conn);
    std::uint32_t listener = c.Create(EpSockType::Stream).id;
    c.Listen(listener, 1);
    std::uint32_t udp = c.Create(EpSockType::Dgram).id;
    c.SendTo(udp, kWeb, nullptr, 0);
    net.Pump();
    std::uint32_t connecting = c.Create(EpSockType::Stream).id;
    c.Connect(connecting, kWeb); // never delivered
    Events(c);

    c.OnLinkDown();
    std::map<std::uint32_t, std::int32_t> failed;
    for (const EpClientEvent& e : Events(c))
    {
        if (e.kind == Kind::Error || e.kind == Kind::ConnectDone)
        {
            failed[e.rsockId] = e.error;
        }
    }
    EXPECT_EQ(failed.size(), 4u);
    for (std::uint32_t id : {conn, listener, udp, connecting})
    {
        EXPECT_EQ(failed[id], ep_errno::kEnetdown) << id;
        EXPECT_EQ(c.GetState(id), EpClientSocketState::Error);
    }
    EXPECT_EQ(c.Recv(conn, 10).error, ep_errno::kEnetdown);
    EXPECT_EQ(c.Accept(listener).error, ep_errno::kEnetdown);
    EXPECT_FALSE(c.HasOutgoing());
}

TEST(EpEndToEnd, SessionDownClosesEveryStackHandleOfThatSession)
{
    Net net;
    EpClient& a = net.Registered(1);
    EpClient& b = net.Registered(2);
    std::uint32_t a1 = a.Create(EpSockType::Stream).id;
    ConnectWeb(net, a, a1);
    std::uint32_t a2 = a.Create(EpSockType::Stream).id;
    a.Listen(a2, 1);
    std::uint32_t a3 = a.Create(EpSockType::Dgram).id;
    a.SendTo(a3, kWeb, nullptr, 0);
    std::uint32_t b1 = b.Create(EpSockType::Stream).id;
    ConnectWeb(net, b, b1);
    net.Pump();
    ASSERT_EQ(net.stack.LiveHandles().size(), 4u);
    std::vector<EpHandle> bHandles;
    for (const EpServerSocketInfo& i : net.server.ListSockets())
    {
        if (i.sessionId == 2)
        {
            bHandles.push_back(i.handle);
        }
    }

    net.server.OnSessionDown(1);
    a.OnLinkDown();
    EXPECT_EQ(net.stack.LiveHandles(), bHandles);
    EXPECT_EQ(net.stack.DoubleReleases(), 0u);
    // The other client is untouched.
    EpHandle hb = net.stack.HandleByPeer(kWeb);
    net.stack.PeerWrite(hb, Bytes("still here"));
    net.Pump();
    EXPECT_EQ(b.Recv(b1, 100).data, Bytes("still here"));
}

TEST(EpEndToEnd, MalformedAndUnknownInputNeverBreaksAConnection)
{
    Net net;
    EpClient& c = net.Registered(1);
    std::uint32_t id = c.Create(EpSockType::Stream).id;
    ConnectWeb(net, c, id);
    EpHandle h = net.stack.HandleByPeer(kWeb);

    std::vector<std::uint8_t> junk = Pattern(40, 5);
    net.server.OnMessage(1, junk);
    c.OnMessage(junk);
    std::vector<std::uint8_t> truncated = EncodeEpMessage(Msg(EpType::Close, id));
    truncated.pop_back();
    net.server.OnMessage(1, truncated);
    EXPECT_EQ(net.server.GetStats().decodeErrors, 2u);
    EXPECT_EQ(c.GetStats().decodeErrors, 1u);

    EpMessage q = Msg(EpType::GetSockOpt, 777, 55); // unknown rsockID
    q.level = ep_sockopt::kLevelSocket;
    q.option = ep_sockopt::kRcvBuf;
    net.RawUp(1, q);
    net.RawUp(1, Msg(EpType::Shutdown, 778)); // unknown, no request id
    net.Pump();
    EXPECT_EQ(net.server.GetStats().unknownSocket, 2u);
    EXPECT_EQ(c.GetStats().staleMessages, 1u); // the EBADF answer nobody asked for

    // The connection still carries data.
    net.stack.PeerWrite(h, Bytes("ok"));
    net.Pump();
    EXPECT_EQ(c.Recv(id, 10).data, Bytes("ok"));
}

} // namespace
} // namespace test
} // namespace resoa
