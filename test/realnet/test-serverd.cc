/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The resoa-serverd binary in a server namespace, driven by an LHP test client: it comes up,
 * applies a SIGHUP-reloaded policy at once (client-mode to the next registration), and on
 * SIGTERM closes its sessions in order and exits 0.
 */
#include "lhp-test-client.h"
#include "netns-fixture.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

namespace resoa
{
namespace test
{
namespace
{

using realnet::EventLoop;
using realnet::MacAddress;
using realnet::PacketLink;
using Kind = EpClientEvent::Kind;

const MacAddress kClientMac = {0x02, 0x00, 0x00, 0x00, 0x0d, 0x01};
const MacAddress kServerMac = {0x02, 0x00, 0x00, 0x00, 0x0d, 0x02};

/// resoa-serverd running in a namespace, its stderr collected.
class Daemon
{
  public:
    Daemon(const std::string& ns, const std::vector<std::string>& args)
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) < 0)
        {
            throw std::runtime_error("pipe");
        }
        m_pid = ::fork();
        if (m_pid == 0)
        {
            ::dup2(fds[1], 2);
            try
            {
                NetnsFixture::EnterNamespace(ns);
            }
            catch (...)
            {
                ::_exit(111);
            }
            std::vector<char*> argv;
            argv.push_back(const_cast<char*>("resoa-serverd"));
            for (const std::string& a : args)
            {
                argv.push_back(const_cast<char*>(a.c_str()));
            }
            argv.push_back(nullptr);
            ::execv(RESOA_SERVERD_PATH, argv.data());
            ::_exit(112);
        }
        ::close(fds[1]);
        m_stderr = fds[0];
        ::fcntl(m_stderr, F_SETFL, O_NONBLOCK);
    }

    ~Daemon()
    {
        if (m_pid > 0 && !m_exited)
        {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
        ::close(m_stderr);
    }

    /// Everything written to stderr so far.
    const std::string& Log()
    {
        char buffer[4096];
        ssize_t n;
        while ((n = ::read(m_stderr, buffer, sizeof(buffer))) > 0)
        {
            m_log.append(buffer, static_cast<std::size_t>(n));
        }
        return m_log;
    }

    bool LogHas(const std::string& text)
    {
        return Log().find(text) != std::string::npos;
    }

    void Signal(int signo)
    {
        ::kill(m_pid, signo);
    }

    /// The exit status once it exited (within \p timeout), else -1.
    int WaitExit(std::chrono::milliseconds timeout)
    {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < end)
        {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid)
            {
                m_exited = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return -1;
    }

  private:
    pid_t m_pid = -1;
    int m_stderr = -1;
    bool m_exited = false;
    std::string m_log;
};

/// A client and a server namespace joined by `lhp0` (skipped without root).
class Serverd : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto reason = NetnsFixture::SkipReason())
        {
            GTEST_SKIP() << *reason;
        }
        const LhpTestNet lhp = AddLhpTestNet(fixture, kClientMac, kServerMac);
        clientNs = lhp.client;
        serverNs = lhp.server;
    }

    NetnsFixture fixture;
    std::string clientNs;
    std::string serverNs;
};

