/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "lhp-helper.h"

namespace ns3
{

LhpHelper::LhpHelper()
{
    m_factory.SetTypeId(LhpProtocol::GetTypeId());
}

void
LhpHelper::SetAttribute(const std::string& name, const AttributeValue& value)
{
    m_factory.Set(name, value);
}

Ptr<LhpProtocol>
LhpHelper::Install(Ptr<NetDevice> device) const
{
    Ptr<LhpProtocol> lhp = m_factory.Create<LhpProtocol>();
    lhp->SetDevice(device);
    return lhp;
}

std::vector<Ptr<LhpProtocol>>
LhpHelper::Install(NetDeviceContainer devices) const
{
    std::vector<Ptr<LhpProtocol>> out;
    for (uint32_t i = 0; i < devices.GetN(); ++i)
    {
        out.push_back(Install(devices.Get(i)));
    }
    return out;
}

} // namespace ns3
