/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_SOURCE_ROUTING_H
#define RESOA_SOURCE_ROUTING_H

#include "ipv4-routing-decorator.h"

#include "ns3/node.h"

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
 * Everything else goes to the wrapped protocol unchanged (Ipv4RoutingDecorator).
 */
class ResoaSourceRouting : public Ipv4RoutingDecorator
{
  public:
    static TypeId GetTypeId();

    /// Source for routes returned until cleared (Ipv4Address::GetAny() clears).
    void SetSourceHint(Ipv4Address source);

    /// Wraps the routing protocol of `node` once and returns the decorator.
    static Ptr<ResoaSourceRouting> InstallOn(Ptr<Node> node);

    Ptr<Ipv4Route> RouteOutput(Ptr<Packet> p,
                               const Ipv4Header& header,
                               Ptr<NetDevice> oif,
                               Socket::SocketErrno& sockerr) override;

  private:
    Ipv4Address m_hint = Ipv4Address::GetAny();
};

} // namespace ns3

#endif // RESOA_SOURCE_ROUTING_H
