/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Name resolution by the server: the shim's Resolve format (shim-resolve.h), serverd's
 * AsyncResolver, and end to end: unmodified curl, wget and getent in a client namespace
 * with no IP address (and no resolver of its own) reach "files.resoa.test", which only a
 * dnsmasq in the `internet` namespace knows and only the server namespace asks.
 */
#include "async-resolver.h"
#include "event-loop.h"
#include "netns-fixture.h"
#include "program-rig.h"
#include "shim-protocol.h"
#include "shim-resolve.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

namespace resoa
{
namespace test
{
namespace
{

using realnet::AsyncResolver;
using realnet::ShimAddress;
using realnet::ShimResolveReply;
using realnet::ShimResolveRequest;

const std::string kClientd = RESOA_CLIENTD_PATH;
const std::string kServerd = RESOA_SERVERD_PATH; // empty when serverd is not built
const std::string kPreload = RESOA_PRELOAD_PATH;
const std::string kResoaRun = RESOA_RUN_PATH;

// --- the shim's Resolve format ---

ShimAddress
Shim4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
{
    ShimAddress s;
    s.family = 4;
    s.addr[0] = a;
    s.addr[1] = b;
    s.addr[2] = c;
    s.addr[3] = d;
    return s;
}

TEST(ShimResolve, RequestRoundTripAndStrictDecoding)
{
    ShimResolveRequest q;
    q.family = 6;
    q.flags = realnet::kShimResolveCanonName;
    q.name = "files.resoa.test";
    std::vector<std::uint8_t> b;
    ASSERT_TRUE(realnet::EncodeShimResolveRequest(q, b));
    ASSERT_EQ(b.size(), 6u + 16u);
    EXPECT_EQ(b[0], realnet::kShimVersion);
    EXPECT_EQ(b[1], static_cast<std::uint8_t>(realnet::ShimType::Resolve));
    EXPECT_TRUE(realnet::IsShimResolve(b.data(), b.size()));
    ShimResolveRequest d;
    ASSERT_TRUE(realnet::DecodeShimResolveRequest(b.data(), b.size(), d));
    EXPECT_EQ(d.family, 6);
    EXPECT_EQ(d.flags, realnet::kShimResolveCanonName);
    EXPECT_EQ(d.name, q.name);

    // The fixed-size decoder refuses the type: it has a format of its own.
    std::vector<std::uint8_t> fixed(realnet::kShimMessageSize, 0);
    fixed[0] = realnet::kShimVersion;
    fixed[1] = static_cast<std::uint8_t>(realnet::ShimType::Resolve);
    realnet::ShimMessage m;
    EXPECT_FALSE(realnet::DecodeShimMessage(fixed.data(), fixed.size(), m));

    auto bad = [&](std::size_t at, std::uint8_t v)
    {
        auto x = b;
        x[at] = v;
        return !realnet::DecodeShimResolveRequest(x.data(), x.size(), d);
    };
    EXPECT_TRUE(bad(0, 2));  // version
    EXPECT_TRUE(bad(2, 1));  // a reply flag on a request
    EXPECT_TRUE(bad(3, 5));  // family
    EXPECT_TRUE(bad(4, 2));  // unknown resolve flag
    EXPECT_TRUE(bad(5, 15)); // length not the frame's
    EXPECT_TRUE(bad(5, 0));  // empty name
    EXPECT_TRUE(bad(10, 0)); // NUL in the name
    auto longer = b;
    longer.push_back('x');
    EXPECT_FALSE(realnet::DecodeShimResolveRequest(longer.data(), longer.size(), d));
    EXPECT_FALSE(realnet::DecodeShimResolveRequest(b.data(), 5, d));

    q.name = std::string(256, 'a');
    EXPECT_FALSE(realnet::EncodeShimResolveRequest(q, b));
    q.name = "";
    EXPECT_FALSE(realnet::EncodeShimResolveRequest(q, b));
}

TEST(ShimResolve, ReplyRoundTripAndStrictDecoding)
{
    ShimResolveReply r;
    r.addresses.push_back(Shim4(198, 51, 100, 2));
    ShimAddress v6;
    v6.family = 6;
    v6.addr[0] = 0x20;
    v6.addr[15] = 2;
    r.addresses.push_back(v6);
    r.canonicalName = "files.resoa.test";
    auto b = realnet::EncodeShimResolveReply(r);
    ASSERT_EQ(b.size(), 8u + 2 * realnet::kShimAddressSize + 1 + 16);
    ShimResolveReply d;
    ASSERT_TRUE(realnet::DecodeShimResolveReply(b.data(), b.size(), d));
    EXPECT_EQ(d.error, 0);
    ASSERT_EQ(d.addresses.size(), 2u);
    EXPECT_EQ(d.addresses[0], r.addresses[0]);
    EXPECT_EQ(d.addresses[1], v6);
    EXPECT_EQ(d.canonicalName, r.canonicalName);

    auto bad = [&](std::size_t at, std::uint8_t v)
    {
        auto x = b;
        x[at] = v;
        return !realnet::DecodeShimResolveReply(x.data(), x.size(), d);
    };
    EXPECT_TRUE(bad(2, 0));  // no reply flag
    EXPECT_TRUE(bad(3, 17)); // too many addresses
    EXPECT_TRUE(bad(3, 0));  // success without addresses
    EXPECT_TRUE(bad(8, 5));  // address family
    EXPECT_TRUE(bad(13, 1)); // a byte IPv4 does not use
    EXPECT_TRUE(bad(26, 1)); // a port (services are the shim's)
    EXPECT_TRUE(bad(47, 0)); // NUL in the name
    auto cut = b;
    cut.pop_back();
    EXPECT_FALSE(realnet::DecodeShimResolveReply(cut.data(), cut.size(), d));

    // Errors carry nothing; more than 16 addresses are cut by the encoder.
    ShimResolveReply e;
    e.error = EAI_NONAME;
    e.addresses = r.addresses;
    e.canonicalName = "x";
    b = realnet::EncodeShimResolveReply(e);
    ASSERT_TRUE(realnet::DecodeShimResolveReply(b.data(), b.size(), d));
    EXPECT_EQ(d.error, EAI_NONAME);
    EXPECT_TRUE(d.addresses.empty());
    EXPECT_TRUE(d.canonicalName.empty());
    ShimResolveReply many;
    for (int i = 0; i < 20; ++i)
    {
        many.addresses.push_back(Shim4(10, 0, 0, static_cast<std::uint8_t>(i)));
    }
    b = realnet::EncodeShimResolveReply(many);
    ASSERT_TRUE(realnet::DecodeShimResolveReply(b.data(), b.size(), d));
    EXPECT_EQ(d.addresses.size(), realnet::kShimMaxResolved);
}

// --- serverd's resolver ---

TEST(AsyncResolver, MapsGetaddrinfoErrors)
{
    EXPECT_EQ(AsyncResolver::MapGaiError(0, 0), 0);
    EXPECT_EQ(AsyncResolver::MapGaiError(EAI_NONAME, 0), ep_resolve::kEaiNoname);
    EXPECT_EQ(AsyncResolver::MapGaiError(EAI_AGAIN, 0), ep_resolve::kEaiAgain);
    EXPECT_EQ(AsyncResolver::MapGaiError(EAI_SYSTEM, ENOMEM), ENOMEM);
    EXPECT_EQ(AsyncResolver::MapGaiError(EAI_SYSTEM, 0), ep_resolve::kEaiFail);
    EXPECT_EQ(AsyncResolver::MapGaiError(EAI_SERVICE, 0), ep_resolve::kEaiFail);
    EXPECT_EQ(AsyncResolver::MapGaiError(EAI_BADFLAGS, 0), ep_resolve::kEaiFail);
}

TEST(AsyncResolver, AnswersInTheLoopThreadWithoutBlockingIt)
{
    realnet::EventLoop loop;
    std::vector<realnet::ResolverAnswer> answers;
    const auto loopThread = std::this_thread::get_id();
    realnet::AsyncResolverConfig cfg;
    cfg.threads = 2;
    cfg.maxQueued = 3;
    AsyncResolver resolver(
        loop,
        [&](realnet::ResolverAnswer&& a)
        {
            EXPECT_EQ(std::this_thread::get_id(), loopThread);
            answers.push_back(std::move(a));
            if (answers.size() == 4)
            {
                loop.Stop();
            }
        },
        cfg);
    auto request = [](std::uint32_t id, const std::string& name, std::uint8_t family)
    {
        EpResolveRequest r;
        r.sessionId = 9;
        r.requestId = id;
        r.name = name;
        r.family = family;
        r.flags = kEpResolveCanonName;
        return r;
    };
    resolver.Submit(request(1, "192.0.2.7", 0)); // numeric: no lookup at all
    resolver.Submit(request(2, "localhost", 4)); // /etc/hosts of this host
    resolver.Submit(request(3, "192.0.2.8", 6)); // an IPv4 literal asked as IPv6
    resolver.Submit(request(4, "192.0.2.9", 0)); // beyond maxQueued: EAI_AGAIN at once
    loop.SetTimer(realnet::EventLoop::Now() + std::chrono::seconds(10));
    loop.SetTimerCallback([&] { loop.Stop(); });
    loop.Run();
    ASSERT_EQ(answers.size(), 4u);
    std::map<std::uint32_t, realnet::ResolverAnswer> byId;
    for (auto& a : answers)
    {
        EXPECT_EQ(a.sessionId, 9u);
        byId[a.requestId] = a;
    }
    ASSERT_EQ(byId.size(), 4u);
    EXPECT_EQ(byId[1].error, 0);
    ASSERT_EQ(byId[1].addresses.size(), 1u);
    EXPECT_EQ(byId[1].addresses[0], EpAddress::Ipv4(0xC0000207, 0));
    EXPECT_EQ(byId[2].error, 0);
    ASSERT_FALSE(byId[2].addresses.empty());
    EXPECT_EQ(byId[2].addresses[0], EpAddress::Ipv4(0x7F000001, 0));
    EXPECT_EQ(byId[2].canonicalName, "localhost");
    EXPECT_NE(byId[3].error, 0);
    EXPECT_EQ(byId[4].error, ep_resolve::kEaiAgain);
    EXPECT_EQ(resolver.GetStats().refused, 1u);
    EXPECT_EQ(resolver.GetStats().answered, 4u);
}

// --- end to end ---

bool
Exists(const std::string& path)
{
    return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

std::string
FindProgram(const std::string& name)
{
    for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"})
    {
        if (Exists(dir + name))
        {
            return dir + name;
        }
    }
    return "";
}

/// A background program inside a namespace, stopped (SIGTERM, then SIGKILL) on scope exit.

std::string
Sha256(const std::string& path)
{
    CommandResult r = RunCommand({"sha256sum", path});
    std::istringstream in(r.output);
    std::string sum;
    in >> sum;
    return r.exitCode == 0 ? sum : "";
}

/**
 * client (no IP, no resolver) --LHP-- server (198.51.100.1, resolv.conf -> 198.51.100.2)
 * --IP-- internet (198.51.100.2: HTTP and dnsmasq, which alone knows files.resoa.test).
 */
class ResolverEndToEnd : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto why = NetnsFixture::SkipReason())
        {
            GTEST_SKIP() << *why;
        }
        if (!Exists(kServerd))
        {
            GTEST_SKIP() << "resoa-serverd not built";
        }
        dnsmasq = FindProgram("dnsmasq");
        if (dnsmasq.empty())
        {
            GTEST_SKIP() << "dnsmasq not installed (Debian package dnsmasq-base)";
        }
        dir = "/tmp/" + NetnsFixture::NamePrefix() + "resolver";
        RunCommand({"rm", "-rf", dir});
        RunCommand({"mkdir", "-p", dir + "/www"});
        client = net.AddNamespace("client");
        server = net.AddNamespace("server");
        internet = net.AddNamespace("internet");
        net.AddVeth(client, "c0", server, "s0", "02:00:00:bb:00:01", "02:00:00:bb:00:02");
        net.AddVeth(server, "s1", internet, "i0");
        net.AddAddress(server, "s1", "198.51.100.1/24");
        net.AddAddress(internet, "i0", "198.51.100.2/24");
        // `ip netns exec SERVER` bind-mounts this over /etc/resolv.conf for serverd alone.
        etcNetns = "/etc/netns/" + server;
        RunCommand({"mkdir", "-p", etcNetns});
        std::ofstream(etcNetns + "/resolv.conf") << "nameserver 198.51.100.2\n"
                                                 << "options timeout:2 attempts:1\n";
    }

