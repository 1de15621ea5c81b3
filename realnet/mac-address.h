/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_MAC_ADDRESS_H
#define RESOA_REALNET_MAC_ADDRESS_H

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace resoa
{
namespace realnet
{

/// A 48-bit Ethernet address, in wire order. The LHP core sees it as 6 opaque bytes.
using MacAddress = std::array<std::uint8_t, 6>;

/// The Ethernet broadcast address.
constexpr MacAddress kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/// \return \p mac as "02:00:5e:00:00:01" (lower case, as `ip link` prints it)
std::string FormatMac(const MacAddress& mac);

/**
 * \brief Parses "02:00:5E:00:00:01" or "02-00-5e-00-00-01".
 * \return the address, or nullopt unless the text is exactly six two-digit hex groups
 */
std::optional<MacAddress> ParseMac(const std::string& text);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_MAC_ADDRESS_H
