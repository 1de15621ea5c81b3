/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * EventLoop: the deadline timer, level-triggered fd watches, signals through signalfd.
 */
#include "event-loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <optional>
#include <system_error>
#include <vector>

namespace resoa
{
namespace test
{
namespace
{

using realnet::EventLoop;
using namespace std::chrono_literals;

/// Lateness allowed for a timer: generous, since CI machines are shared. A correctness
/// bound (the timer fires, and not early), not a performance test.
constexpr Duration kTolerance = 500ms;

/// Runs rounds until \p done or \p limit passes.
void
RunUntil(EventLoop& loop, const std::function<bool()>& done, Duration limit = 3s)
{
    const TimePoint end = EventLoop::Now() + limit;
    while (!done() && EventLoop::Now() < end)
    {
        loop.RunOnce(50);
    }
}

struct Pipe
{
    Pipe()
    {
        EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    }
    ~Pipe()
    {
        ::close(fds[0]);
        ::close(fds[1]);
    }
    int fds[2] = {-1, -1};
};

TEST(EventLoop, NowIsTheMonotonicClock)
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    const TimePoint reference(static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec);
    const TimePoint now = EventLoop::Now();
    EXPECT_GE(now, reference);
    EXPECT_LT(now - reference, Duration(1s));
}

TEST(EventLoop, TimerFiresAtTheDeadline)
{
    EventLoop loop;
    std::optional<TimePoint> firedAt;
    loop.SetTimerCallback([&] { firedAt = EventLoop::Now(); });
    const TimePoint deadline = EventLoop::Now() + 50ms;
    loop.SetTimer(deadline);
    EXPECT_EQ(loop.GetTimer(), deadline);

    RunUntil(loop, [&] { return firedAt.has_value(); });
    ASSERT_TRUE(firedAt.has_value()) << "the timer never fired";
    EXPECT_GE(*firedAt, deadline) << "fired early";
    EXPECT_LT(*firedAt - deadline, kTolerance);
    EXPECT_FALSE(loop.GetTimer().has_value()) << "a fired timer is disarmed";
}

TEST(EventLoop, PastDeadlineFiresOnTheNextRound)
{
    EventLoop loop;
    int fired = 0;
    loop.SetTimerCallback([&] { ++fired; });
    loop.SetTimer(EventLoop::Now() - 1s);
    EXPECT_EQ(loop.RunOnce(1000), 1u);
    EXPECT_EQ(fired, 1);
    // TimePoint 0 would disarm a raw timerfd; here it is a deadline long past.
    loop.SetTimer(TimePoint(0));
    EXPECT_EQ(loop.RunOnce(1000), 1u);
    EXPECT_EQ(fired, 2);
}

TEST(EventLoop, CancelledTimerDoesNotFire)
{
    EventLoop loop;
    int fired = 0;
    loop.SetTimerCallback([&] { ++fired; });
    loop.SetTimer(EventLoop::Now() + 20ms);
    loop.CancelTimer();
    EXPECT_FALSE(loop.GetTimer().has_value());
    EXPECT_EQ(loop.RunOnce(150), 0u);
    EXPECT_EQ(fired, 0);
}

TEST(EventLoop, SetTimerReplacesTheDeadlineAndTheCallbackMayReArm)
{
    EventLoop loop;
    std::vector<TimePoint> fired;
    const TimePoint start = EventLoop::Now();
    loop.SetTimer(start + 30ms);
    loop.SetTimer(start + 200ms); // replaces, not adds
    loop.SetTimerCallback(
        [&]
        {
            fired.push_back(EventLoop::Now());
            if (fired.size() == 1)
            {
                loop.SetTimer(EventLoop::Now() + 20ms);
            }
        });
    RunUntil(loop, [&] { return fired.size() >= 2; });
    ASSERT_EQ(fired.size(), 2u);
    EXPECT_GE(fired[0], start + 200ms);
    EXPECT_GE(fired[1], fired[0] + 20ms);
    EXPECT_EQ(loop.RunOnce(100), 0u) << "a third expiry appeared";
}

TEST(EventLoop, FdWatchIsLevelTriggered)
{
    EventLoop loop;
    Pipe pipe;
    std::vector<std::uint32_t> events;
    loop.Watch(pipe.fds[0], EventLoop::kReadable, [&](std::uint32_t e) { events.push_back(e); });
    EXPECT_TRUE(loop.IsWatched(pipe.fds[0]));
    EXPECT_EQ(loop.RunOnce(0), 0u) << "readable before anything was written";

    ASSERT_EQ(::write(pipe.fds[1], "x", 1), 1);
    EXPECT_EQ(loop.RunOnce(1000), 1u);
    // Not read: level-triggered, so it is reported again.
    EXPECT_EQ(loop.RunOnce(1000), 1u);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0], EventLoop::kReadable);

    loop.SetInterest(pipe.fds[0], 0); // e.g. no receive credit: stop reading
    EXPECT_EQ(loop.RunOnce(50), 0u);
    loop.SetInterest(pipe.fds[0], EventLoop::kReadable);
    EXPECT_EQ(loop.RunOnce(1000), 1u);

    char c;
    ASSERT_EQ(::read(pipe.fds[0], &c, 1), 1);
    EXPECT_EQ(loop.RunOnce(50), 0u);
    loop.Unwatch(pipe.fds[0]);
    EXPECT_FALSE(loop.IsWatched(pipe.fds[0]));
}

