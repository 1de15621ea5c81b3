/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "mac-address.h"

#include <cstdio>

namespace resoa
{
namespace realnet
{

std::string
FormatMac(const MacAddress& mac)
{
    char text[18];
    std::snprintf(text,
                  sizeof(text),
                  "%02x:%02x:%02x:%02x:%02x:%02x",
                  mac[0],
                  mac[1],
                  mac[2],
                  mac[3],
                  mac[4],
                  mac[5]);
    return text;
}

namespace
{

int
HexDigit(char c)
{
    if (c >= '0' && c <= '9')
    {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f')
    {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F')
    {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

std::optional<MacAddress>
ParseMac(const std::string& text)
{
    // Exactly "hh?hh?hh?hh?hh?hh" with one separator kind throughout.
    if (text.size() != 17)
    {
        return std::nullopt;
    }
    const char separator = text[2];
    if (separator != ':' && separator != '-')
    {
        return std::nullopt;
    }
    MacAddress mac{};
    for (std::size_t i = 0; i < mac.size(); ++i)
    {
        const std::size_t pos = i * 3;
        const int high = HexDigit(text[pos]);
        const int low = HexDigit(text[pos + 1]);
        if (high < 0 || low < 0 || (i < 5 && text[pos + 2] != separator))
        {
            return std::nullopt;
        }
        mac[i] = static_cast<std::uint8_t>(high * 16 + low);
    }
    return mac;
}

} // namespace realnet
} // namespace resoa
