/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_EP_SERVER_H
#define RESOA_EP_SERVER_H

#include "ep-engine-types.h"
#include "ep-message.h"
#include "ep-server-socket.h"
#include "ep-socket-stack.h"
#include "resoa-time.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace resoa
{

/**
 * \brief Every knob of an EP server. Drivers expose each one as an attribute / option.
 *
 * Bounds (what one client can make the server hold, and what happens at the bound):
 *  - sockets: socketLimit per client, counting every socket the server holds for it,
 *    Closing ones (closed by the client, data still going into TCP) included. Beyond it a
 *    create is answered kEmfile and an inbound connection is aborted.
 *  - Closing sockets: at most closingTimeout, then aborted (RST), like a linger bound.
 *  - client data waiting for TCP (`pending`): clientWindowBytes per stream, the credit the
 *    server grants; a client sending beyond it loses the connection (Error kEnomem).
 *  - data read for the client: at most the client's receive window per stream (its first
 *    Credit, capped at maxClientRecvWindow); Credits that would raise the allowance above
 *    it are capped and counted (creditViolations). Nothing is read for a session whose
 *    LHP link is backed up (SetSessionBackpressure).
 *  - datagrams toward a client: at most maxQueuedDatagramBytes per session waiting in the
 *    outgoing queue; more, or any while the session is backed up, are dropped and counted.
 *  - SO_SNDBUF / SO_RCVBUF: clamped to maxSocketBuffer; values <= 0 are refused (kEinval).
 *  - name resolutions: maxPendingResolutions outstanding per session (beyond: Resolved with
 *    ep_resolve::kEaiAgain at once), each for at most resolveTimeout (then kEaiAgain; the
 *    resolver's late answer is counted and dropped).
 */
struct EpServerConfig
{
    std::uint32_t serverIpv4 = 0;           //!< public address shared in n-to-1 mode (host order)
    bool allowNTo1 = true;                  //!< offer the shared address
    bool allowOneTo1 = false;               //!< offer addresses from addressPool
    std::vector<std::uint32_t> addressPool; //!< 1-to-1 addresses (host order)
    std::uint16_t socketLimit = 64;         //!< per client: every socket held, incl. accepted
                                            //!< and Closing ones
    std::size_t clientWindowBytes = 131072; //!< per stream: client Data the server buffers
    /// Batch Credit; 0 = clientWindowBytes / 4. A client whose send buffer is smaller asks
    /// for Credit when it fills (kEpFlagCreditWanted on its last Data), so nothing stalls.
    std::size_t creditThreshold = 0;
    std::size_t maxMessageSize = 1476; //!< largest EP message (one LHP SDU)
    /// A socket the client closed while its data still waited for TCP (Closing) is aborted
    /// after this long, so a peer that never reads cannot pin it (cf. Linux's FIN_WAIT and
    /// linger bounds). Needs the driver to run HandleDeadline. 0 = abort at the next
    /// HandleDeadline.
    Duration closingTimeout = std::chrono::seconds(60);
    /// Largest receive window a client may claim for one stream: the server never has more
    /// than this read from TCP and not yet credited back (4 MiB, Linux's default rmem_max
    /// order of magnitude).
    std::size_t maxClientRecvWindow = 4u << 20;
    /// Largest SO_SNDBUF/SO_RCVBUF a client may set on its server socket (rmem_max/wmem_max).
    std::int32_t maxSocketBuffer = 4 << 20;
    /// Per session: datagram bytes (encoded RecvFrom messages) that may wait in the
    /// outgoing queue; beyond it datagrams from the Internet are dropped and counted.
    std::size_t maxQueuedDatagramBytes = 65536;
    /// Per session: Resolve requests handed to the resolver and not answered yet.
    std::size_t maxPendingResolutions = 16;
    /// A resolution the resolver has not answered in this long is answered kEaiAgain
    /// (needs the driver to run HandleDeadline; 0 = at the next HandleDeadline).
    Duration resolveTimeout = std::chrono::seconds(10);
    /// Registered clients at once; one more is refused with kEconnrefused. (LHP's own
    /// admission caps links: LhpEndpointConfig::maxConnections.)
    std::size_t maxClients = 1024;
    /// New registrations per second, a token bucket of registrationBurst; beyond it a
    /// Register is refused with kEconnrefused (the client retries later). 0 = no limit.
    double registrationsPerSecond = 100;
    std::uint32_t registrationBurst = 100;
    /// Per client: buffer memory its sockets may reserve on the server, each stream socket
    /// clientWindowBytes plus the SO_SNDBUF/SO_RCVBUF values it set. A socket() or
    /// setsockopt() beyond it gets kEnobufs, an inbound connection is refused. The default
    /// fits 64 streams at the default window plus two 4 MiB buffers.
    std::size_t maxClientBufferBytes = 16u << 20;
};

/// What a registering client asked for (input of the admission hook).
struct EpRegistration
{
    std::uint64_t sessionId = 0;
    EpAddrMode requestedMode = EpAddrMode::NTo1;
    std::uint32_t requestedIpv4 = 0;
    std::string name;
};

/// The admission hook's answer.
struct EpAdmission
{
    std::int32_t error = 0;        //!< non-zero refuses the client with this errno (e.g. kEacces)
    std::uint16_t socketLimit = 0; //!< this client's limit; 0 = EpServerConfig::socketLimit
    /// The server's own choice of mode for this client (a per-client setting), whatever the
    /// client asked for; nullopt = what it asked for. A chosen mode has no fallback: a mode
    /// the config does not offer is kEacces, no free (or not this) address kEaddrnotavail.
    std::optional<EpAddrMode> mode;
    std::uint32_t ipv4 = 0; //!< with mode OneTo1: this pool address (host order); 0 = any
};

/// Policy on registration: who may register, with which socket limit.
using EpAdmissionHook = std::function<EpAdmission(const EpRegistration&)>;

/**
 * Policy on calls: (session, call type, address) -> 0 to allow or an errno to refuse.
 * Called for Bind and Listen (local address), Connect and SendTo (destination).
 */
using EpCallPolicy = std::function<std::int32_t(std::uint64_t, EpType, const EpAddress&)>;

/// One host name the server's resolver must look up (input of the resolver hook).
struct EpResolveRequest
{
    std::uint64_t sessionId = 0;
    std::uint32_t requestId = 0;
    std::string name;        //!< 1..kEpMaxName bytes, no NUL
    std::uint8_t family = 0; //!< 0 any, 4 IPv4, 6 IPv6
    std::uint8_t flags = 0;  //!< EpResolveFlags (kEpResolveCanonName)
};

/**
 * The server's resolver: starts looking up a name and returns at once; the answer comes
 * later through EpServer::OnResolved(sessionId, requestId, ...), from the driver's loop
 * (a synchronous resolver, e.g. a test's, may also call it from inside the hook). Without
 * a hook every Resolve is answered ep_resolve::kEaiFail ("not supported") at once.
 */
using EpResolverHook = std::function<void(const EpResolveRequest&)>;

/// A registering client wants its own address and the driver provides it (input of the
/// address provider hook).
struct EpAddressRequest
{
    std::uint64_t sessionId = 0;
    std::uint32_t requestedIpv4 = 0; //!< the address the client asked for (0 = any)
};

/**
 * The 1-to-1 address provider: starts obtaining an address for a registering client (e.g. a
 * DHCP lease on the client's behalf) and returns at once; the answer comes later through
 * EpServer::OnAddressAssigned(sessionId, ...), from the driver's loop. With a provider the
 * address pool is not used. Without one, 1-to-1 addresses come from addressPool.
 */
using EpAddressProviderHook = std::function<void(const EpAddressRequest&)>;

/// One message for the driver to send on session `sessionId`.
struct EpServerOutgoing
{
    std::uint64_t sessionId = 0;
    LhpChannel channel = LhpChannel::Reliable;
    std::vector<std::uint8_t> bytes;
};

/// Counters for traces and tests.
struct EpServerStats
{
    std::uint64_t messagesReceived = 0;
    std::uint64_t messagesSent = 0;
    std::uint64_t decodeErrors = 0;       //!< undecodable input, ignored
    std::uint64_t unknownSession = 0;     //!< input on a session that is not up
    std::uint64_t unexpectedMessages = 0; //!< a server-to-client type, or a bad request
    std::uint64_t unknownSocket = 0;      //!< no such (session, rsockId)
    std::uint64_t notRegistered = 0;      //!< socket calls before Register
    std::uint64_t registrationsDenied = 0;
    std::uint64_t socketsCreated = 0;
    std::uint64_t socketsClosed = 0;
    std::uint64_t limitRejected = 0;    //!< creates answered with kEmfile
    std::uint64_t acceptsRejected = 0;  //!< inbound connections aborted (limit/no listener)
    std::uint64_t windowViolations = 0; //!< client sent beyond its credit: connection aborted
    std::uint64_t bytesFromClients = 0;
    std::uint64_t bytesToClients = 0;
    std::uint64_t creditsSent = 0;
    std::uint64_t datagramsToInternet = 0;
    std::uint64_t datagramsToClients = 0;
    std::uint64_t datagramsDropped = 0;       //!< too large, send errors, backed up, queue full
    std::uint64_t staleStackEvents = 0;       //!< stack events for handles the server released
    std::uint64_t creditViolations = 0;       //!< Credits beyond the client's window (capped)
    std::uint64_t closingTimeouts = 0;        //!< Closing sockets aborted at closingTimeout
    std::uint64_t stackErrors = 0;            //!< connections failed by a Read/Send/OnError error
    std::uint64_t sockOptsClamped = 0;        //!< SO_SNDBUF/SO_RCVBUF values cut to the maximum
    std::uint64_t resolutionsStarted = 0;     //!< Resolve requests handed to the resolver
    std::uint64_t resolutionsAnswered = 0;    //!< Resolved messages sent, whatever the error
    std::uint64_t resolutionsRefused = 0;     //!< kEaiAgain at maxPendingResolutions
    std::uint64_t resolutionsTimedOut = 0;    //!< kEaiAgain at resolveTimeout
    std::uint64_t resolutionsUnsupported = 0; //!< kEaiFail: no resolver hook
    std::uint64_t staleResolutions = 0;       //!< OnResolved for an unknown/expired request
    std::uint64_t clientsRefused = 0;         //!< Register refused at maxClients
    std::uint64_t registrationsThrottled = 0; //!< Register refused by registrationsPerSecond
    std::uint64_t bufferRefused = 0;          //!< kEnobufs at maxClientBufferBytes
};

/// A socket as ListSockets shows it (tests, traces).
struct EpServerSocketInfo
{
    std::uint64_t sessionId = 0;
    std::uint32_t rsockId = 0;
    EpHandle handle = kEpInvalidHandle;
    EpSockType type = EpSockType::None;
    EpServerSocketState state = EpServerSocketState::Open;
    std::size_t pendingBytes = 0;
    std::uint64_t pushAllowance = 0;
    std::uint64_t clientAllowance = 0;
    std::uint64_t bytesFromStack = 0;
    std::uint64_t bytesToClient = 0;
    std::uint64_t bytesToStack = 0;
    std::uint64_t clientRecvWindow = 0; //!< the cap on pushAllowance (0: no Credit yet)
    bool readInterest = false;          //!< what the server last told the stack
};

/// A session as GetSession shows it.
struct EpServerSessionInfo
{
    bool registered = false;
    EpAddrMode addrMode = EpAddrMode::NTo1;
    std::uint32_t publicIpv4 = 0;
    std::uint16_t socketLimit = 0;
    std::string name;
    std::size_t socketCount = 0;
    bool backedUp = false;               //!< SetSessionBackpressure(id, true) in force
    std::size_t queuedDatagramBytes = 0; //!< RecvFrom bytes waiting in the outgoing queue
    std::size_t pendingResolutions = 0;  //!< Resolve requests the resolver still holds
};

/**
 * \brief The server side of the Export Protocol: executes the calls of every client on the
 * server's TCP/IP stack (EpSocketStack) and pushes results and data back.
 *
 * Sans-I/O. Each LHP connection is a session, named by an opaque id the driver picks
 * (OnSessionUp / OnSessionDown). The driver feeds delivered SDUs to OnMessage, drains
 * PollOutgoing, and reports stack events through the On* methods below.
 *
 * Semantics (paper §4.3): received data is pushed without read requests, but only within
 * the client's credit, so TCP's advertised window opens when the client application reads.
 * Eof follows all data. Client data the stack does not take is kept (up to the credit
 * granted) and retried on OnWritable; Credit goes back as the stack takes bytes. Sockets
 * are keyed by (session, rsockId); accepted connections get ids from kServerRsockBase up.
 * A creating request that fails with kEmfile, kEnomem, kEprotonosupport or kEperm leaves
 * no socket behind; any other failure leaves the socket created.
 *
 * Stack contract (EpSocketStack): the server keeps each handle's read interest up to date,
 * calling SetReadInterest only on a change: on for a connected stream with credit left (or
 * one the client shut for reading, which is drained and dropped), for a listener and for a
 * datagram socket; off for a stream at zero credit, after EOF, in Closing, before it is
 * connected, and for every socket of a backed-up session. EOF and errors are taken from
 * Read/Send results as well as from events; an event for a released handle is counted
 * (staleStackEvents) and ignored.
 *
 * Time: like ngtcp2, the server never reads a clock. Calls that can start a timer take
 * `now` (OnMessage(..., now)); the overloads without it use the latest `now` seen. The
 * driver arms one timer at NextDeadline() after every call and runs HandleDeadline(now)
 * when it fires (the Closing linger bound, EpServerConfig::closingTimeout, and the bound
 * on name resolutions, resolveTimeout).
 *
 * Name resolution (Resolve / Resolved): the server resolves host names for its clients
 * with its own resolver (SetResolver), which answers asynchronously (OnResolved). The
 * answer is filtered to the family asked for, de-duplicated, cut to
 * kEpMaxResolvedAddresses, and carries port 0. The call policy does not filter names or
 * answers: a resolved address is only a name, and destinations are checked at Connect and
 * SendTo. Resolve needs a registered session (else kEperm).
 *
 * Queues and their bounds (see EpServerConfig for the numbers):
 *  - outgoing queue (PollOutgoing): Data is bounded per stream by the client's receive
 *    window; Credits by the data taken; answers by one per client message, and a driver
 *    bounds client messages by not consuming LHP's receive window faster than it can send
 *    (EpLhpSession); RecvFrom datagrams by maxQueuedDatagramBytes per session (then
 *    dropped and counted). The driver drains it after every call.
 *  - per stream `pending` (client data TCP has not taken): clientWindowBytes (credit).
 *  - sockets: socketLimit per client, Closing included; Closing ones for closingTimeout.
 */
class EpServer
{
  public:
    /// A server running calls on `stack`, which must outlive it.
    EpServer(EpServerConfig config, EpSocketStack& stack);

    /// Installs the registration policy (default: admit everyone).
    void SetAdmissionHook(EpAdmissionHook hook);
    /// Installs the per-call policy (default: allow everything).
    void SetCallPolicy(EpCallPolicy policy);
    /// Installs the asynchronous resolver (default: none, Resolve answered kEaiFail).
    void SetResolver(EpResolverHook resolver);
    /**
     * Installs the 1-to-1 address provider (default: none, the pool is used). A Register
     * for 1-to-1 is then answered only when the driver calls OnAddressAssigned; a repeated
     * Register meanwhile is ignored.
     */
    void SetAddressProvider(EpAddressProviderHook provider);
    /**
     * The provider's answer for `sessionId`: `ipv4` (host order, configured on the driver's
     * stack) becomes the client's own address, or, with `ipv4` 0, the client gets none:
     * it is registered n-to-1 when `fallBackToNTo1` and allowNTo1, else refused with
     * `error` (e.g. kEaddrnotavail). Ignored for a session that is gone or not waiting.
     */
    void OnAddressAssigned(std::uint64_t sessionId,
                           std::uint32_t ipv4,
                           bool fallBackToNTo1,
                           std::int32_t error);
    /// Whether `sessionId` waits for its provider's answer.
    bool AwaitsAddress(std::uint64_t sessionId) const;

    // --- sessions (one per LHP connection) ---
    /// A new LHP connection: the client must Register on it before any socket call.
    void OnSessionUp(std::uint64_t sessionId);
    /// The LHP link died or closed: every socket of the session is released on the stack
    /// (connections aborted, others closed) and its 1-to-1 address returns to the pool.
    void OnSessionDown(std::uint64_t sessionId);
    /**
     * Feeds one EP message delivered on `sessionId` at time `now`. Bad input is counted and
     * ignored. A Close that leaves data waiting for TCP starts the closingTimeout clock.
     */
    void OnMessage(std::uint64_t sessionId,
                   const std::uint8_t* data,
                   std::size_t len,
                   TimePoint now);
    /// Same as OnMessage(sessionId, data, len, now).
    void OnMessage(std::uint64_t sessionId, const std::vector<std::uint8_t>& bytes, TimePoint now);
    /// OnMessage at the latest `now` seen (drivers that do not use deadlines).
    void OnMessage(std::uint64_t sessionId, const std::uint8_t* data, std::size_t len);
    /// Same as OnMessage(sessionId, data, len).
    void OnMessage(std::uint64_t sessionId, const std::vector<std::uint8_t>& bytes);
    /**
     * Backpressure from the LHP side: while `backedUp`, the session's link cannot take
     * more (EpLhpSession::BackedUp), so the server reads nothing from the stack for any of
     * its sockets (read interest off, datagrams from the Internet dropped and counted).
     * Clearing it resumes reading at once, within each socket's credit. Call it whenever the
     * glue's BackedUp() changes; repeated calls with the same value do nothing.
     */
    void SetSessionBackpressure(std::uint64_t sessionId, bool backedUp);
    /// Next message to hand to LHP: the session and channel it names.
    std::optional<EpServerOutgoing> PollOutgoing();
    /// True if PollOutgoing would return a message.
    bool HasOutgoing() const;

    // --- time (ngtcp2 style) ---
    /// When HandleDeadline must run next, or nothing if no timer is needed.
    std::optional<TimePoint> NextDeadline() const;
    /// Runs what is due at `now`: Closing sockets past closingTimeout are aborted (RST).
    void HandleDeadline(TimePoint now);

    // --- name resolution (driver calls this) ---
    /**
     * The resolver's answer to request (sessionId, requestId): `error` 0 with `addresses`
     * (family 4/6; ports ignored), or an ep_resolve code (< 0) or errno (> 0); an unknown
     * negative code is sent as kEaiFail, and success with no usable address as kEaiNoname.
     * `canonicalName` goes out only if the client asked for it. An answer for a request
     * that timed out or whose session went down is counted (staleResolutions) and ignored.
     */
    void OnResolved(std::uint64_t sessionId,
                    std::uint32_t requestId,
                    std::int32_t error,
                    const std::vector<EpAddress>& addresses,
                    const std::string& canonicalName = "");

    // --- stack events (driver calls these) ---
    /// A stack connect that returned kEpEinprogress succeeded.
    void OnConnected(EpHandle h);
    /// A stack connect that returned kEpEinprogress failed with `error`.
    void OnConnectFailed(EpHandle h, std::int32_t error);
    /// A listener accepted a connection; the server owns `newHandle` from now on.
    void OnIncomingConnection(EpHandle listener, EpHandle newHandle);
    /// New data (or EOF) sits in the socket's receive buffer. Ignored beyond the credit.
    void OnReadable(EpHandle h);
    /// The socket's send buffer has room again (after Send took less than offered).
    void OnWritable(EpHandle h);
    /// The Internet peer closed its side (FIN). Eof is pushed after all unread data.
    void OnPeerClosed(EpHandle h);
    /// The socket failed (e.g. kEconnreset); a connection is released.
    void OnError(EpHandle h, std::int32_t error);
    /// A datagram from `from` arrived on datagram socket h. Dropped and counted while the
    /// session is backed up or its queued datagrams reach maxQueuedDatagramBytes.
    void OnDatagram(EpHandle h, const EpAddress& from, const std::uint8_t* data, std::size_t len);

    // --- inspection ---
    /// Counters.
    const EpServerStats& GetStats() const;
    /// The configuration in force (after clamping to sane values).
    const EpServerConfig& GetConfig() const;
    /// Every socket of every session (tests, traces).
    std::vector<EpServerSocketInfo> ListSockets() const;
    /// A session, or nothing if it is not up.
    std::optional<EpServerSessionInfo> GetSession(std::uint64_t sessionId) const;
    /// Sessions that are up.
    std::size_t SessionCount() const;

  private:
    struct PendingResolution
    {
        TimePoint deadline{0};
        std::uint8_t family = 0;
        std::uint8_t flags = 0;
    };

    struct Session
    {
        std::uint64_t id = 0;
        bool registered = false;
        EpAddrMode addrMode = EpAddrMode::NTo1;
        std::uint32_t publicIpv4 = 0;
        bool poolAddress = false; //!< publicIpv4 came from the pool
        /// Register waiting for the address provider (its request id and socket limit).
        std::optional<std::pair<std::uint32_t, std::uint16_t>> awaitingAddress;
        std::uint16_t socketLimit = 0;
        std::string name;
        std::uint32_t nextServerId = kServerRsockBase;
        std::map<std::uint32_t, EpServerSocket> sockets;
        bool backedUp = false;
        std::size_t queuedDatagramBytes = 0;
        std::size_t bufferReserved = 0; //!< sum of its sockets' bufferReserved
        /// Resolutions the resolver holds, by requestId.
        std::map<std::uint32_t, PendingResolution> resolving;
    };

    struct SocketKey
    {
        std::uint64_t sessionId;
        std::uint32_t rsockId;
    };

    Session* FindSession(std::uint64_t id);
    EpServerSocket* FindSocket(Session& s, std::uint32_t rsockId);
    EpServerSocket* FindByHandle(EpHandle h);

    void Queue(std::uint64_t sessionId, const EpMessage& m, LhpChannel ch = LhpChannel::Reliable);
    void Respond(std::uint64_t sessionId,
                 const EpMessage& request,
                 std::int32_t error,
                 const EpAddress& local = {},
                 const EpAddress& peer = {},
                 std::int32_t value = 0);
    /// Answers a failed request: Response if it has a requestId, else an Error message.
    void Fail(std::uint64_t sessionId, const EpMessage& request, std::int32_t error);
    void SendCredit(EpServerSocket& sock, std::uint64_t bytes);

    void HandleRegister(Session& s, const EpMessage& m);
    /// Registers `s` (mode, address, limit) and queues Registered for `requestId`.
    void CompleteRegistration(Session& s,
                              std::uint32_t requestId,
                              EpAddrMode mode,
                              std::uint32_t ipv4,
                              bool fromPool,
                              std::uint16_t socketLimit);
    /// 0 if a new client may register now (takes a token), else the errno that refuses it.
    std::int32_t AdmitRegistration();
    /// Whether `bytes` more fit in the client's buffer budget.
    bool BufferFits(const Session& s, std::size_t bytes) const;
    /// Reserves `bytes` more of the client's buffer budget for `sock`; false at the limit.
    bool ReserveBuffer(Session& s, EpServerSocket& sock, std::size_t bytes);
    void HandleResolve(Session& s, const EpMessage& m);
    /// Queues Resolved(error, addresses, name) for request `requestId` of session `id`.
    void SendResolved(std::uint64_t id,
                      std::uint32_t requestId,
                      std::int32_t error,
                      std::vector<EpAddress> addresses = {},
                      std::string name = "");
    EpServerSocket* CreateSocket(Session& s, const EpMessage& m, std::int32_t& error);
    void HandleSocketCall(Session& s, EpServerSocket& sock, const EpMessage& m, bool created);
    std::int32_t CheckLocal(const Session& s, EpAddress& local) const;
    std::int32_t ImplicitBind(const Session& s, EpServerSocket& sock);
    std::int32_t Policy(const Session& s, EpType op, const EpAddress& a) const;
    std::int32_t DoBind(Session& s, EpServerSocket& sock, const EpMessage& m);
    std::int32_t DoListen(Session& s, EpServerSocket& sock, const EpMessage& m);
    std::int32_t DoConnect(Session& s, EpServerSocket& sock, const EpMessage& m);
    void DoData(Session& s, EpServerSocket& sock, const EpMessage& m);
    void DoShutdown(EpServerSocket& sock, const EpMessage& m);
    void DoClose(Session& s, EpServerSocket& sock);
    std::int32_t DoSendTo(Session& s, EpServerSocket& sock, const EpMessage& m);
    void FinishConnect(EpServerSocket& sock);

    /// Client data into the stack; Credit back; deferred shutdown/close. False if released.
    bool FlushPending(EpServerSocket& sock);
    /**
     * Stack data to the client within its credit (unless the session is backed up); Eof
     * once drained; then brings the read interest up to date. False if a read error
     * released the socket.
     */
    bool PumpRead(EpServerSocket& sock);
    /// Whether the server wants input events for `sock` now (see SetReadInterest).
    bool WantsRead(const EpServerSocket& sock) const;
    /// Tells the stack if WantsRead changed.
    void UpdateReadInterest(EpServerSocket& sock);
    /// A Credit from the client: adds to the push allowance within its window, reads.
    void HandleCredit(EpServerSocket& sock, std::uint32_t value);
    /// The stack failed the socket with `error` (OnError, Read, Send): Error to the
    /// client unless it already closed the socket, then release (datagram sockets live on).
    void StackFailure(EpServerSocket& sock, std::int32_t error);
    /// Releases the stack handle (Close or Abort) and forgets the socket.
    void Release(Session& s, std::uint32_t rsockId, bool abort);

    EpServerConfig m_config;
    EpSocketStack& m_stack;
    std::size_t m_chunk;
    std::size_t m_creditThreshold;
    EpAdmissionHook m_admission;
    EpCallPolicy m_policy;
    EpResolverHook m_resolver;
    EpAddressProviderHook m_addressProvider;
    std::map<std::uint64_t, Session> m_sessions;
    std::map<EpHandle, SocketKey> m_byHandle;
    std::set<std::uint32_t> m_poolInUse;
    std::deque<EpServerOutgoing> m_out;
    EpServerStats m_stats;
    TimePoint m_now{0}; //!< latest time a driver passed in
    std::size_t m_registeredClients = 0;
    double m_registrationTokens = 0;     //!< token bucket of registrationsPerSecond
    std::optional<TimePoint> m_tokensAt; //!< when the bucket was last refilled
    /// Closing sockets by the time closingTimeout aborts them.
    std::set<std::tuple<TimePoint, std::uint64_t, std::uint32_t>> m_closingDeadlines;
    /// Outstanding resolutions by the time resolveTimeout answers them (session, request).
    std::set<std::tuple<TimePoint, std::uint64_t, std::uint32_t>> m_resolveDeadlines;
};

} // namespace resoa

#endif // RESOA_EP_SERVER_H
