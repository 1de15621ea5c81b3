/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: the address-carrying data calls. An unconnected UDP socket's pair
 * carries a shim header with each datagram (the destination going out, the source coming
 * in); these hooks add and strip it. Everything else passes through to libc.
 */
#include "shim-address.h"
#include "shim-real.h"
#include "shim-state.h"

#include <dlfcn.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <vector>

using resoa::preload::Fail;
using resoa::preload::Real;
using resoa::preload::SocketEntry;
using resoa::realnet::kShimDatagramHeaderSize;

extern "C" void __chk_fail(void) __attribute__((noreturn));

namespace
{

/// The exported socket behind \p fd when its datagrams carry a header.
bool
HeaderSocket(int fd, SocketEntry& e)
{
    return resoa::preload::LookupSocket(fd, e) && e.sockType == 2 && !e.connected;
}

ssize_t
SendWithHeader(const SocketEntry& e,
               int fd,
               const iovec* iov,
               std::size_t iovCount,
               int flags,
               const sockaddr* to,
               socklen_t toLength)
{
    resoa::realnet::ShimAddress peer;
    if (to == nullptr)
    {
        errno = EDESTADDRREQ;
        return -1;
    }
    if (!resoa::preload::FromSockaddr(to, toLength, peer) || peer.family == 0)
    {
        errno = EAFNOSUPPORT;
        return -1;
    }
    std::size_t total = 0;
    for (std::size_t i = 0; i < iovCount; ++i)
    {
        total += iov[i].iov_len;
    }
    if (total > e.maxDatagram)
    {
        errno = EMSGSIZE;
        return -1;
    }
    std::uint8_t header[kShimDatagramHeaderSize];
    resoa::realnet::EncodeShimDatagramHeader(peer, header);
    std::vector<iovec> all(iovCount + 1);
    all[0] = iovec{header, sizeof(header)};
    std::copy(iov, iov + iovCount, all.begin() + 1);
    msghdr m{};
    m.msg_iov = all.data();
    m.msg_iovlen = all.size();
    ssize_t n = Real().sendmsg(fd, &m, flags | MSG_NOSIGNAL);
    return n < 0 ? -1 : n - static_cast<ssize_t>(sizeof(header));
}

ssize_t
ReceiveWithHeader(int fd,
                  const iovec* iov,
                  std::size_t iovCount,
                  int flags,
                  sockaddr* from,
                  socklen_t* fromLength,
                  int family,
                  int* msgFlags)
{
    std::uint8_t header[kShimDatagramHeaderSize];
    std::vector<iovec> all(iovCount + 1);
    all[0] = iovec{header, sizeof(header)};
    std::copy(iov, iov + iovCount, all.begin() + 1);
    msghdr m{};
    m.msg_iov = all.data();
    m.msg_iovlen = all.size();
    ssize_t n = Real().recvmsg(fd, &m, flags);
    if (n <= 0)
    {
        return n; // an error, or the end (clientd shut the pair)
    }
    resoa::realnet::ShimAddress source;
    if (!resoa::realnet::DecodeShimDatagramHeader(header, static_cast<std::size_t>(n), source))
    {
        errno = EAGAIN; // not from clientd: cannot happen on a pair only clientd writes
        return -1;
    }
    if (fromLength != nullptr)
    {
        resoa::preload::ToSockaddr(source, family, from, fromLength);
    }
    if (msgFlags != nullptr)
    {
        *msgFlags = m.msg_flags;
    }
    return n - static_cast<ssize_t>(sizeof(header));
}

} // namespace

RESOA_EXPORT ssize_t
sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* to, socklen_t toLength)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        return Real().sendto(fd, buf, len, flags, to, toLength);
    }
    if (e.sockType == 1 || e.connected)
    {
        return Real().send(fd, buf, len, flags); // the pair takes no address
    }
    iovec v{const_cast<void*>(buf), len};
    return SendWithHeader(e, fd, &v, 1, flags, to, toLength);
}

RESOA_EXPORT ssize_t
send(int fd, const void* buf, size_t len, int flags)
{
    SocketEntry e;
    if (HeaderSocket(fd, e))
    {
        errno = EDESTADDRREQ; // unconnected UDP has no destination
        return -1;
    }
    return Real().send(fd, buf, len, flags);
}

RESOA_EXPORT ssize_t
sendmsg(int fd, const msghdr* msg, int flags)
{
    SocketEntry e;
    if (msg == nullptr || !resoa::preload::LookupSocket(fd, e))
    {
        return Real().sendmsg(fd, msg, flags);
    }
    if (msg->msg_controllen > 0)
    {
        return Fail(EOPNOTSUPP, "sendmsg with control data is not supported over ReSoA");
    }
    if (e.sockType == 1 || e.connected)
    {
        msghdr bare = *msg;
        bare.msg_name = nullptr;
        bare.msg_namelen = 0;
        return Real().sendmsg(fd, &bare, flags);
    }
    return SendWithHeader(e,
                          fd,
                          msg->msg_iov,
                          msg->msg_iovlen,
                          flags,
                          static_cast<const sockaddr*>(msg->msg_name),
                          msg->msg_namelen);
}

