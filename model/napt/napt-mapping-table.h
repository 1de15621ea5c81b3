/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_NAPT_MAPPING_TABLE_H
#define RESOA_NAPT_MAPPING_TABLE_H

#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Inbound filtering behaviour, in the terms of RFC 4787 section 5.
 */
enum NaptFiltering
{
    ENDPOINT_INDEPENDENT_FILTERING,      //!< any remote may send to a mapped public port
    ADDRESS_DEPENDENT_FILTERING,         //!< only remote addresses the private host sent to
    ADDRESS_AND_PORT_DEPENDENT_FILTERING //!< only remote address:port pairs it sent to
};

/**
 * \ingroup resoa
 * \brief An IPv4 transport endpoint (address and port).
 */
struct NaptEndpoint
{
    Ipv4Address address; //!< IPv4 address
    uint16_t port = 0;   //!< TCP/UDP port (0 = any port, in ALG expectations)

    /// Orders endpoints for use as map keys.
    bool operator<(const NaptEndpoint& o) const
    {
        return std::make_tuple(address.Get(), port) < std::make_tuple(o.address.Get(), o.port);
    }
};

/**
 * \ingroup resoa
 * \brief The settings a NaptMappingTable works with (NaptRouting's attributes).
 */
struct NaptPolicy
{
    uint16_t portFirst = 49152;                                     //!< first public port
    uint16_t portLast = 65535;                                      //!< last public port
    NaptFiltering filtering = ADDRESS_AND_PORT_DEPENDENT_FILTERING; //!< inbound filter
    Time tcpEstablished = Seconds(7440); //!< idle timeout of an established TCP session
    Time tcpTransitory = Seconds(240);   //!< idle timeout while opening or closing
    Time udp = Seconds(300);             //!< idle timeout of a UDP session
};

/**
 * \ingroup resoa
 * \brief The state of a NAPT: mappings, the sessions through them, port allocation and expiry.
 *
 * Mapping is endpoint-independent (RFC 4787 REQ-1, RFC 5382 REQ-1): one public port per
 * (protocol, private address, private port), reused for every destination. Each mapping holds
 * one session per remote endpoint; the sessions carry the filter state and the idle timers,
 * and a mapping lives while one of its sessions does. TCP sessions are transitory until the
 * three-way handshake has been seen, established afterwards, and transitory again after a FIN
 * or RST (RFC 5382 REQ-5). Sessions are refreshed by packets in both directions.
 *
 * No simulator access: time comes in as an argument, so the owner decides when to call
 * Expire() (NaptRouting schedules it at NextExpiry()).
 */
class NaptMappingTable
{
  public:
    /// A mapping: private endpoint <-> public port.
    struct Mapping
    {
        uint8_t protocol = 0;     //!< 6 (TCP) or 17 (UDP)
        NaptEndpoint privateSide; //!< the private host's endpoint
        uint16_t publicPort = 0;  //!< port on the public address
    };

    /// Why a packet was refused.
    enum class Verdict
    {
        OK,              //!< translate it
        NO_MAPPING,      //!< inbound to a public port with no mapping
        FILTERED,        //!< inbound from a remote the filter does not admit
        NO_SESSION,      //!< TCP segment that is not a SYN and belongs to no session
        PORTS_EXHAUSTED, //!< outbound, but every public port is in use
    };

    /// What a lookup decided.
    struct Result
    {
        Verdict verdict = Verdict::NO_MAPPING; //!< the decision
        Mapping mapping;                       //!< the mapping used (if OK)
        bool created = false;                  //!< the mapping is new
        Time expiry;                           //!< when the touched session expires if idle
    };

    /**
     * A packet from a private endpoint to a remote one. Creates the mapping (UDP, or a TCP
     * SYN) and the session as needed.
     * \param tcpFlags TcpHeader flags, 0 for UDP
     */
    Result Outbound(uint8_t protocol,
                    NaptEndpoint priv,
                    NaptEndpoint remote,
                    uint8_t tcpFlags,
                    Time now,
                    const NaptPolicy& policy);

    /// A packet from a remote endpoint to a public port; applies the filter.
    Result Inbound(uint8_t protocol,
                   uint16_t publicPort,
                   NaptEndpoint remote,
                   uint8_t tcpFlags,
                   Time now,
                   const NaptPolicy& policy);

    /**
     * For ALGs: make sure `priv` has a mapping and let `remote` (any port) open one
     * connection to it, whatever the filtering (an "expectation", as in conntrack).
     */
    Result Expect(uint8_t protocol,
                  NaptEndpoint priv,
                  Ipv4Address remote,
                  Time now,
                  const NaptPolicy& policy);

    /**
     * Removes the sessions idle past their timeout and the mappings left with none.
     * \return those mappings, plus any a lookup found expired since the last call
     */
    std::vector<Mapping> Expire(Time now, const NaptPolicy& policy);
    /// Mappings a lookup found expired (and removed) since the last Expire()/TakeExpired().
    std::vector<Mapping> TakeExpired();
    /// The earliest time a session can expire; Time::Max() with no mapping.
    Time NextExpiry(const NaptPolicy& policy) const;

    /// Number of live mappings.
    size_t GetCount() const;
    /// A copy of the live mappings.
    std::vector<Mapping> GetMappings() const;
    /// The mapping of a private endpoint, if any (Result::verdict OK).
    Result Find(uint8_t protocol, NaptEndpoint priv) const;

  private:
    /// TCP connection tracking of one session.
    enum class TcpState
    {
        OPENING,     //!< SYN seen, handshake not complete (transitory)
        ESTABLISHED, //!< handshake seen
        CLOSING,     //!< FIN or RST seen (transitory)
    };

    /// One remote endpoint talking through a mapping.
    struct Session
    {
        TcpState state = TcpState::OPENING; //!< TCP only
        bool synOut = false;                //!< SYN seen from the private side
        bool synIn = false;                 //!< SYN seen from the remote side
        Time last;                          //!< last packet, either direction
    };

    struct Entry
    {
        Mapping mapping;
        std::map<NaptEndpoint, Session> sessions; //!< port 0: an ALG expectation
    };

    using PublicKey = std::pair<uint8_t, uint16_t>;
    using PrivateKey = std::tuple<uint8_t, uint32_t, uint16_t>;

    Time Timeout(uint8_t protocol, const Session& s, const NaptPolicy& policy) const;
    static void Track(Session& s, bool outbound, uint8_t tcpFlags);
    /// Drops the entry's expired sessions (and the entry if it has none left); true if gone.
    bool ExpireEntry(std::map<PublicKey, Entry>::iterator it, Time now, const NaptPolicy& policy);
    Result Touch(
        Entry& e, Session& s, bool outbound, uint8_t flags, Time now, const NaptPolicy& policy);
    Entry* Create(uint8_t protocol, NaptEndpoint priv, const NaptPolicy& policy);

    std::map<PublicKey, Entry> m_byPublic;
    std::map<PrivateKey, uint16_t> m_byPrivate;
    std::map<uint8_t, uint32_t> m_cursor; //!< next port to try, per protocol
    std::vector<Mapping> m_expired;       //!< found expired on a lookup, reported by Expire()
};

} // namespace ns3

#endif // RESOA_NAPT_MAPPING_TABLE_H
