/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * 1-to-1 addresses leased by DHCP on the client's behalf, on Linux (issue 13, docs/dhcp.md):
 * resoa-serverd with `one-to-one-source = dhcp` against a real dnsmasq.
 *
 *   client (no IP, 02:00:00:aa:01:01) --LHP-- server: lan0 | s1 198.51.100.1/24 ---+
 *                                                                                  |
 *                                            internet: bridge pub0 198.51.100.2/24 +
 *                                                                                  |
 *   dhcp: d0 198.51.100.3/24, dnsmasq (range .50-.5x, lease 2 min, T1 2 s) --------+
 *
 * Checked with real values: dnsmasq's lease file maps the client's MAC to the address,
 * the address is on s1, getsockname in the client (through resoa-run) is that address, the
 * Internet host connects to a listener in the client and the bytes arrive intact (sha256),
 * renewals reach dnsmasq, and after the client dies its lease is gone from the lease file
 * and its address from s1. The failure outcomes: no DHCP server (refused with EADDRNOTAVAIL
 * or n-to-1, as configured), a one-address range and two clients (the second one falls back
 * to n-to-1), and a renewal NAKed by a restarted dnsmasq (the session ends, the client
 * registers again and gets an address of the new range). Expiry needs a lease that runs
 * out, and dnsmasq's shortest is 2 minutes: there a scripted server (dhcp-one-lease.py)
 * leases 4 s once and then answers nothing.
 */
#include "program-rig.h"
#include "realnet-test-util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

namespace resoa
{
namespace test
{
namespace
{

const std::string kDnsmasq = "/usr/sbin/dnsmasq";
const std::string kOneLease = RESOA_DHCP_ONE_LEASE_PATH;
const std::string kProbe = RESOA_SHIM_PROBE_PATH;
const std::string kNet = ProgramRig::kInternetAddress;
const std::string kClientMac = "02:00:00:aa:01:01"; // ProgramRig's first client
const std::string kSecondMac = "02:00:00:aa:01:02";

class ResoaDhcp : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto why = ProgramRig::SkipReason({"nc", "sha256sum"}))
        {
            GTEST_SKIP() << *why;
        }
        if (!IsExecutable(kDnsmasq))
        {
            GTEST_SKIP() << "dnsmasq not installed (Debian package dnsmasq-base)";
        }
        rig = std::make_unique<ProgramRig>(
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        dir = rig->Dir();
        // The public link becomes a bridge in `internet`, so a DHCP server can sit on it.
        dhcp = rig->net.AddNamespace("dhcp");
        rig->net.AddVeth(dhcp, "d0", rig->internet, "pd0");
        rig->net.Ip(rig->internet, {"address", "flush", "dev", "i0"});
        rig->net.Ip(rig->internet, {"link", "add", "pub0", "type", "bridge"});
        rig->net.Ip(rig->internet, {"link", "set", "i0", "master", "pub0"});
        rig->net.Ip(rig->internet, {"link", "set", "pd0", "master", "pub0"});
        rig->net.Ip(rig->internet, {"link", "set", "pub0", "up"});
        rig->net.AddAddress(rig->internet, "pub0", kNet + "/24");
        rig->net.AddAddress(dhcp, "d0", "198.51.100.3/24");
        rig->net.WaitUntilUp(rig->internet, "pub0");
    }

    /// Starts dnsmasq on d0 handing out \p first..\p last (lease 2 min, dnsmasq's shortest;
    /// T1 2 s, so renewals are seen). \p ping: dnsmasq's own check that an address is free
    /// before offering it (its default), which delays the first OFFER by about 3 s.
    void StartDnsmasq(const std::string& first,
                      const std::string& last,
                      const std::string& leaseFile,
                      bool authoritative = false,
                      bool ping = false)
    {
        std::vector<std::string> argv = {
            kDnsmasq,
            "--no-daemon",
            "--conf-file=/dev/null",
            "--port=0",
            "--user=root",
            "--interface=d0",
            "--dhcp-range=" + first + "," + last + ",255.255.255.0,2m",
            "--dhcp-option=option:T1,2s", // dnsmasq keeps its defaults unless both are given
            "--dhcp-option=option:T2,5s",
            "--dhcp-leasefile=" + leaseFile,
            "--pid-file=" + dir + "/dnsmasq.pid",
            "--log-dhcp",
            "--log-facility=-"};
        if (authoritative)
        {
            argv.push_back("--dhcp-authoritative");
        }
        if (!ping)
        {
            argv.push_back("--no-ping");
        }
        dnsmasq = rig->Start(dhcp, argv, "dnsmasq-" + std::to_string(++dnsmasqRuns) + ".log");
        ASSERT_TRUE(dnsmasq->WaitFor("DHCP, IP range")) << dnsmasq->Log();
    }

