/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_EP_ENGINE_TYPES_H
#define RESOA_EP_ENGINE_TYPES_H

#include "ep-message.h"
#include "lhp-frame.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace resoa
{

/**
 * \brief One encoded EP message the engine wants sent, and the LHP channel it must go on.
 *
 * Every message fits one LHP SDU (the engines' maxMessageSize). A driver that cannot hand a
 * message to LHP right now (its send buffer is full) keeps it and retries: a Reliable
 * message must never be dropped.
 */
struct EpOutgoing
{
    LhpChannel channel = LhpChannel::Reliable; //!< Reliable for control and stream data
    std::vector<std::uint8_t> bytes;           //!< one encoded EP message
};

/// Linux errno values the EP engines use that ep_errno does not name (same numbering).
constexpr std::int32_t kEpEdestaddrreq = 89; //!< datagram send without an address
constexpr std::int32_t kEpEnoprotoopt = 92;  //!< socket option outside the supported subset
constexpr std::int32_t kEpEalready = 114;    //!< connect already in progress
constexpr std::int32_t kEpEnobufs = 105;     //!< an engine queue is at its bound
constexpr std::int32_t kEpEinprogress = 115; //!< the call completes later (stack connect)

/**
 * \brief Socket options carried by SetSockOpt / GetSockOpt (`level`, `option` on the wire).
 *
 * The numbers are Linux's, so a Linux daemon can pass them straight to setsockopt(2):
 * | level            | option             | meaning                                   |
 * |------------------|--------------------|-------------------------------------------|
 * | 1 (SOL_SOCKET)   | 2 (SO_REUSEADDR)   | allow bind to a port in TIME_WAIT         |
 * | 1 (SOL_SOCKET)   | 6 (SO_BROADCAST)   | allow datagrams to broadcast addresses    |
 * | 1 (SOL_SOCKET)   | 7 (SO_SNDBUF)      | server-side TCP/UDP send buffer, bytes    |
 * | 1 (SOL_SOCKET)   | 8 (SO_RCVBUF)      | server-side TCP/UDP receive buffer, bytes |
 * | 1 (SOL_SOCKET)   | 9 (SO_KEEPALIVE)   | TCP keepalive on the server's connection  |
 * | 6 (IPPROTO_TCP)  | 1 (TCP_NODELAY)    | disable Nagle on the server's connection  |
 * Anything else is refused with kEpEnoprotoopt. The buffers named by SO_SNDBUF/SO_RCVBUF
 * are the server's; the client's own buffers are EpClientConfig values.
 */
namespace ep_sockopt
{
constexpr std::uint16_t kLevelSocket = 1;
constexpr std::uint16_t kLevelTcp = 6;
constexpr std::uint16_t kReuseAddr = 2;
constexpr std::uint16_t kBroadcast = 6;
constexpr std::uint16_t kSndBuf = 7;
constexpr std::uint16_t kRcvBuf = 8;
constexpr std::uint16_t kKeepAlive = 9;
constexpr std::uint16_t kTcpNoDelay = 1;

/// True if (level, option) is in the documented subset.
inline bool
IsSupported(std::uint16_t level, std::uint16_t option)
{
    if (level == kLevelSocket)
    {
        return option == kReuseAddr || option == kBroadcast || option == kSndBuf ||
               option == kRcvBuf || option == kKeepAlive;
    }
    return level == kLevelTcp && option == kTcpNoDelay;
}
} // namespace ep_sockopt

/// EP Shutdown `how` values (as SHUT_RD, SHUT_WR, SHUT_RDWR).
namespace ep_shutdown
{
constexpr std::uint8_t kRead = 0;
constexpr std::uint8_t kWrite = 1;
constexpr std::uint8_t kBoth = 2;
} // namespace ep_shutdown

/**
 * True for the errors with which the server answers a creating request (kEpFlagCreate)
 * when it did NOT create the socket. Any other error leaves the socket created, so the
 * client still owes it a Close.
 */
inline bool
EpIsCreateFailure(std::int32_t error)
{
    return error == ep_errno::kEmfile || error == ep_errno::kEnomem ||
           error == ep_errno::kEprotonosupport || error == ep_errno::kEperm ||
           error == ep_errno::kEnobufs;
}

/**
 * \brief Result of a byte-moving call: bytes taken or given, or an errno (then bytes == 0).
 *
 * kEagain means nothing could be taken now (a full buffer), not a failure.
 */
struct EpIoResult
{
    std::size_t bytes = 0;
    std::int32_t error = ep_errno::kOk;
};

/**
 * \brief Result of a read: EpClient::Recv (application side) and EpSocketStack::Read
 * (the server's stack).
 *
 * Exactly one of three outcomes, like read(2): data (non-empty `data`, error 0), end of
 * stream (`eof`, and `data` empty or holding the last bytes before the end), or nothing
 * (`error` set: kEagain when nothing is there yet, any other errno when the socket failed,
 * e.g. kEconnreset).
 */
struct EpReadResult
{
    std::vector<std::uint8_t> data;
    std::int32_t error = ep_errno::kOk; //!< kEagain: nothing yet; others: socket failed
    bool eof = false;                   //!< stream: peer closed and everything was read
    EpAddress from;                     //!< datagram source (EpClient::Recv only)
};

/**
 * Bytes a datagram's SendTo or RecvFrom message adds to its payload: the EP header and the
 * encoded peer address. IPv4 is what drivers export (23 bytes); an IPv6 peer costs 35.
 */
constexpr std::size_t kEpDatagramOverheadIpv4 = kEpHeaderSize + kEpAddressSizeIpv4;
constexpr std::size_t kEpDatagramOverheadIpv6 = kEpHeaderSize + kEpAddressSizeIpv6;

/// Largest datagram payload that fits one EP message of maxMessageSize, for an IPv4 peer
/// (`ipv6`: for an IPv6 peer); 0 if none fits.
inline std::size_t
EpMaxDatagramPayload(std::size_t maxMessageSize, bool ipv6 = false)
{
    const std::size_t overhead = ipv6 ? kEpDatagramOverheadIpv6 : kEpDatagramOverheadIpv4;
    return maxMessageSize > overhead ? maxMessageSize - overhead : 0;
}

/// Largest payload of one Data message for a given maxMessageSize.
inline std::size_t
EpDataChunk(std::size_t maxMessageSize)
{
    return maxMessageSize > kEpHeaderSize ? maxMessageSize - kEpHeaderSize : 1;
}

} // namespace resoa

#endif // RESOA_EP_ENGINE_TYPES_H
