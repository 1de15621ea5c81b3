/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_EP_SERVER_SOCKET_H
#define RESOA_EP_SERVER_SOCKET_H

#include "ep-message.h"
#include "ep-socket-stack.h"
#include "resoa-time.h"

#include <cstdint>
#include <deque>
#include <optional>

namespace resoa
{

/// State of a server-side socket.
enum class EpServerSocketState : std::uint8_t
{
    Open,       //!< created on the stack; not connected or listening
    Connecting, //!< stack connect in progress; Response held until it finishes
    Connected,  //!< stream established (or datagram socket with a default peer)
    Listening,
    Closing, //!< the client closed it; client data still going into the stack (counts
             //!< toward the socket limit; aborted after EpServerConfig::closingTimeout)
};

/// Name of a server socket state, for logs.
const char* ToString(EpServerSocketState s);

/**
 * \brief Server half of one remote socket (EpServer's per-socket record).
 *
 * Client-to-Internet: Data the stack has not taken waits in `pending`; `clientAllowance`
 * is what the credit granted to the client still allows it to send; `creditOwed` counts
 * bytes handed to the stack and not yet reported back with Credit.
 * Internet-to-client: `pushAllowance` is the client's credit: the server reads at most that
 * much from the stack, so unread data stays in the stack's receive buffer. It never exceeds
 * `clientRecvWindow`, the client's receive window (its first Credit, capped by
 * EpServerConfig::maxClientRecvWindow).
 */
struct EpServerSocket
{
    std::uint64_t sessionId = 0;
    std::uint32_t rsockId = 0;
    EpSockType type = EpSockType::None;
    EpHandle handle = kEpInvalidHandle;
    EpServerSocketState state = EpServerSocketState::Open;
    bool bound = false;
    std::int32_t bindError = 0;       //!< a failed explicit Bind fails the calls after it
    std::uint32_t connectRequest = 0; //!< requestId of the Connect awaiting the stack

    std::deque<std::uint8_t> pending;
    std::uint64_t clientAllowance = 0;
    std::uint64_t creditOwed = 0;
    bool lastDataShort = false; //!< the client's last Data was not a full chunk (end of burst)
    bool creditWanted = false;  //!< a Data carried kEpFlagCreditWanted since the last Credit
    bool shutWrRequested = false;
    bool shutWrDone = false;

    std::uint64_t pushAllowance = 0;
    /// Buffer memory held against the client's maxClientBufferBytes (stream window,
    /// SO_SNDBUF and SO_RCVBUF as set).
    std::size_t bufferReserved = 0;
    std::size_t sndbufReserved = 0;
    std::size_t rcvbufReserved = 0;
    std::uint64_t clientRecvWindow = 0; //!< cap on pushAllowance; 0 until the first Credit
    bool shutRd = false;                //!< client shut its reading side: drain and drop
    bool stackEof = false;              //!< the Internet peer closed (OnPeerClosed or a Read's eof)
    bool readDone = false;              //!< a Read returned eof: nothing more will ever be readable
    bool eofSent = false;
    bool readInterest = false; //!< what the server last told the stack (handles start off)
    std::optional<TimePoint> closingDeadline; //!< Closing: when closingTimeout aborts it

    std::uint64_t bytesFromClient = 0; //!< Data received from the client
    std::uint64_t bytesToStack = 0;    //!< ... of which the stack took
    std::uint64_t bytesFromStack = 0;  //!< read from the stack
    std::uint64_t bytesToClient = 0;   //!< pushed to the client as Data
};

} // namespace resoa

#endif // RESOA_EP_SERVER_SOCKET_H
