/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "wifi-assoc-timer-guard.h"

#include "ns3/log.h"
#include "ns3/qos-utils.h"
#include "ns3/simulator.h"
#include "ns3/wifi-mac-queue.h"
#include "ns3/wifi-mpdu.h"
#include "ns3/wifi-net-device.h"

#include <algorithm>
#include <optional>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("WifiAssocTimerGuard");

NS_OBJECT_ENSURE_REGISTERED(WifiAssocTimerGuard);

TypeId
WifiAssocTimerGuard::GetTypeId()
{
    static TypeId tid = TypeId("ns3::WifiAssocTimerGuard")
                            .SetParent<Object>()
                            .SetGroupName("Resoa")
                            .AddConstructor<WifiAssocTimerGuard>();
    return tid;
}

WifiAssocTimerGuard::WifiAssocTimerGuard()
{
    NS_LOG_FUNCTION(this);
}

WifiAssocTimerGuard::~WifiAssocTimerGuard()
{
    NS_LOG_FUNCTION(this);
    Unhook();
}

uint32_t
WifiAssocTimerGuard::Install(NetDeviceContainer devices)
{
    NS_LOG_FUNCTION(this);
    if (!m_destroyScheduled)
    {
        // The MACs' trace sources hold sinks that point to us: the simulation keeps the guard
        // alive until Simulator::Destroy, after the nodes (and their MACs) were disposed.
        Simulator::ScheduleDestroy(&WifiAssocTimerGuard::Dispose, Ptr<WifiAssocTimerGuard>(this));
        m_destroyScheduled = true;
    }
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        Ptr<WifiNetDevice> dev = DynamicCast<WifiNetDevice>(devices.Get(d));
        Ptr<StaWifiMac> mac = dev ? DynamicCast<StaWifiMac>(dev->GetMac()) : nullptr;
        if (!mac)
        {
            continue;
        }
        auto st = std::make_unique<Station>();
        Station* raw = st.get();
        st->mac = mac;
        TimeValue timeout;
        mac->GetAttribute("AssocRequestTimeout", timeout);
        st->assocRequestTimeout = timeout.Get();
        st->assocSink = MakeCallback(&WifiAssocTimerGuard::OnAssoc, this, raw);
        st->deAssocSink = MakeCallback(&WifiAssocTimerGuard::OnDeAssoc, this, raw);
        st->beaconSink = MakeCallback(&WifiAssocTimerGuard::OnBeacon, this, raw);
        bool ok = mac->TraceConnectWithoutContext("Assoc", st->assocSink) &&
                  mac->TraceConnectWithoutContext("DeAssoc", st->deAssocSink) &&
                  mac->TraceConnectWithoutContext("ReceivedBeaconInfo", st->beaconSink);
        NS_ABORT_MSG_UNLESS(ok, "StaWifiMac lacks the Assoc, DeAssoc or ReceivedBeaconInfo trace");
        // Association Requests go to the non-QoS Txop or to AC_BE / AC_VO (QoS).
        for (AcIndex ac : {AC_BE_NQOS, AC_BE, AC_BK, AC_VI, AC_VO})
        {
            Ptr<WifiMacQueue> queue = mac->GetTxopQueue(ac); // null if there is no such Txop
            if (!queue)
            {
                continue;
            }
            Callback<void, Ptr<const WifiMpdu>> sink =
                MakeCallback(&WifiAssocTimerGuard::OnEnqueue, this, raw);
            NS_ABORT_MSG_UNLESS(queue->TraceConnectWithoutContext("Enqueue", sink),
                                "WifiMacQueue lacks the Enqueue trace");
            st->queues.emplace_back(queue, sink);
        }
        m_stations.push_back(std::move(st));
        ++m_nStations;
    }
    return m_nStations;
}

