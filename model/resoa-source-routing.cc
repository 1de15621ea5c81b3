/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "resoa-source-routing.h"

#include "ns3/ipv4-route.h"
#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/node.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ResoaSourceRouting");
NS_OBJECT_ENSURE_REGISTERED(ResoaSourceRouting);

TypeId
ResoaSourceRouting::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ResoaSourceRouting")
                            .SetParent<Ipv4RoutingDecorator>()
                            .SetGroupName("Resoa")
                            .AddConstructor<ResoaSourceRouting>();
    return tid;
}

void
ResoaSourceRouting::SetSourceHint(Ipv4Address source)
{
    m_hint = source;
}

Ptr<ResoaSourceRouting>
ResoaSourceRouting::InstallOn(Ptr<Node> node)
{
    Ptr<Ipv4> ipv4 = node->GetObject<Ipv4>();
    NS_ABORT_MSG_UNLESS(ipv4 && ipv4->GetRoutingProtocol(), "node has no Ipv4 routing");
    if (Ptr<ResoaSourceRouting> existing =
            DynamicCast<ResoaSourceRouting>(ipv4->GetRoutingProtocol()))
    {
        return existing;
    }
    Ptr<ResoaSourceRouting> wrapper = CreateObject<ResoaSourceRouting>();
    wrapper->SetInner(ipv4->GetRoutingProtocol());
    ipv4->SetRoutingProtocol(wrapper);
    return wrapper;
}

Ptr<Ipv4Route>
ResoaSourceRouting::RouteOutput(Ptr<Packet> p,
                                const Ipv4Header& header,
                                Ptr<NetDevice> oif,
                                Socket::SocketErrno& sockerr)
{
    Ptr<Ipv4Route> route = m_inner->RouteOutput(p, header, oif, sockerr);
    if (!route || m_hint == Ipv4Address::GetAny())
    {
        return route;
    }
    Ptr<Ipv4Route> hinted = Create<Ipv4Route>(*route);
    hinted->SetSource(m_hint);
    return hinted;
}

} // namespace ns3
