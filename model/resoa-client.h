/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_CLIENT_H
#define RESOA_CLIENT_H

#include "lhp-protocol.h"

#include "ns3/ep-client.h"
#include "ns3/ep-lhp-session.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/object.h"
#include "ns3/server-selector.h"
#include "ns3/traced-callback.h"

#include <deque>
#include <map>
#include <memory>
#include <vector>

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
 *
 * **Several servers** (paper §4.4: load sharing between off-path servers). Setup may take a
 * list of server LHP addresses; resoa::ServerSelector decides which one the client uses:
 * the ServerSelection attribute picks the first (Hash: FNV-1a of this node's LHP device
 * address modulo the list length; First: the head of the list), and a link that fails to
 * open, dies (the LHP DeadTimeout), is closed by the server, or whose registration is
 * refused moves the client to the next server in list order, at once within a round and
 * after ReconnectBackoffMin doubling to ReconnectBackoffMax once every server failed. The
 * sockets the old server knew fail as on any dead link (ENETDOWN, seen by ns-3 applications
 * as ERROR_NOROUTETOHOST: NotifyErrorClose or NotifyConnectionFailed); new sockets work as
 * soon as the next server accepted the registration. With one server the same rule retries
 * that server after the backoff.
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

    /// Which server of the list is tried first (see resoa::ServerStartPolicy).
    enum ServerSelection
    {
        SELECT_HASH,  //!< FNV-1a of the client's LHP device address, modulo the list length
        SELECT_FIRST, //!< the head of the list
    };

    /// Trace signature of ServerChange: index and LHP address of the server tried next.
    typedef void (*ServerChangeTracedCallback)(uint32_t index, const Address& server);

    /// The LHP instance (on this node's device) and the server's LHP (MAC) address.
    void Setup(Ptr<LhpProtocol> lhp, const Address& server);
    /// The LHP instance and the LHP addresses of every server the client may use (at least
    /// one), in failover order.
    void Setup(Ptr<LhpProtocol> lhp, const std::vector<Address>& servers);
    /// Connects to the server and registers (the helper schedules this).
    void Start();
    /// Drops the link to the server at once, as a crash of this node would.
    void Crash();

    /// A new socket of `type` (socket()): returns at once, nothing is sent yet.
    Ptr<Socket> CreateSocket(resoa::EpSockType type);

    bool IsRegistered() const;
    /// The LHP address of the server in use (or being connected to).
    Address GetServer() const;
    /// Its index in the list given to Setup.
    uint32_t GetServerIndex() const;
    /// Times the client moved to another server.
    uint64_t GetFailoverCount() const;
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
    /// The selector, built at Start (so that attributes set before then apply).
    resoa::ServerSelector& Selector();
    /// Opens the LHP link to the selector's current server.
    void ConnectToCurrent();
    /// The link failed or the registration was refused: fail the old sockets and move on.
    void OnServerFailure(bool closeLink);

    resoa::EpLhpSession m_session; //!< EP-to-LHP glue: order, backlog, datagram drops
    Ptr<LhpProtocol> m_lhp;
    std::vector<Address> m_servers; //!< in failover order
    std::unique_ptr<resoa::ServerSelector> m_selector;
    EventId m_reconnectEvent;
    ServerSelection m_selection;
    Time m_backoffMin;
    Time m_backoffMax;
    bool m_crashed = false;
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
    TracedCallback<uint32_t, const Address&> m_serverChangeTrace;
};

} // namespace ns3

#endif // RESOA_CLIENT_H
