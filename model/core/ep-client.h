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

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace resoa
{

/// Every knob of an EP client. Drivers expose each one as an attribute / option.
struct EpClientConfig
{
    std::size_t sendBufferBytes = 131072; //!< per stream socket: unsent + not yet credited
    std::size_t recvWindowBytes = 131072; //!< per socket: credit granted to the server
    std::uint16_t socketLimit = 64;       //!< open sockets before Registered says otherwise
    std::size_t maxMessageSize = 1476;    //!< largest EP message (one LHP SDU)
    std::size_t creditThreshold = 0;      //!< return Credit at this many consumed bytes;
                                          //!< 0 = recvWindowBytes / 4
    /// Hold a partial Data chunk until FlushPartial(), so many small writes in one driver
    /// turn (one simulator event, one epoll round) fill whole LHP frames.
    bool coalesceWrites = false;
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
    std::uint64_t windowViolations = 0; //!< server pushed beyond our credit (kept anyway)
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
    };

    std::uint32_t rsockId = 0;
    Kind kind = Kind::Error;
    std::int32_t error = 0;
    EpAddress local;
    EpAddress peer;
    std::uint32_t newRsockId = 0;
    std::uint32_t requestId = 0;
    std::int64_t value = 0;
};

/// Name of an event kind, for logs.
const char* ToString(EpClientEvent::Kind k);

/// Result of Create and Accept: a socket id, or an errno.
struct EpSocketResult
{
    std::uint32_t id = 0;
    std::int32_t error = ep_errno::kOk;
};

/// Result of Recv/RecvFrom.
struct EpReadResult
{
    std::vector<std::uint8_t> data;
    std::int32_t error = ep_errno::kOk; //!< kEagain: nothing yet; others: socket failed
    bool eof = false;                   //!< stream: peer closed and everything was read
    EpAddress from;                     //!< datagram source
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

    // --- socket calls (application side) ---
    /// socket(): a new id from 1 upward, nothing sent. kEmfile beyond the socket limit,
    /// kEprotonosupport for EpSockType::None.
    EpSocketResult Create(EpSockType type);
    /// Queues Bind (creating the socket if needed). Answered by BindDone.
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
     */
    EpIoResult Send(std::uint32_t id, const std::uint8_t* data, std::size_t len);
    /// Datagram: queues one datagram (kEmsgsize if it cannot fit one EP message).
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
    std::size_t SendSpace(std::uint32_t id) const;     //!< bytes Send would accept now
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
    /// Next message to hand to LHP, on the channel it names.
    /// Sends the partial chunks coalesceWrites held back (call at the end of a driver turn).
    void FlushPartial();
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
};

} // namespace resoa

#endif // RESOA_EP_CLIENT_H
