/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_DHCP_AGENT_H
#define RESOA_DHCP_AGENT_H

#include "ns3/callback.h"
#include "ns3/dhcp-lease.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/mac48-address.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/random-variable-stream.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"

#include <map>
#include <memory>

namespace ns3
{

class Node;

/**
 * \ingroup resoa
 * \brief DHCP on other hosts' behalf: the ReSoA server's lessor for 1-to-1 clients.
 *
 * Each lease (key: the server's session id) is a resoa::DhcpLease whose chaddr is the
 * client's MAC, so a DHCP server hands out one address per client. The agent drives the
 * leases through one UDP socket on port 68 bound to the server's Internet-side interface,
 * broadcasting to port 67 (ns-3 3.37's DhcpServer answers by broadcast, so replies are
 * demultiplexed by xid and chaddr). A bound address is added to that interface (with the
 * lease's mask) until the lease is released or lost; then it is removed.
 */
class ResoaDhcpAgent : public Object
{
  public:
    /// What happened to a lease.
    enum Outcome
    {
        BOUND,          //!< leased: the address is on the interface
        RENEWED,        //!< renewed at T1
        FAILED_TIMEOUT, //!< no lease within Timeout (server down, pool exhausted)
        FAILED_NAK,     //!< the DHCP server refused (DHCPNAK)
        LOST_EXPIRED,   //!< a bound lease ran out without renewal (address removed)
        LOST_NAK,       //!< a renewal was refused (address removed)
    };

    /// Reports an outcome for the lease `key` (address: the leased or lost one).
    typedef Callback<void, uint64_t, Outcome, Ipv4Address> OutcomeCallback;
    /// Trace signature of Lease: key, outcome, address.
    typedef void (*LeaseTracedCallback)(uint64_t key, Outcome outcome, Ipv4Address address);
    /// Trace signature of Tx: key, the DHCP message type sent.
    typedef void (*TxTracedCallback)(uint64_t key, uint8_t type);

    /// Totals over every lease this agent held.
    struct Stats
    {
        uint64_t discovers = 0;
        uint64_t requests = 0;
        uint64_t renewals = 0;
        uint64_t releases = 0;
        uint64_t acks = 0;
        uint64_t naks = 0;
        uint64_t undecodable = 0; //!< datagrams on port 68 that are not DHCP
        uint64_t unmatched = 0;   //!< DHCP replies for no lease of this agent
    };

    static TypeId GetTypeId();
    ResoaDhcpAgent();
    ~ResoaDhcpAgent() override;

    /// Leases on `node`'s IPv4 interface `interface` (opens the port-68 socket).
    void Setup(Ptr<Node> node, uint32_t interface);
    void SetOutcomeCallback(OutcomeCallback cb);
    /// Starts leasing an address for `mac` under `key` (a key in use is released first).
    void Acquire(uint64_t key, Mac48Address mac);
    /// Gives the lease `key` back (DHCPRELEASE if bound) and removes its address.
    void Release(uint64_t key);
    /// Forgets every lease at once, sending nothing (a crash); addresses stay configured.
    void Abort();

    /// The address bound under `key` (0.0.0.0 if none).
    Ipv4Address GetAddress(uint64_t key) const;
    /// The lease under `key`, for inspection (nullptr if none).
    const resoa::DhcpLease* GetLease(uint64_t key) const;
    /// Leases held (acquiring, bound or renewing).
    uint32_t GetLeaseCount() const;
    Stats GetStats() const;
    /// The IPv4 interface leases are taken on.
    uint32_t GetInterface() const;

    /// Fixes the random stream of transaction ids; returns the streams used (1).
    int64_t AssignStreams(int64_t stream);

  protected:
    void DoDispose() override;

  private:
    struct Entry
    {
        std::unique_ptr<resoa::DhcpLease> lease;
        EventId timer;
        Ipv4Address added; //!< the address put on the interface (0.0.0.0 if none)
    };

    void OnReceive(Ptr<Socket> socket);
    /// Sends what the lease queued, reports its events, re-arms its timer.
    void Pump(uint64_t key);
    void OnTimer(uint64_t key);
    void AddAddress(Entry& e, Ipv4Address a, uint32_t mask);
    void RemoveAddress(Entry& e);
    void Account(const resoa::DhcpLease& lease);
    static resoa::TimePoint Now();

    Ptr<Node> m_node;
    uint32_t m_interface;
    Ptr<Socket> m_socket;
    Time m_retransmit;
    Time m_timeout;
    bool m_sendClientId;
    Ptr<UniformRandomVariable> m_xid;
    OutcomeCallback m_outcome;
    std::map<uint64_t, Entry> m_leases;
    Stats m_finished; //!< counters of leases already gone
    uint64_t m_undecodable;
    uint64_t m_unmatched;

    TracedCallback<uint64_t, Outcome, Ipv4Address> m_leaseTrace;
    TracedCallback<uint64_t, uint8_t> m_txTrace;
};

} // namespace ns3

#endif // RESOA_DHCP_AGENT_H
