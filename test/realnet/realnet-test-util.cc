/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "realnet-test-util.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <exception>
#include <sstream>

namespace resoa
{
namespace test
{

std::vector<realnet::ReceivedFrame>
ReceiveFrames(realnet::PacketLink& link, std::size_t count, std::chrono::milliseconds timeout)
{
    using Clock = std::chrono::steady_clock;
    const auto end = Clock::now() + timeout;
    std::vector<realnet::ReceivedFrame> all;
    std::vector<realnet::ReceivedFrame> batch;
    while (all.size() < count)
    {
        link.Receive(batch, count - all.size());
        for (auto& frame : batch)
        {
            all.push_back(std::move(frame));
        }
        if (all.size() >= count)
        {
            break;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
        if (left.count() <= 0)
        {
            break;
        }
        pollfd p{link.GetFd(), POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
    }
    return all;
}

std::string
RunInChild(const std::function<std::string()>& body)
{
    int fds[2];
    if (::pipe(fds) < 0)
    {
        return "pipe failed";
    }
    const pid_t pid = ::fork();
    if (pid < 0)
    {
        return "fork failed";
    }
    if (pid == 0)
    {
        ::close(fds[0]);
        std::string message;
        try
        {
            message = body();
        }
        catch (const std::exception& e)
        {
            message = std::string("exception in child: ") + e.what();
        }
        (void)!::write(fds[1], message.data(), message.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string message;
    char buffer[512];
    ssize_t n;
    while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0)
    {
        message.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
        return "child died (status " + std::to_string(status) + ") " + message;
    }
    return message;
}

/// \return how often \p text occurs in \p log
int
Count(const std::string& log, const std::string& text)
{
    int n = 0;
    for (std::size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
    {
        ++n;
    }
    return n;
}

/// \return the value of `field=` on the last line of \p log that contains \p key, or ""
std::string
Field(const std::string& log, const std::string& key, const std::string& field)
{
    std::istringstream lines(log);
    std::string line;
    std::string value;
    while (std::getline(lines, line))
    {
        if (line.find(key) == std::string::npos)
        {
            continue;
        }
        const std::size_t at = line.find(" " + field + "=");
        if (at == std::string::npos)
        {
            continue;
        }
        const std::size_t from = at + field.size() + 2;
        value = line.substr(from, line.find(' ', from) - from);
    }
    return value;
}

} // namespace test
} // namespace resoa
