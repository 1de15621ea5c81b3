/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Test support for running unmodified programs (nc, curl, lftp, python3) over real ReSoA and,
 * for comparison, through an nftables NAT in the same topology.
 */
#ifndef RESOA_TEST_PROGRAM_RIG_H
#define RESOA_TEST_PROGRAM_RIG_H

#include "netns-fixture.h"

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace resoa
{
namespace test
{

/// \return the whole file (empty if it cannot be read)
std::string ReadWholeFile(const std::string& path);

/// \return the file's sha256 as 64 hex digits, or "" if it cannot be read
std::string Sha256Of(const std::string& path);

/// Writes \p size pseudo-random bytes (seeded with \p seed) to \p path.
void WriteRandomFile(const std::string& path, std::size_t size, unsigned seed);

/// \return true if \p path is executable (and not empty)
bool IsExecutable(const std::string& path);

/// \return the first of \p programs that is not in PATH, or nullopt if all are
std::optional<std::string> MissingProgram(const std::vector<std::string>& programs);

/**
 * \brief A background program inside a namespace, with stdout and stderr in a log file.
 * Stopped on destruction: SIGTERM to its process group, then SIGKILL after 3 s.
 */
class Background
{
  public:
    Background(const std::string& ns, const std::vector<std::string>& argv, std::string log);
    ~Background();

    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    /// Stops it. \return its exit status, -1 if it was killed by a signal
    int Stop();

    /// Waits up to \p seconds for it to exit by itself, then stops it. \return as Stop
    int Wait(double seconds = 15);

    /// Waits until the log contains \p text. \return false after \p seconds
    bool WaitFor(const std::string& text, double seconds = 10) const;

    /// \return the log so far
    std::string Log() const;

    /// Sends \p signo to its process group (e.g. SIGKILL for a crash, SIGHUP for a reload).
    /// \return false if it is not running
    bool Signal(int signo) const;

  private:
    std::string m_log;
    pid_t m_pid = -1;
    int m_status = -1;
};

/// Runs \p argv in \p ns, killed after \p seconds.
CommandResult RunInNamespace(const std::string& ns,
                             const std::vector<std::string>& argv,
                             int seconds = 30);

/// Runs `sh -c SCRIPT` in \p ns on its own stack (no resoa-run), killed after \p seconds.
CommandResult RunShellIn(const std::string& ns, const std::string& script, int seconds = 30);

/// Runs `sh -c SCRIPT` under resoa-run (clientd at \p clientdSocket) in \p ns, killed after
/// \p seconds.
CommandResult RunResoaShellIn(const std::string& ns,
                              const std::string& clientdSocket,
                              const std::string& script,
                              int seconds = 30);

/**
 * \brief A test's work directory, /tmp/resoa-t<pid>-<tag>: emptied when made, removed on
 * destruction unless RESOA_TEST_KEEP is set (to look at the logs after a failure).
 */
class WorkDir
{
  public:
    explicit WorkDir(const std::string& tag);
    ~WorkDir();

    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;

    const std::string& Path() const
    {
        return m_path;
    }

    /// Starts a background program in \p ns; its log is Path()/\p logName.
    std::unique_ptr<Background> Start(const std::string& ns,
                                      const std::vector<std::string>& argv,
                                      const std::string& logName) const;

  private:
    std::string m_path;
};

/**
 * \brief The test network: `server` (198.51.100.1 on s1, a bridge `lan0` with the LHP MAC
 * 02:00:00:aa:00:02 towards the clients) and `internet` (198.51.100.2 on i0), plus any number
 * of ReSoA clients (namespaces with no IP address, each with its own resoa-clientd) and, for
 * the NAT comparison, NAT clients (10.0.0.x/24, default route via the server, which
 * masquerades them with nftables). Everything is removed in the destructor.
 */
class ProgramRig
{
  public:
    static constexpr const char* kServerAddress = "198.51.100.1";
    static constexpr const char* kInternetAddress = "198.51.100.2";
    static constexpr const char* kServerMac = "02:00:00:aa:00:02";

    /// \param tag short name for the work directory (/tmp/resoa-t<pid>-<tag>)
    explicit ProgramRig(const std::string& tag);
    ~ProgramRig();

    /// \return why these tests cannot run (not root, no namespaces, a daemon or \p programs
    /// missing), or nullopt
    static std::optional<std::string> SkipReason(const std::vector<std::string>& programs);

    /// Starts resoa-serverd on lan0 with \p extraArgs (e.g. address mode and pool).
    void StartServerd(const std::vector<std::string>& extraArgs = {});

    /// Adds \p address (CIDR) to the server's public interface, so its kernel owns it.
    void AddPublicAddress(const std::string& cidr);

    /// One ReSoA client: its namespace, clientd and the address serverd gave it, and for a
    /// relayed client (AddRelayedResoaClient) the relay's namespace and process.
    struct Client
    {
        std::string ns;
        std::string socket;
        std::string publicAddress;
        std::string relayNs;
        /// Declared before clientd, so it is stopped after it: clientd's goodbye to serverd
        /// still gets through.
        std::unique_ptr<Background> relay;
        std::unique_ptr<Background> clientd;
    };

    /**
     * Adds a ReSoA client namespace (no IP address) on the server's bridge, starts
     * resoa-clientd in it and waits until it has registered.
     * \param clientdArgs extra flags (e.g. {"--address-mode", "1-to-1"})
     * \throws std::runtime_error with clientd's and serverd's logs if it does not register
     */
    Client& AddResoaClient(const std::vector<std::string>& clientdArgs = {});

    /**
     * As AddResoaClient, but the client's link runs through resoa-lhp-relay in a namespace
     * of its own (`relayN`): client c0 === r0 [relay] r1 === s0cN on the server's bridge.
     * \param relayArgs the relay's disturbance flags, e.g. {"--duplicate-percent", "10"}
     * \throws std::runtime_error if the relay does not start or clientd does not register
     */
    Client& AddRelayedResoaClient(const std::vector<std::string>& relayArgs,
                                  const std::vector<std::string>& clientdArgs = {});

    /// \return whether resoa-lhp-relay is built
    static bool HaveRelay();

    /// As AddResoaClient, but returns as soon as resoa-clientd runs (publicAddress empty):
    /// for a registration that is meant to be refused or slow.
    Client& StartResoaClient(const std::vector<std::string>& clientdArgs = {});

    /**
     * Adds a NAT client namespace 10.0.0.<n+1>/24 behind the server (10.0.0.1 on n0), turns
     * on forwarding and an nftables masquerade of 10.0.0.0/24 out of s1 (no FTP helper).
     * \return the namespace
     */
    std::string AddNatClient();

    /**
     * Adds the nftables conntrack FTP helper for TCP port \p port from the NAT clients.
     * \return "" on success, else why it is not available on this kernel
     */
    std::string EnableFtpHelper(int port);

    /// Runs `sh -c SCRIPT` in \p ns, killed after \p seconds.
    CommandResult Run(const std::string& ns, const std::string& script, int seconds = 30);

    /**
     * Sends \p file with `nc -N` from the internet namespace to \p address:\p port, again
     * every 0.1 s (up to 100 times) while nothing listens yet: a refused attempt does not
     * use a one-shot listener up. \return nc's result
     */
    CommandResult PushFromInternet(const std::string& address, int port, const std::string& file);

    /// Runs `sh -c SCRIPT` under resoa-run in \p client's namespace, killed after \p seconds.
    CommandResult RunResoa(const Client& client, const std::string& script, int seconds = 30);

    /// Starts a background program in \p ns; its log is dir()/\p logName.
    std::unique_ptr<Background> Start(const std::string& ns,
                                      const std::vector<std::string>& argv,
                                      const std::string& logName);

    /// \return the shell prefix that runs a command over ReSoA from \p client (for scripts
    /// that start several programs)
    std::string ResoaEnv(const Client& client) const;

    /// \return the last lines of every daemon log, for failure messages
    std::string DaemonLogs() const;

    const std::string& Dir() const
    {
        return m_dir;
    }

    NetnsFixture net;
    std::string server;
    std::string internet;
    std::unique_ptr<Background> serverd;
    std::vector<std::unique_ptr<Client>> clients;

  private:
    WorkDir m_work;
    std::string m_dir;                                   //!< m_work.Path()
    std::optional<std::vector<std::string>> m_relayArgs; //!< for the next StartResoaClient
    int m_natClients = 0;
    bool m_natReady = false;
};

/**
 * Starts the test FTP server (`script`, pyftpdlib) in the rig's internet namespace on `port`,
 * serving `root`; with `tls`, explicit TLS with a fresh self-signed certificate.
 */
std::unique_ptr<Background> StartFtpServer(
    ProgramRig& rig, const std::string& script, int port, const std::string& root, bool tls);

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_PROGRAM_RIG_H
