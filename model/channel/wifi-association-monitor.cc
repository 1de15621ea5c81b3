/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "wifi-association-monitor.h"

#include "ns3/abort.h"
#include "ns3/ap-wifi-mac.h"
#include "ns3/callback.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/sta-wifi-mac.h"
#include "ns3/wifi-net-device.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("WifiAssociationMonitor");

NS_OBJECT_ENSURE_REGISTERED(WifiAssociationMonitor);

TypeId
WifiAssociationMonitor::GetTypeId()
{
    static TypeId tid = TypeId("ns3::WifiAssociationMonitor")
                            .SetParent<Object>()
                            .SetGroupName("Resoa")
                            .AddConstructor<WifiAssociationMonitor>()
                            .AddAttribute("ApCheckDelay",
                                          "How long after a station's association the AP is "
                                          "asked whether it confirmed it (longer than the AP's "
                                          "retry chain for the Association Response).",
                                          TimeValue(MilliSeconds(100)),
                                          MakeTimeAccessor(&WifiAssociationMonitor::m_apCheckDelay),
                                          MakeTimeChecker(Time(0)));
    return tid;
}

WifiAssociationMonitor::WifiAssociationMonitor()
{
    NS_LOG_FUNCTION(this);
}

WifiAssociationMonitor::~WifiAssociationMonitor()
{
    NS_LOG_FUNCTION(this);
}

uint32_t
WifiAssociationMonitor::Install(NetDeviceContainer devices)
{
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        Ptr<WifiNetDevice> dev = DynamicCast<WifiNetDevice>(devices.Get(d));
        if (dev && DynamicCast<ApWifiMac>(dev->GetMac()))
        {
            m_aps.push_back(dev->GetRemoteStationManager());
        }
    }
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        Ptr<WifiNetDevice> dev = DynamicCast<WifiNetDevice>(devices.Get(d));
        Ptr<StaWifiMac> mac = dev ? DynamicCast<StaWifiMac>(dev->GetMac()) : nullptr;
        if (!mac)
        {
            continue;
        }
        auto index = static_cast<uint32_t>(m_stations.size());
        Station s;
        s.address = mac->GetAddress();
        // The STA may already be associated if Install runs mid-simulation.
        s.associated = mac->IsAssociated();
        s.everAssociated = s.associated;
        s.firstAssociation = Simulator::Now();
        s.lastAssociation = Simulator::Now();
        m_stations.push_back(s);
        bool ok = mac->TraceConnectWithoutContext(
            "Assoc", MakeCallback(&WifiAssociationMonitor::OnAssoc, this).Bind(index));
        ok = ok &&
             mac->TraceConnectWithoutContext(
                 "DeAssoc", MakeCallback(&WifiAssociationMonitor::OnDeAssoc, this).Bind(index));
        NS_ABORT_MSG_UNLESS(ok, "StaWifiMac has no Assoc/DeAssoc trace source");
    }
    return GetNStations();
}

void
WifiAssociationMonitor::OnAssoc(uint32_t index, Mac48Address bssid)
{
    Station& s = m_stations.at(index);
    Time now = Simulator::Now();
    NS_LOG_INFO(s.address << " associated with " << bssid << " at " << now.As(Time::S));
    ++s.associations;
    ++s.epoch;
    if (!s.everAssociated)
    {
        s.everAssociated = true;
        s.firstAssociation = now;
    }
    if (s.inOutage)
    {
        s.outage += now - s.outageStart;
        s.inOutage = false;
    }
    s.associated = true;
    s.lastAssociation = now;
    if (!m_aps.empty())
    {
        Simulator::Schedule(m_apCheckDelay,
                            &WifiAssociationMonitor::CheckAp,
                            Ptr<WifiAssociationMonitor>(this),
                            index,
                            s.epoch);
    }
}

void
WifiAssociationMonitor::CheckAp(uint32_t index, uint64_t epoch)
{
    Station& s = m_stations.at(index);
    if (s.epoch != epoch || !s.associated || IsKnownToAp(index))
    {
        return;
    }
    NS_LOG_INFO(s.address << " believes it is associated since " << s.lastAssociation.As(Time::S)
                          << ", the AP does not");
    ++s.halfAssociations;
    // Nothing got through since the association: the outage starts there.
    s.inOutage = true;
    s.outageStart = s.lastAssociation;
}

void
WifiAssociationMonitor::OnDeAssoc(uint32_t index, Mac48Address bssid)
{
    Station& s = m_stations.at(index);
    Time now = Simulator::Now();
    NS_LOG_INFO(s.address << " lost association with " << bssid << " at " << now.As(Time::S));
    if (!s.associated)
    {
        return; // a failed attempt while already unassociated: same outage
    }
    ++s.deassociations;
    ++s.epoch;
    s.associated = false;
    if (!s.inOutage) // a half association's outage just goes on
    {
        s.inOutage = true;
        s.outageStart = now;
    }
}

uint32_t
WifiAssociationMonitor::GetNStations() const
{
    return static_cast<uint32_t>(m_stations.size());
}

Mac48Address
WifiAssociationMonitor::GetAddress(uint32_t i) const
{
    return m_stations.at(i).address;
}

bool
WifiAssociationMonitor::IsAssociated(uint32_t i) const
{
    return m_stations.at(i).associated;
}

bool
WifiAssociationMonitor::EverAssociated(uint32_t i) const
{
    return m_stations.at(i).everAssociated;
}

Time
WifiAssociationMonitor::GetFirstAssociationTime(uint32_t i) const
{
    return m_stations.at(i).firstAssociation;
}

uint32_t
WifiAssociationMonitor::GetAssociations(uint32_t i) const
{
    return m_stations.at(i).associations;
}

bool
WifiAssociationMonitor::IsKnownToAp(uint32_t i) const
{
    for (const auto& manager : m_aps)
    {
        if (manager->IsAssociated(m_stations.at(i).address))
        {
            return true;
        }
    }
    return false;
}

uint32_t
WifiAssociationMonitor::GetHalfAssociations(uint32_t i) const
{
    return m_stations.at(i).halfAssociations;
}

uint32_t
WifiAssociationMonitor::GetDeassociations(uint32_t i) const
{
    return m_stations.at(i).deassociations;
}

Time
WifiAssociationMonitor::GetOutage(uint32_t i) const
{
    const Station& s = m_stations.at(i);
    return s.outage + (s.inOutage ? Simulator::Now() - s.outageStart : Time(0));
}

uint32_t
WifiAssociationMonitor::GetTotalDeassociations() const
{
    uint32_t n = 0;
    for (const Station& s : m_stations)
    {
        n += s.deassociations;
    }
    return n;
}

bool
WifiAssociationMonitor::AnyOutage() const
{
    for (const Station& s : m_stations)
    {
        if (!s.everAssociated || s.deassociations > 0 || s.halfAssociations > 0)
        {
            return true;
        }
    }
    return false;
}

void
WifiAssociationMonitor::Report(std::ostream& os) const
{
    for (uint32_t i = 0; i < GetNStations(); ++i)
    {
        const Station& s = m_stations[i];
        os << "sta " << s.address << " associations " << s.associations << " deassociations "
           << s.deassociations << " half-associations " << s.halfAssociations << " outage "
           << GetOutage(i).GetSeconds() << " s";
        if (s.everAssociated)
        {
            os << " first-association " << s.firstAssociation.GetSeconds() << " s";
        }
        else
        {
            os << " never-associated";
        }
        os << "\n";
    }
}

} // namespace ns3
