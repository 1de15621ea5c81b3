/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
// KernelSocketStack: the EpSocketStack calls (socket state, handles, epoll registration).
// The epoll callbacks are in kernel-socket-stack-events.cc.
#include "kernel-socket-stack.h"

#include "kernel-errno.h"
#include "socket-address.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <system_error>

namespace resoa
{
namespace realnet
{

// The ep_sockopt numbers are Linux's (ep-engine-types.h), so they go to the kernel as they are.
static_assert(SOL_SOCKET == ep_sockopt::kLevelSocket && IPPROTO_TCP == ep_sockopt::kLevelTcp,
              "sockopt levels");
static_assert(SO_REUSEADDR == ep_sockopt::kReuseAddr && SO_BROADCAST == ep_sockopt::kBroadcast,
              "sockopt numbers");
static_assert(SO_SNDBUF == ep_sockopt::kSndBuf && SO_RCVBUF == ep_sockopt::kRcvBuf,
              "sockopt numbers");
static_assert(SO_KEEPALIVE == ep_sockopt::kKeepAlive && TCP_NODELAY == ep_sockopt::kTcpNoDelay,
              "sockopt numbers");

namespace
{

/// Largest datagram recvfrom can return (IPv6 payload limit without jumbograms).
constexpr std::size_t kMaxDatagram = 65535;

} // namespace

KernelSocketStack::KernelSocketStack(EventLoop& loop, KernelSocketStackConfig config)
    : m_loop(loop)
    , m_config(config)
    , m_spareFd(::open("/dev/null", O_RDONLY | O_CLOEXEC))
    , m_datagramBuffer(kMaxDatagram)
{
    m_config.maxAcceptsPerEvent = std::max<std::size_t>(m_config.maxAcceptsPerEvent, 1);
    m_config.maxDatagramsPerEvent = std::max<std::size_t>(m_config.maxDatagramsPerEvent, 1);
}

KernelSocketStack::~KernelSocketStack()
{
    for (auto& [fd, s] : m_sockets)
    {
        if (s.watched)
        {
            m_loop.Unwatch(fd);
        }
    }
    m_sockets.clear(); // closes the fds
}

void
KernelSocketStack::SetSink(StackEventSink* sink)
{
    m_sink = sink;
}

void
KernelSocketStack::AttachServer(EpServer& server)
{
    m_serverSink = std::make_unique<EpServerSink>(server);
    m_sink = m_serverSink.get();
}

// --- handles ---

KernelSocketStack::Socket*
KernelSocketStack::Find(EpHandle h)
{
    auto it = m_sockets.find(static_cast<int>(h & 0xffffffffu));
    return it != m_sockets.end() && it->second.handle == h ? &it->second : nullptr;
}

const KernelSocketStack::Socket*
KernelSocketStack::Find(EpHandle h) const
{
    auto it = m_sockets.find(static_cast<int>(h & 0xffffffffu));
    return it != m_sockets.end() && it->second.handle == h ? &it->second : nullptr;
}

EpHandle
KernelSocketStack::NewHandle(int fd)
{
    std::uint32_t& generation = m_generation[fd];
    if (++generation == 0)
    {
        generation = 1; // a handle is never 0, whatever the fd
    }
    return static_cast<EpHandle>(generation) << 32 | static_cast<std::uint32_t>(fd);
}

KernelSocketStack::Socket&
KernelSocketStack::Adopt(int fd, EpSockType type, int family)
{
    auto old = m_sockets.find(fd);
    if (old != m_sockets.end())
    {
        // The fd was closed behind our back and reused by the kernel: forget the old
        // socket without closing the new fd.
        if (old->second.watched)
        {
            m_loop.Unwatch(fd);
        }
        old->second.fd.Release();
        m_sockets.erase(old);
    }
    Socket& s = m_sockets[fd];
    s.handle = NewHandle(fd);
    s.fd.Reset(fd);
    s.type = type;
    s.family = family;
    m_stats.socketsOpened++;
    return s;
}

void
KernelSocketStack::UpdateWatch(Socket& s)
{
    std::uint32_t want = 0;
    bool registered = false;
    if (s.type == EpSockType::Stream && s.listening)
    {
        want = s.readInterest ? EventLoop::kReadable : 0u;
        registered = want != 0;
    }
    else if (s.type == EpSockType::Stream && s.connecting)
    {
        want = EventLoop::kWritable;
        registered = true;
    }
    else if (s.type == EpSockType::Dgram || s.connected)
    {
        want = (s.readInterest ? EventLoop::kReadable : 0u) |
               (s.wantWritable ? EventLoop::kWritable : 0u);
        // Without interest, stay registered for errors; but not after a hangup, which
        // epoll reports whatever the interest (it would spin).
        registered = want != 0 || !s.hangup;
    }
    // else: a stream never connected. Linux reports EPOLLHUP for it: never register it.

    const int fd = s.fd.Get();
    if (!registered)
    {
        if (s.watched)
        {
            m_loop.Unwatch(fd);
            s.watched.reset();
        }
        return;
    }
    if (!s.watched)
    {
        const EpHandle h = s.handle;
        m_loop.Watch(fd, want, [this, h](std::uint32_t events) { OnEvents(h, events); });
        s.watched = want;
    }
    else if (*s.watched != want)
    {
        m_loop.SetInterest(fd, want);
        s.watched = want;
    }
}

void
KernelSocketStack::Release(EpHandle h)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return;
    }
    const int fd = s->fd.Get();
    if (s->watched)
    {
        m_loop.Unwatch(fd); // before close(2), as EventLoop asks
    }
    m_sockets.erase(fd); // closes it
    m_stats.socketsReleased++;
}

