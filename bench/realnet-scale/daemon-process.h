/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of `./resoa bench realnet-scale` (bench/realnet-scale/README.md).
 */
#ifndef RESOA_BENCH_DAEMON_PROCESS_H
#define RESOA_BENCH_DAEMON_PROCESS_H

#include <sys/types.h>

#include <string>
#include <vector>

namespace resoa
{
namespace bench
{

/// What /proc says about a process at one moment.
struct ProcessSample
{
    long rssKiB = 0;        //!< VmRSS
    long hwmKiB = 0;        //!< VmHWM: the most RSS so far
    double cpuSeconds = 0;  //!< utime + stime
    double wallSeconds = 0; //!< CLOCK_MONOTONIC, for rates between two samples
};

/// \return what /proc says about process \p pid now (zeros if it is gone)
ProcessSample SampleProcess(pid_t pid);

/**
 * \brief A daemon under measurement: started in a network namespace (`ip netns exec`, which
 * execs it, so the pid is the daemon's), stdout and stderr to a log file, stopped with
 * SIGTERM (SIGKILL after 5 s) on Stop() or destruction.
 */
class DaemonProcess
{
  public:
    DaemonProcess(const std::string& ns, const std::vector<std::string>& argv, std::string log);
    ~DaemonProcess();

    DaemonProcess(const DaemonProcess&) = delete;
    DaemonProcess& operator=(const DaemonProcess&) = delete;

    pid_t Pid() const;
    /// \return true while it has not exited
    bool Alive();
    /// Waits until its log contains \p text. \return false after \p seconds or if it exited
    bool WaitFor(const std::string& text, double seconds);
    std::string Log() const;
    /// \return its /proc figures now (zeros once it is gone)
    ProcessSample Sample() const;
    /// SIGTERM, then SIGKILL after 5 s. \return its exit status, -1 if killed by a signal
    int Stop();

  private:
    std::string m_log;
    pid_t m_pid = -1;
    int m_status = -1;
};

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_DAEMON_PROCESS_H
