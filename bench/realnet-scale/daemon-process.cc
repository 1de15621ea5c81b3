/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "daemon-process.h"

#include "spawn-in-namespace.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace resoa
{
namespace bench
{

namespace
{

std::string
ReadFile(const std::string& path)
{
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

long
StatusKiB(const std::string& status, const std::string& key)
{
    const std::size_t at = status.find(key + ":");
    return at == std::string::npos ? 0 : std::stol(status.substr(at + key.size() + 1));
}

} // namespace

DaemonProcess::DaemonProcess(const std::string& ns,
                             const std::vector<std::string>& argv,
                             std::string log)
    : m_log(std::move(log))
    , m_pid(test::SpawnInNamespace(ns, argv, m_log))
{
}

DaemonProcess::~DaemonProcess()
{
    Stop();
}

pid_t
DaemonProcess::Pid() const
{
    return m_pid;
}

bool
DaemonProcess::Alive()
{
    if (m_pid <= 0)
    {
        return false;
    }
    if (test::ReapIfExited(m_pid, m_status))
    {
        m_pid = 0;
        return false;
    }
    return true;
}

bool
DaemonProcess::WaitFor(const std::string& text, double seconds)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end && Alive())
    {
        if (Log().find(text) != std::string::npos)
        {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

std::string
DaemonProcess::Log() const
{
    return ReadFile(m_log);
}

ProcessSample
DaemonProcess::Sample() const
{
    return SampleProcess(m_pid);
}

ProcessSample
SampleProcess(pid_t pid)
{
    ProcessSample s;
    s.wallSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    if (pid <= 0)
    {
        return s;
    }
    const std::string dir = "/proc/" + std::to_string(pid);
    const std::string status = ReadFile(dir + "/status");
    s.rssKiB = StatusKiB(status, "VmRSS");
    s.hwmKiB = StatusKiB(status, "VmHWM");
    // stat: "pid (comm) state ..." with utime and stime the 14th and 15th fields; comm
    // may hold spaces, so count from the last ')'.
    const std::string stat = ReadFile(dir + "/stat");
    const std::size_t close = stat.rfind(')');
    if (close != std::string::npos)
    {
        std::istringstream rest(stat.substr(close + 2));
        std::string field;
        unsigned long long utime = 0;
        unsigned long long stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i)
        {
            if (i == 14)
            {
                utime = std::stoull(field);
            }
            else if (i == 15)
            {
                stime = std::stoull(field);
            }
        }
        s.cpuSeconds = static_cast<double>(utime + stime) / ::sysconf(_SC_CLK_TCK);
    }
    return s;
}

int
DaemonProcess::Stop()
{
    if (m_pid > 0)
    {
        m_status = test::StopProcessGroup(m_pid, std::chrono::seconds(5));
        m_pid = 0;
    }
    return m_status;
}

} // namespace bench
} // namespace resoa
