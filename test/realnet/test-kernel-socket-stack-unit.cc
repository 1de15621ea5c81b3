/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * KernelSocketStack on its own, with a recording sink: handle generations and late
 * events, epoll registration per state, write readiness, Abort's RST, socket options,
 * addresses, and the in-place IPv6 reopen.
 */
#include "kernel-socket-stack.h"
#include "kernel-stack-rig.h"
#include "socket-address.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>

namespace resoa
{
namespace test
{
namespace
{

using realnet::EventLoop;
using realnet::KernelSocketStack;
using realnet::UniqueFd;

/// Every event the stack reports, with an optional hook run on each.
class Recorder : public realnet::StackEventSink
{
  public:
    struct Event
    {
        std::string kind;
        EpHandle h = kEpInvalidHandle;
        EpHandle other = kEpInvalidHandle; //!< OnIncomingConnection's new handle
        std::int32_t error = 0;
        EpAddress from;
        std::vector<std::uint8_t> data;
    };

    void OnConnected(EpHandle h) override
    {
        Add("connected", h);
    }

    void OnConnectFailed(EpHandle h, std::int32_t error) override
    {
        Add("connect-failed", h, kEpInvalidHandle, error);
    }

    void OnIncomingConnection(EpHandle listener, EpHandle newHandle) override
    {
        Add("incoming", listener, newHandle);
    }

    void OnReadable(EpHandle h) override
    {
        Add("readable", h);
    }

    void OnWritable(EpHandle h) override
    {
        Add("writable", h);
    }

    void OnPeerClosed(EpHandle h) override
    {
        Add("peer-closed", h);
    }

    void OnError(EpHandle h, std::int32_t error) override
    {
        Add("error", h, kEpInvalidHandle, error);
    }

    void OnDatagram(EpHandle h,
                    const EpAddress& from,
                    const std::uint8_t* data,
                    std::size_t len) override
    {
        Event& e = Add("datagram", h);
        e.from = from;
        e.data.assign(data, data + len);
        if (hook)
        {
            hook(e);
        }
    }

    std::size_t Count(const std::string& kind, EpHandle h) const
    {
        std::size_t n = 0;
        for (const Event& e : events)
        {
            n += e.kind == kind && e.h == h ? 1 : 0;
        }
        return n;
    }

    std::size_t CountFor(EpHandle h) const
    {
        std::size_t n = 0;
        for (const Event& e : events)
        {
            n += e.h == h || e.other == h ? 1 : 0;
        }
        return n;
    }

    std::vector<Event> events;
    std::function<void(const Event&)> hook;

  private:
    /// Records an event and runs the hook (datagrams run it themselves, once filled in).
    Event& Add(const std::string& kind,
               EpHandle h,
               EpHandle other = kEpInvalidHandle,
               std::int32_t error = 0)
    {
        Event e;
        e.kind = kind;
        e.h = h;
        e.other = other;
        e.error = error;
        events.push_back(e);
        if (hook && kind != "datagram")
        {
            hook(events.back());
        }
        return events.back();
    }
};

struct StackRig
{
    StackRig()
        : stack(loop)
    {
        stack.SetSink(&recorder);
    }

    EpHandle Create(EpSockType type)
    {
        std::int32_t error = -1;
        EpHandle h = stack.Create(type, error);
        EXPECT_NE(h, kEpInvalidHandle);
        EXPECT_EQ(error, 0);
        return h;
    }

    /// Runs rounds until \p done() or \p ms pass.
    bool RunUntil(const std::function<bool()>& done, int ms = 5000)
    {
        const TimePoint end = EventLoop::Now() + std::chrono::milliseconds(ms);
        while (!done() && EventLoop::Now() < end)
        {
            loop.RunOnce(10);
        }
        return done();
    }

