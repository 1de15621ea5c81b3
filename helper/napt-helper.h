/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_NAPT_HELPER_H
#define RESOA_NAPT_HELPER_H

#include "ns3/napt-routing.h"
#include "ns3/node.h"
#include "ns3/object-factory.h"

#include <string>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Turns a router into a NAPT (see NaptRouting).
 *
 * Order: install the Internet stack, assign addresses and add static routes (or populate
 * global routing tables) first, then call Install(). Install() wraps the node's routing
 * protocol as it is at that moment; static routes added later must go to
 * NaptRouting::GetInner() (Ipv4StaticRoutingHelper::GetStaticRouting() sees only the wrapper).
 * Set IP forwarding as usual; the NAT adds none of its own.
 */
class NaptHelper
{
  public:
    NaptHelper();

    /// Sets an attribute of every NaptRouting created afterwards (see NaptRouting::GetTypeId).
    void SetAttribute(const std::string& name, const AttributeValue& value);

    /**
     * Wraps `router`'s current routing protocol in a NaptRouting whose public side is
     * Ipv4 interface `publicInterface`, and makes it the node's routing protocol.
     */
    Ptr<NaptRouting> Install(Ptr<Node> router, uint32_t publicInterface) const;

  private:
    ObjectFactory m_factory;
};

} // namespace ns3

#endif // RESOA_NAPT_HELPER_H
