/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_CONFIG_VALUES_H
#define RESOA_REALNET_CONFIG_VALUES_H

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/**
 * \brief A value that does not parse. what() says what was expected ("expected a port range
 * like 1024-65535"); the schema adds the key and where the value came from.
 */
class BadValue : public std::invalid_argument
{
  public:
    using std::invalid_argument::invalid_argument;
};

/// Inclusive port range.
struct PortRange
{
    std::uint16_t first = 0;
    std::uint16_t last = 0;

    /// \return true if \p port is in the range
    bool Contains(std::uint16_t port) const;
    /// \return "80" or "1024-65535"
    std::string ToString() const;
};

/// An IPv4 or IPv6 prefix ("10.0.0.0/8", "2001:db8::/32"; a bare address is a /32 or /128).
struct IpPrefix
{
    int family = 0;                       //!< AF_INET or AF_INET6
    std::array<std::uint8_t, 16> bytes{}; //!< network order; IPv4 in the first 4 bytes
    unsigned length = 0;                  //!< prefix length in bits

    /// \return true if \p address (same family, network order) is inside the prefix
    bool Contains(int addressFamily, const std::uint8_t* address) const;
    /// \return true if the host-order IPv4 address is inside the prefix
    bool ContainsIpv4(std::uint32_t hostOrder) const;
    /// \return "10.0.0.0/8"
    std::string ToString() const;
};

/// A destination servers may connect or send to: a prefix and a port range.
struct DestinationRule
{
    IpPrefix prefix;
    PortRange ports{1, 65535};

    /// \return "10.0.0.0/8:80-443", "[2001:db8::/32]:443" or "0.0.0.0/0" (all ports)
    std::string ToString() const;
};

/// "yes|no|true|false|on|off|1|0" \throws BadValue
bool ParseBool(const std::string& text);
/// A decimal integer in [\p min, \p max]. \throws BadValue
std::uint64_t ParseUnsigned(const std::string& text, std::uint64_t min, std::uint64_t max);
/// A dotted IPv4 address, returned in host order. \throws BadValue
std::uint32_t ParseIpv4(const std::string& text);
/// \return the host-order IPv4 address as dotted text
std::string FormatIpv4(std::uint32_t hostOrder);
/// "80" or "1024-65535" (first <= last, ports 1-65535). \throws BadValue
PortRange ParsePortRange(const std::string& text);
/// "10.0.0.0/8", "2001:db8::/32" or a bare address; host bits must be zero. \throws BadValue
IpPrefix ParseIpPrefix(const std::string& text);
/// "PREFIX", "PREFIX:PORTS", "[IPV6-PREFIX]:PORTS". \throws BadValue
DestinationRule ParseDestinationRule(const std::string& text);

/// Splits a list on commas and blanks; empty items vanish ("a, b,,c" -> a b c).
std::vector<std::string> SplitList(const std::string& text);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_CONFIG_VALUES_H
