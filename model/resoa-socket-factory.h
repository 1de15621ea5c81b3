/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_SOCKET_FACTORY_H
#define RESOA_SOCKET_FACTORY_H

#include "ns3/socket-factory.h"
#include "ns3/socket.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/udp-socket-factory.h"

namespace ns3
{

/*
 * Two kinds of factory, because ns-3 finds an aggregated object by walking TypeId parents and
 * moves whatever it found to the front: a ReSoA factory whose TypeId derived from
 * TcpSocketFactory would, on a dual-stack node, capture every later request for the node's
 * own TCP as soon as one application had asked for ReSoA by name.
 *
 *  - ResoaTcpSocketFactory / ResoaUdpSocketFactory: applications ask for these by name
 *    ("ns3::ResoaTcpSocketFactory"); aggregated on every ReSoA client node.
 *  - ResoaStackTcpSocketFactory / ResoaStackUdpSocketFactory derive from TcpSocketFactory /
 *    UdpSocketFactory: aggregated only on pure-ReSoA nodes (no Internet stack), where they
 *    *are* the node's TCP and UDP, so unmodified applications run over ReSoA.
 */

/**
 * \ingroup resoa
 * \brief ReSoA stream sockets, asked for by name (dual stack) or found as the node's TCP.
 */
class ResoaTcpSocketFactory : public SocketFactory
{
  public:
    static TypeId GetTypeId();
    Ptr<Socket> CreateSocket() override;
};

/**
 * \ingroup resoa
 * \brief ReSoA datagram sockets, asked for by name (see ResoaTcpSocketFactory).
 */
class ResoaUdpSocketFactory : public SocketFactory
{
  public:
    static TypeId GetTypeId();
    Ptr<Socket> CreateSocket() override;
};

/**
 * \ingroup resoa
 * \brief The TcpSocketFactory of a pure-ReSoA node: `Socket::CreateSocket(node,
 * TcpSocketFactory::GetTypeId())` finds it, so BulkSend, PacketSink and OnOff run unmodified.
 */
class ResoaStackTcpSocketFactory : public TcpSocketFactory
{
  public:
    static TypeId GetTypeId();
    Ptr<Socket> CreateSocket() override;
};

/**
 * \ingroup resoa
 * \brief The UdpSocketFactory of a pure-ReSoA node (UdpEcho, OnOff over UDP).
 */
class ResoaStackUdpSocketFactory : public UdpSocketFactory
{
  public:
    static TypeId GetTypeId();
    Ptr<Socket> CreateSocket() override;
};

} // namespace ns3

#endif // RESOA_SOCKET_FACTORY_H
