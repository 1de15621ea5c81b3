/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A real EpServer running its calls on KernelSocketStack (loopback sockets, epoll), with
 * an EpClient wired to it in memory and plain sockets as the Internet peers: connect,
 * transfer by hash, EOF ordering, refused, reset, listen/accept, addresses, UDP, read
 * interest at zero credit, graceful and abortive close, low-port bind.
 */
#include "kernel-stack-rig.h"
#include "privileges.h"
#include "realnet-test-util.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <string>
#include <thread>

namespace resoa
{
namespace test
{
namespace
{

using realnet::EventLoop;
using realnet::UniqueFd;
using Kind = EpClientEvent::Kind;

/// A thread joined when it goes out of scope (so a failed ASSERT never terminates).
class Peer
{
  public:
    template<typename F>
    explicit Peer(F&& body)
        : m_thread(std::forward<F>(body))
    {
    }

    ~Peer()
    {
        Join();
    }

    void Join()
    {
        if (m_thread.joinable())
        {
            m_thread.join();
        }
    }

  private:
    std::thread m_thread;
};

/// True once \p f holds a value.
template<typename T>
bool
Ready(const std::future<T>& f)
{
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

std::uint64_t
HashOf(const std::vector<std::uint8_t>& data)
{
    return Fnv1a(data.data(), data.size());
}

/// Index of the first down message of \p type for \p id, or -1.
long
IndexOf(const ServerRig& rig, EpType type, std::uint32_t id)
{
    for (std::size_t i = 0; i < rig.down.size(); ++i)
    {
        if (rig.down[i].type == type && rig.down[i].rsockId == id)
        {
            return static_cast<long>(i);
        }
    }
    return -1;
}

/// Data bytes the server sent for \p id before message index \p end, and after it.
std::pair<std::uint64_t, std::uint64_t>
DataAround(const ServerRig& rig, std::uint32_t id, long end)
{
    std::pair<std::uint64_t, std::uint64_t> out{0, 0};
    for (std::size_t i = 0; i < rig.down.size(); ++i)
    {
        if (rig.down[i].type == EpType::Data && rig.down[i].rsockId == id)
        {
            (static_cast<long>(i) < end ? out.first : out.second) += rig.down[i].payload.size();
        }
    }
    return out;
}

TEST(KernelSocketStack, TcpTransferBothWaysByHash)
{
    constexpr std::size_t kSize = 2u << 20;
    const std::vector<std::uint8_t> up = Pattern(kSize, 1);
    const std::vector<std::uint8_t> downData = Pattern(kSize, 2);
    UniqueFd listener = TestListener();
    const std::uint16_t port = LocalPort(listener.Get());
    std::promise<StreamResult> atPeer;
    Peer peer(
        [&]
        {
            UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
            std::thread writer(
                [&]
                {
                    WriteAll(conn.Get(), downData);
                    ::shutdown(conn.Get(), SHUT_WR);
                });
            atPeer.set_value(ReadToEnd(conn.Get()));
            writer.join();
        });

    ServerRig rig;
    rig.Register();
    auto [id, done] = rig.ConnectStream(Loopback(port));
    ASSERT_TRUE(done.has_value());
    ASSERT_EQ(done->error, 0);
    EXPECT_EQ(done->peer, Loopback(port));
    EXPECT_EQ(done->local.family, 4);
    EXPECT_EQ(done->local.Ipv4HostOrder(), kLoopbackIpv4);
    EXPECT_NE(done->local.port, 0);

    std::future<StreamResult> peerResult = atPeer.get_future();
    ClientStream stream(rig, id, up, true);
    EXPECT_TRUE(stream.Run());
    // The client saw the peer's EOF; its own last bytes may still be on their way.
    EXPECT_TRUE(rig.RunUntil([&] { return Ready(peerResult); }));
    peer.Join();
    const StreamResult got = peerResult.get();
    EXPECT_EQ(got.bytes, kSize);
    EXPECT_EQ(got.hash, HashOf(up));
    EXPECT_EQ(got.endErrno, 0); // the client's Shutdown(write) became a FIN
    EXPECT_EQ(stream.received.bytes, kSize);
    EXPECT_EQ(stream.received.hash, HashOf(downData));
    EXPECT_TRUE(stream.eof);
    EXPECT_EQ(stream.error, 0);

    // EOF ordering on the wire: the Eof follows every byte of Data.
    const long eofAt = IndexOf(rig, EpType::Eof, id);
    ASSERT_GE(eofAt, 0);
    EXPECT_EQ(DataAround(rig, id, eofAt), (std::pair<std::uint64_t, std::uint64_t>(kSize, 0)));
    EXPECT_EQ(rig.server.GetStats().stackErrors, 0u);
}

TEST(KernelSocketStack, EofFollowsAllDataWithSmallWindow)
{
    // The peer sends and closes at once; the client's 16 KB window makes the server read
    // in small steps long after the FIN arrived. The Eof must still come last.
    constexpr std::size_t kSize = 300000;
    const std::vector<std::uint8_t> data = Pattern(kSize, 7);
    UniqueFd listener = TestListener();
    const std::uint16_t port = LocalPort(listener.Get());
    Peer peer(
        [&]
        {
            UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
            WriteAll(conn.Get(), data);
            ::shutdown(conn.Get(), SHUT_WR);
            ReadToEnd(conn.Get()); // until the server closes
        });

    EpClientConfig cc;
    cc.recvWindowBytes = 16384;
    ServerRig rig(cc);
    rig.Register();
    auto [id, done] = rig.ConnectStream(Loopback(port));
    ASSERT_TRUE(done.has_value());
    ASSERT_EQ(done->error, 0);
    ClientStream stream(rig, id, {}, false);
    EXPECT_TRUE(stream.Run());
    EXPECT_EQ(stream.received.bytes, kSize);
    EXPECT_EQ(stream.received.hash, HashOf(data));
    const long eofAt = IndexOf(rig, EpType::Eof, id);
    ASSERT_GE(eofAt, 0);
    EXPECT_EQ(DataAround(rig, id, eofAt), (std::pair<std::uint64_t, std::uint64_t>(kSize, 0)));
    // Never more than the window in flight: many Data messages, none after Eof.
    EXPECT_GT(rig.server.GetStats().creditsSent, 0u);
    rig.client.Close(id);
    rig.RunUntil([&] { return rig.stack.LiveHandles().empty(); });
    EXPECT_TRUE(rig.stack.LiveHandles().empty());
}

TEST(KernelSocketStack, ConnectRefusedReachesClient)
{
    const std::uint16_t port = UnusedPort();
    ServerRig rig;
    rig.Register();
    auto [id, done] = rig.ConnectStream(Loopback(port));
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(done->error, ep_errno::kEconnrefused);
    // A failed connect leaves the socket created; the client's Close releases it.
    EXPECT_EQ(rig.stack.LiveHandles().size(), 1u);
    rig.client.Close(id);
    EXPECT_TRUE(rig.RunUntil([&] { return rig.stack.LiveHandles().empty(); }));
    EXPECT_EQ(rig.stack.GetStats().socketsReleased, 1u);
}

TEST(KernelSocketStack, PeerResetReachesClientAsEconnreset)
{
    UniqueFd listener = TestListener();
    const std::uint16_t port = LocalPort(listener.Get());
    std::atomic<bool> connected{false};
    Peer peer(
        [&]
        {
            UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
            for (int i = 0; i < 1000 && !connected; ++i)
            {
                ::usleep(10000);
            }
            ResetAndClose(conn);
        });

    ServerRig rig;
    rig.Register();
    auto [id, done] = rig.ConnectStream(Loopback(port));
    ASSERT_TRUE(done.has_value());
    ASSERT_EQ(done->error, 0);
    connected = true;
    auto error = rig.WaitEvent(id, Kind::Error);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->error, ep_errno::kEconnreset);
    EXPECT_EQ(rig.client.GetSocketError(id), ep_errno::kEconnreset);
    EXPECT_EQ(rig.server.GetStats().stackErrors, 1u);
    EXPECT_TRUE(rig.stack.LiveHandles().empty()); // the server released the connection
}

TEST(KernelSocketStack, ListenAndAcceptFromOutside)
{
    ServerRig rig;
    rig.Register();
    const std::uint32_t id = rig.client.Create(EpSockType::Stream).id;
    ASSERT_EQ(rig.client.Bind(id, Loopback(0)), 0);
    ASSERT_EQ(rig.client.Listen(id, 8), 0);
    auto listening = rig.WaitEvent(id, Kind::ListenDone);
    ASSERT_TRUE(listening.has_value());
    ASSERT_EQ(listening->error, 0);
    const EpAddress listenAddress = listening->local;
    EXPECT_EQ(listenAddress.Ipv4HostOrder(), kLoopbackIpv4);
    ASSERT_NE(listenAddress.port, 0);

    // An outside program connects and speaks first.
    UniqueFd outside = TestSocket(SOCK_STREAM);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(kLoopbackIpv4);
    to.sin_port = htons(listenAddress.port);
    ASSERT_EQ(::connect(outside.Get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
    const std::string hello = "hello from outside";
    ASSERT_EQ(::send(outside.Get(), hello.data(), hello.size(), 0),
              static_cast<ssize_t>(hello.size()));

    auto accepted = rig.WaitEvent(id, Kind::Accepted);
    ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(accepted->local, listenAddress);
    EXPECT_EQ(accepted->peer, Loopback(LocalPort(outside.Get())));
    EpSocketResult conn = rig.client.Accept(id);
    ASSERT_EQ(conn.error, 0);
    EXPECT_EQ(conn.id, accepted->newRsockId);
    EXPECT_GE(conn.id, kServerRsockBase);
    EXPECT_TRUE(rig.RunUntil([&] { return rig.client.RecvAvailable(conn.id) >= hello.size(); }));
    EpReadResult r = rig.client.Recv(conn.id, 1000);
    EXPECT_EQ(std::string(r.data.begin(), r.data.end()), hello);

    const std::string reply = "and back";
    ASSERT_EQ(
        rig.client.Send(conn.id, reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size())
            .bytes,
        reply.size());
    EXPECT_TRUE(rig.RunUntil(
        [&]
        {
            auto info = rig.ServerSocket(conn.id);
            return info && info->bytesToStack == reply.size();
        }));
    char buffer[64] = {};
    EXPECT_EQ(::recv(outside.Get(), buffer, sizeof(buffer), 0), static_cast<ssize_t>(reply.size()));
    EXPECT_EQ(std::string(buffer, reply.size()), reply);
    EXPECT_EQ(rig.stack.GetStats().accepted, 1u);
}

TEST(KernelSocketStack, GetSockNameReturnsBoundAndConnectedAddresses)
{
    ServerRig rig;
    rig.Register();
    const std::uint32_t id = rig.client.Create(EpSockType::Stream).id;
    ASSERT_EQ(rig.client.Bind(id, Loopback(0)), 0);
    auto bound = rig.WaitEvent(id, Kind::BindDone);
    ASSERT_TRUE(bound.has_value());
    ASSERT_EQ(bound->error, 0);
    EXPECT_EQ(bound->local.family, 4);
    EXPECT_EQ(bound->local.Ipv4HostOrder(), kLoopbackIpv4);
    ASSERT_NE(bound->local.port, 0);
    auto info = rig.ServerSocket(id);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(rig.stack.GetSockName(info->handle), bound->local);
    // The kernel really holds that port.
    UniqueFd probe(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(kLoopbackIpv4);
    sin.sin_port = htons(bound->local.port);
    EXPECT_EQ(::bind(probe.Get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), -1);
    EXPECT_EQ(errno, EADDRINUSE);

    // A connected socket: ConnectDone's local address is what the peer sees.
    UniqueFd listener = TestListener();
    const std::uint16_t port = LocalPort(listener.Get());
    auto [cid, done] = rig.ConnectStream(Loopback(port));
    ASSERT_TRUE(done.has_value());
    ASSERT_EQ(done->error, 0);
    UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(conn);
    sockaddr_in peerOfConn{};
    socklen_t len = sizeof(peerOfConn);
    ASSERT_EQ(::getpeername(conn.Get(), reinterpret_cast<sockaddr*>(&peerOfConn), &len), 0);
    EXPECT_EQ(done->local, Loopback(ntohs(peerOfConn.sin_port)));
    EpAddress cached;
    ASSERT_EQ(rig.client.GetSockName(cid, cached), 0);
    EXPECT_EQ(cached, done->local);
    auto cinfo = rig.ServerSocket(cid);
    ASSERT_TRUE(cinfo.has_value());
    EXPECT_EQ(rig.stack.GetPeerName(cinfo->handle), Loopback(port));
}

TEST(KernelSocketStack, UdpSendAndReceive)
{
    UniqueFd udp = TestSocket(SOCK_DGRAM);
    const std::uint16_t port = LocalPort(udp.Get());
    ServerRig rig;
    rig.Register();
    const std::uint32_t id = rig.client.Create(EpSockType::Dgram).id;

    constexpr int kCount = 10;
    std::uint64_t sentHash = Fnv1a(nullptr, 0);
    for (int i = 0; i < kCount; ++i)
    {
        const std::vector<std::uint8_t> d = Pattern(static_cast<std::size_t>(1 + i * 140), 50 + i);
        sentHash = Fnv1a(d.data(), d.size(), sentHash);
        ASSERT_EQ(rig.client.SendTo(id, Loopback(port), d.data(), d.size()).error, 0);
    }
    ASSERT_TRUE(rig.RunUntil([&] { return rig.server.GetStats().datagramsToInternet == kCount; }));

    std::uint64_t gotHash = Fnv1a(nullptr, 0);
    sockaddr_in from{};
    for (int i = 0; i < kCount; ++i)
    {
        std::uint8_t buffer[2048];
        socklen_t fromLen = sizeof(from);
        const ssize_t n = ::recvfrom(
            udp.Get(), buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&from), &fromLen);
        ASSERT_EQ(n, 1 + i * 140);
        gotHash = Fnv1a(buffer, static_cast<std::size_t>(n), gotHash);
    }
    EXPECT_EQ(gotHash, sentHash);
    EXPECT_EQ(ntohl(from.sin_addr.s_addr), kLoopbackIpv4);
    const std::uint16_t clientPort = ntohs(from.sin_port);
    EpAddress local;
    ASSERT_EQ(rig.client.GetSockName(id, local), 0);
    EXPECT_EQ(local, EpAddress::Ipv4(0, clientPort)); // unconnected UDP: INADDR_ANY, as Linux says

    // And back: datagrams from the Internet are pushed to the client.
    std::uint64_t backHash = Fnv1a(nullptr, 0);
    for (int i = 0; i < kCount; ++i)
    {
        const std::vector<std::uint8_t> d =
            Pattern(static_cast<std::size_t>(1000 - i * 90), 80 + i);
        backHash = Fnv1a(d.data(), d.size(), backHash);
        ASSERT_EQ(
            ::sendto(
                udp.Get(), d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&from), sizeof(from)),
            static_cast<ssize_t>(d.size()));
    }
    std::uint64_t recvHash = Fnv1a(nullptr, 0);
    int received = 0;
    rig.RunUntil(
        [&]
        {
            for (;;)
            {
                EpReadResult r = rig.client.Recv(id, 4096);
                if (r.error != 0)
                {
                    break;
                }
                EXPECT_EQ(r.from, Loopback(port));
                recvHash = Fnv1a(r.data.data(), r.data.size(), recvHash);
                ++received;
            }
            return received == kCount;
        });
    EXPECT_EQ(received, kCount);
    EXPECT_EQ(recvHash, backHash);
    EXPECT_EQ(rig.stack.GetStats().datagramsReceived, static_cast<std::uint64_t>(kCount));
}

TEST(KernelSocketStack, ReadInterestOffAtZeroCreditDoesNotSpin)
{
    constexpr std::size_t kSize = 1u << 20;
    const std::vector<std::uint8_t> data = Pattern(kSize, 9);
    UniqueFd listener = TestListener();
    const std::uint16_t port = LocalPort(listener.Get());
    Peer peer(
        [&]
        {
            UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
            WriteAll(conn.Get(), data); // blocks until the client reads
            ::shutdown(conn.Get(), SHUT_WR);
            ReadToEnd(conn.Get());
        });

    EpClientConfig cc;
    cc.recvWindowBytes = 8192;
    ServerRig rig(cc);
    rig.Register();
    auto [id, done] = rig.ConnectStream(Loopback(port));
    ASSERT_TRUE(done.has_value());
    ASSERT_EQ(done->error, 0);
    // The server reads one window, then has no credit: interest off.
    ASSERT_TRUE(rig.RunUntil(
        [&]
        {
            auto info = rig.ServerSocket(id);
            return info && info->bytesFromStack == 8192 && !info->readInterest;
        }));
    const EpHandle h = rig.ServerSocket(id)->handle;
    int pending = 0;
    // Let the buffers fill: the peer thread may be slow to run on a loaded machine.
    rig.RunUntil([&]
                 { return ::ioctl(rig.stack.GetFd(h), FIONREAD, &pending) == 0 && pending > 0; },
                 std::chrono::seconds(5));
    EXPECT_EQ(rig.stack.GetWatchInterest(h), std::optional<std::uint32_t>(0u)); // errors only
    EXPECT_GT(pending, 0); // readable, and nobody reads it

    const std::uint64_t wakeupsBefore = rig.stack.GetStats().wakeups;
    std::size_t dispatched = 0;
    int rounds = 0;
    const TimePoint end = EventLoop::Now() + std::chrono::milliseconds(200);
    while (EventLoop::Now() < end)
    {
        dispatched += rig.loop.RunOnce(20);
        ++rounds;
    }
    EXPECT_LE(dispatched, 2u);
    EXPECT_LE(rig.stack.GetStats().wakeups - wakeupsBefore, 2u);
    EXPECT_GE(rounds, 9); // the loop really waited (timeouts), it did not return early

    // Reading resumes the flow: everything arrives intact.
    ClientStream stream(rig, id, {}, false);
    EXPECT_TRUE(stream.Run());
    EXPECT_EQ(stream.received.bytes, kSize);
    EXPECT_EQ(stream.received.hash, HashOf(data));
}

TEST(KernelSocketStack, CloseWithUnreadInputIsGraceful)
{
    // The peer sends what the server never reads (tiny window), the client sends 100 KB
    // and closes: the peer must get all 100 KB and a FIN, not a RST.
    constexpr std::size_t kSize = 100000;
    const std::vector<std::uint8_t> up = Pattern(kSize, 11);
    const std::vector<std::uint8_t> unread = Pattern(65536, 12);
    UniqueFd listener = TestListener();
    const std::uint16_t port = LocalPort(listener.Get());
    std::promise<StreamResult> atPeer;
    Peer peer(
        [&]
        {
            UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
            WriteAll(conn.Get(), unread);
            atPeer.set_value(ReadToEnd(conn.Get()));
        });

    EpClientConfig cc;
    cc.recvWindowBytes = 4096;
    ServerRig rig(cc);
    rig.Register();
    auto [id, done] = rig.ConnectStream(Loopback(port));
    ASSERT_TRUE(done.has_value());
    ASSERT_EQ(done->error, 0);
    // Wait until all the peer's data sits unread in the server's receive buffer (data
    // arriving after a close is answered with a RST by any kernel).
    ASSERT_TRUE(rig.RunUntil(
        [&]
        {
            auto info = rig.ServerSocket(id);
            int unreadBytes = 0;
            return info && info->bytesFromStack == 4096 && !info->readInterest &&
                   ::ioctl(rig.stack.GetFd(info->handle), FIONREAD, &unreadBytes) == 0 &&
                   unreadBytes == static_cast<int>(unread.size() - 4096);
        }));
    ClientStream stream(rig, id, up, false);
    ASSERT_TRUE(rig.RunUntil(
        [&]
        {
            stream.Step();
            return stream.sent == kSize;
        }));
    rig.client.Close(id);
    std::future<StreamResult> peerResult = atPeer.get_future();
    EXPECT_TRUE(rig.RunUntil([&] { return Ready(peerResult); }));
    EXPECT_TRUE(rig.stack.LiveHandles().empty());
    peer.Join();
    const StreamResult got = peerResult.get();
    EXPECT_EQ(got.endErrno, 0);
    EXPECT_EQ(got.bytes, kSize);
    EXPECT_EQ(got.hash, HashOf(up));
    // Close dropped what the server had not read (the client read a little more meanwhile).
    EXPECT_GT(rig.stack.GetStats().closeDrainedBytes, 0u);
    EXPECT_LE(rig.stack.GetStats().closeDrainedBytes, unread.size() - 4096);
}

TEST(KernelSocketStack, SessionDownAbortsWithRst)
{
    UniqueFd listener = TestListener();
    const std::uint16_t port = LocalPort(listener.Get());
    std::promise<StreamResult> atPeer;
    Peer peer(
        [&]
        {
            UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
            atPeer.set_value(ReadToEnd(conn.Get()));
        });

    ServerRig rig;
    rig.Register();
    auto [id, done] = rig.ConnectStream(Loopback(port));
    ASSERT_TRUE(done.has_value());
    ASSERT_EQ(done->error, 0);
    const std::vector<std::uint8_t> data = Pattern(1000, 3);
    ASSERT_EQ(rig.client.Send(id, data.data(), data.size()).bytes, data.size());
    ASSERT_TRUE(rig.RunUntil(
        [&]
        {
            auto info = rig.ServerSocket(id);
            return info && info->bytesToStack == data.size();
        }));
    rig.server.OnSessionDown(ServerRig::kSession); // the link died: connections are aborted
    EXPECT_TRUE(rig.stack.LiveHandles().empty());
    peer.Join();
    const StreamResult got = atPeer.get_future().get();
    EXPECT_EQ(got.endErrno, ECONNRESET);
    EXPECT_LE(got.bytes, data.size());
}

/// The first port that needs CAP_NET_BIND_SERVICE, or 0 if none does.
std::uint16_t
PrivilegedPort()
{
    std::ifstream in("/proc/sys/net/ipv4/ip_unprivileged_port_start");
    int start = 1024;
    in >> start;
    return start > 1 ? static_cast<std::uint16_t>(start - 1) : 0;
}

TEST(KernelSocketStack, LowPortBindWithoutCapabilityIsEacces)
{
    const std::uint16_t port = PrivilegedPort();
    if (port == 0)
    {
        GTEST_SKIP() << "ip_unprivileged_port_start is 0: no port needs a capability";
    }
    const bool root = ::geteuid() == 0;
    if (root && ::getpwnam("nobody") == nullptr)
    {
        GTEST_SKIP() << "no user 'nobody' to drop to";
    }
    if (!root && (realnet::GetEffectiveCapabilities() & (1ull << CAP_NET_BIND_SERVICE)) != 0)
    {
        GTEST_SKIP() << "this process holds CAP_NET_BIND_SERVICE";
    }
    const std::string failure = RunInChild(
        [root, port]() -> std::string
        {
            if (root)
            {
                realnet::DropPrivileges("nobody", {});
            }
            EventLoop loop;
            realnet::KernelSocketStack stack(loop);
            std::int32_t error = 0;
            const EpHandle h = stack.Create(EpSockType::Stream, error);
            if (h == kEpInvalidHandle)
            {
                return "create failed: " + std::to_string(error);
            }
            const std::int32_t rc = stack.Bind(h, Loopback(port));
            if (rc != ep_errno::kEacces)
            {
                return "bind of port " + std::to_string(port) + " gave " + std::to_string(rc);
            }
            // The socket is still usable: an unprivileged port binds.
            const std::int32_t rc2 = stack.Bind(h, Loopback(0));
            return rc2 == 0 ? "" : "ephemeral bind gave " + std::to_string(rc2);
        });
    EXPECT_EQ(failure, "");
}

} // namespace
} // namespace test
} // namespace resoa
