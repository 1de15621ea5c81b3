/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_SOCKET_FACTORY_H
#define RESOA_SOCKET_FACTORY_H

#include "ns3/socket.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/udp-socket-factory.h"

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Creates ReSoA stream sockets. Derives from TcpSocketFactory, so on a node with no
 * Internet stack `Socket::CreateSocket(node, TcpSocketFactory::GetTypeId())` finds it and
 * unmodified applications (BulkSend, PacketSink, OnOff) get ReSoA sockets. On a dual-stack
 * node, ask for ns3::ResoaTcpSocketFactory by name.
 */
class ResoaTcpSocketFactory : public TcpSocketFactory
{
  public:
    static TypeId GetTypeId();
    Ptr<Socket> CreateSocket() override;
};

/**
 * \ingroup resoa
 * \brief Creates ReSoA datagram sockets (see ResoaTcpSocketFactory).
 */
class ResoaUdpSocketFactory : public UdpSocketFactory
{
  public:
    static TypeId GetTypeId();
    Ptr<Socket> CreateSocket() override;
};

} // namespace ns3

#endif // RESOA_SOCKET_FACTORY_H
