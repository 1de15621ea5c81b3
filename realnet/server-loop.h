/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_SERVER_LOOP_H
#define RESOA_REALNET_SERVER_LOOP_H

#include "async-resolver.h"
#include "dhcp-agent.h"
#include "ep-lhp-session.h"
#include "ep-server.h"
#include "event-loop.h"
#include "kernel-socket-stack.h"
#include "lhp-endpoint.h"
#include "log.h"
#include "packet-link.h"
#include "pcap-writer.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace resoa
{
namespace realnet
{

/// Everything a ServerLoop runs with.
struct ServerLoopConfig
{
    /// The LHP side; acceptIncoming is forced on, and link.maxPayload is cut to what the
    /// interface MTU carries.
    LhpEndpointConfig endpoint;
    /// The EP side; maxMessageSize is set to the LHP payload size.
    EpServerConfig server;
    EpLhpSessionConfig session;
    KernelSocketStackConfig stack;
    /// Name resolution for the clients (EP Resolve) with the host's getaddrinfo.
    AsyncResolverConfig resolver;
    /// Most frames taken from the link per readable event.
    std::size_t maxFramesPerEvent = 256;
};

/// Counters of the loop itself (the engines have their own).
struct ServerLoopStats
{
    std::uint64_t framesReceived = 0;
    std::uint64_t framesSent = 0;
    std::uint64_t framesBlocked = 0; //!< the link had no room: waited for writability
    std::uint64_t framesDropped = 0; //!< send errors (ENETDOWN...): the ARQ repairs
    std::uint64_t receiveErrors = 0; //!< PacketLink::Receive threw (e.g. ENETDOWN)
    std::uint64_t sessionsUp = 0;
    std::uint64_t sessionsDown = 0;
    std::uint64_t datagramDrops = 0; //!< semi-reliable SDUs LHP gave up (SemiReliableDrop)
};

/**
 * \brief resoa-serverd's core loop, with no protocol logic of its own: one LhpEndpoint fed
 * from a PacketLink, one EpLhpSession per LHP connection, one EpServer running its calls on
 * a KernelSocketStack, all on one EventLoop. The glue is model/resoa-server.cc's, over the
 * core's helpers:
 *  - a frame from the link: LhpEndpoint::Receive with the source MAC as LhpPeerAddress;
 *  - endpoint deliveries and events, alternately, in order: Up -> a new session
 *    (EpServer::OnSessionUp, session id = the LHP handle, never reused), Closed/Dead ->
 *    OnSessionDown, SendSpace -> ResumeServerSession, each SDU -> EpServer::OnMessage;
 *  - after that and after every stack event: PumpServerOutgoing into the sessions (which
 *    sets the server's backpressure), then LhpEndpoint::PollTransmit -> PacketLink::Send
 *    (a frame the link has no room for waits for writability, in order);
 *  - one timer at the earliest of the endpoint's and the server's NextDeadline;
 *  - EP Resolve -> AsyncResolver (getaddrinfo off the loop thread) -> EpServer::OnResolved;
 *  - with EnableDhcp, a 1-to-1 Register -> DhcpAgent::Acquire with the session's MAC, its
 *    outcome -> EpServer::OnAddressAssigned (or, for a lost lease, the session ends), its
 *    deadlines on the same timer, and a session that goes down releases its lease.
 * All of it runs in the EventLoop's round callback, so it happens once per round whatever
 * woke the loop. The loop owns the EventLoop's round and timer callbacks.
 */
class ServerLoop
{
  public:
    /**
     * Sets up on \p loop with frames on \p link. \p log and \p pcap are optional (not
     * owned); everything must outlive the ServerLoop.
     */
    ServerLoop(EventLoop& loop,
               PacketLink& link,
               ServerLoopConfig config,
               Logger* log = nullptr,
               PcapWriter* pcap = nullptr);
    /// Unwatches the link and clears the loop's callbacks; sockets are closed by the stack.
    ~ServerLoop();

    ServerLoop(const ServerLoop&) = delete;
    ServerLoop& operator=(const ServerLoop&) = delete;

    /**
     * Leases 1-to-1 clients' addresses by DHCP with their MACs (config one-to-one-source =
     * dhcp) instead of taking them from the pool: \p socket from DhcpAgent::OpenSocket. A
     * client that gets no lease is registered n-to-1 if \p fallBackToNTo1 (and the server
     * allows n-to-1), else refused with EADDRNOTAVAIL; a lease lost later (expired, NAKed)
     * ends the client's session. Call before clients register.
     */
    void EnableDhcp(UniqueFd socket, DhcpAgentConfig config, bool fallBackToNTo1);
    /// \return the DHCP agent, or nullptr without EnableDhcp
    const DhcpAgent* GetDhcp() const;

    /// Starts an orderly close of every LHP connection (SIGTERM). Run the loop until
    /// SessionCount() is 0 (or a grace time) to let the Closes go out and be answered.
    void CloseAll();
    /// Runs the round's work now (the loop does it after every round by itself).
    void Round();
    /// Logs the refusals of EpServer's limits since the last round (rate-limited).
    void LogNewRefusals();

    /// Sessions (LHP connections up) now.
    std::size_t SessionCount() const;
    /// The MAC of session \p sessionId's client (its LHP peer), while its link is there.
    std::optional<MacAddress> GetClientMac(std::uint64_t sessionId) const;
    EpServer& GetServer();
    LhpEndpoint& GetEndpoint();
    KernelSocketStack& GetStack();
    const ServerLoopStats& GetStats() const;

  private:
    void OnLinkEvent(std::uint32_t events);
    void OnTimer();
    /// Endpoint deliveries and events into the server. \return true if any
    bool ProcessEndpoint(TimePoint now);
    void OnEndpointEvent(const LhpEndpointEvent& e);
    void Transmit(TimePoint now);
    /// \return false if the link had no room (the frame waits in m_blocked)
    bool SendFrame(const MacAddress& to, const std::vector<std::uint8_t>& bytes);
    void ArmTimer();
    void OnAddressRequest(std::uint64_t sessionId);
    void OnLeaseOutcome(std::uint64_t sessionId, const DhcpLeaseEvent& event);
    /// Ends a session from the server's side (its lease is gone): sockets released, LHP
    /// link closed, so the client sees its link go down.
    void EndSession(LhpHandle h);

    struct BlockedFrame
    {
        MacAddress to{};
        std::vector<std::uint8_t> bytes;
    };

    EventLoop& m_loop;
    PacketLink& m_link;
    Logger* m_log;
    std::uint64_t m_limitRejectedLogged = 0; //!< EpServerStats::limitRejected already logged
    /// clientsRefused, registrationsThrottled and bufferRefused already logged.
    std::array<std::uint64_t, 3> m_refusalsLogged{};
    PcapWriter* m_pcap;
    ServerLoopConfig m_config;
    KernelSocketStack m_stack;
    EpServer m_server;
    LhpEndpoint m_endpoint;
    std::map<LhpHandle, EpLhpSession> m_sessions;
    std::map<LhpHandle, MacAddress> m_peers; //!< each session's client MAC (for DHCP)
    std::vector<ReceivedFrame> m_frames;
    std::optional<BlockedFrame> m_blocked;
    std::optional<TimePoint> m_timerAt;
    ServerLoopStats m_stats;
    std::unique_ptr<DhcpAgent> m_dhcp; //!< with EnableDhcp; releases its leases when it goes
    bool m_dhcpFallBack = false;
    std::unique_ptr<AsyncResolver> m_resolver; //!< last: goes first, unwatching its eventfd
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_SERVER_LOOP_H
