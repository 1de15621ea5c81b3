/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "load-net.h"

#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace resoa
{
namespace bench
{

std::optional<sockaddr_in>
ParseEndpoint(const std::string& text)
{
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size())
    {
        return std::nullopt;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    if (::inet_pton(AF_INET, text.substr(0, colon).c_str(), &a.sin_addr) != 1)
    {
        return std::nullopt;
    }
    const std::string port = text.substr(colon + 1);
    if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
        std::stoul(port) > 65535)
    {
        return std::nullopt;
    }
    a.sin_port = htons(static_cast<std::uint16_t>(std::stoul(port)));
    return a;
}

std::string
FormatEndpoint(const sockaddr_in& address)
{
    char text[INET_ADDRSTRLEN] = "?";
    ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof(text));
    return std::string(text) + ":" + std::to_string(ntohs(address.sin_port));
}

double
Now()
{
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double
CpuSeconds()
{
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

void
RaiseFdLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

std::string
ErrnoName(int error)
{
    if (error == 0)
    {
        return "EOF";
    }
    const char* name = ::strerrorname_np(error);
    return name ? name : "errno" + std::to_string(error);
}

bool
WriteAll(int fd, const void* data, std::size_t size)
{
    const auto* p = static_cast<const std::uint8_t*>(data);
    while (size > 0)
    {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            return false;
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool
ReadExactly(int fd, void* data, std::size_t size)
{
    auto* p = static_cast<std::uint8_t*>(data);
    while (size > 0)
    {
        const ssize_t n = ::read(fd, p, size);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n == 0)
        {
            errno = 0;
        }
        if (n <= 0)
        {
            return false;
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

void
SetTimeouts(int fd, double seconds)
{
    timeval t{};
    t.tv_sec = static_cast<time_t>(seconds);
    t.tv_usec = static_cast<suseconds_t>((seconds - static_cast<double>(t.tv_sec)) * 1e6);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof(t));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof(t));
}

int
ConnectTcp(const sockaddr_in& to)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
    {
        return -1;
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) < 0)
    {
        const int error = errno;
        ::close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

} // namespace bench
} // namespace resoa
