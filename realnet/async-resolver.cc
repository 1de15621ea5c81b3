/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#include "async-resolver.h"

#include "system-error.h"
#include "unique-fd.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

namespace resoa
{
namespace realnet
{

// Resolved's negative codes are glibc's EAI_* numbers: the shim hands them to applications.
static_assert(ep_resolve::kEaiNoname == EAI_NONAME, "EAI_NONAME");
static_assert(ep_resolve::kEaiAgain == EAI_AGAIN, "EAI_AGAIN");
static_assert(ep_resolve::kEaiFail == EAI_FAIL, "EAI_FAIL");
static_assert(ep_resolve::kEaiNodata == EAI_NODATA, "EAI_NODATA");
static_assert(ep_resolve::kEaiFamily == EAI_FAMILY, "EAI_FAMILY");
static_assert(ep_resolve::kEaiAddrfamily == EAI_ADDRFAMILY, "EAI_ADDRFAMILY");
static_assert(ep_resolve::kEaiMemory == EAI_MEMORY, "EAI_MEMORY");

struct AsyncResolver::Shared
{
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<EpResolveRequest> jobs;
    std::deque<ResolverAnswer> done;
    std::size_t inFlight = 0; //!< queued + running
    bool stop = false;
    UniqueFd event;

    void Signal()
    {
        const std::uint64_t one = 1;
        ssize_t n = ::write(event.Get(), &one, sizeof(one));
        (void)n; // EAGAIN only if the counter is saturated: a wakeup is pending anyway
    }
};

AsyncResolver::AsyncResolver(EventLoop& loop, Done done, AsyncResolverConfig config)
    : m_loop(loop)
    , m_done(std::move(done))
    , m_config(config)
    , m_shared(std::make_shared<Shared>())
{
    m_config.threads = std::max<std::size_t>(m_config.threads, 1);
    m_config.maxQueued = std::max<std::size_t>(m_config.maxQueued, 1);
    m_shared->event.Reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!m_shared->event)
    {
        ThrowErrno(errno, "eventfd");
    }
    m_loop.Watch(
        m_shared->event.Get(), EventLoop::kReadable, [this](std::uint32_t) { OnReadable(); });
}

AsyncResolver::~AsyncResolver()
{
    m_loop.Unwatch(m_shared->event.Get());
    std::lock_guard<std::mutex> lock(m_shared->mutex);
    m_shared->stop = true;
    m_shared->jobs.clear();
    m_shared->wake.notify_all();
    // The workers are detached and keep m_shared alive until their lookup returns.
}

void
AsyncResolver::StartThreads()
{
    m_started = true;
    // Workers inherit a mask with every signal blocked: signals stay the loop's (signalfd).
    sigset_t all;
    sigset_t old;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    for (std::size_t i = 0; i < m_config.threads; ++i)
    {
        std::shared_ptr<Shared> shared = m_shared;
        std::thread(
            [shared]
            {
                std::unique_lock<std::mutex> lock(shared->mutex);
                for (;;)
                {
                    shared->wake.wait(lock, [&] { return shared->stop || !shared->jobs.empty(); });
                    if (shared->stop)
                    {
                        return;
                    }
                    EpResolveRequest job = std::move(shared->jobs.front());
                    shared->jobs.pop_front();
                    lock.unlock();
                    ResolverAnswer answer = Lookup(job);
                    lock.lock();
                    if (shared->stop)
                    {
                        return;
                    }
                    shared->done.push_back(std::move(answer));
                    shared->Signal();
                }
            })
            .detach();
    }
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void
AsyncResolver::Submit(const EpResolveRequest& request)
{
    m_stats.submitted++;
    if (!m_started)
    {
        StartThreads();
    }
    std::lock_guard<std::mutex> lock(m_shared->mutex);
    if (m_shared->inFlight >= m_config.maxQueued)
    {
        m_stats.refused++;
        ResolverAnswer a;
        a.sessionId = request.sessionId;
        a.requestId = request.requestId;
        a.name = request.name;
        a.error = ep_resolve::kEaiAgain;
        m_shared->inFlight++; // balanced when OnReadable hands it out, like every answer
        m_shared->done.push_back(std::move(a));
        m_shared->Signal();
        return;
    }
    m_shared->inFlight++;
    m_shared->jobs.push_back(request);
    m_shared->wake.notify_one();
}

void
AsyncResolver::OnReadable()
{
    std::uint64_t count = 0;
    ssize_t n = ::read(m_shared->event.Get(), &count, sizeof(count));
    (void)n;
    std::deque<ResolverAnswer> ready;
    {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        ready.swap(m_shared->done);
        m_shared->inFlight -= std::min(m_shared->inFlight, ready.size());
    }
    for (ResolverAnswer& a : ready)
    {
        m_stats.answered++;
        if (m_done)
        {
            m_done(std::move(a));
        }
    }
}

const AsyncResolverStats&
AsyncResolver::GetStats() const
{
    return m_stats;
}

std::int32_t
AsyncResolver::MapGaiError(int gai, int savedErrno)
{
    switch (gai)
    {
        case 0:
            return ep_resolve::kOk;
        case EAI_NONAME:
        case EAI_AGAIN:
        case EAI_FAIL:
        case EAI_NODATA:
        case EAI_FAMILY:
        case EAI_ADDRFAMILY:
        case EAI_MEMORY:
            return gai; // the same numbers (static_assert above)
        case EAI_SYSTEM:
            return savedErrno > 0 ? savedErrno : ep_resolve::kEaiFail;
        default:
            return ep_resolve::kEaiFail; // EAI_BADFLAGS, EAI_SERVICE, ...: not the client's
    }
}

ResolverAnswer
AsyncResolver::Lookup(const EpResolveRequest& request)
{
    ResolverAnswer a;
    a.sessionId = request.sessionId;
    a.requestId = request.requestId;
    a.name = request.name;
    addrinfo hints{};
    hints.ai_family = request.family == 4 ? AF_INET : request.family == 6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM; // one entry per address (ports are the client's)
    hints.ai_flags = (request.flags & kEpResolveCanonName) != 0 ? AI_CANONNAME : 0;
    addrinfo* list = nullptr;
    errno = 0;
    const int rc = ::getaddrinfo(request.name.c_str(), nullptr, &hints, &list);
    a.error = MapGaiError(rc, errno);
    if (rc != 0)
    {
        return a;
    }
    for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next)
    {
        EpAddress e;
        if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(sockaddr_in))
        {
            const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
            e.family = 4;
            std::memcpy(e.addr.data(), &sin->sin_addr, 4);
        }
        else if (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(sockaddr_in6))
        {
            const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
            e.family = 6;
            std::memcpy(e.addr.data(), &sin6->sin6_addr, 16);
        }
        else
        {
            continue;
        }
        a.addresses.push_back(e);
    }
    if (list != nullptr && list->ai_canonname != nullptr)
    {
        a.canonicalName = list->ai_canonname;
    }
    ::freeaddrinfo(list);
    return a;
}

} // namespace realnet
} // namespace resoa