std::int32_t
KernelSocketStack::Reopen(Socket& s, int family)
{
    const int type = s.type == EpSockType::Stream ? SOCK_STREAM : SOCK_DGRAM;
    UniqueFd fresh(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fresh)
    {
        return ToEpErrno(errno); // EAFNOSUPPORT when the kernel has no IPv6
    }
    for (const auto& [level, option, value] : s.options)
    {
        if (::setsockopt(fresh.Get(), level, option, &value, sizeof(value)) < 0)
        {
            return ToEpErrno(errno);
        }
    }
    const int fd = s.fd.Get();
    if (s.watched)
    {
        m_loop.Unwatch(fd);
        s.watched.reset();
    }
    // Same fd number, so the handle the server holds stays valid. O_NONBLOCK belongs to
    // the open file description, which dup3 shares.
    if (::dup3(fresh.Get(), fd, O_CLOEXEC) < 0)
    {
        const int err = errno;
        UpdateWatch(s);
        return ToEpErrno(err);
    }
    s.family = family;
    m_stats.reopenedIpv6++;
    UpdateWatch(s);
    return ep_errno::kOk;
}

std::int32_t
KernelSocketStack::FamilyFor(Socket& s, const EpAddress& address)
{
    if (address.family != 6 || s.family == AF_INET6)
    {
        return ep_errno::kOk;
    }
    return s.pristine ? Reopen(s, AF_INET6) : EAFNOSUPPORT;
}

// --- EpSocketStack ---

EpHandle
KernelSocketStack::Create(EpSockType type, std::int32_t& error)
{
    int kind = 0;
    switch (type)
    {
        case EpSockType::Stream:
            kind = SOCK_STREAM;
            break;
        case EpSockType::Dgram:
            kind = SOCK_DGRAM;
            break;
        default:
            error = ep_errno::kEprotonosupport;
            return kEpInvalidHandle;
    }
    const int fd = ::socket(AF_INET, kind | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
    {
        error = ToEpCreateErrno(errno);
        return kEpInvalidHandle;
    }
    Socket& s = Adopt(fd, type, AF_INET);
    const EpHandle h = s.handle;
    try
    {
        UpdateWatch(s); // a datagram socket is registered for errors from the start
    }
    catch (const std::system_error& e)
    {
        Release(h);
        error = ToEpCreateErrno(e.code().value());
        return kEpInvalidHandle;
    }
    error = ep_errno::kOk;
    return h;
}

std::int32_t
KernelSocketStack::Bind(EpHandle h, const EpAddress& local)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    if (std::int32_t rc = FamilyFor(*s, local); rc != 0)
    {
        return rc;
    }
    const KernelAddress address = ToKernelAddress(local, s->family);
    if (address.length == 0 || local.family == 0)
    {
        return EAFNOSUPPORT;
    }
    if (::bind(s->fd.Get(), address.Get(), address.length) < 0)
    {
        return ToEpErrno(errno); // EACCES below ip_unprivileged_port_start, EADDRINUSE, ...
    }
    s->pristine = false;
    return ep_errno::kOk;
}

