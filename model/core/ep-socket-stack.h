/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_EP_SOCKET_STACK_H
#define RESOA_EP_SOCKET_STACK_H

#include "ep-message.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace resoa
{

/// A socket of the server's real TCP/IP stack, as the driver names it. Never 0.
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
 * and reports nothing more about it.
 */
class EpSocketStack
{
  public:
    virtual ~EpSocketStack() = default;

    /// New socket of `type`; kEpInvalidHandle and `error` set on failure.
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
    /// Stream send: copies what fits the TCP send buffer, returns the bytes taken (maybe 0).
    virtual std::size_t Send(EpHandle h, const std::uint8_t* data, std::size_t len) = 0;
    /**
     * Stream read of at most maxBytes from the TCP receive buffer; empty if nothing is
     * there. Data the server does not read stays in the stack, so TCP's advertised window
     * only opens as the server reads (which it does only within the client's credit).
     */
    virtual std::vector<std::uint8_t> Read(EpHandle h, std::size_t maxBytes) = 0;
    /// Datagram send; 0 or an error (for UDP the error is only counted).
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
    /// setsockopt(2) for the ep_sockopt subset.
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
