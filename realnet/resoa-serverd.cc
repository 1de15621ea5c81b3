/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * resoa-serverd: runs ReSoA clients' socket calls on this host's kernel. LHP on one
 * interface (AF_PACKET, EtherType 0x88B5), the EP server on kernel sockets, one epoll loop.
 *
 * Signals: SIGTERM/SIGINT close every LHP connection in order, wait up to
 * kShutdownGrace for the closes to be answered, and exit 0. SIGHUP re-reads the config
 * (file and flags as given at start): log-level, allow-mac, client-mode (for registrations
 * from then on), allow-listen, allow-bind-ports and allow-destinations apply at once; the
 * others need a restart, which is logged.
 * SIGUSR1 logs every counter (what was dropped, refused, carried); so does stopping.
 *
 * Privileges (--user): the daemon keeps no capability after opening its sockets, except
 * CAP_NET_BIND_SERVICE when clients may bind ports below 1024 and CAP_NET_ADMIN with
 * one-to-one-source = dhcp (leased addresses are added to and removed from dhcp-interface).
 */
#include "daemon-config.h"
#include "dhcp-agent.h"
#include "event-loop.h"
#include "log.h"
#include "packet-link.h"
#include "pcap-writer.h"
#include "privileges.h"
#include "server-loop.h"
#include "server-policy.h"
#include "server-stats.h"

#include <arpa/inet.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

using namespace resoa;
using namespace resoa::realnet;

namespace
{

/// How long SIGTERM waits for the clients to answer the LHP Closes.
constexpr std::chrono::milliseconds kShutdownGrace{2000};

std::string
Ipv4Text(std::uint32_t hostOrder)
{
    in_addr a{};
    a.s_addr = htonl(hostOrder);
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &a, text, sizeof(text));
    return text;
}

/// True if a client may bind a port only CAP_NET_BIND_SERVICE opens (below 1024).
bool
NeedsBindService(const ServerConfig& config)
{
    for (const PortRange& r : config.allowBindPorts)
    {
        if (r.first < 1024)
        {
            return true;
        }
    }
    return false;
}

/// The settings SIGHUP cannot change, as text (to tell the operator a restart is needed).
std::string
RestartOnly(const ServerConfig& c)
{
    std::ostringstream s;
    s << c.interface << '|' << c.publicAddress.value_or(0) << '|' << AddressModeName(c.addressMode)
      << '|' << c.socketsPerClient << '|' << c.maxLinks << '|' << c.linksPerMac << '|' << c.pcap
      << '|' << c.user << '|' << OneToOneSourceName(c.oneToOneSource) << '|' << c.dhcpInterface
      << '|' << c.dhcpFallBackToNTo1 << '|' << c.dhcpTimeoutMs << '|';
    for (const IpPrefix& p : c.addressPool)
    {
        s << p.ToString() << ',';
    }
    return s.str();
}

/// "1.2.3.4:80" or "[::1]:80" for a log line.
std::string
FormatAddress(const EpAddress& a)
{
    std::ostringstream s;
    if (a.family == 4)
    {
        s << int(a.addr[0]) << '.' << int(a.addr[1]) << '.' << int(a.addr[2]) << '.'
          << int(a.addr[3]);
    }
    else if (a.family == 6)
    {
        s << '[' << std::hex;
        for (int i = 0; i < 16; i += 2)
        {
            s << (i ? ":" : "") << ((a.addr[i] << 8) | a.addr[i + 1]);
        }
        s << std::dec << ']';
    }
    else
    {
        s << '*';
    }
    s << ':' << a.port;
    return s.str();
}

void
ApplyPolicy(ServerLoop& server, const ServerConfig& config, Logger& log)
{
    // Every refusal gets a (rate-limited) log line, as the README promises.
    EpCallPolicy policy = MakeCallPolicy(config);
    server.GetServer().SetCallPolicy(
        [policy, &log](std::uint64_t session, EpType call, const EpAddress& a)
        {
            const std::int32_t error = policy(session, call, a);
            if (error != 0)
            {
                log.LogLimited(LogLevel::Info,
                               "policy",
                               std::string("refused ") + ToString(call) + " " + FormatAddress(a) +
                                   " for session " + std::to_string(session) + ": " +
                                   std::strerror(error) + " (policy)");
            }
            return error;
        });
    server.GetEndpoint().SetAdmissionHook(MakeMacAdmission(config));
    EpAdmissionHook modes = MakeClientModeAdmission(
        config, [&server](std::uint64_t session) { return server.GetClientMac(session); });
    server.GetServer().SetAdmissionHook(
        [modes, &log](const EpRegistration& reg)
        {
            EpAdmission a = modes(reg);
            if (a.mode)
            {
                log.Info("session " + std::to_string(reg.sessionId) + " registers " +
                         (*a.mode == EpAddrMode::OneTo1 ? "1-to-1" : "n-to-1") + " (client-mode)");
            }
            return a;
        });
}

} // namespace

