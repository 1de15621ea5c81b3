/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_LOSSY_WIFI_HELPER_H
#define RESOA_LOSSY_WIFI_HELPER_H

#include "ns3/error-model.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"
#include "ns3/vector.h"
#include "ns3/wifi-assoc-timer-guard.h"
#include "ns3/wifi-disassociation-guard.h"
#include "ns3/yans-wifi-channel.h"
#include "ns3/yans-wifi-helper.h"

#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Builds the wireless hop every resoa scenario shares: one 802.11a AP and its STAs on a
 * Yans channel, constant rates (54 Mbit/s data, 24 Mbit/s control by default), a MAC retry
 * limit, and a post-reception frame error model on every PHY.
 *
 * The post-reception model drops frames after the PHY decoded them, so the MAC sees a loss
 * and retries it; residual loss reaches the layer above only when all retries fail.
 */
class LossyWifiHelper
{
  public:
    LossyWifiHelper();

    /// i.i.d. frame loss probability applied after reception on every PHY (0 = none).
    void SetFrameLoss(double probability);
    /// Any ns3::ErrorModel (e.g. a burst model) instead of the i.i.d. one; one per PHY.
    void SetErrorModel(std::string typeName,
                       const std::string& n1 = "",
                       const AttributeValue& v1 = EmptyAttributeValue());
    /// Any configured error-model factory (several attributes), one model per PHY.
    void SetErrorModelFactory(const ObjectFactory& factory);
    /// The models attached by Install, one per PHY in device order (for their counters).
    const std::vector<Ptr<ErrorModel>>& GetErrorModels() const;
    /// MAC retry limit (WifiRemoteStationManager MaxSsrc and MaxSlrc).
    void SetMacRetries(uint32_t retries);
    /// Constant PHY modes for data and control frames (e.g. "OfdmRate54Mbps").
    void SetRates(const std::string& dataMode, const std::string& controlMode);
    void SetSsid(const std::string& ssid);
    /**
     * Distance-based channel instead of a fixed one: STAs at `meters` from the AP, Nakagami
     * fading on top of log-distance path loss (if `nakagami`), and Minstrel rate adaptation
     * instead of constant rates (if `minstrel`). The frame-loss models still apply on top.
     */
    void SetDistance(double meters, bool nakagami, bool minstrel);
    /**
     * A multi-rate cell: station i at `meters[i]` from the AP (spread on a circle around it),
     * with the same channel choices as SetDistance. Install then needs exactly one distance
     * per station.
     */
    void SetStationDistances(const std::vector<double>& meters, bool nakagami, bool minstrel);
    /**
     * Station i at `positions[i]` (the AP stays at the origin); the channel is chosen as by
     * SetDistance. Install then needs exactly one position per station. Nodes that already
     * have a mobility model keep it.
     */
    void SetStationPositions(const std::vector<Vector>& positions, bool nakagami, bool minstrel);

    /**
     * Installs the AP on `ap` and a STA device on each of `stas`, and gives every node without
     * a mobility model a fixed position (AP at the origin, STAs 5 m away on a circle).
     * \return the AP's device first, then the STAs' devices in order
     */
    NetDeviceContainer Install(Ptr<Node> ap, NodeContainer stas);

    /**
     * Whether Install protects the stations with a WifiDisassociationGuard (default true),
     * the workaround for ns-3 3.37's segfault when a station de-associates while a queue holds
     * expired MPDUs. It changes nothing until a station's PHY is switched off. Turn it off
     * only to reproduce the crash. Install must run at time 0 for the guard to be installed.
     */
    void SetDisassociationGuard(bool enable);
    /// \return the guard the latest Install created (null if disabled or not installed yet)
    Ptr<WifiDisassociationGuard> GetDisassociationGuard() const;
    /**
     * Whether Install protects the stations with a WifiAssocTimerGuard (default true), the
     * workaround for ns-3 3.37's abort "No BSSID set" when a station loses its beacons while
     * it waits for an Association Response. It changes nothing in runs that would not abort.
     * Turn it off only to reproduce the abort.
     */
    void SetAssocTimerGuard(bool enable);
    /// \return the guard the latest Install created (null if disabled or not installed yet)
    Ptr<WifiAssocTimerGuard> GetAssocTimerGuard() const;

    /// Writes radiotap pcap files for `devices` with this prefix.
    void EnablePcap(const std::string& prefix, NetDeviceContainer devices);

    /**
     * Fixes the random streams of the PHYs, MACs and error models of `devices`, and of the
     * channel's propagation models (Nakagami fading draws from them; WifiHelper's own
     * AssignStreams does not reach them, so without this two runs with the same seed and run
     * in one process differ).
     * \return the number of streams used
     */
    int64_t AssignStreams(NetDeviceContainer devices, int64_t stream);

  private:
    void AttachErrorModel(NetDeviceContainer devices);

    YansWifiPhyHelper m_phy;
    Ptr<YansWifiChannel> m_channel; //!< the channel m_phy uses, for AssignStreams
    std::string m_dataMode;
    std::string m_controlMode;
    uint32_t m_macRetries;
    std::string m_ssid;
    double m_distance = 5.0;
    std::vector<Vector> m_positions; //!< per-station positions (empty: all at m_distance)
    bool m_nakagami = false;
    bool m_minstrel = false;
    bool m_useErrorModel;
    ObjectFactory m_errorModel;
    std::vector<Ptr<ErrorModel>> m_errorModels; //!< the models attached, for AssignStreams
    bool m_disassociationGuard = true;          //!< install a WifiDisassociationGuard
    Ptr<WifiDisassociationGuard> m_guard;       //!< the latest one installed
    bool m_assocTimerGuard = true;              //!< install a WifiAssocTimerGuard
    Ptr<WifiAssocTimerGuard> m_assocGuard;      //!< the latest one installed
};

} // namespace ns3

#endif // RESOA_LOSSY_WIFI_HELPER_H