    /// serverd on lan0, leasing on s1; \p extra e.g. the address mode and fallback.
    void StartServerd(const std::vector<std::string>& extra)
    {
        std::vector<std::string> args = {"--one-to-one-source",
                                         "dhcp",
                                         "--dhcp-interface",
                                         "s1",
                                         "--dead-timeout-ms",
                                         "2000",
                                         "--keepalive-interval-ms",
                                         "500"};
        args.insert(args.end(), extra.begin(), extra.end());
        rig->StartServerd(args);
    }

    /// \return the lease file's line for \p mac ("" if none)
    std::string LeaseOf(const std::string& leaseFile, const std::string& mac) const
    {
        const std::string text = ReadWholeFile(leaseFile);
        const std::size_t at = text.find(" " + mac + " ");
        if (at == std::string::npos)
        {
            return "";
        }
        const std::size_t begin = text.rfind('\n', at);
        const std::size_t start = begin == std::string::npos ? 0 : begin + 1;
        return text.substr(start, text.find('\n', at) - start);
    }

    /// \return the addresses on the server's s1
    std::string ServerAddresses()
    {
        return rig->Run(rig->server, "ip -4 -o address show dev s1").output;
    }

    /// Waits up to \p seconds for \p done.
    template<typename F>
    bool Eventually(F done, double seconds)
    {
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < end)
        {
            if (done())
            {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return done();
    }

    std::unique_ptr<ProgramRig> rig;
    std::string dir;
    std::string dhcp;
    std::unique_ptr<Background> dnsmasq;
    int dnsmasqRuns = 0;
};

TEST_F(ResoaDhcp, LeasesWithTheClientsMacRenewsAndReleasesWhenTheClientDies)
{
    const std::string leases = dir + "/leases";
    StartDnsmasq("198.51.100.50", "198.51.100.59", leases, false, true); // as deployed: ping
    // Unprivileged, as deployed: DHCP keeps CAP_NET_ADMIN for the leased addresses.
    StartServerd({"--address-mode", "1-to-1", "--user", "nobody"});
    EXPECT_TRUE(rig->serverd->WaitFor("running as nobody", 1)) << rig->DaemonLogs();
    EXPECT_NE(rig->serverd->Log().find("with CAP_NET_ADMIN"), std::string::npos)
        << rig->DaemonLogs();
    const auto start = std::chrono::steady_clock::now();
    ProgramRig::Client& client = rig->AddResoaClient({"--address-mode", "1-to-1"});
    std::cout << "[ measure  ] registered with a DHCP lease "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
              << " s after clientd started (dnsmasq ping-checks for about 3 s)\n";
    const std::string own = client.publicAddress;

    // dnsmasq leased it to the client's MAC (not the server's), and it is on s1.
    const std::string lease = LeaseOf(leases, kClientMac);
    ASSERT_NE(lease, "") << ReadWholeFile(leases) << dnsmasq->Log() << rig->DaemonLogs();
    EXPECT_NE(lease.find(" " + own + " "), std::string::npos) << lease;
    EXPECT_EQ(own.rfind("198.51.100.5", 0), 0u) << own;
    EXPECT_NE(ServerAddresses().find("inet " + own + "/24"), std::string::npos)
        << ServerAddresses();

    // getsockname in the client is the leased address, and the peer sees the same.
    auto peer = rig->Start(rig->internet, {"nc", "-n", "-v", "-l", kNet, "8080"}, "peer.log");
    ASSERT_TRUE(peer->WaitFor("Listening")) << peer->Log();
    CommandResult probe = rig->RunResoa(client, "exec " + kProbe + " " + kNet + " 8080 9", 20);
    EXPECT_EQ(probe.exitCode, 0) << probe.output << rig->DaemonLogs();
    EXPECT_NE(probe.output.find("local=" + own + ":"), std::string::npos) << probe.output;
    EXPECT_TRUE(peer->WaitFor("Connection received on " + own, 5)) << peer->Log();

    // The Internet host connects to a listener in the client, at the leased address.
    WriteRandomFile(dir + "/in.bin", 1024 * 1024 + 13, 5);
    auto listener =
        rig->Start(client.ns,
                   {"sh", "-c", rig->ResoaEnv(client) + " nc -n -l -N 7000 > " + dir + "/got.bin"},
                   "listener.log");
    CommandResult push = rig->PushFromInternet(own, 7000, dir + "/in.bin");
    EXPECT_EQ(push.exitCode, 0) << push.output << listener->Log() << rig->DaemonLogs();
    EXPECT_EQ(listener->Wait(), 0) << listener->Log();
    EXPECT_EQ(Sha256Of(dir + "/got.bin"), Sha256Of(dir + "/in.bin"));

    // Renewed at T1 (2 s) while the client is registered: dnsmasq ACKs the same address.
    EXPECT_TRUE(rig->serverd->WaitFor(": renewed " + own, 6)) << rig->DaemonLogs();
    EXPECT_TRUE(dnsmasq->WaitFor("DHCPACK(d0) " + own + " " + kClientMac, 1)) << dnsmasq->Log();
    EXPECT_GE(Count(dnsmasq->Log(), "DHCPACK(d0) " + own), 2) << dnsmasq->Log();

    std::cout << "[ measure  ] " << Count(dnsmasq->Log(), "DHCPACK(d0) " + own) - 1
              << " renewal(s) ACKed by dnsmasq while the client was registered\n";

    // The client dies: after the LHP dead timeout (2 s) the lease is released.
    const auto killed = std::chrono::steady_clock::now();
    client.clientd->Signal(SIGKILL);
    EXPECT_TRUE(Eventually([&] { return LeaseOf(leases, kClientMac).empty(); }, 8))
        << ReadWholeFile(leases) << dnsmasq->Log() << rig->DaemonLogs();
    const double released =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
    EXPECT_NE(dnsmasq->Log().find("DHCPRELEASE(d0) " + own + " " + kClientMac), std::string::npos)
        << dnsmasq->Log();
    EXPECT_EQ(ServerAddresses().find("inet " + own + "/"), std::string::npos) << ServerAddresses();
    std::cout << "[ measure  ] lease released " << released << " s after SIGKILL of clientd\n";
    // serverd's counters agree: nothing held, one DHCPRELEASE, the renewals sent.
    rig->serverd->Stop();
    const std::string stats = rig->serverd->Log();
    EXPECT_NE(stats.find(" dhcp_leases=0 "), std::string::npos) << stats;
    EXPECT_NE(stats.find(" dhcp_releases=1 "), std::string::npos) << stats;
    EXPECT_EQ(stats.find(" dhcp_renewals=0 "), std::string::npos) << stats;
}

TEST_F(ResoaDhcp, NoDhcpServerRefusesOrFallsBackToNTo1AsConfigured)
{
    // Refuse (the default): the registration fails with EADDRNOTAVAIL after the timeout.
    StartServerd({"--address-mode", "1-to-1", "--dhcp-timeout-ms", "1500"});
    ProgramRig::Client& refused = rig->StartResoaClient({"--address-mode", "1-to-1"});
    EXPECT_TRUE(refused.clientd->WaitFor("registered: errno 99", 10))
        << refused.clientd->Log() << rig->DaemonLogs();
    EXPECT_TRUE(rig->serverd->WaitFor("no DHCP lease, registration refused (EADDRNOTAVAIL)", 1))
        << rig->DaemonLogs();
    EXPECT_EQ(Count(rig->serverd->Log(), "registered n-to-1 instead"), 0);
    refused.clientd->Stop();
    rig->serverd->Stop();

    // Fallback: the same client is registered n-to-1, with the server's address.
    StartServerd(
        {"--address-mode", "mixed", "--dhcp-fallback", "n-to-1", "--dhcp-timeout-ms", "1500"});
    ProgramRig::Client& fallback = rig->AddResoaClient({"--address-mode", "1-to-1"});
    EXPECT_EQ(fallback.publicAddress, ProgramRig::kServerAddress) << rig->DaemonLogs();
    EXPECT_TRUE(rig->serverd->WaitFor("no DHCP lease, registered n-to-1 instead", 1))
        << rig->DaemonLogs();
    auto peer = rig->Start(rig->internet, {"nc", "-n", "-v", "-l", kNet, "8080"}, "peer.log");
    ASSERT_TRUE(peer->WaitFor("Listening")) << peer->Log();
    CommandResult probe = rig->RunResoa(fallback, "exec " + kProbe + " " + kNet + " 8080 9", 20);
    EXPECT_NE(probe.output.find("local=" + std::string(ProgramRig::kServerAddress) + ":"),
              std::string::npos)
        << probe.output;
}

TEST_F(ResoaDhcp, AnExhaustedPoolGivesTheSecondClientNTo1)
{
    const std::string leases = dir + "/leases";
    StartDnsmasq("198.51.100.50", "198.51.100.50", leases); // one address
    StartServerd(
        {"--address-mode", "mixed", "--dhcp-fallback", "n-to-1", "--dhcp-timeout-ms", "2000"});
    ProgramRig::Client& first = rig->AddResoaClient({"--address-mode", "1-to-1"});
    EXPECT_EQ(first.publicAddress, "198.51.100.50") << rig->DaemonLogs();
    ProgramRig::Client& second = rig->AddResoaClient({"--address-mode", "1-to-1"});
    EXPECT_EQ(second.publicAddress, ProgramRig::kServerAddress) << rig->DaemonLogs();
    // dnsmasq saw the second MAC and had nothing to offer it.
    EXPECT_NE(dnsmasq->Log().find("DHCPDISCOVER(d0) " + kSecondMac + " no address available"),
              std::string::npos)
        << dnsmasq->Log();
    EXPECT_NE(LeaseOf(leases, kClientMac).find(" 198.51.100.50 "), std::string::npos);
    EXPECT_EQ(LeaseOf(leases, kSecondMac), "");
}

TEST_F(ResoaDhcp, ANakedRenewalEndsTheSessionAndTheClientRegistersAgain)
{
    StartDnsmasq("198.51.100.50", "198.51.100.50", dir + "/leases");
    StartServerd({"--address-mode", "1-to-1"});
    ProgramRig::Client& client = rig->AddResoaClient({"--address-mode", "1-to-1"});
    ASSERT_EQ(client.publicAddress, "198.51.100.50") << rig->DaemonLogs();

    // The DHCP server is replaced by one that hands out another range and has no record
    // of the lease: it NAKs the next renewal (at most T1 = 2 s later).
    dnsmasq->Stop();
    StartDnsmasq("198.51.100.60", "198.51.100.60", dir + "/leases-new", true);
    EXPECT_TRUE(rig->serverd->WaitFor("lost (NAK) 198.51.100.50", 6)) << rig->DaemonLogs();
    EXPECT_TRUE(rig->serverd->WaitFor("lease of 198.51.100.50 lost, session ends", 1));
    // The client sees its link closed and registers again, with an address of the new range.
    EXPECT_TRUE(client.clientd->WaitFor("public address 198.51.100.60", 10))
        << client.clientd->Log() << rig->DaemonLogs();
    EXPECT_NE(LeaseOf(dir + "/leases-new", kClientMac).find(" 198.51.100.60 "), std::string::npos)
        << ReadWholeFile(dir + "/leases-new");
    EXPECT_TRUE(Eventually(
        [&] { return ServerAddresses().find("inet 198.51.100.50/") == std::string::npos; }, 2))
        << ServerAddresses();
}

TEST_F(ResoaDhcp, AnExpiredLeaseEndsTheSessionAndItsAddress)
{
    auto server = rig->Start(
        dhcp,
        {"/usr/bin/python3", "-u", kOneLease, "d0", "198.51.100.3", "198.51.100.70", "4"},
        "one-lease.log");
    ASSERT_TRUE(server->WaitFor("ready")) << server->Log();
    StartServerd({"--address-mode", "1-to-1", "--dhcp-timeout-ms", "1500"});
    ProgramRig::Client& client = rig->AddResoaClient({"--address-mode", "1-to-1"});
    const auto bound = std::chrono::steady_clock::now();
    ASSERT_EQ(client.publicAddress, "198.51.100.70") << server->Log() << rig->DaemonLogs();
    EXPECT_NE(ServerAddresses().find("inet 198.51.100.70/24"), std::string::npos)
        << ServerAddresses();

    // The renewals from T1 (2 s) on go unanswered; the lease ends 4 s after its REQUEST.
    EXPECT_TRUE(rig->serverd->WaitFor("lost (expired) 198.51.100.70", 8))
        << server->Log() << rig->DaemonLogs();
    const double expired =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - bound).count();
    EXPECT_TRUE(server->WaitFor("REQUEST ignored", 1)) << server->Log();
    EXPECT_TRUE(rig->serverd->WaitFor("lease of 198.51.100.70 lost, session ends", 1));
    EXPECT_TRUE(Eventually(
        [&] { return ServerAddresses().find("inet 198.51.100.70/") == std::string::npos; }, 2))
        << ServerAddresses();
    // The client's link was closed: it registers again, gets no lease and is refused.
    EXPECT_TRUE(client.clientd->WaitFor("registered: errno 99", 10))
        << client.clientd->Log() << rig->DaemonLogs();
    std::cout << "[ measure  ] lease expired " << expired
              << " s after the client registered (lease 4 s, renewals unanswered)\n";
}

} // namespace
} // namespace test
} // namespace resoa
