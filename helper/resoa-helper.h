/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_HELPER_H
#define RESOA_HELPER_H

#include "ns3/resoa-client.h"
#include "ns3/resoa-server.h"

#include "ns3/ipv4-address.h"
#include "ns3/lhp-helper.h"
#include "ns3/net-device-container.h"
#include "ns3/nstime.h"
#include "ns3/object-factory.h"

#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Installs ReSoA servers and clients.
 *
 * A server is a ResoaServer application on a node with an Internet stack, listening for LHP
 * on the devices given. A client is a ResoaClient aggregated to its node, with the ReSoA
 * socket factories, talking LHP on one device to one server's LHP (MAC) address. The client
 * node needs no Internet stack (pure ReSoA); if it has one (dual stack), install the client
 * after InternetStackHelper.
 */
class ResoaHelper
{
  public:
    ResoaHelper();

    /// Attribute of every LhpProtocol created (e.g. "DeadTimeout").
    void SetLhpAttribute(const std::string& name, const AttributeValue& value);
    /// Attribute of every ResoaServer created (e.g. "SocketLimit").
    void SetServerAttribute(const std::string& name, const AttributeValue& value);
    /// Attribute of every ResoaClient created (e.g. "AddressMode").
    void SetClientAttribute(const std::string& name, const AttributeValue& value);

    /// A server on `node`, serving LHP on each of `lhpDevices` (devices of that node).
    Ptr<ResoaServer> InstallServer(Ptr<Node> node, NetDeviceContainer lhpDevices) const;
    /// A client using `device` (its LHP link), served by the server at `serverLhpAddress`,
    /// connecting and registering at `start`.
    Ptr<ResoaClient> InstallClient(Ptr<NetDevice> device,
                                   const Address& serverLhpAddress,
                                   Time start = Seconds(0)) const;
    /**
     * A client using `device`, with several servers (load sharing and failover, paper
     * §4.4): it registers with the server its ServerSelection attribute picks (by default
     * FNV-1a of the device's address modulo the number of servers) and, when that server's
     * link dies or it refuses the registration, with the next one in list order (see
     * ResoaClient and resoa::ServerSelector).
     */
    Ptr<ResoaClient> InstallClient(Ptr<NetDevice> device,
                                   const std::vector<Address>& serverLhpAddresses,
                                   Time start = Seconds(0)) const;
    /**
     * A 1-to-1 client in one call: the client on `device` gets `publicAddress` as its own
     * Internet address. This adds `publicAddress` to the server node's interface whose subnet
     * contains it (or to `publicInterface`, if given, as a /32), puts it in the server's pool,
     * lets the server offer 1-to-1 (AllowOneToOne), and makes the client ask for exactly that
     * address. Other clients of the same server keep their own mode (mixed modes). Call it
     * before the simulation starts; reaching `publicAddress` from the Internet is the
     * topology's job (an address in the server's wired subnet needs nothing more).
     */
    Ptr<ResoaClient> InstallClientOneToOne(Ptr<NetDevice> device,
                                           Ptr<ResoaServer> server,
                                           const Address& serverLhpAddress,
                                           Ipv4Address publicAddress,
                                           Time start = Seconds(0),
                                           int32_t publicInterface = -1) const;
    /**
     * A 1-to-1 client whose address the server leases by DHCP on its behalf, in one call:
     * sets the server's OneToOneSource to Dhcp (a DHCP server must answer on the link of
     * the server's PublicAddress interface, or DhcpInterface) and makes the client ask for
     * its own address (AddressMode ONE_TO_1, any address). When the client registers, the
     * server leases an address with the client's MAC, adds it to that interface, renews it
     * while the client stays and releases it when the client leaves. Without a lease the
     * registration is refused with EADDRNOTAVAIL, or registered n-to-1 if the server's
     * DhcpFallBackToNTo1 is set. Other clients of the same server keep their own mode.
     */
    Ptr<ResoaClient> InstallClientDhcp(Ptr<NetDevice> device,
                                       Ptr<ResoaServer> server,
                                       const Address& serverLhpAddress,
                                       Time start = Seconds(0)) const;
    /**
     * Clients on each device, spread round-robin over the servers (load sharing): client i
     * starts with server i mod n and fails over to the following ones (its list is the
     * servers rotated by i, with ServerSelection First).
     */
    std::vector<Ptr<ResoaClient>> InstallClients(NetDeviceContainer devices,
                                                 const std::vector<Address>& servers,
                                                 Time start = Seconds(0)) const;

  private:
    LhpHelper m_lhp;
    ObjectFactory m_server;
    ObjectFactory m_client;
};

} // namespace ns3

#endif // RESOA_HELPER_H
