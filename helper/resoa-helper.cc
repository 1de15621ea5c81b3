/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "resoa-helper.h"

#include "ns3/resoa-socket-factory.h"

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
    Ptr<Node> node = device->GetNode();
    NS_ABORT_MSG_IF(node->GetObject<ResoaClient>(), "ResoaHelper: node already has a client");
    Ptr<ResoaClient> client = m_client.Create<ResoaClient>();
    client->Setup(m_lhp.Install(device), serverLhpAddress);
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

std::vector<Ptr<ResoaClient>>
ResoaHelper::InstallClients(NetDeviceContainer devices,
                            const std::vector<Address>& servers,
                            Time start) const
{
    NS_ABORT_MSG_IF(servers.empty(), "ResoaHelper: no server");
    std::vector<Ptr<ResoaClient>> out;
    for (uint32_t i = 0; i < devices.GetN(); ++i)
    {
        out.push_back(InstallClient(devices.Get(i), servers[i % servers.size()], start));
    }
    return out;
}

} // namespace ns3
