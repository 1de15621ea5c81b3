/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: the C library's own versions of the calls the shim hooks.
 */
#ifndef RESOA_PRELOAD_SHIM_REAL_H
#define RESOA_PRELOAD_SHIM_REAL_H

#include <netdb.h>
#include <sys/socket.h>
#include <sys/uio.h>

/// Exported hooks; everything else in the library is hidden (-fvisibility=hidden).
#define RESOA_EXPORT extern "C" __attribute__((visibility("default")))

namespace resoa
{
namespace preload
{

/**
 * \brief The next definition (libc's) of every hooked call, found with dlsym(RTLD_NEXT).
 *
 * Inside the shim every such call goes through here: a plain `::send` would bind to the
 * shim's own exported hook.
 */
struct RealCalls
{
    int (*socket)(int, int, int);
    int (*connect)(int, const sockaddr*, socklen_t);
    int (*bind)(int, const sockaddr*, socklen_t);
    int (*listen)(int, int);
    int (*accept)(int, sockaddr*, socklen_t*);
    int (*accept4)(int, sockaddr*, socklen_t*, int);
    int (*getsockname)(int, sockaddr*, socklen_t*);
    int (*getpeername)(int, sockaddr*, socklen_t*);
    int (*getsockopt)(int, int, int, void*, socklen_t*);
    int (*setsockopt)(int, int, int, const void*, socklen_t);
    int (*shutdown)(int, int);
    int (*close)(int);
    int (*dup)(int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    int (*fcntl)(int, int, ...);
    int (*fcntl64)(int, int, ...);
    ssize_t (*send)(int, const void*, size_t, int);
    ssize_t (*recv)(int, void*, size_t, int);
    ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
    ssize_t (*recvfrom)(int, void*, size_t, int, sockaddr*, socklen_t*);
    ssize_t (*sendmsg)(int, const msghdr*, int);
    ssize_t (*recvmsg)(int, msghdr*, int);
    ssize_t (*read)(int, void*, size_t);
    ssize_t (*readv)(int, const iovec*, int);
    int (*getaddrinfo)(const char*, const char*, const addrinfo*, addrinfo**);
    void (*freeaddrinfo)(addrinfo*);
    hostent* (*gethostbyname)(const char*);
};

/// Resolved once, thread-safely, on first use.
const RealCalls& Real();

} // namespace preload
} // namespace resoa

#endif // RESOA_PRELOAD_SHIM_REAL_H
