/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_DHCP_AGENT_H
#define RESOA_REALNET_DHCP_AGENT_H

#include "dhcp-lease.h"
#include "event-loop.h"
#include "log.h"
#include "mac-address.h"
#include "netlink-address.h"
#include "unique-fd.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/// How resoa-serverd leases addresses by DHCP (DhcpLeaseConfig's timers, the interface).
struct DhcpAgentConfig
{
    std::string interface; //!< the public interface: the DHCP server's link
    Duration retransmit = std::chrono::seconds(1);
    Duration acquireTimeout = std::chrono::seconds(4);
    /// Option 61 = the client's MAC: dnsmasq and ISC dhcpd key leases on it when present.
    bool sendClientId = true;
};

/// Totals over every lease of a DhcpAgent.
struct DhcpAgentStats
{
    DhcpLease::Stats leases;       //!< summed over every lease, gone or held
    std::uint64_t undecodable = 0; //!< datagrams on port 68 that are not DHCP
    std::uint64_t unmatched = 0;   //!< DHCP replies for no lease of this agent
    std::uint64_t sendErrors = 0;  //!< sendto failed (the lease's retransmit repairs)
};

/**
 * \brief resoa-serverd's DHCP on its clients' behalf: the Linux driver of resoa::DhcpLease
 * (the ns-3 driver is ns3::ResoaDhcpAgent), I/O only.
 *
 * One lease per key (the server's session id), with the client's MAC as chaddr, so the
 * DHCP server hands out one address per client. One UDP socket on port 68, bound to the
 * public interface (SO_BINDTODEVICE) with SO_BROADCAST, sends every message to
 * 255.255.255.255:67 and receives the broadcast replies and a renewal's unicast ACK (to the
 * leased address, which is on the interface by then); replies go to the lease whose xid and
 * chaddr they carry. A bound address is put on the interface with the lease's mask
 * (netlink, CAP_NET_ADMIN) and taken off when the lease is released or lost. Deadlines
 * are the owner's to arm: NextDeadline / HandleDeadline, on the EventLoop's one timer.
 */
class DhcpAgent
{
  public:
    /// An outcome of lease \p key: the core's event (Bound, Renewed, Failed, Lost).
    using OutcomeCallback = std::function<void(std::uint64_t key, const DhcpLeaseEvent& event)>;

    /**
     * Opens the port-68 socket on \p interface. Binding port 68 needs CAP_NET_BIND_SERVICE
     * and SO_BINDTODEVICE CAP_NET_RAW on older kernels: call it before dropping privileges.
     * \throws std::system_error (EADDRINUSE if a DHCP client of the host holds port 68)
     */
    static UniqueFd OpenSocket(const std::string& interface);

    /// Watches \p socket (from OpenSocket) on \p loop. \p log is optional, not owned.
    DhcpAgent(EventLoop& loop, UniqueFd socket, DhcpAgentConfig config, Logger* log = nullptr);
    /// Releases every lease (DHCPRELEASE, addresses removed) and unwatches the socket.
    ~DhcpAgent();

    DhcpAgent(const DhcpAgent&) = delete;
    DhcpAgent& operator=(const DhcpAgent&) = delete;

    void SetOutcomeCallback(OutcomeCallback callback);
    /// Starts leasing an address for \p mac under \p key (a key in use is released first).
    void Acquire(std::uint64_t key, const MacAddress& mac, TimePoint now);
    /// Gives lease \p key back (DHCPRELEASE if bound) and removes its address.
    void Release(std::uint64_t key, TimePoint now);

    /// The earliest deadline of every lease.
    std::optional<TimePoint> NextDeadline() const;
    /// Runs every lease whose deadline has passed.
    void HandleDeadline(TimePoint now);

    /// The address bound under \p key (host order; 0 if none).
    std::uint32_t GetAddress(std::uint64_t key) const;
    /// Leases held (acquiring, bound or renewing).
    std::size_t GetLeaseCount() const;
    DhcpAgentStats GetStats() const;

  private:
    struct Entry
    {
        std::unique_ptr<DhcpLease> lease;
        std::uint32_t added = 0; //!< the address this lease put on the interface (0 = none)
        int prefixLength = 32;
    };
    struct Outcome
    {
        std::uint64_t key;
        DhcpLeaseEvent event;
    };

    void OnReadable();
    /// Sends what lease \p key queued, applies its events to the interface, collects them.
    void Pump(std::uint64_t key, std::vector<Outcome>& outcomes);
    /// Reports \p outcomes (after Pump: the callback may Acquire or Release).
    void Report(const std::vector<Outcome>& outcomes);
    void Send(const std::vector<std::uint8_t>& bytes);
    /// \return false if the kernel refused it (logged)
    bool AddAddress(Entry& e);
    void RemoveAddress(Entry& e);
    /// \return true if another live lease is for the same MAC (a client that reconnected)
    bool MacHeldElsewhere(std::uint64_t key, const std::array<std::uint8_t, 6>& mac) const;

    EventLoop& m_loop;
    UniqueFd m_socket;
    DhcpAgentConfig m_config;
    Logger* m_log;
    NetlinkAddress m_netlink;
    OutcomeCallback m_outcome;
    std::map<std::uint64_t, Entry> m_leases;
    /// How many leases hold each address we added (a reconnected client's old and new
    /// session lease the same address for a while): removed when the last one goes.
    std::map<std::uint32_t, unsigned> m_addressUsers;
    std::mt19937 m_xid;
    DhcpAgentStats m_stats; //!< leases: only those already gone
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_DHCP_AGENT_H
