/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * realnet-load's server: what the `internet` namespace runs for every measurement.
 */
#ifndef RESOA_BENCH_LOAD_SERVER_H
#define RESOA_BENCH_LOAD_SERVER_H

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <functional>

namespace resoa
{
namespace bench
{

/// What the server did, for its exit line and the self-test.
struct LoadServerStats
{
    std::uint64_t connections = 0;
    std::uint64_t badRequests = 0; //!< connections closed for a malformed request
    std::uint64_t sinkBytes = 0;
    std::uint64_t corruptSinks = 0; //!< sinks whose bytes did not match the pattern
    std::uint64_t sentBytes = 0;
};

/**
 * \brief A single-threaded epoll server for the three LoadOps (one bulk transfer runs at a
 * time, so one thread keeps the server's cost the same for both paths and small).
 *
 * Serves until \p stop becomes true (checked every 100 ms). \p onListening gets the bound
 * address (port 0 picks one) once it accepts.
 * \return false if it could not listen (errno set)
 */
bool RunLoadServer(const sockaddr_in& listenOn,
                   const std::atomic<bool>& stop,
                   const std::function<void(const sockaddr_in&)>& onListening,
                   LoadServerStats* stats);

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_LOAD_SERVER_H
