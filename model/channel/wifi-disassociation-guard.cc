/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "wifi-disassociation-guard.h"

#include "ns3/abort.h"
#include "ns3/channel-access-manager.h"
#include "ns3/log.h"
#include "ns3/qos-utils.h"
#include "ns3/simulator.h"
#include "ns3/sta-wifi-mac.h"
#include "ns3/wifi-mac-queue.h"
#include "ns3/wifi-net-device.h"
#include "ns3/wifi-phy-listener.h"
#include "ns3/wifi-phy-state-helper.h"
#include "ns3/wifi-phy.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("WifiDisassociationGuard");

NS_OBJECT_ENSURE_REGISTERED(WifiDisassociationGuard);

/// Acts on NotifyOff only; every other PHY notification is ignored.
class WifiDisassociationGuard::Listener : public WifiPhyListener
{
  public:
    /**
     * \param guard the guard to call (it owns this listener)
     * \param mac the MAC whose queues to clean
     */
    Listener(WifiDisassociationGuard* guard, Ptr<WifiMac> mac)
        : m_guard(guard)
        , m_mac(mac)
    {
    }

    void NotifyRxStart(Time) override
    {
    }

    void NotifyRxEndOk() override
    {
    }

    void NotifyRxEndError() override
    {
    }

    void NotifyTxStart(Time, double) override
    {
    }

    void NotifyCcaBusyStart(Time, WifiChannelListType, const std::vector<Time>&) override
    {
    }

    void NotifySwitchingStart(Time) override
    {
    }

    void NotifySleep() override
    {
    }

    void NotifyOff() override
    {
        m_guard->OnSwitchOff(m_mac);
    }

    void NotifyWakeup() override
    {
    }

    void NotifyOn() override
    {
    }

  private:
    WifiDisassociationGuard* m_guard; //!< the owner
    Ptr<WifiMac> m_mac;               //!< the protected MAC
};

TypeId
WifiDisassociationGuard::GetTypeId()
{
    static TypeId tid = TypeId("ns3::WifiDisassociationGuard")
                            .SetParent<Object>()
                            .SetGroupName("Resoa")
                            .AddConstructor<WifiDisassociationGuard>();
    return tid;
}

WifiDisassociationGuard::WifiDisassociationGuard()
{
    NS_LOG_FUNCTION(this);
}

WifiDisassociationGuard::~WifiDisassociationGuard()
{
    NS_LOG_FUNCTION(this);
    Unhook();
}

uint32_t
WifiDisassociationGuard::Install(NetDeviceContainer devices)
{
    NS_LOG_FUNCTION(this);
    // Re-registering the ChannelAccessManager's listener resets its busy history to now,
    // which is only harmless before anything happened on the medium.
    NS_ABORT_MSG_UNLESS(Simulator::Now().IsZero(),
                        "WifiDisassociationGuard::Install must run at time 0, not at "
                            << Simulator::Now().As(Time::S));
    if (!m_destroyScheduled)
    {
        // The PHYs hold raw pointers to our listeners: the simulation keeps the guard alive
        // until Simulator::Destroy, after the nodes (and their PHYs) were disposed.
        Simulator::ScheduleDestroy(&WifiDisassociationGuard::Dispose,
                                   Ptr<WifiDisassociationGuard>(this));
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
        for (uint8_t link = 0; link < mac->GetNLinks(); ++link)
        {
            Ptr<WifiPhy> phy = mac->GetWifiPhy(link);
            Ptr<ChannelAccessManager> cam = mac->GetChannelAccessManager(link);
            NS_ABORT_MSG_UNLESS(phy && cam, "station link " << +link << " has no PHY or CAM");
            // PHY listeners are notified in registration order: ours must come before the
            // ChannelAccessManager's, whose NotifyOff flushes the queues.
            Hook hook;
            hook.phy = phy;
            hook.listener = std::make_unique<Listener>(this, mac);
            cam->RemovePhyListener(phy);
            phy->RegisterListener(hook.listener.get());
            cam->SetupPhyListener(phy);
            m_hooks.push_back(std::move(hook));
        }
        ++m_stations;
    }
    return m_stations;
}

void
WifiDisassociationGuard::OnSwitchOff(Ptr<WifiMac> mac)
{
    NS_LOG_FUNCTION(this << mac);
    ++m_switchOffs;
    uint32_t wiped = 0;
    for (AcIndex ac : {AC_BE_NQOS, AC_BE, AC_BK, AC_VI, AC_VO})
    {
        Ptr<WifiMacQueue> queue = mac->GetTxopQueue(ac); // null if the MAC has no such Txop
        if (!queue)
        {
            continue;
        }
        uint32_t before = queue->GetNPackets();
        queue->WipeAllExpiredMpdus();
        wiped += before - queue->GetNPackets();
    }
    if (wiped > 0)
    {
        ++m_rescues;
        m_wiped += wiped;
    }
    NS_LOG_INFO(mac->GetAddress() << " PHY off at " << Simulator::Now().As(Time::S) << ": wiped "
                                  << wiped << " expired MPDUs before the flush");
}

void
WifiDisassociationGuard::DoDispose()
{
    NS_LOG_FUNCTION(this);
    Unhook();
    Object::DoDispose();
}

void
WifiDisassociationGuard::Unhook()
{
    for (Hook& hook : m_hooks)
    {
        // A disposed PHY has dropped its state helper, and with it the listener list.
        if (hook.phy && hook.phy->GetState())
        {
            hook.phy->UnregisterListener(hook.listener.get());
        }
    }
    m_hooks.clear();
}

uint32_t
WifiDisassociationGuard::GetNStations() const
{
    return m_stations;
}

uint32_t
WifiDisassociationGuard::GetSwitchOffs() const
{
    return m_switchOffs;
}

uint32_t
WifiDisassociationGuard::GetRescues() const
{
    return m_rescues;
}

uint64_t
WifiDisassociationGuard::GetWipedMpdus() const
{
    return m_wiped;
}

} // namespace ns3
