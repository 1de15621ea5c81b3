/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/). Shared by resoa-clientd and libresoa-preload.so,
 * so it includes no core header and throws nothing.
 */
#ifndef RESOA_REALNET_SHIM_PROTOCOL_H
#define RESOA_REALNET_SHIM_PROTOCOL_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace resoa
{
namespace realnet
{

/**
 * \brief The local IPC between libresoa-preload.so (the shim) and resoa-clientd.
 *
 * Not the wire protocol: it never leaves the host. The shim connects to clientd's UNIX stream
 * socket (env RESOA_CLIENTD_SOCKET, else clientd's `unix-socket`); every message travels in
 * one fd-passing frame (realnet/fd-passing.h: u16 length, u8 flags, u8 0, then the bytes,
 * with at most one fd by SCM_RIGHTS). The shim sends one request and waits for its reply
 * (one outstanding request per connection; each thread of a process has its own
 * connection, a forked child opens a new one). Sockets are named by clientd's id (the
 * EpClient rsockID), valid on any connection, so a fork shares them as the kernel would.
 *
 * Every message is kShimMessageSize bytes, network byte order:
 * \verbatim
 *  0 u8  version (kShimVersion)
 *  1 u8  type     (ShimType; the reply repeats it)
 *  2 u8  sockType (0 none, 1 stream, 2 datagram)
 *  3 u8  flags    (kShimFlagReply, kShimFlagNonBlocking)
 *  4 u32 socketId
 *  8 i32 error    (replies: 0 or a Linux errno)
 * 12 i32 value    (backlog, option value, filler bytes, shutdown how, largest datagram)
 * 16 u16 level    (Get/SetSockOpt)
 * 18 u16 option
 * 20 address local  (u8 family 0/4/6, 16 address bytes (IPv4: first 4, rest 0), u16 port)
 * 39 address peer
 * \endverbatim
 * The decoder is strict: wrong size or version, unknown type, flag or family, and non-zero
 * bytes where the family has no address are all rejected.
 *
 * Requests and their replies:
 *  - Socket(sockType): reply carries the new socketId, `value` = the largest datagram, and
 *    the application's end of a socketpair (SOCK_STREAM for TCP, SOCK_SEQPACKET for UDP).
 *  - Bind(local), Listen(value=backlog): reply once the server answered; `local` set.
 *  - Connect(peer): blocking: reply once the server answered (`local`, `peer`). With
 *    kShimFlagNonBlocking clientd replies at once: kEinprogressShim when the connect started.
 *    The shim then fills its end's send buffer (so the fd is not writable before the connect
 *    is done, as TCP's is not) and sends ConnectFiller(value = bytes written); clientd
 *    discards exactly those bytes when the connect finishes (and makes the fd writable).
 *  - Accept(socketId = listener): the shim first read one doorbell byte from the listener's
 *    fd (clientd writes one per accepted connection, so poll/epoll/select and blocking accept
 *    work natively); reply: new socketId, `local`, `peer`, and the new connection's fd.
 *  - GetSockName / GetPeerName: `local` / `peer` from clientd's cache (no server trip).
 *  - GetError: SO_ERROR, read and cleared.
 *  - SetSockOpt(level, option, value) / GetSockOpt(level, option): the EP subset
 *    (model/core/ep-engine-types.h), answered by the server.
 *  - Shutdown(value = SHUT_*): clientd shuts the read side; the shim itself shuts the write
 *    side of its end, so the EOF follows the data in the pair.
 *  - Status: error 0 once registered (ENETDOWN before); `local` = the public address.
 *  - Resolve: host name -> addresses, by the server's resolver (format in shim-resolve.h).
 * There is no Close: clientd closes the remote socket when every application fd of the
 * pair is closed (its end reports hang-up), which is right across fork, dup and exec.
 *
 * UDP data: in the pair each datagram carries a kShimDatagramHeaderSize header with the
 * peer address (destination from the shim, source from clientd) while the socket is not
 * connected; the shim adds and strips it in sendto/sendmsg/recvfrom/recvmsg/send/recv.
 * A connected UDP socket carries bare datagrams, so read/write work on it too.
 */
constexpr std::uint8_t kShimVersion = 1;
constexpr std::size_t kShimAddressSize = 1 + 16 + 2;
constexpr std::size_t kShimMessageSize = 20 + 2 * kShimAddressSize;
constexpr std::size_t kShimDatagramHeaderSize = 20; //!< u8 version, address, pad to 20

constexpr std::uint8_t kShimFlagReply = 0x01;
constexpr std::uint8_t kShimFlagNonBlocking = 0x02;

/// Linux EINPROGRESS (the shim protocol carries Linux errnos).
constexpr std::int32_t kEinprogressShim = 115;

enum class ShimType : std::uint8_t
{
    Socket = 1,
    Bind = 2,
    Listen = 3,
    Connect = 4,
    ConnectFiller = 5,
    Accept = 6,
    GetSockName = 7,
    GetPeerName = 8,
    GetError = 9,
    SetSockOpt = 10,
    GetSockOpt = 11,
    Shutdown = 12,
    Status = 13,
    /// Name resolution: a format of its own (shim-resolve.h); DecodeShimMessage refuses it.
    Resolve = 14,
};

/// The last type of the fixed-size format (Resolve, after it, has its own).
constexpr std::uint8_t kShimTypeMax = 13;

/// An address as the shim protocol carries it (same meaning as the core's EpAddress).
struct ShimAddress
{
    std::uint8_t family = 0; //!< 0 none, 4 IPv4, 6 IPv6
    std::array<std::uint8_t, 16> addr{};
    std::uint16_t port = 0; //!< host order

    bool operator==(const ShimAddress& o) const
    {
        return family == o.family && addr == o.addr && port == o.port;
    }
};

/// One request or reply (a flat record: each type uses the fields its line above names).
struct ShimMessage
{
    ShimType type = ShimType::Status;
    std::uint8_t sockType = 0;
    std::uint8_t flags = 0;
    std::uint32_t socketId = 0;
    std::int32_t error = 0;
    std::int32_t value = 0;
    std::uint16_t level = 0;
    std::uint16_t option = 0;
    ShimAddress local;
    ShimAddress peer;

    bool operator==(const ShimMessage& o) const;
};

/// Encodes \p m into exactly kShimMessageSize bytes at \p out.
void EncodeShimMessage(const ShimMessage& m, std::uint8_t* out);
/// Encodes \p m into a new vector.
std::vector<std::uint8_t> EncodeShimMessage(const ShimMessage& m);
/// Decodes \p len bytes; false (and \p m unspecified) for anything the format rejects.
bool DecodeShimMessage(const std::uint8_t* data, std::size_t len, ShimMessage& m);

/// Writes the UDP datagram header for \p address into \p out (kShimDatagramHeaderSize).
void EncodeShimDatagramHeader(const ShimAddress& address, std::uint8_t* out);
/// Reads a UDP datagram header; false if \p len is short or the header is malformed.
bool DecodeShimDatagramHeader(const std::uint8_t* data, std::size_t len, ShimAddress& address);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_SHIM_PROTOCOL_H
