/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The daemons' configuration: file + flags precedence, every bad value named, --help and
 * --check-config.
 */
#include "config-parser.h"
#include "config-values.h"
#include "daemon-config.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace resoa
{
namespace test
{
namespace
{

using namespace realnet;

/// A config file in the test's temporary directory, removed afterwards.
class TempFile
{
  public:
    explicit TempFile(const std::string& text)
        : m_path(::testing::TempDir() + "resoa-config-" + std::to_string(::getpid()) + "-" +
                 std::to_string(s_counter++) + ".conf")
    {
        std::ofstream(m_path) << text;
    }
    ~TempFile()
    {
        ::unlink(m_path.c_str());
    }
    const std::string& Path() const
    {
        return m_path;
    }

  private:
    static inline int s_counter = 0;
    std::string m_path;
};

/// argv for the Load functions.
struct Args
{
    explicit Args(std::vector<std::string> args)
        : strings(std::move(args))
    {
        strings.insert(strings.begin(), "resoa-test");
        for (const auto& s : strings)
        {
            pointers.push_back(s.c_str());
        }
    }
    int Argc() const
    {
        return static_cast<int>(pointers.size());
    }
    std::vector<std::string> strings;
    std::vector<const char*> pointers;
};

struct Loaded
{
    std::optional<int> exit;
    ServerConfig config;
    std::string out;
    std::string err;
};

Loaded
LoadServer(const std::vector<std::string>& args)
{
    Args a(args);
    Loaded result;
    std::ostringstream out;
    std::ostringstream err;
    result.exit = LoadServerConfig(a.Argc(), a.pointers.data(), result.config, out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
}

std::string
ClientError(const std::vector<std::string>& args)
{
    Args a(args);
    ClientConfig config;
    std::ostringstream out;
    std::ostringstream err;
    const auto exit = LoadClientConfig(a.Argc(), a.pointers.data(), config, out, err);
    return exit == 2 ? err.str() : "exit " + (exit ? std::to_string(*exit) : "none");
}

const std::string kMinimalServer = "interface = eth0\npublic-address = 198.51.100.1\n";

TEST(DaemonConfig, FlagsOverrideTheFile)
{
    TempFile file("# resoa-serverd test config\n"
                  "\n"
                  "interface = eth0   # the access network\n"
                  "public-address = 198.51.100.1\n"
                  "sockets-per-client = 10\n"
                  "log-level = debug\n"
                  "allow-mac = 02:00:00:00:00:01, 02-00-00-00-00-02\n");
    const Loaded l =
        LoadServer({"--config", file.Path(), "--interface=eth1", "--sockets-per-client", "20"});
    ASSERT_FALSE(l.exit.has_value()) << l.err;
    EXPECT_EQ(l.config.interface, "eth1");         // flag wins
    EXPECT_EQ(l.config.socketsPerClient, 20u);     // flag wins, separate-value form
    EXPECT_EQ(l.config.logLevel, LogLevel::Debug); // from the file
    EXPECT_EQ(l.config.publicAddress, 0xC6336401u);
    ASSERT_EQ(l.config.allowMac.size(), 2u);
    EXPECT_EQ(FormatMac(l.config.allowMac[1]), "02:00:00:00:00:02");
    // Defaults where neither said anything.
    EXPECT_EQ(l.config.addressMode, AddressMode::NTo1);
    EXPECT_TRUE(l.config.allowListen);
    ASSERT_EQ(l.config.allowBindPorts.size(), 1u);
    EXPECT_EQ(l.config.allowBindPorts[0].ToString(), "1024-65535");
    EXPECT_TRUE(l.err.empty());
}

TEST(DaemonConfig, EveryServerKeyParses)
{
    const ServerConfig c = ParseServerConfig(ParseConfigText(
        "interface = lan0\n"
        "public-address = 203.0.113.7\n"
        "address-mode = mixed\n"
        "address-pool = 203.0.113.16/28 203.0.113.40\n"
        "client-mode = 02:00:00:aa:01:02=1-to-1:203.0.113.40, 02:00:00:aa:01:03=1-to-1 "
        "02:00:00:aa:01:04=n-to-1\n"
        "allow-mac =\n"
        "sockets-per-client = 65535\n"
        "max-links = 4096\n"
        "links-per-mac = 2\n"
        "allow-listen = no\n"
        "allow-bind-ports = 8080, 20000-20100\n"
        "allow-destinations = 10.0.0.0/8:80-443, [2001:db8::/32]:443, 192.0.2.1, ::/0\n"
        "log-level = warning\n"
        "pcap = /tmp/serverd.pcap\n"
        "user = nobody\n"
        "dead-timeout-ms = 2500\n"
        "keepalive-interval-ms = 400\n",
        "serverd.conf"));
    EXPECT_EQ(c.addressMode, AddressMode::Mixed);
    ASSERT_EQ(c.addressPool.size(), 2u);
    EXPECT_TRUE(c.addressPool[0].ContainsIpv4(0xCB00711F));  // 203.0.113.31
    EXPECT_FALSE(c.addressPool[0].ContainsIpv4(0xCB007120)); // 203.0.113.32
    EXPECT_EQ(c.addressPool[1].length, 32u);
    ASSERT_EQ(c.clientModes.size(), 3u);
    EXPECT_EQ(FormatMac(c.clientModes[0].mac), "02:00:00:aa:01:02");
    EXPECT_EQ(c.clientModes[0].mode, AddressMode::OneTo1);
    EXPECT_EQ(c.clientModes[0].address, std::optional<std::uint32_t>(0xCB007128)); // .40
    EXPECT_EQ(c.clientModes[1].mode, AddressMode::OneTo1);
    EXPECT_FALSE(c.clientModes[1].address.has_value());
    EXPECT_EQ(c.clientModes[2].ToString(), "02:00:00:aa:01:04=n-to-1");
    EXPECT_TRUE(c.allowMac.empty());
    EXPECT_EQ(c.socketsPerClient, 65535u);
    EXPECT_EQ(c.maxLinks, 4096u);
    EXPECT_EQ(c.linksPerMac, 2u);
    EXPECT_FALSE(c.allowListen);
    ASSERT_EQ(c.allowBindPorts.size(), 2u);
    EXPECT_TRUE(c.allowBindPorts[0].Contains(8080));
    EXPECT_FALSE(c.allowBindPorts[0].Contains(8081));
    EXPECT_TRUE(c.allowBindPorts[1].Contains(20100));
    ASSERT_EQ(c.allowDestinations.size(), 4u);
    EXPECT_EQ(c.allowDestinations[0].ToString(), "10.0.0.0/8:80-443");
    EXPECT_TRUE(c.allowDestinations[0].prefix.ContainsIpv4(0x0A010203));
    EXPECT_FALSE(c.allowDestinations[0].ports.Contains(8080));
    EXPECT_EQ(c.allowDestinations[1].prefix.family, AF_INET6);
    EXPECT_EQ(c.allowDestinations[1].ToString(), "[2001:db8::/32]:443");
    EXPECT_EQ(c.allowDestinations[2].ToString(), "192.0.2.1/32");
    EXPECT_EQ(c.allowDestinations[3].ToString(), "::/0");
    EXPECT_EQ(c.logLevel, LogLevel::Warning);
    EXPECT_EQ(c.pcap, "/tmp/serverd.pcap");
    EXPECT_EQ(c.user, "nobody");
    EXPECT_EQ(c.deadTimeoutMs, 2500u);
    EXPECT_EQ(c.keepaliveIntervalMs, 400u);
}

/// A bad value must be refused with exit 2 and one line naming the key and the value.
struct BadCase
{
    std::string key;
    std::string value;
    std::string expected; //!< part of the explanation
};

TEST(DaemonConfig, EveryBadServerValueIsRejectedNamingTheKey)
{
    const std::vector<BadCase> cases = {
        {"interface", "a-name-of-16-chr", "interface name"},
        {"interface", "eth0:1", "interface name"},
        {"public-address", "198.51.100", "IPv4 address"},
        {"public-address", "2001:db8::1", "IPv4 address"},
        {"address-mode", "n-to-n", "n-to-1, 1-to-1 or mixed"},
        {"address-pool", "203.0.113.0/33", "CIDR prefix"},
        {"address-pool", "2001:db8::/64", "IPv4"},
        {"address-pool", "203.0.113.1/24", "host bits"},
        {"client-mode", "02:00:00:aa:01:02", "MAC=n-to-1, MAC=1-to-1 or MAC=1-to-1:IPV4"},
        {"client-mode", "02:00:00:aa:01=1-to-1", "MAC address"},
        {"client-mode", "02:00:00:aa:01:02=mixed", "n-to-1 or 1-to-1"},
        {"client-mode", "02:00:00:aa:01:02=n-to-1:198.51.100.9", "only with 1-to-1"},
        {"client-mode", "02:00:00:aa:01:02=1-to-1:198.51.100", "IPv4 address"},
        {"client-mode", "", "or 'none'"},
        {"allow-mac", "02:00:00:00:00", "MAC address"},
        {"allow-mac", "02:00:00:00:00:01,zz:00:00:00:00:02", "item 'zz:00:00:00:00:02'"},
        {"sockets-per-client", "0", "from 1 to 65535"},
        {"sockets-per-client", "65536", "from 1 to 65535"},
        {"sockets-per-client", "-3", "integer"},
        {"sockets-per-client", "12abc", "integer"},
        {"max-links", "0", "from 1 to 1048576"},
        {"links-per-mac", "1025", "from 1 to 1024"},
        {"allow-listen", "maybe", "yes or no"},
        {"allow-bind-ports", "0-100", "port range"},
        {"allow-bind-ports", "2000-1000", "port range"},
        {"allow-bind-ports", "70000", "port range"},
        {"allow-bind-ports", "", "or 'none'"},
        {"allow-destinations", "10.0.0.0/8:0-80", "port range"},
        {"allow-destinations", "[2001:db8::/32]443", "[IPV6-PREFIX]:PORTS"},
        {"allow-destinations", "example.com", "CIDR prefix"},
        {"allow-destinations", "", "or 'none'"},
        {"log-level", "verbose", "error, warning, info or debug"},
        {"one-to-one-source", "bootp", "pool or dhcp"},
        {"dhcp-interface", "eth0:1", "interface name"},
        {"dhcp-fallback", "yes", "refuse or n-to-1"},
        {"dhcp-timeout-ms", "99", "from 100 to 600000"},
        {"dead-timeout-ms", "100", "from 200 to 3600000"},
        {"keepalive-interval-ms", "5s", "integer"},
    };
    for (const BadCase& c : cases)
    {
        SCOPED_TRACE(c.key + " = " + c.value);
        // As a flag ...
        const Loaded flag = LoadServer(
            {"--interface=eth0", "--public-address=198.51.100.1", "--" + c.key + "=" + c.value});
        EXPECT_EQ(flag.exit, 2);
        EXPECT_EQ(flag.err.rfind("resoa-serverd: --" + c.key + ": bad value '" + c.value + "'", 0),
                  0u)
            << flag.err;
        EXPECT_NE(flag.err.find(c.expected), std::string::npos) << flag.err;
        EXPECT_EQ(std::count(flag.err.begin(), flag.err.end(), '\n'), 1) << "one line";
        // ... and in a file, where the line number is named too.
        TempFile file(kMinimalServer + c.key + " = " + c.value + "\n");
        const Loaded fromFile = LoadServer({"--config", file.Path()});
        EXPECT_EQ(fromFile.exit, 2);
        EXPECT_NE(fromFile.err.find(file.Path() + ":3: " + c.key + ": bad value"),
                  std::string::npos)
            << fromFile.err;
    }
}

TEST(DaemonConfig, StructuralMistakesAreNamed)
{
    Loaded l = LoadServer({"--interface=eth0", "--public-address=198.51.100.1", "--colour=red"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_EQ(l.err, "resoa-serverd: --colour: unknown key (see --help)\n");

    TempFile noEquals(kMinimalServer + "allow-listen yes\n");
    l = LoadServer({"--config", noEquals.Path()});
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find(noEquals.Path() + ":3: expected 'key = value'"), std::string::npos)
        << l.err;

    l = LoadServer({"--config", "/nonexistent/resoa.conf"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find("/nonexistent/resoa.conf: cannot read config file"), std::string::npos);

    l = LoadServer({"--interface"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_EQ(l.err, "resoa-serverd: --interface: missing value\n");

    l = LoadServer({"--interface", "--check-config"}); // a flag is not a value
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find("--interface: missing value"), std::string::npos);

    l = LoadServer({"eth0"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find("unexpected argument 'eth0'"), std::string::npos);
}

TEST(DaemonConfig, MissingRequiredServerKeysAreNamed)
{
    Loaded l = LoadServer({"--public-address=198.51.100.1"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find("interface: required"), std::string::npos) << l.err;

    l = LoadServer({"--interface=eth0"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find("public-address: required with address-mode n-to-1"), std::string::npos)
        << l.err;

    l = LoadServer({"--interface=eth0", "--address-mode=1-to-1"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find("address-pool: required with address-mode 1-to-1"), std::string::npos)
        << l.err;

    l = LoadServer({"--interface=eth0", "--address-mode=1-to-1", "--address-pool=192.0.2.0/28"});
    EXPECT_FALSE(l.exit.has_value()) << l.err; // 1-to-1 needs no public-address
}

TEST(DaemonConfig, DhcpKeysParseAndTheirMistakesAreNamed)
{
    // 1-to-1 by DHCP needs no pool; the keys mirror ns-3's OneToOneSource and
    // DhcpFallBackToNTo1.
    Loaded l = LoadServer({"--interface=lan0",
                           "--address-mode=mixed",
                           "--public-address=198.51.100.1",
                           "--one-to-one-source=dhcp",
                           "--dhcp-interface=s1",
                           "--dhcp-fallback=n-to-1",
                           "--dhcp-timeout-ms=2500"});
    ASSERT_FALSE(l.exit.has_value()) << l.err;
    EXPECT_EQ(l.config.oneToOneSource, OneToOneSource::Dhcp);
    EXPECT_EQ(l.config.dhcpInterface, "s1");
    EXPECT_TRUE(l.config.dhcpFallBackToNTo1);
    EXPECT_EQ(l.config.dhcpTimeoutMs, 2500u);
    EXPECT_TRUE(l.config.addressPool.empty());

    l = LoadServer({"--interface=lan0",
                    "--address-mode=1-to-1",
                    "--one-to-one-source=dhcp",
                    "--dhcp-interface=s1"});
    ASSERT_FALSE(l.exit.has_value()) << l.err;
    EXPECT_FALSE(l.config.dhcpFallBackToNTo1); // refuse is the default
    EXPECT_EQ(l.config.dhcpTimeoutMs, 10000u); // dnsmasq ping-checks for about 3 s

    const std::string srv = "--interface=lan0";
    l = LoadServer({srv, "--address-mode=1-to-1", "--one-to-one-source=dhcp"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find("dhcp-interface: required with one-to-one-source dhcp"), std::string::npos)
        << l.err;
    l = LoadServer(
        {srv, "--public-address=198.51.100.1", "--one-to-one-source=dhcp", "--dhcp-interface=s1"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find("one-to-one-source: dhcp needs address-mode 1-to-1 or mixed"),
              std::string::npos)
        << l.err;
    l = LoadServer({srv,
                    "--address-mode=1-to-1",
                    "--one-to-one-source=dhcp",
                    "--dhcp-interface=s1",
                    "--dhcp-fallback=n-to-1"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find("dhcp-fallback: n-to-1 needs address-mode mixed"), std::string::npos)
        << l.err;
    l = LoadServer({srv, "--address-mode=1-to-1", "--one-to-one-source=pool"});
    EXPECT_EQ(l.exit, 2);
    EXPECT_NE(l.err.find("address-pool: required with address-mode 1-to-1 (or one-to-one-source "
                         "dhcp)"),
              std::string::npos)
        << l.err;
}

// client-mode entries must name a mode the server offers, a pool address, and no MAC or
// address twice; each mistake is one line naming the entry.
TEST(DaemonConfig, ClientModesMustFitTheAddressModeAndPool)
{
    const std::vector<std::string> base = {"--interface=eth0",
                                           "--public-address=198.51.100.1",
                                           "--address-mode=mixed",
                                           "--address-pool=198.51.100.8/30"};
    const auto load = [&](const std::vector<std::string>& extra)
    {
        std::vector<std::string> args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return LoadServer(args);
    };
    const Loaded good =
        load({"--client-mode=02:00:00:aa:01:02=1-to-1:198.51.100.9 02:00:00:aa:01:01=n-to-1"});
    EXPECT_FALSE(good.exit.has_value()) << good.err;

    // (extra flags, part of the one error line)
    const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
        {{"--client-mode=02:00:00:aa:01:02=1-to-1:198.51.100.20"},
         "client-mode: 02:00:00:aa:01:02=1-to-1:198.51.100.20: address not in address-pool"},
        {{"--client-mode=02:00:00:aa:01:02=1-to-1, 02:00:00:aa:01:02=n-to-1"},
         "02:00:00:aa:01:02=n-to-1: same MAC or address as 02:00:00:aa:01:02=1-to-1"},
        {{"--client-mode=02:00:00:aa:01:02=1-to-1:198.51.100.9 "
          "02:00:00:aa:01:03=1-to-1:198.51.100.9"},
         "same MAC or address"},
        {{"--address-mode=n-to-1", "--client-mode=02:00:00:aa:01:02=1-to-1"},
         "client-mode: 02:00:00:aa:01:02=1-to-1: not offered with address-mode n-to-1"},
        {{"--address-mode=1-to-1", "--client-mode=02:00:00:aa:01:02=n-to-1"},
         "not offered with address-mode 1-to-1"},
    };
    for (const auto& [extra, expected] : bad)
    {
        SCOPED_TRACE(expected);
        const Loaded l = load(extra);
        EXPECT_EQ(l.exit, 2);
        EXPECT_NE(l.err.find(expected), std::string::npos) << l.err;
        EXPECT_EQ(std::count(l.err.begin(), l.err.end(), '\n'), 1) << "one line";
    }
}

TEST(DaemonConfig, ClientKeysAndMistakes)
{
    Args a({"--interface=wlan0",
            "--server-mac=02:00:00:00:00:02",
            "--address-mode=1-to-1",
            "--requested-address=192.0.2.9",
            "--unix-socket=/tmp/clientd.sock",
            "--pcap=/tmp/c.pcap",
            "--log-level=error"});
    ClientConfig c;
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_FALSE(LoadClientConfig(a.Argc(), a.pointers.data(), c, out, err).has_value())
        << err.str();
    EXPECT_EQ(c.interface, "wlan0");
    ASSERT_EQ(c.serverMacs.size(), 1u);
    EXPECT_EQ(FormatMac(c.serverMacs[0]), "02:00:00:00:00:02");
    EXPECT_EQ(c.serverSelection, ServerSelection::Hash);
    EXPECT_EQ(c.addressMode, AddressMode::OneTo1);
    EXPECT_EQ(c.requestedAddress, 0xC0000209u);
    EXPECT_EQ(c.unixSocket, "/tmp/clientd.sock");
    EXPECT_EQ(c.logLevel, LogLevel::Error);
    EXPECT_EQ(c.deadTimeoutMs, 5000u); // LhpConfig's defaults
    EXPECT_EQ(c.keepaliveIntervalMs, 1000u);

    const std::string mac = "--server-mac=02:00:00:00:00:02";
    EXPECT_NE(ClientError({"--interface=wlan0"}).find("server-mac: required"), std::string::npos);
    EXPECT_NE(ClientError({mac}).find("interface: required"), std::string::npos);
    EXPECT_NE(ClientError({"--interface=wlan0", "--server-mac=02:00:00:00:00:0g"})
                  .find("--server-mac: bad value '02:00:00:00:00:0g': expected a MAC address"),
              std::string::npos);
    EXPECT_NE(ClientError({"--interface=wlan0", mac, "--address-mode=mixed"})
                  .find("--address-mode: bad value 'mixed': expected n-to-1 or 1-to-1"),
              std::string::npos);
    EXPECT_NE(ClientError({"--interface=wlan0", mac, "--requested-address=192.0.2.9"})
                  .find("requested-address: only valid with address-mode 1-to-1"),
              std::string::npos);
    EXPECT_NE(ClientError({"--interface=wlan0", mac, "--unix-socket=clientd.sock"})
                  .find("--unix-socket: bad value 'clientd.sock': expected an absolute path"),
              std::string::npos);
    EXPECT_NE(ClientError({"--interface=wlan0", mac, "--dead-timeout-ms=900"})
                  .find("keepalive-interval-ms: must be below dead-timeout-ms (900)"),
              std::string::npos);
    EXPECT_NE(ClientError({"--interface=wlan0", mac, "--user=nobody"}).find("--user: unknown key"),
              std::string::npos)
        << "user is a serverd key only";
}

TEST(DaemonConfig, CheckConfigPrintsTheEffectiveConfigWhichParsesBack)
{
    TempFile file(kMinimalServer + "allow-bind-ports = none\nallow-listen = off\n");
    const Loaded l = LoadServer({"--config", file.Path(), "--check-config", "--pcap=/tmp/x.pcap"});
    ASSERT_EQ(l.exit, 0) << l.err;
    EXPECT_TRUE(l.err.empty());
    EXPECT_EQ(l.out,
              "interface = eth0\n"
              "public-address = 198.51.100.1\n"
              "address-mode = n-to-1\n"
              "address-pool = \n"
              "one-to-one-source = pool\n"
              "dhcp-interface = \n"
              "dhcp-fallback = refuse\n"
              "dhcp-timeout-ms = 10000\n"
              "client-mode = none\n"
              "allow-mac = \n"
              "sockets-per-client = 64\n"
              "max-clients = 1024\n"
              "registrations-per-second = 100\n"
              "client-buffer-bytes = 16777216\n"
              "max-links = 1024\n"
              "links-per-mac = 4\n"
              "allow-listen = no\n"
              "allow-bind-ports = none\n"
              "allow-destinations = 0.0.0.0/0, ::/0\n"
              "log-level = info\n"
              "pcap = /tmp/x.pcap\n"
              "dead-timeout-ms = 5000\n"
              "keepalive-interval-ms = 1000\n"
              "user = \n");
    // What --check-config prints is itself a valid config file with the same meaning.
    const ServerConfig again = ParseServerConfig(ParseConfigText(l.out, "printed"));
    EXPECT_EQ(FormatServerConfig(again), l.out);

    // A bad config: exit 2, nothing on stdout.
    const Loaded bad = LoadServer({"--config", file.Path(), "--check-config", "--user"});
    EXPECT_EQ(bad.exit, 2);
    EXPECT_TRUE(bad.out.empty());
}

TEST(DaemonConfig, HelpListsEveryKeyAndExitsZero)
{
    const Loaded l = LoadServer({"--help", "--no-such-key=1"});
    ASSERT_EQ(l.exit, 0);
    for (const char* key : {"--interface NAME",
                            "--public-address",
                            "--address-mode",
                            "--address-pool",
                            "--client-mode LIST",
                            "--allow-mac",
                            "--sockets-per-client",
                            "--max-links",
                            "--links-per-mac",
                            "--allow-listen",
                            "--allow-bind-ports",
                            "--allow-destinations",
                            "--log-level",
                            "--pcap",
                            "--user",
                            "--one-to-one-source pool|dhcp",
                            "--dhcp-interface NAME",
                            "--dhcp-fallback refuse|n-to-1",
                            "--dhcp-timeout-ms MS",
                            "CAP_NET_ADMIN",
                            "--config FILE",
                            "--check-config"})
    {
        EXPECT_NE(l.out.find(key), std::string::npos) << key;
    }
    EXPECT_NE(l.out.find("[64]"), std::string::npos) << "defaults are shown";
    EXPECT_NE(ClientHelpText().find("--server-mac MAC[,MAC...]"), std::string::npos);
    EXPECT_NE(ClientHelpText().find("--server-selection POLICY"), std::string::npos);
    EXPECT_NE(ClientHelpText().find("[hash]"), std::string::npos);
    EXPECT_NE(ClientHelpText().find("--unix-socket PATH"), std::string::npos);
    EXPECT_EQ(ClientHelpText().find("--user"), std::string::npos);
}

TEST(DaemonConfig, ClientTakesSeveralServersInFailoverOrder)
{
    Args a({"--interface=wlan0",
            "--server-mac=02:00:00:00:00:12, 02:00:00:00:00:11 02:00:00:00:00:13",
            "--server-selection=first"});
    ClientConfig c;
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_FALSE(LoadClientConfig(a.Argc(), a.pointers.data(), c, out, err).has_value())
        << err.str();
    ASSERT_EQ(c.serverMacs.size(), 3u);
    EXPECT_EQ(FormatMac(c.serverMacs[0]), "02:00:00:00:00:12");
    EXPECT_EQ(FormatMac(c.serverMacs[1]), "02:00:00:00:00:11");
    EXPECT_EQ(FormatMac(c.serverMacs[2]), "02:00:00:00:00:13");
    EXPECT_EQ(c.serverSelection, ServerSelection::First);
    EXPECT_NE(FormatClientConfig(c).find(
                  "server-mac = 02:00:00:00:00:12, 02:00:00:00:00:11, 02:00:00:00:00:13\n"),
              std::string::npos)
        << FormatClientConfig(c);
    EXPECT_NE(FormatClientConfig(c).find("server-selection = first\n"), std::string::npos);

    EXPECT_NE(ClientError({"--interface=wlan0", "--server-mac=02:00:00:00:00:02,02:00:00:00:00:02"})
                  .find("MAC 02:00:00:00:00:02 given twice"),
              std::string::npos);
    EXPECT_NE(ClientError({"--interface=wlan0",
                           "--server-mac=02:00:00:00:00:02",
                           "--server-selection=least-loaded"})
                  .find("--server-selection: bad value 'least-loaded': expected hash or first"),
              std::string::npos);
    EXPECT_NE(ClientError({"--interface=wlan0", "--server-mac="}).find("server-mac: required"),
              std::string::npos);
}

TEST(ConfigValues, Parsers)
{
    EXPECT_TRUE(ParseBool("on"));
    EXPECT_FALSE(ParseBool("0"));
    EXPECT_THROW(ParseBool("Yes please"), BadValue);
    EXPECT_EQ(ParseUnsigned("42", 1, 100), 42u);
    EXPECT_THROW(ParseUnsigned("", 0, 1), BadValue);
    EXPECT_THROW(ParseUnsigned("99999999999999999999", 0, 1), BadValue);
    EXPECT_EQ(FormatIpv4(ParseIpv4("192.0.2.255")), "192.0.2.255");
    EXPECT_EQ(ParsePortRange("80").ToString(), "80");
    EXPECT_THROW(ParsePortRange("80-"), BadValue);
    EXPECT_EQ(ParseIpPrefix("2001:db8::/32").ToString(), "2001:db8::/32");
    const IpPrefix v6 = ParseIpPrefix("2001:db8::/33");
    std::uint8_t inside[16] = {0x20, 0x01, 0x0d, 0xb8, 0x7f};
    std::uint8_t outside[16] = {0x20, 0x01, 0x0d, 0xb8, 0x80};
    EXPECT_TRUE(v6.Contains(AF_INET6, inside));
    EXPECT_FALSE(v6.Contains(AF_INET6, outside));
    EXPECT_FALSE(v6.Contains(AF_INET, inside));
    EXPECT_EQ(SplitList(" a, b,,c\td "), (std::vector<std::string>{"a", "b", "c", "d"}));
    EXPECT_EQ(ParseMac("02:00:5E:00:00:0a"), (MacAddress{0x02, 0x00, 0x5e, 0x00, 0x00, 0x0a}));
    EXPECT_FALSE(ParseMac("02:00-5e:00:00:0a").has_value());
    EXPECT_FALSE(ParseMac("02:00:5e:00:00:0a:").has_value());
}

} // namespace
} // namespace test
} // namespace resoa
