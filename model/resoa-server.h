/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_SERVER_H
#define RESOA_SERVER_H

#include "lhp-protocol.h"
#include "ns3-ep-socket-stack.h"
#include "resoa-dhcp-agent.h"

#include "ns3/application.h"
#include "ns3/ep-lhp-session.h"
#include "ns3/ep-server.h"
#include "ns3/ipv4-address.h"
#include "ns3/traced-callback.h"

#include <deque>
#include <map>
#include <memory>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief The ReSoA server: an Application that runs its clients' socket calls on its own
 * node's TCP/IP stack.
 *
 * It listens for LHP connections on one or more devices (each an LhpProtocol given with
 * AddLhp), treats each connection as one client session of a resoa::EpServer, and executes
 * the calls through Ns3EpSocketStack. All clients share PublicAddress (n-to-1); with
 * AllowOneToOne a client may instead get its own address from the pool (1-to-1); the pool
 * addresses must be assigned to this node's interfaces so its TCP can use them. With
 * OneToOneSource DHCP a 1-to-1 client's address is instead leased by DHCP on the client's
 * behalf (its MAC as chaddr, see ResoaDhcpAgent) when it registers, renewed while it stays,
 * and released when it leaves or its link dies. No lease (DHCP server down or silent for
 * DhcpAgent's Timeout, pool exhausted, DHCPNAK) refuses the registration with EADDRNOTAVAIL,
 * or, with DhcpFallBackToNTo1, registers the client n-to-1. A lease that expires or is
 * NAKed while the client is registered ends the client's session: its LHP link is closed
 * and its sockets are released (the client sees the link close), since its address is gone.
 *
 * Stopping the application models a server crash: its LHP goes silent and every socket is
 * closed, so clients notice through LHP's dead timeout.
 */
class ResoaServer : public Application
{
  public:
    /// Where 1-to-1 clients' addresses come from.
    enum OneToOneSource
    {
        POOL, //!< the configured pool (AddPoolAddress)
        DHCP, //!< a DHCP lease on the client's behalf (ResoaDhcpAgent)
    };

    /// Trace signature of Request/Response: session, EP message type, rsockID.
    typedef void (*MessageTracedCallback)(uint64_t session, uint8_t type, uint32_t rsockId);
    /// Trace signature of SocketOpen/SocketClose: session count of open sockets afterwards.
    typedef void (*SocketTracedCallback)(uint64_t openSockets);

    static TypeId GetTypeId();
    ResoaServer();
    ~ResoaServer() override;

    /// Serves clients that connect through `lhp` (its device must be on this node).
    void AddLhp(Ptr<LhpProtocol> lhp);
    /// Adds an address for 1-to-1 clients (it must be configured on this node).
    void AddPoolAddress(Ipv4Address address);

    /// The engine, for inspection by tests and examples (null before StartApplication).
    const resoa::EpServer* GetEngine() const;
    /// The stack adapter, for inspection by tests.
    const Ns3EpSocketStack* GetStack() const;
    /// The LHP instances this server listens on (for their counters).
    const std::vector<Ptr<LhpProtocol>>& GetLhps() const;
    /// Clients with a live LHP session.
    uint32_t GetSessionCount() const;
    /// The DHCP lessor used with OneToOneSource DHCP (set its attributes before Start).
    Ptr<ResoaDhcpAgent> GetDhcpAgent() const;

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;

    /// One client: its LHP connection and the EP-to-LHP glue in front of it.
    struct Session
    {
        Session(Ptr<LhpProtocol> l, LhpProtocol::Handle h)
            : lhp(l)
            , handle(h)
            , glue([l, h](resoa::LhpChannel ch, const std::vector<uint8_t>& sdu)
                   { return l->Send(h, ch, sdu); })
        {
        }

        Ptr<LhpProtocol> lhp;
        LhpProtocol::Handle handle;
        resoa::EpLhpSession glue;
        Address peer; //!< the client's link (MAC) address
    };

    static uint64_t SessionId(uint32_t lhpIndex, LhpProtocol::Handle h);
    void OnConnection(uint32_t lhpIndex,
                      LhpProtocol::Handle h,
                      LhpProtocol::ConnectionEvent ev,
                      const Address& peer);
    void OnSdu(uint32_t lhpIndex, LhpProtocol::Handle h, resoa::LhpChannel ch, Ptr<Packet> sdu);
    void OnSendSpace(uint32_t lhpIndex, LhpProtocol::Handle h);
    /// Hands the engine's outgoing messages to LHP, keeping order per session.
    void Drain();
    /// Arms the engine's timer (closing-socket linger) at its next deadline.
    void ArmEngineTimer();
    /// Applies the server's own TCP attributes to a new TCP socket.
    void ConfigureTcp(Ptr<Socket> socket) const;
    void OnEngineTimer();
    static resoa::TimePoint Now();
    void TraceCounts();
    /// The engine wants an address for a 1-to-1 client: lease one by DHCP.
    void OnAddressRequest(uint64_t sessionId);
    /// A DHCP lease outcome for session `key`.
    void OnLeaseOutcome(uint64_t key, ResoaDhcpAgent::Outcome outcome, Ipv4Address address);
    /// Ends a registered client's session from the server side (its address is gone).
    void EndSession(uint64_t sessionId);

    std::vector<Ptr<LhpProtocol>> m_lhps;
    std::vector<Ipv4Address> m_pool;
    Ipv4Address m_publicAddress;
    bool m_allowOneToOne;
    OneToOneSource m_oneToOneSource;
    bool m_dhcpFallBack;
    int32_t m_dhcpInterface;
    Ptr<ResoaDhcpAgent> m_dhcp;
    bool m_allowNTo1;
    uint32_t m_socketLimit;
    uint32_t m_maxClients;
    double m_registrationsPerSecond;
    uint64_t m_clientBufferBytes;
    uint32_t m_clientWindow;
    Time m_closingTimeout;
    Time m_tcpMinRto;
    Time m_tcpClockGranularity;
    Time m_tcpDelAckTimeout;
    std::string m_tcpCongestionControl;
    int32_t m_maxSocketBuffer;
    bool m_running;
    std::unique_ptr<Ns3EpSocketStack> m_stack;
    std::unique_ptr<resoa::EpServer> m_engine;
    std::map<uint64_t, Session> m_sessions;
    EventId m_engineTimer; //!< at the engine's NextDeadline
    Time m_engineTimerAt;
    uint64_t m_lastOpen;

    TracedCallback<uint64_t, uint8_t, uint32_t> m_requestTrace;
    TracedCallback<uint64_t, uint8_t, uint32_t> m_responseTrace;
    TracedCallback<uint64_t> m_socketOpenTrace;
    TracedCallback<uint64_t> m_socketCloseTrace;
};

} // namespace ns3

#endif // RESOA_SERVER_H
