/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef RESOA_COMPARISON_TOPOLOGY_HELPER_H
#define RESOA_COMPARISON_TOPOLOGY_HELPER_H

#include "ns3/resoa-helper.h"

#include "ns3/access-network-helper.h"
#include "ns3/napt-routing.h"

#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief The comparison's topology for one system, ready for any application.
 *
 * Applications on the STAs open sockets through the usual factories
 * (`ns3::TcpSocketFactory`, `ns3::UdpSocketFactory`) in every system: on a pure ReSoA STA
 * those factories are ReSoA's, so an unmodified BulkSend, OnOff or PacketSink runs over EP
 * and LHP. A server application on the Internet host listens on `net.hostAddress`.
 */
struct ComparisonTopology
{
    std::string system;                    //!< "resoa", "nat" or "tcp"
    AccessNetwork net;                     //!< nodes, devices and addresses
    Ptr<ResoaServer> server;               //!< ReSoA: the server on the AP (else null)
    std::vector<Ptr<ResoaClient>> clients; //!< ReSoA: one client per STA, in STA order
    Ptr<NaptRouting> napt;                 //!< NAT: the AP's NAPT (else null)

    /**
     * The source address the Internet host sees for STA `i`: the AP's public address under
     * ReSoA (n-to-1) and NAT, the STA's own address with routed TCP.
     */
    Ipv4Address PublicAddressOf(uint32_t i) const;
};

/**
 * \ingroup resoa
 * \brief Builds the topology every system of the comparison shares, for user applications:
 *
 *   STAs ))) 802.11a (lossy) ((( AP ---- point-to-point ---- Internet host
 *
 * with, per system:
 * - "resoa": pure ReSoA STAs (no IP stack); the AP runs the ReSoA server on its wireless
 *   device, and every STA is its client (n-to-1: they share the AP's public address);
 * - "nat": STAs with an IP stack and private addresses; the AP runs NAPT on its wired link;
 * - "tcp": STAs with an IP stack; the AP routes and the host reaches the STAs' addresses.
 *
 * Configure the channel and the wired link through Access() (loss, fades, MAC retries,
 * per-station distances), and ReSoA's attributes through Resoa() (e.g. the server's own
 * TCP: "TcpCongestionControl", "TcpMinRto"); then Build() and install applications on
 * `net.stas` and `net.host`. The comparison program (examples/resoa-compare) builds its
 * topology with this helper too.
 */
class ComparisonTopologyHelper
{
  public:
    ComparisonTopologyHelper();
    /// "resoa" (default), "nat" or "tcp"; anything else aborts.
    void SetSystem(const std::string& system);
    /// When the ReSoA clients connect and register (default 0.1 s; sockets opened earlier
    /// wait in the EP engine).
    void SetClientStart(Time start);
    /// Channel, STAs and wired link (the STAs' IP stack is set by the system).
    AccessNetworkHelper& Access();
    /// ReSoA's server, client and LHP attributes.
    ResoaHelper& Resoa();
    /// Builds the topology; random streams start at `stream`.
    ComparisonTopology Build(int64_t stream = 100);

  private:
    std::string m_system;
    Time m_clientStart;
    AccessNetworkHelper m_access;
    ResoaHelper m_resoa;
};

} // namespace ns3

#endif // RESOA_COMPARISON_TOPOLOGY_HELPER_H
