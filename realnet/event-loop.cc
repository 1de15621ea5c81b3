/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "event-loop.h"

#include "system-error.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace resoa
{
namespace realnet
{

namespace
{

std::uint32_t
ToEpoll(std::uint32_t interest)
{
    return ((interest & EventLoop::kReadable) ? EPOLLIN : 0u) |
           ((interest & EventLoop::kWritable) ? EPOLLOUT : 0u);
}

std::uint32_t
FromEpoll(std::uint32_t events)
{
    return ((events & EPOLLIN) ? EventLoop::kReadable : 0u) |
           ((events & EPOLLOUT) ? EventLoop::kWritable : 0u) |
           ((events & (EPOLLERR | EPOLLHUP)) ? EventLoop::kError : 0u);
}

/// The epoll token: the fd and the watch's generation, so a stale event is recognised.
std::uint64_t
Token(int fd, std::uint32_t generation)
{
    return static_cast<std::uint64_t>(generation) << 32 | static_cast<std::uint32_t>(fd);
}

} // namespace

EventLoop::EventLoop()
{
    sigemptyset(&m_signalMask);
    sigemptyset(&m_blockedByUs);
    m_epoll.Reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!m_epoll)
    {
        ThrowErrno(errno, "EventLoop: epoll_create1");
    }
    m_timerFd.Reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!m_timerFd)
    {
        ThrowErrno(errno, "EventLoop: timerfd_create");
    }
    Add(m_timerFd.Get(), kReadable, [this](std::uint32_t) { OnTimerFd(); });
}

EventLoop::~EventLoop()
{
    if (m_signalFd)
    {
        // Consume what is pending, so unblocking does not run the default action (SIGTERM
        // would kill the process).
        signalfd_siginfo info;
        while (::read(m_signalFd.Get(), &info, sizeof(info)) == sizeof(info))
        {
        }
        ::pthread_sigmask(SIG_UNBLOCK, &m_blockedByUs, nullptr);
    }
}

TimePoint
EventLoop::Now()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return TimePoint(static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec);
}

void
EventLoop::Add(int fd, std::uint32_t interest, FdCallback callback)
{
    auto entry = std::make_shared<WatchEntry>();
    entry->generation = m_nextGeneration++;
    entry->callback = std::move(callback);
    epoll_event ev{};
    ev.events = ToEpoll(interest);
    ev.data.u64 = Token(fd, entry->generation);
    if (::epoll_ctl(m_epoll.Get(), EPOLL_CTL_ADD, fd, &ev) < 0)
    {
        ThrowErrno(errno, "EventLoop: watch fd " + std::to_string(fd));
    }
    m_watches[fd] = std::move(entry);
}

void
EventLoop::Watch(int fd, std::uint32_t interest, FdCallback callback)
{
    if (m_watches.count(fd) != 0)
    {
        ThrowErrno(EEXIST, "EventLoop: fd " + std::to_string(fd) + " is already watched");
    }
    Add(fd, interest, std::move(callback));
}

void
EventLoop::SetInterest(int fd, std::uint32_t interest)
{
    auto it = m_watches.find(fd);
    if (it == m_watches.end())
    {
        ThrowErrno(ENOENT, "EventLoop: fd " + std::to_string(fd) + " is not watched");
    }
    epoll_event ev{};
    ev.events = ToEpoll(interest);
    ev.data.u64 = Token(fd, it->second->generation);
    if (::epoll_ctl(m_epoll.Get(), EPOLL_CTL_MOD, fd, &ev) < 0)
    {
        ThrowErrno(errno, "EventLoop: change interest of fd " + std::to_string(fd));
    }
}

void
EventLoop::Unwatch(int fd)
{
    auto it = m_watches.find(fd);
    if (it == m_watches.end())
    {
        return;
    }
    // Fails only if the fd was already closed, which removed it from epoll anyway.
    ::epoll_ctl(m_epoll.Get(), EPOLL_CTL_DEL, fd, nullptr);
    m_watches.erase(it);
}

bool
EventLoop::IsWatched(int fd) const
{
    return m_watches.count(fd) != 0;
}

