/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * LHP frame codec: layout, round trips for every frame type, and every decode error.
 */
#include "lhp-frame.h"
#include "wire-buffer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace resoa
{
namespace
{

const LhpFrameType kAllTypes[] = {LhpFrameType::Data,
                                  LhpFrameType::Ack,
                                  LhpFrameType::Connect,
                                  LhpFrameType::Accept,
                                  LhpFrameType::Close,
                                  LhpFrameType::Keepalive,
                                  LhpFrameType::Forward};

/// A frame of `type` with every header field distinct, so a misplaced field shows.
LhpFrame
SampleFrame(LhpFrameType type)
{
    LhpFrame f;
    f.type = type;
    f.flags = kFlagAck;
    f.channel = LhpChannel::SemiReliable;
    f.connId = 0xA1A2A3A4;
    f.seq = 0xB1B2B3B4;
    f.ack = 0xC1C2C3C4;
    f.sack = 0xD1D2D3D4;
    f.window = 0xE1E2;
    if (type == LhpFrameType::Connect || type == LhpFrameType::Accept)
    {
        EncodeConnectParams({1448, 64, 0x01020304}, f.payload);
    }
    else if (type == LhpFrameType::Data)
    {
        f.payload = {0x10, 0x20, 0x30};
    }
    return f;
}

DecodeError
Decode(const std::vector<std::uint8_t>& b, LhpFrame& out)
{
    return DecodeLhpFrame(b.data(), b.size(), out);
}

DecodeError
Decode(const std::vector<std::uint8_t>& b)
{
    LhpFrame f;
    return DecodeLhpFrame(b.data(), b.size(), f);
}

TEST(LhpFrame, HeaderLayoutIsByteExact)
{
    const std::vector<std::uint8_t> want = {
        0x01, 0x01, 0x01, 0x01, // version, type, flags, channel
        0xA1, 0xA2, 0xA3, 0xA4, // connId
        0xB1, 0xB2, 0xB3, 0xB4, // seq
        0xC1, 0xC2, 0xC3, 0xC4, // ack
        0xD1, 0xD2, 0xD3, 0xD4, // sack
        0xE1, 0xE2, 0x00, 0x03, // window, payload length
        0x10, 0x20, 0x30,       // payload
    };
    EXPECT_EQ(EncodeLhpFrame(SampleFrame(LhpFrameType::Data)), want);
}

TEST(LhpFrame, EncodeAppendsToExistingBuffer)
{
    std::vector<std::uint8_t> out = {0xAA};
    EncodeLhpFrame(SampleFrame(LhpFrameType::Ack), out);
    ASSERT_EQ(out.size(), 1 + kLhpHeaderSize);
    EXPECT_EQ(out[0], 0xAA);
    EXPECT_EQ(out[1], kLhpVersion);
    EXPECT_EQ(out[2], static_cast<std::uint8_t>(LhpFrameType::Ack));
}

TEST(LhpFrame, EveryTypeRoundTrips)
{
    for (LhpFrameType type : kAllTypes)
    {
        SCOPED_TRACE(ToString(type));
        const LhpFrame f = SampleFrame(type);
        const auto bytes = EncodeLhpFrame(f);
        ASSERT_EQ(bytes.size(), kLhpHeaderSize + f.payload.size());
        EXPECT_EQ(bytes[1], static_cast<std::uint8_t>(type));
        LhpFrame g;
        ASSERT_EQ(Decode(bytes, g), DecodeError::Ok);
        EXPECT_TRUE(g == f);
        EXPECT_EQ(g.type, type);
        EXPECT_EQ(g.connId, 0xA1A2A3A4u);
        EXPECT_EQ(g.window, 0xE1E2);
        EXPECT_EQ(EncodeLhpFrame(g), bytes);
    }
}

TEST(LhpFrame, AllFlagAndChannelCombinationsRoundTrip)
{
    for (std::uint8_t flags = 0; flags <= (kFlagAck | kFlagResponse); ++flags)
    {
        for (LhpChannel ch : {LhpChannel::Reliable, LhpChannel::SemiReliable})
        {
            LhpFrame f = SampleFrame(LhpFrameType::Keepalive);
            f.flags = flags;
            f.channel = ch;
            LhpFrame g;
            ASSERT_EQ(Decode(EncodeLhpFrame(f), g), DecodeError::Ok);
            EXPECT_EQ(g.flags, flags);
            EXPECT_EQ(g.channel, ch);
            EXPECT_EQ(g.HasAck(), (flags & kFlagAck) != 0);
        }
    }
}

TEST(LhpFrame, MaxPayloadRoundTripsAndOneMoreIsOversized)
{
    LhpFrame f = SampleFrame(LhpFrameType::Data);
    f.payload.assign(kLhpMaxPayload, 0x5A);
    f.payload.back() = 0x77;
    LhpFrame g;
    ASSERT_EQ(Decode(EncodeLhpFrame(f), g), DecodeError::Ok);
    EXPECT_EQ(g.payload.size(), kLhpMaxPayload);
    EXPECT_EQ(g.payload.back(), 0x77);

    f.payload.push_back(0);
    EXPECT_EQ(Decode(EncodeLhpFrame(f)), DecodeError::Oversized);
}

TEST(LhpFrame, EncoderClampsToTheLengthField)
{
    // A precondition violation must still give a self-consistent frame, never a wrapped length.
    LhpFrame f = SampleFrame(LhpFrameType::Data);
    f.payload.assign(70000, 1);
    const auto bytes = EncodeLhpFrame(f);
    ASSERT_EQ(bytes.size(), kLhpHeaderSize + 0xFFFF);
    EXPECT_EQ(bytes[22], 0xFF);
    EXPECT_EQ(bytes[23], 0xFF);
    EXPECT_EQ(Decode(bytes), DecodeError::Oversized);
}

TEST(LhpFrame, EveryPrefixIsTruncated)
{
    for (LhpFrameType type : kAllTypes)
    {
        SCOPED_TRACE(ToString(type));
        const auto bytes = EncodeLhpFrame(SampleFrame(type));
        for (std::size_t n = 0; n < bytes.size(); ++n)
        {
            // A fresh copy, so ASan would flag any read at or past n.
            const std::vector<std::uint8_t> prefix(bytes.begin(), bytes.begin() + n);
            LhpFrame g;
            EXPECT_EQ(DecodeLhpFrame(prefix.data(), n, g), DecodeError::Truncated)
                << "prefix length " << n;
        }
    }
    LhpFrame f;
    EXPECT_EQ(DecodeLhpFrame(nullptr, 0, f), DecodeError::Truncated);
}

TEST(LhpFrame, BadVersion)
{
    for (std::uint8_t v : {0, 2, 255})
    {
        auto bytes = EncodeLhpFrame(SampleFrame(LhpFrameType::Ack));
        bytes[0] = v;
        EXPECT_EQ(Decode(bytes), DecodeError::BadVersion) << int(v);
    }
}

TEST(LhpFrame, UnknownType)
{
    for (std::uint8_t t : {0, 8, 9, 128, 255})
    {
        auto bytes = EncodeLhpFrame(SampleFrame(LhpFrameType::Ack));
        bytes[1] = t;
        EXPECT_EQ(Decode(bytes), DecodeError::UnknownType) << int(t);
    }
}

TEST(LhpFrame, BadChannelAndEveryUndefinedFlagBit)
{
    for (std::uint8_t ch : {2, 3, 255})
    {
        auto bytes = EncodeLhpFrame(SampleFrame(LhpFrameType::Data));
        bytes[3] = ch;
        EXPECT_EQ(Decode(bytes), DecodeError::BadField) << "channel " << int(ch);
    }
    for (int bit = 2; bit < 8; ++bit)
    {
        auto bytes = EncodeLhpFrame(SampleFrame(LhpFrameType::Data));
        bytes[2] |= static_cast<std::uint8_t>(1u << bit);
        EXPECT_EQ(Decode(bytes), DecodeError::BadField) << "flag bit " << bit;
    }
}

TEST(LhpFrame, OversizedLengthIsReportedFromTheHeaderAlone)
{
    for (std::uint16_t len : {std::uint16_t{9001}, std::uint16_t{0xFFFF}})
    {
        auto bytes = EncodeLhpFrame(SampleFrame(LhpFrameType::Close));
        bytes[22] = static_cast<std::uint8_t>(len >> 8);
        bytes[23] = static_cast<std::uint8_t>(len);
        EXPECT_EQ(Decode(bytes), DecodeError::Oversized) << len;
    }
}

TEST(LhpFrame, TrailingBytes)
{
    auto bytes = EncodeLhpFrame(SampleFrame(LhpFrameType::Data));
    bytes.push_back(0);
    EXPECT_EQ(Decode(bytes), DecodeError::TrailingBytes);
    // Ethernet minimum-size padding left in place is an error, not silently ignored.
    auto padded = EncodeLhpFrame(SampleFrame(LhpFrameType::Keepalive));
    padded.resize(46, 0);
    EXPECT_EQ(Decode(padded), DecodeError::TrailingBytes);
}

TEST(LhpFrame, ErrorPrecedenceFollowsTheHeaderOrder)
{
    auto bytes = EncodeLhpFrame(SampleFrame(LhpFrameType::Data));
    bytes[3] = 9;     // bad channel
    bytes[22] = 0xFF; // oversized
    bytes.pop_back(); // and short
    EXPECT_EQ(Decode(bytes), DecodeError::BadField);
    bytes[1] = 0; // unknown type wins over bad channel
    EXPECT_EQ(Decode(bytes), DecodeError::UnknownType);
    bytes[0] = 7; // bad version wins over everything after it
    EXPECT_EQ(Decode(bytes), DecodeError::BadVersion);

    auto shortPayload = EncodeLhpFrame(SampleFrame(LhpFrameType::Data));
    shortPayload[22] = 0x23; // 9001: Oversized, although the payload is also missing
    shortPayload[23] = 0x29;
    EXPECT_EQ(Decode(shortPayload), DecodeError::Oversized);
}

TEST(LhpFrame, DecodeIntoReusedFrameReplacesPayload)
{
    LhpFrame g;
    ASSERT_EQ(Decode(EncodeLhpFrame(SampleFrame(LhpFrameType::Connect)), g), DecodeError::Ok);
    ASSERT_EQ(g.payload.size(), kLhpConnectParamsSize);
    ASSERT_EQ(Decode(EncodeLhpFrame(SampleFrame(LhpFrameType::Ack)), g), DecodeError::Ok);
    EXPECT_TRUE(g.payload.empty());
    EXPECT_EQ(g.type, LhpFrameType::Ack);
}

TEST(LhpFrame, EqualityCoversEveryField)
{
    const LhpFrame base = SampleFrame(LhpFrameType::Data);
    EXPECT_TRUE(base == base);
    std::vector<LhpFrame> variants(10, base);
    variants[0].version = 2;
    variants[1].type = LhpFrameType::Forward;
    variants[2].flags = 0;
    variants[3].channel = LhpChannel::Reliable;
    variants[4].connId ^= 1;
    variants[5].seq ^= 1;
    variants[6].ack ^= 1;
    variants[7].sack ^= 1;
    variants[8].window ^= 1;
    variants[9].payload.push_back(0);
    for (std::size_t i = 0; i < variants.size(); ++i)
    {
        EXPECT_FALSE(variants[i] == base) << "field " << i;
    }
}

TEST(LhpFrame, FramedLengthStripsPadding)
{
    auto bytes = EncodeLhpFrame(SampleFrame(LhpFrameType::Data)); // 24 + 3
    bytes.resize(46, 0);                                          // padded by the NIC
    const std::size_t n = LhpFramedLength(bytes.data(), bytes.size());
    ASSERT_EQ(n, kLhpHeaderSize + 3);
    LhpFrame g;
    EXPECT_EQ(DecodeLhpFrame(bytes.data(), n, g), DecodeError::Ok);
    EXPECT_TRUE(g == SampleFrame(LhpFrameType::Data));
}

TEST(LhpFrame, FramedLengthReportsDeclaredLengthOrZero)
{
    auto bytes = EncodeLhpFrame(SampleFrame(LhpFrameType::Data));
    // Short buffer: the declared size, larger than what is there.
    EXPECT_EQ(LhpFramedLength(bytes.data(), kLhpHeaderSize), kLhpHeaderSize + 3);
    EXPECT_EQ(LhpFramedLength(bytes.data(), kLhpHeaderSize - 1), 0u);
    EXPECT_EQ(LhpFramedLength(nullptr, 0), 0u);
    auto wrongVersion = bytes;
    wrongVersion[0] = 4;
    EXPECT_EQ(LhpFramedLength(wrongVersion.data(), wrongVersion.size()), 0u);
    auto oversized = bytes;
    oversized[22] = 0x30;
    EXPECT_EQ(LhpFramedLength(oversized.data(), oversized.size()), 0u);
}

TEST(LhpConnectParams, LayoutAndRoundTrip)
{
    std::vector<std::uint8_t> out;
    EncodeConnectParams({0x05A8, 0x0040, 0xCAFEF00D}, out);
    EXPECT_EQ(out, (std::vector<std::uint8_t>{0x05, 0xA8, 0x00, 0x40, 0xCA, 0xFE, 0xF0, 0x0D}));
    LhpConnectParams p;
    ASSERT_EQ(DecodeConnectParams(out.data(), out.size(), p), DecodeError::Ok);
    EXPECT_EQ(p.maxPayload, 1448);
    EXPECT_EQ(p.window, 64);
    EXPECT_EQ(p.nonce, 0xCAFEF00Du);
}

TEST(LhpConnectParams, TruncatedAndTrailing)
{
    std::vector<std::uint8_t> out;
    EncodeConnectParams({1, 2, 3}, out);
    LhpConnectParams p;
    for (std::size_t n = 0; n < out.size(); ++n)
    {
        const std::vector<std::uint8_t> prefix(out.begin(), out.begin() + n);
        EXPECT_EQ(DecodeConnectParams(prefix.data(), n, p), DecodeError::Truncated) << n;
    }
    out.push_back(0);
    EXPECT_EQ(DecodeConnectParams(out.data(), out.size(), p), DecodeError::TrailingBytes);
}

// The shared bounds-checked buffer both codecs are built on.
TEST(WireBuffer, WriterIsBigEndianAndAppends)
{
    std::vector<std::uint8_t> out = {0xEE};
    ByteWriter w(out);
    w.WriteU8(0x01);
    w.WriteU16(0x0203);
    w.WriteU32(0x04050607);
    w.WriteI32(-2);
    const std::uint8_t raw[] = {0x08, 0x09};
    w.WriteBytes(raw, 2);
    w.WriteBytes(nullptr, 0);
    EXPECT_EQ(
        out,
        (std::vector<std::uint8_t>{
            0xEE, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xFF, 0xFF, 0xFF, 0xFE, 0x08, 0x09}));
}

TEST(WireBuffer, ReaderFailsStickilyWithoutAdvancing)
{
    const std::uint8_t in[] = {0x01, 0x02, 0x03, 0xFF, 0xFF, 0xFF, 0xFE};
    ByteReader r(in, sizeof(in));
    std::uint16_t u16 = 0;
    std::int32_t i32 = 0;
    ASSERT_TRUE(r.ReadU16(u16));
    EXPECT_EQ(u16, 0x0102);
    std::uint8_t u8 = 0;
    ASSERT_TRUE(r.ReadU8(u8));
    EXPECT_EQ(u8, 0x03);
    ASSERT_TRUE(r.ReadI32(i32));
    EXPECT_EQ(i32, -2);
    EXPECT_EQ(r.Remaining(), 0u);
    EXPECT_TRUE(r.Ok());

    ByteReader s(in, 3);
    std::uint32_t u32 = 0xDEADBEEF;
    EXPECT_FALSE(s.ReadU32(u32));
    EXPECT_EQ(u32, 0xDEADBEEFu); // untouched on failure
    EXPECT_EQ(s.Position(), 0u);
    EXPECT_FALSE(s.Ok());
    EXPECT_FALSE(s.ReadU8(u8)); // sticky: even a read that would fit now fails
    std::uint8_t dst[4] = {};
    EXPECT_FALSE(s.ReadInto(dst, 1));

    ByteReader empty(nullptr, 0);
    const std::uint8_t* view = in;
    EXPECT_TRUE(empty.ReadView(0, view));
    EXPECT_FALSE(empty.ReadU8(u8));
}

TEST(WireBuffer, AppendingManyFramesGrowsGeometrically)
{
    // Encoders reserve before writing; an exact-size reserve per frame would reallocate on
    // every append and make building a burst of frames quadratic.
    std::vector<std::uint8_t> out;
    const LhpFrame f = SampleFrame(LhpFrameType::Ack);
    int reallocations = 0;
    for (int i = 0; i < 10000; ++i)
    {
        const std::size_t before = out.capacity();
        EncodeLhpFrame(f, out);
        reallocations += out.capacity() != before ? 1 : 0;
    }
    EXPECT_EQ(out.size(), 10000 * kLhpHeaderSize);
    EXPECT_LT(reallocations, 40);
}

TEST(LhpFrame, Names)
{
    EXPECT_STREQ(ToString(LhpFrameType::Data), "Data");
    EXPECT_STREQ(ToString(LhpFrameType::Ack), "Ack");
    EXPECT_STREQ(ToString(LhpFrameType::Connect), "Connect");
    EXPECT_STREQ(ToString(LhpFrameType::Accept), "Accept");
    EXPECT_STREQ(ToString(LhpFrameType::Close), "Close");
    EXPECT_STREQ(ToString(LhpFrameType::Keepalive), "Keepalive");
    EXPECT_STREQ(ToString(LhpFrameType::Forward), "Forward");
    EXPECT_STREQ(ToString(static_cast<LhpFrameType>(99)), "Unknown");
    EXPECT_STREQ(ToString(DecodeError::Ok), "Ok");
    EXPECT_STREQ(ToString(DecodeError::Truncated), "Truncated");
    EXPECT_STREQ(ToString(DecodeError::BadVersion), "BadVersion");
    EXPECT_STREQ(ToString(DecodeError::UnknownType), "UnknownType");
    EXPECT_STREQ(ToString(DecodeError::Oversized), "Oversized");
    EXPECT_STREQ(ToString(DecodeError::TrailingBytes), "TrailingBytes");
    EXPECT_STREQ(ToString(DecodeError::BadField), "BadField");
    EXPECT_STREQ(ToString(static_cast<DecodeError>(99)), "Unknown");
}

} // namespace
} // namespace resoa
