/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_EP_CLIENT_SOCKET_H
#define RESOA_EP_CLIENT_SOCKET_H

#include "ep-message.h"
#include "resoa-time.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace resoa
{

/// State of a client-side socket, as the application sees it.
enum class EpClientSocketState : std::uint8_t
{
    Fresh,      //!< socket() returned; nothing sent to the server yet (lazy create)
    Open,       //!< exists (or is being created) on the server; not connected or listening
    Connecting, //!< Connect sent, no Response yet
    Connected,  //!< stream established, or datagram socket with a default peer
    Listening,  //!< Listen sent
    Error,      //!< failed for good (reset, refused, link down, creation refused)
};

/// Name of a client socket state, for logs.
const char* ToString(EpClientSocketState s);

/// One received datagram waiting for RecvFrom.
struct EpDatagram
{
    EpAddress from;
    std::vector<std::uint8_t> data;
};

/**
 * \brief Client half of one remote socket (EpClient's per-socket record).
 *
 * Stream send accounting: `unsent` bytes wait in the client; `inFlight` bytes were sent as
 * Data but the server has not yet reported them handed to its TCP socket; together they
 * occupy the send buffer. `sendAllowance` is what the server's credit still allows.
 * Stream receive accounting: `recvBuf` holds pushed data the application has not read;
 * `unreported` is data the application consumed that was not yet returned as Credit.
 */
struct EpClientSocket
{
    std::uint32_t id = 0;
    EpSockType type = EpSockType::None;
    EpClientSocketState state = EpClientSocketState::Fresh;
    bool onServer = false;   //!< a message carrying kEpFlagCreate has been sent
    bool confirmed = false;  //!< the server answered a request on it with success
    bool appClosed = false;  //!< Close() called: flushing what is left, then gone
    bool shutWr = false;     //!< Shutdown(write) called
    bool shutWrSent = false; //!< ... and the Shutdown message is queued (after all data)
    bool shutRd = false;     //!< Shutdown(read) called: received data is discarded
    bool peerEof = false;    //!< Eof received
    std::int32_t error = 0;  //!< sticky error in state Error; pending error for datagrams
    EpAddress local;         //!< cached from Responses/Accepted: getsockname without a trip
    EpAddress peer;          //!< cached peer (connected sockets)

    std::deque<std::uint8_t> unsent;
    bool holdPartial = false; //!< keep a partial chunk (coalesceWrites or Send's `more`)
    TimePoint holdSince{0};   //!< when holding began: the deadline counts from it
    std::uint64_t inFlight = 0;
    std::uint64_t sendAllowance = 0;

    std::deque<std::uint8_t> recvBuf;
    std::uint64_t unreported = 0;

    std::deque<EpDatagram> datagrams;
    std::size_t datagramBytes = 0;

    std::deque<std::uint32_t> acceptQueue; //!< accepted ids not yet taken by Accept()
};

} // namespace resoa

#endif // RESOA_EP_CLIENT_SOCKET_H
