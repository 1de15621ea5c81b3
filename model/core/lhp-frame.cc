/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "lhp-frame.h"

#include "wire-buffer.h"

#include <algorithm>

namespace resoa
{

namespace
{

/// Every flag bit version 1 defines; any other bit is BadField.
constexpr std::uint8_t kLhpKnownFlags = kFlagAck | kFlagResponse;

/// The u16 length field bounds what an encoder can frame at all.
constexpr std::size_t kLhpLengthFieldMax = 0xFFFF;

bool
IsKnownLhpType(std::uint8_t t)
{
    return t >= static_cast<std::uint8_t>(LhpFrameType::Data) &&
           t <= static_cast<std::uint8_t>(LhpFrameType::Forward);
}

/**
 * Reads and validates the fixed header into `out` (all but the payload). The checks run in
 * the documented order, so a frame with several defects always reports the same error.
 */
DecodeError
DecodeLhpHeader(const std::uint8_t* data, std::size_t len, LhpFrame& out, std::uint16_t& payloadLen)
{
    if (len < kLhpHeaderSize)
    {
        return DecodeError::Truncated;
    }
    ByteReader r(data, kLhpHeaderSize);
    std::uint8_t type = 0;
    std::uint8_t channel = 0;
    r.ReadU8(out.version);
    r.ReadU8(type);
    r.ReadU8(out.flags);
    r.ReadU8(channel);
    r.ReadU32(out.connId);
    r.ReadU32(out.seq);
    r.ReadU32(out.ack);
    r.ReadU32(out.sack);
    r.ReadU16(out.window);
    r.ReadU16(payloadLen);
    if (out.version != kLhpVersion)
    {
        return DecodeError::BadVersion;
    }
    if (!IsKnownLhpType(type))
    {
        return DecodeError::UnknownType;
    }
    if (channel >= kLhpChannelCount || (out.flags & ~kLhpKnownFlags) != 0)
    {
        return DecodeError::BadField;
    }
    if (payloadLen > kLhpMaxPayload)
    {
        return DecodeError::Oversized;
    }
    out.type = static_cast<LhpFrameType>(type);
    out.channel = static_cast<LhpChannel>(channel);
    return DecodeError::Ok;
}

} // namespace

bool
LhpFrame::operator==(const LhpFrame& o) const
{
    // Every header field is carried verbatim, so all of them take part.
    return version == o.version && type == o.type && flags == o.flags && channel == o.channel &&
           connId == o.connId && seq == o.seq && ack == o.ack && sack == o.sack &&
           window == o.window && payload == o.payload;
}

void
EncodeLhpFrame(const LhpFrame& f, std::vector<std::uint8_t>& out)
{
    // Precondition violations still yield a self-consistent frame (length field == bytes
    // that follow, clamped to what u16 can say), which the decoder rejects as Oversized.
    const std::size_t n = std::min(f.payload.size(), kLhpLengthFieldMax);
    ByteWriter w(out);
    w.Reserve(kLhpHeaderSize + n);
    w.WriteU8(f.version);
    w.WriteU8(static_cast<std::uint8_t>(f.type));
    w.WriteU8(f.flags);
    w.WriteU8(static_cast<std::uint8_t>(f.channel));
    w.WriteU32(f.connId);
    w.WriteU32(f.seq);
    w.WriteU32(f.ack);
    w.WriteU32(f.sack);
    w.WriteU16(f.window);
    w.WriteU16(static_cast<std::uint16_t>(n));
    w.WriteBytes(f.payload.data(), n);
}

std::vector<std::uint8_t>
EncodeLhpFrame(const LhpFrame& f)
{
    std::vector<std::uint8_t> out;
    EncodeLhpFrame(f, out);
    return out;
}

DecodeError
DecodeLhpFrame(const std::uint8_t* data, std::size_t len, LhpFrame& out)
{
    std::uint16_t payloadLen = 0;
    const DecodeError e = DecodeLhpHeader(data, len, out, payloadLen);
    if (e != DecodeError::Ok)
    {
        return e;
    }
    const std::size_t rest = len - kLhpHeaderSize;
    if (rest < payloadLen)
    {
        return DecodeError::Truncated;
    }
    if (rest > payloadLen)
    {
        return DecodeError::TrailingBytes;
    }
    const std::uint8_t* p = data + kLhpHeaderSize;
    out.payload.assign(p, p + payloadLen); // keeps the capacity of a reused frame
    return DecodeError::Ok;
}

std::size_t
LhpFramedLength(const std::uint8_t* data, std::size_t len)
{
    LhpFrame header;
    std::uint16_t payloadLen = 0;
    if (DecodeLhpHeader(data, len, header, payloadLen) != DecodeError::Ok)
    {
        return 0;
    }
    return kLhpHeaderSize + payloadLen;
}

void
EncodeConnectParams(const LhpConnectParams& p, std::vector<std::uint8_t>& out)
{
    ByteWriter w(out);
    w.Reserve(kLhpConnectParamsSize);
    w.WriteU16(p.maxPayload);
    w.WriteU16(p.window);
    w.WriteU32(p.nonce);
}

DecodeError
DecodeConnectParams(const std::uint8_t* data, std::size_t len, LhpConnectParams& out)
{
    if (len < kLhpConnectParamsSize)
    {
        return DecodeError::Truncated;
    }
    if (len > kLhpConnectParamsSize)
    {
        return DecodeError::TrailingBytes;
    }
    ByteReader r(data, len);
    r.ReadU16(out.maxPayload);
    r.ReadU16(out.window);
    r.ReadU32(out.nonce);
    return DecodeError::Ok;
}

const char*
ToString(LhpFrameType t)
{
    switch (t)
    {
        case LhpFrameType::Data:
            return "Data";
        case LhpFrameType::Ack:
            return "Ack";
        case LhpFrameType::Connect:
            return "Connect";
        case LhpFrameType::Accept:
            return "Accept";
        case LhpFrameType::Close:
            return "Close";
        case LhpFrameType::Keepalive:
            return "Keepalive";
        case LhpFrameType::Forward:
            return "Forward";
    }
    return "Unknown";
}

} // namespace resoa
