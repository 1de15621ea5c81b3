/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: a failed ReSoA stream reads as an error, not as an end.
 *
 * clientd fails a stream (the LHP link died, the Internet peer reset it) by shutting its end
 * of the socketpair, so the program reads 0, and only SO_ERROR tells that from a clean end of
 * stream. Programs that never ask (nc, many scripts) would take a truncated stream for a
 * complete one. When a read on a ReSoA stream returns 0, the shim asks clientd for the
 * socket's error; if there is one, the read fails with it, once, as a kernel TCP socket's
 * read fails with ECONNRESET. Reads that return data cost nothing extra.
 */
#include "shim-real.h"
#include "shim-state.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

using resoa::preload::Real;
using resoa::preload::StreamEnd;

extern "C" void __chk_fail(void) __attribute__((noreturn));

namespace resoa
{
namespace preload
{

ssize_t
StreamEnd(int fd, std::size_t len, int flags)
{
    SocketEntry e;
    if (len == 0 || (flags & MSG_PEEK) != 0 || !LookupSocket(fd, e) || e.sockType != 1 ||
        e.listening)
    {
        return 0;
    }
    const int saved = errno;
    realnet::ShimMessage q;
    q.type = realnet::ShimType::GetError;
    q.socketId = e.id;
    q.sockType = e.sockType;
    realnet::ShimMessage r;
    if (!CallClientd(q, r) || r.error != 0 || r.value == 0)
    {
        errno = saved; // a clean end, or clientd is gone and cannot say: an end as before
        return 0;
    }
    errno = static_cast<int>(r.value);
    return -1;
}

} // namespace preload
} // namespace resoa

RESOA_EXPORT ssize_t
read(int fd, void* buf, size_t len)
{
    const ssize_t n = Real().read(fd, buf, len);
    return n == 0 ? StreamEnd(fd, len) : n;
}

RESOA_EXPORT ssize_t
readv(int fd, const iovec* iov, int count)
{
    const ssize_t n = Real().readv(fd, iov, count);
    if (n != 0)
    {
        return n;
    }
    std::size_t len = 0;
    for (int i = 0; i < count; ++i)
    {
        len += iov[i].iov_len;
    }
    return StreamEnd(fd, len);
}

RESOA_EXPORT ssize_t
__read_chk(int fd, void* buf, size_t len, size_t bufLength)
{
    if (len > bufLength)
    {
        __chk_fail();
    }
    return read(fd, buf, len);
}
