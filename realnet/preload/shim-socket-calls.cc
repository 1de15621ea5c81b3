/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: the control calls of exported sockets (socket, connect, bind,
 * listen, accept, names, options, shutdown) and the fd bookkeeping (close, dup, fcntl).
 * Data moves through the socketpair natively; these calls go to resoa-clientd.
 */
#include "ep-engine-types.h"
#include "shim-address.h"
#include "shim-real.h"
#include "shim-state.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>

using resoa::preload::Fail;
using resoa::preload::Real;
using resoa::preload::SocketEntry;
using resoa::realnet::ShimMessage;
using resoa::realnet::ShimType;

namespace
{

/// One request about \p entry's socket; -1 with errno on failure, else 0 and \p reply.
int
Ask(const SocketEntry& entry, ShimMessage request, ShimMessage& reply, int* fd = nullptr)
{
    request.socketId = entry.id;
    request.sockType = entry.sockType;
    if (!resoa::preload::CallClientd(request, reply, fd))
    {
        return -1;
    }
    if (reply.error != 0)
    {
        errno = reply.error;
        return -1;
    }
    return 0;
}

/// Applies SOCK_CLOEXEC / SOCK_NONBLOCK to a received fd (received CLOEXEC).
void
ApplyFlags(int fd, int flags)
{
    if ((flags & SOCK_CLOEXEC) == 0)
    {
        Real().fcntl(fd, F_SETFD, 0);
    }
    if (flags & SOCK_NONBLOCK)
    {
        Real().fcntl(fd, F_SETFL, Real().fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
}

/// Fills the application's end so it is not writable until clientd drains it.
std::size_t
Fill(int fd)
{
    static const char filler[65536] = {};
    std::size_t total = 0;
    for (;;)
    {
        ssize_t n = Real().send(fd, filler, sizeof(filler), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0)
        {
            return total;
        }
        total += static_cast<std::size_t>(n);
    }
}

int
PutInt(void* value, socklen_t* length, int v)
{
    if (value == nullptr || length == nullptr || *length < static_cast<socklen_t>(sizeof(int)))
    {
        errno = EINVAL;
        return -1;
    }
    std::memcpy(value, &v, sizeof(int));
    *length = sizeof(int);
    return 0;
}

bool
LocalTimeout(int level, int option)
{
    // Timeouts act on the application's own end of the pair, where it blocks.
    return level == SOL_SOCKET && (option == SO_RCVTIMEO || option == SO_SNDTIMEO);
}

} // namespace

RESOA_EXPORT int
socket(int domain, int type, int protocol)
{
    if (domain != AF_INET && domain != AF_INET6)
    {
        return Real().socket(domain, type, protocol); // AF_UNIX, netlink, packet: local
    }
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    std::uint8_t sockType = 0;
    if (base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
    {
        sockType = 1;
    }
    else if (base == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
    {
        sockType = 2;
    }
    else
    {
        return Fail(EPROTONOSUPPORT,
                    "socket(type %d, protocol %d): only TCP and UDP are exported over ReSoA",
                    base,
                    protocol);
    }
    ShimMessage q;
    q.type = ShimType::Socket;
    q.sockType = sockType;
    ShimMessage r;
    int fd = -1;
    if (!resoa::preload::CallClientd(q, r, &fd))
    {
        return -1;
    }
    if (r.error != 0 || fd < 0)
    {
        errno = r.error != 0 ? r.error : EPROTO;
        return -1;
    }
    ApplyFlags(fd, type);
    SocketEntry e;
    e.id = r.socketId;
    e.sockType = sockType;
    e.family = domain;
    e.maxDatagram = static_cast<std::size_t>(r.value);
    resoa::preload::RememberSocket(fd, e);
    return fd;
}

RESOA_EXPORT int
connect(int fd, const sockaddr* address, socklen_t length)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        return Real().connect(fd, address, length);
    }
    ShimMessage q;
    q.type = ShimType::Connect;
    if (!resoa::preload::FromSockaddr(address, length, q.peer) || q.peer.family == 0)
    {
        return Fail(EAFNOSUPPORT, "connect: only IPv4/IPv6 peers are supported over ReSoA");
    }
    bool nonBlocking = (Real().fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
    if (nonBlocking && e.sockType == 1)
    {
        q.flags = resoa::realnet::kShimFlagNonBlocking;
    }
    ShimMessage r;
    if (Ask(e, q, r) != 0)
    {
        if (errno != EINPROGRESS)
        {
            return -1;
        }
        // Started: not writable until done (clientd discards exactly these bytes then).
        ShimMessage f;
        f.type = ShimType::ConnectFiller;
        f.value = static_cast<std::int32_t>(Fill(fd));
        ShimMessage ignored;
        Ask(e, f, ignored);
        e.peer = q.peer;
        resoa::preload::UpdateSocket(fd, e);
        errno = EINPROGRESS;
        return -1;
    }
    e.connected = true;
    e.local = r.local;
    e.peer = r.peer.family != 0 ? r.peer : q.peer;
    resoa::preload::UpdateSocket(fd, e);
    if (e.sockType == 2)
    {
        // Datagrams queued before connect carried address headers; a connected socket
        // carries bare ones, so the old ones go (as from a peer it no longer accepts).
        char drop[64];
        for (int i = 0; i < 100000 && Real().recv(fd, drop, sizeof(drop), MSG_DONTWAIT) >= 0; ++i)
        {
        }
    }
    return 0;
}

RESOA_EXPORT int
bind(int fd, const sockaddr* address, socklen_t length)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        return Real().bind(fd, address, length);
    }
    ShimMessage q;
    q.type = ShimType::Bind;
    if (!resoa::preload::FromSockaddr(address, length, q.local))
    {
        return Fail(EAFNOSUPPORT, "bind: only IPv4/IPv6 addresses are supported over ReSoA");
    }
    ShimMessage r;
    if (Ask(e, q, r) != 0)
    {
        return -1;
    }
    e.local = r.local;
    resoa::preload::UpdateSocket(fd, e);
    return 0;
}

RESOA_EXPORT int
listen(int fd, int backlog)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        return Real().listen(fd, backlog);
    }
    if (e.sockType != 1)
    {
        errno = EOPNOTSUPP;
        return -1;
    }
    ShimMessage q;
    q.type = ShimType::Listen;
    q.value = backlog;
    ShimMessage r;
    if (Ask(e, q, r) != 0)
    {
        return -1;
    }
    e.listening = true;
    e.local = r.local;
    resoa::preload::UpdateSocket(fd, e);
    return 0;
}