    /// A stream connected to a fresh loopback listener; \p accepted gets the peer's fd.
    EpHandle Connected(UniqueFd& listener, UniqueFd& accepted)
    {
        listener = TestListener();
        EpHandle h = Create(EpSockType::Stream);
        const std::int32_t rc = stack.Connect(h, Loopback(LocalPort(listener.Get())));
        EXPECT_TRUE(rc == 0 || rc == kEpEinprogress) << rc;
        if (rc == kEpEinprogress)
        {
            EXPECT_TRUE(RunUntil([&] { return recorder.Count("connected", h) == 1; }));
        }
        accepted.Reset(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
        EXPECT_TRUE(accepted);
        return h;
    }

    EventLoop loop;
    KernelSocketStack stack;
    Recorder recorder;
};

bool
FdOpen(int fd)
{
    return ::fcntl(fd, F_GETFD) >= 0;
}

TEST(KernelSocketStackUnit, HandlesAreNeverReused)
{
    StackRig rig;
    const EpHandle h1 = rig.Create(EpSockType::Stream);
    const int fd = rig.stack.GetFd(h1);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(h1 & 0xffffffffu, static_cast<std::uint64_t>(fd));
    rig.stack.Close(h1);
    EXPECT_FALSE(FdOpen(fd));
    const EpHandle h2 = rig.Create(EpSockType::Stream);
    ASSERT_EQ(rig.stack.GetFd(h2), fd); // the kernel reused the fd at once
    EXPECT_NE(h2, h1);
    EXPECT_EQ(h2 >> 32, (h1 >> 32) + 1);

    // The old handle names nothing, and touching it never touches the new socket.
    EXPECT_EQ(rig.stack.GetFd(h1), -1);
    EXPECT_EQ(rig.stack.Bind(h1, Loopback(0)), ep_errno::kEbadf);
    EXPECT_EQ(rig.stack.Send(h1, reinterpret_cast<const std::uint8_t*>("x"), 1).error,
              ep_errno::kEbadf);
    EXPECT_EQ(rig.stack.Read(h1, 10).error, ep_errno::kEbadf);
    EXPECT_EQ(rig.stack.GetSockName(h1).family, 0);
    rig.stack.SetReadInterest(h1, true);
    rig.stack.Close(h1);
    rig.stack.Abort(h1);
    EXPECT_TRUE(FdOpen(fd));
    EXPECT_EQ(rig.stack.LiveHandles(), std::vector<EpHandle>{h2});
    EXPECT_EQ(rig.stack.Bind(h2, Loopback(0)), 0);
}

TEST(KernelSocketStackUnit, LateEventForReleasedHandleIsNotDelivered)
{
    // Two readable datagram sockets are fetched in one epoll round. Handling the first
    // closes the second and opens a new socket on its fd: the second's event, already
    // fetched, must reach neither the old handle nor the new one.
    StackRig rig;
    const EpHandle a = rig.Create(EpSockType::Dgram);
    const EpHandle b = rig.Create(EpSockType::Dgram);
    ASSERT_EQ(rig.stack.Bind(a, Loopback(0)), 0);
    ASSERT_EQ(rig.stack.Bind(b, Loopback(0)), 0);
    rig.stack.SetReadInterest(a, true);
    rig.stack.SetReadInterest(b, true);
    UniqueFd sender = TestSocket(SOCK_DGRAM);
    for (EpHandle h : {a, b})
    {
        const EpAddress to = rig.stack.GetSockName(h);
        const realnet::KernelAddress ka = realnet::ToKernelAddress(to, AF_INET);
        ASSERT_EQ(::sendto(sender.Get(), "late", 4, 0, ka.Get(), ka.length), 4);
    }

    EpHandle replacement = kEpInvalidHandle;
    EpHandle closed = kEpInvalidHandle;
    int closedFd = -1;
    rig.recorder.hook = [&](const Recorder::Event& e)
    {
        if (closed != kEpInvalidHandle)
        {
            return;
        }
        closed = e.h == a ? b : a;
        closedFd = rig.stack.GetFd(closed);
        rig.stack.Close(closed);
        std::int32_t error = 0;
        replacement = rig.stack.Create(EpSockType::Dgram, error);
        rig.stack.SetReadInterest(replacement, true);
    };
    const std::size_t dispatched = rig.loop.RunOnce(1000);
    EXPECT_EQ(dispatched, 1u); // the second event was fetched and dropped
    ASSERT_NE(replacement, kEpInvalidHandle);
    EXPECT_EQ(rig.stack.GetFd(replacement), closedFd);
    EXPECT_NE(replacement, closed);
    ASSERT_EQ(rig.recorder.events.size(), 1u);
    EXPECT_EQ(rig.recorder.events[0].kind, "datagram");
    EXPECT_EQ(std::string(rig.recorder.events[0].data.begin(), rig.recorder.events[0].data.end()),
              "late");
    // Nothing more, ever, for the closed handle or the new one.
    rig.loop.RunOnce(50);
    EXPECT_EQ(rig.recorder.CountFor(closed), 0u);
    EXPECT_EQ(rig.recorder.CountFor(replacement), 0u);
}

TEST(KernelSocketStackUnit, EpollRegistrationFollowsState)
{
    StackRig rig;
    const EpHandle fresh = rig.Create(EpSockType::Stream);
    // A never-connected TCP socket is not registered (Linux reports EPOLLHUP for it).
    EXPECT_FALSE(rig.stack.GetWatchInterest(fresh).has_value());
    rig.stack.SetReadInterest(fresh, true);
    EXPECT_FALSE(rig.stack.GetWatchInterest(fresh).has_value());
    EXPECT_EQ(rig.loop.RunOnce(50), 0u);

    UniqueFd listener;
    UniqueFd accepted;
    const EpHandle h = rig.Connected(listener, accepted);
    EXPECT_EQ(rig.stack.GetWatchInterest(h), std::optional<std::uint32_t>(0u)); // errors
    rig.stack.SetReadInterest(h, true);
    EXPECT_EQ(rig.stack.GetWatchInterest(h), std::optional<std::uint32_t>(EventLoop::kReadable));
    rig.stack.SetReadInterest(h, false);
    EXPECT_EQ(rig.stack.GetWatchInterest(h), std::optional<std::uint32_t>(0u));

    const EpHandle udp = rig.Create(EpSockType::Dgram);
    EXPECT_EQ(rig.stack.GetWatchInterest(udp), std::optional<std::uint32_t>(0u));
}

TEST(KernelSocketStackUnit, ReadGivesDataThenEof)
{
    StackRig rig;
    UniqueFd listener;
    UniqueFd peer;
    const EpHandle h = rig.Connected(listener, peer);
    EXPECT_EQ(rig.stack.Read(h, 100).error, ep_errno::kEagain);
    ASSERT_EQ(::send(peer.Get(), "abcdef", 6, 0), 6);
    ::shutdown(peer.Get(), SHUT_WR);
    rig.stack.SetReadInterest(h, true);
    ASSERT_TRUE(rig.RunUntil([&] { return rig.recorder.Count("readable", h) > 0; }));
    EpReadResult r = rig.stack.Read(h, 4); // never more than asked
    EXPECT_EQ(std::string(r.data.begin(), r.data.end()), "abcd");
    EXPECT_FALSE(r.eof);
    r = rig.stack.Read(h, 100);
    EXPECT_EQ(std::string(r.data.begin(), r.data.end()), "ef");
    r = rig.stack.Read(h, 100);
    EXPECT_TRUE(r.eof);
    EXPECT_TRUE(r.data.empty());
    EXPECT_EQ(r.error, 0);
}

TEST(KernelSocketStackUnit, ShortSendThenOneWritable)
{
    StackRig rig;
    UniqueFd listener;
    UniqueFd peer;
    const EpHandle h = rig.Connected(listener, peer);
    const std::vector<std::uint8_t> chunk(1 << 20, 0x5a);
    std::uint64_t taken = 0;
    EpIoResult r;
    for (int i = 0; i < 256; ++i)
    {
        r = rig.stack.Send(h, chunk.data(), chunk.size());
        if (r.error != 0)
        {
            break;
        }
        taken += r.bytes;
    }
    ASSERT_EQ(r.error, ep_errno::kEagain); // the peer does not read: buffers full
    EXPECT_GT(taken, 0u);
    EXPECT_EQ(rig.stack.GetWatchInterest(h), std::optional<std::uint32_t>(EventLoop::kWritable));
    EXPECT_EQ(rig.loop.RunOnce(50), 0u); // still full: nothing reported
    EXPECT_EQ(rig.recorder.Count("writable", h), 0u);

    // The peer drains everything: one OnWritable, then no more EPOLLOUT interest.
    std::vector<std::uint8_t> sink(1 << 16);
    std::uint64_t drained = 0;
    while (drained < taken)
    {
        const ssize_t n = ::recv(peer.Get(), sink.data(), sink.size(), 0);
        ASSERT_GT(n, 0);
        drained += static_cast<std::uint64_t>(n);
        rig.loop.RunOnce(0);
    }
    rig.RunUntil([&] { return rig.recorder.Count("writable", h) > 0; });
    rig.loop.RunOnce(20);
    EXPECT_EQ(rig.recorder.Count("writable", h), 1u);
    EXPECT_EQ(rig.stack.GetWatchInterest(h), std::optional<std::uint32_t>(0u));
}

TEST(KernelSocketStackUnit, SendAfterPeerResetIsEconnresetOrEpipe)
{
    StackRig rig;
    UniqueFd listener;
    UniqueFd peer;
    const EpHandle h = rig.Connected(listener, peer);
    ResetAndClose(peer);
    // The RST is reported as an error event whatever the read interest.
    ASSERT_TRUE(rig.RunUntil([&] { return rig.recorder.Count("error", h) > 0; }));
    EXPECT_EQ(rig.recorder.events.back().error, ep_errno::kEconnreset);
    const EpIoResult r = rig.stack.Send(h, reinterpret_cast<const std::uint8_t*>("x"), 1);
    EXPECT_TRUE(r.error == ep_errno::kEpipe || r.error == ep_errno::kEconnreset) << r.error;
    // After the hangup the socket is no longer registered: no spin on EPOLLHUP.
    EXPECT_FALSE(rig.stack.GetWatchInterest(h).has_value());
    const std::uint64_t before = rig.stack.GetStats().wakeups;
    for (int i = 0; i < 5; ++i)
    {
        rig.loop.RunOnce(10);
    }
    EXPECT_EQ(rig.stack.GetStats().wakeups, before);
}

TEST(KernelSocketStackUnit, AbortSendsRst)
{
    StackRig rig;
    UniqueFd listener;
    UniqueFd peer;
    const EpHandle h = rig.Connected(listener, peer);
    ASSERT_EQ(rig.stack.Send(h, reinterpret_cast<const std::uint8_t*>("data"), 4).bytes, 4u);
    rig.stack.Abort(h);
    EXPECT_TRUE(rig.stack.LiveHandles().empty());
    const StreamResult got = ReadToEnd(peer.Get());
    EXPECT_EQ(got.endErrno, ECONNRESET);
}

TEST(KernelSocketStackUnit, ConnectRefusedIsReportedLater)
{
    StackRig rig;
    const EpHandle h = rig.Create(EpSockType::Stream);
    const std::int32_t rc = rig.stack.Connect(h, Loopback(UnusedPort()));
    if (rc == kEpEinprogress)
    {
        EXPECT_TRUE(rig.recorder.events.empty()); // never from inside the call
        ASSERT_TRUE(rig.RunUntil([&] { return rig.recorder.Count("connect-failed", h) > 0; }));
        EXPECT_EQ(rig.recorder.events.back().error, ep_errno::kEconnrefused);
    }
    else
    {
        EXPECT_EQ(rc, ep_errno::kEconnrefused);
    }
    EXPECT_FALSE(rig.stack.GetWatchInterest(h).has_value()); // failed: not registered
}

TEST(KernelSocketStackUnit, ListenerAcceptsOnlyWithInterest)
{
    StackRig rig;
    const EpHandle l = rig.Create(EpSockType::Stream);
    ASSERT_EQ(rig.stack.Bind(l, Loopback(0)), 0);
    ASSERT_EQ(rig.stack.Listen(l, 8), 0);
    const std::uint16_t port = rig.stack.GetSockName(l).port;
    UniqueFd outside = TestSocket(SOCK_STREAM);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(kLoopbackIpv4);
    to.sin_port = htons(port);
    ASSERT_EQ(::connect(outside.Get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
    EXPECT_EQ(rig.loop.RunOnce(50), 0u); // interest off: waiting in the backlog
    EXPECT_TRUE(rig.recorder.events.empty());
    rig.stack.SetReadInterest(l, true);
    ASSERT_TRUE(rig.RunUntil([&] { return rig.recorder.Count("incoming", l) == 1; }));
    const EpHandle conn = rig.recorder.events.back().other;
    EXPECT_NE(conn, kEpInvalidHandle);
    EXPECT_EQ(rig.stack.GetPeerName(conn), Loopback(LocalPort(outside.Get())));
    EXPECT_EQ(rig.stack.GetSockName(conn), Loopback(port));
    EXPECT_TRUE(::fcntl(rig.stack.GetFd(conn), F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(rig.stack.GetFd(conn), F_GETFD) & FD_CLOEXEC);
}

TEST(KernelSocketStackUnit, SocketOptionsPassThrough)
{
    StackRig rig;
    const EpHandle h = rig.Create(EpSockType::Stream);
    std::int32_t v = -1;
    EXPECT_EQ(rig.stack.SetSockOpt(h, ep_sockopt::kLevelTcp, ep_sockopt::kTcpNoDelay, 1), 0);
    EXPECT_EQ(rig.stack.GetSockOpt(h, ep_sockopt::kLevelTcp, ep_sockopt::kTcpNoDelay, v), 0);
    EXPECT_EQ(v, 1);
    int kernel = 0;
    socklen_t len = sizeof(kernel);
    ::getsockopt(rig.stack.GetFd(h), IPPROTO_TCP, TCP_NODELAY, &kernel, &len);
    EXPECT_EQ(kernel, 1);
    EXPECT_EQ(rig.stack.SetSockOpt(h, ep_sockopt::kLevelSocket, ep_sockopt::kRcvBuf, 65536), 0);
    EXPECT_EQ(rig.stack.GetSockOpt(h, ep_sockopt::kLevelSocket, ep_sockopt::kRcvBuf, v), 0);
    EXPECT_EQ(v, 131072); // Linux doubles it, for every application alike
    EXPECT_EQ(rig.stack.SetSockOpt(h, ep_sockopt::kLevelSocket, ep_sockopt::kKeepAlive, 1), 0);
    EXPECT_EQ(rig.stack.GetSockOpt(h, ep_sockopt::kLevelSocket, ep_sockopt::kKeepAlive, v), 0);
    EXPECT_EQ(v, 1);
    EXPECT_EQ(rig.stack.SetSockOpt(h, ep_sockopt::kLevelSocket, SO_LINGER, 1), kEpEnoprotoopt);
    EXPECT_EQ(rig.stack.GetSockOpt(h, ep_sockopt::kLevelSocket, SO_PRIORITY, v), kEpEnoprotoopt);
}

TEST(KernelSocketStackUnit, AddressesOfUnboundSocketsAreFamilyZero)
{
    StackRig rig;
    const EpHandle h = rig.Create(EpSockType::Stream);
    EXPECT_EQ(rig.stack.GetSockName(h).family, 0);
    EXPECT_EQ(rig.stack.GetPeerName(h).family, 0);
    const EpHandle u = rig.Create(EpSockType::Dgram);
    EXPECT_EQ(rig.stack.GetSockName(u).family, 0);
    ASSERT_EQ(rig.stack.Connect(u, Loopback(9)), 0); // UDP connects at once (and binds)
    EXPECT_EQ(rig.stack.GetPeerName(u), Loopback(9));
    EXPECT_EQ(rig.stack.GetSockName(u).Ipv4HostOrder(), kLoopbackIpv4);
    std::int32_t error = 0;
    EXPECT_EQ(rig.stack.Create(EpSockType::None, error), kEpInvalidHandle);
    EXPECT_EQ(error, ep_errno::kEprotonosupport);
}

TEST(KernelSocketStackUnit, AddressConversionRoundTrips)
{
    const EpAddress v4 = EpAddress::Ipv4(0xC0000201, 8080);
    realnet::KernelAddress k = realnet::ToKernelAddress(v4, AF_INET);
    ASSERT_EQ(k.length, sizeof(sockaddr_in));
    EXPECT_EQ(realnet::FromKernelAddress(k.Get(), k.length), v4);
    k = realnet::ToKernelAddress(v4, AF_INET6); // IPv4-mapped on a dual-stack socket
    ASSERT_EQ(k.length, sizeof(sockaddr_in6));
    EXPECT_TRUE(IN6_IS_ADDR_V4MAPPED(&reinterpret_cast<const sockaddr_in6*>(k.Get())->sin6_addr));
    EXPECT_EQ(realnet::FromKernelAddress(k.Get(), k.length), v4);
    EpAddress v6;
    v6.family = 6;
    ASSERT_EQ(::inet_pton(AF_INET6, "2001:db8::7", v6.addr.data()), 1);
    v6.port = 443;
    k = realnet::ToKernelAddress(v6, AF_INET6);
    EXPECT_EQ(realnet::FromKernelAddress(k.Get(), k.length), v6);
    EXPECT_EQ(realnet::ToKernelAddress(v6, AF_INET).length, 0u);
    EXPECT_EQ(realnet::FromKernelAddress(k.Get(), 4).family, 0); // truncated
}

TEST(KernelSocketStackUnit, Ipv6ReopensInPlace)
{
    UniqueFd listener(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;
    if (!listener || ::bind(listener.Get(), reinterpret_cast<sockaddr*>(&sin6), sizeof(sin6)) < 0 ||
        ::listen(listener.Get(), 4) < 0)
    {
        GTEST_SKIP() << "no IPv6 loopback here";
    }
    socklen_t len = sizeof(sin6);
    ::getsockname(listener.Get(), reinterpret_cast<sockaddr*>(&sin6), &len);
    EpAddress peer;
    peer.family = 6;
    std::memcpy(peer.addr.data(), &in6addr_loopback, 16);
    peer.port = ntohs(sin6.sin6_port);

    StackRig rig;
    const EpHandle h = rig.Create(EpSockType::Stream);
    const int fd = rig.stack.GetFd(h);
    EXPECT_EQ(rig.stack.SetSockOpt(h, ep_sockopt::kLevelTcp, ep_sockopt::kTcpNoDelay, 1), 0);
    const std::int32_t rc = rig.stack.Connect(h, peer);
    ASSERT_TRUE(rc == 0 || rc == kEpEinprogress) << rc;
    EXPECT_EQ(rig.stack.GetFd(h), fd); // same fd, same handle
    EXPECT_EQ(rig.stack.GetStats().reopenedIpv6, 1u);
    if (rc == kEpEinprogress)
    {
        ASSERT_TRUE(rig.RunUntil([&] { return rig.recorder.Count("connected", h) == 1; }));
    }
    EXPECT_EQ(rig.stack.GetPeerName(h), peer);
    EXPECT_EQ(rig.stack.GetSockName(h).family, 6);
    std::int32_t v = 0;
    EXPECT_EQ(rig.stack.GetSockOpt(h, ep_sockopt::kLevelTcp, ep_sockopt::kTcpNoDelay, v), 0);
    EXPECT_EQ(v, 1); // replayed on the new socket
    EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK);
    UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(conn);
    ASSERT_EQ(rig.stack.Send(h, reinterpret_cast<const std::uint8_t*>("v6!"), 3).bytes, 3u);
    char buffer[8] = {};
    EXPECT_EQ(::recv(conn.Get(), buffer, sizeof(buffer), 0), 3);
    EXPECT_EQ(std::string(buffer, 3), "v6!");

    // A socket already used for IPv4 is not reopened.
    const EpHandle u = rig.Create(EpSockType::Dgram);
    ASSERT_EQ(rig.stack.Bind(u, Loopback(0)), 0);
    EXPECT_EQ(rig.stack.Connect(u, peer), EAFNOSUPPORT);
}

} // namespace
} // namespace test
} // namespace resoa
