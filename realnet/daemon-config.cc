/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "daemon-config.h"

#include "config-schema.h"

#include <sys/socket.h>

#include <algorithm>
#include <utility>

namespace resoa
{
namespace realnet
{

namespace
{

constexpr std::size_t kMaxUnixPath = 107; // sizeof(sockaddr_un::sun_path) - 1

std::string
JoinList(const std::vector<std::string>& items)
{
    std::string text;
    for (const std::string& item : items)
    {
        text += (text.empty() ? "" : ", ") + item;
    }
    return text;
}

template<typename T, typename F>
std::string
FormatList(const std::vector<T>& values, F format)
{
    std::vector<std::string> items;
    for (const T& value : values)
    {
        items.push_back(format(value));
    }
    return JoinList(items);
}

/// A list whose empty value is written "none", of values with a ToString().
template<typename T>
std::string
FormatListOrNone(const std::vector<T>& values)
{
    return values.empty() ? std::string("none")
                          : FormatList(values, [](const T& v) { return v.ToString(); });
}

/// A list value: "none" is the empty list; an empty value is refused as a likely mistake.
template<typename T, typename F>
std::vector<T>
ParseList(const std::string& text, F parse, bool emptyMeansAll)
{
    std::vector<T> values;
    if (text == "none" && !emptyMeansAll)
    {
        return values;
    }
    const std::vector<std::string> items = SplitList(text);
    if (items.empty() && !emptyMeansAll)
    {
        throw BadValue("expected a list (or 'none')");
    }
    for (const std::string& item : items)
    {
        try
        {
            values.push_back(parse(item));
        }
        catch (const BadValue& e)
        {
            throw BadValue("item '" + item + "': " + e.what());
        }
    }
    return values;
}

AddressMode
ParseAddressMode(const std::string& text, bool allowMixed)
{
    for (AddressMode mode : {AddressMode::NTo1, AddressMode::OneTo1, AddressMode::Mixed})
    {
        if (text == AddressModeName(mode) && (allowMixed || mode != AddressMode::Mixed))
        {
            return mode;
        }
    }
    throw BadValue(allowMixed ? "expected n-to-1, 1-to-1 or mixed" : "expected n-to-1 or 1-to-1");
}

LogLevel
ParseLevel(const std::string& text)
{
    const auto level = ParseLogLevel(text);
    if (!level)
    {
        throw BadValue("expected error, warning, info or debug");
    }
    return *level;
}

std::optional<std::uint32_t>
ParseOptionalIpv4(const std::string& text)
{
    if (text.empty())
    {
        return std::nullopt;
    }
    return ParseIpv4(text);
}

std::string
FormatOptionalIpv4(const std::optional<std::uint32_t>& address)
{
    return address ? FormatIpv4(*address) : "";
}

MacAddress
ParseMacValue(const std::string& text)
{
    const auto mac = ParseMac(text);
    if (!mac)
    {
        throw BadValue("expected a MAC address like 02:00:00:00:00:01");
    }
    return *mac;
}

IpPrefix
ParseIpv4Prefix(const std::string& text)
{
    IpPrefix prefix = ParseIpPrefix(text);
    if (prefix.family != AF_INET)
    {
        throw BadValue("expected an IPv4 address or prefix (the EP carries IPv4 public addresses)");
    }
    return prefix;
}

/// "MAC=n-to-1", "MAC=1-to-1" or "MAC=1-to-1:IPV4".
ClientModeRule
ParseClientModeRule(const std::string& text)
{
    const std::size_t eq = text.find('=');
    if (eq == std::string::npos)
    {
        throw BadValue("expected MAC=n-to-1, MAC=1-to-1 or MAC=1-to-1:IPV4");
    }
    ClientModeRule rule;
    rule.mac = ParseMacValue(text.substr(0, eq));
    const std::string value = text.substr(eq + 1);
    const std::size_t colon = value.find(':');
    rule.mode = ParseAddressMode(value.substr(0, colon), false);
    if (colon != std::string::npos)
    {
        if (rule.mode != AddressMode::OneTo1)
        {
            throw BadValue("an address goes only with 1-to-1");
        }
        rule.address = ParseIpv4(value.substr(colon + 1));
    }
    return rule;
}

std::string
ParseInterfaceName(const std::string& text)
{
    // IFNAMSIZ - 1; the kernel refuses longer names, and PacketLink would say so later.
    if (text.size() > 15 || text.find_first_of("/: \t") != std::string::npos)
    {
        throw BadValue("expected an interface name (at most 15 characters, no '/' or ':')");
    }
    return text;
}

/// The "interface" key both daemons have.
template<class C>
void
AddInterfaceKey(ConfigSchema<C>& s)
{
    s.Add(
        "interface",
        "NAME",
        "interface that carries LHP (EtherType 0x88B5); required",
        [](C& c, const std::string& v) { c.interface = ParseInterfaceName(v); },
        [](const C& c) { return c.interface; });
}

/// A key holding a duration in milliseconds, from \p min to \p max.
template<class C>
void
AddMillisecondsKey(ConfigSchema<C>& s,
                   const std::string& key,
                   const std::string& help,
                   unsigned C::*member,
                   unsigned min,
                   unsigned max)
{
    s.Add(
        key,
        "MS",
        help,
        [=](C& c, const std::string& v)
        { c.*member = static_cast<unsigned>(ParseUnsigned(v, min, max)); },
        [=](const C& c) { return std::to_string(c.*member); });
}

/// A key whose value is one of a few words, each naming a value of \p member.
template<class C, typename E>
void
AddChoiceKey(ConfigSchema<C>& s,
             const std::string& key,
             const std::string& valueHelp,
             const std::string& help,
             E C::*member,
             std::vector<std::pair<std::string, E>> choices)
{
    std::string expected;
    for (std::size_t i = 0; i < choices.size(); ++i)
    {
        expected += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i].first;
    }
    s.Add(
        key,
        valueHelp,
        help,
        [=](C& c, const std::string& v)
        {
            for (const auto& [word, value] : choices)
            {
                if (v == word)
                {
                    c.*member = value;
                    return;
                }
            }
            throw BadValue("expected " + expected);
        },
        [=](const C& c)
        {
            for (const auto& [word, value] : choices)
            {
                if (c.*member == value)
                {
                    return word;
                }
            }
            return std::string("?");
        });
}

/// The "log-level" and "pcap" keys both daemons have.
template<class C>
void
AddLogAndPcapKeys(ConfigSchema<C>& s)
{
    s.Add(
        "log-level",
        "LEVEL",
        "error, warning, info or debug",
        [](C& c, const std::string& v) { c.logLevel = ParseLevel(v); },
        [](const C& c) { return std::string(LogLevelName(c.logLevel)); });
    s.Add(
        "pcap",
        "FILE",
        "write every LHP frame to this pcap file; empty = none",
        [](C& c, const std::string& v) { c.pcap = v; },
        [](const C& c) { return c.pcap; });
}

/// The LHP liveness timers both daemons have (LhpConfig's defaults).
template<class C>
void
AddLinkTimerKeys(ConfigSchema<C>& s)
{
    AddMillisecondsKey<C>(s,
                          "dead-timeout-ms",
                          "LHP: after this long without a frame from the peer, the link is "
                          "dead and its sockets fail",
                          &C::deadTimeoutMs,
                          200,
                          3600000);
    AddMillisecondsKey<C>(s,
                          "keepalive-interval-ms",
                          "LHP: idle time before a liveness probe (must be below "
                          "dead-timeout-ms)",
                          &C::keepaliveIntervalMs,
                          20,
                          3600000);
}

/// The timers must leave room for probes: a link would die before its first keepalive.
template<class C>
void
ValidateLinkTimers(const C& c)
{
    if (c.keepaliveIntervalMs >= c.deadTimeoutMs)
    {
        throw ConfigError("keepalive-interval-ms: must be below dead-timeout-ms (" +
                          std::to_string(c.deadTimeoutMs) + ")");
    }
}

const ConfigSchema<ServerConfig>&
ServerSchema()
{
    static const ConfigSchema<ServerConfig> schema = []
    {
        using C = ServerConfig;
        ConfigSchema<C> s;
        AddInterfaceKey(s);
        s.Add(
            "public-address",
            "IPV4",
            "address shared by n-to-1 clients; required unless address-mode is 1-to-1",
            [](C& c, const std::string& v) { c.publicAddress = ParseOptionalIpv4(v); },
            [](const C& c) { return FormatOptionalIpv4(c.publicAddress); });
        s.Add(
            "address-mode",
            "MODE",
            "n-to-1, 1-to-1 or mixed (clients choose)",
            [](C& c, const std::string& v) { c.addressMode = ParseAddressMode(v, true); },
            [](const C& c) { return std::string(AddressModeName(c.addressMode)); });
        s.Add(
            "address-pool",
            "LIST",
            "IPv4 addresses/prefixes for 1-to-1 clients",
            [](C& c, const std::string& v)
            { c.addressPool = ParseList<IpPrefix>(v, ParseIpv4Prefix, true); },
            [](const C& c)
            { return FormatList(c.addressPool, [](const IpPrefix& p) { return p.ToString(); }); });
        AddChoiceKey<C, OneToOneSource>(
            s,
            "one-to-one-source",
            "pool|dhcp",
            "where 1-to-1 addresses come from: address-pool, or a DHCP lease taken on "
            "dhcp-interface with the client's MAC (then serverd keeps CAP_NET_ADMIN to put "
            "the leased address on that interface)",
            &C::oneToOneSource,
            {{"pool", OneToOneSource::Pool}, {"dhcp", OneToOneSource::Dhcp}});
        s.Add(
            "dhcp-interface",
            "NAME",
            "public interface on whose link a DHCP server answers (UDP port 68 is bound on "
            "it); required with one-to-one-source dhcp",
            [](C& c, const std::string& v)
            { c.dhcpInterface = v.empty() ? v : ParseInterfaceName(v); },
            [](const C& c) { return c.dhcpInterface; });
        AddChoiceKey<C, bool>(s,
                              "dhcp-fallback",
                              "refuse|n-to-1",
                              "a 1-to-1 client that gets no lease (DHCP server down, pool "
                              "exhausted, NAK): refused with EADDRNOTAVAIL, or registered "
                              "n-to-1 (address-mode mixed)",
                              &C::dhcpFallBackToNTo1,
                              {{"refuse", false}, {"n-to-1", true}});
        AddMillisecondsKey<C>(s,
                              "dhcp-timeout-ms",
                              "no lease (OFFER and ACK) within this long: dhcp-fallback applies",
                              &C::dhcpTimeoutMs,
                              100,
                              600000);
        s.Add(
            "client-mode",
            "LIST",
            "per client MAC: MAC=n-to-1, MAC=1-to-1 or MAC=1-to-1:IPV4 (a pool address); that "
            "client gets this mode whatever it asks for; the others choose; none = all choose",
            [](C& c, const std::string& v)
            { c.clientModes = ParseList<ClientModeRule>(v, ParseClientModeRule, false); },
            [](const C& c) { return FormatListOrNone(c.clientModes); });
        s.Add(
            "allow-mac",
            "LIST",
            "client MACs that may register; empty = all",
            [](C& c, const std::string& v)
            { c.allowMac = ParseList<MacAddress>(v, ParseMacValue, true); },
            [](const C& c) { return FormatList(c.allowMac, FormatMac); });
        s.Add(
            "sockets-per-client",
            "N",
            "open sockets each client may hold",
            [](C& c, const std::string& v)
            { c.socketsPerClient = static_cast<unsigned>(ParseUnsigned(v, 1, 65535)); },
            [](const C& c) { return std::to_string(c.socketsPerClient); });
        s.Add(
            "max-clients",
            "N",
            "clients registered at once; one more is refused (ECONNREFUSED)",
            [](C& c, const std::string& v)
            { c.maxClients = static_cast<unsigned>(ParseUnsigned(v, 1, 1u << 20)); },
            [](const C& c) { return std::to_string(c.maxClients); });
        s.Add(
            "registrations-per-second",
            "N",
            "new registrations per second, in bursts of N; beyond it ECONNREFUSED; 0 = no limit",
            [](C& c, const std::string& v)
            { c.registrationsPerSecond = static_cast<unsigned>(ParseUnsigned(v, 0, 1000000)); },
            [](const C& c) { return std::to_string(c.registrationsPerSecond); });
        s.Add(
            "client-buffer-bytes",
            "BYTES",
            "per client: server buffer its sockets may hold (128 KiB per stream plus the "
            "SO_SNDBUF/SO_RCVBUF it sets); beyond it ENOBUFS",
            [](C& c, const std::string& v)
            { c.clientBufferBytes = ParseUnsigned(v, 1u << 17, std::uint64_t{1} << 34); },
            [](const C& c) { return std::to_string(c.clientBufferBytes); });
        s.Add(
            "max-links",
            "N",
            "LHP links at once, registered or not; a Connect beyond it is dropped and counted",
            [](C& c, const std::string& v)
            { c.maxLinks = static_cast<unsigned>(ParseUnsigned(v, 1, 1u << 20)); },
            [](const C& c) { return std::to_string(c.maxLinks); });
        s.Add(
            "links-per-mac",
            "N",
            "LHP links one MAC may hold at once (a client reconnecting needs 2)",
            [](C& c, const std::string& v)
            { c.linksPerMac = static_cast<unsigned>(ParseUnsigned(v, 1, 1024)); },
            [](const C& c) { return std::to_string(c.linksPerMac); });
        s.Add(
            "allow-listen",
            "yes|no",
            "whether clients may listen (servers, active FTP)",
            [](C& c, const std::string& v) { c.allowListen = ParseBool(v); },
            [](const C& c) { return std::string(c.allowListen ? "yes" : "no"); });
        s.Add(
            "allow-bind-ports",
            "LIST",
            "ports clients may bind, e.g. 1024-65535, 8080; or none",
            [](C& c, const std::string& v)
            { c.allowBindPorts = ParseList<PortRange>(v, ParsePortRange, false); },
            [](const C& c) { return FormatListOrNone(c.allowBindPorts); });
        s.Add(
            "allow-destinations",
            "LIST",
            "CIDR[:ports] clients may reach, e.g. 0.0.0.0/0, [::/0]:443; or none",
            [](C& c, const std::string& v)
            { c.allowDestinations = ParseList<DestinationRule>(v, ParseDestinationRule, false); },
            [](const C& c) { return FormatListOrNone(c.allowDestinations); });
        AddLogAndPcapKeys(s);
        AddLinkTimerKeys(s);
        s.Add(
            "user",
            "NAME",
            "drop privileges to this user after opening the interface; empty = stay",
            [](C& c, const std::string& v) { c.user = v; },
            [](const C& c) { return c.user; });
        return s;
    }();
    return schema;
}

const ConfigSchema<ClientConfig>&
ClientSchema()
{
    static const ConfigSchema<ClientConfig> schema = []
    {
        using C = ClientConfig;
        ConfigSchema<C> s;
        AddInterfaceKey(s);
        s.Add(
            "server-mac",
            "MAC[,MAC...]",
            "MAC address of resoa-serverd's interface, or of several serverds in failover "
            "order (a dead link or a refused registration moves on to the next); required",
            [](C& c, const std::string& v)
            {
                c.serverMacs.clear();
                for (const std::string& item : SplitList(v))
                {
                    MacAddress mac = ParseMacValue(item);
                    if (std::find(c.serverMacs.begin(), c.serverMacs.end(), mac) !=
                        c.serverMacs.end())
                    {
                        throw BadValue("MAC " + item + " given twice");
                    }
                    c.serverMacs.push_back(mac);
                }
            },
            [](const C& c) { return FormatList(c.serverMacs, FormatMac); });
        AddChoiceKey<C, ServerSelection>(
            s,
            "server-selection",
            "POLICY",
            "with several servers, the one tried first: hash (FNV-1a of this client's MAC "
            "modulo the number of servers: clients spread with no coordination) or first",
            &C::serverSelection,
            {{"hash", ServerSelection::Hash}, {"first", ServerSelection::First}});
        s.Add(
            "unix-socket",
            "PATH",
            "UNIX socket the LD_PRELOAD shim connects to",
            [](C& c, const std::string& v)
            {
                if (v.empty() || v[0] != '/' || v.size() > kMaxUnixPath)
                {
                    throw BadValue("expected an absolute path of at most 107 bytes");
                }
                c.unixSocket = v;
            },
            [](const C& c) { return c.unixSocket; });
        s.Add(
            "address-mode",
            "MODE",
            "n-to-1 (share the server's address) or 1-to-1 (own address)",
            [](C& c, const std::string& v) { c.addressMode = ParseAddressMode(v, false); },
            [](const C& c) { return std::string(AddressModeName(c.addressMode)); });
        s.Add(
            "requested-address",
            "IPV4",
            "address to ask for in 1-to-1 mode; empty = any from the pool",
            [](C& c, const std::string& v) { c.requestedAddress = ParseOptionalIpv4(v); },
            [](const C& c) { return FormatOptionalIpv4(c.requestedAddress); });
        AddLogAndPcapKeys(s);
        AddLinkTimerKeys(s);
        return s;
    }();
    return schema;
}

/// Each entry's mode must be one the server offers, its address in the pool, and no MAC or
/// address may appear twice.
void
ValidateClientModes(const ServerConfig& c)
{
    for (std::size_t i = 0; i < c.clientModes.size(); ++i)
    {
        const ClientModeRule& r = c.clientModes[i];
        const std::string entry = "client-mode: " + r.ToString() + ": ";
        const AddressMode refused =
            r.mode == AddressMode::OneTo1 ? AddressMode::NTo1 : AddressMode::OneTo1;
        if (c.addressMode == refused)
        {
            throw ConfigError(entry + "not offered with address-mode " +
                              AddressModeName(c.addressMode));
        }
        if (r.address &&
            std::none_of(c.addressPool.begin(),
                         c.addressPool.end(),
                         [&](const IpPrefix& p) { return p.ContainsIpv4(*r.address); }))
        {
            throw ConfigError(entry + "address not in address-pool");
        }
        for (std::size_t j = 0; j < i; ++j)
        {
            const ClientModeRule& o = c.clientModes[j];
            if (o.mac == r.mac || (o.address && r.address && *o.address == *r.address))
            {
                throw ConfigError(entry + "same MAC or address as " + o.ToString());
            }
        }
    }
}

void
ValidateServer(const ServerConfig& c)
{
    if (c.interface.empty())
    {
        throw ConfigError("interface: required (config file or --interface)");
    }
    if (c.addressMode != AddressMode::OneTo1 && !c.publicAddress)
    {
        throw ConfigError(std::string("public-address: required with address-mode ") +
                          AddressModeName(c.addressMode));
    }
    const bool dhcp = c.oneToOneSource == OneToOneSource::Dhcp;
    if (c.addressMode != AddressMode::NTo1 && c.addressPool.empty() && !dhcp)
    {
        throw ConfigError(std::string("address-pool: required with address-mode ") +
                          AddressModeName(c.addressMode) + " (or one-to-one-source dhcp)");
    }
    if (dhcp && c.addressMode == AddressMode::NTo1)
    {
        throw ConfigError("one-to-one-source: dhcp needs address-mode 1-to-1 or mixed");
    }
    if (dhcp && c.dhcpInterface.empty())
    {
        throw ConfigError("dhcp-interface: required with one-to-one-source dhcp");
    }
    if (c.dhcpFallBackToNTo1 && c.addressMode != AddressMode::Mixed)
    {
        throw ConfigError("dhcp-fallback: n-to-1 needs address-mode mixed (and public-address)");
    }
    ValidateClientModes(c);
    ValidateLinkTimers(c);
}

void
ValidateClient(const ClientConfig& c)
{
    if (c.interface.empty())
    {
        throw ConfigError("interface: required (config file or --interface)");
    }
    if (c.serverMacs.empty())
    {
        throw ConfigError("server-mac: required (config file or --server-mac)");
    }
    if (c.requestedAddress && c.addressMode != AddressMode::OneTo1)
    {
        throw ConfigError("requested-address: only valid with address-mode 1-to-1");
    }
    ValidateLinkTimers(c);
}

std::string
HelpText(const std::string& program, const std::string& summary, const std::string& keys)
{
    return "Usage: " + program + " [--config FILE] [--check-config] [--KEY VALUE]...\n\n" +
           summary +
           "\n\nEvery KEY is also a config-file key (`key = value`, # comments); flags override "
           "the file.\nLists are separated by commas or blanks.\n\n"
           "  --config FILE                     read settings from FILE\n"
           "  --check-config                    validate, print the effective config, exit\n"
           "  --help                            print this help\n" +
           keys + "\nExit status: 0 ok, 2 bad configuration.\n";
}

/// The shared main-entry logic; T is ServerConfig or ClientConfig.
template<typename T, typename Parse, typename Format>
std::optional<int>
Load(const char* program,
     const std::string& help,
     int argc,
     const char* const* argv,
     T& config,
     std::ostream& out,
     std::ostream& err,
     Parse parse,
     Format format)
{
    try
    {
        const CommandLine line = ParseCommandLine(argc, argv);
        if (line.help)
        {
            out << help;
            return 0;
        }
        std::vector<ConfigSetting> settings;
        if (line.configFile)
        {
            settings = ReadConfigFile(*line.configFile);
        }
        settings.insert(settings.end(), line.settings.begin(), line.settings.end());
        config = parse(settings);
        if (line.checkConfig)
        {
            out << format(config);
            return 0;
        }
        return std::nullopt;
    }
    catch (const ConfigError& e)
    {
        err << program << ": " << e.what() << "\n";
        return 2;
    }
}

} // namespace

std::string
ClientModeRule::ToString() const
{
    return FormatMac(mac) + "=" + AddressModeName(mode) +
           (address ? ":" + FormatIpv4(*address) : std::string());
}

const char*
AddressModeName(AddressMode mode)
{
    switch (mode)
    {
        case AddressMode::NTo1:
            return "n-to-1";
        case AddressMode::OneTo1:
            return "1-to-1";
        case AddressMode::Mixed:
            return "mixed";
    }
    return "?";
}

const char*
OneToOneSourceName(OneToOneSource source)
{
    return source == OneToOneSource::Dhcp ? "dhcp" : "pool";
}

const char*
ServerSelectionName(ServerSelection selection)
{
    return selection == ServerSelection::Hash ? "hash" : "first";
}

ServerConfig::ServerConfig()
    : allowDestinations{ParseDestinationRule("0.0.0.0/0"), ParseDestinationRule("::/0")}
{
}

ServerConfig
ParseServerConfig(const std::vector<ConfigSetting>& settings)
{
    ServerConfig config;
    ServerSchema().Apply(config, settings);
    ValidateServer(config);
    return config;
}

ClientConfig
ParseClientConfig(const std::vector<ConfigSetting>& settings)
{
    ClientConfig config;
    ClientSchema().Apply(config, settings);
    ValidateClient(config);
    return config;
}

std::string
FormatServerConfig(const ServerConfig& config)
{
    return ServerSchema().Format(config);
}

std::string
FormatClientConfig(const ClientConfig& config)
{
    return ClientSchema().Format(config);
}

std::string
ServerHelpText()
{
    return HelpText("resoa-serverd",
                    "Runs the ReSoA server: executes its clients' socket calls on this host's "
                    "TCP/IP stack.\n\nStart it as root: with --user it then keeps no "
                    "capability, except CAP_NET_BIND_SERVICE\nif allow-bind-ports has ports "
                    "below 1024 and CAP_NET_ADMIN with one-to-one-source dhcp\n(leased "
                    "addresses go on and off dhcp-interface).",
                    ServerSchema().Help(ServerConfig()));
}

std::string
ClientHelpText()
{
    return HelpText("resoa-clientd",
                    "Runs the ReSoA client: exports resoa-serverd's sockets to local programs "
                    "(resoa-run).",
                    ClientSchema().Help(ClientConfig()));
}

std::optional<int>
LoadServerConfig(
    int argc, const char* const* argv, ServerConfig& config, std::ostream& out, std::ostream& err)
{
    return Load("resoa-serverd",
                ServerHelpText(),
                argc,
                argv,
                config,
                out,
                err,
                ParseServerConfig,
                FormatServerConfig);
}

std::optional<int>
LoadClientConfig(
    int argc, const char* const* argv, ClientConfig& config, std::ostream& out, std::ostream& err)
{
    return Load("resoa-clientd",
                ClientHelpText(),
                argc,
                argv,
                config,
                out,
                err,
                ParseClientConfig,
                FormatClientConfig);
}

} // namespace realnet
} // namespace resoa