    void TearDown() override
    {
        if (!etcNetns.empty())
        {
            RunCommand({"rm", "-rf", etcNetns});
        }
        if (!dir.empty())
        {
            RunCommand({"rm", "-rf", dir});
        }
    }

    /// Runs \p argv through resoa-run in the client namespace.
    CommandResult InClient(const std::vector<std::string>& argv)
    {
        std::vector<std::string> all = {"ip",
                                        "netns",
                                        "exec",
                                        client,
                                        "env",
                                        "RESOA_CLIENTD_SOCKET=" + socket,
                                        "RESOA_PRELOAD=" + kPreload,
                                        kResoaRun};
        all.insert(all.end(), argv.begin(), argv.end());
        return RunCommand(all);
    }

    NetnsFixture net;
    std::string dnsmasq;
    std::string dir;
    std::string etcNetns;
    std::string client;
    std::string server;
    std::string internet;
    std::string socket;
};

TEST_F(ResolverEndToEnd, UnmodifiedCurlWgetAndGetentResolveThroughTheServer)
{
    std::string blob(512 * 1024 + 77, '\0');
    std::mt19937 rng(7);
    for (char& c : blob)
    {
        c = static_cast<char>(rng());
    }
    std::ofstream(dir + "/www/file", std::ios::binary) << blob;
    const std::string want = Sha256(dir + "/www/file");
    ASSERT_EQ(want.size(), 64u);

    Background dns(internet,
                   {dnsmasq,
                    "--no-daemon",
                    "--conf-file=/dev/null",
                    "--no-resolv",
                    "--no-hosts",
                    "--bind-interfaces",
                    "--listen-address=198.51.100.2",
                    "-p",
                    "53",
                    "--pid-file=" + dir + "/dnsmasq.pid",
                    "--address=/files.resoa.test/198.51.100.2",
                    "--address=/missing.resoa.test/",
                    "--log-queries",
                    "--log-facility=-"},
                   dir + "/dnsmasq.log");
    Background http(internet,
                    {"/usr/bin/python3",
                     "-u",
                     "-m",
                     "http.server",
                     "8080",
                     "--bind",
                     "198.51.100.2",
                     "--directory",
                     dir + "/www"},
                    dir + "/http.log");
    Background serverd(server,
                       {kServerd, "--interface", "s0", "--public-address", "198.51.100.1"},
                       dir + "/serverd.log");
    socket = dir + "/clientd.sock";
    Background clientd(client,
                       {kClientd,
                        "--interface",
                        "c0",
                        "--server-mac",
                        "02:00:00:bb:00:02",
                        "--unix-socket",
                        socket},
                       dir + "/clientd.log");
    ASSERT_TRUE(dns.WaitFor("started")) << dns.Log();
    ASSERT_TRUE(http.WaitFor("Serving HTTP")) << http.Log();
    ASSERT_TRUE(clientd.WaitFor("registered: errno 0, public address 198.51.100.1"))
        << clientd.Log() << serverd.Log();

    // The client namespace has no route and no name server: only ReSoA can answer.
    EXPECT_EQ(net.Ip(client, {"-4", "addr", "show", "dev", "c0"}).find("inet"), std::string::npos);

    const std::string url = "http://files.resoa.test:8080/file";
    CommandResult curl =
        InClient({"curl", "-sS", "--max-time", "20", "-o", dir + "/curl.out", url});
    ASSERT_EQ(curl.exitCode, 0) << curl.output << clientd.Log() << serverd.Log() << dns.Log();
    EXPECT_EQ(Sha256(dir + "/curl.out"), want);

    CommandResult wget =
        InClient({"wget", "-q", "-T", "20", "-t", "1", "-O", dir + "/wget.out", url});
    ASSERT_EQ(wget.exitCode, 0) << wget.output << clientd.Log() << serverd.Log() << dns.Log();
    EXPECT_EQ(Sha256(dir + "/wget.out"), want);

    // The server asked the name server, from its own address; the client never did.
    EXPECT_TRUE(dns.WaitFor("files.resoa.test from 198.51.100.1")) << dns.Log();
    // The HTTP server saw the server's public address.
    EXPECT_TRUE(http.WaitFor("198.51.100.1 - -")) << http.Log();

    // getaddrinfo (getent ahosts) and gethostbyname2 (getent hosts) through the shim.
    CommandResult ahosts = InClient({"getent", "ahosts", "files.resoa.test"});
    EXPECT_EQ(ahosts.exitCode, 0) << ahosts.output;
    EXPECT_NE(ahosts.output.find("198.51.100.2"), std::string::npos) << ahosts.output;
    CommandResult hosts = InClient({"getent", "hosts", "files.resoa.test"});
    EXPECT_EQ(hosts.exitCode, 0) << hosts.output;
    EXPECT_NE(hosts.output.find("198.51.100.2"), std::string::npos) << hosts.output;

    // A name the DNS does not know: curl reports "could not resolve host" (exit 6).
    CommandResult missing =
        InClient({"curl", "-sS", "--max-time", "20", "http://missing.resoa.test:8080/file"});
    EXPECT_EQ(missing.exitCode, 6) << missing.output;
    // Numeric hosts never leave the client.
    CommandResult numeric = InClient(
        {"curl", "-sS", "--max-time", "20", "-o", "/dev/null", "http://198.51.100.2:8080/file"});
    EXPECT_EQ(numeric.exitCode, 0) << numeric.output;

    EXPECT_EQ(clientd.Stop(), 0) << clientd.Log();
    EXPECT_EQ(serverd.Stop(), 0) << serverd.Log();
}

TEST_F(ResolverEndToEnd, WithoutAnswersFromTheNameServerCurlFailsInBoundedTime)
{
    // No dnsmasq: the server's resolver times out (resolv.conf: 2 s, 1 attempt).
    Background serverd(server,
                       {kServerd, "--interface", "s0", "--public-address", "198.51.100.1"},
                       dir + "/serverd.log");
    socket = dir + "/clientd.sock";
    Background clientd(client,
                       {kClientd,
                        "--interface",
                        "c0",
                        "--server-mac",
                        "02:00:00:bb:00:02",
                        "--unix-socket",
                        socket},
                       dir + "/clientd.log");
    ASSERT_TRUE(clientd.WaitFor("registered: errno 0")) << clientd.Log() << serverd.Log();
    auto start = std::chrono::steady_clock::now();
    CommandResult curl =
        InClient({"curl", "-sS", "--max-time", "30", "http://files.resoa.test:8080/file"});
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(curl.exitCode, 6) << curl.output;
    EXPECT_LT(seconds, 15.0) << curl.output << clientd.Log() << serverd.Log();
}

} // namespace
} // namespace test
} // namespace resoa
