/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * EP message codec: layout, round trips for every message type, stream decoding, and every
 * decode error.
 */
#include "ep-message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace resoa
{
namespace
{

constexpr int kFirstType = static_cast<int>(EpType::Register);
constexpr int kLastType = static_cast<int>(EpType::Resolved);

EpAddress
SampleV6()
{
    EpAddress a;
    a.family = 6;
    for (std::size_t i = 0; i < a.addr.size(); ++i)
    {
        a.addr[i] = static_cast<std::uint8_t>(0xF0 + i);
    }
    a.port = 0xBEEF;
    return a;
}

/// A message of `type` whose carried fields all hold distinctive non-default values.
EpMessage
SampleMessage(EpType type)
{
    EpMessage m;
    m.type = type;
    m.flags = kEpFlagCreate;
    m.sockType = EpSockType::Stream;
    m.rsockId = 0x0A0B0C0D;
    m.requestId = 0x11121314;
    switch (type)
    {
        case EpType::Register:
            m.addrMode = EpAddrMode::OneTo1;
            m.ipv4 = 0xC0000201;
            m.name = "client-1";
            break;
        case EpType::Registered:
            m.error = -5;
            m.addrMode = EpAddrMode::OneTo1;
            m.ipv4 = 0xCB007101;
            m.socketLimit = 1000;
            break;
        case EpType::Bind:
            m.local = EpAddress::Ipv4(0x0A000002, 8080);
            break;
        case EpType::Listen:
        case EpType::Credit:
            m.value = 0xFEDCBA98;
            break;
        case EpType::Accepted:
            m.value = kServerRsockBase + 7;
            m.local = EpAddress::Ipv4(0xCB007101, 80);
            m.peer = SampleV6();
            break;
        case EpType::Connect:
            m.peer = SampleV6();
            break;
        case EpType::Response:
            m.error = ep_errno::kEconnrefused;
            m.local = EpAddress::Ipv4(0x01020304, 1);
            m.peer = EpAddress::Ipv4(0x05060708, 2);
            m.intValue = -123456;
            break;
        case EpType::Data:
            m.payload = {1, 2, 3, 4, 5};
            break;
        case EpType::Shutdown:
            m.how = 2;
            break;
        case EpType::SetSockOpt:
            m.level = 0x0102;
            m.option = 0x0304;
            m.intValue = -1;
            break;
        case EpType::GetSockOpt:
            m.level = 0x0506;
            m.option = 0x0708;
            break;
        case EpType::SendTo:
        case EpType::RecvFrom:
            m.peer = EpAddress::Ipv4(0xC6336407, 53);
            m.payload = {9, 8, 7};
            break;
        case EpType::Error:
            m.error = ep_errno::kEconnreset;
            break;
        case EpType::Resolve:
            m.family = 6;
            m.resolveFlags = kEpResolveCanonName;
            m.name = "www.example.test";
            break;
        case EpType::Resolved:
            m.addresses = {EpAddress::Ipv4(0xC6336402, 0), SampleV6()};
            m.name = "x";
            break;
        case EpType::Socket:
        case EpType::Close:
        case EpType::Eof:
            break;
    }
    if (type == EpType::Resolve || type == EpType::Resolved)
    {
        m.flags = 0; // they name no socket: these header fields must be zero
        m.sockType = EpSockType::None;
        m.rsockId = 0;
    }
    return m;
}

DecodeError
Decode(const std::vector<std::uint8_t>& b, EpMessage& out)
{
    return DecodeEpMessage(b.data(), b.size(), out);
}

DecodeError
Decode(const std::vector<std::uint8_t>& b)
{
    EpMessage m;
    return DecodeEpMessage(b.data(), b.size(), m);
}

void
SetBodyLength(std::vector<std::uint8_t>& b, std::uint32_t n)
{
    b[12] = static_cast<std::uint8_t>(n >> 24);
    b[13] = static_cast<std::uint8_t>(n >> 16);
    b[14] = static_cast<std::uint8_t>(n >> 8);
    b[15] = static_cast<std::uint8_t>(n);
}

TEST(EpMessage, HeaderLayoutIsByteExact)
{
    const std::vector<std::uint8_t> want = {
        0x01, 0x05, 0x01, 0x01, // version, type=Listen, flags=Create, sockType=Stream
        0x0A, 0x0B, 0x0C, 0x0D, // rsockId
        0x11, 0x12, 0x13, 0x14, // requestId
        0x00, 0x00, 0x00, 0x04, // bodyLength
        0xFE, 0xDC, 0xBA, 0x98, // backlog
    };
    EXPECT_EQ(EncodeEpMessage(SampleMessage(EpType::Listen)), want);
}

TEST(EpMessage, BodyLayouts)
{
    // Response: i32 error, IPv4 local, IPv4 peer, i32 value.
    const auto r = EncodeEpMessage(SampleMessage(EpType::Response));
    const std::vector<std::uint8_t> rBody = {0x00, 0x00, 0x00, 0x6F, 0x04, 0x01, 0x02, 0x03,
                                             0x04, 0x00, 0x01, 0x04, 0x05, 0x06, 0x07, 0x08,
                                             0x00, 0x02, 0xFF, 0xFE, 0x1D, 0xC0};
    EXPECT_EQ(std::vector<std::uint8_t>(r.begin() + kEpHeaderSize, r.end()), rBody);

    // Register: u8 addrMode, u32 requested address, u8 nameLen, name.
    const auto g = EncodeEpMessage(SampleMessage(EpType::Register));
    const std::vector<std::uint8_t> gBody = {
        0x01, 0xC0, 0x00, 0x02, 0x01, 0x08, 'c', 'l', 'i', 'e', 'n', 't', '-', '1'};
    EXPECT_EQ(std::vector<std::uint8_t>(g.begin() + kEpHeaderSize, g.end()), gBody);

    // Connect with IPv6: family 6, 16 address bytes, port.
    const auto c = EncodeEpMessage(SampleMessage(EpType::Connect));
    ASSERT_EQ(c.size(), kEpHeaderSize + 19);
    EXPECT_EQ(c[16], 6);
    EXPECT_EQ(c[17], 0xF0);
    EXPECT_EQ(c[32], 0xFF);
    EXPECT_EQ(c[33], 0xBE);
    EXPECT_EQ(c[34], 0xEF);
}

TEST(EpMessage, EveryTypeRoundTrips)
{
    for (int t = kFirstType; t <= kLastType; ++t)
    {
        const auto type = static_cast<EpType>(t);
        SCOPED_TRACE(ToString(type));
        const EpMessage m = SampleMessage(type);
        const auto bytes = EncodeEpMessage(m);
        ASSERT_EQ(bytes.size(), EpEncodedSize(m));
        EXPECT_EQ(bytes[1], t);
        EXPECT_EQ(bytes.size() - kEpHeaderSize,
                  (std::size_t{bytes[14]} << 8) | bytes[15]); // bodyLength
        EpMessage d;
        ASSERT_EQ(Decode(bytes, d), DecodeError::Ok);
        EXPECT_TRUE(d == m);
        EXPECT_EQ(d.rsockId, m.rsockId);
        EXPECT_EQ(d.requestId, 0x11121314u);
        EXPECT_EQ(EncodeEpMessage(d), bytes);
    }
}

TEST(EpMessage, AddressFamiliesRoundTripInEveryAddressSlot)
{
    const EpAddress none;
    const EpAddress v4 = EpAddress::Ipv4(0x7F000001, 65535);
    const EpAddress v6 = SampleV6();
    for (const EpAddress& a : {none, v4, v6})
    {
        for (EpType t : {EpType::Bind,
                         EpType::Accepted,
                         EpType::Connect,
                         EpType::Response,
                         EpType::SendTo,
                         EpType::RecvFrom})
        {
            EpMessage m = SampleMessage(t);
            m.local = a;
            m.peer = a;
            EpMessage d;
            ASSERT_EQ(Decode(EncodeEpMessage(m), d), DecodeError::Ok) << ToString(t);
            EXPECT_TRUE(d == m) << ToString(t) << " family " << int(a.family);
        }
    }
}

TEST(EpMessage, MaxBodyRoundTripsAndOneMoreIsOversized)
{
    EpMessage m = SampleMessage(EpType::Data);
    m.payload.assign(kEpMaxBody, 0x42);
    EpMessage d;
    ASSERT_EQ(Decode(EncodeEpMessage(m), d), DecodeError::Ok);
    EXPECT_EQ(d.payload.size(), kEpMaxBody);

    m.payload.push_back(0);
    EXPECT_EQ(Decode(EncodeEpMessage(m)), DecodeError::Oversized);

    // SendTo counts the address against the same limit.
    EpMessage s = SampleMessage(EpType::SendTo);
    s.payload.assign(kEpMaxBody - 7, 0);
    ASSERT_EQ(EpEncodedSize(s), kEpHeaderSize + kEpMaxBody);
    EXPECT_EQ(Decode(EncodeEpMessage(s)), DecodeError::Ok);
    s.payload.push_back(0);
    EXPECT_EQ(Decode(EncodeEpMessage(s)), DecodeError::Oversized);
}

TEST(EpMessage, RegisterNameLimits)
{
    EpMessage m = SampleMessage(EpType::Register);
    m.name.assign(kEpMaxName, 'x');
    EpMessage d;
    ASSERT_EQ(Decode(EncodeEpMessage(m), d), DecodeError::Ok);
    EXPECT_EQ(d.name.size(), kEpMaxName);

    m.name.clear();
    ASSERT_EQ(Decode(EncodeEpMessage(m), d), DecodeError::Ok);
    EXPECT_EQ(d.name, "");

    // Names with NUL and high bytes are carried as they are.
    m.name = std::string("a\0\xff", 3);
    ASSERT_EQ(Decode(EncodeEpMessage(m), d), DecodeError::Ok);
    EXPECT_EQ(d.name, m.name);

    // Over-long names (a precondition violation) are cut to what the u8 length can say.
    m.name.assign(300, 'y');
    const auto bytes = EncodeEpMessage(m);
    EXPECT_EQ(bytes.size(), EpEncodedSize(m));
    ASSERT_EQ(Decode(bytes, d), DecodeError::Ok);
    EXPECT_EQ(d.name, std::string(kEpMaxName, 'y'));
}

TEST(EpMessage, EveryPrefixIsTruncated)
{
    for (int t = kFirstType; t <= kLastType; ++t)
    {
        const auto type = static_cast<EpType>(t);
        SCOPED_TRACE(ToString(type));
        const auto bytes = EncodeEpMessage(SampleMessage(type));
        for (std::size_t n = 0; n < bytes.size(); ++n)
        {
            const std::vector<std::uint8_t> prefix(bytes.begin(), bytes.begin() + n);
            EpMessage d;
            std::size_t consumed = 12345;
            EXPECT_EQ(DecodeEpMessage(prefix.data(), n, d), DecodeError::Truncated) << n;
            EXPECT_EQ(DecodeEpMessagePrefix(prefix.data(), n, d, consumed), DecodeError::Truncated)
                << n;
            EXPECT_EQ(consumed, 12345u) << "consumed must not change on error";
        }
    }
    EpMessage d;
    EXPECT_EQ(DecodeEpMessage(nullptr, 0, d), DecodeError::Truncated);
}

TEST(EpMessage, BadVersion)
{
    for (std::uint8_t v : {0, 2, 255})
    {
        auto bytes = EncodeEpMessage(SampleMessage(EpType::Close));
        bytes[0] = v;
        EXPECT_EQ(Decode(bytes), DecodeError::BadVersion) << int(v);
    }
}

TEST(EpMessage, UnknownType)
{
    for (std::uint8_t t : {0, 21, 22, 200, 255})
    {
        auto bytes = EncodeEpMessage(SampleMessage(EpType::Close));
        bytes[1] = t;
        EXPECT_EQ(Decode(bytes), DecodeError::UnknownType) << int(t);
    }
}

TEST(EpMessage, BadHeaderFields)
{
    for (int bit = 1; bit < 8; ++bit)
    {
        auto bytes = EncodeEpMessage(SampleMessage(EpType::Close));
        bytes[2] |= static_cast<std::uint8_t>(1u << bit);
        EXPECT_EQ(Decode(bytes), DecodeError::BadField) << "flag bit " << bit;
    }
    for (std::uint8_t st : {3, 4, 255})
    {
        auto bytes = EncodeEpMessage(SampleMessage(EpType::Socket));
        bytes[3] = st;
        EXPECT_EQ(Decode(bytes), DecodeError::BadField) << "sockType " << int(st);
    }
}

TEST(EpMessage, OversizedBodyLengthIsReportedFromTheHeaderAlone)
{
    for (std::uint32_t n : {kEpMaxBody + 1, 0x7FFFFFFFu, 0xFFFFFFFFu})
    {
        auto bytes = EncodeEpMessage(SampleMessage(EpType::Data));
        SetBodyLength(bytes, n);
        EXPECT_EQ(Decode(bytes), DecodeError::Oversized) << n;
        EpMessage d;
        std::size_t consumed = 0;
        EXPECT_EQ(DecodeEpMessagePrefix(bytes.data(), bytes.size(), d, consumed),
                  DecodeError::Oversized);
    }
}

TEST(EpMessage, TrailingBytesAfterTheMessage)
{
    for (int t = kFirstType; t <= kLastType; ++t)
    {
        auto bytes = EncodeEpMessage(SampleMessage(static_cast<EpType>(t)));
        bytes.push_back(0);
        EXPECT_EQ(Decode(bytes), DecodeError::TrailingBytes) << t;
    }
}

TEST(EpMessage, BodyLongerThanTheTypeIsTrailingBytes)
{
    // Types whose body ends at a known point: one extra byte inside the declared body.
    for (EpType t : {EpType::Register,
                     EpType::Registered,
                     EpType::Socket,
                     EpType::Bind,
                     EpType::Listen,
                     EpType::Accepted,
                     EpType::Connect,
                     EpType::Response,
                     EpType::Credit,
                     EpType::Shutdown,
                     EpType::Close,
                     EpType::SetSockOpt,
                     EpType::GetSockOpt,
                     EpType::Error,
                     EpType::Eof,
                     EpType::Resolve,
                     EpType::Resolved})
    {
        auto bytes = EncodeEpMessage(SampleMessage(t));
        bytes.push_back(0);
        SetBodyLength(bytes, static_cast<std::uint32_t>(bytes.size() - kEpHeaderSize));
        EXPECT_EQ(Decode(bytes), DecodeError::TrailingBytes) << ToString(t);
    }
}

TEST(EpMessage, BodyShorterThanTheTypeIsBadField)
{
    // The declared body is all there but too short for the type's fields: more bytes cannot
    // fix it, so it is BadField, never Truncated (a stream decoder would wait forever).
    for (int t = kFirstType; t <= kLastType; ++t)
    {
        const auto type = static_cast<EpType>(t);
        const auto full = EncodeEpMessage(SampleMessage(type));
        const std::size_t body = full.size() - kEpHeaderSize;
        if (type == EpType::Data || body == 0)
        {
            continue; // any length is valid / nothing to cut
        }
        for (std::size_t cut = 1; cut <= body; ++cut)
        {
            auto bytes = full;
            bytes.resize(full.size() - cut);
            SetBodyLength(bytes, static_cast<std::uint32_t>(body - cut));
            const DecodeError e = Decode(bytes);
            if (type == EpType::SendTo || type == EpType::RecvFrom)
            {
                // Cutting only payload bytes leaves a valid, shorter datagram.
                const bool cutsPayload = cut <= 3;
                EXPECT_EQ(e, cutsPayload ? DecodeError::Ok : DecodeError::BadField) << cut;
            }
            else
            {
                EXPECT_EQ(e, DecodeError::BadField) << ToString(type) << " cut " << cut;
            }
        }
    }
}

TEST(EpMessage, BadAddressFamilyInEveryAddressSlot)
{
    struct Slot
    {
        EpType type;
        std::size_t familyOffset; //!< from the start of the message
    };

    // Offsets follow the body layouts: the first address after any fixed fields.
    const Slot slots[] = {
        {EpType::Bind, kEpHeaderSize},
        {EpType::Connect, kEpHeaderSize},
        {EpType::SendTo, kEpHeaderSize},
        {EpType::RecvFrom, kEpHeaderSize},
        {EpType::Accepted, kEpHeaderSize + 4},     // local
        {EpType::Accepted, kEpHeaderSize + 4 + 7}, // peer (local is IPv4)
        {EpType::Response, kEpHeaderSize + 4},     // local
        {EpType::Response, kEpHeaderSize + 4 + 7}, // peer
    };
    for (const Slot& s : slots)
    {
        for (std::uint8_t fam : {1, 2, 3, 5, 7, 10, 255})
        {
            auto bytes = EncodeEpMessage(SampleMessage(s.type));
            ASSERT_TRUE(bytes[s.familyOffset] == 4 || bytes[s.familyOffset] == 6);
            bytes[s.familyOffset] = fam;
            EXPECT_EQ(Decode(bytes), DecodeError::BadField)
                << ToString(s.type) << " offset " << s.familyOffset << " family " << int(fam);
        }
    }
}

TEST(EpMessage, BadShutdownHowAndAddrMode)
{
    for (std::uint8_t how = 0; how < 255; ++how)
    {
        auto bytes = EncodeEpMessage(SampleMessage(EpType::Shutdown));
        bytes[kEpHeaderSize] = how;
        EXPECT_EQ(Decode(bytes), how <= 2 ? DecodeError::Ok : DecodeError::BadField) << int(how);
    }
    for (std::uint8_t mode : {2, 3, 255})
    {
        auto reg = EncodeEpMessage(SampleMessage(EpType::Register));
        reg[kEpHeaderSize] = mode;
        EXPECT_EQ(Decode(reg), DecodeError::BadField) << int(mode);
        auto regd = EncodeEpMessage(SampleMessage(EpType::Registered));
        regd[kEpHeaderSize + 4] = mode;
        EXPECT_EQ(Decode(regd), DecodeError::BadField) << int(mode);
    }
}

TEST(EpMessage, PrefixDecoderWalksAStream)
{
    std::vector<std::uint8_t> stream;
    std::vector<EpMessage> sent;
    for (int t = kFirstType; t <= kLastType; ++t)
    {
        sent.push_back(SampleMessage(static_cast<EpType>(t)));
        EncodeEpMessage(sent.back(), stream);
    }
    std::size_t pos = 0;
    for (const EpMessage& want : sent)
    {
        EpMessage got;
        std::size_t consumed = 0;
        ASSERT_EQ(DecodeEpMessagePrefix(stream.data() + pos, stream.size() - pos, got, consumed),
                  DecodeError::Ok);
        EXPECT_EQ(consumed, EpEncodedSize(want));
        EXPECT_TRUE(got == want) << ToString(want.type);
        pos += consumed;
    }
    EXPECT_EQ(pos, stream.size());
    EpMessage got;
    std::size_t consumed = 0;
    EXPECT_EQ(DecodeEpMessagePrefix(stream.data() + pos, 0, got, consumed), DecodeError::Truncated);
}

TEST(EpMessage, PrefixDecoderReportsErrorsOfTheFirstMessage)
{
    auto bad = EncodeEpMessage(SampleMessage(EpType::Shutdown));
    bad[kEpHeaderSize] = 9;
    EncodeEpMessage(SampleMessage(EpType::Close), bad);
    EpMessage got;
    std::size_t consumed = 0;
    EXPECT_EQ(DecodeEpMessagePrefix(bad.data(), bad.size(), got, consumed), DecodeError::BadField);
}

TEST(EpMessage, EqualityComparesOnlyCarriedFields)
{
    // A Connect carries the peer only: other fields are neither encoded nor compared.
    EpMessage a = SampleMessage(EpType::Connect);
    EpMessage b = a;
    b.payload = {1, 2, 3};
    b.local = EpAddress::Ipv4(1, 1);
    b.error = 5;
    b.name = "ignored";
    EXPECT_TRUE(a == b);
    EXPECT_EQ(EncodeEpMessage(a), EncodeEpMessage(b));

    b = a;
    b.peer.port ^= 1;
    EXPECT_FALSE(a == b);
    b = a;
    b.requestId ^= 1;
    EXPECT_FALSE(a == b);
    b = a;
    b.sockType = EpSockType::Dgram;
    EXPECT_FALSE(a == b);
    b = a;
    b.type = EpType::Bind;
    EXPECT_FALSE(a == b);

    EpMessage r = SampleMessage(EpType::Response);
    for (int i = 0; i < 4; ++i)
    {
        EpMessage s = r;
        switch (i)
        {
            case 0:
                s.error ^= 1;
                break;
            case 1:
                s.local.addr[3] ^= 1;
                break;
            case 2:
                s.peer.port ^= 1;
                break;
            default:
                s.intValue ^= 1;
                break;
        }
        EXPECT_FALSE(r == s) << i;
    }
}

TEST(EpMessage, DecodeIntoReusedMessageClearsOldBody)
{
    EpMessage d;
    ASSERT_EQ(Decode(EncodeEpMessage(SampleMessage(EpType::SendTo)), d), DecodeError::Ok);
    ASSERT_EQ(Decode(EncodeEpMessage(SampleMessage(EpType::Credit)), d), DecodeError::Ok);
    EXPECT_TRUE(d.payload.empty());
    EXPECT_EQ(d.peer.family, 0);
    EXPECT_EQ(d.value, 0xFEDCBA98u);
}

TEST(EpMessage, ResolveLayoutAndRules)
{
    // u8 family, u8 flags, u8 nameLen, name.
    const auto b = EncodeEpMessage(SampleMessage(EpType::Resolve));
    ASSERT_EQ(b.size(), kEpHeaderSize + 3 + 16);
    EXPECT_EQ(b[1], 19);
    EXPECT_EQ(b[kEpHeaderSize], 6);
    EXPECT_EQ(b[kEpHeaderSize + 1], kEpResolveCanonName);
    EXPECT_EQ(b[kEpHeaderSize + 2], 16);
    EXPECT_EQ(b[kEpHeaderSize + 3], 'w');

    for (std::uint8_t fam = 0; fam < 255; ++fam)
    {
        auto bytes = b;
        bytes[kEpHeaderSize] = fam;
        const bool ok = fam == 0 || fam == 4 || fam == 6;
        EXPECT_EQ(Decode(bytes), ok ? DecodeError::Ok : DecodeError::BadField) << int(fam);
    }
    for (int bit = 1; bit < 8; ++bit)
    {
        auto bytes = b;
        bytes[kEpHeaderSize + 1] |= static_cast<std::uint8_t>(1u << bit);
        EXPECT_EQ(Decode(bytes), DecodeError::BadField) << bit;
    }
    auto nul = b;
    nul[kEpHeaderSize + 3 + 5] = 0;
    EXPECT_EQ(Decode(nul), DecodeError::BadField);

    // Header fields that name a socket are refused for both types.
    for (EpType t : {EpType::Resolve, EpType::Resolved})
    {
        const auto good = EncodeEpMessage(SampleMessage(t));
        auto rsock = good;
        rsock[7] = 1;
        EXPECT_EQ(Decode(rsock), DecodeError::BadField) << ToString(t);
        auto create = good;
        create[2] = kEpFlagCreate;
        EXPECT_EQ(Decode(create), DecodeError::BadField) << ToString(t);
        auto sockType = good;
        sockType[3] = 1;
        EXPECT_EQ(Decode(sockType), DecodeError::BadField) << ToString(t);
    }
}

TEST(EpMessage, ResolvedRules)
{
    EpMessage m = SampleMessage(EpType::Resolved);
    m.addresses.clear();
    m.name.clear();
    // Success with no address, and an error with an address or a name, are refused.
    m.error = ep_resolve::kOk;
    EXPECT_EQ(Decode(EncodeEpMessage(m)), DecodeError::BadField);
    m.error = ep_resolve::kEaiAgain;
    EXPECT_EQ(Decode(EncodeEpMessage(m)), DecodeError::Ok);
    m.name = "n";
    EXPECT_EQ(Decode(EncodeEpMessage(m)), DecodeError::BadField);
    m.name.clear();
    m.addresses = {EpAddress::Ipv4(1, 0)};
    EXPECT_EQ(Decode(EncodeEpMessage(m)), DecodeError::BadField);
    m.addresses.clear();

    // Only the documented negative codes; any errno.
    for (std::int32_t e = -20; e <= 200; ++e)
    {
        m.error = e;
        if (e == 0)
        {
            continue;
        }
        EXPECT_EQ(Decode(EncodeEpMessage(m)),
                  ep_resolve::IsValid(e) ? DecodeError::Ok : DecodeError::BadField)
            << e;
    }
    EXPECT_TRUE(ep_resolve::IsValid(ep_resolve::kEaiNoname));
    EXPECT_FALSE(ep_resolve::IsValid(-7));
    EXPECT_FALSE(ep_resolve::IsValid(-11)); // EAI_SYSTEM: an errno travels instead

    // The encoder sends at most 16 addresses and 255 name bytes, the decoder takes 16.
    m.error = ep_resolve::kOk;
    for (std::size_t i = 0; i < 20; ++i)
    {
        m.addresses.push_back(EpAddress::Ipv4(0x0A000000u + static_cast<std::uint32_t>(i), 0));
    }
    m.name = std::string(300, 'c');
    const auto bytes = EncodeEpMessage(m);
    EpMessage d;
    ASSERT_EQ(Decode(bytes, d), DecodeError::Ok);
    EXPECT_EQ(d.addresses.size(), kEpMaxResolvedAddresses);
    EXPECT_EQ(d.name.size(), kEpMaxName);
    EXPECT_EQ(bytes.size(), EpEncodedSize(m));
    auto seventeen = bytes;
    seventeen[kEpHeaderSize + 4] = 17;
    EXPECT_EQ(Decode(seventeen), DecodeError::BadField);

    // An address of family 0 is no answer.
    EpMessage z = SampleMessage(EpType::Resolved);
    z.addresses = {EpAddress{}};
    EXPECT_EQ(Decode(EncodeEpMessage(z)), DecodeError::BadField);
}

TEST(EpAddress, Ipv4HelpersAndEquality)
{
    const EpAddress a = EpAddress::Ipv4(0xC0A80102, 443); // 192.168.1.2
    EXPECT_EQ(a.family, 4);
    EXPECT_EQ(a.addr[0], 192);
    EXPECT_EQ(a.addr[1], 168);
    EXPECT_EQ(a.addr[2], 1);
    EXPECT_EQ(a.addr[3], 2);
    EXPECT_EQ(a.addr[4], 0);
    EXPECT_EQ(a.port, 443);
    EXPECT_EQ(a.Ipv4HostOrder(), 0xC0A80102u);

    EpAddress b = a;
    b.addr[10] = 1; // not carried by IPv4
    EXPECT_TRUE(a == b);
    b.port = 444;
    EXPECT_TRUE(a != b);

    EpAddress n1;
    EpAddress n2;
    n2.port = 80; // family 0 carries no port
    n2.addr[0] = 1;
    EXPECT_TRUE(n1 == n2);
    EXPECT_FALSE(n1 == a);

    EpAddress v6a = SampleV6();
    EpAddress v6b = v6a;
    v6b.addr[15] ^= 1;
    EXPECT_FALSE(v6a == v6b);
}

TEST(EpMessage, Names)
{
    const char* const want[] = {"Register", "Registered", "Socket",     "Bind",       "Listen",
                                "Accepted", "Connect",    "Response",   "Data",       "Credit",
                                "Shutdown", "Close",      "SetSockOpt", "GetSockOpt", "SendTo",
                                "RecvFrom", "Error",      "Eof",        "Resolve",    "Resolved"};
    for (int t = kFirstType; t <= kLastType; ++t)
    {
        EXPECT_STREQ(ToString(static_cast<EpType>(t)), want[t - kFirstType]);
    }
    EXPECT_STREQ(ToString(static_cast<EpType>(0)), "Unknown");
}

} // namespace
} // namespace resoa
