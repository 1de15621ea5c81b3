/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_EVENT_LOOP_H
#define RESOA_REALNET_EVENT_LOOP_H

#include "resoa-time.h"
#include "unique-fd.h"

#include <signal.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

namespace resoa
{
namespace realnet
{

/**
 * \brief The daemons' single-threaded epoll loop: fd watches, one deadline timer, signals.
 *
 * The core's four verbs need exactly this: "frame received" comes from a watched
 * PacketLink fd, "next deadline" arms the one timer (an absolute CLOCK_MONOTONIC time, the
 * same clock as Now(), so the core's TimePoints are used as they are), "handle deadline" is
 * the timer callback, and "poll transmit" runs in the round callback after every dispatch.
 *
 * - Watches are level-triggered: a callback that leaves data unread is called again next
 *   round, so a daemon that stops reading at zero credit must drop read interest
 *   (SetInterest) or it spins.
 * - Callbacks may add, change and remove watches (their own included) and re-arm the timer.
 *   An event already fetched for an fd that was removed (or removed and re-added) in the same
 *   round is dropped, never delivered to the new watch.
 * - Signals given to OnSignal are blocked in the calling thread and read from a signalfd, so
 *   a SIGTERM arrives as an ordinary callback between two rounds, never inside one. Create
 *   the loop and call OnSignal before starting other threads (they inherit the mask). The
 *   destructor unblocks what it blocked, after discarding pending ones.
 * - Nothing blocks except epoll_wait.
 */
class EventLoop
{
  public:
    /// Interest and event bits for fd watches.
    enum : std::uint32_t
    {
        kReadable = 1u << 0, //!< EPOLLIN
        kWritable = 1u << 1, //!< EPOLLOUT
        kError = 1u << 2,    //!< EPOLLERR or EPOLLHUP (always reported, never asked for)
    };

    /// Called with the kReadable / kWritable / kError bits that are set.
    using FdCallback = std::function<void(std::uint32_t events)>;

    /// \throws std::system_error if epoll or timerfd cannot be created
    EventLoop();
    ~EventLoop();

    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    /// \return CLOCK_MONOTONIC now, in the core's TimePoint (nanoseconds)
    static TimePoint Now();

    /**
     * Watches \p fd (not owned) for \p interest (kReadable | kWritable, or 0 for errors only).
     * \throws std::system_error (EEXIST if \p fd is already watched)
     */
    void Watch(int fd, std::uint32_t interest, FdCallback callback);
    /// Changes the interest of a watched fd. \throws std::system_error (ENOENT if unwatched)
    void SetInterest(int fd, std::uint32_t interest);
    /// Stops watching \p fd; a no-op if it is not watched. Call it before closing the fd.
    void Unwatch(int fd);
    /// \return true if \p fd is watched
    bool IsWatched(int fd) const;

    /// Arms the timer at absolute \p deadline (a past deadline fires on the next round);
    /// replaces any earlier deadline.
    void SetTimer(TimePoint deadline);
    /// Disarms the timer.
    void CancelTimer();
    /// \return the armed deadline, if any
    std::optional<TimePoint> GetTimer() const;
    /// Sets what runs when the deadline passes (the timer is disarmed first, so it may
    /// re-arm).
    void SetTimerCallback(std::function<void()> callback);

    /**
     * Delivers \p signo (e.g. SIGTERM, SIGINT, SIGHUP) to \p callback through a signalfd.
     * \throws std::system_error if the signal mask or signalfd cannot be set
     */
    void OnSignal(int signo, std::function<void(int signo)> callback);

    /// Sets what runs after every round that dispatched events (poll transmit, flush pcap).
    void SetRoundCallback(std::function<void()> callback);

    /**
     * Waits up to \p timeoutMs (-1 = until an event) and dispatches one round.
     * \return the number of events dispatched (timer and signals included)
     * \throws std::system_error if epoll_wait fails (EINTR is a round with no events)
     */
    std::size_t RunOnce(int timeoutMs = -1);
    /// Runs rounds until Stop() is called (typically from a signal callback).
    void Run();
    /// Makes Run() return after the current round.
    void Stop();

  private:
    struct WatchEntry
    {
        std::uint32_t generation = 0;
        FdCallback callback;
    };

    void Add(int fd, std::uint32_t interest, FdCallback callback);
    void OnTimerFd();
    void OnSignalFd();

    UniqueFd m_epoll;
    UniqueFd m_timerFd;
    UniqueFd m_signalFd;
    std::unordered_map<int, std::shared_ptr<WatchEntry>> m_watches;
    std::uint32_t m_nextGeneration = 1;
    std::optional<TimePoint> m_deadline;
    std::function<void()> m_timerCallback;
    std::function<void()> m_roundCallback;
    std::map<int, std::function<void(int)>> m_signalCallbacks;
    sigset_t m_signalMask;  //!< the signals routed to the signalfd
    sigset_t m_blockedByUs; //!< those that were not blocked before we blocked them
    bool m_stopped = false;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_EVENT_LOOP_H
