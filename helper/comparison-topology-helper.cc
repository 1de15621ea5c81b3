/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "comparison-topology-helper.h"

#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/napt-helper.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ComparisonTopologyHelper");

Ipv4Address
ComparisonTopology::PublicAddressOf(uint32_t i) const
{
    NS_ABORT_MSG_IF(i >= net.stas.GetN(), "no STA " << i);
    if (system == "tcp")
    {
        return net.staIfs.GetAddress(i);
    }
    if (system == "resoa" && i < clients.size() &&
        clients[i]->GetPublicAddress() != Ipv4Address::GetAny())
    {
        return clients[i]->GetPublicAddress(); // known once registered (1-to-1 may differ)
    }
    return net.apPublic;
}

ComparisonTopologyHelper::ComparisonTopologyHelper()
    : m_system("resoa")
    , m_clientStart(Seconds(0.1))
{
}

void
ComparisonTopologyHelper::SetSystem(const std::string& system)
{
    NS_ABORT_MSG_UNLESS(system == "resoa" || system == "nat" || system == "tcp",
                        "ComparisonTopologyHelper: system must be resoa, nat or tcp, got '"
                            << system << "'");
    m_system = system;
}

void
ComparisonTopologyHelper::SetClientStart(Time start)
{
    m_clientStart = start;
}

AccessNetworkHelper&
ComparisonTopologyHelper::Access()
{
    return m_access;
}

ResoaHelper&
ComparisonTopologyHelper::Resoa()
{
    return m_resoa;
}

ComparisonTopology
ComparisonTopologyHelper::Build(int64_t stream)
{
    ComparisonTopology t;
    t.system = m_system;
    const bool resoa = m_system == "resoa";
    m_access.SetStaInternet(!resoa);
    t.net = m_access.Build(stream);
    if (resoa)
    {
        Ptr<NetDevice> apWifi = t.net.wifi.Get(0);
        t.server = m_resoa.InstallServer(t.net.ap, NetDeviceContainer(apWifi));
        for (uint32_t i = 0; i < t.net.stas.GetN(); ++i)
        {
            t.clients.push_back(
                m_resoa.InstallClient(t.net.wifi.Get(i + 1), apWifi->GetAddress(), m_clientStart));
        }
    }
    else if (m_system == "nat")
    {
        Ptr<Ipv4> ipv4 = t.net.ap->GetObject<Ipv4>();
        t.napt = NaptHelper().Install(t.net.ap, ipv4->GetInterfaceForDevice(t.net.p2p.Get(0)));
    }
    NS_LOG_INFO("comparison topology: " << m_system << ", " << t.net.stas.GetN() << " STAs");
    return t;
}

} // namespace ns3
