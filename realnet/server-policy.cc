/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "server-policy.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace resoa
{
namespace realnet
{

namespace
{

bool
PortAllowed(const std::vector<PortRange>& ranges, std::uint16_t port)
{
    return port == 0 || std::any_of(ranges.begin(),
                                    ranges.end(),
                                    [port](const PortRange& r) { return r.Contains(port); });
}

bool
DestinationAllowed(const std::vector<DestinationRule>& rules, const EpAddress& a)
{
    const int family = a.family == 4 ? AF_INET : a.family == 6 ? AF_INET6 : 0;
    return family != 0 && std::any_of(rules.begin(),
                                      rules.end(),
                                      [&](const DestinationRule& r) {
                                          return r.prefix.Contains(family, a.addr.data()) &&
                                                 r.ports.Contains(a.port);
                                      });
}

} // namespace

EpServerConfig
MakeEpServerConfig(const ServerConfig& config, std::size_t maxMessageSize)
{
    EpServerConfig c;
    c.serverIpv4 = config.publicAddress.value_or(0);
    c.allowNTo1 = config.addressMode != AddressMode::OneTo1;
    c.allowOneTo1 = config.addressMode != AddressMode::NTo1;
    for (const IpPrefix& prefix : config.addressPool)
    {
        if (prefix.family != AF_INET || prefix.length > 32)
        {
            continue;
        }
        const std::uint32_t base = (std::uint32_t{prefix.bytes[0]} << 24) |
                                   (std::uint32_t{prefix.bytes[1]} << 16) |
                                   (std::uint32_t{prefix.bytes[2]} << 8) | prefix.bytes[3];
        const std::uint64_t count = std::uint64_t{1} << (32 - prefix.length);
        for (std::uint64_t i = 0; i < count && c.addressPool.size() < kMaxPoolAddresses; ++i)
        {
            c.addressPool.push_back(base + static_cast<std::uint32_t>(i));
        }
    }
    c.socketLimit = static_cast<std::uint16_t>(std::clamp(config.socketsPerClient, 1u, 65535u));
    c.maxClients = config.maxClients;
    c.registrationsPerSecond = config.registrationsPerSecond;
    c.registrationBurst = std::max(1u, config.registrationsPerSecond);
    c.maxClientBufferBytes = static_cast<std::size_t>(config.clientBufferBytes);
    c.maxMessageSize = maxMessageSize;
    return c;
}

EpCallPolicy
MakeCallPolicy(const ServerConfig& config)
{
    const std::vector<PortRange> bindPorts = config.allowBindPorts;
    const std::vector<DestinationRule> destinations = config.allowDestinations;
    const bool allowListen = config.allowListen;
    return [=](std::uint64_t, EpType call, const EpAddress& a) -> std::int32_t
    {
        switch (call)
        {
            case EpType::Listen:
                if (!allowListen)
                {
                    return EACCES;
                }
                return PortAllowed(bindPorts, a.port) ? 0 : EACCES;
            case EpType::Bind:
                return PortAllowed(bindPorts, a.port) ? 0 : EACCES;
            case EpType::Connect:
            case EpType::SendTo:
                return DestinationAllowed(destinations, a) ? 0 : EACCES;
            default:
                return 0;
        }
    };
}

LhpEndpoint::AdmissionHook
MakeMacAdmission(const ServerConfig& config)
{
    const std::vector<MacAddress> allowed = config.allowMac;
    return [allowed](const LhpPeerAddress& peer)
    {
        if (allowed.empty())
        {
            return true;
        }
        if (peer.Length() != 6)
        {
            return false;
        }
        return std::any_of(allowed.begin(),
                           allowed.end(),
                           [&](const MacAddress& m)
                           { return std::equal(m.begin(), m.end(), peer.Data()); });
    };
}

EpAdmissionHook
MakeClientModeAdmission(const ServerConfig& config, SessionMacLookup macOf)
{
    const std::vector<ClientModeRule> rules = config.clientModes;
    return [rules, macOf = std::move(macOf)](const EpRegistration& reg)
    {
        EpAdmission a;
        const std::optional<MacAddress> mac = rules.empty() ? std::nullopt : macOf(reg.sessionId);
        for (const ClientModeRule& r : rules)
        {
            if (mac && r.mac == *mac)
            {
                a.mode = r.mode == AddressMode::OneTo1 ? EpAddrMode::OneTo1 : EpAddrMode::NTo1;
                a.ipv4 = r.address.value_or(0);
                break;
            }
        }
        return a;
    };
}

} // namespace realnet
} // namespace resoa
