/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "spawn-in-namespace.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace resoa
{
namespace test
{

pid_t
SpawnInNamespace(const std::string& ns,
                 const std::vector<std::string>& argv,
                 const std::string& logPath)
{
    std::vector<std::string> all = {"ip", "netns", "exec", ns};
    all.insert(all.end(), argv.begin(), argv.end());
    // Everything exec needs is built before fork: the child only calls async-signal-safe
    // functions.
    std::vector<char*> args;
    for (std::string& a : all)
    {
        args.push_back(a.data());
    }
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0)
    {
        ::setsid();
        const int in = ::open("/dev/null", O_RDONLY);
        const int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(in, 0);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::execvp("ip", args.data());
        ::_exit(127);
    }
    return pid;
}

bool
ReapIfExited(pid_t pid, int& status)
{
    int raw = 0;
    if (pid <= 0 || ::waitpid(pid, &raw, WNOHANG) != pid)
    {
        return false;
    }
    ::kill(-pid, SIGKILL); // anything it left behind
    status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return true;
}

int
StopProcessGroup(pid_t pid, std::chrono::milliseconds grace)
{
    int status = -1;
    if (pid <= 0)
    {
        return status;
    }
    ::kill(-pid, SIGTERM);
    const auto end = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < end)
    {
        if (ReapIfExited(pid, status))
        {
            return status;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return -1;
}

} // namespace test
} // namespace resoa
