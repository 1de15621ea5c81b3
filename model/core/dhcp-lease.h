/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_DHCP_LEASE_H
#define RESOA_DHCP_LEASE_H

#include "dhcp-message.h"
#include "resoa-time.h"

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace resoa
{

/// Configuration of one lease taken on a client's behalf.
struct DhcpLeaseConfig
{
    std::array<std::uint8_t, 6> mac{}; //!< the ReSoA client's MAC: chaddr of every message
    std::uint32_t xid = 0;             //!< transaction id (the driver draws it)
    /// Also send option 61 (type 1 + MAC). Off by default: ns-3 3.37's DhcpServer drops
    /// messages carrying options it does not know.
    bool sendClientId = false;
    /// An unanswered DISCOVER or REQUEST is sent again after this long.
    Duration retransmit = std::chrono::seconds(1);
    /// No lease (OFFER and ACK) within this long after Start: the lease fails (Timeout).
    Duration acquireTimeout = std::chrono::seconds(4);
    /// Lease length used when neither ACK nor OFFER carries option 51.
    Duration defaultLease = std::chrono::seconds(3600);
};

/// What a DhcpLease tells its driver.
struct DhcpLeaseEvent
{
    enum class Kind : std::uint8_t
    {
        Bound,   //!< the first ACK: `address` is leased until `expiry`
        Renewed, //!< a renewal ACK: the lease now lasts until `expiry`
        Failed,  //!< no lease was obtained: `reason`
        Lost,    //!< a bound lease ended without renewal: `reason` (Expired or Nak)
    };
    enum class Reason : std::uint8_t
    {
        None,
        Timeout, //!< no OFFER or no ACK within acquireTimeout (server down, pool exhausted)
        Nak,     //!< the server answered DHCPNAK
        Expired, //!< the lease time ran out without a renewal ACK
    };
    Kind kind = Kind::Bound;
    Reason reason = Reason::None;
    std::uint32_t address = 0; //!< host order
    TimePoint expiry{0};
};

/**
 * \brief One DHCP lease held for someone else (RFC 2131 client state machine), sans I/O.
 *
 * Start sends DHCPDISCOVER; the first matching OFFER (same xid and chaddr) is requested
 * (DHCPREQUEST with options 50 and 54); its ACK binds the lease. At T1 (option 58, else
 * half the lease) the lease is renewed with DHCPREQUEST (ciaddr and option 50 set, which
 * both RFC servers and ns-3's DhcpServer accept), sent again every `retransmit` until an
 * ACK or the lease end. A NAK while renewing or the lease end loses the lease; Release
 * sends DHCPRELEASE. Every message is broadcast by the driver (the lessee is not the host
 * that sends). Same four driver verbs as the other engines: OnMessage at t, PollOutgoing,
 * NextDeadline, HandleDeadline at t; PollEvent reports outcomes.
 */
class DhcpLease
{
  public:
    enum class State : std::uint8_t
    {
        Init,
        Selecting,  //!< DISCOVER sent, waiting for an OFFER
        Requesting, //!< REQUEST sent, waiting for an ACK
        Bound,
        Renewing, //!< past T1, REQUEST sent, waiting for an ACK
        Failed,   //!< never bound (see the Failed event), or lost by a NAK
        Expired,  //!< the lease ran out
        Released, //!< DHCPRELEASE sent
    };

    /// Counters.
    struct Stats
    {
        std::uint64_t discovers = 0;
        std::uint64_t requests = 0; //!< REQUESTs while acquiring
        std::uint64_t renewals = 0; //!< REQUESTs while renewing
        std::uint64_t releases = 0;
        std::uint64_t acks = 0;
        std::uint64_t naks = 0;
        std::uint64_t ignored = 0; //!< replies for another transaction or in the wrong state

        /// Adds \p other's counts (a driver's totals over its leases).
        Stats& operator+=(const Stats& other);
    };

    explicit DhcpLease(DhcpLeaseConfig config);

    /// Starts acquiring: queues DHCPDISCOVER.
    void Start(TimePoint now);
    /// A decoded message from the server side; false if it is not this lease's.
    bool OnMessage(const DhcpMessage& m, TimePoint now);
    /// Gives the lease back (DHCPRELEASE if bound or renewing); stops everything else.
    void Release(TimePoint now);

    /// The next encoded message to broadcast to port 67.
    std::optional<std::vector<std::uint8_t>> PollOutgoing();
    /// The next outcome for the driver.
    std::optional<DhcpLeaseEvent> PollEvent();
    /// When HandleDeadline must run next (none in a final state).
    std::optional<TimePoint> NextDeadline() const;
    void HandleDeadline(TimePoint now);

    State GetState() const;
    /// The leased address (host order; 0 unless Bound or Renewing).
    std::uint32_t GetAddress() const;
    /// Subnet mask from the server (0 if none given).
    std::uint32_t GetSubnetMask() const;
    /// The lease end and the renewal time (T1), while bound.
    TimePoint GetExpiry() const;
    TimePoint GetRenewAt() const;
    const Stats& GetStats() const;
    const DhcpLeaseConfig& GetConfig() const;

  private:
    DhcpMessage Base(DhcpType type) const;
    void SendDiscover(TimePoint now);
    void SendRequest(TimePoint now);
    /// An ACK (re)binds and reports `acked`; a NAK fails with `refused`. \return false if
    /// `m` is neither.
    bool OnAckOrNak(const DhcpMessage& m,
                    TimePoint now,
                    DhcpLeaseEvent::Kind acked,
                    DhcpLeaseEvent::Kind refused);
    void Bind(const DhcpMessage& ack, TimePoint now);
    void Fail(DhcpLeaseEvent::Kind kind, DhcpLeaseEvent::Reason reason, State state);

    DhcpLeaseConfig m_config;
    State m_state = State::Init;
    TimePoint m_acquireDeadline{0};
    TimePoint m_retransmitAt{0};
    TimePoint m_requestSentAt{0}; //!< the lease counts from its REQUEST (RFC 2131 §4.4.1)
    std::uint32_t m_offered = 0;
    std::uint32_t m_address = 0;
    std::uint32_t m_serverId = 0;
    std::uint32_t m_mask = 0;
    Duration m_lease{0};
    std::optional<Duration> m_renew;
    TimePoint m_expiry{0};
    TimePoint m_renewAt{0};
    std::deque<std::vector<std::uint8_t>> m_out;
    std::deque<DhcpLeaseEvent> m_events;
    Stats m_stats;
};

} // namespace resoa

#endif // RESOA_DHCP_LEASE_H
