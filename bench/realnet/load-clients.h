/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * realnet-load's client modes. Each is the same program on both paths of the benchmark:
 * natively through the NAT, and under resoa-run's LD_PRELOAD shim over ReSoA.
 */
#ifndef RESOA_BENCH_LOAD_CLIENTS_H
#define RESOA_BENCH_LOAD_CLIENTS_H

#include <netinet/in.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace resoa
{
namespace bench
{

/// errno name -> how often, for the failures a mode counts instead of aborting on.
using ErrorCounts = std::map<std::string, std::uint64_t>;

struct BulkResult
{
    bool ok = false;   //!< every byte arrived and matched the pattern
    std::string error; //!< why not, if !ok
    std::uint64_t bytes = 0;
    double seconds = 0; //!< from connect() returning to the last byte (upload: the sink's
                        //!< answer, so bytes still in buffers are counted as not yet moved)
    double connectSeconds = 0;
};

/**
 * One TCP transfer of \p seconds: \p upload sends the pattern to a Sink, else reads a
 * Source. The receiver checks every byte.
 */
BulkResult RunBulk(const sockaddr_in& to, bool upload, double seconds);

struct LatencyResult
{
    std::vector<double> connectUs;   //!< socket() to connect() returning
    std::vector<double> firstByteUs; //!< socket() to the reply's first byte
    ErrorCounts errors;
    double seconds = 0;
};

/**
 * \p count sequential connections (stops early after \p maxSeconds): socket, blocking
 * connect, a \p request-byte request (>= 16), read the \p reply-byte reply to EOF, close.
 */
LatencyResult RunLatency(
    const sockaddr_in& to, int count, std::size_t request, std::size_t reply, double maxSeconds);

struct RpsResult
{
    std::uint64_t completed = 0;   //!< full replies in the measured window
    double seconds = 0;            //!< the measured window
    std::vector<double> latencyUs; //!< socket() to the reply's EOF, per completed request
    ErrorCounts errors;
};

/**
 * \p parallel connections at a time with non-blocking connect and epoll: each is connect,
 * one request, the reply to EOF, close, and at once a new one. Counts the replies completed
 * in \p seconds after \p warmup seconds.
 */
RpsResult RunRps(const sockaddr_in& to,
                 int parallel,
                 double seconds,
                 double warmup,
                 std::size_t request,
                 std::size_t reply);

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_LOAD_CLIENTS_H
