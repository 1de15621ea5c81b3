/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Logger: line format, level filter, rate limiting with a suppressed count.
 */
#include "log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace resoa
{
namespace test
{
namespace
{

using realnet::Logger;
using realnet::LogLevel;
using namespace std::chrono_literals;

struct Captured
{
    std::vector<std::string> lines;
    TimePoint now{std::chrono::seconds(100)};

    Logger Make(LogLevel level)
    {
        return Logger(
            "resoa-serverd",
            level,
            [this](const std::string& line) { lines.push_back(line); },
            [this] { return now; });
    }
};

std::string
Line(const std::string& level, const std::string& message)
{
    return "resoa-serverd[" + std::to_string(::getpid()) + "]: " + level + ": " + message + "\n";
}

TEST(Log, LineFormatAndLevelFilter)
{
    Captured c;
    Logger log = c.Make(LogLevel::Info);
    log.Error("interface lhp0 went down");
    log.Warning("client 02:00:00:00:00:01 refused");
    log.Info("registered");
    log.Debug("frame in");
    ASSERT_EQ(c.lines.size(), 3u);
    EXPECT_EQ(c.lines[0], Line("error", "interface lhp0 went down"));
    EXPECT_EQ(c.lines[1], Line("warning", "client 02:00:00:00:00:01 refused"));
    EXPECT_EQ(c.lines[2], Line("info", "registered"));
    EXPECT_FALSE(log.IsEnabled(LogLevel::Debug));

    log.SetLevel(LogLevel::Error);
    log.Warning("hidden");
    log.Error("shown");
    ASSERT_EQ(c.lines.size(), 4u);
    EXPECT_EQ(c.lines[3], Line("error", "shown"));
}

TEST(Log, LevelNamesRoundTrip)
{
    for (LogLevel level : {LogLevel::Error, LogLevel::Warning, LogLevel::Info, LogLevel::Debug})
    {
        EXPECT_EQ(realnet::ParseLogLevel(realnet::LogLevelName(level)), level);
    }
    EXPECT_FALSE(realnet::ParseLogLevel("trace").has_value());
}

TEST(Log, RateLimitedPerKeyWithSuppressedCount)
{
    Captured c;
    Logger log = c.Make(LogLevel::Debug);
    for (int i = 0; i < 10; ++i)
    {
        log.LogLimited(LogLevel::Warning, "bad-frame", "bad frame " + std::to_string(i), 3);
        c.now += 10ms;
    }
    // Another key has its own budget.
    log.LogLimited(LogLevel::Warning, "refused", "refused", 3);
    ASSERT_EQ(c.lines.size(), 4u);
    EXPECT_EQ(c.lines[0], Line("warning", "bad frame 0"));
    EXPECT_EQ(c.lines[2], Line("warning", "bad frame 2"));
    EXPECT_EQ(c.lines[3], Line("warning", "refused"));

    // A new window: first the count of what was dropped, then the line itself.
    c.now += 1s;
    log.LogLimited(LogLevel::Warning, "bad-frame", "bad frame 10", 3);
    ASSERT_EQ(c.lines.size(), 6u);
    EXPECT_EQ(c.lines[4], Line("warning", "suppressed 7 more 'bad-frame' messages"));
    EXPECT_EQ(c.lines[5], Line("warning", "bad frame 10"));
}

TEST(Log, ReportSuppressedFlushesEndedWindowsOnly)
{
    Captured c;
    Logger log = c.Make(LogLevel::Info);
    for (int i = 0; i < 5; ++i)
    {
        log.LogLimited(LogLevel::Info, "k", "m", 1);
    }
    ASSERT_EQ(c.lines.size(), 1u);
    log.ReportSuppressed(); // window still open: nothing yet
    EXPECT_EQ(c.lines.size(), 1u);
    c.now += 2s;
    log.ReportSuppressed();
    ASSERT_EQ(c.lines.size(), 2u);
    EXPECT_EQ(c.lines[1], Line("info", "suppressed 4 more 'k' messages"));
    log.ReportSuppressed(); // reported once only
    EXPECT_EQ(c.lines.size(), 2u);
}

TEST(Log, FilteredLevelIsNotCountedAsSuppressed)
{
    Captured c;
    Logger log = c.Make(LogLevel::Warning);
    for (int i = 0; i < 5; ++i)
    {
        log.LogLimited(LogLevel::Debug, "k", "m", 1);
    }
    c.now += 2s;
    log.ReportSuppressed();
    EXPECT_TRUE(c.lines.empty());
}

} // namespace
} // namespace test
} // namespace resoa
