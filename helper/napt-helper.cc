/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "napt-helper.h"

#include "ns3/abort.h"
#include "ns3/ipv4.h"
#include "ns3/uinteger.h"

namespace ns3
{

NaptHelper::NaptHelper()
{
    m_factory.SetTypeId(NaptRouting::GetTypeId());
}

void
NaptHelper::SetAttribute(const std::string& name, const AttributeValue& value)
{
    m_factory.Set(name, value);
}

Ptr<NaptRouting>
NaptHelper::Install(Ptr<Node> router, uint32_t publicInterface) const
{
    Ptr<Ipv4> ipv4 = router->GetObject<Ipv4>();
    NS_ABORT_MSG_UNLESS(ipv4, "NaptHelper::Install: the router has no Internet stack");
    NS_ABORT_MSG_UNLESS(publicInterface < ipv4->GetNInterfaces(),
                        "NaptHelper::Install: no Ipv4 interface " << publicInterface);
    Ptr<Ipv4RoutingProtocol> inner = ipv4->GetRoutingProtocol();
    NS_ABORT_MSG_UNLESS(inner, "NaptHelper::Install: the router has no routing protocol");
    Ptr<NaptRouting> napt = m_factory.Create<NaptRouting>();
    napt->SetAttribute("PublicInterface", UintegerValue(publicInterface));
    napt->SetInner(inner); // already bound to ipv4: SetIpv4 is not repeated on it
    ipv4->SetRoutingProtocol(napt);
    return napt;
}

} // namespace ns3
