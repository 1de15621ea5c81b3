/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_SOCKET_H
#define RESOA_SOCKET_H

#include "ns3/ep-client.h"
#include "ns3/socket.h"

namespace ns3
{

class ResoaClient;

/**
 * \ingroup resoa
 * \brief An ns3::Socket whose calls run on a ReSoA server (the socket export layer).
 *
 * Calls return at once, as the paper requires: Connect answers through the connect
 * callbacks once the server's Response arrives; Send copies into the client's buffer while it
 * has room and returns before the server answers; the server pushes received data, which
 * Recv hands out. GetSockName/GetPeerName return the addresses the server reported with the
 * Connect response (the server's public address and the real port), with no round trip.
 *
 * ResoaTcpSocket and ResoaUdpSocket differ only in type and in a few stream/datagram rules.
 *
 * Send on a stream takes MSG_MORE (Linux's value, 0x8000) in `flags`: a partial chunk is
 * held for the data that follows (resoa::EpClient::Send's `more`). GetTxAvailable of a
 * datagram socket is the real space of the client's datagram queue. ShutdownRecv tells the
 * server, which then drains and drops the connection's data instead of pushing it.
 */
class ResoaSocket : public Socket
{
  public:
    /// Linux's MSG_MORE: Send flag asking to hold a partial chunk for more data.
    static constexpr uint32_t MSG_MORE_FLAG = 0x8000;

    static TypeId GetTypeId();
    ResoaSocket();
    ~ResoaSocket() override;

    /// Binds this object to remote socket `rsockId` of `client`. Done by ResoaClient.
    void Attach(Ptr<ResoaClient> client, uint32_t rsockId, resoa::EpSockType type);
    uint32_t GetRsockId() const;
    /// An EP event for this socket, from ResoaClient.
    void HandleEvent(const resoa::EpClientEvent& e);

    // ns3::Socket
    Socket::SocketErrno GetErrno() const override;
    Socket::SocketType GetSocketType() const override;
    Ptr<Node> GetNode() const override;
    int Bind(const Address& address) override;
    int Bind() override;
    int Bind6() override;
    int Close() override;
    int ShutdownSend() override;
    int ShutdownRecv() override;
    int Connect(const Address& address) override;
    int Listen() override;
    uint32_t GetTxAvailable() const override;
    int Send(Ptr<Packet> p, uint32_t flags) override;
    int SendTo(Ptr<Packet> p, uint32_t flags, const Address& toAddress) override;
    uint32_t GetRxAvailable() const override;
    Ptr<Packet> Recv(uint32_t maxSize, uint32_t flags) override;
    Ptr<Packet> RecvFrom(uint32_t maxSize, uint32_t flags, Address& fromAddress) override;
    int GetSockName(Address& address) const override;
    int GetPeerName(Address& address) const override;
    bool SetAllowBroadcast(bool allowBroadcast) override;
    bool GetAllowBroadcast() const override;

  protected:
    void DoDispose() override;

  private:
    bool IsStream() const;
    /// Records an EP errno; returns -1 for the caller to return.
    int Fail(int32_t epErrno);
    /// Accepted connections waiting for the application's accept callbacks.
    void AcceptPending();

    Ptr<ResoaClient> m_client;
    uint32_t m_id;
    resoa::EpSockType m_type;
    Socket::SocketErrno m_errno;
    bool m_closed;
    bool m_shutdownRecv;
    bool m_shutdownSend;
    bool m_listening;
    bool m_connecting;
    bool m_allowBroadcast;
    bool m_eofNotified;
    resoa::EpAddress m_defaultPeer; //!< datagram: set by Connect, used by Send
};

/**
 * \ingroup resoa
 * \brief A ReSoA stream socket (NS3_SOCK_STREAM): TCP runs on the server.
 */
class ResoaTcpSocket : public ResoaSocket
{
  public:
    static TypeId GetTypeId();
};

/**
 * \ingroup resoa
 * \brief A ReSoA datagram socket (NS3_SOCK_DGRAM): UDP runs on the server; datagrams travel
 * LHP's semi-reliable channel.
 */
class ResoaUdpSocket : public ResoaSocket
{
  public:
    static TypeId GetTypeId();
};

} // namespace ns3

#endif // RESOA_SOCKET_H
