/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_EP_MESSAGE_H
#define RESOA_EP_MESSAGE_H

#include "resoa-codec-error.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace resoa
{

/// EP protocol version carried in every message.
constexpr std::uint8_t kEpVersion = 1;

/// Size of the fixed EP header in bytes.
constexpr std::size_t kEpHeaderSize = 16;

/// Encoded size of an EpAddress (u8 family, address bytes, u16 port) of each family.
constexpr std::size_t kEpAddressSizeNone = 1;
constexpr std::size_t kEpAddressSizeIpv4 = 1 + 4 + 2;
constexpr std::size_t kEpAddressSizeIpv6 = 1 + 16 + 2;

/// Largest body an EP message may declare (data is chunked well below this).
constexpr std::uint32_t kEpMaxBody = 65536;

/// Longest client name in Register, host name in Resolve and canonical name in Resolved.
constexpr std::size_t kEpMaxName = 255;

/// Most addresses one Resolved message carries (a resolver's further answers are dropped).
constexpr std::size_t kEpMaxResolvedAddresses = 16;

/// rsockIDs at or above this value are allocated by the server (accepted connections), so
/// they can never collide with the ids a client picks for its own sockets.
constexpr std::uint32_t kServerRsockBase = 0x80000000u;

/**
 * \brief EP message types.
 *
 * Header (network byte order):
 * \verbatim
 *  0 u8  version (=1)
 *  1 u8  type        (EpType)
 *  2 u8  flags       (EpFlags)
 *  3 u8  sockType    (EpSockType; meaningful with kEpFlagCreate or in Socket)
 *  4 u32 rsockId     (socket the message is about; 0 for Register/Registered)
 *  8 u32 requestId   (non-zero on requests that expect a Response, echoed in it; else 0)
 * 12 u32 bodyLength  (<= kEpMaxBody, must equal the bytes that follow)
 * \endverbatim
 * Bodies, by type (EpAddress = u8 family (0 none, 4 IPv4, 6 IPv6), then 0/4/16 address
 * bytes, then u16 port; family 0 carries neither address nor port):
 *  - Register:    u8 addrMode, u32 requestedIpv4 (0 = any), u8 nameLen, name
 *  - Registered:  i32 error, u8 addrMode, u32 publicIpv4, u16 socketLimit
 *  - Socket:      (empty) create socket `rsockId` of `sockType`
 *  - Bind:        EpAddress local
 *  - Listen:      u32 backlog
 *  - Accepted:    u32 newRsockId, EpAddress local, EpAddress peer   (rsockId = listener)
 *  - Connect:     EpAddress peer
 *  - Response:    i32 error, EpAddress local, EpAddress peer, i32 value
 *  - Data:        bytes (client->server: send; server->client: received stream data)
 *  - Credit:      u32 bytes (client->server: app consumed bytes, read more from TCP;
 *                            server->client: bytes handed to TCP, send space freed)
 *  - Shutdown:    u8 how (0 rd, 1 wr, 2 rdwr)
 *  - Close:       (empty)
 *  - SetSockOpt:  u16 level, u16 option, i32 value
 *  - GetSockOpt:  u16 level, u16 option          (value comes back in Response.value)
 *  - SendTo:      EpAddress peer, bytes
 *  - RecvFrom:    EpAddress peer, bytes
 *  - Error:       i32 error (asynchronous, e.g. connection reset)
 *  - Eof:         (empty) peer closed its sending side; sent only after all data
 *  - Resolve:     u8 family (0 any, 4 IPv4, 6 IPv6), u8 resolveFlags (EpResolveFlags),
 *                 u8 nameLen (1..255), name (no NUL byte)          (client -> server)
 *  - Resolved:    i32 error (0, an ep_resolve code < 0, or an errno > 0), u8 count (<= 16;
 *                 >= 1 when error is 0, 0 otherwise), count x EpAddress (family 4 or 6),
 *                 u8 canonLen (0..255; 0 when error is not 0), canonical name (no NUL
 *                 byte)                                             (server -> client)
 * Flags: kEpFlagCreate is meaningful on socket calls; kEpFlagCreditWanted only on Data (on
 * any other type it is BadField). Unknown bits are BadField.
 * Resolve and Resolved name no socket: rsockId, flags and sockType must be 0 (BadField).
 * Resolve asks the server to resolve a host name with its own resolver (getaddrinfo);
 * requestId is non-zero and Resolved echoes it. Services (ports) are the client's: the
 * addresses carry port 0.
 */
enum class EpType : std::uint8_t
{
    Register = 1,
    Registered = 2,
    Socket = 3,
    Bind = 4,
    Listen = 5,
    Accepted = 6,
    Connect = 7,
    Response = 8,
    Data = 9,
    Credit = 10,
    Shutdown = 11,
    Close = 12,
    SetSockOpt = 13,
    GetSockOpt = 14,
    SendTo = 15,
    RecvFrom = 16,
    Error = 17,
    Eof = 18,
    Resolve = 19,
    Resolved = 20,
};

/// Highest EpType number this version defines.
constexpr std::uint8_t kEpTypeMax = static_cast<std::uint8_t>(EpType::Resolved);

/// Resolve's resolveFlags bits; any other bit is BadField.
enum EpResolveFlags : std::uint8_t
{
    /// The client wants the canonical name (getaddrinfo's AI_CANONNAME).
    kEpResolveCanonName = 0x01,
};

/**
 * \brief Resolved's negative error codes: getaddrinfo's EAI_* values, with glibc's numbers
 * (a Linux driver passes them through; realnet checks them against <netdb.h>). A positive
 * error is an errno (e.g. kEnetdown: the link died; kEperm: not registered). The decoder
 * rejects any other negative value (BadField).
 */
namespace ep_resolve
{
constexpr std::int32_t kOk = 0;
constexpr std::int32_t kEaiNoname = -2;     //!< name unknown (NXDOMAIN)
constexpr std::int32_t kEaiAgain = -3;      //!< temporary: resolver timed out, server busy
                                            //!< (too many resolutions outstanding)
constexpr std::int32_t kEaiFail = -4;       //!< permanent failure, or no resolver on the
                                            //!< server ("resolution not supported")
constexpr std::int32_t kEaiNodata = -5;     //!< name known, no address
constexpr std::int32_t kEaiFamily = -6;     //!< family not supported
constexpr std::int32_t kEaiAddrfamily = -9; //!< no address of the requested family
constexpr std::int32_t kEaiMemory = -10;    //!< out of memory on the server

/// True if \p error may appear in Resolved: 0, a positive errno, or a code above.
inline bool
IsValid(std::int32_t error)
{
    return error >= 0 || error == kEaiNoname || error == kEaiAgain || error == kEaiFail ||
           error == kEaiNodata || error == kEaiFamily || error == kEaiAddrfamily ||
           error == kEaiMemory;
}
} // namespace ep_resolve

/// Socket type of a remote socket.
enum class EpSockType : std::uint8_t
{
    None = 0,
    Stream = 1,
    Dgram = 2,
};

/// EP header flag bits.
enum EpFlags : std::uint8_t
{
    /// Create socket `rsockId` of `sockType` before executing this request (lazy socket()).
    kEpFlagCreate = 0x01,
    /// Data only (client -> server): the sender's send buffer is full after this chunk, so it
    /// waits for Credit. The server credits what its stack took as soon as the stack has
    /// taken everything, instead of batching to its threshold (which a send buffer smaller
    /// than the threshold would never reach).
    kEpFlagCreditWanted = 0x02,
};

/// Internet addressing modes (paper §4.1.2).
enum class EpAddrMode : std::uint8_t
{
    NTo1 = 0,   //!< share the server's public address
    OneTo1 = 1, //!< the client gets its own public address
};

/// Errors on the wire are Linux errno numbers (documented in README); 0 = success.
namespace ep_errno
{
constexpr std::int32_t kOk = 0;
constexpr std::int32_t kEperm = 1;
constexpr std::int32_t kEbadf = 9;
constexpr std::int32_t kEagain = 11;
constexpr std::int32_t kEnomem = 12;
constexpr std::int32_t kEacces = 13;
constexpr std::int32_t kEinval = 22;
constexpr std::int32_t kEmfile = 24;
constexpr std::int32_t kEpipe = 32;
constexpr std::int32_t kEnotsock = 88;
constexpr std::int32_t kEmsgsize = 90;
constexpr std::int32_t kEprotonosupport = 93;
constexpr std::int32_t kEopnotsupp = 95;
constexpr std::int32_t kEaddrinuse = 98;
constexpr std::int32_t kEaddrnotavail = 99;
constexpr std::int32_t kEnetdown = 100;
constexpr std::int32_t kEnetunreach = 101;
constexpr std::int32_t kEconnaborted = 103;
constexpr std::int32_t kEconnreset = 104;
constexpr std::int32_t kEisconn = 106;
constexpr std::int32_t kEnotconn = 107;
constexpr std::int32_t kEshutdown = 108;
constexpr std::int32_t kEtimedout = 110;
constexpr std::int32_t kEconnrefused = 111;
constexpr std::int32_t kEnobufs = 105;
constexpr std::int32_t kEhostunreach = 113;
} // namespace ep_errno

/// Socket address on the wire.
struct EpAddress
{
    std::uint8_t family = 0;             //!< 0 none, 4 IPv4, 6 IPv6
    std::array<std::uint8_t, 16> addr{}; //!< IPv4 uses the first 4 bytes, network order
    std::uint16_t port = 0;

    static EpAddress Ipv4(std::uint32_t hostOrderAddr, std::uint16_t port);
    std::uint32_t Ipv4HostOrder() const; //!< first 4 bytes as a host-order integer
    bool operator==(const EpAddress& o) const;
    bool operator!=(const EpAddress& o) const
    {
        return !(*this == o);
    }
};

/**
 * \brief One EP message. A flat record: each type uses the fields its body lists in EpType's
 * documentation; the others keep their defaults and are neither encoded nor compared.
 */
struct EpMessage
{
    EpType type = EpType::Data;
    std::uint8_t flags = 0;
    EpSockType sockType = EpSockType::None;
    std::uint32_t rsockId = 0;
    std::uint32_t requestId = 0;

    std::int32_t error = 0;                 //!< Registered, Response, Error, Resolved
    EpAddrMode addrMode = EpAddrMode::NTo1; //!< Register, Registered
    std::uint32_t ipv4 = 0;            //!< Register (requested), Registered (public); host order
    std::uint16_t socketLimit = 0;     //!< Registered
    std::string name;                  //!< Register, Resolve (host), Resolved (canonical)
    std::uint32_t value = 0;           //!< Listen backlog, Accepted newRsockId, Credit bytes
    std::int32_t intValue = 0;         //!< Response value, SetSockOpt value
    std::uint8_t how = 0;              //!< Shutdown
    std::uint16_t level = 0;           //!< Set/GetSockOpt
    std::uint16_t option = 0;          //!< Set/GetSockOpt
    EpAddress local;                   //!< Bind, Accepted, Response
    EpAddress peer;                    //!< Accepted, Connect, Response, SendTo, RecvFrom
    std::vector<std::uint8_t> payload; //!< Data, SendTo, RecvFrom
    std::uint8_t family = 0;           //!< Resolve: 0 any, 4 IPv4, 6 IPv6
    std::uint8_t resolveFlags = 0;     //!< Resolve (EpResolveFlags)
    std::vector<EpAddress> addresses;  //!< Resolved (at most kEpMaxResolvedAddresses)

    /// Compares the header and the fields this type carries.
    bool operator==(const EpMessage& o) const;
};

/// Appends the encoding of `m` to `out`. Precondition: sizes within the limits above.
void EncodeEpMessage(const EpMessage& m, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> EncodeEpMessage(const EpMessage& m);

/// Encoded size of `m`, without encoding it.
std::size_t EpEncodedSize(const EpMessage& m);

/**
 * \brief Strictly decodes exactly one message occupying all of [data, data+len).
 * Same error rules as DecodeLhpFrame; also BadField for a bad address family, shutdown
 * `how` > 2, unknown flag bits, sockType > Dgram, addrMode > OneTo1, and the Resolve /
 * Resolved rules above (header fields, family, resolveFlags, name length and NUL bytes,
 * address count, error code).
 */
DecodeError DecodeEpMessage(const std::uint8_t* data, std::size_t len, EpMessage& out);

/**
 * \brief Decodes the first message of a buffer holding several back to back.
 * On success sets `consumed` to the bytes it used.
 */
DecodeError DecodeEpMessagePrefix(const std::uint8_t* data,
                                  std::size_t len,
                                  EpMessage& out,
                                  std::size_t& consumed);

const char* ToString(EpType t);

} // namespace resoa

#endif // RESOA_EP_MESSAGE_H