std::int32_t
KernelSocketStack::Listen(EpHandle h, std::uint32_t backlog)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    const int n = static_cast<int>(std::min<std::uint32_t>(backlog, INT_MAX));
    if (::listen(s->fd.Get(), n) < 0)
    {
        return ToEpErrno(errno);
    }
    s->listening = true;
    s->pristine = false;
    UpdateWatch(*s);
    return ep_errno::kOk;
}

std::int32_t
KernelSocketStack::Connect(EpHandle h, const EpAddress& peer)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    if (peer.family == 0 && s->type == EpSockType::Stream)
    {
        return EAFNOSUPPORT; // AF_UNSPEC would disconnect a TCP socket
    }
    if (std::int32_t rc = FamilyFor(*s, peer); rc != 0)
    {
        return rc;
    }
    const KernelAddress address = ToKernelAddress(peer, s->family);
    if (address.length == 0)
    {
        return EAFNOSUPPORT;
    }
    if (::connect(s->fd.Get(), address.Get(), address.length) == 0)
    {
        s->pristine = false;
        s->connected = s->type == EpSockType::Stream || peer.family != 0;
        UpdateWatch(*s);
        return ep_errno::kOk;
    }
    const int err = errno;
    if (s->type == EpSockType::Stream && (err == EINPROGRESS || err == EINTR))
    {
        // EINTR: the connect goes on asynchronously, as with EINPROGRESS.
        s->pristine = false;
        s->connecting = true;
        UpdateWatch(*s);
        return kEpEinprogress;
    }
    return ToEpErrno(err);
}

EpIoResult
KernelSocketStack::Send(EpHandle h, const std::uint8_t* data, std::size_t len)
{
    EpIoResult r;
    Socket* s = Find(h);
    if (s == nullptr)
    {
        r.error = ep_errno::kEbadf;
        return r;
    }
    if (len == 0)
    {
        return r;
    }
    const ssize_t n = ::send(s->fd.Get(), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0)
    {
        const int err = errno;
        if (err != EAGAIN && err != EINTR)
        {
            r.error = ToEpErrno(err); // EPIPE, ECONNRESET, ...
            return r;
        }
        r.error = ep_errno::kEagain;
    }
    else
    {
        r.bytes = static_cast<std::size_t>(n);
    }
    if (r.bytes < len && !s->wantWritable)
    {
        s->wantWritable = true; // OnWritable once there is room
        UpdateWatch(*s);
    }
    return r;
}

EpReadResult
KernelSocketStack::Read(EpHandle h, std::size_t maxBytes)
{
    EpReadResult r;
    Socket* s = Find(h);
    if (s == nullptr)
    {
        r.error = ep_errno::kEbadf;
        return r;
    }
    if (maxBytes == 0)
    {
        r.error = ep_errno::kEagain; // nothing asked, nothing given
        return r;
    }
    r.data.resize(maxBytes);
    const ssize_t n = ::recv(s->fd.Get(), r.data.data(), maxBytes, MSG_DONTWAIT);
    if (n > 0)
    {
        r.data.resize(static_cast<std::size_t>(n));
        return r;
    }
    r.data.clear();
    if (n == 0)
    {
        if (s->type == EpSockType::Stream)
        {
            r.eof = true; // the peer's FIN, after all its data
        }
        else
        {
            r.error = ep_errno::kEagain; // an empty datagram: Read is for streams
        }
        return r;
    }
    const int err = errno;
    r.error = err == EAGAIN || err == EINTR ? ep_errno::kEagain : ToEpErrno(err);
    return r;
}

std::int32_t
KernelSocketStack::SendTo(EpHandle h,
                          const EpAddress& peer,
                          const std::uint8_t* data,
                          std::size_t len)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    ssize_t n = 0;
    if (peer.family == 0)
    {
        n = ::send(s->fd.Get(), data, len, MSG_NOSIGNAL | MSG_DONTWAIT); // connected peer
    }
    else
    {
        if (std::int32_t rc = FamilyFor(*s, peer); rc != 0)
        {
            return rc;
        }
        const KernelAddress address = ToKernelAddress(peer, s->family);
        if (address.length == 0)
        {
            return EAFNOSUPPORT;
        }
        n = ::sendto(
            s->fd.Get(), data, len, MSG_NOSIGNAL | MSG_DONTWAIT, address.Get(), address.length);
    }
    if (n < 0)
    {
        return ToEpErrno(errno); // EAGAIN / ENOBUFS: the server drops and counts it
    }
    s->pristine = false; // bound to an ephemeral port now
    return ep_errno::kOk;
}

