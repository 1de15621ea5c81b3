/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_WIFI_ASSOCIATION_MONITOR_H
#define RESOA_WIFI_ASSOCIATION_MONITOR_H

#include "ns3/mac48-address.h"
#include "ns3/net-device-container.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/wifi-remote-station-manager.h"

#include <ostream>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Watches the StaWifiMac "Assoc" and "DeAssoc" trace sources of stations (and, if
 * given, the APs' view of them) and reports, per station, how often it (de-)associated and how
 * long it could not exchange data after it first associated (the start-up scan is no outage).
 *
 * Two kinds of outage exist in ns-3 3.37:
 * - De-association: the station lost MaxMissedBeacons (default 10) beacons in a row. Its frames
 *   are dropped until it associates again.
 * - Half association: the station received the Association Response, but the AP never got the
 *   ACK for it within its retry limit. The AP then records the association as failed, while the
 *   station believes it is associated. The AP acknowledges the station's data frames at the MAC
 *   and drops them, sends it nothing, and keeps sending beacons, so the station never notices:
 *   the outage lasts until the station de-associates for another reason. The monitor detects
 *   this ApCheckDelay after each association by asking the AP's WifiRemoteStationManager
 *   (only for APs passed to Install).
 *
 * A loss study should flag every run with an outage: it measures an outage, not a loss rate.
 * Keep the monitor alive while the simulation runs; it schedules no periodic events.
 */
class WifiAssociationMonitor : public Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    WifiAssociationMonitor();
    ~WifiAssociationMonitor() override;

    /**
     * Watches every device of `devices` that is a WifiNetDevice with a StaWifiMac, and
     * consults every one with an ApWifiMac to check that associations are confirmed by the AP;
     * other devices are skipped. Pass the AP and the stations in one call, or the AP first.
     * \param devices the devices
     * \return how many stations are now watched in total
     */
    uint32_t Install(NetDeviceContainer devices);

    /// \return the number of stations watched, in Install order
    uint32_t GetNStations() const;
    /// \param i station index \return its MAC address
    Mac48Address GetAddress(uint32_t i) const;
    /// \param i station index \return whether it believes it is associated now
    bool IsAssociated(uint32_t i) const;
    /// \param i station index \return whether a watched AP has it as associated now
    bool IsKnownToAp(uint32_t i) const;
    /**
     * \param i station index
     * \return how many of its associations no watched AP confirmed (half associations)
     */
    uint32_t GetHalfAssociations(uint32_t i) const;
    /// \param i station index \return whether it associated at least once
    bool EverAssociated(uint32_t i) const;
    /// \param i station index \return the time of its first association (only if it had one)
    Time GetFirstAssociationTime(uint32_t i) const;
    /// \param i station index \return how many times it associated
    uint32_t GetAssociations(uint32_t i) const;
    /// \param i station index \return how many times it lost its association
    uint32_t GetDeassociations(uint32_t i) const;
    /**
     * \param i station index
     * \return total time after the first association in which the station was de-associated
     *         or half associated, an ongoing outage counted up to now
     */
    Time GetOutage(uint32_t i) const;

    /// \return de-associations summed over all stations
    uint32_t GetTotalDeassociations() const;
    /// \return true if any station lost its association, was half associated or never associated
    bool AnyOutage() const;

    /**
     * Writes one line per station: address, associations, de-associations, half associations,
     * outage, first association time.
     * \param os the stream
     */
    void Report(std::ostream& os) const;

  private:
    /// What is known about one station.
    struct Station
    {
        Mac48Address address;         //!< the STA's MAC address
        bool associated{false};       //!< the STA believes it is associated
        bool everAssociated{false};   //!< associated at least once
        Time firstAssociation;        //!< time of the first association
        Time lastAssociation;         //!< time of the latest association
        uint32_t associations{0};     //!< Assoc events
        uint32_t deassociations{0};   //!< DeAssoc events while associated
        uint32_t halfAssociations{0}; //!< associations the AP did not confirm
        uint64_t epoch{0};            //!< bumped on every Assoc/DeAssoc
        bool inOutage{false};         //!< an outage is running
        Time outage;                  //!< completed outages
        Time outageStart;             //!< start of the running outage
    };

    void OnAssoc(uint32_t index, Mac48Address bssid);
    void OnDeAssoc(uint32_t index, Mac48Address bssid);
    /// Checks that the association of `epoch` is known to a watched AP.
    void CheckAp(uint32_t index, uint64_t epoch);

    Time m_apCheckDelay;                              //!< wait before asking the AP
    std::vector<Station> m_stations;                  //!< in Install order
    std::vector<Ptr<WifiRemoteStationManager>> m_aps; //!< the watched APs' managers
};

} // namespace ns3

#endif // RESOA_WIFI_ASSOCIATION_MONITOR_H
