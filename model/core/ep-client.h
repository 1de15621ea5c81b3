/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_EP_CLIENT_H
#define RESOA_EP_CLIENT_H

#include "ep-client-socket.h"
#include "ep-engine-types.h"
#include "ep-message.h"
#include "resoa-time.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace resoa
{

/**
 * \brief Every knob of an EP client. Drivers expose each one as an attribute / option.
 *
 * Bounds (what the client holds at most, and what happens at the bound):
 *  - sockets: socketLimit, counting sockets the application closed whose data still
 *    waits to go out (Create answers kEmfile; an Accepted beyond it is closed at once).
 *  - stream send buffer: sendBufferBytes per socket, unsent plus sent-but-not-credited
 *    (Send takes what fits, kEagain when nothing does). This also bounds the Data messages
 *    waiting in the outgoing queue.
 *  - stream receive buffer: recvWindowBytes per socket (the credit granted). Data beyond it
 *    is a server bug: counted (windowViolations) and the socket fails with kEnomem.
 *  - datagrams out: datagramSendBufferBytes of encoded SendTo messages waiting in the
 *    outgoing queue, all sockets together (SendTo answers kEagain, and a Writable event
 *    follows when the driver has polled them out).
 *  - datagrams in: recvWindowBytes and maxQueuedDatagrams per socket; beyond either a
 *    datagram is dropped and counted (datagramsDropped), as UDP does.
 *  - requests awaiting the server's answer: maxPendingRequests (the call answers
 *    kEpEnobufs).
 *  - events: maxQueuedEvents; beyond it a Readable or Writable event is merged into the
 *    socket's last queued event of the same kind (values added). Other events are bounded
 *    by the requests and sockets above.
 */
struct EpClientConfig
{
    /// Per stream socket: unsent + not yet credited. Only the server's Credit frees it. The
    /// server batches Credit (EpServerConfig::creditThreshold); when this buffer fills, the
    /// last Data carries kEpFlagCreditWanted so the server credits without waiting for its
    /// threshold, so any size works (sizes well above the threshold cost fewer Credits).
    std::size_t sendBufferBytes = 131072;
    std::size_t recvWindowBytes = 131072; //!< per socket: credit granted to the server
    std::uint16_t socketLimit = 64;       //!< sockets before Registered says otherwise
    std::size_t maxMessageSize = 1476;    //!< largest EP message (one LHP SDU)
    std::size_t creditThreshold = 0;      //!< return Credit at this many consumed bytes;
                                          //!< 0 = recvWindowBytes / 4
    /**
     * Hold a partial Data chunk after every Send (as if each carried `more`), so many small
     * writes in one driver turn (one simulator event, one epoll round) fill whole LHP
     * frames. The chunk leaves at the coalescing deadline (NextDeadline / HandleDeadline)
     * or at FlushPartial(), whichever the driver uses.
     */
    bool coalesceWrites = false;
    /**
     * How long a held partial chunk (coalesceWrites, or Send with `more`) may wait for more
     * data: NextDeadline() is the time of the write that started holding plus this. 0 =
     * the end of the current driver turn (a driver schedules HandleDeadline "now", after
     * the current event: ns-3 ScheduleNow, or an epoll_wait timeout of 0).
     */
    Duration coalesceDelay{0};
    /// Encoded datagram bytes that may wait in the outgoing queue (all sockets); >= one
    /// maxMessageSize. The datagram send space SendSpace() reports comes from it.
    std::size_t datagramSendBufferBytes = 65536;
    /// Datagrams one socket's receive queue holds at most (besides recvWindowBytes).
    std::size_t maxQueuedDatagrams = 256;
    /// Requests (Bind, Listen, Connect, first SendTo, Set/GetSockOpt, Resolve) awaiting an
    /// answer.
    std::size_t maxPendingRequests = 256;
    /// Events waiting for PollEvent before Readable/Writable events are merged.
    std::size_t maxQueuedEvents = 4096;
};

/// Counters for traces and tests.
struct EpClientStats
{
    std::uint64_t messagesSent = 0;
    std::uint64_t messagesReceived = 0;
    std::uint64_t decodeErrors = 0;       //!< undecodable input, ignored
    std::uint64_t unexpectedMessages = 0; //!< a type the server never sends, ignored
    std::uint64_t staleMessages = 0;      //!< for an unknown/closed socket or request
    std::uint64_t bytesSent = 0;          //!< stream payload sent as Data
    std::uint64_t bytesReceived = 0;      //!< stream payload received as Data
    std::uint64_t creditsSent = 0;        //!< Credit messages sent
    std::uint64_t datagramsSent = 0;
    std::uint64_t datagramsReceived = 0;
    std::uint64_t datagramsDropped = 0; //!< receive queue full
    std::uint64_t datagramsRefused = 0; //!< SendTo refused (kEagain): datagram queue full
    std::uint64_t windowViolations = 0; //!< server pushed beyond our credit: socket failed
    std::uint64_t requestsRefused = 0;  //!< calls refused with kEpEnobufs (too many pending)
    std::uint64_t acceptsRefused = 0;   //!< Accepted beyond the socket limit: closed
    std::uint64_t eventsMerged = 0;     //!< Readable/Writable merged at maxQueuedEvents
};

/// Something the driver must hear about (maps to ns-3 Notify* or to the daemon's replies).
struct EpClientEvent
{
    enum class Kind : std::uint8_t
    {
        Registered,  //!< `error`; on success `local` = public address, `value` = socket limit
        ConnectDone, //!< `error`; on success `local` and `peer` are the real addresses
        BindDone,    //!< `error`, `local`
        ListenDone,  //!< `error`, `local`
        RequestDone, //!< Set/GetSockOpt answer: `requestId`, `error`, `value`
        Accepted,    //!< on the listener: `newRsockId` (with `local`/`peer`) is ready to Accept
        Readable,    //!< data or a datagram arrived; `value` = its size
        Writable,    //!< the server took `value` bytes: send space freed
        Eof,         //!< the peer closed its side; everything before it is readable
        Error,       //!< asynchronous error `error` (reset, link down, creation refused)
        Closed,      //!< a closed socket finished (its last data and Close were queued)
        /// Resolve answer: `requestId`, `error` (0, an ep_resolve code < 0, or an errno
        /// such as kEnetdown), on success `addresses` and maybe `name` (canonical)
        Resolved,
    };

    std::uint32_t rsockId = 0;
    Kind kind = Kind::Error;
    std::int32_t error = 0;
    EpAddress local;
    EpAddress peer;
    std::uint32_t newRsockId = 0;
    std::uint32_t requestId = 0;
    std::int64_t value = 0;
    std::vector<EpAddress> addresses; //!< Resolved only
    std::string name;                 //!< Resolved only: the canonical name, if any
};

/// Name of an event kind, for logs.
const char* ToString(EpClientEvent::Kind k);

/// Result of Create and Accept: a socket id, or an errno.
struct EpSocketResult
{
    std::uint32_t id = 0;
    std::int32_t error = ep_errno::kOk;
};

/**
 * \brief The client side of the Export Protocol for one client node: the socket calls of
 * its applications turned into EP messages, and EP messages turned back into socket state.
 *
 * Sans-I/O. Application verbs (Create, Connect, Send, Recv, ...) return at once and only
 * change state; messages to send collect in a queue the driver drains with PollOutgoing()
 * and hands to LHP on the channel given. The driver feeds each SDU LHP delivers to
 * OnMessage() and reports a dead link with OnLinkDown(). What the application must hear
 * about comes out of PollEvent().
 *
 * Semantics (paper §4.3): Create() sends nothing; the first call that needs the server
 * (Bind, Listen, Connect, SendTo, Set/GetSockOpt) carries kEpFlagCreate. Connect's Response
 * carries both addresses, so GetSockName/GetPeerName never ask the server. Send copies into
 * a local buffer and returns; data goes out as Data messages within the server's credit,
 * and the server's Credit frees the space. Received data is pushed by the server within
 * recvWindowBytes; Recv returns Credit once creditThreshold bytes were consumed, so the
 * server keeps at least recvWindowBytes - creditThreshold of window at all times.
 *
 * Time: the client never reads a clock. Only write coalescing needs time: Send takes `now`
 * (the overload without it uses the latest `now` seen), and the driver arms a timer at
 * NextDeadline() after its calls and runs HandleDeadline(now) when it fires. A driver that
 * prefers it may call FlushPartial() at the end of each turn instead.
 *
 * Queues: see EpClientConfig for every bound. The outgoing queue holds Data (bounded by
 * the send buffers), Credits (at most a few per socket), answers to requests
 * (maxPendingRequests), datagrams (datagramSendBufferBytes) and Close/Shutdown (one per
 * socket). A driver whose LHP link is backed up stops polling it; the bounds then push
 * back on the application (kEagain, kEpEnobufs).
 *
 * Wire conventions shared with EpServer: credit is granted explicitly. Once a stream is
 * established (Connect Response, Accepted), each side sends the other an initial
 * Credit(window); every later Credit both grants window and, server to client, reports
 * that many bytes handed to TCP (so it frees client send buffer). Datagrams carry no credit.
 */
class EpClient
{
  public:
    /// A client with no sockets; the link is taken to be up.
    explicit EpClient(EpClientConfig config = {});

    // --- registration ---
    /**
     * Queues Register. Answered by a Registered event. Returns kEinval for a name longer
     * than kEpMaxName, kEnetdown while the link is down.
     */
    std::int32_t Register(EpAddrMode mode, std::uint32_t requestedIpv4, const std::string& name);
    /// True once Registered arrived with success (false again after OnLinkDown).
    bool IsRegistered() const;
    std::uint32_t GetPublicIpv4() const; //!< host order; 0 before Registered
    /// The addressing mode the server granted.
    EpAddrMode GetAddrMode() const;
    std::uint16_t GetSocketLimit() const; //!< the server's limit, or the config default

    // --- name resolution (by the server's resolver, paper §4 / DESIGN §5) ---
    /**
     * Queues Resolve: the server resolves host `name` (1..kEpMaxName bytes, no NUL) for
     * `family` (0 any, 4 IPv4, 6 IPv6) with its own resolver. Answered by a Resolved event
     * carrying `*requestId`. `flags`: EpResolveFlags. Returns kEinval for a bad name, family
     * or flag, kEnetdown while the link is down, kEpEnobufs at maxPendingRequests,
     * kEmsgsize if the request does not fit maxMessageSize. A link that dies first
     * answers it with kEnetdown.
     */
    std::int32_t Resolve(const std::string& name,
                         std::uint8_t family,
                         std::uint32_t* requestId = nullptr,
                         std::uint8_t flags = 0);

    // --- socket calls (application side) ---
    /// socket(): a new id from 1 upward, nothing sent. kEmfile beyond the socket limit,
    /// kEprotonosupport for EpSockType::None.
    EpSocketResult Create(EpSockType type);
    /// Queues Bind (creating the socket if needed). Answered by BindDone. Like every
    /// request, kEpEnobufs while maxPendingRequests requests await an answer.
    std::int32_t Bind(std::uint32_t id, const EpAddress& local);
    /// Queues Listen (stream only). Answered by ListenDone; connections come as Accepted.
    std::int32_t Listen(std::uint32_t id, std::uint32_t backlog);
    /// Takes the next accepted connection of listener `id`, or kEagain.
    EpSocketResult Accept(std::uint32_t id);
    /// Queues Connect. Answered by ConnectDone. kEisconn, kEpEalready, kEinval (listening).
    std::int32_t Connect(std::uint32_t id, const EpAddress& peer);
    /**
     * Stream: copies up to SendSpace() bytes into the send buffer and returns how many;
     * kEagain if none fit, kEnotconn before Connect, kEpipe after Shutdown(write).
     * Allowed while the connect is in flight. Datagram: sends to the connected peer.
     *
     * `more` (MSG_MORE): more data follows at once, so a partial last chunk is held rather
     * than sent alone. A held chunk leaves when it fills, at the next Send without `more`
     * (unless coalesceWrites), at Shutdown/Close, at FlushPartial(), or at the latest at
     * NextDeadline() (`now` + coalesceDelay, counted from the write that started holding).
     */
    EpIoResult Send(std::uint32_t id,
                    const std::uint8_t* data,
                    std::size_t len,
                    TimePoint now,
                    bool more = false);
    /// Send(id, data, len, latest now seen, false).
    EpIoResult Send(std::uint32_t id, const std::uint8_t* data, std::size_t len);
    /**
     * Datagram: queues one datagram. kEmsgsize if it cannot fit one EP message; kEagain if
     * the datagram queue (datagramSendBufferBytes) is full: a Writable event follows once
     * the driver polled queued datagrams out.
     */
    EpIoResult SendTo(std::uint32_t id,
                      const EpAddress& peer,
                      const std::uint8_t* data,
                      std::size_t len);
    /// Stream: up to maxBytes of received data. Datagram: the next datagram, truncated.
    EpReadResult Recv(std::uint32_t id, std::size_t maxBytes);
    /// ep_shutdown::kRead / kWrite / kBoth. A write shutdown goes out after buffered data.
    std::int32_t Shutdown(std::uint32_t id, std::uint8_t how);
    /**
     * close(): the id is gone for the application at once. Buffered send data still goes
     * out (within credit), then Close; a Closed event tells when. A socket the server never
     * heard of is dropped without a message.
     */
    std::int32_t Close(std::uint32_t id);
    /// Queues SetSockOpt (ep_sockopt subset, else kEpEnoprotoopt). Answered by RequestDone.
    std::int32_t SetSockOpt(std::uint32_t id,
                            std::uint16_t level,
                            std::uint16_t option,
                            std::int32_t value,
                            std::uint32_t* requestId = nullptr);
    /// Queues GetSockOpt. RequestDone carries the value.
    std::int32_t GetSockOpt(std::uint32_t id,
                            std::uint16_t level,
                            std::uint16_t option,
                            std::uint32_t* requestId = nullptr);

    // --- socket inspection (no messages) ---
    /// getsockname() from the cache (family 0 before the server reported an address).
    std::int32_t GetSockName(std::uint32_t id, EpAddress& out) const;
    std::int32_t GetPeerName(std::uint32_t id, EpAddress& out) const; //!< kEnotconn if none
    std::size_t RecvAvailable(std::uint32_t id) const; //!< stream bytes or queued datagram bytes
    /// Bytes Send would accept now. Datagram: the largest datagram SendTo takes now (one
    /// EP message to an IPv4 peer, less if the datagram queue is nearly full; 0 if full).
    std::size_t SendSpace(std::uint32_t id) const;
    /// State of socket `id`, or nothing if the application holds no such socket.
    std::optional<EpClientSocketState> GetState(std::uint32_t id) const;
    /// The socket's sticky error (0 if none), kEbadf for an unknown id.
    std::int32_t GetSocketError(std::uint32_t id) const;
    std::size_t OpenSocketCount() const; //!< sockets the application holds
    /// Ids of every socket the application holds.
    std::vector<std::uint32_t> ListSockets() const;

    // --- driver side ---
    /// Feeds one EP message delivered by LHP. Bad input is counted and ignored.
    void OnMessage(const std::uint8_t* data, std::size_t len);
    /// Same as OnMessage(data, len).
    void OnMessage(const std::vector<std::uint8_t>& bytes);
    /// The LHP link died: every socket known to the server fails with kEnetdown, pending
    /// requests are answered with it, queued messages are dropped. Fresh sockets survive.
    void OnLinkDown();
    /// A new LHP link is up (call Register again). Calls needing the server work again.
    void OnLinkUp();
    /// Sends every partial chunk held back (coalesceWrites, `more`) now, deadline or not
    /// (for drivers that flush at the end of each turn).
    void FlushPartial();
    /// When HandleDeadline must run next (a held partial chunk), or nothing.
    std::optional<TimePoint> NextDeadline() const;
    /// Sends the held partial chunks whose coalescing deadline is <= now.
    void HandleDeadline(TimePoint now);
    /// Next message to hand to LHP, on the channel it names.
    std::optional<EpOutgoing> PollOutgoing();
    /// True if PollOutgoing would return a message.
    bool HasOutgoing() const;
    /// Next event for the driver, in the order they happened.
    std::optional<EpClientEvent> PollEvent();

    /// Counters.
    const EpClientStats& GetStats() const;
    /// The configuration in force (after clamping to sane values).
    const EpClientConfig& GetConfig() const;

  private:
    /// Why a request is outstanding: which socket and call it answers.
    struct PendingRequest
    {
        std::uint32_t rsockId = 0;
        EpType op = EpType::Response;
        bool creating = false;
    };

    EpClientSocket* Find(std::uint32_t id);
    const EpClientSocket* Find(std::uint32_t id) const;
    EpClientSocket* FindApp(std::uint32_t id); //!< excludes sockets the app closed
    const EpClientSocket* FindApp(std::uint32_t id) const;
    std::uint32_t AllocateId();
    std::uint32_t NextRequestId();
    void Queue(const EpMessage& m, LhpChannel channel = LhpChannel::Reliable);
    void Emit(const EpClientEvent& e);
    void EmitSimple(std::uint32_t id, EpClientEvent::Kind k, std::int32_t error, std::int64_t v);
    /// Queues a request for socket `s`, adding kEpFlagCreate the first time.
    std::uint32_t SendRequest(EpClientSocket& s, EpMessage m, LhpChannel channel);
    std::int32_t CheckUsable(const EpClientSocket& s) const;
    /// Shared body of SetSockOpt and GetSockOpt.
    std::int32_t SockOptRequest(std::uint32_t id,
                                EpType type,
                                std::uint16_t level,
                                std::uint16_t option,
                                std::int32_t value,
                                std::uint32_t* requestId);
    void MaybeReturnCredit(EpClientSocket& s, bool force);
    /// Non-zero (kEpEnobufs) if another request would exceed maxPendingRequests.
    std::int32_t RequestRoom();
    /// Sends what credit allows, then a pending Shutdown/Close. True if `s` is finished.
    bool Pump(EpClientSocket& s);
    void Erase(std::uint32_t id);
    void FailSocket(EpClientSocket& s, std::int32_t error);

    void HandleRegistered(const EpMessage& m);
    void HandleResponse(const EpMessage& m);
    void HandleAccepted(const EpMessage& m);
    void HandleData(const EpMessage& m);
    void HandleCredit(const EpMessage& m);
    void HandleRecvFrom(const EpMessage& m);
    void HandleError(const EpMessage& m);
    void HandleEof(const EpMessage& m);
    void HandleResolved(const EpMessage& m);

    EpClientConfig m_config;
    std::size_t m_chunk;
    std::size_t m_creditThreshold;
    bool m_linkUp = true;
    bool m_registered = false;
    std::uint32_t m_registerRequest = 0;
    EpAddrMode m_addrMode = EpAddrMode::NTo1;
    std::uint32_t m_publicIpv4 = 0;
    std::uint16_t m_socketLimit;
    std::uint32_t m_nextId = 1;
    std::uint32_t m_nextRequest = 1;
    std::map<std::uint32_t, EpClientSocket> m_sockets;
    std::map<std::uint32_t, PendingRequest> m_pending;
    std::deque<EpOutgoing> m_out;
    std::deque<EpClientEvent> m_events;
    EpClientStats m_stats;
    TimePoint m_now{0};                        //!< latest time a driver passed in
    std::size_t m_datagramQueued = 0;          //!< encoded SendTo bytes in m_out
    std::set<std::uint32_t> m_datagramBlocked; //!< sockets refused with kEagain by SendTo
};

} // namespace resoa

#endif // RESOA_EP_CLIENT_H
