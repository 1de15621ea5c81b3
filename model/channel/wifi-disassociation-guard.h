/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_WIFI_DISASSOCIATION_GUARD_H
#define RESOA_WIFI_DISASSOCIATION_GUARD_H

#include "ns3/net-device-container.h"
#include "ns3/object.h"
#include "ns3/ptr.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace ns3
{

class WifiMac;
class WifiPhy;
class WifiPhyListener;

/**
 * \ingroup resoa
 * \brief Works around the ns-3 3.37 segfault in StaWifiMac::Disassociated when a station
 * loses its association while a Wi-Fi MAC queue holds MPDUs whose lifetime has expired.
 *
 * The crash: Disassociated switches the PHY off; the ChannelAccessManager's PHY listener then
 * flushes every Txop queue with Queue::Flush, i.e. `while (!IsEmpty()) Remove()`, and
 * WifiMacQueue::Remove() removes `Peek(0)`. Peek goes through the queue scheduler, which first
 * moves MPDUs older than the queue's MaxDelay (500 ms) to the container's list of expired
 * MPDUs. Those still count in the base Queue's packet counter until WifiMacQueue::
 * WipeAllExpiredMpdus() removes them, so once only expired MPDUs are left, IsEmpty() is false,
 * Peek(0) returns null and Remove(null) dereferences it (WifiMpdu::GetQueueIt).
 *
 * The guard puts a PHY listener of its own in front of the ChannelAccessManager's, on every
 * link of every station it is installed on. When the PHY switches off, it wipes the expired
 * MPDUs of all the MAC's Txop queues first, so the flush that follows only sees live MPDUs.
 * Nothing else changes: the station still de-associates, its queued frames are still
 * dropped, and it scans and re-associates as ns-3 models it. The listener ignores every other
 * PHY notification, so runs without a switch-off behave exactly as without the guard.
 *
 * Install it at time 0 (before Simulator::Run): to reorder the listeners it re-registers the
 * ChannelAccessManager's, which resets that manager's medium-busy history to "now". Once
 * installed, the simulation keeps the guard alive until Simulator::Destroy.
 * LossyWifiHelper installs one by default (LossyWifiHelper::SetDisassociationGuard).
 */
class WifiDisassociationGuard : public Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    WifiDisassociationGuard();
    ~WifiDisassociationGuard() override;

    /**
     * Protects every device of `devices` that is a WifiNetDevice with a StaWifiMac (other
     * devices, APs included, are skipped). Must be called at time 0.
     * \param devices the devices
     * \return how many stations are now protected in total
     */
    uint32_t Install(NetDeviceContainer devices);

    /// \return the number of stations protected
    uint32_t GetNStations() const;
    /// \return how often a protected station's PHY was switched off (one per de-association)
    uint32_t GetSwitchOffs() const;
    /**
     * \return how many of those switch-offs found expired MPDUs in a queue, i.e. how many
     *         times ns-3 3.37 would have crashed without the guard
     */
    uint32_t GetRescues() const;
    /// \return expired MPDUs wiped before a flush, summed over all switch-offs
    uint64_t GetWipedMpdus() const;

  protected:
    void DoDispose() override;

  private:
    class Listener;

    /// Unregisters and deletes the listeners.
    void Unhook();
    /// Wipes the expired MPDUs of every Txop queue of `mac` (the PHY is switching off).
    void OnSwitchOff(Ptr<WifiMac> mac);

    /// One protected link: the PHY and the listener registered on it.
    struct Hook
    {
        Ptr<WifiPhy> phy;                   //!< the link's PHY
        std::unique_ptr<Listener> listener; //!< registered on `phy`
    };

    std::vector<Hook> m_hooks;      //!< one per protected link
    bool m_destroyScheduled{false}; //!< Dispose is scheduled for Simulator::Destroy
    uint32_t m_stations{0};         //!< stations protected
    uint32_t m_switchOffs{0};       //!< PHY switch-offs seen
    uint32_t m_rescues{0};          //!< switch-offs that found expired MPDUs
    uint64_t m_wiped{0};            //!< expired MPDUs wiped
};

} // namespace ns3

#endif // RESOA_WIFI_DISASSOCIATION_GUARD_H
