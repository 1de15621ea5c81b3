/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_IPV4_ROUTING_DECORATOR_H
#define RESOA_IPV4_ROUTING_DECORATOR_H

#include "ns3/ipv4-routing-protocol.h"
#include "ns3/ipv4.h"

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Base of routing protocols that wrap a node's existing one (NAPT, ReSoA's source
 * address hint): everything is forwarded to the inner protocol unless a subclass overrides it.
 *
 * Install with Ipv4::SetRoutingProtocol(decorator) after SetInner(node's protocol). The inner
 * protocol is already bound to the node's Ipv4, so SetIpv4 only records it here: binding it
 * twice asserts in ns-3 debug builds. Static routes go to GetInner().
 */
class Ipv4RoutingDecorator : public Ipv4RoutingProtocol
{
  public:
    static TypeId GetTypeId();

    /// The protocol this one wraps.
    void SetInner(Ptr<Ipv4RoutingProtocol> inner);
    Ptr<Ipv4RoutingProtocol> GetInner() const;

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
    void NotifyInterfaceUp(uint32_t interface) override;
    void NotifyInterfaceDown(uint32_t interface) override;
    void NotifyAddAddress(uint32_t interface, Ipv4InterfaceAddress address) override;
    void NotifyRemoveAddress(uint32_t interface, Ipv4InterfaceAddress address) override;
    void SetIpv4(Ptr<Ipv4> ipv4) override;
    void PrintRoutingTable(Ptr<OutputStreamWrapper> stream,
                           Time::Unit unit = Time::S) const override;

  protected:
    void DoDispose() override;

    Ptr<Ipv4RoutingProtocol> m_inner; //!< the wrapped protocol
    Ptr<Ipv4> m_ipv4;                 //!< the node's Ipv4 (recorded by SetIpv4)
};

} // namespace ns3

#endif // RESOA_IPV4_ROUTING_DECORATOR_H
