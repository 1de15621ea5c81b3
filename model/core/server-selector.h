/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_SERVER_SELECTOR_H
#define RESOA_SERVER_SELECTOR_H

#include "resoa-time.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace resoa
{

/// Which server of its list a client tries first.
enum class ServerStartPolicy : std::uint8_t
{
    /// FNV-1a (32 bit) of the client's own link address, modulo the list length: clients
    /// spread over the servers with no shared state and no coordination, and a client comes
    /// back to the same server after a restart.
    Hash,
    /// The first server of the list. A deployment (or ns-3's ResoaHelper::InstallClients)
    /// spreads clients by giving each one a rotated list.
    First,
};

/// The selector's knobs. The backoff defaults are resoa-clientd's reconnect backoff.
struct ServerSelectorConfig
{
    ServerStartPolicy start = ServerStartPolicy::Hash;   //!< where the first round starts
    Duration backoffMin{std::chrono::milliseconds(100)}; //!< wait after the first failed round
    Duration backoffMax{std::chrono::seconds(5)};        //!< the wait doubles up to this
};

/**
 * \brief Which ReSoA server a client registers with, and when it tries the next one
 * (load sharing and failover between several servers, paper §4.4).
 *
 * The policy, in full:
 * - **Start.** The client starts with server `Fnv1a32(own link address) mod n` of its list
 *   of n servers (ServerStartPolicy::Hash), or with the first (ServerStartPolicy::First).
 * - **Failure.** A link to the current server that cannot be opened (the LHP connect
 *   failed), dies (dead timeout), is closed by the server, or whose registration the
 *   server refuses, is a failure. The client then moves to the next server in list order,
 *   wrapping around.
 * - **Wait.** Moving on within a round costs nothing: the next server is tried at once.
 *   A round is complete when every server of the list has failed since the last successful
 *   registration; the next attempt then waits the backoff, which starts at backoffMin and
 *   doubles up to backoffMax. With one server every failure completes a round, so a single
 *   server is retried after 100 ms, 200 ms, ... 5 s, as resoa-clientd always did.
 * - **Success.** A successful registration ends the round and resets the backoff.
 *
 * So a client whose server dies registers with the next server within the LHP dead timeout
 * (the silence that declares the link dead) plus one handshake and one registration round
 * trip; the old server's sockets fail at the dead timeout (EpClient::OnLinkDown: ENETDOWN).
 *
 * Sans-I/O: the selector only holds indices into the driver's own list of addresses, and
 * never reads a clock; a driver arms its reconnect timer with the Duration it returns.
 */
class ServerSelector
{
  public:
    /**
     * \param serverCount length of the driver's server list (at least 1)
     * \param clientAddress the client's own link address (hashed by ServerStartPolicy::Hash)
     * \param config start policy and backoff
     */
    ServerSelector(std::size_t serverCount,
                   const std::vector<std::uint8_t>& clientAddress,
                   ServerSelectorConfig config = {});

    /// Index of the server to connect to (or registered with) now.
    std::size_t Current() const;
    /// Length of the server list.
    std::size_t Count() const;
    /// Index the start policy picked (the first Current()).
    std::size_t StartIndex() const;

    /**
     * The link to Current() failed or its registration was refused: moves to the next
     * server and returns how long to wait before connecting to it (zero within a round,
     * the backoff when this failure completed a round).
     */
    Duration OnFailure();
    /// Current() accepted the registration: the round ends, the backoff resets.
    void OnRegistered();

    /// Times OnFailure moved to another server (0 with one server).
    std::uint64_t GetFailoverCount() const;
    /// The wait a round completed now would cost.
    Duration GetBackoff() const;

    /// 32-bit FNV-1a of `len` bytes (offset basis 2166136261, prime 16777619).
    static std::uint32_t Fnv1a32(const std::uint8_t* data, std::size_t len);
    /// The index ServerStartPolicy::Hash picks for `clientAddress` among `serverCount`.
    static std::size_t HashIndex(const std::vector<std::uint8_t>& clientAddress,
                                 std::size_t serverCount);

  private:
    ServerSelectorConfig m_config;
    std::size_t m_count;
    std::size_t m_start;
    std::size_t m_current;
    std::size_t m_failedInRound = 0;
    Duration m_backoff;
    std::uint64_t m_failovers = 0;
};

} // namespace resoa

#endif // RESOA_SERVER_SELECTOR_H
