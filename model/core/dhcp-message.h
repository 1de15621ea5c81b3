/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_DHCP_MESSAGE_H
#define RESOA_DHCP_MESSAGE_H

#include "resoa-codec-error.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace resoa
{

/// DHCP message type (option 53, RFC 2132 §9.6).
enum class DhcpType : std::uint8_t
{
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
};

/// DHCP ports (RFC 2131 §4.1).
constexpr std::uint16_t kDhcpServerPort = 67;
constexpr std::uint16_t kDhcpClientPort = 68;

/**
 * \brief One DHCP message (RFC 2131 / RFC 2132): the BOOTP header fields and the options a
 * client acting for someone else needs. Addresses are IPv4 in host order.
 *
 * A ReSoA server leases on a client's behalf, so `chaddr` is the *client's* MAC address,
 * not the server's. Option 61 (client identifier) is sent only when `clientId` is not empty:
 * ns-3 3.37's DhcpServer drops any message with an option it does not know, 61 included.
 */
struct DhcpMessage
{
    std::uint8_t op = 1;    //!< 1 BOOTREQUEST, 2 BOOTREPLY
    std::uint8_t htype = 1; //!< 1 = Ethernet
    std::uint8_t hlen = 6;  //!< bytes of chaddr that are the hardware address (<= 16)
    std::uint8_t hops = 0;
    std::uint32_t xid = 0;
    std::uint16_t secs = 0;
    std::uint16_t flags = 0; //!< kDhcpBroadcastFlag asks for broadcast replies
    std::uint32_t ciaddr = 0;
    std::uint32_t yiaddr = 0;
    std::uint32_t siaddr = 0;
    std::uint32_t giaddr = 0;
    std::array<std::uint8_t, 16> chaddr{};
    DhcpType type = DhcpType::Discover;         //!< option 53 (required)
    std::optional<std::uint32_t> subnetMask;    //!< option 1
    std::optional<std::uint32_t> router;        //!< option 3 (first router)
    std::optional<std::uint32_t> requestedIp;   //!< option 50
    std::optional<std::uint32_t> leaseSeconds;  //!< option 51
    std::optional<std::uint32_t> serverId;      //!< option 54
    std::optional<std::uint32_t> renewSeconds;  //!< option 58 (T1)
    std::optional<std::uint32_t> rebindSeconds; //!< option 59 (T2)
    std::vector<std::uint8_t> clientId;         //!< option 61 (empty = absent)

    /// The first 6 bytes of chaddr (the Ethernet MAC).
    std::array<std::uint8_t, 6> Mac() const;
    /// Sets chaddr (and hlen 6) to `mac`.
    void SetMac(const std::array<std::uint8_t, 6>& mac);
};

/// BOOTP flags: the broadcast bit.
constexpr std::uint16_t kDhcpBroadcastFlag = 0x8000;
/// Fixed BOOTP header plus the magic cookie.
constexpr std::size_t kDhcpFixedSize = 240;
/// Encoded messages are zero-padded to this size (the BOOTP minimum, RFC 1542 §3.1.1).
constexpr std::size_t kDhcpMinSize = 300;
/// Largest message a client must accept (RFC 2131 §2: 576-byte IP datagrams).
constexpr std::size_t kDhcpMaxSize = 576 - 28;

/// Encodes `m`: header, cookie, option 53 first, the set options, END, zero padding.
std::vector<std::uint8_t> EncodeDhcp(const DhcpMessage& m);

/**
 * Decodes a DHCP message (BOOTP with the magic cookie and option 53). Never reads past
 * `len`. Pad options are skipped, unknown options are skipped by their length (RFC 2132
 * §2), bytes after END are ignored (padding). Errors: Truncated (short header, an option
 * running past the end, no END), BadField (bad op, hlen > 16, bad cookie, a known option
 * with a wrong length), UnknownType (no or unknown option 53), Oversized (> kDhcpMaxSize
 * is accepted; only > 65535 bytes is refused).
 */
DecodeError DecodeDhcp(const std::uint8_t* data, std::size_t len, DhcpMessage& out);

/// Name of a DhcpType ("DHCPDISCOVER", ...), for logs.
const char* ToString(DhcpType t);

} // namespace resoa

#endif // RESOA_DHCP_MESSAGE_H
