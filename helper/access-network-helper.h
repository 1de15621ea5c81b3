/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_ACCESS_NETWORK_HELPER_H
#define RESOA_ACCESS_NETWORK_HELPER_H

#include "ns3/ipv4-interface-container.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/nstime.h"

#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief The nodes and addresses of one access network (see AccessNetworkHelper).
 */
struct AccessNetwork
{
    NodeContainer stas;            //!< wireless clients
    Ptr<Node> ap;                  //!< access point and router (ReSoA server or NAT)
    Ptr<Node> host;                //!< the Internet host
    NetDeviceContainer wifi;       //!< AP's device first, then the STAs'
    NetDeviceContainer p2p;        //!< AP's then the host's
    Ipv4Address apPublic;          //!< AP's address on the wired link (its public address)
    Ipv4Address hostAddress;       //!< the Internet host's address
    Ipv4InterfaceContainer staIfs; //!< STAs' wireless addresses, if they have a stack
};

/**
 * \ingroup resoa
 * \brief Builds the topology every resoa comparison shares:
 *
 *   STAs ))) 802.11a (lossy) ((( AP/router ---- point-to-point (rate, delay) ---- host
 *
 * The AP and the host always run an Internet stack; the wired link is 203.0.113.0/24 (AP .1,
 * host .2). STAs get a stack and 10.0.0.0/24 addresses only with SetStaInternet(true) (plain
 * TCP, NAT, or ReSoA dual stack); pure ReSoA STAs have none.
 */
class AccessNetworkHelper
{
  public:
    AccessNetworkHelper();

    void SetStaCount(uint32_t n);
    /**
     * A multi-rate cell in one call: one STA per entry, STA i at `meters[i]` from the AP,
     * log-distance path loss with Nakagami fading and Minstrel rate control (see
     * LossyWifiHelper::SetStationDistances). Sets the STA count.
     */
    void SetStationDistances(const std::vector<double>& meters);
    void SetStaInternet(bool enable);
    void SetLinkRate(const std::string& rate);
    void SetLinkDelay(Time oneWay);
    /// The wireless hop's configuration (frame loss, retries, rates).
    LossyWifiHelper& Wifi();

    /// Builds it; stream numbers for the random variables start at `stream`.
    AccessNetwork Build(int64_t stream = 100);

  private:
    uint32_t m_stas;
    bool m_staInternet;
    std::string m_rate;
    Time m_delay;
    LossyWifiHelper m_wifi;
};

} // namespace ns3

#endif // RESOA_ACCESS_NETWORK_HELPER_H
