/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "resoa-helper.h"

#include "ns3/resoa-socket-factory.h"

#include "ns3/boolean.h"
#include "ns3/enum.h"
#include "ns3/ipv4.h"
#include "ns3/node.h"
#include "ns3/simulator.h"

namespace ns3
{

ResoaHelper::ResoaHelper()
{
    m_server.SetTypeId(ResoaServer::GetTypeId());
    m_client.SetTypeId(ResoaClient::GetTypeId());
}

void
ResoaHelper::SetLhpAttribute(const std::string& name, const AttributeValue& value)
{
    m_lhp.SetAttribute(name, value);
}

void
ResoaHelper::SetServerAttribute(const std::string& name, const AttributeValue& value)
{
    m_server.Set(name, value);
}

void
ResoaHelper::SetClientAttribute(const std::string& name, const AttributeValue& value)
{
    m_client.Set(name, value);
}

Ptr<ResoaServer>
ResoaHelper::InstallServer(Ptr<Node> node, NetDeviceContainer lhpDevices) const
{
    Ptr<ResoaServer> server = m_server.Create<ResoaServer>();
    for (uint32_t i = 0; i < lhpDevices.GetN(); ++i)
    {
        NS_ABORT_MSG_UNLESS(lhpDevices.Get(i)->GetNode() == node,
                            "ResoaHelper: LHP device of another node");
        server->AddLhp(m_lhp.Install(lhpDevices.Get(i)));
    }
    node->AddApplication(server);
    return server;
}

Ptr<ResoaClient>
ResoaHelper::InstallClient(Ptr<NetDevice> device, const Address& serverLhpAddress, Time start) const
{
    return InstallClient(device, std::vector<Address>{serverLhpAddress}, start);
}

Ptr<ResoaClient>
ResoaHelper::InstallClient(Ptr<NetDevice> device,
                           const std::vector<Address>& serverLhpAddresses,
                           Time start) const
{
    NS_ABORT_MSG_IF(serverLhpAddresses.empty(), "ResoaHelper: no server");
    Ptr<Node> node = device->GetNode();
    NS_ABORT_MSG_IF(node->GetObject<ResoaClient>(), "ResoaHelper: node already has a client");
    Ptr<ResoaClient> client = m_client.Create<ResoaClient>();
    client->Setup(m_lhp.Install(device), serverLhpAddresses);
    node->AggregateObject(client);
    node->AggregateObject(CreateObject<ResoaTcpSocketFactory>());
    node->AggregateObject(CreateObject<ResoaUdpSocketFactory>());
    if (!node->GetObject<TcpSocketFactory>())
    {
        // Pure ReSoA: ReSoA is the node's TCP and UDP.
        node->AggregateObject(CreateObject<ResoaStackTcpSocketFactory>());
        node->AggregateObject(CreateObject<ResoaStackUdpSocketFactory>());
    }
    Simulator::ScheduleWithContext(node->GetId(), start, &ResoaClient::Start, client);
    return client;
}

namespace
{

/// The interface of `ipv4` whose subnet contains `a`, or -1.
int32_t
InterfaceForSubnet(Ptr<Ipv4> ipv4, Ipv4Address a)
{
    for (uint32_t i = 0; i < ipv4->GetNInterfaces(); ++i)
    {
        for (uint32_t j = 0; j < ipv4->GetNAddresses(i); ++j)
        {
            Ipv4InterfaceAddress ifa = ipv4->GetAddress(i, j);
            if (!ifa.GetLocal().IsLocalhost() && ifa.GetMask().IsMatch(ifa.GetLocal(), a))
            {
                return i;
            }
        }
    }
    return -1;
}

} // namespace

Ptr<ResoaClient>
ResoaHelper::InstallClientOneToOne(Ptr<NetDevice> device,
                                   Ptr<ResoaServer> server,
                                   const Address& serverLhpAddress,
                                   Ipv4Address publicAddress,
                                   Time start,
                                   int32_t publicInterface) const
{
    NS_ABORT_MSG_UNLESS(server, "ResoaHelper: 1-to-1 needs the client's server");
    Ptr<Ipv4> ipv4 = server->GetNode() ? server->GetNode()->GetObject<Ipv4>() : nullptr;
    NS_ABORT_MSG_UNLESS(ipv4, "ResoaHelper: the 1-to-1 server's node has no Internet stack");
    NS_ABORT_MSG_IF(publicAddress == Ipv4Address::GetAny() || publicAddress.IsBroadcast() ||
                        publicAddress.IsMulticast(),
                    "ResoaHelper: " << publicAddress << " cannot be a client's public address");
    NS_ABORT_MSG_IF(ipv4->GetInterfaceForAddress(publicAddress) >= 0,
                    "ResoaHelper: " << publicAddress << " is already an address of the server");
    Ipv4Mask mask = Ipv4Mask::GetOnes();
    int32_t itf = publicInterface;
    if (itf < 0)
    {
        itf = InterfaceForSubnet(ipv4, publicAddress);
        NS_ABORT_MSG_IF(itf < 0,
                        "ResoaHelper: no interface of the server holds "
                            << publicAddress << "'s subnet; pass publicInterface");
        mask = ipv4->GetAddress(itf, 0).GetMask();
    }
    NS_ABORT_MSG_IF(static_cast<uint32_t>(itf) >= ipv4->GetNInterfaces(),
                    "ResoaHelper: the server has no interface " << itf);
    ipv4->AddAddress(itf, Ipv4InterfaceAddress(publicAddress, mask));
    server->AddPoolAddress(publicAddress);
    server->SetAttribute("AllowOneToOne", BooleanValue(true));

    Ptr<ResoaClient> client = InstallClient(device, serverLhpAddress, start);
    client->SetAttribute("AddressMode", EnumValue(ResoaClient::ONE_TO_1));
    client->SetAttribute("RequestedAddress", Ipv4AddressValue(publicAddress));
    return client;
}

Ptr<ResoaClient>
ResoaHelper::InstallClientDhcp(Ptr<NetDevice> device,
                               Ptr<ResoaServer> server,
                               const Address& serverLhpAddress,
                               Time start) const
{
    NS_ABORT_MSG_UNLESS(server, "ResoaHelper: a DHCP client needs its server");
    server->SetAttribute("OneToOneSource", EnumValue(ResoaServer::DHCP));
    server->SetAttribute("AllowOneToOne", BooleanValue(true));
    Ptr<ResoaClient> client = InstallClient(device, serverLhpAddress, start);
    client->SetAttribute("AddressMode", EnumValue(ResoaClient::ONE_TO_1));
    client->SetAttribute("RequestedAddress", Ipv4AddressValue(Ipv4Address::GetAny()));
    return client;
}

std::vector<Ptr<ResoaClient>>
ResoaHelper::InstallClients(NetDeviceContainer devices,
                            const std::vector<Address>& servers,
                            Time start) const
{
    NS_ABORT_MSG_IF(servers.empty(), "ResoaHelper: no server");
    std::vector<Ptr<ResoaClient>> out;
    for (uint32_t i = 0; i < devices.GetN(); ++i)
    {
        std::vector<Address> rotated;
        for (size_t k = 0; k < servers.size(); ++k)
        {
            rotated.push_back(servers[(i + k) % servers.size()]);
        }
        Ptr<ResoaClient> c = InstallClient(devices.Get(i), rotated, start);
        c->SetAttribute("ServerSelection", EnumValue(ResoaClient::SELECT_FIRST));
        out.push_back(c);
    }
    return out;
}

} // namespace ns3
