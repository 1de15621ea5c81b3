/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_ASYNC_RESOLVER_H
#define RESOA_REALNET_ASYNC_RESOLVER_H

#include "ep-server.h"
#include "event-loop.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/// Knobs of the AsyncResolver.
struct AsyncResolverConfig
{
    bool enabled = true;     //!< false: ServerLoop installs no resolver (Resolve -> EAI_FAIL)
    std::size_t threads = 4; //!< getaddrinfo workers, started on the first request
    /// Requests queued or running, all clients together; beyond it a request is answered
    /// EAI_AGAIN at once. (EpServer bounds each client: maxPendingResolutions.)
    std::size_t maxQueued = 256;
};

/// One finished lookup, handed to the loop thread.
struct ResolverAnswer
{
    std::uint64_t sessionId = 0;
    std::uint32_t requestId = 0;
    std::string name;
    std::int32_t error = 0; //!< 0, ep_resolve code (< 0) or errno (> 0)
    std::vector<EpAddress> addresses;
    std::string canonicalName;
};

/// Counters (loop thread).
struct AsyncResolverStats
{
    std::uint64_t submitted = 0;
    std::uint64_t answered = 0;
    std::uint64_t refused = 0; //!< maxQueued reached: EAI_AGAIN without a lookup
};

/**
 * \brief resoa-serverd's resolver: the host's getaddrinfo (so /etc/hosts, nsswitch and
 * resolv.conf of the server apply) in a few worker threads, so the event loop never
 * blocks. Submit() only queues; answers come back through an eventfd watched by the loop
 * and are handed to `done` in the loop thread.
 *
 * Threads start on the first request (after a privilege drop: capabilities are per
 * thread) with every signal blocked (the daemon takes signals by signalfd). getaddrinfo
 * cannot be cancelled: the deadline is EpServer's resolveTimeout, and a worker stuck in a
 * lookup finishes it later (its answer is then stale). On destruction queued requests are
 * dropped and the workers are detached; they hold the shared state until they return.
 */
class AsyncResolver
{
  public:
    using Done = std::function<void(ResolverAnswer&&)>;

    /// \throws std::system_error if the eventfd cannot be made
    AsyncResolver(EventLoop& loop, Done done, AsyncResolverConfig config = {});
    ~AsyncResolver();

    AsyncResolver(const AsyncResolver&) = delete;
    AsyncResolver& operator=(const AsyncResolver&) = delete;

    /// Queues a lookup; never blocks (a full queue answers EAI_AGAIN through `done`).
    void Submit(const EpResolveRequest& request);
    const AsyncResolverStats& GetStats() const;

    /// getaddrinfo's answer as the EP carries it (blocking; what a worker runs). Public
    /// for tests.
    static ResolverAnswer Lookup(const EpResolveRequest& request);
    /// Maps a getaddrinfo return value (and errno for EAI_SYSTEM) to Resolved's error.
    static std::int32_t MapGaiError(int gai, int savedErrno);

  private:
    struct Shared;

    void OnReadable();
    void StartThreads();

    EventLoop& m_loop;
    Done m_done;
    AsyncResolverConfig m_config;
    std::shared_ptr<Shared> m_shared;
    bool m_started = false;
    AsyncResolverStats m_stats;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_ASYNC_RESOLVER_H
