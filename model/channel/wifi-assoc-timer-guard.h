/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_WIFI_ASSOC_TIMER_GUARD_H
#define RESOA_WIFI_ASSOC_TIMER_GUARD_H

#include "ns3/callback.h"
#include "ns3/event-id.h"
#include "ns3/mac48-address.h"
#include "ns3/net-device-container.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/ptr.h"
#include "ns3/sta-wifi-mac.h"

#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace ns3
{

class WifiMacQueue;
class WifiMpdu;

/**
 * \ingroup resoa
 * \brief Works around the ns-3 3.37 abort "No BSSID set for the link on which the
 * (Re)Association Request is to be sent" when a station loses its beacons while it waits for
 * an Association Response.
 *
 * The abort: in WAIT_ASSOC_RESP, StaWifiMac keeps an AssocRequestTimeout event pending (each
 * Association Request re-arms it, 0.5 s by default). When the beacon watchdog expires in that
 * state, StaWifiMac::Disassociated clears the link's BSSID and starts scanning but leaves the
 * event pending (ns-3 later cancels it there, issue #862). If the scan has not found the AP
 * again when the event fires, AssocRequestTimeout calls SendAssociationRequest, which aborts
 * on the missing BSSID. It needs heavy loss on management frames: every beacon and every
 * Association Response lost for MaxMissedBeacons beacon intervals, and then the beacons of the
 * scan too.
 *
 * No public API cancels that event. The guard lets it do what it was armed for instead:
 * resend the Association Request to the AP it was meant for. Per station it records the
 * (Re)Association Requests the MAC queues (their time and BSSID; the event is armed at that
 * moment), its associations, and the Beacon information of each AP (trace
 * "ReceivedBeaconInfo"). A de-association while a request is unanswered leaves the event
 * pending until the request's time + AssocRequestTimeout; one time step before that, if no
 * newer request was sent (a scan that finds the AP sends one and re-arms the event), the
 * guard calls the public StaWifiMac::ScanningTimeout with that AP's latest Beacon. That sets
 * the BSSID, restarts the beacon watchdog and sends the Association Request, which replaces
 * the stale event. Runs in which the abort would not happen are unchanged. Where it would,
 * the station keeps retrying the AP (3.37's intent for that event) where later ns-3 versions
 * would keep scanning; both associate again once frames get through.
 *
 * Install it before Simulator::Run; the simulation keeps it alive until Simulator::Destroy.
 * LossyWifiHelper installs one by default (LossyWifiHelper::SetAssocTimerGuard).
 */
class WifiAssocTimerGuard : public Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    WifiAssocTimerGuard();
    ~WifiAssocTimerGuard() override;

    /**
     * Protects every device of `devices` that is a WifiNetDevice with a StaWifiMac (other
     * devices, APs included, are skipped).
     * \param devices the devices
     * \return how many stations are now protected in total
     */
    uint32_t Install(NetDeviceContainer devices);

    /// \return the number of stations protected
    uint32_t GetNStations() const;
    /**
     * \return de-associations that left an AssocRequestTimeout pending (a request was
     *         unanswered), i.e. the ones that could abort
     */
    uint32_t GetStaleTimers() const;
    /**
     * \return how often the stale event was about to fire with no BSSID set, i.e. how many
     *         times ns-3 3.37 would have aborted without the guard
     */
    uint32_t GetRescues() const;

  protected:
    void DoDispose() override;

  private:
    /// What the guard knows about one station.
    struct Station
    {
        Ptr<StaWifiMac> mac;                                //!< the station's MAC
        Time assocRequestTimeout;                           //!< its AssocRequestTimeout
        bool requested{false};                              //!< a request was ever queued
        Time lastRequest;                                   //!< when the latest one was queued
        Mac48Address lastRequestBssid;                      //!< to whom
        bool answered{false};                               //!< associated since that request
        std::map<Mac48Address, StaWifiMac::ApInfo> beacons; //!< latest Beacon info per BSSID
        EventId rescue;                                     //!< the pending rescue, if any
        Callback<void, Mac48Address> assocSink;             //!< connected to "Assoc"
        Callback<void, Mac48Address> deAssocSink;           //!< connected to "DeAssoc"
        Callback<void, StaWifiMac::ApInfo> beaconSink;      //!< connected to "ReceivedBeaconInfo"
        /// The MAC's Txop queues and the sink connected to each one's "Enqueue"
        std::vector<std::pair<Ptr<WifiMacQueue>, Callback<void, Ptr<const WifiMpdu>>>> queues;
    };

    /// The MAC queued `mpdu` (any frame; (Re)Association Requests are recorded).
    void OnEnqueue(Station* st, Ptr<const WifiMpdu> mpdu);
    /// The station received a Beacon.
    void OnBeacon(Station* st, StaWifiMac::ApInfo info);
    /// The station associated (with the given AP).
    void OnAssoc(Station* st, Mac48Address ap);
    /// The station de-associated (inside StaWifiMac::Disassociated, before it scans).
    void OnDeAssoc(Station* st, Mac48Address ap);
    /// One time step before the stale event for the request of `requestTime` fires.
    void Rescue(Station* st, Time requestTime);
    /// Disconnects every sink and cancels the pending rescues.
    void Unhook();

    std::vector<std::unique_ptr<Station>> m_stations; //!< one per protected station
    bool m_destroyScheduled{false}; //!< Dispose is scheduled for Simulator::Destroy
    uint32_t m_nStations{0};        //!< stations protected
    uint32_t m_staleTimers{0};      //!< de-associations with a pending request event
    uint32_t m_rescues{0};          //!< rescues made
};

} // namespace ns3

#endif // RESOA_WIFI_ASSOC_TIMER_GUARD_H