TEST_F(Serverd, SighupReloadsPolicyAndSigtermClosesSessions)
{
    const std::string configPath = "/tmp/" + NetnsFixture::NamePrefix() + "serverd.conf";
    std::ofstream(configPath) << "allow-listen = yes\n";

    Daemon daemon(serverNs,
                  {"--config",
                   configPath,
                   "--interface",
                   "lhp0",
                   "--public-address",
                   "198.51.100.1",
                   "--log-level",
                   "info"});
    PacketLink link = fixture.RunIn(clientNs, [] { return PacketLink("lhp0"); });
    LhpTestClient client(link, kServerMac);
    client.Connect();
    // The daemon may still be starting: LHP retries its Connect.
    ASSERT_TRUE(client.RunUntil([&] { return client.IsUp(); })) << daemon.Log();
    EXPECT_TRUE(daemon.LogHas("up on lhp0")) << daemon.Log();
    EpClient& ep = client.Client();
    ASSERT_EQ(ep.Register(EpAddrMode::NTo1, 0, "serverd-test"), 0);
    ASSERT_TRUE(client.RunUntil([&] { return ep.IsRegistered(); }));
    EXPECT_EQ(ep.GetPublicIpv4(), 0xC6336401u);

    // Listening is allowed by the first config...
    const std::uint32_t a = ep.Create(EpSockType::Stream).id;
    ASSERT_EQ(ep.Listen(a, 4), 0);
    ASSERT_TRUE(client.RunUntil([&] { return client.FindEvent(a, Kind::ListenDone).has_value(); }));
    EXPECT_EQ(client.FindEvent(a, Kind::ListenDone)->error, 0);

    // ... and refused after SIGHUP re-read a config that forbids it.
    std::ofstream(configPath) << "allow-listen = no\n";
    daemon.Signal(SIGHUP);
    ASSERT_TRUE(client.RunUntil([&] { return daemon.LogHas("SIGHUP: config reloaded"); }))
        << daemon.Log();
    const std::uint32_t b = ep.Create(EpSockType::Stream).id;
    ASSERT_EQ(ep.Listen(b, 4), 0);
    ASSERT_TRUE(client.RunUntil([&] { return client.FindEvent(b, Kind::ListenDone).has_value(); }));
    EXPECT_EQ(client.FindEvent(b, Kind::ListenDone)->error, EACCES);

    // SIGUSR1 logs the counters: two sockets made, one policy refusal is not an EP error.
    daemon.Signal(SIGUSR1);
    ASSERT_TRUE(client.RunUntil([&] { return daemon.LogHas("stats: sessions=1 "); }))
        << daemon.Log();
    EXPECT_TRUE(daemon.LogHas(" ep_sockets_created=2 ")) << daemon.Log();
    EXPECT_TRUE(daemon.LogHas(" lhp_bad_frames=0 ")) << daemon.Log();

    // SIGTERM: the LHP connection is closed in order (the client sees Closed, not a
    // timeout), and the daemon exits 0.
    daemon.Signal(SIGTERM);
    const TimePoint before = EventLoop::Now();
    ASSERT_TRUE(client.RunUntil([&] { return client.IsDown(); })) << daemon.Log();
    EXPECT_LT(EventLoop::Now() - before, std::chrono::seconds(2)); // not the 5 s dead timeout
    EXPECT_EQ(daemon.WaitExit(std::chrono::seconds(5)), 0) << daemon.Log();
    EXPECT_TRUE(daemon.LogHas("SIGTERM: closing 1 session(s)")) << daemon.Log();
    EXPECT_TRUE(daemon.LogHas("stopped; 0 session(s)")) << daemon.Log();
    EXPECT_TRUE(daemon.LogHas("stats: sessions=0 sessions_up=1 sessions_down=1 ")) << daemon.Log();
    std::remove(configPath.c_str());
}

// client-mode follows the reload policy of the other policy keys: a SIGHUP applies it to
// registrations from then on; a client registered before keeps what it has.
TEST_F(Serverd, SighupAppliesClientModeToTheNextRegistration)
{
    const std::string configPath = "/tmp/" + NetnsFixture::NamePrefix() + "serverd-modes.conf";
    const std::string base = "address-mode = mixed\naddress-pool = 198.51.100.10\n";
    std::ofstream(configPath) << base;
    Daemon daemon(
        serverNs,
        {"--config", configPath, "--interface", "lhp0", "--public-address", "198.51.100.1"});
    PacketLink link = fixture.RunIn(clientNs, [] { return PacketLink("lhp0"); });
    // A client asking n-to-1 on one LHP connection; \return the address it got.
    const auto registerOnce = [&]() -> std::uint32_t
    {
        LhpTestClient client(link, kServerMac);
        client.Connect();
        EXPECT_TRUE(client.RunUntil([&] { return client.IsUp(); })) << daemon.Log();
        EpClient& ep = client.Client();
        EXPECT_EQ(ep.Register(EpAddrMode::NTo1, 0, "modes-test"), 0);
        EXPECT_TRUE(client.RunUntil([&] { return ep.IsRegistered(); })) << daemon.Log();
        return ep.GetPublicIpv4();
    };
    EXPECT_EQ(registerOnce(), 0xC6336401u); // 198.51.100.1: what it asked for

    std::ofstream(configPath) << base << "client-mode = " << realnet::FormatMac(kClientMac)
                              << "=1-to-1\n";
    daemon.Signal(SIGHUP);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!daemon.LogHas("SIGHUP: config reloaded") && std::chrono::steady_clock::now() < deadline)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(daemon.LogHas("client modes")) << daemon.Log();
    EXPECT_FALSE(daemon.LogHas("take effect after a restart")) << daemon.Log();
    // A new LHP connection from the same MAC registers again: now 1-to-1 from the pool.
    EXPECT_EQ(registerOnce(), 0xC633640Au); // 198.51.100.10
    EXPECT_TRUE(daemon.LogHas("registers 1-to-1 (client-mode)")) << daemon.Log();
    std::remove(configPath.c_str());
}

} // namespace
} // namespace test
} // namespace resoa
