/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_EP_SOCKET_STACK_H
#define RESOA_EP_SOCKET_STACK_H

#include "ep-engine-types.h"
#include "ep-message.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace resoa
{

/**
 * \brief A socket of the server's real TCP/IP stack, as the driver names it. Never 0.
 *
 * **Handles are never reused.** A handle names one socket for its whole life, and after
 * Close or Abort no later socket gets the same value, so an event still in flight for a
 * released socket can never be taken for a new one (EpServer counts it as a
 * staleStackEvent and ignores it). A kernel reuses file descriptors at once, so a Linux
 * driver adds a generation number: `(std::uint64_t(generation) << 32) | fd`, with the
 * generation bumped for every socket it opens. The ns-3 driver counts handles up from 1.
 */
using EpHandle = std::uint64_t;

/// No socket.
constexpr EpHandle kEpInvalidHandle = 0;

/**
 * \brief The TCP/IP stack the EP server runs its clients' calls on (ns-3 sockets on the
 * router, or the Linux kernel in resoa-serverd). Implemented by the driver.
 *
 * All calls are non-blocking. Errors are ep_errno values (0 = success). Results that come
 * later are reported by the driver calling EpServer's On* methods with the handle:
 * OnConnected / OnConnectFailed, OnIncomingConnection, OnReadable, OnWritable,
 * OnPeerClosed, OnError, OnDatagram. The driver must not call those from inside one of
 * the methods below (defer them, e.g. with Simulator::ScheduleNow or the event loop).
 *
 * Ownership: the server owns every handle it got from Create or OnIncomingConnection and
 * releases each exactly once with Close or Abort; after that the driver forgets the handle
 * and reports nothing more about it. Handles are never reused (see EpHandle); an event the
 * driver had already queued for a released handle is harmless (the server ignores it).
 *
 * Readiness, for an epoll loop (level-triggered works; edge-triggered too):
 *  - **Read interest** (SetReadInterest) says whether the server wants the events that need
 *    EPOLLIN: OnReadable (stream), OnDatagram (datagram) and OnIncomingConnection
 *    (listener). Every handle starts with interest off; the server turns it on and off as
 *    its state changes (on with credit, off at zero credit, after EOF, in Closing, and while
 *    the session is backed up). While it is off the driver should not poll for input, so a
 *    level-triggered loop does not spin on data the server will not read; an event delivered
 *    anyway is harmless. When it goes on, the server reads by itself what it wants, so the
 *    driver need not report data that was already waiting (it may).
 *  - **Write readiness**: after Send returned fewer bytes than offered (or kEagain), the
 *    driver reports OnWritable once when the send buffer has room again (arm EPOLLOUT until
 *    then). Connect completion (EPOLLOUT on a connecting socket) and errors
 *    (EPOLLERR/EPOLLHUP) are reported whatever the read interest.
 *  - **EOF and errors** may be reported either by events (OnPeerClosed, OnError) or only
 *    through the results of Read and Send; the server handles both, and both at once.
 */
class EpSocketStack
{
  public:
    virtual ~EpSocketStack() = default;

    /// New socket of `type` (read interest off); kEpInvalidHandle and `error` on failure.
    virtual EpHandle Create(EpSockType type, std::int32_t& error) = 0;
    /// bind(2). The server passes the client's public address in 1-to-1 mode.
    virtual std::int32_t Bind(EpHandle h, const EpAddress& local) = 0;
    /// listen(2); accepted connections arrive through EpServer::OnIncomingConnection.
    virtual std::int32_t Listen(EpHandle h, std::uint32_t backlog) = 0;
    /**
     * connect(2). Returns 0 if connected already (datagram sockets), kEpEinprogress if the
     * result comes later through OnConnected / OnConnectFailed, or an error now.
     */
    virtual std::int32_t Connect(EpHandle h, const EpAddress& peer) = 0;
    /**
     * Stream send(2), non-blocking: copies what fits the TCP send buffer. Returns the bytes
     * taken (1..len); kEagain if none fit (then OnWritable follows when room frees);
     * kEpipe or kEconnreset if the connection can no longer send (the server then tells the
     * client and releases the handle); any other errno likewise.
     */
    virtual EpIoResult Send(EpHandle h, const std::uint8_t* data, std::size_t len) = 0;
    /**
     * Stream read(2) of at most maxBytes from the TCP receive buffer, non-blocking, as
     * EpReadResult says: data; or eof (the peer's FIN, after all its data); or kEagain
     * (nothing there); or an error such as kEconnreset (the server tells the client and
     * releases the handle). Data the server does not read stays in the stack, so TCP's
     * advertised window only opens as the server reads (which it does only within the
     * client's credit). Never more than maxBytes.
     */
    virtual EpReadResult Read(EpHandle h, std::size_t maxBytes) = 0;
    /**
     * Datagram send; 0 or an errno. The server counts an error (e.g. kEagain or kEpEnobufs
     * from a full send buffer) as a dropped datagram and answers it only on a request.
     */
    virtual std::int32_t SendTo(EpHandle h,
                                const EpAddress& peer,
                                const std::uint8_t* data,
                                std::size_t len) = 0;
    /// shutdown(SHUT_WR): FIN after the data already handed over.
    virtual std::int32_t ShutdownWrite(EpHandle h) = 0;
    /// Graceful close: data handed over still goes out, then FIN. Releases the handle.
    virtual void Close(EpHandle h) = 0;
    /// Abortive close (RST for a connection). Releases the handle.
    virtual void Abort(EpHandle h) = 0;
    /**
     * Read interest on `h` (see the class notes): on = the server wants OnReadable /
     * OnDatagram / OnIncomingConnection for it (EPOLLIN), off = it does not. Called only on
     * a change; must not call back into the server.
     */
    virtual void SetReadInterest(EpHandle h, bool on) = 0;
    /**
     * setsockopt(2) for the ep_sockopt subset. The server has already refused
     * SO_SNDBUF/SO_RCVBUF values <= 0 and clamped larger ones to
     * EpServerConfig::maxSocketBuffer (as Linux clamps to wmem_max/rmem_max).
     */
    virtual std::int32_t SetSockOpt(EpHandle h,
                                    std::uint16_t level,
                                    std::uint16_t option,
                                    std::int32_t value) = 0;
    /// getsockopt(2) for the ep_sockopt subset.
    virtual std::int32_t GetSockOpt(EpHandle h,
                                    std::uint16_t level,
                                    std::uint16_t option,
                                    std::int32_t& value) = 0;
    /// Local address (family 0 if unbound).
    virtual EpAddress GetSockName(EpHandle h) = 0;
    /// Peer address (family 0 if not connected).
    virtual EpAddress GetPeerName(EpHandle h) = 0;
};

} // namespace resoa

#endif // RESOA_EP_SOCKET_STACK_H