RESOA_EXPORT int
accept4(int fd, sockaddr* address, socklen_t* length, int flags)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        return Real().accept4(fd, address, length, flags);
    }
    if (!e.listening)
    {
        errno = EINVAL;
        return -1;
    }
    for (;;)
    {
        // One doorbell byte per pending connection: blocking, O_NONBLOCK (EAGAIN) and
        // signals (EINTR) behave as accept's own wait does.
        char bell;
        ssize_t n = Real().recv(fd, &bell, 1, 0);
        if (n < 0)
        {
            return -1;
        }
        if (n == 0)
        {
            errno = EINVAL; // the listener failed (link down): clientd closed it
            return -1;
        }
        ShimMessage q;
        q.type = ShimType::Accept;
        ShimMessage r;
        int newFd = -1;
        if (Ask(e, q, r, &newFd) != 0)
        {
            if (errno == EAGAIN)
            {
                continue; // that connection is gone already
            }
            return -1;
        }
        if (newFd < 0)
        {
            errno = EPROTO;
            return -1;
        }
        ApplyFlags(newFd, flags);
        SocketEntry a;
        a.id = r.socketId;
        a.sockType = 1;
        a.family = e.family;
        a.connected = true;
        a.local = r.local;
        a.peer = r.peer;
        resoa::preload::RememberSocket(newFd, a);
        resoa::preload::ToSockaddr(r.peer, e.family, address, length);
        return newFd;
    }
}

RESOA_EXPORT int
accept(int fd, sockaddr* address, socklen_t* length)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        return Real().accept(fd, address, length);
    }
    return accept4(fd, address, length, 0);
}

RESOA_EXPORT int
getsockname(int fd, sockaddr* address, socklen_t* length)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        return Real().getsockname(fd, address, length);
    }
    ShimMessage q;
    q.type = ShimType::GetSockName;
    ShimMessage r;
    if (Ask(e, q, r) == 0)
    {
        e.local = r.local;
    }
    else if (errno != EBADF)
    {
        return -1;
    } // EBADF: clientd closed the remote socket already; the last known address stands
    resoa::preload::ToSockaddr(e.local, e.family, address, length);
    return 0;
}

RESOA_EXPORT int
getpeername(int fd, sockaddr* address, socklen_t* length)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        return Real().getpeername(fd, address, length);
    }
    ShimMessage q;
    q.type = ShimType::GetPeerName;
    ShimMessage r;
    if (Ask(e, q, r) == 0)
    {
        e.peer = r.peer;
    }
    else if (errno != EBADF || e.peer.family == 0)
    {
        errno = errno == EBADF ? ENOTCONN : errno;
        return -1;
    }
    resoa::preload::ToSockaddr(e.peer, e.family, address, length);
    return 0;
}

