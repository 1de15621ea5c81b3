/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "dhcp-message.h"

#include "wire-buffer.h"

#include <algorithm>
#include <utility>

namespace resoa
{

namespace
{

constexpr std::uint8_t kCookie[4] = {99, 130, 83, 99};

enum Option : std::uint8_t
{
    kPad = 0,
    kSubnetMask = 1,
    kRouter = 3,
    kRequestedIp = 50,
    kLeaseTime = 51,
    kMessageType = 53,
    kServerId = 54,
    kRenewTime = 58,
    kRebindTime = 59,
    kClientId = 61,
    kEnd = 255,
};

void
PutU32Option(ByteWriter& w, std::uint8_t code, const std::optional<std::uint32_t>& v)
{
    if (v)
    {
        w.WriteU8(code);
        w.WriteU8(4);
        w.WriteU32(*v);
    }
}

std::uint32_t
U32(const std::uint8_t* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}

} // namespace

std::array<std::uint8_t, 6>
DhcpMessage::Mac() const
{
    std::array<std::uint8_t, 6> mac{};
    for (std::size_t i = 0; i < mac.size(); ++i)
    {
        mac[i] = chaddr[i];
    }
    return mac;
}

void
DhcpMessage::SetMac(const std::array<std::uint8_t, 6>& mac)
{
    chaddr.fill(0);
    for (std::size_t i = 0; i < mac.size(); ++i)
    {
        chaddr[i] = mac[i];
    }
    htype = 1;
    hlen = 6;
}

std::vector<std::uint8_t>
EncodeDhcp(const DhcpMessage& m)
{
    std::vector<std::uint8_t> out;
    out.reserve(kDhcpMinSize);
    ByteWriter w(out);
    w.WriteU8(m.op);
    w.WriteU8(m.htype);
    w.WriteU8(m.hlen);
    w.WriteU8(m.hops);
    w.WriteU32(m.xid);
    w.WriteU16(m.secs);
    w.WriteU16(m.flags);
    w.WriteU32(m.ciaddr);
    w.WriteU32(m.yiaddr);
    w.WriteU32(m.siaddr);
    w.WriteU32(m.giaddr);
    w.WriteBytes(m.chaddr.data(), m.chaddr.size());
    out.resize(out.size() + 64 + 128, 0); // sname, file
    w.WriteBytes(kCookie, sizeof(kCookie));
    w.WriteU8(kMessageType);
    w.WriteU8(1);
    w.WriteU8(static_cast<std::uint8_t>(m.type));
    if (!m.clientId.empty())
    {
        w.WriteU8(kClientId);
        w.WriteU8(static_cast<std::uint8_t>(std::min<std::size_t>(m.clientId.size(), 255)));
        w.WriteBytes(m.clientId.data(), std::min<std::size_t>(m.clientId.size(), 255));
    }
    PutU32Option(w, kSubnetMask, m.subnetMask);
    PutU32Option(w, kRouter, m.router);
    PutU32Option(w, kRequestedIp, m.requestedIp);
    PutU32Option(w, kLeaseTime, m.leaseSeconds);
    PutU32Option(w, kServerId, m.serverId);
    PutU32Option(w, kRenewTime, m.renewSeconds);
    PutU32Option(w, kRebindTime, m.rebindSeconds);
    w.WriteU8(kEnd);
    if (out.size() < kDhcpMinSize)
    {
        out.resize(kDhcpMinSize, 0);
    }
    return out;
}

DecodeError
DecodeDhcp(const std::uint8_t* data, std::size_t len, DhcpMessage& out)
{
    if (len > 65535)
    {
        return DecodeError::Oversized;
    }
    if (data == nullptr || len < kDhcpFixedSize)
    {
        return DecodeError::Truncated;
    }
    DhcpMessage m;
    ByteReader r(data, len);
    r.ReadU8(m.op);
    r.ReadU8(m.htype);
    r.ReadU8(m.hlen);
    r.ReadU8(m.hops);
    r.ReadU32(m.xid);
    r.ReadU16(m.secs);
    r.ReadU16(m.flags);
    r.ReadU32(m.ciaddr);
    r.ReadU32(m.yiaddr);
    r.ReadU32(m.siaddr);
    r.ReadU32(m.giaddr);
    r.ReadInto(m.chaddr.data(), m.chaddr.size());
    if ((m.op != 1 && m.op != 2) || m.hlen > 16)
    {
        return DecodeError::BadField;
    }
    const std::uint8_t* cookie = data + 236;
    for (std::size_t i = 0; i < 4; ++i)
    {
        if (cookie[i] != kCookie[i])
        {
            return DecodeError::BadField;
        }
    }
    bool haveType = false;
    std::size_t pos = kDhcpFixedSize;
    while (true)
    {
        if (pos >= len)
        {
            return DecodeError::Truncated; // no END
        }
        const std::uint8_t code = data[pos++];
        if (code == kPad)
        {
            continue;
        }
        if (code == kEnd)
        {
            break;
        }
        if (pos >= len)
        {
            return DecodeError::Truncated;
        }
        const std::size_t olen = data[pos++];
        if (olen > len - pos)
        {
            return DecodeError::Truncated;
        }
        const std::uint8_t* v = data + pos;
        pos += olen;
        auto u32 = [&](std::optional<std::uint32_t>& field, bool list = false)
        {
            if (olen != 4 && !(list && olen >= 4 && olen % 4 == 0))
            {
                return false;
            }
            field = U32(v);
            return true;
        };
        bool ok = true;
        switch (code)
        {
            case kMessageType:
                if (olen != 1)
                {
                    ok = false;
                    break;
                }
                if (v[0] < 1 || v[0] > 8)
                {
                    return DecodeError::UnknownType;
                }
                m.type = static_cast<DhcpType>(v[0]);
                haveType = true;
                break;
            case kSubnetMask:
                ok = u32(m.subnetMask);
                break;
            case kRouter:
                ok = u32(m.router, true);
                break;
            case kRequestedIp:
                ok = u32(m.requestedIp);
                break;
            case kLeaseTime:
                ok = u32(m.leaseSeconds);
                break;
            case kServerId:
                ok = u32(m.serverId);
                break;
            case kRenewTime:
                ok = u32(m.renewSeconds);
                break;
            case kRebindTime:
                ok = u32(m.rebindSeconds);
                break;
            case kClientId:
                m.clientId.assign(v, v + olen);
                break;
            default:
                break; // unknown: skipped by its length
        }
        if (!ok)
        {
            return DecodeError::BadField;
        }
    }
    if (!haveType)
    {
        return DecodeError::UnknownType;
    }
    out = std::move(m);
    return DecodeError::Ok;
}

const char*
ToString(DhcpType t)
{
    switch (t)
    {
        case DhcpType::Discover:
            return "DHCPDISCOVER";
        case DhcpType::Offer:
            return "DHCPOFFER";
        case DhcpType::Request:
            return "DHCPREQUEST";
        case DhcpType::Decline:
            return "DHCPDECLINE";
        case DhcpType::Ack:
            return "DHCPACK";
        case DhcpType::Nak:
            return "DHCPNAK";
        case DhcpType::Release:
            return "DHCPRELEASE";
        case DhcpType::Inform:
            return "DHCPINFORM";
    }
    return "DHCP?";
}

} // namespace resoa
