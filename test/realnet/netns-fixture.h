/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Test support for realnet/: throwaway network namespaces joined by veth pairs.
 */
#ifndef RESOA_TEST_NETNS_FIXTURE_H
#define RESOA_TEST_NETNS_FIXTURE_H

#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace resoa
{
namespace test
{

/// What a command printed (stdout and stderr together) and how it ended.
struct CommandResult
{
    int exitCode = -1; //!< -1 if it did not exit normally
    std::string output;
};

/// Runs \p argv (argv[0] looked up in PATH), without a shell. Never throws for a failed command.
CommandResult RunCommand(const std::vector<std::string>& argv);

/**
 * \brief Network namespaces and veth pairs for one test, removed again in the destructor.
 *
 * Names are unique per process and role (`resoa-t<pid>-client`), so parallel ctest runs do
 * not collide, and a namespace left by a killed test run (its pid gone) is removed by the
 * next fixture. Each namespace starts with only loopback (up, no other address), which is
 * what a pure-ReSoA client is: it gets no IP address unless AddAddress gives it one.
 *
 * Everything is done with iproute2's `ip`; the tests need root. Check SkipReason() first
 * and GTEST_SKIP with it.
 *
 * The destructor deletes every veth and namespace it created, even while a test is failing
 * (it runs during stack unwinding) and even while sockets inside still hold the namespace
 * alive: it deletes the veths explicitly rather than waiting for the namespace to die.
 */
class NetnsFixture
{
  public:
    NetnsFixture();
    ~NetnsFixture();

    NetnsFixture(const NetnsFixture&) = delete;
    NetnsFixture& operator=(const NetnsFixture&) = delete;

    /// \return why namespace tests cannot run here (not root, no `ip`, no /var/run/netns,
    /// namespaces refused), or nullopt if they can. Checked once per process.
    static std::optional<std::string> SkipReason();

    /// \return the names `ip netns list` shows now
    static std::vector<std::string> ListNamespaces();

    /**
     * Deletes `resoa-t<pid>-*` namespaces whose process is gone (a test run killed before
     * its destructors ran). The first fixture of a process calls it.
     * \return how many were deleted
     */
    static int RemoveStale();

    /// \return the prefix of every name this process uses ("resoa-t<pid>-")
    static std::string NamePrefix();

    /**
     * Creates a namespace for \p role ("client", "server"), with loopback up.
     * \param ipv6 false: IPv6 is disabled in it, so its interfaces get no link-local
     * address either (a pure-ReSoA client has no IP address at all) and send no IPv6
     * neighbour discovery onto the test link
     * \return its name, e.g. "resoa-t4242-client"
     * \throws std::runtime_error with `ip`'s message
     */
    std::string AddNamespace(const std::string& role, bool ipv6 = false);

    /// One veth pair: end A in one namespace, end B in another.
    struct Veth
    {
        std::string namespaceA;
        std::string nameA;
        std::string namespaceB;
        std::string nameB;
    };

    /**
     * Creates a veth pair between two namespaces of this fixture, brings both ends up and
     * waits until both are operationally up with their qdisc attached: until the kernel's
     * link watcher has run (it may take a second on a busy machine), frames sent on a "up"
     * device are dropped without an error.
     * \param macA,macB addresses to set ("" = the kernel's random ones)
     * \throws std::runtime_error with `ip`'s message
     */
    Veth AddVeth(const std::string& namespaceA,
                 const std::string& nameA,
                 const std::string& namespaceB,
                 const std::string& nameB,
                 const std::string& macA = "",
                 const std::string& macB = "");

    /// Adds \p cidr ("192.0.2.1/24") to \p device in \p ns. \throws std::runtime_error
    void AddAddress(const std::string& ns, const std::string& device, const std::string& cidr);

    /// Sets \p device in \p ns up or down. \throws std::runtime_error
    void SetLinkUp(const std::string& ns, const std::string& device, bool up);

    /// Waits until \p device in \p ns can carry frames (see AddVeth).
    /// \throws std::runtime_error after 10 s
    void WaitUntilUp(const std::string& ns, const std::string& device);

    /// Runs `ip -n NS ARGS...`. \throws std::runtime_error if it fails
    std::string Ip(const std::string& ns, const std::vector<std::string>& args);

    /**
     * Runs \p function on a new thread that has joined namespace \p ns, and returns its
     * result (or rethrows its exception). Sockets it opens stay in \p ns for their lifetime,
     * so a test can open a PacketLink in each namespace and drive both from one thread.
     */
    template<typename F>
    auto RunIn(const std::string& ns, F&& function) -> decltype(function())
    {
        using Result = decltype(function());
        std::packaged_task<Result()> task(
            [&ns, &function]() -> Result
            {
                EnterNamespace(ns);
                return function();
            });
        std::future<Result> result = task.get_future();
        std::thread thread(std::move(task));
        thread.join();
        return result.get();
    }

    /// Joins the calling thread to namespace \p ns (setns). \throws std::system_error
    static void EnterNamespace(const std::string& ns);

  private:
    std::vector<std::string> m_namespaces;
    std::vector<std::pair<std::string, std::string>> m_veths; //!< (namespace, device)
};

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_NETNS_FIXTURE_H
