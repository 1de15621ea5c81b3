/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_DAEMON_CONFIG_H
#define RESOA_REALNET_DAEMON_CONFIG_H

#include "config-parser.h"
#include "config-values.h"
#include "log.h"
#include "mac-address.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/// Internet addressing (paper §4.1.2). Mixed: the server offers both, each client chooses.
enum class AddressMode
{
    NTo1,   //!< "n-to-1": clients share the server's public address
    OneTo1, //!< "1-to-1": each client gets an address from the pool
    Mixed,  //!< "mixed": serverd only
};

/// \return "n-to-1", "1-to-1" or "mixed"
const char* AddressModeName(AddressMode mode);

/// Where 1-to-1 addresses come from (ns-3: ResoaServer::OneToOneSource).
enum class OneToOneSource
{
    Pool, //!< "pool": address-pool, configured on the host by the operator
    Dhcp, //!< "dhcp": leased by DHCP with the client's MAC on dhcp-interface
};

/// \return "pool" or "dhcp"
const char* OneToOneSourceName(OneToOneSource source);

/// One client-mode entry: the client with this MAC gets this mode, whatever it asks for.
struct ClientModeRule
{
    MacAddress mac{};
    AddressMode mode = AddressMode::NTo1; //!< n-to-1 or 1-to-1
    std::optional<std::uint32_t> address; //!< 1-to-1 only: this pool address (host order)

    /// \return "02:00:00:00:00:01=1-to-1:198.51.100.10", the config syntax
    std::string ToString() const;
};

/// resoa-serverd's settings. Defaults are the values a bare `--interface` run gets.
struct ServerConfig
{
    std::string interface;                      //!< LHP interface (required)
    std::optional<std::uint32_t> publicAddress; //!< IPv4, host order (n-to-1, mixed)
    AddressMode addressMode = AddressMode::NTo1;
    std::vector<IpPrefix> addressPool; //!< IPv4 only (1-to-1, mixed)
    OneToOneSource oneToOneSource = OneToOneSource::Pool;
    std::string dhcpInterface;       //!< public interface the DHCP server answers on (dhcp)
    bool dhcpFallBackToNTo1 = false; //!< no lease: n-to-1 (mixed only) instead of refusing
    /// No lease within this long: fallback or refusal. Longer than ns-3's 4 s: real servers
    /// check that an address is free before offering it (dnsmasq's ping: about 3 s).
    unsigned dhcpTimeoutMs = 10000;
    std::vector<MacAddress> allowMac;      //!< clients that may register; empty = all
    unsigned socketsPerClient = 64;        //!< the paper's per-client socket limit
    unsigned maxClients = 1024;            //!< registered clients at once (ECONNREFUSED beyond)
    unsigned registrationsPerSecond = 100; //!< new registrations; burst of the same; 0 = off
    std::uint64_t clientBufferBytes = 16u << 20; //!< per client: windows + SO_*BUF (ENOBUFS)
    unsigned maxLinks = 1024; //!< LHP links at once, registered or not (Connects dropped beyond)
    unsigned linksPerMac = 4; //!< LHP links from one MAC at once (Connects dropped beyond)
    bool allowListen = true;  //!< active FTP and servers behind ReSoA need it
    std::vector<PortRange> allowBindPorts{{1024, 65535}}; //!< empty = no explicit bind
    std::vector<DestinationRule> allowDestinations;       //!< empty = none
    LogLevel logLevel = LogLevel::Info;
    std::string pcap;                    //!< capture file; empty = none
    std::string user;                    //!< drop privileges to this user; empty = stay
    unsigned deadTimeoutMs = 5000;       //!< LHP: silence after which a client is gone
    unsigned keepaliveIntervalMs = 1000; //!< LHP: idle time before a liveness probe

    /// client-mode: these MACs get their entry's mode; the others get the one they ask for.
    std::vector<ClientModeRule> clientModes;

    ServerConfig();
};

/// Which of several servers resoa-clientd tries first (resoa::ServerStartPolicy).
enum class ServerSelection
{
    Hash,  //!< "hash": FNV-1a of the client's own MAC modulo the number of servers
    First, //!< "first": the first server of the list
};

/// \return "hash" or "first"
const char* ServerSelectionName(ServerSelection selection);

/// resoa-clientd's settings.
struct ClientConfig
{
    std::string interface;              //!< LHP interface (required)
    std::vector<MacAddress> serverMacs; //!< serverds' MACs, failover order (at least one)
    ServerSelection serverSelection = ServerSelection::Hash; //!< where the list starts
    std::string unixSocket = "/run/resoa/clientd.sock";      //!< where the LD_PRELOAD shim connects
    AddressMode addressMode = AddressMode::NTo1;             //!< n-to-1 or 1-to-1
    std::optional<std::uint32_t> requestedAddress;           //!< IPv4, host order (1-to-1 only)
    LogLevel logLevel = LogLevel::Info;
    std::string pcap;                    //!< capture file; empty = none
    unsigned deadTimeoutMs = 5000;       //!< LHP: silence after which the server is gone
    unsigned keepaliveIntervalMs = 1000; //!< LHP: idle time before a liveness probe
};

/**
 * \brief Builds a ServerConfig from settings (file first, then flags) and validates it.
 * \throws ConfigError, one line naming the key (and file:line or flag) that is wrong
 */
ServerConfig ParseServerConfig(const std::vector<ConfigSetting>& settings);
/// The same for resoa-clientd.
ClientConfig ParseClientConfig(const std::vector<ConfigSetting>& settings);

/// \return the effective config as a config file (what --check-config prints)
std::string FormatServerConfig(const ServerConfig& config);
/// \return the effective config as a config file (what --check-config prints)
std::string FormatClientConfig(const ClientConfig& config);

/// \return resoa-serverd's --help text
std::string ServerHelpText();
/// \return resoa-clientd's --help text
std::string ClientHelpText();

/**
 * \brief A daemon main's first step: parse argv and the --config file.
 *
 * Flags override the file. --help prints the help text; --check-config prints the effective
 * config; both then ask to exit 0. An error prints one line to \p err and asks to exit 2.
 * \return nullopt to go on running with \p config, or the exit code to return from main
 */
std::optional<int> LoadServerConfig(
    int argc, const char* const* argv, ServerConfig& config, std::ostream& out, std::ostream& err);
/// The same for resoa-clientd.
std::optional<int> LoadClientConfig(
    int argc, const char* const* argv, ClientConfig& config, std::ostream& out, std::ostream& err);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_DAEMON_CONFIG_H
