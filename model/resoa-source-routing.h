/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_SOURCE_ROUTING_H
#define RESOA_SOURCE_ROUTING_H

#include "ns3/ipv4-routing-protocol.h"

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Routing decorator on a ReSoA server that lets a connect use the source address its
 * socket was bound to (1-to-1 mode).
 *
 * ns-3 3.37's TCP takes a connection's local address from the route's source when it
 * connects, even for a socket bound to one specific address, so a server holding several
 * public addresses could never connect *from* a client's own address. Ns3EpSocketStack sets a
 * source hint around Connect; RouteOutput then returns the inner route with that source.
 * Everything else goes to the wrapped protocol unchanged.
 */
class ResoaSourceRouting : public Ipv4RoutingProtocol
{
  public:
    static TypeId GetTypeId();

    /// Wraps `inner` (already bound to the node's Ipv4; SetIpv4 is not repeated on it).
    void SetInner(Ptr<Ipv4RoutingProtocol> inner);
    Ptr<Ipv4RoutingProtocol> GetInner() const;
    /// Source for routes returned until cleared (Ipv4Address::GetAny() clears).
    void SetSourceHint(Ipv4Address source);

    /// Wraps the routing protocol of `node` once and returns the decorator.
    static Ptr<ResoaSourceRouting> InstallOn(Ptr<Node> node);

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

  private:
    Ptr<Ipv4RoutingProtocol> m_inner;
    Ipv4Address m_hint = Ipv4Address::GetAny();
};

} // namespace ns3

#endif // RESOA_SOURCE_ROUTING_H
