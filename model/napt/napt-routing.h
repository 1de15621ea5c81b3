/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_NAPT_ROUTING_H
#define RESOA_NAPT_ROUTING_H

#include "napt-mapping-table.h"

#include "ns3/event-id.h"
#include "ns3/ipv4-routing-decorator.h"
#include "ns3/ipv4-routing-protocol.h"
#include "ns3/ipv4.h"
#include "ns3/traced-callback.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ns3
{

class NaptFtpAlg;
class TcpHeader;

/**
 * \ingroup resoa
 * \brief NAPT (network address and port translation) for an ns-3 router, with no netfilter.
 *
 * ns-3 3.37 has no NAT hook in Ipv4L3Protocol, so this is a routing-protocol decorator: it
 * becomes the node's routing protocol and wraps the previous one (normally an
 * Ipv4ListRouting, the "inner" protocol). It must sit on top, not in the list: the list hands
 * local traffic to local delivery before any member sees it. Every received packet passes
 * RouteInput() here; a translated copy with a rewritten Ipv4Header goes on to the inner
 * protocol's RouteInput(), which picks the route and forwards it (TTL is decremented there).
 * Locally generated traffic (RouteOutput) is not translated.
 *
 * Behaviour, in RFC 4787 / RFC 5382 terms:
 * - Endpoint-independent mapping: one public port per (protocol, private address, private
 *   port), reused for every destination; ports come round-robin from PortRangeStart..End.
 * - Filtering is the Filtering attribute; the default is address-and-port-dependent (a remote
 *   endpoint may send in only after the private host has sent to that address and port), the
 *   usual home-gateway behaviour.
 * - TCP/UDP only. Traffic from the public side to the public address without an admitted
 *   mapping is dropped, so unsolicited traffic never reaches a private host; so is
 *   public-side traffic addressed to a private host (global routing may advertise the private
 *   prefix). Other protocols to the public address (e.g. ICMP echo) go to the router itself;
 *   from the private side they are dropped at the public interface. IP fragments are dropped
 *   (no reassembly). No hairpinning.
 * - Timeouts: TCP established / transitory (RFC 5382 REQ-5), UDP (RFC 4787 REQ-5), refreshed
 *   by traffic in both directions, checked lazily on every lookup and by an event scheduled
 *   at the next possible expiry (none while the table is empty).
 * - Checksums: TCP/UDP checksums are recomputed over the new pseudo-header when
 *   ChecksumEnabled is set; the IP checksum is recomputed by Ipv4L3Protocol on the way out.
 * - Optional FTP ALG (EnableFtpAlg, see NaptFtpAlg).
 *
 * Static routes belong to the inner protocol: Ipv4StaticRoutingHelper::GetStaticRouting()
 * finds nothing through this wrapper, so add them before wrapping or through GetInner().
 * The router's own sockets should not use ports in the NAT's range on the public address.
 */
class NaptRouting : public Ipv4RoutingDecorator
{
  public:
    /// Why a packet was dropped (the Drop trace).
    enum DropReason
    {
        DROP_NO_MAPPING,      //!< to the public address, no mapping for the port
        DROP_FILTERED,        //!< mapping exists, the filter refuses the remote endpoint
        DROP_NO_SESSION,      //!< TCP segment, not a SYN, of no known connection
        DROP_TO_PRIVATE,      //!< from the public side, addressed to a private host
        DROP_PORTS_EXHAUSTED, //!< no public port left
        DROP_UNSUPPORTED,     //!< not TCP/UDP across the NAT, or a fragment
    };

    /// A mapping as the traces report it.
    struct MappingInfo
    {
        uint8_t protocol;           //!< 6 (TCP) or 17 (UDP)
        Ipv4Address privateAddress; //!< private host
        uint16_t privatePort;       //!< its port
        Ipv4Address publicAddress;  //!< the NAT's public address
        uint16_t publicPort;        //!< the mapped public port
    };

    /// Signature of the MappingCreated and MappingExpired traces.
    typedef void (*MappingTracedCallback)(const MappingInfo& mapping);
    /// Signature of the Drop trace.
    typedef void (*DropTracedCallback)(const Ipv4Header& header,
                                       Ptr<const Packet> packet,
                                       DropReason reason);

    /// \return the TypeId
    static TypeId GetTypeId();
    NaptRouting();
    ~NaptRouting() override;

    /// Human-readable name of a drop reason.
    static std::string DropReasonName(DropReason reason);

    /// Number of live mappings.
    uint32_t GetMappingCount() const;
    /// The live mappings.
    std::vector<MappingInfo> GetMappings() const;
    /// The public address in use (the attribute, or the public interface's first address).
    Ipv4Address GetPublicAddress() const;
    /// Lines the FTP ALG rewrote (0 when it is off).
    uint32_t GetAlgRewrites() const;
    /// Forgets every mapping and ALG state at once, as a router reboot does (paper Table 4.1,
    /// "intermediate state"): established connections through the NAT then break.
    void Restart();

    // Ipv4RoutingProtocol
    Ptr<Ipv4Route> RouteOutput(Ptr<Packet> p,
                               const Ipv4Header& header,
                               Ptr<NetDevice> oif,
                               Socket::SocketErrno& sockerr) override;
    bool RouteInput(Ptr<const Packet> p,
                    const Ipv4Header& header,
                    Ptr<const NetDevice> idev,
                    UnicastForwardCallback ucb,
                    MulticastForwardCallback mcb,
                    LocalDeliverCallback lcb,
                    ErrorCallback ecb) override;
    void PrintRoutingTable(Ptr<OutputStreamWrapper> stream,
                           Time::Unit unit = Time::S) const override;

  protected:
    void DoDispose() override;

  private:
    /// Where a packet goes relative to the NAT.
    enum class Direction
    {
        PASS,     //!< not across the NAT: the inner protocol handles it as is
        OUTBOUND, //!< private side to the public interface
        INBOUND,  //!< public side to the public address
        DROP,     //!< public side to a private host
    };

    Direction Classify(Ptr<const Packet> p, const Ipv4Header& header, uint32_t iif);
    /// Translates; nullptr (after the Drop trace) if refused. Updates `header`.
    Ptr<Packet> Translate(Ptr<const Packet> p, Ipv4Header& header, bool outbound);
    Ptr<Packet> TranslateTcp(Ptr<Packet> p, Ipv4Header& header, bool outbound);
    Ptr<Packet> TranslateUdp(Ptr<Packet> p, Ipv4Header& header, bool outbound);
    /// Fires MappingCreated / re-arms the expiry event after a table lookup.
    void Account(const NaptMappingTable::Result& r);
    void Drop(const Ipv4Header& header, Ptr<const Packet> p, DropReason reason);
    void ReportExpired(const std::vector<NaptMappingTable::Mapping>& expired);
    void ExpiryEvent();
    /// The FTP ALG, created on first use; nullptr while EnableFtpAlg is false.
    NaptFtpAlg* Alg();
    std::optional<uint16_t> AlgExpect(NaptEndpoint priv, Ipv4Address server);
    MappingInfo Info(const NaptMappingTable::Mapping& m) const;
    NaptPolicy Policy() const;

    uint32_t m_publicIf;
    Ipv4Address m_publicAddress; //!< attribute; "any" means the interface's first address
    uint16_t m_portFirst;
    uint16_t m_portLast;
    NaptFiltering m_filtering;
    Time m_tcpEstablished;
    Time m_tcpTransitory;
    Time m_udpTimeout;
    bool m_enableFtpAlg;

    NaptMappingTable m_table;
    std::unique_ptr<NaptFtpAlg> m_alg;
    EventId m_expiryEvent;

    TracedCallback<const MappingInfo&> m_mappingCreated;
    TracedCallback<const MappingInfo&> m_mappingExpired;
    TracedCallback<const Ipv4Header&, Ptr<const Packet>, DropReason> m_drop;
};

} // namespace ns3

#endif // RESOA_NAPT_ROUTING_H
