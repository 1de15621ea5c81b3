/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * PairPump: an application's socketpair end <-> EpClient, with the server side in memory
 * (EpServer on the core tests' FakeSocketStack, as test/core/test-ep-end-to-end.cc).
 */
#include "ep-client.h"
#include "ep-server.h"
#include "event-loop.h"
#include "pair-pump.h"

#include "core/fake-socket-stack.h"
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <memory>
#include <numeric>

namespace resoa
{
namespace test
{
namespace
{

constexpr std::uint32_t kServerIp = 0xCB007101; // 203.0.113.1
const EpAddress kWeb = EpAddress::Ipv4(0xC6336407, 80);

std::vector<std::uint8_t>
Pattern(std::size_t n, std::uint8_t seed)
{
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
    {
        v[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 9));
    }
    return v;
}

/// One client, one server, one pump; the application holds `app`.
class Rig
{
  public:
    explicit Rig(EpClientConfig clientConfig = {}, std::size_t serverTcpBuffer = 1 << 20)
        : stack(kServerIp)
        , server(ServerConfig(), stack)
        , client(clientConfig)
    {
        stack.AttachServer(&server);
        stack.AddRemoteListener(kWeb);
        stack.SetBuffers(serverTcpBuffer, serverTcpBuffer);
        server.OnSessionUp(1);
        EXPECT_EQ(client.Register(EpAddrMode::NTo1, 0, "rig"), 0);
        Pump();
    }

    static EpServerConfig ServerConfig()
    {
        EpServerConfig c;
        c.serverIpv4 = kServerIp;
        return c;
    }

    /// A connected stream socket with its pump.
    void Connect()
    {
        id = client.Create(EpSockType::Stream).id;
        int fds[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
        ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
        app.Reset(fds[1]);
        pump = std::make_unique<realnet::PairPump>(
            client, id, EpSockType::Stream, realnet::UniqueFd(fds[0]));
        ASSERT_EQ(client.Connect(id, kWeb), 0);
        pump->OnConnectStarted(false);
        Pump();
        handle = stack.HandleByPeer(kWeb);
        ASSERT_NE(handle, kEpInvalidHandle);
    }

    /// Runs messages, events and the pump until nothing moves.
    void Pump()
    {
        for (int i = 0; i < 10000; ++i)
        {
            bool moved = false;
            while (auto o = client.PollOutgoing())
            {
                server.OnMessage(1, o->bytes);
                moved = true;
            }
            moved |= stack.DeliverEvents() > 0;
            while (auto o = server.PollOutgoing())
            {
                client.OnMessage(o->bytes);
                moved = true;
            }
            while (auto e = client.PollEvent())
            {
                moved = true;
                if (pump && e->rsockId == id)
                {
                    pump->OnEvent(*e);
                }
            }
            if (pump)
            {
                pollfd p{pump->GetFd(), 0, 0};
                if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)))
                {
                    pump->OnHangup(); // what the daemon's epoll reports
                }
                interest = pump->Step(TimePoint(0));
            }
            client.FlushPartial();
            if (!moved && !client.HasOutgoing())
            {
                return;
            }
        }
    }

    /// Application writes as much of `data` as the pair takes now; returns how much.
    std::size_t AppWrite(const std::vector<std::uint8_t>& data, std::size_t from)
    {
        ssize_t n = ::send(app.Get(), data.data() + from, data.size() - from, MSG_NOSIGNAL);
        return n > 0 ? static_cast<std::size_t>(n) : 0;
    }

    /// Application reads what is there; false at EOF.
    bool AppRead(std::vector<std::uint8_t>& into)
    {
        std::uint8_t buf[65536];
        for (;;)
        {
            ssize_t n = ::recv(app.Get(), buf, sizeof(buf), 0);
            if (n == 0)
            {
                return false;
            }
            if (n < 0)
            {
                return true;
            }
            into.insert(into.end(), buf, buf + n);
        }
    }

    FakeSocketStack stack;
    EpServer server;
    EpClient client;
    std::uint32_t id = 0;
    EpHandle handle = kEpInvalidHandle;
    realnet::UniqueFd app;
    std::unique_ptr<realnet::PairPump> pump;
    std::uint32_t interest = 0;
};

TEST(PairPump, MovesBytesBothWaysWithEofAndClosesWhenTheAppCloses)
{
    Rig rig;
    rig.Connect();
    ASSERT_EQ(rig.client.GetState(rig.id), EpClientSocketState::Connected);

    // Upload 600 kB: more than the pair, the client's send buffer and its credit hold.
    std::vector<std::uint8_t> up = Pattern(600000, 1);
    std::vector<std::uint8_t> atServer;
    std::size_t written = 0;
    for (int i = 0; i < 10000 && atServer.size() < up.size(); ++i)
    {
        written += rig.AppWrite(up, written);
        rig.Pump();
        std::vector<std::uint8_t> got = rig.stack.PeerRead(rig.handle, 100000);
        atServer.insert(atServer.end(), got.begin(), got.end());
        rig.Pump();
    }
    EXPECT_EQ(atServer, up);

    // Download 500 kB.
    std::vector<std::uint8_t> down = Pattern(500000, 9);
    std::vector<std::uint8_t> atApp;
    std::size_t offered = 0;
    for (int i = 0; i < 10000 && atApp.size() < down.size(); ++i)
    {
        offered += rig.stack.PeerWrite(rig.handle, down.data() + offered, down.size() - offered);
        rig.Pump();
        ASSERT_TRUE(rig.AppRead(atApp));
        rig.Pump();
    }
    EXPECT_EQ(atApp, down);

    // The application's shutdown(SHUT_WR) becomes the remote socket's FIN.
    ASSERT_EQ(::shutdown(rig.app.Get(), SHUT_WR), 0);
    rig.Pump();
    EXPECT_TRUE(rig.stack.Find(rig.handle)->shutWr);
    EXPECT_FALSE(rig.pump->Finished());

    // The Internet peer's FIN reaches the application as EOF, after its data.
    std::vector<std::uint8_t> tail = Pattern(1000, 3);
    ASSERT_EQ(rig.stack.PeerWrite(rig.handle, tail), tail.size());
    rig.stack.PeerClose(rig.handle);
    rig.Pump();
    std::vector<std::uint8_t> last;
    EXPECT_FALSE(rig.AppRead(last)); // EOF
    EXPECT_EQ(last, tail);

    // Both directions done: the remote socket is closed and the pump finished.
    rig.Pump();
    EXPECT_TRUE(rig.pump->Finished());
    EXPECT_FALSE(rig.client.GetState(rig.id).has_value());
}

TEST(PairPump, StopsReadingTheAppAtZeroSendSpace)
{
    EpClientConfig cfg;
    // Below the server's Credit batch (clientWindowBytes / 4 = 32 kB): the client asks for
    // Credit when its buffer fills (kEpFlagCreditWanted), so this must not stall.
    cfg.sendBufferBytes = 8192;
    Rig rig(cfg, 16384); // the server's TCP takes 16 kB until the peer reads
    rig.Connect();

    std::vector<std::uint8_t> up = Pattern(400000, 5);
    std::size_t written = 0;
    for (int i = 0; i < 100; ++i)
    {
        written += rig.AppWrite(up, written);
        rig.Pump();
    }
    // Nobody reads at the server: the client's buffer is full, so the pump neither reads
    // nor asks to; the rest stays in the pair and the application's writes stop.
    EXPECT_EQ(rig.client.SendSpace(rig.id), 0u);
    EXPECT_EQ(rig.interest & realnet::EventLoop::kReadable, 0u);
    EXPECT_LT(written, up.size());
    EXPECT_EQ(rig.AppWrite(up, written), 0u);
    EXPECT_LE(rig.stack.Find(rig.handle)->tx.size(), 16384u);

    // The peer reads: credit flows back and everything arrives, in order.
    std::vector<std::uint8_t> atServer;
    for (int i = 0; i < 100000 && atServer.size() < up.size(); ++i)
    {
        written += rig.AppWrite(up, written);
        rig.Pump();
        std::vector<std::uint8_t> got = rig.stack.PeerRead(rig.handle, 4096);
        atServer.insert(atServer.end(), got.begin(), got.end());
    }
    ASSERT_EQ(atServer.size(), up.size()) << "written " << written;
    EXPECT_EQ(atServer, up);
}

TEST(PairPump, ResetIsEofForTheAppAndSoErrorForTheControlPath)
{
    Rig rig;
    rig.Connect();
    rig.stack.PeerReset(rig.handle);
    rig.Pump();
    std::vector<std::uint8_t> none;
    EXPECT_FALSE(rig.AppRead(none)); // EOF
    EXPECT_EQ(rig.pump->TakeError(), ep_errno::kEconnreset);
    EXPECT_EQ(rig.pump->TakeError(), 0); // read and cleared, as SO_ERROR
    EXPECT_FALSE(rig.pump->Finished());  // the app still holds its fd
    rig.app.Reset();
    rig.Pump();
    EXPECT_TRUE(rig.pump->Finished());
}

TEST(PairPump, NonBlockingConnectDiscardsExactlyTheFiller)
{
    Rig rig;
    rig.id = rig.client.Create(EpSockType::Stream).id;
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), 0);
    rig.app.Reset(fds[1]);
    rig.pump = std::make_unique<realnet::PairPump>(
        rig.client, rig.id, EpSockType::Stream, realnet::UniqueFd(fds[0]));
    ASSERT_EQ(rig.client.Connect(rig.id, kWeb), 0);
    rig.pump->OnConnectStarted(true);
    // The shim fills its end: the fd must not be writable while connecting.
    std::vector<std::uint8_t> zeros(65536);
    std::size_t filler = 0;
    for (std::size_t n; (n = rig.AppWrite(zeros, 0)) > 0;)
    {
        filler += n;
    }
    pollfd p{rig.app.Get(), POLLOUT, 0};
    EXPECT_EQ(::poll(&p, 1, 0), 0);
    rig.Pump(); // the connect completes, but the filler count is not known yet
    EXPECT_EQ(::poll(&p, 1, 0), 0);
    rig.pump->OnFiller(filler);
    rig.Pump();
    EXPECT_EQ(::poll(&p, 1, 0), 1); // writable now
    rig.handle = rig.stack.HandleByPeer(kWeb);
    std::vector<std::uint8_t> hello = Pattern(100, 2);
    ASSERT_EQ(rig.AppWrite(hello, 0), hello.size());
    rig.Pump();
    EXPECT_EQ(rig.stack.PeerRead(rig.handle, 1000), hello); // no filler byte got through
}

} // namespace
} // namespace test
} // namespace resoa
