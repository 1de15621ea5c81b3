/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#include "shim-resolve.h"

#include <algorithm>

namespace resoa
{
namespace realnet
{
namespace
{

constexpr std::size_t kRequestFixed = 6;
constexpr std::size_t kReplyFixed = 8;
constexpr std::uint8_t kResolveType = static_cast<std::uint8_t>(ShimType::Resolve);

bool
NameOk(const std::string& name, std::size_t min)
{
    return name.size() >= min && name.size() <= kShimMaxName &&
           name.find('\0') == std::string::npos;
}

bool
BytesNameOk(const std::uint8_t* p, std::size_t n)
{
    return std::find(p, p + n, 0) == p + n;
}

void
PutAddress(std::vector<std::uint8_t>& out, const ShimAddress& a)
{
    out.push_back(a.family);
    const std::size_t used = a.family == 4 ? 4 : 16;
    for (std::size_t i = 0; i < 16; ++i)
    {
        out.push_back(i < used ? a.addr[i] : 0);
    }
    out.push_back(0); // port 0: services are the shim's
    out.push_back(0);
}

bool
GetAddress(const std::uint8_t* p, ShimAddress& a)
{
    a = ShimAddress{};
    a.family = p[0];
    if (a.family != 4 && a.family != 6)
    {
        return false;
    }
    const std::size_t used = a.family == 4 ? 4 : 16;
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
    return p[17] == 0 && p[18] == 0;
}

} // namespace

bool
IsShimResolve(const std::uint8_t* data, std::size_t len)
{
    return data != nullptr && len >= 2 && data[0] == kShimVersion && data[1] == kResolveType;
}

bool
EncodeShimResolveRequest(const ShimResolveRequest& r, std::vector<std::uint8_t>& out)
{
    if (!NameOk(r.name, 1) || (r.family != 0 && r.family != 4 && r.family != 6) ||
        (r.flags & ~kShimResolveCanonName) != 0)
    {
        return false;
    }
    out = {
        kShimVersion, kResolveType, 0, r.family, r.flags, static_cast<std::uint8_t>(r.name.size())};
    out.insert(out.end(), r.name.begin(), r.name.end());
    return true;
}

bool
DecodeShimResolveRequest(const std::uint8_t* data, std::size_t len, ShimResolveRequest& r)
{
    if (!IsShimResolve(data, len) || len < kRequestFixed || data[2] != 0 ||
        (data[3] != 0 && data[3] != 4 && data[3] != 6) || (data[4] & ~kShimResolveCanonName) != 0 ||
        data[5] == 0 || len != kRequestFixed + data[5] ||
        !BytesNameOk(data + kRequestFixed, data[5]))
    {
        return false;
    }
    r.family = data[3];
    r.flags = data[4];
    r.name.assign(reinterpret_cast<const char*>(data + kRequestFixed), data[5]);
    return true;
}

std::vector<std::uint8_t>
EncodeShimResolveReply(const ShimResolveReply& r)
{
    std::vector<std::uint8_t> out = {kShimVersion, kResolveType, kShimFlagReply, 0};
    std::size_t count = 0;
    std::string name;
    if (r.error == 0)
    {
        for (const ShimAddress& a : r.addresses)
        {
            count += (a.family == 4 || a.family == 6) && count < kShimMaxResolved ? 1 : 0;
        }
        name = r.canonicalName.substr(0, std::min(r.canonicalName.find('\0'), kShimMaxName));
    }
    out[3] = static_cast<std::uint8_t>(count);
    const auto e = static_cast<std::uint32_t>(r.error);
    for (int shift = 24; shift >= 0; shift -= 8)
    {
        out.push_back(static_cast<std::uint8_t>(e >> shift));
    }
    std::size_t written = 0;
    for (const ShimAddress& a : r.addresses)
    {
        if (written < count && (a.family == 4 || a.family == 6))
        {
            PutAddress(out, a);
            ++written;
        }
    }
    out.push_back(static_cast<std::uint8_t>(name.size()));
    out.insert(out.end(), name.begin(), name.end());
    return out;
}

bool
DecodeShimResolveReply(const std::uint8_t* data, std::size_t len, ShimResolveReply& r)
{
    if (!IsShimResolve(data, len) || len < kReplyFixed + 1 || data[2] != kShimFlagReply ||
        data[3] > kShimMaxResolved)
    {
        return false;
    }
    const std::size_t count = data[3];
    r = ShimResolveReply{};
    r.error =
        static_cast<std::int32_t>((std::uint32_t{data[4]} << 24) | (std::uint32_t{data[5]} << 16) |
                                  (std::uint32_t{data[6]} << 8) | data[7]);
    if ((r.error == 0) != (count > 0))
    {
        return false;
    }
    std::size_t pos = kReplyFixed;
    if (len < pos + count * kShimAddressSize + 1)
    {
        return false;
    }
    r.addresses.resize(count);
    for (ShimAddress& a : r.addresses)
    {
        if (!GetAddress(data + pos, a))
        {
            return false;
        }
        pos += kShimAddressSize;
    }
    const std::size_t nameLen = data[pos++];
    if (len != pos + nameLen || !BytesNameOk(data + pos, nameLen) || (r.error != 0 && nameLen != 0))
    {
        return false;
    }
    r.canonicalName.assign(reinterpret_cast<const char*>(data + pos), nameLen);
    return true;
}

} // namespace realnet
} // namespace resoa