void
EventLoop::SetTimer(TimePoint deadline)
{
    // An all-zero it_value disarms a timerfd; the earliest real deadline is 1 ns.
    const std::int64_t ns = std::max<std::int64_t>(deadline.count(), 1);
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
    if (::timerfd_settime(m_timerFd.Get(), TFD_TIMER_ABSTIME, &spec, nullptr) < 0)
    {
        ThrowErrno(errno, "EventLoop: timerfd_settime");
    }
    m_deadline = deadline;
}

void
EventLoop::CancelTimer()
{
    itimerspec spec{};
    ::timerfd_settime(m_timerFd.Get(), 0, &spec, nullptr);
    m_deadline.reset();
}

std::optional<TimePoint>
EventLoop::GetTimer() const
{
    return m_deadline;
}

void
EventLoop::SetTimerCallback(std::function<void()> callback)
{
    m_timerCallback = std::move(callback);
}

void
EventLoop::SetRoundCallback(std::function<void()> callback)
{
    m_roundCallback = std::move(callback);
}

void
EventLoop::OnTimerFd()
{
    std::uint64_t expirations = 0;
    // EAGAIN: re-armed or cancelled after the event was fetched; not an expiry.
    if (::read(m_timerFd.Get(), &expirations, sizeof(expirations)) != sizeof(expirations))
    {
        return;
    }
    m_deadline.reset();
    if (m_timerCallback)
    {
        m_timerCallback();
    }
}

void
EventLoop::OnSignal(int signo, std::function<void(int signo)> callback)
{
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, signo);
    sigset_t old;
    if (::pthread_sigmask(SIG_BLOCK, &one, &old) != 0)
    {
        ThrowErrno(EINVAL, "EventLoop: block signal " + std::to_string(signo));
    }
    if (!sigismember(&old, signo))
    {
        sigaddset(&m_blockedByUs, signo);
    }
    sigaddset(&m_signalMask, signo);
    const bool fresh = !m_signalFd;
    const int fd =
        ::signalfd(fresh ? -1 : m_signalFd.Get(), &m_signalMask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
    {
        ThrowErrno(errno, "EventLoop: signalfd");
    }
    if (fresh)
    {
        m_signalFd.Reset(fd);
        Add(fd, kReadable, [this](std::uint32_t) { OnSignalFd(); });
    }
    m_signalCallbacks[signo] = std::move(callback);
}

void
EventLoop::OnSignalFd()
{
    signalfd_siginfo info;
    while (::read(m_signalFd.Get(), &info, sizeof(info)) == sizeof(info))
    {
        auto it = m_signalCallbacks.find(static_cast<int>(info.ssi_signo));
        if (it != m_signalCallbacks.end() && it->second)
        {
            auto callback = it->second; // the callback may replace itself
            callback(static_cast<int>(info.ssi_signo));
        }
    }
}

std::size_t
EventLoop::RunOnce(int timeoutMs)
{
    constexpr int kMaxEvents = 64;
    epoll_event events[kMaxEvents];
    const int n = ::epoll_wait(m_epoll.Get(), events, kMaxEvents, timeoutMs);
    if (n < 0)
    {
        if (errno == EINTR)
        {
            return 0;
        }
        ThrowErrno(errno, "EventLoop: epoll_wait");
    }
    std::size_t dispatched = 0;
    for (int i = 0; i < n; ++i)
    {
        const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
        const auto generation = static_cast<std::uint32_t>(events[i].data.u64 >> 32);
        auto it = m_watches.find(fd);
        if (it == m_watches.end() || it->second->generation != generation)
        {
            continue; // removed by an earlier callback of this round
        }
        // Holds the entry alive while its callback unwatches itself.
        std::shared_ptr<WatchEntry> entry = it->second;
        entry->callback(FromEpoll(events[i].events));
        ++dispatched;
    }
    if (dispatched > 0 && m_roundCallback)
    {
        m_roundCallback();
    }
    return dispatched;
}

void
EventLoop::Run()
{
    m_stopped = false;
    while (!m_stopped)
    {
        RunOnce(-1);
    }
}

void
EventLoop::Stop()
{
    m_stopped = true;
}

} // namespace realnet
} // namespace resoa
