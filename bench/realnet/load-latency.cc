/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "load-clients.h"
#include "load-net.h"
#include "load-pattern.h"
#include "load-protocol.h"

#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace resoa
{
namespace bench
{

namespace
{

/// Bounds one connection, so a lost final segment cannot hang a whole run.
constexpr double kConnectionTimeout = 20;

} // namespace

LatencyResult
RunLatency(
    const sockaddr_in& to, int count, std::size_t request, std::size_t reply, double maxSeconds)
{
    LatencyResult r;
    const std::vector<std::uint8_t> message = EncodeReplyRequest(request, reply);
    std::vector<std::uint8_t> buffer(LoadPattern::kMaxChunk);
    const double begin = Now();
    for (int i = 0; i < count && Now() - begin < maxSeconds; ++i)
    {
        const double t0 = Now();
        const int fd = ConnectTcp(to);
        if (fd < 0)
        {
            ++r.errors["connect " + ErrnoName(errno)];
            continue;
        }
        const double connected = Now();
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        SetTimeouts(fd, kConnectionTimeout);
        double firstByte = 0;
        std::size_t got = 0;
        bool corrupt = false;
        bool intact = WriteAll(fd, message.data(), message.size());
        while (intact)
        {
            const ssize_t n = ::read(fd, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR)
            {
                continue;
            }
            if (n <= 0)
            {
                errno = n == 0 ? 0 : errno; // 0: the reply ended early
                intact = n == 0 && got == reply;
                break;
            }
            firstByte = firstByte > 0 ? firstByte : Now();
            corrupt = !Pattern().Matches(got, buffer.data(), n);
            intact = !corrupt;
            got += static_cast<std::size_t>(n);
        }
        const int error = errno;
        ::close(fd);
        if (!intact)
        {
            ++r.errors[corrupt ? "corrupt reply" : "reply " + ErrnoName(error)];
            continue;
        }
        r.connectUs.push_back((connected - t0) * 1e6);
        r.firstByteUs.push_back((firstByte - t0) * 1e6);
    }
    r.seconds = Now() - begin;
    return r;
}

} // namespace bench
} // namespace resoa
