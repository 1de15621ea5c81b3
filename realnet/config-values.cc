/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "config-values.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

namespace resoa
{
namespace realnet
{

bool
PortRange::Contains(std::uint16_t port) const
{
    return port >= first && port <= last;
}

std::string
PortRange::ToString() const
{
    if (first == last)
    {
        return std::to_string(first);
    }
    return std::to_string(first) + "-" + std::to_string(last);
}

bool
IpPrefix::Contains(int addressFamily, const std::uint8_t* address) const
{
    if (addressFamily != family)
    {
        return false;
    }
    const unsigned fullBytes = length / 8;
    if (std::memcmp(bytes.data(), address, fullBytes) != 0)
    {
        return false;
    }
    const unsigned restBits = length % 8;
    if (restBits == 0)
    {
        return true;
    }
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - restBits));
    return (address[fullBytes] & mask) == (bytes[fullBytes] & mask);
}

bool
IpPrefix::ContainsIpv4(std::uint32_t hostOrder) const
{
    const std::uint8_t address[4] = {static_cast<std::uint8_t>(hostOrder >> 24),
                                     static_cast<std::uint8_t>(hostOrder >> 16),
                                     static_cast<std::uint8_t>(hostOrder >> 8),
                                     static_cast<std::uint8_t>(hostOrder)};
    return Contains(AF_INET, address);
}

std::string
IpPrefix::ToString() const
{
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(family, bytes.data(), text, sizeof(text));
    return std::string(text) + "/" + std::to_string(length);
}

std::string
DestinationRule::ToString() const
{
    const std::string prefixText = prefix.ToString();
    if (ports.first == 1 && ports.last == 65535)
    {
        return prefixText;
    }
    if (prefix.family == AF_INET6)
    {
        return "[" + prefixText + "]:" + ports.ToString();
    }
    return prefixText + ":" + ports.ToString();
}

bool
ParseBool(const std::string& text)
{
    if (text == "yes" || text == "true" || text == "on" || text == "1")
    {
        return true;
    }
    if (text == "no" || text == "false" || text == "off" || text == "0")
    {
        return false;
    }
    throw BadValue("expected yes or no");
}

std::uint64_t
ParseUnsigned(const std::string& text, std::uint64_t min, std::uint64_t max)
{
    const std::string expected =
        "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (text.empty() || text.size() > 19 ||
        text.find_first_not_of("0123456789") != std::string::npos)
    {
        throw BadValue(expected);
    }
    const std::uint64_t value = std::stoull(text);
    if (value < min || value > max)
    {
        throw BadValue(expected);
    }
    return value;
}

std::uint32_t
ParseIpv4(const std::string& text)
{
    in_addr address{};
    if (::inet_pton(AF_INET, text.c_str(), &address) != 1)
    {
        throw BadValue("expected an IPv4 address like 192.0.2.1");
    }
    return ntohl(address.s_addr);
}

std::string
FormatIpv4(std::uint32_t hostOrder)
{
    in_addr address{htonl(hostOrder)};
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &address, text, sizeof(text));
    return text;
}

PortRange
ParsePortRange(const std::string& text)
{
    const std::string expected = "expected a port or port range like 1024-65535";
    const std::size_t dash = text.find('-');
    try
    {
        PortRange range;
        range.first = static_cast<std::uint16_t>(ParseUnsigned(text.substr(0, dash), 1, 65535));
        range.last =
            dash == std::string::npos
                ? range.first
                : static_cast<std::uint16_t>(ParseUnsigned(text.substr(dash + 1), 1, 65535));
        if (range.first > range.last)
        {
            throw BadValue(expected);
        }
        return range;
    }
    catch (const BadValue&)
    {
        throw BadValue(expected);
    }
}

IpPrefix
ParseIpPrefix(const std::string& text)
{
    const std::string expected = "expected an address or CIDR prefix like 198.51.100.0/24";
    const std::size_t slash = text.find('/');
    const std::string addressText = text.substr(0, slash);
    IpPrefix prefix;
    if (::inet_pton(AF_INET, addressText.c_str(), prefix.bytes.data()) == 1)
    {
        prefix.family = AF_INET;
    }
    else if (::inet_pton(AF_INET6, addressText.c_str(), prefix.bytes.data()) == 1)
    {
        prefix.family = AF_INET6;
    }
    else
    {
        throw BadValue(expected);
    }
    const unsigned maxLength = prefix.family == AF_INET ? 32 : 128;
    prefix.length = maxLength;
    if (slash != std::string::npos)
    {
        try
        {
            prefix.length =
                static_cast<unsigned>(ParseUnsigned(text.substr(slash + 1), 0, maxLength));
        }
        catch (const BadValue&)
        {
            throw BadValue(expected);
        }
    }
    // Host bits set ("10.1.2.3/8") is almost always a typo for another prefix: refuse it.
    IpPrefix masked = prefix;
    for (unsigned bit = prefix.length; bit < maxLength; ++bit)
    {
        masked.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
    }
    if (masked.bytes != prefix.bytes)
    {
        throw BadValue("host bits set in prefix (did you mean " + masked.ToString() + "?)");
    }
    return prefix;
}

DestinationRule
ParseDestinationRule(const std::string& text)
{
    DestinationRule rule;
    if (!text.empty() && text[0] == '[')
    {
        const std::size_t close = text.find("]:");
        if (close == std::string::npos)
        {
            throw BadValue("expected [IPV6-PREFIX]:PORTS");
        }
        rule.prefix = ParseIpPrefix(text.substr(1, close - 1));
        rule.ports = ParsePortRange(text.substr(close + 2));
        return rule;
    }
    // An IPv4 prefix has no ':'; an IPv6 prefix without brackets takes all ports.
    const std::size_t colon = text.find(':');
    if (colon != std::string::npos && text.find(':', colon + 1) == std::string::npos)
    {
        rule.prefix = ParseIpPrefix(text.substr(0, colon));
        rule.ports = ParsePortRange(text.substr(colon + 1));
        return rule;
    }
    rule.prefix = ParseIpPrefix(text);
    return rule;
}

std::vector<std::string>
SplitList(const std::string& text)
{
    std::vector<std::string> items;
    std::string item;
    for (char c : text)
    {
        if (c == ',' || c == ' ' || c == '\t')
        {
            if (!item.empty())
            {
                items.push_back(item);
            }
            item.clear();
        }
        else
        {
            item += c;
        }
    }
    if (!item.empty())
    {
        items.push_back(item);
    }
    return items;
}

} // namespace realnet
} // namespace resoa