int
main(int argc, char** argv)
{
    ServerConfig config;
    if (auto code = LoadServerConfig(argc, argv, config, std::cout, std::cerr))
    {
        return *code;
    }
    Logger log("resoa-serverd", config.logLevel);
    try
    {
        EventLoop loop; // first: signals are blocked before anything else starts
        PacketLink link(config.interface);
        std::unique_ptr<PcapWriter> pcap;
        if (!config.pcap.empty())
        {
            pcap = std::make_unique<PcapWriter>(config.pcap, PcapFlush::Manual);
        }
        const bool dhcp = config.oneToOneSource == OneToOneSource::Dhcp;
        UniqueFd dhcpSocket; // port 68 and SO_BINDTODEVICE: opened while privileged
        if (dhcp)
        {
            dhcpSocket = DhcpAgent::OpenSocket(config.dhcpInterface);
        }
        if (!config.user.empty())
        {
            // The raw socket is open; keep only what clients' binds may need, and with
            // DHCP CAP_NET_ADMIN: leased addresses go on and off the public interface.
            std::vector<int> keep;
            if (NeedsBindService(config))
            {
                keep.push_back(CAP_NET_BIND_SERVICE);
            }
            if (dhcp)
            {
                keep.push_back(CAP_NET_ADMIN);
            }
            log.Info(DropPrivileges(config.user, keep).Describe());
        }

        ServerLoopConfig loopConfig;
        loopConfig.endpoint.link.deadTimeout = std::chrono::milliseconds(config.deadTimeoutMs);
        loopConfig.endpoint.link.keepaliveInterval =
            std::chrono::milliseconds(config.keepaliveIntervalMs);
        loopConfig.endpoint.maxConnections = config.maxLinks;
        loopConfig.endpoint.maxConnectionsPerPeer = config.linksPerMac;
        loopConfig.server = MakeEpServerConfig(config, loopConfig.endpoint.link.maxPayload);
        ServerLoop server(loop, link, loopConfig, &log, pcap.get());
        if (dhcp)
        {
            DhcpAgentConfig dhcpConfig;
            dhcpConfig.interface = config.dhcpInterface;
            dhcpConfig.acquireTimeout = std::chrono::milliseconds(config.dhcpTimeoutMs);
            server.EnableDhcp(std::move(dhcpSocket), dhcpConfig, config.dhcpFallBackToNTo1);
        }
        ApplyPolicy(server, config, log);

        bool stopping = false;
        TimePoint stopBy{0};
        auto stop = [&](int signo)
        {
            if (stopping)
            {
                return;
            }
            log.Info(std::string(signo == SIGINT ? "SIGINT" : "SIGTERM") + ": closing " +
                     std::to_string(server.SessionCount()) + " session(s)");
            server.CloseAll();
            stopping = true;
            stopBy = EventLoop::Now() + kShutdownGrace;
        };
        loop.OnSignal(SIGTERM, stop);
        loop.OnSignal(SIGINT, stop);
        loop.OnSignal(SIGUSR1, [&](int) { log.Info("stats: " + FormatServerStats(server)); });
        loop.OnSignal(
            SIGHUP,
            [&](int)
            {
                ServerConfig fresh;
                std::ostringstream out;
                std::ostringstream err;
                if (LoadServerConfig(argc, argv, fresh, out, err))
                {
                    std::string why = err.str();
                    while (!why.empty() && why.back() == '\n')
                    {
                        why.pop_back();
                    }
                    log.Warning("SIGHUP: config not reloaded: " + why);
                    return;
                }
                log.SetLevel(fresh.logLevel);
                ApplyPolicy(server, fresh, log);
                log.Info("SIGHUP: config reloaded (log level, allowed MACs, client modes, "
                         "listen, bind ports, destinations)");
                if (RestartOnly(fresh) != RestartOnly(config))
                {
                    log.Warning("SIGHUP: interface, addresses, socket limit, pcap and user "
                                "changes take effect after a restart");
                }
                config = fresh;
            });

        log.Info("up on " + link.GetInterfaceName() + " (" + FormatMac(link.GetMac()) + ", MTU " +
                 std::to_string(link.GetMtu()) + "), " + AddressModeName(config.addressMode) +
                 ", public address " + Ipv4Text(config.publicAddress.value_or(0)) +
                 (dhcp
                      ? ", 1-to-1 addresses by DHCP on " + config.dhcpInterface + " (" +
                            (config.dhcpFallBackToNTo1 ? "n-to-1" : "refused") + " without a lease)"
                      : std::string()));
        while (!stopping || (server.SessionCount() > 0 && EventLoop::Now() < stopBy))
        {
            loop.RunOnce(stopping ? 50 : -1);
        }
        log.Info("stopped; " + std::to_string(server.SessionCount()) +
                 " session(s) did not answer the close");
        log.Info("stats: " + FormatServerStats(server));
        if (pcap)
        {
            pcap->Flush();
        }
        return 0;
    }
    catch (const std::exception& e)
    {
        log.Error(e.what());
        return 1;
    }
}
