/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "load-clients.h"
#include "load-net.h"
#include "load-pattern.h"
#include "load-protocol.h"

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

/// Longest a single read or write may block before the run counts as failed.
constexpr double kStallSeconds = 30;

BulkResult
Fail(BulkResult r, const std::string& what, int fd)
{
    r.ok = false;
    r.error = what + ": " + (errno ? ErrnoName(errno) : std::string("EOF"));
    if (fd >= 0)
    {
        ::close(fd);
    }
    return r;
}

BulkResult
Upload(int fd, double seconds, BulkResult r, double start)
{
    const LoadRequest request{LoadOp::Sink, 0, 0};
    if (!WriteAll(fd, request.Encode().data(), LoadRequest::kSize))
    {
        return Fail(r, "request", fd);
    }
    while (Now() - start < seconds)
    {
        const ssize_t n = ::write(fd, Pattern().At(r.bytes), LoadPattern::kMaxChunk);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            return Fail(r, "write", fd);
        }
        r.bytes += static_cast<std::uint64_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::uint8_t answer[LoadResult::kSize];
    if (!ReadExactly(fd, answer, sizeof(answer)))
    {
        return Fail(r, "sink answer", fd);
    }
    r.seconds = Now() - start;
    ::close(fd);
    const std::optional<LoadResult> result = LoadResult::Decode(answer);
    r.ok = result && result->intact && result->bytes == r.bytes;
    if (!r.ok)
    {
        r.error = result ? "sink got " + std::to_string(result->bytes) + " bytes, " +
                               (result->intact ? "intact" : "corrupt")
                         : "malformed sink answer";
    }
    return r;
}

BulkResult
Download(int fd, double seconds, BulkResult r, double start)
{
    const LoadRequest request{LoadOp::Source, static_cast<std::uint32_t>(seconds * 1000), 0};
    if (!WriteAll(fd, request.Encode().data(), LoadRequest::kSize))
    {
        return Fail(r, "request", fd);
    }
    std::vector<std::uint8_t> buffer(LoadPattern::kMaxChunk);
    bool intact = true;
    for (;;)
    {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n < 0)
        {
            return Fail(r, "read", fd);
        }
        if (n == 0)
        {
            break;
        }
        intact = intact && Pattern().Matches(r.bytes, buffer.data(), n);
        r.bytes += static_cast<std::uint64_t>(n);
    }
    r.seconds = Now() - start;
    ::close(fd);
    r.ok = intact && r.bytes > 0;
    if (!r.ok)
    {
        r.error = intact ? "no data" : "corrupt data";
    }
    return r;
}

} // namespace

BulkResult
RunBulk(const sockaddr_in& to, bool upload, double seconds)
{
    BulkResult r;
    const double begin = Now();
    const int fd = ConnectTcp(to);
    if (fd < 0)
    {
        return Fail(r, "connect", -1);
    }
    const double start = Now();
    r.connectSeconds = start - begin;
    SetTimeouts(fd, kStallSeconds);
    return upload ? Upload(fd, seconds, r, start) : Download(fd, seconds, r, start);
}

} // namespace bench
} // namespace resoa
