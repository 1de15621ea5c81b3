/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ipv4-routing-decorator.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(Ipv4RoutingDecorator);

TypeId
Ipv4RoutingDecorator::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::Ipv4RoutingDecorator").SetParent<Ipv4RoutingProtocol>().SetGroupName("Resoa");
    return tid;
}

void
Ipv4RoutingDecorator::DoDispose()
{
    if (m_inner)
    {
        m_inner->Dispose();
    }
    m_inner = nullptr;
    m_ipv4 = nullptr;
    Ipv4RoutingProtocol::DoDispose();
}

void
Ipv4RoutingDecorator::SetInner(Ptr<Ipv4RoutingProtocol> inner)
{
    m_inner = inner;
}

Ptr<Ipv4RoutingProtocol>
Ipv4RoutingDecorator::GetInner() const
{
    return m_inner;
}

Ptr<Ipv4Route>
Ipv4RoutingDecorator::RouteOutput(Ptr<Packet> p,
                                  const Ipv4Header& header,
                                  Ptr<NetDevice> oif,
                                  Socket::SocketErrno& sockerr)
{
    return m_inner->RouteOutput(p, header, oif, sockerr);
}

bool
Ipv4RoutingDecorator::RouteInput(Ptr<const Packet> p,
                                 const Ipv4Header& header,
                                 Ptr<const NetDevice> idev,
                                 UnicastForwardCallback ucb,
                                 MulticastForwardCallback mcb,
                                 LocalDeliverCallback lcb,
                                 ErrorCallback ecb)
{
    return m_inner->RouteInput(p, header, idev, ucb, mcb, lcb, ecb);
}

void
Ipv4RoutingDecorator::NotifyInterfaceUp(uint32_t interface)
{
    m_inner->NotifyInterfaceUp(interface);
}

void
Ipv4RoutingDecorator::NotifyInterfaceDown(uint32_t interface)
{
    m_inner->NotifyInterfaceDown(interface);
}

void
Ipv4RoutingDecorator::NotifyAddAddress(uint32_t interface, Ipv4InterfaceAddress address)
{
    m_inner->NotifyAddAddress(interface, address);
}

void
Ipv4RoutingDecorator::NotifyRemoveAddress(uint32_t interface, Ipv4InterfaceAddress address)
{
    m_inner->NotifyRemoveAddress(interface, address);
}

void
Ipv4RoutingDecorator::SetIpv4(Ptr<Ipv4> ipv4)
{
    m_ipv4 = ipv4;
}

void
Ipv4RoutingDecorator::PrintRoutingTable(Ptr<OutputStreamWrapper> stream, Time::Unit unit) const
{
    m_inner->PrintRoutingTable(stream, unit);
}

} // namespace ns3
