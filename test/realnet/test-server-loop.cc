/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The first ReSoA transfer on Linux: a client namespace with no IP address speaks LHP over
 * a veth to a ServerLoop in the server namespace, which connects through its kernel to a
 * TCP server in the internet namespace. Bytes both ways are compared by hash; then the
 * server closes every session as on SIGTERM and the client sees its link closed.
 */
#include "kernel-stack-rig.h"
#include "lhp-test-client.h"
#include "netns-fixture.h"
#include "server-loop.h"
#include "server-policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <future>
#include <thread>

namespace resoa
{
namespace test
{
namespace
{

using realnet::EventLoop;
using realnet::MacAddress;
using realnet::PacketLink;
using realnet::UniqueFd;
using Kind = EpClientEvent::Kind;

const MacAddress kClientMac = {0x02, 0x00, 0x00, 0x00, 0x0c, 0x01};
const MacAddress kServerMac = {0x02, 0x00, 0x00, 0x00, 0x0c, 0x02};
constexpr std::uint32_t kServerWan = 0xC6336401;    // 198.51.100.1
constexpr std::uint32_t kInternetHost = 0xC6336402; // 198.51.100.2

/// What the server thread saw.
struct ServerReport
{
    realnet::ServerLoopStats loop;
    EpServerStats server;
    std::size_t sessionsAtEnd = 0;
};

/// A TCP listener on 198.51.100.2 (run in the internet namespace), 10 s timeouts.
UniqueFd
InternetListener()
{
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const timeval timeout{10, 0};
    ::setsockopt(fd.Get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd.Get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(kInternetHost);
    if (::bind(fd.Get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) < 0 ||
        ::listen(fd.Get(), 4) < 0)
    {
        throw std::runtime_error("internet listener: " + std::to_string(errno));
    }
    return fd;
}

TEST(ServerLoop, FirstReSoATransferThroughNamespaces)
{
    if (auto reason = NetnsFixture::SkipReason())
    {
        GTEST_SKIP() << *reason;
    }
    NetnsFixture fixture;
    const LhpTestNet lhp = AddLhpTestNet(fixture, kClientMac, kServerMac);
    const std::string& clientNs = lhp.client;
    const std::string& serverNs = lhp.server;
    const std::string internetNs = fixture.AddNamespace("internet");
    fixture.AddVeth(serverNs, "wan0", internetNs, "wan0");
    fixture.AddAddress(serverNs, "wan0", "198.51.100.1/24");
    fixture.AddAddress(internetNs, "wan0", "198.51.100.2/24");

    // The Internet: a TCP server that sends 2 MB and reads until EOF, counting by hash.
    constexpr std::size_t kSize = 2u << 20;
    const std::vector<std::uint8_t> up = Pattern(kSize, 21);
    const std::vector<std::uint8_t> down = Pattern(kSize, 22);
    UniqueFd listener = fixture.RunIn(internetNs, [] { return InternetListener(); });
    const std::uint16_t port = LocalPort(listener.Get());
    std::promise<StreamResult> atInternet;
    std::future<StreamResult> internetResult = atInternet.get_future();
    std::thread internet(
        [&]
        {
            UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
            std::thread writer(
                [&]
                {
                    WriteAll(conn.Get(), down);
                    ::shutdown(conn.Get(), SHUT_WR);
                });
            atInternet.set_value(ReadToEnd(conn.Get()));
            writer.join();
        });

    // The server: a ServerLoop on its own thread in the server namespace (its kernel
    // sockets must be created there).
    std::atomic<bool> ready{false};
    std::atomic<bool> closeAll{false};
    std::promise<ServerReport> report;
    std::future<ServerReport> serverResult = report.get_future();
    std::thread server(
        [&]
        {
            try
            {
                NetnsFixture::EnterNamespace(serverNs);
                EventLoop loop;
                PacketLink link("lhp0");
                realnet::ServerLoopConfig config;
                config.server.serverIpv4 = kServerWan;
                realnet::ServerLoop serverLoop(loop, link, config);
                ready = true;
                const TimePoint giveUp = EventLoop::Now() + std::chrono::seconds(60);
                while (!closeAll && EventLoop::Now() < giveUp)
                {
                    loop.RunOnce(20);
                }
                serverLoop.CloseAll(); // as on SIGTERM
                const TimePoint grace = EventLoop::Now() + std::chrono::seconds(5);
                while (serverLoop.SessionCount() > 0 && EventLoop::Now() < grace)
                {
                    loop.RunOnce(20);
                }
                report.set_value(ServerReport{serverLoop.GetStats(),
                                              serverLoop.GetServer().GetStats(),
                                              serverLoop.SessionCount()});
            }
            catch (...)
            {
                ready = true;
                report.set_exception(std::current_exception());
            }
        });
    struct Joiner
    {
        std::thread& a;
        std::thread& b;
        std::atomic<bool>& stop;

        ~Joiner()
        {
            stop = true;
            a.join();
            b.join();
        }
    } joiner{server, internet, closeAll};

    // The client: no IP address, only LHP on lhp0.
    PacketLink clientLink = fixture.RunIn(clientNs, [] { return PacketLink("lhp0"); });
    while (!ready)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    LhpTestClient client(clientLink, kServerMac);
    client.Connect();
    ASSERT_TRUE(client.RunUntil([&] { return client.IsUp(); })) << "LHP connection not up";
    EpClient& ep = client.Client();
    ASSERT_EQ(ep.Register(EpAddrMode::NTo1, 0, "ns-test"), 0);
    ASSERT_TRUE(client.RunUntil([&] { return ep.IsRegistered(); }));
    EXPECT_EQ(ep.GetPublicIpv4(), kServerWan);

    const std::uint32_t id = ep.Create(EpSockType::Stream).id;
    ASSERT_EQ(ep.Connect(id, EpAddress::Ipv4(kInternetHost, port)), 0);
    ASSERT_TRUE(
        client.RunUntil([&] { return client.FindEvent(id, Kind::ConnectDone).has_value(); }));
    const EpClientEvent done = *client.FindEvent(id, Kind::ConnectDone);
    ASSERT_EQ(done.error, 0);
    EXPECT_EQ(done.local.Ipv4HostOrder(), kServerWan); // n-to-1: the server's address
    EXPECT_EQ(done.peer, EpAddress::Ipv4(kInternetHost, port));

    // 2 MB each way at once, then the client's FIN; the Internet host's FIN ends it.
    std::size_t sent = 0;
    bool shut = false;
    bool eof = false;
    StreamResult received;
    auto step = [&]
    {
        while (sent < kSize)
        {
            EpIoResult r = ep.Send(id, up.data() + sent, kSize - sent, EventLoop::Now());
            if (r.error != 0 || r.bytes == 0)
            {
                break;
            }
            sent += r.bytes;
        }
        if (sent == kSize && !shut)
        {
            ep.Shutdown(id, ep_shutdown::kWrite);
            shut = true;
        }
        while (!eof)
        {
            EpReadResult r = ep.Recv(id, 65536);
            received.hash = Fnv1a(r.data.data(), r.data.size(), received.hash);
            received.bytes += r.data.size();
            eof = r.eof;
            if (r.data.empty() && !r.eof)
            {
                break;
            }
        }
        return eof && shut &&
               internetResult.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    };
    const TimePoint started = EventLoop::Now();
    EXPECT_TRUE(client.RunUntil(step, std::chrono::seconds(60)));
    const double seconds = std::chrono::duration<double>(EventLoop::Now() - started).count();
    std::cout << "[          ] 2 x 2 MB through ReSoA in " << seconds << " s ("
              << 2 * kSize * 8 / seconds / 1e6 << " Mbit/s both ways)\n";
    EXPECT_EQ(received.bytes, kSize);
    EXPECT_EQ(received.hash, Fnv1a(down.data(), down.size()));
    EXPECT_TRUE(eof);
    ASSERT_EQ(internetResult.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    const StreamResult atHost = internetResult.get();
    EXPECT_EQ(atHost.bytes, kSize);
    EXPECT_EQ(atHost.hash, Fnv1a(up.data(), up.size()));
    EXPECT_EQ(atHost.endErrno, 0);

    // SIGTERM's path: the server closes every LHP connection in order.
    ep.Close(id);
    client.RunUntil([&] { return ep.OpenSocketCount() == 0; }, std::chrono::seconds(2));
    closeAll = true;
    EXPECT_TRUE(client.RunUntil([&] { return client.IsDown(); }));
    ASSERT_EQ(serverResult.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    const ServerReport r = serverResult.get();
    EXPECT_EQ(r.sessionsAtEnd, 0u);
    EXPECT_EQ(r.loop.sessionsUp, 1u);
    EXPECT_EQ(r.loop.sessionsDown, 1u);
    EXPECT_EQ(r.server.bytesFromClients, kSize);
    EXPECT_EQ(r.server.bytesToClients, kSize);
    EXPECT_EQ(r.server.socketsCreated, r.server.socketsClosed);
    EXPECT_EQ(r.loop.framesDropped, 0u);
}

} // namespace
} // namespace test
} // namespace resoa
