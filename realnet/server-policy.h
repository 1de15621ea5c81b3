/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_SERVER_POLICY_H
#define RESOA_REALNET_SERVER_POLICY_H

#include "daemon-config.h"
#include "ep-server.h"
#include "lhp-endpoint.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace resoa
{
namespace realnet
{

/// Most 1-to-1 pool addresses taken from the address-pool prefixes.
constexpr std::size_t kMaxPoolAddresses = 65536;

/**
 * \brief The EpServerConfig that resoa-serverd's settings ask for: public address,
 * address modes, the pool (every address of each IPv4 prefix, network and broadcast
 * addresses included, at most kMaxPoolAddresses), the socket limit, and \p maxMessageSize
 * (the LHP payload size). The other knobs keep the core's defaults.
 */
EpServerConfig MakeEpServerConfig(const ServerConfig& config, std::size_t maxMessageSize);

/**
 * \brief The per-call policy of resoa-serverd (EpServer::SetCallPolicy):
 *  - Bind: port 0 (ephemeral) always; another port only inside allow-bind-ports.
 *  - Listen: only with allow-listen (port as for Bind).
 *  - Connect, SendTo: the destination must match one allow-destinations rule (prefix and
 *    port range).
 * A refusal is EACCES, which is what an application sees when a local firewall or LSM
 * refuses the same call.
 */
EpCallPolicy MakeCallPolicy(const ServerConfig& config);

/**
 * \brief LHP admission by MAC: with an allow-mac list, only those peers may open an LHP
 * connection (LhpEndpoint::SetAdmissionHook); an empty list admits everyone.
 */
LhpEndpoint::AdmissionHook MakeMacAdmission(const ServerConfig& config);

/// Where the registration policy learns a session's client MAC (ServerLoop: the LHP peer).
using SessionMacLookup = std::function<std::optional<MacAddress>(std::uint64_t sessionId)>;

/**
 * \brief The registration policy (EpServer::SetAdmissionHook): a client whose MAC has a
 * client-mode entry gets that mode (and address), whatever its clientd asked for; the others
 * get what they ask for. An empty list admits everyone unchanged.
 */
EpAdmissionHook MakeClientModeAdmission(const ServerConfig& config, SessionMacLookup macOf);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_SERVER_POLICY_H
