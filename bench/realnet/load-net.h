/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * realnet-load: the few POSIX socket and clock helpers every mode shares.
 */
#ifndef RESOA_BENCH_LOAD_NET_H
#define RESOA_BENCH_LOAD_NET_H

#include <netinet/in.h>

#include <cstddef>
#include <optional>
#include <string>

namespace resoa
{
namespace bench
{

/// \return "A.B.C.D:PORT" as an address, or nullopt
std::optional<sockaddr_in> ParseEndpoint(const std::string& text);

/// \return \p address as "A.B.C.D:PORT"
std::string FormatEndpoint(const sockaddr_in& address);

/// \return CLOCK_MONOTONIC in seconds
double Now();

/// \return this process's user + system CPU time in seconds
double CpuSeconds();

/// Raises RLIMIT_NOFILE to its hard limit (50 parallel connections plus a listener's backlog).
void RaiseFdLimit();

/// \return errno \p error's name ("ECONNRESET"); 0 is "EOF"
std::string ErrnoName(int error);

/// Writes all of \p data, retrying short writes and EINTR. \return false on error (errno set)
bool WriteAll(int fd, const void* data, std::size_t size);

/// Reads exactly \p size bytes. \return false on error or early EOF (errno 0 for EOF)
bool ReadExactly(int fd, void* data, std::size_t size);

/// Sets SO_RCVTIMEO and SO_SNDTIMEO, so a stalled transfer fails instead of hanging the run.
void SetTimeouts(int fd, double seconds);

/**
 * Opens a blocking TCP socket and connects it to \p to.
 * \return the fd, or -1 with errno set
 */
int ConnectTcp(const sockaddr_in& to);

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_LOAD_NET_H
