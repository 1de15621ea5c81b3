/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_LHP_HELPER_H
#define RESOA_LHP_HELPER_H

#include "ns3/lhp-protocol.h"
#include "ns3/net-device-container.h"
#include "ns3/object-factory.h"

#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Installs LhpProtocol instances on NetDevices, with common attributes.
 *
 * No IP stack is needed on either node: LHP runs straight over the link.
 */
class LhpHelper
{
  public:
    LhpHelper();

    /// Sets an attribute of every LhpProtocol created afterwards (see LhpProtocol::GetTypeId).
    void SetAttribute(const std::string& name, const AttributeValue& value);

    /// Creates an LhpProtocol bound to `device`.
    Ptr<LhpProtocol> Install(Ptr<NetDevice> device) const;
    /// One LhpProtocol per device, in order.
    std::vector<Ptr<LhpProtocol>> Install(NetDeviceContainer devices) const;

  private:
    ObjectFactory m_factory;
};

} // namespace ns3

#endif // RESOA_LHP_HELPER_H