RESOA_EXPORT int
getsockopt(int fd, int level, int option, void* value, socklen_t* length)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e) || LocalTimeout(level, option))
    {
        return Real().getsockopt(fd, level, option, value, length);
    }
    if (level == SOL_SOCKET)
    {
        switch (option)
        {
            case SO_TYPE:
                return PutInt(value, length, e.sockType == 1 ? SOCK_STREAM : SOCK_DGRAM);
            case SO_DOMAIN:
                return PutInt(value, length, e.family);
            case SO_PROTOCOL:
                return PutInt(value, length, e.sockType == 1 ? IPPROTO_TCP : IPPROTO_UDP);
            case SO_ACCEPTCONN:
                return PutInt(value, length, e.listening ? 1 : 0);
            case SO_ERROR:
            {
                ShimMessage q;
                q.type = ShimType::GetError;
                ShimMessage r;
                if (Ask(e, q, r) != 0)
                {
                    return -1;
                }
                return PutInt(value, length, r.value);
            }
            default:
                break;
        }
    }
    if (level < 0 || level > 0xffff || option < 0 || option > 0xffff ||
        !resoa::ep_sockopt::IsSupported(static_cast<std::uint16_t>(level),
                                        static_cast<std::uint16_t>(option)))
    {
        return Fail(ENOPROTOOPT,
                    "getsockopt(level %d, option %d) is not supported over ReSoA",
                    level,
                    option);
    }
    ShimMessage q;
    q.type = ShimType::GetSockOpt;
    q.level = static_cast<std::uint16_t>(level);
    q.option = static_cast<std::uint16_t>(option);
    ShimMessage r;
    if (Ask(e, q, r) != 0)
    {
        return -1;
    }
    return PutInt(value, length, r.value);
}

RESOA_EXPORT int
setsockopt(int fd, int level, int option, const void* value, socklen_t length)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e) || LocalTimeout(level, option))
    {
        return Real().setsockopt(fd, level, option, value, length);
    }
    if (level < 0 || level > 0xffff || option < 0 || option > 0xffff ||
        !resoa::ep_sockopt::IsSupported(static_cast<std::uint16_t>(level),
                                        static_cast<std::uint16_t>(option)))
    {
        return Fail(ENOPROTOOPT,
                    "setsockopt(level %d, option %d) is not supported over ReSoA",
                    level,
                    option);
    }
    if (value == nullptr || length < static_cast<socklen_t>(sizeof(int)))
    {
        errno = EINVAL;
        return -1;
    }
    ShimMessage q;
    q.type = ShimType::SetSockOpt;
    q.level = static_cast<std::uint16_t>(level);
    q.option = static_cast<std::uint16_t>(option);
    std::memcpy(&q.value, value, sizeof(int));
    ShimMessage r;
    return Ask(e, q, r);
}

RESOA_EXPORT int
shutdown(int fd, int how)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        return Real().shutdown(fd, how);
    }
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
    {
        errno = EINVAL;
        return -1;
    }
    ShimMessage q;
    q.type = ShimType::Shutdown;
    q.value = how;
    ShimMessage r;
    if (Ask(e, q, r) != 0)
    {
        errno = errno == EBADF ? ENOTCONN : errno;
        return -1;
    }
    if (how != SHUT_RD)
    {
        // Our own end: clientd reads the EOF after the data, so order is kept.
        Real().shutdown(fd, SHUT_WR);
    }
    return 0;
}

RESOA_EXPORT int
close(int fd)
{
    if (resoa::preload::IsControlFd(fd))
    {
        // The application closes every fd (a daemon's start): let it, the shim reconnects.
        resoa::preload::ForgetControlFd(fd);
    }
    // No message: clientd closes the remote socket when the last fd of the pair is gone.
    resoa::preload::ForgetSocket(fd);
    return Real().close(fd);
}

RESOA_EXPORT int
dup(int fd)
{
    int r = Real().dup(fd);
    if (r >= 0)
    {
        resoa::preload::CopySocket(fd, r);
    }
    return r;
}

RESOA_EXPORT int
dup3(int from, int to, int flags)
{
    int r = Real().dup3(from, to, flags);
    if (r >= 0)
    {
        resoa::preload::ForgetControlFd(to);
        resoa::preload::CopySocket(from, to);
    }
    return r;
}

RESOA_EXPORT int
dup2(int from, int to)
{
    int r = Real().dup2(from, to);
    if (r >= 0 && from != to)
    {
        resoa::preload::ForgetControlFd(to);
        resoa::preload::CopySocket(from, to);
    }
    return r;
}

namespace
{
int
Fcntl(int (*real)(int, int, ...), int fd, int cmd, va_list ap)
{
    // Every fcntl argument is an int or a pointer: passing it on as a pointer-sized value
    // is what the x86-64 and aarch64 ABIs do for both.
    void* arg = va_arg(ap, void*);
    int r = real(fd, cmd, arg);
    if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
    {
        resoa::preload::CopySocket(fd, r);
    }
    return r;
}
} // namespace

RESOA_EXPORT int
fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int r = Fcntl(Real().fcntl, fd, cmd, ap);
    va_end(ap);
    return r;
}

RESOA_EXPORT int
fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int r = Fcntl(Real().fcntl64, fd, cmd, ap);
    va_end(ap);
    return r;
}
