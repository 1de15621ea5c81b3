/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: the C library's own versions of the calls the shim hooks.
 */
#include "shim-real.h"

#include <dlfcn.h>

namespace resoa
{
namespace preload
{
namespace
{

template<typename F>
void
Load(F& slot, const char* name)
{
    slot = reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

RealCalls
Resolve()
{
    RealCalls r{};
    Load(r.socket, "socket");
    Load(r.connect, "connect");
    Load(r.bind, "bind");
    Load(r.listen, "listen");
    Load(r.accept, "accept");
    Load(r.accept4, "accept4");
    Load(r.getsockname, "getsockname");
    Load(r.getpeername, "getpeername");
    Load(r.getsockopt, "getsockopt");
    Load(r.setsockopt, "setsockopt");
    Load(r.shutdown, "shutdown");
    Load(r.close, "close");
    Load(r.dup, "dup");
    Load(r.dup2, "dup2");
    Load(r.dup3, "dup3");
    Load(r.fcntl, "fcntl");
    Load(r.fcntl64, "fcntl64");
    if (r.fcntl64 == nullptr)
    {
        r.fcntl64 = r.fcntl; // glibc before 2.28
    }
    Load(r.send, "send");
    Load(r.recv, "recv");
    Load(r.sendto, "sendto");
    Load(r.recvfrom, "recvfrom");
    Load(r.sendmsg, "sendmsg");
    Load(r.recvmsg, "recvmsg");
    Load(r.read, "read");
    Load(r.readv, "readv");
    Load(r.getaddrinfo, "getaddrinfo");
    Load(r.freeaddrinfo, "freeaddrinfo");
    Load(r.gethostbyname, "gethostbyname");
    return r;
}

} // namespace

const RealCalls&
Real()
{
    static const RealCalls calls = Resolve();
    return calls;
}

} // namespace preload
} // namespace resoa
