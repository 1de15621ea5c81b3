/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "resoa-socket-factory.h"

#include "resoa-client.h"

#include "ns3/log.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ResoaSocketFactory");
NS_OBJECT_ENSURE_REGISTERED(ResoaTcpSocketFactory);
NS_OBJECT_ENSURE_REGISTERED(ResoaUdpSocketFactory);
NS_OBJECT_ENSURE_REGISTERED(ResoaStackTcpSocketFactory);
NS_OBJECT_ENSURE_REGISTERED(ResoaStackUdpSocketFactory);

namespace
{
Ptr<Socket>
CreateResoaSocket(Ptr<Object> factory, resoa::EpSockType type)
{
    Ptr<ResoaClient> client = factory->GetObject<ResoaClient>();
    NS_ABORT_MSG_UNLESS(client, "ReSoA socket factory without a ResoaClient on the node");
    return client->CreateSocket(type);
}
} // namespace

TypeId
ResoaTcpSocketFactory::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ResoaTcpSocketFactory")
                            .SetParent<SocketFactory>()
                            .SetGroupName("Resoa")
                            .AddConstructor<ResoaTcpSocketFactory>();
    return tid;
}

Ptr<Socket>
ResoaTcpSocketFactory::CreateSocket()
{
    return CreateResoaSocket(this, resoa::EpSockType::Stream);
}

TypeId
ResoaUdpSocketFactory::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ResoaUdpSocketFactory")
                            .SetParent<SocketFactory>()
                            .SetGroupName("Resoa")
                            .AddConstructor<ResoaUdpSocketFactory>();
    return tid;
}

Ptr<Socket>
ResoaUdpSocketFactory::CreateSocket()
{
    return CreateResoaSocket(this, resoa::EpSockType::Dgram);
}

TypeId
ResoaStackTcpSocketFactory::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ResoaStackTcpSocketFactory")
                            .SetParent<TcpSocketFactory>()
                            .SetGroupName("Resoa")
                            .AddConstructor<ResoaStackTcpSocketFactory>();
    return tid;
}

Ptr<Socket>
ResoaStackTcpSocketFactory::CreateSocket()
{
    return CreateResoaSocket(this, resoa::EpSockType::Stream);
}

TypeId
ResoaStackUdpSocketFactory::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ResoaStackUdpSocketFactory")
                            .SetParent<UdpSocketFactory>()
                            .SetGroupName("Resoa")
                            .AddConstructor<ResoaStackUdpSocketFactory>();
    return tid;
}

Ptr<Socket>
ResoaStackUdpSocketFactory::CreateSocket()
{
    return CreateResoaSocket(this, resoa::EpSockType::Dgram);
}

} // namespace ns3