void
WifiAssocTimerGuard::OnEnqueue(Station* st, Ptr<const WifiMpdu> mpdu)
{
    const WifiMacHeader& hdr = mpdu->GetHeader();
    if (!hdr.IsAssocReq() && !hdr.IsReassocReq())
    {
        return;
    }
    // StaWifiMac::SendAssociationRequest queues the request and (re-)arms the
    // AssocRequestTimeout event in the same call: the event fires at now + timeout.
    st->requested = true;
    st->lastRequest = Simulator::Now();
    st->lastRequestBssid = hdr.GetAddr1();
    st->answered = false;
}

void
WifiAssocTimerGuard::OnBeacon(Station* st, StaWifiMac::ApInfo info)
{
    auto it = st->beacons.find(info.m_bssid);
    if (it == st->beacons.end())
    {
        st->beacons.emplace(info.m_bssid, std::move(info));
    }
    else
    {
        it->second = std::move(info);
    }
}

void
WifiAssocTimerGuard::OnAssoc(Station* st, Mac48Address)
{
    // The Association Response cancelled the event.
    st->answered = true;
}

void
WifiAssocTimerGuard::OnDeAssoc(Station* st, Mac48Address)
{
    Time fireAt = st->lastRequest + st->assocRequestTimeout;
    if (!st->requested || st->answered || fireAt <= Simulator::Now())
    {
        return; // no request event pending: nothing can fire without a BSSID
    }
    ++m_staleTimers;
    Time at = std::max(fireAt - TimeStep(1), Simulator::Now());
    NS_LOG_INFO(st->mac->GetAddress()
                << " de-associated at " << Simulator::Now().As(Time::S)
                << " with the request event pending until " << fireAt.As(Time::S));
    st->rescue.Cancel();
    st->rescue = Simulator::Schedule(
        at - Simulator::Now(), &WifiAssocTimerGuard::Rescue, this, st, st->lastRequest);
}

void
WifiAssocTimerGuard::Rescue(Station* st, Time requestTime)
{
    if (st->lastRequest != requestTime || st->answered || st->mac->IsAssociated())
    {
        // A scan found the AP and sent a new request, which re-armed the event with the
        // BSSID set: nothing to do.
        return;
    }
    auto it = st->beacons.find(st->lastRequestBssid);
    if (it == st->beacons.end())
    {
        NS_LOG_WARN(st->mac->GetAddress() << ": no Beacon from " << st->lastRequestBssid
                                          << " recorded; ns-3 3.37 aborts next");
        return;
    }
    ++m_rescues;
    NS_LOG_INFO(st->mac->GetAddress()
                << " at " << Simulator::Now().As(Time::S)
                << ": stale request event, no BSSID; re-associating with " << st->lastRequestBssid);
    // Sets the BSSID, restarts the beacon watchdog and sends the Association Request, which
    // cancels the stale event and arms a new one.
    std::optional<StaWifiMac::ApInfo> ap = it->second;
    st->mac->ScanningTimeout(ap);
}

void
WifiAssocTimerGuard::DoDispose()
{
    NS_LOG_FUNCTION(this);
    Unhook();
    Object::DoDispose();
}

void
WifiAssocTimerGuard::Unhook()
{
    for (auto& st : m_stations)
    {
        st->rescue.Cancel();
        st->mac->TraceDisconnectWithoutContext("Assoc", st->assocSink);
        st->mac->TraceDisconnectWithoutContext("DeAssoc", st->deAssocSink);
        st->mac->TraceDisconnectWithoutContext("ReceivedBeaconInfo", st->beaconSink);
        for (auto& [queue, sink] : st->queues)
        {
            queue->TraceDisconnectWithoutContext("Enqueue", sink);
        }
    }
    m_stations.clear();
}

uint32_t
WifiAssocTimerGuard::GetNStations() const
{
    return m_nStations;
}

uint32_t
WifiAssocTimerGuard::GetStaleTimers() const
{
    return m_staleTimers;
}

uint32_t
WifiAssocTimerGuard::GetRescues() const
{
    return m_rescues;
}

} // namespace ns3
