/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of `./resoa bench realnet-scale` (bench/realnet-scale/README.md).
 */
#ifndef RESOA_BENCH_ECHO_SERVER_H
#define RESOA_BENCH_ECHO_SERVER_H

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace resoa
{
namespace bench
{

/**
 * \brief A TCP echo server on its own thread (epoll, level-triggered): what the load's
 * requests travel to. The thread joins network namespace \p ns first (empty: stays), so the
 * listener lives there. Thousands of connections: the process's RLIMIT_NOFILE must allow them.
 */
class EchoServer
{
  public:
    /// Listens on \p ipv4:\p port in \p ns. \throws std::runtime_error if it cannot
    EchoServer(const std::string& ns, const std::string& ipv4, std::uint16_t port);
    /// Stops the thread and closes every connection.
    ~EchoServer();

    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    std::uint64_t Connections() const; //!< accepted so far
    std::uint64_t Bytes() const;       //!< echoed so far

  private:
    void Run(int listener);

    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<std::uint64_t> m_connections{0};
    std::atomic<std::uint64_t> m_bytes{0};
};

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_ECHO_SERVER_H
