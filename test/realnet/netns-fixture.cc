/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "netns-fixture.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace resoa
{
namespace test
{

namespace
{

/// Names this process holds, so two fixtures in one test never pick the same one.
std::mutex g_namesMutex;
std::set<std::string> g_names;

std::string
Join(const std::vector<std::string>& argv)
{
    std::string text;
    for (const std::string& arg : argv)
    {
        text += (text.empty() ? "" : " ") + arg;
    }
    return text;
}

/// Runs `ip ARGS...` and throws with its output if it fails.
std::string
IpChecked(const std::vector<std::string>& args)
{
    std::vector<std::string> argv{"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult result = RunCommand(argv);
    if (result.exitCode != 0)
    {
        throw std::runtime_error("'" + Join(argv) + "' failed: " + result.output);
    }
    return result.output;
}

} // namespace

int
NetnsFixture::RemoveStale()
{
    int removed = 0;
    for (const std::string& name : NetnsFixture::ListNamespaces())
    {
        if (name.rfind("resoa-t", 0) != 0)
        {
            continue;
        }
        const std::string rest = name.substr(7);
        const std::size_t dash = rest.find('-');
        if (dash == 0 || dash == std::string::npos ||
            rest.substr(0, dash).find_first_not_of("0123456789") != std::string::npos)
        {
            continue;
        }
        const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
        if (::kill(pid, 0) < 0 && errno == ESRCH)
        {
            removed += RunCommand({"ip", "netns", "del", name}).exitCode == 0 ? 1 : 0;
        }
    }
    return removed;
}

CommandResult
RunCommand(const std::vector<std::string>& argv)
{
    CommandResult result;
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) < 0)
    {
        result.output = "pipe failed";
        return result;
    }
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& arg : argv)
    {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFds[1]);
    if (rc != 0)
    {
        ::close(pipeFds[0]);
        result.output = "cannot run " + argv[0] + ": " + std::to_string(rc);
        return result;
    }
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(pipeFds[0], buffer, sizeof(buffer))) > 0 || (n < 0 && errno == EINTR))
    {
        if (n > 0)
        {
            result.output.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(pipeFds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR)
    {
    }
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

std::string
NetnsFixture::NamePrefix()
{
    return "resoa-t" + std::to_string(::getpid()) + "-";
}

std::vector<std::string>
NetnsFixture::ListNamespaces()
{
    std::vector<std::string> names;
    std::istringstream lines(RunCommand({"ip", "netns", "list"}).output);
    std::string line;
    while (std::getline(lines, line))
    {
        // "name" or "name (id: 3)"
        const std::string name = line.substr(0, line.find(' '));
        if (!name.empty())
        {
            names.push_back(name);
        }
    }
    return names;
}

std::optional<std::string>
NetnsFixture::SkipReason()
{
    static const std::optional<std::string> reason = []() -> std::optional<std::string>
    {
        if (::geteuid() != 0)
        {
            return "needs root (network namespaces, veth and raw sockets)";
        }
        if (RunCommand({"ip", "-V"}).exitCode != 0)
        {
            return "iproute2's 'ip' is not installed";
        }
        if (::mkdir("/var/run/netns", 0755) < 0 && errno != EEXIST)
        {
            return std::string("cannot create /var/run/netns: ") + std::strerror(errno);
        }
        const std::string probe = NamePrefix() + "probe";
        const CommandResult added = RunCommand({"ip", "netns", "add", probe});
        RunCommand({"ip", "netns", "del", probe});
        if (added.exitCode != 0)
        {
            return "cannot create a network namespace: " + added.output;
        }
        return std::nullopt;
    }();
    return reason;
}

NetnsFixture::NetnsFixture()
{
    static std::once_flag once;
    std::call_once(once, [] { RemoveStale(); });
}

NetnsFixture::~NetnsFixture()
{
    // Veths first: a socket still open inside keeps a namespace alive after `ip netns del`,
    // and with it any device left in it.
    for (auto it = m_veths.rbegin(); it != m_veths.rend(); ++it)
    {
        RunCommand({"ip", "-n", it->first, "link", "del", it->second});
    }
    for (auto it = m_namespaces.rbegin(); it != m_namespaces.rend(); ++it)
    {
        RunCommand({"ip", "netns", "del", *it});
        std::lock_guard<std::mutex> lock(g_namesMutex);
        g_names.erase(*it);
    }
}

std::string
NetnsFixture::AddNamespace(const std::string& role, bool ipv6)
{
    std::string name;
    {
        std::lock_guard<std::mutex> lock(g_namesMutex);
        name = NamePrefix() + role;
        for (int n = 2; g_names.count(name) != 0; ++n)
        {
            name = NamePrefix() + role + "-" + std::to_string(n);
        }
        g_names.insert(name);
    }
    try
    {
        IpChecked({"netns", "add", name});
    }
    catch (...)
    {
        std::lock_guard<std::mutex> lock(g_namesMutex);
        g_names.erase(name);
        throw;
    }
    m_namespaces.push_back(name);
    if (!ipv6)
    {
        // /proc/sys/net shows the namespace of the thread that opens it. "default" is
        // what devices created later inherit.
        RunIn(name,
              []
              {
                  for (const char* scope : {"all", "default"})
                  {
                      const std::string path =
                          std::string("/proc/sys/net/ipv6/conf/") + scope + "/disable_ipv6";
                      std::ofstream file(path);
                      file << "1\n";
                      file.close();
                      if (!file)
                      {
                          throw std::runtime_error("cannot write " + path);
                      }
                  }
                  return 0;
              });
    }
    IpChecked({"-n", name, "link", "set", "lo", "up"});
    return name;
}

NetnsFixture::Veth
NetnsFixture::AddVeth(const std::string& namespaceA,
                      const std::string& nameA,
                      const std::string& namespaceB,
                      const std::string& nameB,
                      const std::string& macA,
                      const std::string& macB)
{
    // Created directly inside the namespaces: the host never sees the names, so parallel
    // tests may use the same device names.
    IpChecked({"link",
               "add",
               nameA,
               "netns",
               namespaceA,
               "type",
               "veth",
               "peer",
               "name",
               nameB,
               "netns",
               namespaceB});
    m_veths.emplace_back(namespaceA, nameA);
    if (!macA.empty())
    {
        Ip(namespaceA, {"link", "set", nameA, "address", macA});
    }
    if (!macB.empty())
    {
        Ip(namespaceB, {"link", "set", nameB, "address", macB});
    }
    SetLinkUp(namespaceA, nameA, true);
    SetLinkUp(namespaceB, nameB, true);
    WaitUntilUp(namespaceA, nameA);
    WaitUntilUp(namespaceB, nameB);
    return {namespaceA, nameA, namespaceB, nameB};
}

void
NetnsFixture::AddAddress(const std::string& ns, const std::string& device, const std::string& cidr)
{
    Ip(ns, {"addr", "add", cidr, "dev", device});
}

void
NetnsFixture::SetLinkUp(const std::string& ns, const std::string& device, bool up)
{
    Ip(ns, {"link", "set", device, up ? "up" : "down"});
}

void
NetnsFixture::WaitUntilUp(const std::string& ns, const std::string& device)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string state;
    while (std::chrono::steady_clock::now() < end)
    {
        state = Ip(ns, {"-o", "link", "show", "dev", device});
        if (state.find("state UP") != std::string::npos &&
            state.find("qdisc noop") == std::string::npos)
        {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error(device + " in " + ns + " did not come up: " + state);
}

std::string
NetnsFixture::Ip(const std::string& ns, const std::vector<std::string>& args)
{
    std::vector<std::string> full{"-n", ns};
    full.insert(full.end(), args.begin(), args.end());
    return IpChecked(full);
}

void
NetnsFixture::EnterNamespace(const std::string& ns)
{
    const std::string path = "/var/run/netns/" + ns;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
    {
        throw std::system_error(errno, std::generic_category(), "open " + path);
    }
    const int rc = ::setns(fd, CLONE_NEWNET);
    const int err = errno;
    ::close(fd);
    if (rc < 0)
    {
        throw std::system_error(err, std::generic_category(), "setns " + path);
    }
}

} // namespace test
} // namespace resoa
