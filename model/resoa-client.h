/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_CLIENT_H
#define RESOA_CLIENT_H

#include "lhp-protocol.h"

#include "ns3/ep-client.h"
#include "ns3/ep-lhp-session.h"
#include "ns3/ipv4-address.h"
#include "ns3/object.h"
#include "ns3/traced-callback.h"

#include <deque>
#include <map>
#include <memory>

namespace ns3
{

class ResoaSocket;
class Socket;

/**
 * \ingroup resoa
 * \brief The ReSoA client of one node: its applications' sockets are exported to a ReSoA
 * server over LHP.
 *
 * Aggregated to the node together with ResoaTcpSocketFactory and ResoaUdpSocketFactory, so
 * unmodified applications that ask for a TcpSocketFactory or UdpSocketFactory get ReSoA
 * sockets on a node without an Internet stack (pure ReSoA). On a dual-stack node
 * applications choose ReSoA by asking for ns3::ResoaTcpSocketFactory /
 * ns3::ResoaUdpSocketFactory.
 *
 * At Start it opens the LHP connection to the server and registers (address mode per the
 * AddressMode attribute). Socket calls work before that: they wait in the EP engine.
 */
class ResoaClient : public Object
{
  public:
    /// Internet addressing mode requested at registration (paper §4.1.2).
    enum AddressMode
    {
        N_TO_1,   //!< share the server's address
        ONE_TO_1, //!< own public address from the server's pool
    };

    /// Trace signature of Request/Response: EP message type and rsockID.
    typedef void (*MessageTracedCallback)(uint8_t type, uint32_t rsockId);
    /// Trace signature of SocketOpen/SocketClose: the rsockID.
    typedef void (*SocketTracedCallback)(uint32_t rsockId);
    /// Trace signature of Registered: errno (0 = success) and the public address.
    typedef void (*RegisteredTracedCallback)(int32_t error, Ipv4Address address);

    static TypeId GetTypeId();
    ResoaClient();
    ~ResoaClient() override;

    /// The LHP instance (on this node's device) and the server's LHP (MAC) address.
    void Setup(Ptr<LhpProtocol> lhp, const Address& server);
    /// Connects to the server and registers (the helper schedules this).
    void Start();
    /// Drops the link to the server at once, as a crash of this node would.
    void Crash();

    /// A new socket of `type` (socket()): returns at once, nothing is sent yet.
    Ptr<Socket> CreateSocket(resoa::EpSockType type);

    bool IsRegistered() const;
    /// The public address the server assigned (0.0.0.0 before registration).
    Ipv4Address GetPublicAddress() const;
    /// The EP engine, for inspection.
    const resoa::EpClient& GetEngine() const;
    Ptr<LhpProtocol> GetLhp() const;

    // Used by ResoaSocket: run an engine call, then move messages and events.
    resoa::EpClient& Engine();
    void Pump();
    /// The application wrote stream data: flush partial chunks at the end of this event.
    void NoteWrite();
    void Forget(uint32_t rsockId);
    void Adopt(Ptr<ResoaSocket> socket);

  protected:
    void DoDispose() override;

  private:
    void OnConnection(LhpProtocol::Handle h, LhpProtocol::ConnectionEvent ev, const Address& peer);
    void OnSdu(LhpProtocol::Handle h, resoa::LhpChannel ch, Ptr<Packet> sdu);
    void OnSendSpace(LhpProtocol::Handle h);
    /// Hands engine events to their sockets; true if there were any.
    bool DispatchEvents();
    void Flush();
    /// End of a simulator event: send the partial chunks the engine held back.
    void EndOfTurn();

    resoa::EpLhpSession m_session; //!< EP-to-LHP glue: order, backlog, datagram drops
    Ptr<LhpProtocol> m_lhp;
    Address m_server;
    LhpProtocol::Handle m_handle;
    bool m_linkUp;
    bool m_pumping;
    bool m_flushScheduled = false;
    AddressMode m_mode;
    Ipv4Address m_requested;
    std::string m_name;
    uint32_t m_sendBuffer;
    uint32_t m_recvWindow;
    uint32_t m_socketLimit;
    std::unique_ptr<resoa::EpClient> m_engine;
    std::map<uint32_t, Ptr<ResoaSocket>> m_sockets;

    TracedCallback<uint8_t, uint32_t> m_requestTrace;
    TracedCallback<uint8_t, uint32_t> m_responseTrace;
    TracedCallback<uint32_t> m_socketOpenTrace;
    TracedCallback<uint32_t> m_socketCloseTrace;
    TracedCallback<int32_t, Ipv4Address> m_registeredTrace;
};

} // namespace ns3

#endif // RESOA_CLIENT_H