std::int32_t
KernelSocketStack::ShutdownWrite(EpHandle h)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    return ::shutdown(s->fd.Get(), SHUT_WR) == 0 ? ep_errno::kOk : ToEpErrno(errno);
}

void
KernelSocketStack::Close(EpHandle h)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return;
    }
    if (s->type == EpSockType::Stream && s->connected)
    {
        // Linux resets a connection closed with unread input and drops what it still had
        // to send; the server promises a graceful close, so drop the input first.
        std::uint8_t sink[16384];
        std::size_t drained = 0;
        while (drained < m_config.closeDrainLimit)
        {
            const std::size_t want = std::min(sizeof(sink), m_config.closeDrainLimit - drained);
            const ssize_t n = ::recv(s->fd.Get(), sink, want, MSG_DONTWAIT);
            if (n <= 0)
            {
                break;
            }
            drained += static_cast<std::size_t>(n);
        }
        m_stats.closeDrainedBytes += drained;
    }
    Release(h);
}

void
KernelSocketStack::Abort(EpHandle h)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return;
    }
    if (s->type == EpSockType::Stream)
    {
        const linger reset{1, 0}; // close(2) sends a RST and drops the queues
        ::setsockopt(s->fd.Get(), SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    }
    Release(h);
}

void
KernelSocketStack::SetReadInterest(EpHandle h, bool on)
{
    Socket* s = Find(h);
    if (s == nullptr || s->readInterest == on)
    {
        return;
    }
    s->readInterest = on;
    UpdateWatch(*s);
}

std::int32_t
KernelSocketStack::SetSockOpt(EpHandle h,
                              std::uint16_t level,
                              std::uint16_t option,
                              std::int32_t value)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    if (!ep_sockopt::IsSupported(level, option))
    {
        return kEpEnoprotoopt;
    }
    const int v = value;
    if (::setsockopt(s->fd.Get(), level, option, &v, sizeof(v)) < 0)
    {
        return ToEpErrno(errno);
    }
    auto same = [&](const std::tuple<int, int, int>& o)
    {
        return std::get<0>(o) == level && std::get<1>(o) == option;
    };
    s->options.erase(std::remove_if(s->options.begin(), s->options.end(), same), s->options.end());
    s->options.emplace_back(level, option, v);
    return ep_errno::kOk;
}

std::int32_t
KernelSocketStack::GetSockOpt(EpHandle h,
                              std::uint16_t level,
                              std::uint16_t option,
                              std::int32_t& value)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    if (!ep_sockopt::IsSupported(level, option))
    {
        return kEpEnoprotoopt;
    }
    int v = 0;
    socklen_t len = sizeof(v);
    if (::getsockopt(s->fd.Get(), level, option, &v, &len) < 0)
    {
        return ToEpErrno(errno);
    }
    value = v;
    return ep_errno::kOk;
}

EpAddress
KernelSocketStack::GetSockName(EpHandle h)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return {};
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (::getsockname(s->fd.Get(), reinterpret_cast<sockaddr*>(&ss), &len) < 0)
    {
        return {};
    }
    EpAddress a = FromKernelAddress(reinterpret_cast<const sockaddr*>(&ss), len);
    return a.port != 0 ? a : EpAddress{}; // port 0: not bound yet
}

EpAddress
KernelSocketStack::GetPeerName(EpHandle h)
{
    Socket* s = Find(h);
    if (s == nullptr)
    {
        return {};
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (::getpeername(s->fd.Get(), reinterpret_cast<sockaddr*>(&ss), &len) < 0)
    {
        return {}; // ENOTCONN
    }
    return FromKernelAddress(reinterpret_cast<const sockaddr*>(&ss), len);
}

// --- inspection ---

int
KernelSocketStack::GetFd(EpHandle h) const
{
    const Socket* s = Find(h);
    return s != nullptr ? s->fd.Get() : -1;
}

std::vector<EpHandle>
KernelSocketStack::LiveHandles() const
{
    std::vector<EpHandle> out;
    out.reserve(m_sockets.size());
    for (const auto& entry : m_sockets)
    {
        out.push_back(entry.second.handle);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::uint32_t>
KernelSocketStack::GetWatchInterest(EpHandle h) const
{
    const Socket* s = Find(h);
    return s != nullptr ? s->watched : std::nullopt;
}

const KernelSocketStackStats&
KernelSocketStack::GetStats() const
{
    return m_stats;
}

} // namespace realnet
} // namespace resoa
