/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * NetnsFixture: what it builds is there, the client has no IP address, and nothing is left
 * behind, even when a test fails or a socket still holds a namespace.
 */
#include "netns-fixture.h"
#include "packet-link.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace resoa
{
namespace test
{
namespace
{

/// Namespaces of this process now.
std::vector<std::string>
OurNamespaces()
{
    std::vector<std::string> ours;
    for (const std::string& name : NetnsFixture::ListNamespaces())
    {
        if (name.rfind(NetnsFixture::NamePrefix(), 0) == 0)
        {
            ours.push_back(name);
        }
    }
    return ours;
}

bool
Contains(const std::vector<std::string>& names, const std::string& name)
{
    return std::find(names.begin(), names.end(), name) != names.end();
}

class NetnsFixtureTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto reason = NetnsFixture::SkipReason())
        {
            GTEST_SKIP() << *reason;
        }
    }
};

TEST_F(NetnsFixtureTest, LeavesNoNamespaceOrVethBehind)
{
    // Only this process's names: parallel tests come and go in the same list.
    ASSERT_TRUE(OurNamespaces().empty());
    int heldNamespace = -1;
    std::string client;
    {
        NetnsFixture fixture;
        client = fixture.AddNamespace("client");
        const std::string server = fixture.AddNamespace("server");
        EXPECT_EQ(client, NetnsFixture::NamePrefix() + "client");
        fixture.AddVeth(client, "lhp0", server, "lhp0");
        EXPECT_TRUE(Contains(NetnsFixture::ListNamespaces(), client));
        EXPECT_TRUE(Contains(NetnsFixture::ListNamespaces(), server));
        // Keep the client namespace alive past the fixture, with an fd and an open socket
        // inside it: the veth must go anyway.
        heldNamespace = ::open(("/var/run/netns/" + client).c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(heldNamespace, 0);
        realnet::PacketLink link =
            fixture.RunIn(client, [] { return realnet::PacketLink("lhp0"); });
        EXPECT_GT(link.GetIfIndex(), 0);
    }
    EXPECT_TRUE(OurNamespaces().empty());
    EXPECT_FALSE(Contains(NetnsFixture::ListNamespaces(), client));
    EXPECT_EQ(::if_nametoindex("lhp0"), 0u) << "a veth end in the host namespace";

    // Look inside the dead-but-held namespace: the veth is gone.
    unsigned index = 1;
    std::thread look(
        [&]
        {
            if (::setns(heldNamespace, CLONE_NEWNET) == 0)
            {
                index = ::if_nametoindex("lhp0");
            }
        });
    look.join();
    ::close(heldNamespace);
    EXPECT_EQ(index, 0u) << "a veth survived in " << client;
}

TEST_F(NetnsFixtureTest, CleansUpWhenTheTestThrows)
{
    std::string name;
    try
    {
        NetnsFixture fixture;
        name = fixture.AddNamespace("client");
        fixture.AddVeth(name, "a0", fixture.AddNamespace("server"), "b0");
        throw std::runtime_error("assertion failed mid-test");
    }
    catch (const std::runtime_error&)
    {
    }
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(OurNamespaces().empty());
}

TEST_F(NetnsFixtureTest, ClientNamespaceHasNoIpAddress)
{
    NetnsFixture fixture;
    const std::string client = fixture.AddNamespace("client");
    const std::string server = fixture.AddNamespace("server");
    fixture.AddVeth(client, "lhp0", server, "lhp0");
    fixture.AddAddress(server, "lhp0", "192.0.2.1/24");

    // Every address in the client namespace is on loopback.
    const std::string addresses = fixture.Ip(client, {"-o", "addr", "show"});
    std::istringstream lines(addresses);
    std::string line;
    int count = 0;
    while (std::getline(lines, line))
    {
        ++count;
        EXPECT_NE(line.find(" lo "), std::string::npos) << "non-loopback address: " << line;
    }
    EXPECT_GE(count, 1) << "loopback should be up with 127.0.0.1";
    EXPECT_NE(fixture.Ip(client, {"link", "show", "lo"}).find("UP"), std::string::npos);
    EXPECT_NE(fixture.Ip(server, {"-o", "addr", "show", "lhp0"}).find("192.0.2.1/24"),
              std::string::npos);
}

TEST_F(NetnsFixtureTest, RunInReturnsTheResultAndRethrows)
{
    NetnsFixture fixture;
    const std::string client = fixture.AddNamespace("client");
    const std::string server = fixture.AddNamespace("server");
    fixture.AddVeth(client, "resoa-only0", server, "resoa-only1");
    EXPECT_GT(fixture.RunIn(client, [] { return ::if_nametoindex("resoa-only0"); }), 0u);
    EXPECT_EQ(fixture.RunIn(client, [] { return ::if_nametoindex("resoa-only1"); }), 0u);
    EXPECT_EQ(::if_nametoindex("resoa-only0"), 0u) << "the calling thread stayed in its namespace";
    EXPECT_THROW(fixture.RunIn(client, []() -> int { throw std::logic_error("inside"); }),
                 std::logic_error);
}

TEST_F(NetnsFixtureTest, NamesAreUniqueWithinTheProcess)
{
    NetnsFixture a;
    NetnsFixture b;
    const std::string first = a.AddNamespace("client");
    const std::string second = b.AddNamespace("client");
    EXPECT_NE(first, second);
    EXPECT_EQ(second, NetnsFixture::NamePrefix() + "client-2");
}

TEST_F(NetnsFixtureTest, StaleNamespacesOfDeadProcessesAreRemoved)
{
    // A pid that surely is gone: a child that has exited and been reaped.
    const pid_t pid = ::fork();
    if (pid == 0)
    {
        ::_exit(0);
    }
    ASSERT_GT(pid, 0);
    ::waitpid(pid, nullptr, 0);
    const std::string stale = "resoa-t" + std::to_string(pid) + "-client";
    ASSERT_EQ(RunCommand({"ip", "netns", "add", stale}).exitCode, 0);
    // A parallel test process may be removing it at the same moment (every fixture calls
    // RemoveStale once), so allow a few rounds for the two deleters to settle.
    bool gone = false;
    for (int round = 0; round < 5 && !gone; ++round)
    {
        NetnsFixture::RemoveStale();
        gone = !Contains(NetnsFixture::ListNamespaces(), stale);
        if (!gone)
        {
            ::usleep(100000);
        }
    }
    EXPECT_TRUE(gone);
    RunCommand({"ip", "netns", "del", stale}); // in case the check above failed
}

} // namespace
} // namespace test
} // namespace resoa
