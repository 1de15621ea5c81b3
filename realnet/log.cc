/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "log.h"

#include <unistd.h>

#include <chrono>
#include <ctime>

namespace resoa
{
namespace realnet
{

namespace
{

constexpr Duration kWindow = std::chrono::seconds(1);
/// Past this many keys, windows that ended are forgotten (keys may name peers).
constexpr std::size_t kMaxWindows = 1024;

TimePoint
MonotonicNow()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return TimePoint(static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec);
}

void
WriteToStderr(const std::string& line)
{
    std::size_t done = 0;
    while (done < line.size())
    {
        const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
        if (n <= 0)
        {
            return; // nowhere left to complain to
        }
        done += static_cast<std::size_t>(n);
    }
}

} // namespace

const char*
LogLevelName(LogLevel level)
{
    switch (level)
    {
        case LogLevel::Error:
            return "error";
        case LogLevel::Warning:
            return "warning";
        case LogLevel::Info:
            return "info";
        case LogLevel::Debug:
            return "debug";
    }
    return "?";
}

std::optional<LogLevel>
ParseLogLevel(const std::string& text)
{
    for (LogLevel level : {LogLevel::Error, LogLevel::Warning, LogLevel::Info, LogLevel::Debug})
    {
        if (text == LogLevelName(level))
        {
            return level;
        }
    }
    return std::nullopt;
}

Logger::Logger(std::string program, LogLevel level, Sink sink, Clock clock)
    : m_program(std::move(program))
    , m_level(level)
    , m_sink(sink ? std::move(sink) : Sink(WriteToStderr))
    , m_clock(clock ? std::move(clock) : Clock(MonotonicNow))
{
}

void
Logger::SetLevel(LogLevel level)
{
    m_level = level;
}

LogLevel
Logger::GetLevel() const
{
    return m_level;
}

bool
Logger::IsEnabled(LogLevel level) const
{
    return static_cast<int>(level) <= static_cast<int>(m_level);
}

void
Logger::Write(LogLevel level, const std::string& message)
{
    // getpid() per line: a forked child logs its own pid.
    std::string line = m_program + "[" + std::to_string(::getpid()) + "]: " + LogLevelName(level) +
                       ": " + message + "\n";
    m_sink(line);
}

void
Logger::Log(LogLevel level, const std::string& message)
{
    if (IsEnabled(level))
    {
        Write(level, message);
    }
}

void
Logger::Error(const std::string& message)
{
    Log(LogLevel::Error, message);
}

void
Logger::Warning(const std::string& message)
{
    Log(LogLevel::Warning, message);
}

void
Logger::Info(const std::string& message)
{
    Log(LogLevel::Info, message);
}

void
Logger::Debug(const std::string& message)
{
    Log(LogLevel::Debug, message);
}

void
Logger::ReportWindow(const std::string& key, Window& window)
{
    if (window.suppressed > 0)
    {
        Log(window.level,
            "suppressed " + std::to_string(window.suppressed) + " more '" + key + "' messages");
        window.suppressed = 0;
    }
}

void
Logger::LogLimited(LogLevel level,
                   const std::string& key,
                   const std::string& message,
                   unsigned perSecond)
{
    if (!IsEnabled(level))
    {
        return;
    }
    const TimePoint now = m_clock();
    if (m_windows.size() >= kMaxWindows && m_windows.count(key) == 0)
    {
        ReportSuppressed(); // also forgets ended windows
    }
    Window& window = m_windows[key];
    if (window.lines == 0 || now - window.start >= kWindow)
    {
        ReportWindow(key, window);
        window.start = now;
        window.lines = 0;
    }
    window.level = level;
    if (window.lines < perSecond)
    {
        ++window.lines;
        Write(level, message);
    }
    else
    {
        ++window.suppressed;
    }
}

void
Logger::ReportSuppressed()
{
    const TimePoint now = m_clock();
    for (auto it = m_windows.begin(); it != m_windows.end();)
    {
        if (now - it->second.start >= kWindow)
        {
            ReportWindow(it->first, it->second);
            it = m_windows.erase(it);
        }
        else
        {
            ++it;
        }
    }
}

} // namespace realnet
} // namespace resoa
