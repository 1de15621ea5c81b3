/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: which fds are ReSoA sockets, and the control channel to clientd.
 */
#include "shim-state.h"

#include "fd-passing.h"
#include "shim-real.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <system_error>
#include <unordered_map>

namespace resoa
{
namespace preload
{
namespace
{

/// Control fds go high, out of the way of programs that expect small fd numbers.
constexpr int kControlFdBase = 700;
constexpr const char* kDefaultSocket = "/run/resoa/clientd.sock";

std::mutex g_mutex;
std::unordered_map<int, SocketEntry> g_sockets;
std::set<int> g_controlFds;

/// fork() while another thread holds the table lock must not leave the child locked out.
void
LockForFork()
{
    g_mutex.lock();
}

void
UnlockAfterFork()
{
    g_mutex.unlock();
}

__attribute__((constructor)) void
InstallForkHandlers()
{
    ::pthread_atfork(LockForFork, UnlockAfterFork, UnlockAfterFork);
}

bool
InodeOf(int fd, dev_t& dev, ino_t& ino)
{
    struct stat st;
    if (::fstat(fd, &st) != 0)
    {
        return false;
    }
    dev = st.st_dev;
    ino = st.st_ino;
    return true;
}

/// This thread's connection to clientd.
struct Control
{
    int fd = -1;
    pid_t pid = 0;
    dev_t dev = 0;
    ino_t ino = 0;

    ~Control()
    {
        if (fd >= 0 && pid == ::getpid() && Same())
        {
            ForgetControlFd(fd);
            Real().close(fd);
        }
    }

    bool Same() const
    {
        dev_t d;
        ino_t i;
        return InodeOf(fd, d, i) && d == dev && i == ino;
    }

    void Drop()
    {
        if (fd >= 0 && Same())
        {
            // Ours (in a forked child: our copy of the parent's): closing it is safe.
            ForgetControlFd(fd);
            Real().close(fd);
        }
        fd = -1;
    }

    bool Open()
    {
        const char* path = std::getenv("RESOA_CLIENTD_SOCKET");
        if (path == nullptr || *path == '\0')
        {
            path = kDefaultSocket;
        }
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        std::strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
        int s = Real().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
        {
            return false;
        }
        if (Real().connect(s, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0)
        {
            int err = errno;
            Real().close(s);
            Fail(ENETDOWN, "cannot reach resoa-clientd at %s: %s", path, std::strerror(err));
            return false;
        }
        int high = Real().fcntl(s, F_DUPFD_CLOEXEC, kControlFdBase);
        if (high >= 0)
        {
            Real().close(s);
            s = high;
        }
        fd = s;
        pid = ::getpid();
        InodeOf(fd, dev, ino);
        std::lock_guard<std::mutex> lock(g_mutex);
        g_controlFds.insert(fd);
        return true;
    }

    /// The connection, opened or reopened as needed; -1 if clientd is unreachable.
    int Get()
    {
        if (fd >= 0 && (pid != ::getpid() || !Same()))
        {
            if (pid != ::getpid())
            {
                Drop(); // the parent's connection: the child needs its own
            }
            else
            {
                fd = -1; // the application closed or replaced it: not ours any more
            }
        }
        if (fd < 0 && !Open())
        {
            return -1;
        }
        return fd;
    }
};

thread_local Control t_control;

} // namespace

bool
LookupSocket(int fd, SocketEntry& out)
{
    if (fd < 0)
    {
        return false;
    }
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_sockets.find(fd);
    if (it == g_sockets.end())
    {
        return false;
    }
    dev_t dev;
    ino_t ino;
    if (!InodeOf(fd, dev, ino) || ino != it->second.inode)
    {
        g_sockets.erase(it); // closed behind our back (close_range, a raw syscall)
        return false;
    }
    out = it->second;
    return true;
}

void
RememberSocket(int fd, SocketEntry entry)
{
    dev_t dev;
    InodeOf(fd, dev, entry.inode);
    std::lock_guard<std::mutex> lock(g_mutex);
    g_sockets[fd] = entry;
}

void
UpdateSocket(int fd, const SocketEntry& entry)
{
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_sockets.find(fd);
    if (it != g_sockets.end() && it->second.inode == entry.inode)
    {
        it->second = entry;
    }
}

void
ForgetSocket(int fd)
{
    std::lock_guard<std::mutex> lock(g_mutex);
    g_sockets.erase(fd);
}

void
CopySocket(int from, int to)
{
    std::lock_guard<std::mutex> lock(g_mutex);
    g_sockets.erase(to);
    auto it = g_sockets.find(from);
    if (it != g_sockets.end())
    {
        g_sockets[to] = it->second;
    }
}

bool
IsControlFd(int fd)
{
    std::lock_guard<std::mutex> lock(g_mutex);
    return g_controlFds.count(fd) > 0;
}

void
ForgetControlFd(int fd)
{
    std::lock_guard<std::mutex> lock(g_mutex);
    g_controlFds.erase(fd);
}

bool
CallClientd(const realnet::ShimMessage& request, realnet::ShimMessage& reply, int* fd)
{
    if (fd != nullptr)
    {
        *fd = -1;
    }
    // Two tries: a clientd restarted since the last call closed our connection.
    for (int attempt = 0; attempt < 2; ++attempt)
    {
        int c = t_control.Get();
        if (c < 0)
        {
            errno = ENETDOWN;
            return false;
        }
        try
        {
            std::uint8_t bytes[realnet::kShimMessageSize];
            realnet::EncodeShimMessage(request, bytes);
            realnet::SendFdMessage(c, bytes, sizeof(bytes));
            realnet::FdMessage m;
            if (realnet::ReceiveFdMessage(c, m) != realnet::FdReceiveStatus::Message)
            {
                t_control.Drop();
                continue;
            }
            if (!realnet::DecodeShimMessage(m.bytes.data(), m.bytes.size(), reply) ||
                reply.type != request.type || (reply.flags & realnet::kShimFlagReply) == 0)
            {
                t_control.Drop();
                Fail(EPROTO, "resoa-clientd sent a bad reply");
                return false;
            }
            if (fd != nullptr)
            {
                *fd = m.fd.Release();
            }
            return true;
        }
        catch (const std::system_error&)
        {
            t_control.Drop();
        }
    }
    Fail(ENETDOWN, "lost the connection to resoa-clientd");
    return false;
}

int
Fail(int error, const char* format, ...)
{
    char text[512];
    int n = std::snprintf(text, sizeof(text), "resoa-preload[%d]: ", static_cast<int>(::getpid()));
    va_list ap;
    va_start(ap, format);
    n += std::vsnprintf(text + n, sizeof(text) - static_cast<std::size_t>(n) - 1, format, ap);
    va_end(ap);
    n = std::min<int>(n, static_cast<int>(sizeof(text)) - 2);
    text[n++] = '\n';
    ssize_t ignored = ::write(2, text, static_cast<std::size_t>(n));
    (void)ignored;
    errno = error;
    return -1;
}

} // namespace preload
} // namespace resoa