TEST(EventLoop, WriteInterestAndHangup)
{
    EventLoop loop;
    Pipe pipe;
    std::uint32_t writeEvents = 0;
    loop.Watch(pipe.fds[1], EventLoop::kWritable, [&](std::uint32_t e) { writeEvents = e; });
    EXPECT_EQ(loop.RunOnce(1000), 1u);
    EXPECT_EQ(writeEvents, EventLoop::kWritable);
    loop.Unwatch(pipe.fds[1]);

    std::uint32_t readEvents = 0;
    loop.Watch(pipe.fds[0], EventLoop::kReadable, [&](std::uint32_t e) { readEvents = e; });
    ::close(pipe.fds[1]);
    pipe.fds[1] = -1;
    EXPECT_EQ(loop.RunOnce(1000), 1u);
    EXPECT_TRUE(readEvents & EventLoop::kError) << "writer closed: EPOLLHUP";
}

TEST(EventLoop, WatchErrors)
{
    EventLoop loop;
    Pipe pipe;
    loop.Watch(pipe.fds[0], EventLoop::kReadable, [](std::uint32_t) {});
    try
    {
        loop.Watch(pipe.fds[0], EventLoop::kReadable, [](std::uint32_t) {});
        FAIL() << "watched twice";
    }
    catch (const std::system_error& e)
    {
        EXPECT_EQ(e.code().value(), EEXIST);
    }
    try
    {
        loop.SetInterest(pipe.fds[1], EventLoop::kWritable);
        FAIL() << "changed an unwatched fd";
    }
    catch (const std::system_error& e)
    {
        EXPECT_EQ(e.code().value(), ENOENT);
    }
    loop.Unwatch(pipe.fds[1]); // a no-op
}

TEST(EventLoop, EventOfAnFdUnwatchedEarlierInTheRoundIsDropped)
{
    EventLoop loop;
    Pipe a;
    Pipe b;
    int calls = 0;
    // Whichever runs first removes the other; the other's fetched event must be dropped.
    loop.Watch(a.fds[0],
               EventLoop::kReadable,
               [&](std::uint32_t)
               {
                   ++calls;
                   loop.Unwatch(b.fds[0]);
               });
    loop.Watch(b.fds[0],
               EventLoop::kReadable,
               [&](std::uint32_t)
               {
                   ++calls;
                   loop.Unwatch(a.fds[0]);
               });
    ASSERT_EQ(::write(a.fds[1], "x", 1), 1);
    ASSERT_EQ(::write(b.fds[1], "x", 1), 1);
    EXPECT_EQ(loop.RunOnce(1000), 1u);
    EXPECT_EQ(calls, 1);
}

TEST(EventLoop, CallbackMayUnwatchItself)
{
    EventLoop loop;
    Pipe pipe;
    int calls = 0;
    loop.Watch(pipe.fds[0],
               EventLoop::kReadable,
               [&](std::uint32_t)
               {
                   ++calls;
                   loop.Unwatch(pipe.fds[0]);
               });
    ASSERT_EQ(::write(pipe.fds[1], "x", 1), 1);
    EXPECT_EQ(loop.RunOnce(1000), 1u);
    EXPECT_EQ(loop.RunOnce(50), 0u);
    EXPECT_EQ(calls, 1);
}

TEST(EventLoop, RoundCallbackRunsAfterEachDispatchingRound)
{
    EventLoop loop;
    Pipe pipe;
    std::vector<std::string> order;
    loop.Watch(pipe.fds[0], EventLoop::kReadable, [&](std::uint32_t) { order.push_back("fd"); });
    loop.SetRoundCallback([&] { order.push_back("round"); });
    EXPECT_EQ(loop.RunOnce(0), 0u);
    EXPECT_TRUE(order.empty()) << "no round callback for an empty round";
    ASSERT_EQ(::write(pipe.fds[1], "x", 1), 1);
    loop.RunOnce(1000);
    EXPECT_EQ(order, (std::vector<std::string>{"fd", "round"}));
}

bool
IsBlocked(int signo)
{
    sigset_t mask;
    ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    return sigismember(&mask, signo) == 1;
}

TEST(EventLoop, SighupAndSigtermReachTheirCallbacks)
{
    ASSERT_FALSE(IsBlocked(SIGHUP));
    {
        EventLoop loop;
        std::vector<int> received;
        loop.OnSignal(SIGHUP, [&](int signo) { received.push_back(signo); });
        loop.OnSignal(SIGTERM, [&](int signo) { received.push_back(signo); });
        EXPECT_TRUE(IsBlocked(SIGHUP));
        EXPECT_TRUE(IsBlocked(SIGTERM));

        ASSERT_EQ(::raise(SIGHUP), 0); // blocked: pending until the loop reads it
        EXPECT_EQ(loop.RunOnce(1000), 1u);
        ASSERT_EQ(received, std::vector<int>{SIGHUP});

        ASSERT_EQ(::raise(SIGTERM), 0);
        EXPECT_EQ(loop.RunOnce(1000), 1u);
        EXPECT_EQ(received, (std::vector<int>{SIGHUP, SIGTERM}));

        // Pending at destruction: discarded, not delivered (it would kill the test).
        ASSERT_EQ(::raise(SIGTERM), 0);
    }
    EXPECT_FALSE(IsBlocked(SIGHUP)) << "the loop restores the signal mask";
    EXPECT_FALSE(IsBlocked(SIGTERM));
}

TEST(EventLoop, StopFromASignalEndsRun)
{
    EventLoop loop;
    bool stopped = false;
    loop.OnSignal(SIGINT,
                  [&](int)
                  {
                      stopped = true;
                      loop.Stop();
                  });
    loop.SetTimerCallback([] { ::raise(SIGINT); });
    loop.SetTimer(EventLoop::Now() + 10ms);
    loop.Run(); // returns only through Stop
    EXPECT_TRUE(stopped);
}

} // namespace
} // namespace test
} // namespace resoa