RESOA_EXPORT ssize_t
recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* from, socklen_t* fromLength)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        return Real().recvfrom(fd, buf, len, flags, from, fromLength);
    }
    if (e.sockType == 1)
    {
        const ssize_t n = Real().recvfrom(fd, buf, len, flags, from, fromLength);
        return n == 0 ? resoa::preload::StreamEnd(fd, len, flags) : n;
    }
    if (e.connected)
    {
        ssize_t n = Real().recv(fd, buf, len, flags);
        if (n >= 0 && fromLength != nullptr)
        {
            resoa::preload::ToSockaddr(e.peer, e.family, from, fromLength);
        }
        return n;
    }
    iovec v{buf, len};
    return ReceiveWithHeader(fd, &v, 1, flags, from, fromLength, e.family, nullptr);
}

RESOA_EXPORT ssize_t
recv(int fd, void* buf, size_t len, int flags)
{
    SocketEntry e;
    if (HeaderSocket(fd, e))
    {
        iovec v{buf, len};
        return ReceiveWithHeader(fd, &v, 1, flags, nullptr, nullptr, e.family, nullptr);
    }
    const ssize_t n = Real().recv(fd, buf, len, flags);
    return n == 0 ? resoa::preload::StreamEnd(fd, len, flags) : n;
}

RESOA_EXPORT ssize_t
recvmsg(int fd, msghdr* msg, int flags)
{
    SocketEntry e;
    if (msg == nullptr || !resoa::preload::LookupSocket(fd, e) || e.sockType == 1)
    {
        const ssize_t n = Real().recvmsg(fd, msg, flags);
        std::size_t len = 0;
        for (std::size_t i = 0; n == 0 && msg != nullptr && i < msg->msg_iovlen; ++i)
        {
            len += msg->msg_iov[i].iov_len;
        }
        return n == 0 ? resoa::preload::StreamEnd(fd, len, flags) : n;
    }
    msg->msg_controllen = 0; // no ancillary data (IP_PKTINFO, timestamps) over ReSoA
    if (e.connected)
    {
        msghdr bare = *msg;
        bare.msg_name = nullptr;
        bare.msg_namelen = 0;
        ssize_t n = Real().recvmsg(fd, &bare, flags);
        msg->msg_flags = bare.msg_flags;
        if (n >= 0 && msg->msg_name != nullptr)
        {
            resoa::preload::ToSockaddr(
                e.peer, e.family, static_cast<sockaddr*>(msg->msg_name), &msg->msg_namelen);
        }
        return n;
    }
    socklen_t nameLength = msg->msg_namelen;
    ssize_t n = ReceiveWithHeader(fd,
                                  msg->msg_iov,
                                  msg->msg_iovlen,
                                  flags,
                                  static_cast<sockaddr*>(msg->msg_name),
                                  msg->msg_name != nullptr ? &nameLength : nullptr,
                                  e.family,
                                  &msg->msg_flags);
    msg->msg_namelen = msg->msg_name != nullptr ? nameLength : 0;
    return n;
}

RESOA_EXPORT int
sendmmsg(int fd, mmsghdr* msgs, unsigned int count, int flags)
{
    unsigned int i = 0;
    for (; i < count; ++i)
    {
        ssize_t n = sendmsg(fd, &msgs[i].msg_hdr, flags);
        if (n < 0)
        {
            return i > 0 ? static_cast<int>(i) : -1;
        }
        msgs[i].msg_len = static_cast<unsigned int>(n);
    }
    return static_cast<int>(i);
}

RESOA_EXPORT int
recvmmsg(int fd, mmsghdr* msgs, unsigned int count, int flags, timespec* timeout)
{
    SocketEntry e;
    if (!resoa::preload::LookupSocket(fd, e))
    {
        using Fn = int (*)(int, mmsghdr*, unsigned int, int, timespec*);
        static Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "recvmmsg"));
        return real(fd, msgs, count, flags, timeout);
    }
    // Timeout unsupported (as glibc documents it, it is checked only between datagrams).
    unsigned int i = 0;
    for (; i < count; ++i)
    {
        ssize_t n = recvmsg(fd, &msgs[i].msg_hdr, i == 0 ? flags : (flags | MSG_DONTWAIT));
        if (n < 0)
        {
            return i > 0 ? static_cast<int>(i) : -1;
        }
        msgs[i].msg_len = static_cast<unsigned int>(n);
        if (flags & MSG_WAITFORONE)
        {
            flags |= MSG_DONTWAIT;
        }
    }
    return static_cast<int>(i);
}

RESOA_EXPORT ssize_t
__recv_chk(int fd, void* buf, size_t len, size_t bufLength, int flags)
{
    if (len > bufLength)
    {
        __chk_fail();
    }
    return recv(fd, buf, len, flags);
}

RESOA_EXPORT ssize_t
__recvfrom_chk(int fd,
               void* buf,
               size_t len,
               size_t bufLength,
               int flags,
               sockaddr* from,
               socklen_t* fromLength)
{
    if (len > bufLength)
    {
        __chk_fail();
    }
    return recvfrom(fd, buf, len, flags, from, fromLength);
}
