/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#include "shim-protocol.h"

namespace resoa
{
namespace realnet
{
namespace
{

void
Put16(std::uint8_t* p, std::uint16_t v)
{
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

void
Put32(std::uint8_t* p, std::uint32_t v)
{
    Put16(p, static_cast<std::uint16_t>(v >> 16));
    Put16(p + 2, static_cast<std::uint16_t>(v));
}

std::uint16_t
Get16(const std::uint8_t* p)
{
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t
Get32(const std::uint8_t* p)
{
    return (static_cast<std::uint32_t>(Get16(p)) << 16) | Get16(p + 2);
}

void
PutAddress(std::uint8_t* p, const ShimAddress& a)
{
    p[0] = a.family;
    // Only the bytes the family uses go out; the rest are zero so the decoder can insist.
    std::size_t used = a.family == 4 ? 4 : (a.family == 6 ? 16 : 0);
    for (std::size_t i = 0; i < 16; ++i)
    {
        p[1 + i] = i < used ? a.addr[i] : 0;
    }
    Put16(p + 17, a.family == 0 ? 0 : a.port);
}

bool
GetAddress(const std::uint8_t* p, ShimAddress& a)
{
    a = ShimAddress{};
    a.family = p[0];
    if (a.family != 0 && a.family != 4 && a.family != 6)
    {
        return false;
    }
    std::size_t used = a.family == 4 ? 4 : (a.family == 6 ? 16 : 0);
    for (std::size_t i = 0; i < 16; ++i)
    {
        if (i < used)
        {
            a.addr[i] = p[1 + i];
        }
        else if (p[1 + i] != 0)
        {
            return false;
        }
    }
    a.port = Get16(p + 17);
    return a.family != 0 || a.port == 0;
}

} // namespace

bool
ShimMessage::operator==(const ShimMessage& o) const
{
    return type == o.type && sockType == o.sockType && flags == o.flags && socketId == o.socketId &&
           error == o.error && value == o.value && level == o.level && option == o.option &&
           local == o.local && peer == o.peer;
}

void
EncodeShimMessage(const ShimMessage& m, std::uint8_t* out)
{
    out[0] = kShimVersion;
    out[1] = static_cast<std::uint8_t>(m.type);
    out[2] = m.sockType;
    out[3] = m.flags;
    Put32(out + 4, m.socketId);
    Put32(out + 8, static_cast<std::uint32_t>(m.error));
    Put32(out + 12, static_cast<std::uint32_t>(m.value));
    Put16(out + 16, m.level);
    Put16(out + 18, m.option);
    PutAddress(out + 20, m.local);
    PutAddress(out + 20 + kShimAddressSize, m.peer);
}

std::vector<std::uint8_t>
EncodeShimMessage(const ShimMessage& m)
{
    std::vector<std::uint8_t> out(kShimMessageSize);
    EncodeShimMessage(m, out.data());
    return out;
}

bool
DecodeShimMessage(const std::uint8_t* data, std::size_t len, ShimMessage& m)
{
    if (data == nullptr || len != kShimMessageSize || data[0] != kShimVersion)
    {
        return false;
    }
    if (data[1] == 0 || data[1] > kShimTypeMax || data[2] > 2 ||
        (data[3] & ~(kShimFlagReply | kShimFlagNonBlocking)) != 0)
    {
        return false;
    }
    m.type = static_cast<ShimType>(data[1]);
    m.sockType = data[2];
    m.flags = data[3];
    m.socketId = Get32(data + 4);
    m.error = static_cast<std::int32_t>(Get32(data + 8));
    m.value = static_cast<std::int32_t>(Get32(data + 12));
    m.level = Get16(data + 16);
    m.option = Get16(data + 18);
    return GetAddress(data + 20, m.local) && GetAddress(data + 20 + kShimAddressSize, m.peer);
}

void
EncodeShimDatagramHeader(const ShimAddress& address, std::uint8_t* out)
{
    out[0] = kShimVersion;
    PutAddress(out + 1, address);
    for (std::size_t i = 1 + kShimAddressSize; i < kShimDatagramHeaderSize; ++i)
    {
        out[i] = 0;
    }
}

bool
DecodeShimDatagramHeader(const std::uint8_t* data, std::size_t len, ShimAddress& address)
{
    if (data == nullptr || len < kShimDatagramHeaderSize || data[0] != kShimVersion)
    {
        return false;
    }
    return GetAddress(data + 1, address);
}

} // namespace realnet
} // namespace resoa
