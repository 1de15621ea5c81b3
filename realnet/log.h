/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_LOG_H
#define RESOA_REALNET_LOG_H

#include "resoa-time.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

namespace resoa
{
namespace realnet
{

/// Log levels, most severe first; a logger at level L prints L and everything above it.
enum class LogLevel
{
    Error = 0,
    Warning = 1,
    Info = 2,
    Debug = 3,
};

/// \return "error", "warning", "info" or "debug"
const char* LogLevelName(LogLevel level);

/// \return the level named \p text (as LogLevelName prints it), or nullopt
std::optional<LogLevel> ParseLogLevel(const std::string& text);

/**
 * \brief Writes `resoa-serverd[1234]: warning: message` lines to stderr.
 *
 * The daemons run under systemd or a terminal; both take stderr lines, and systemd adds the
 * time, so a line carries the program, pid, level and text only. Each line goes out with
 * one write(2), so lines of concurrent processes never interleave mid-line.
 *
 * LogLimited is for what a peer can trigger at line rate (bad frames, refused
 * registrations): at most `perSecond` lines per key in each one-second window. The next line
 * for that key after a window with suppressed lines, or ReportSuppressed(), says how many
 * were suppressed, so nothing disappears without a count.
 */
class Logger
{
  public:
    /// Receives each finished line, '\n' included. The default writes it to fd 2.
    using Sink = std::function<void(const std::string& line)>;
    /// The clock of the rate limiter. The default is CLOCK_MONOTONIC.
    using Clock = std::function<TimePoint()>;

    /**
     * \param program the name in each line, e.g. "resoa-serverd"
     * \param level lines below this level are dropped
     * \param sink where lines go (tests capture them)
     * \param clock time for LogLimited (tests drive it)
     */
    explicit Logger(std::string program,
                    LogLevel level = LogLevel::Info,
                    Sink sink = {},
                    Clock clock = {});

    /// Changes the level filter (e.g. on SIGHUP after re-reading the config).
    void SetLevel(LogLevel level);
    /// \return the level filter
    LogLevel GetLevel() const;
    /// \return true if a line at \p level would be written (skip building costly messages)
    bool IsEnabled(LogLevel level) const;

    /// Writes \p message at \p level if the filter lets it through.
    void Log(LogLevel level, const std::string& message);
    /// Log(LogLevel::Error, message)
    void Error(const std::string& message);
    /// Log(LogLevel::Warning, message)
    void Warning(const std::string& message);
    /// Log(LogLevel::Info, message)
    void Info(const std::string& message);
    /// Log(LogLevel::Debug, message)
    void Debug(const std::string& message);

    /**
     * Writes \p message unless \p key already had \p perSecond lines in the current
     * one-second window, in which case it is counted as suppressed.
     */
    void LogLimited(LogLevel level,
                    const std::string& key,
                    const std::string& message,
                    unsigned perSecond = 5);

    /// Writes a "suppressed K" line for each key whose window has ended with suppressed lines.
    void ReportSuppressed();

  private:
    struct Window
    {
        TimePoint start{};
        unsigned lines = 0;
        std::uint64_t suppressed = 0;
        LogLevel level = LogLevel::Info;
    };

    void Write(LogLevel level, const std::string& message);
    void ReportWindow(const std::string& key, Window& window);

    std::string m_program;
    LogLevel m_level;
    Sink m_sink;
    Clock m_clock;
    std::unordered_map<std::string, Window> m_windows;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_LOG_H
