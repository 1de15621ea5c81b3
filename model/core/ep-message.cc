/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "ep-message.h"

#include "wire-buffer.h"

#include <algorithm>

namespace resoa
{

namespace
{

/// Every flag bit version 1 defines; any other bit is BadField.
constexpr std::uint8_t kEpKnownFlags = kEpFlagCreate | kEpFlagCreditWanted;

constexpr std::uint8_t kFamilyNone = 0;
constexpr std::uint8_t kFamilyIpv4 = 4;
constexpr std::uint8_t kFamilyIpv6 = 6;
constexpr std::uint8_t kMaxShutdownHow = 2;

/**
 * A body shorter than its type's fields, with the whole declared body present, is BadField
 * (the bodyLength field is wrong), not Truncated: for a stream decoder Truncated must mean
 * "more bytes may still make this valid", and here they cannot.
 */
constexpr DecodeError kShortBody = DecodeError::BadField;

bool
IsKnownEpType(std::uint8_t t)
{
    return t >= static_cast<std::uint8_t>(EpType::Register) && t <= kEpTypeMax;
}

/// Address bytes a family carries on the wire (family 0: none).
std::size_t
AddressBytes(std::uint8_t family)
{
    switch (family)
    {
        case kFamilyIpv4:
            return 4;
        case kFamilyIpv6:
            return 16;
        default:
            return 0;
    }
}

/// Encoded size of an EpAddress. Unknown families encode as the family byte alone (a
/// precondition violation the decoder rejects as BadField).
std::size_t
AddressSize(const EpAddress& a)
{
    switch (a.family)
    {
        case kFamilyIpv4:
            return kEpAddressSizeIpv4;
        case kFamilyIpv6:
            return kEpAddressSizeIpv6;
        default:
            return kEpAddressSizeNone;
    }
}

void
WriteAddress(ByteWriter& w, const EpAddress& a)
{
    w.WriteU8(a.family);
    if (a.family == kFamilyIpv4 || a.family == kFamilyIpv6)
    {
        w.WriteBytes(a.addr.data(), AddressBytes(a.family));
        w.WriteU16(a.port);
    }
}

DecodeError
ReadAddress(ByteReader& r, EpAddress& a)
{
    a = EpAddress{};
    if (!r.ReadU8(a.family))
    {
        return kShortBody;
    }
    if (a.family == kFamilyNone)
    {
        return DecodeError::Ok;
    }
    if (a.family != kFamilyIpv4 && a.family != kFamilyIpv6)
    {
        return DecodeError::BadField;
    }
    if (!r.ReadInto(a.addr.data(), AddressBytes(a.family)) || !r.ReadU16(a.port))
    {
        return kShortBody;
    }
    return DecodeError::Ok;
}

/// Register's and Resolve's name, Resolved's canonical name as sent: the u8 length field
/// cannot say more than kEpMaxName.
std::size_t
NameSize(const EpMessage& m)
{
    return std::min(m.name.size(), kEpMaxName);
}

/// Resolved's addresses as sent: at most kEpMaxResolvedAddresses.
std::size_t
AddressCount(const EpMessage& m)
{
    return std::min(m.addresses.size(), kEpMaxResolvedAddresses);
}

std::size_t
AddressListSize(const EpMessage& m)
{
    std::size_t n = 0;
    for (std::size_t i = 0; i < AddressCount(m); ++i)
    {
        n += AddressSize(m.addresses[i]);
    }
    return n;
}

void
WriteName(ByteWriter& w, const EpMessage& m)
{
    w.WriteU8(static_cast<std::uint8_t>(NameSize(m)));
    w.WriteBytes(reinterpret_cast<const std::uint8_t*>(m.name.data()), NameSize(m));
}

/// A u8-length-prefixed name with no NUL byte and at least `minLen` bytes.
DecodeError
ReadName(ByteReader& r, std::string& name, std::size_t minLen)
{
    std::uint8_t len = 0;
    const std::uint8_t* view = nullptr;
    if (!r.ReadU8(len) || !r.ReadView(len, view))
    {
        return kShortBody;
    }
    if (len < minLen || std::find(view, view + len, 0) != view + len)
    {
        return DecodeError::BadField;
    }
    name.assign(reinterpret_cast<const char*>(view), len);
    return DecodeError::Ok;
}

/// Resolve / Resolved name no socket: their socket header fields must be zero.
bool
IsResolveType(EpType t)
{
    return t == EpType::Resolve || t == EpType::Resolved;
}

std::size_t
BodySize(const EpMessage& m)
{
    switch (m.type)
    {
        case EpType::Register:
            return 1 + 4 + 1 + NameSize(m);
        case EpType::Registered:
            return 4 + 1 + 4 + 2;
        case EpType::Bind:
            return AddressSize(m.local);
        case EpType::Listen:
        case EpType::Credit:
        case EpType::Error:
            return 4;
        case EpType::Accepted:
            return 4 + AddressSize(m.local) + AddressSize(m.peer);
        case EpType::Connect:
            return AddressSize(m.peer);
        case EpType::Response:
            return 4 + AddressSize(m.local) + AddressSize(m.peer) + 4;
        case EpType::Data:
            return m.payload.size();
        case EpType::Shutdown:
            return 1;
        case EpType::SetSockOpt:
            return 2 + 2 + 4;
        case EpType::GetSockOpt:
            return 2 + 2;
        case EpType::SendTo:
        case EpType::RecvFrom:
            return AddressSize(m.peer) + m.payload.size();
        case EpType::Resolve:
            return 1 + 1 + 1 + NameSize(m);
        case EpType::Resolved:
            return 4 + 1 + AddressListSize(m) + 1 + NameSize(m);
        case EpType::Socket:
        case EpType::Close:
        case EpType::Eof:
            return 0;
    }
    return 0; // unknown type: header only
}

void
WriteBody(ByteWriter& w, const EpMessage& m)
{
    switch (m.type)
    {
        case EpType::Register:
            w.WriteU8(static_cast<std::uint8_t>(m.addrMode));
            w.WriteU32(m.ipv4);
            w.WriteU8(static_cast<std::uint8_t>(NameSize(m)));
            w.WriteBytes(reinterpret_cast<const std::uint8_t*>(m.name.data()), NameSize(m));
            break;
        case EpType::Registered:
            w.WriteI32(m.error);
            w.WriteU8(static_cast<std::uint8_t>(m.addrMode));
            w.WriteU32(m.ipv4);
            w.WriteU16(m.socketLimit);
            break;
        case EpType::Bind:
            WriteAddress(w, m.local);
            break;
        case EpType::Listen:
        case EpType::Credit:
            w.WriteU32(m.value);
            break;
        case EpType::Error:
            w.WriteI32(m.error);
            break;
        case EpType::Accepted:
            w.WriteU32(m.value);
            WriteAddress(w, m.local);
            WriteAddress(w, m.peer);
            break;
        case EpType::Connect:
            WriteAddress(w, m.peer);
            break;
        case EpType::Response:
            w.WriteI32(m.error);
            WriteAddress(w, m.local);
            WriteAddress(w, m.peer);
            w.WriteI32(m.intValue);
            break;
        case EpType::Data:
            w.WriteBytes(m.payload.data(), m.payload.size());
            break;
        case EpType::Shutdown:
            w.WriteU8(m.how);
            break;
        case EpType::SetSockOpt:
            w.WriteU16(m.level);
            w.WriteU16(m.option);
            w.WriteI32(m.intValue);
            break;
        case EpType::GetSockOpt:
            w.WriteU16(m.level);
            w.WriteU16(m.option);
            break;
        case EpType::SendTo:
        case EpType::RecvFrom:
            WriteAddress(w, m.peer);
            w.WriteBytes(m.payload.data(), m.payload.size());
            break;
        case EpType::Resolve:
            w.WriteU8(m.family);
            w.WriteU8(m.resolveFlags);
            WriteName(w, m);
            break;
        case EpType::Resolved:
            w.WriteI32(m.error);
            w.WriteU8(static_cast<std::uint8_t>(AddressCount(m)));
            for (std::size_t i = 0; i < AddressCount(m); ++i)
            {
                WriteAddress(w, m.addresses[i]);
            }
            WriteName(w, m);
            break;
        case EpType::Socket:
        case EpType::Close:
        case EpType::Eof:
            break;
    }
}

/// Resets the body fields of a reused message, keeping the string/vector capacity.
void
ClearBody(EpMessage& m)
{
    m.error = 0;
    m.addrMode = EpAddrMode::NTo1;
    m.ipv4 = 0;
    m.socketLimit = 0;
    m.name.clear();
    m.value = 0;
    m.intValue = 0;
    m.how = 0;
    m.level = 0;
    m.option = 0;
    m.local = EpAddress{};
    m.peer = EpAddress{};
    m.payload.clear();
    m.family = 0;
    m.resolveFlags = 0;
    m.addresses.clear();
}

DecodeError
ReadAddrMode(std::uint8_t raw, EpAddrMode& mode)
{
    if (raw > static_cast<std::uint8_t>(EpAddrMode::OneTo1))
    {
        return DecodeError::BadField;
    }
    mode = static_cast<EpAddrMode>(raw);
    return DecodeError::Ok;
}

/// Copies everything left in `r` into `dst` (the only allocation a decode makes).
void
ReadRest(ByteReader& r, std::vector<std::uint8_t>& dst)
{
    const std::uint8_t* view = nullptr;
    const std::size_t n = r.Remaining();
    r.ReadView(n, view);
    dst.assign(view, view + n);
}

/// Resolve's body: family, flags, a non-empty name.
DecodeError
ReadResolve(ByteReader& r, EpMessage& m)
{
    if (!r.ReadU8(m.family) || !r.ReadU8(m.resolveFlags))
    {
        return kShortBody;
    }
    if ((m.family != kFamilyNone && m.family != kFamilyIpv4 && m.family != kFamilyIpv6) ||
        (m.resolveFlags & ~kEpResolveCanonName) != 0)
    {
        return DecodeError::BadField;
    }
    return ReadName(r, m.name, 1);
}

/// Resolved's body: error, addresses (count consistent with the error), canonical name.
DecodeError
ReadResolved(ByteReader& r, EpMessage& m)
{
    std::uint8_t count = 0;
    if (!r.ReadI32(m.error) || !r.ReadU8(count))
    {
        return kShortBody;
    }
    if (!ep_resolve::IsValid(m.error) || count > kEpMaxResolvedAddresses ||
        (m.error == ep_resolve::kOk) != (count > 0))
    {
        return DecodeError::BadField;
    }
    m.addresses.resize(count);
    for (EpAddress& a : m.addresses)
    {
        const DecodeError e = ReadAddress(r, a);
        if (e != DecodeError::Ok)
        {
            return e;
        }
        if (a.family == kFamilyNone)
        {
            return DecodeError::BadField;
        }
    }
    const DecodeError e = ReadName(r, m.name, 0);
    if (e == DecodeError::Ok && m.error != ep_resolve::kOk && !m.name.empty())
    {
        return DecodeError::BadField; // a failure carries neither addresses nor a name
    }
    return e;
}

/// Parses the body of `m.type` from `r`, which spans exactly the declared body.
DecodeError
ReadBody(ByteReader& r, EpMessage& m)
{
    if (IsResolveType(m.type) && (m.rsockId != 0 || m.flags != 0 || m.sockType != EpSockType::None))
    {
        return DecodeError::BadField;
    }
    if ((m.flags & kEpFlagCreditWanted) != 0 && m.type != EpType::Data)
    {
        return DecodeError::BadField;
    }
    DecodeError e = DecodeError::Ok;
    std::uint8_t u8 = 0;
    const std::uint8_t* view = nullptr;
    switch (m.type)
    {
        case EpType::Register:
            if (!r.ReadU8(u8) || !r.ReadU32(m.ipv4))
            {
                return kShortBody;
            }
            e = ReadAddrMode(u8, m.addrMode);
            if (e != DecodeError::Ok)
            {
                return e;
            }
            if (!r.ReadU8(u8) || !r.ReadView(u8, view))
            {
                return kShortBody;
            }
            m.name.assign(reinterpret_cast<const char*>(view), u8);
            break;
        case EpType::Registered:
            if (!r.ReadI32(m.error) || !r.ReadU8(u8) || !r.ReadU32(m.ipv4) ||
                !r.ReadU16(m.socketLimit))
            {
                return kShortBody;
            }
            e = ReadAddrMode(u8, m.addrMode);
            break;
        case EpType::Bind:
            e = ReadAddress(r, m.local);
            break;
        case EpType::Listen:
        case EpType::Credit:
            if (!r.ReadU32(m.value))
            {
                return kShortBody;
            }
            break;
        case EpType::Error:
            if (!r.ReadI32(m.error))
            {
                return kShortBody;
            }
            break;
        case EpType::Accepted:
            if (!r.ReadU32(m.value))
            {
                return kShortBody;
            }
            e = ReadAddress(r, m.local);
            if (e == DecodeError::Ok)
            {
                e = ReadAddress(r, m.peer);
            }
            break;
        case EpType::Connect:
            e = ReadAddress(r, m.peer);
            break;
        case EpType::Response:
            if (!r.ReadI32(m.error))
            {
                return kShortBody;
            }
            e = ReadAddress(r, m.local);
            if (e == DecodeError::Ok)
            {
                e = ReadAddress(r, m.peer);
            }
            if (e == DecodeError::Ok && !r.ReadI32(m.intValue))
            {
                return kShortBody;
            }
            break;
        case EpType::Data:
            ReadRest(r, m.payload);
            break;
        case EpType::Shutdown:
            if (!r.ReadU8(m.how))
            {
                return kShortBody;
            }
            if (m.how > kMaxShutdownHow)
            {
                return DecodeError::BadField;
            }
            break;
        case EpType::SetSockOpt:
            if (!r.ReadU16(m.level) || !r.ReadU16(m.option) || !r.ReadI32(m.intValue))
            {
                return kShortBody;
            }
            break;
        case EpType::GetSockOpt:
            if (!r.ReadU16(m.level) || !r.ReadU16(m.option))
            {
                return kShortBody;
            }
            break;
        case EpType::SendTo:
        case EpType::RecvFrom:
            e = ReadAddress(r, m.peer);
            if (e == DecodeError::Ok)
            {
                ReadRest(r, m.payload);
            }
            break;
        case EpType::Resolve:
            e = ReadResolve(r, m);
            break;
        case EpType::Resolved:
            e = ReadResolved(r, m);
            break;
        case EpType::Socket:
        case EpType::Close:
        case EpType::Eof:
            break;
    }
    if (e != DecodeError::Ok)
    {
        return e;
    }
    return r.Remaining() == 0 ? DecodeError::Ok : DecodeError::TrailingBytes;
}

/**
 * Shared decoder. `exact`: the message must fill [data, len); otherwise it may be followed by
 * more bytes. Checks run in the documented order: header Truncated, BadVersion, UnknownType,
 * header BadField, Oversized, body Truncated, TrailingBytes after the body, then the body.
 */
DecodeError
DecodeEp(
    const std::uint8_t* data, std::size_t len, bool exact, EpMessage& out, std::size_t& consumed)
{
    if (len < kEpHeaderSize)
    {
        return DecodeError::Truncated;
    }
    ByteReader h(data, kEpHeaderSize);
    std::uint8_t version = 0;
    std::uint8_t type = 0;
    std::uint8_t sockType = 0;
    std::uint32_t bodyLength = 0;
    h.ReadU8(version);
    h.ReadU8(type);
    h.ReadU8(out.flags);
    h.ReadU8(sockType);
    h.ReadU32(out.rsockId);
    h.ReadU32(out.requestId);
    h.ReadU32(bodyLength);
    if (version != kEpVersion)
    {
        return DecodeError::BadVersion;
    }
    if (!IsKnownEpType(type))
    {
        return DecodeError::UnknownType;
    }
    if ((out.flags & ~kEpKnownFlags) != 0 ||
        sockType > static_cast<std::uint8_t>(EpSockType::Dgram))
    {
        return DecodeError::BadField;
    }
    if (bodyLength > kEpMaxBody)
    {
        return DecodeError::Oversized;
    }
    const std::size_t available = len - kEpHeaderSize;
    if (available < bodyLength)
    {
        return DecodeError::Truncated;
    }
    if (exact && available > bodyLength)
    {
        return DecodeError::TrailingBytes;
    }
    out.type = static_cast<EpType>(type);
    out.sockType = static_cast<EpSockType>(sockType);
    ClearBody(out);
    ByteReader body(data + kEpHeaderSize, bodyLength);
    const DecodeError e = ReadBody(body, out);
    if (e == DecodeError::Ok)
    {
        consumed = kEpHeaderSize + bodyLength;
    }
    return e;
}

} // namespace

EpAddress
EpAddress::Ipv4(std::uint32_t hostOrderAddr, std::uint16_t port)
{
    EpAddress a;
    a.family = kFamilyIpv4;
    a.addr[0] = static_cast<std::uint8_t>(hostOrderAddr >> 24);
    a.addr[1] = static_cast<std::uint8_t>(hostOrderAddr >> 16);
    a.addr[2] = static_cast<std::uint8_t>(hostOrderAddr >> 8);
    a.addr[3] = static_cast<std::uint8_t>(hostOrderAddr);
    a.port = port;
    return a;
}

std::uint32_t
EpAddress::Ipv4HostOrder() const
{
    return (std::uint32_t{addr[0]} << 24) | (std::uint32_t{addr[1]} << 16) |
           (std::uint32_t{addr[2]} << 8) | std::uint32_t{addr[3]};
}

bool
EpAddress::operator==(const EpAddress& o) const
{
    if (family != o.family)
    {
        return false;
    }
    if (family == kFamilyNone)
    {
        return true; // carries neither address nor port
    }
    // Unknown families compare everything: they are never produced by the decoder.
    const std::size_t n = AddressBytes(family) != 0 ? AddressBytes(family) : addr.size();
    return port == o.port && std::equal(addr.begin(), addr.begin() + n, o.addr.begin());
}

bool
EpMessage::operator==(const EpMessage& o) const
{
    if (type != o.type || flags != o.flags || sockType != o.sockType || rsockId != o.rsockId ||
        requestId != o.requestId)
    {
        return false;
    }
    switch (type)
    {
        case EpType::Register:
            return addrMode == o.addrMode && ipv4 == o.ipv4 && name == o.name;
        case EpType::Registered:
            return error == o.error && addrMode == o.addrMode && ipv4 == o.ipv4 &&
                   socketLimit == o.socketLimit;
        case EpType::Bind:
            return local == o.local;
        case EpType::Listen:
        case EpType::Credit:
            return value == o.value;
        case EpType::Accepted:
            return value == o.value && local == o.local && peer == o.peer;
        case EpType::Connect:
            return peer == o.peer;
        case EpType::Response:
            return error == o.error && local == o.local && peer == o.peer && intValue == o.intValue;
        case EpType::Data:
            return payload == o.payload;
        case EpType::Shutdown:
            return how == o.how;
        case EpType::SetSockOpt:
            return level == o.level && option == o.option && intValue == o.intValue;
        case EpType::GetSockOpt:
            return level == o.level && option == o.option;
        case EpType::SendTo:
        case EpType::RecvFrom:
            return peer == o.peer && payload == o.payload;
        case EpType::Error:
            return error == o.error;
        case EpType::Resolve:
            return family == o.family && resolveFlags == o.resolveFlags && name == o.name;
        case EpType::Resolved:
            return error == o.error && name == o.name && addresses == o.addresses;
        case EpType::Socket:
        case EpType::Close:
        case EpType::Eof:
            return true;
    }
    return true; // unknown type: the header is all it has
}

std::size_t
EpEncodedSize(const EpMessage& m)
{
    return kEpHeaderSize + BodySize(m);
}

void
EncodeEpMessage(const EpMessage& m, std::vector<std::uint8_t>& out)
{
    const std::size_t bodySize = BodySize(m);
    ByteWriter w(out);
    w.Reserve(kEpHeaderSize + bodySize);
    w.WriteU8(kEpVersion);
    w.WriteU8(static_cast<std::uint8_t>(m.type));
    w.WriteU8(m.flags);
    w.WriteU8(static_cast<std::uint8_t>(m.sockType));
    w.WriteU32(m.rsockId);
    w.WriteU32(m.requestId);
    // Oversized bodies (a precondition violation) keep their true length, so the peer's
    // decoder reports Oversized instead of misframing the stream.
    w.WriteU32(static_cast<std::uint32_t>(bodySize));
    WriteBody(w, m);
}

std::vector<std::uint8_t>
EncodeEpMessage(const EpMessage& m)
{
    std::vector<std::uint8_t> out;
    EncodeEpMessage(m, out);
    return out;
}

DecodeError
DecodeEpMessage(const std::uint8_t* data, std::size_t len, EpMessage& out)
{
    std::size_t consumed = 0;
    return DecodeEp(data, len, true, out, consumed);
}

DecodeError
DecodeEpMessagePrefix(const std::uint8_t* data,
                      std::size_t len,
                      EpMessage& out,
                      std::size_t& consumed)
{
    return DecodeEp(data, len, false, out, consumed);
}

const char*
ToString(EpType t)
{
    switch (t)
    {
        case EpType::Register:
            return "Register";
        case EpType::Registered:
            return "Registered";
        case EpType::Socket:
            return "Socket";
        case EpType::Bind:
            return "Bind";
        case EpType::Listen:
            return "Listen";
        case EpType::Accepted:
            return "Accepted";
        case EpType::Connect:
            return "Connect";
        case EpType::Response:
            return "Response";
        case EpType::Data:
            return "Data";
        case EpType::Credit:
            return "Credit";
        case EpType::Shutdown:
            return "Shutdown";
        case EpType::Close:
            return "Close";
        case EpType::SetSockOpt:
            return "SetSockOpt";
        case EpType::GetSockOpt:
            return "GetSockOpt";
        case EpType::SendTo:
            return "SendTo";
        case EpType::RecvFrom:
            return "RecvFrom";
        case EpType::Error:
            return "Error";
        case EpType::Eof:
            return "Eof";
        case EpType::Resolve:
            return "Resolve";
        case EpType::Resolved:
            return "Resolved";
    }
    return "Unknown";
}

} // namespace resoa
