/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Randomised codec tests with fixed seeds (reproducible): round trips over random field values,
 * and random mutations of valid encodings, which must either fail cleanly or decode to a value
 * that re-encodes to exactly the mutated bytes (the wire format has one encoding per value).
 */
#include "ep-message.h"
#include "lhp-frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace resoa
{
namespace
{

constexpr unsigned kSeeds = 300;

template<typename T>
T
Uniform(std::mt19937& rng, T lo, T hi)
{
    return static_cast<T>(std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng));
}

std::uint32_t
U32(std::mt19937& rng)
{
    return static_cast<std::uint32_t>(rng());
}

/// Mostly short lengths, sometimes up to `max`, so both fast and boundary cases occur.
std::size_t
RandomLength(std::mt19937& rng, std::size_t max)
{
    switch (Uniform<int>(rng, 0, 9))
    {
        case 0:
            return 0;
        case 1:
            return max;
        case 2:
            return Uniform<std::size_t>(rng, 0, max);
        default:
            return Uniform<std::size_t>(rng, 0, std::min<std::size_t>(max, 64));
    }
}

std::vector<std::uint8_t>
RandomBytes(std::mt19937& rng, std::size_t n)
{
    std::vector<std::uint8_t> v(n);
    for (auto& b : v)
    {
        b = static_cast<std::uint8_t>(rng());
    }
    return v;
}

LhpFrame
RandomFrame(std::mt19937& rng)
{
    LhpFrame f;
    f.type = static_cast<LhpFrameType>(Uniform<int>(rng, 1, 7));
    f.flags = Uniform<std::uint8_t>(rng, 0, kFlagAck | kFlagResponse);
    f.channel = static_cast<LhpChannel>(Uniform<int>(rng, 0, 1));
    f.connId = U32(rng);
    f.seq = U32(rng);
    f.ack = U32(rng);
    f.sack = U32(rng);
    f.window = static_cast<std::uint16_t>(rng());
    f.payload = RandomBytes(rng, RandomLength(rng, kLhpMaxPayload));
    return f;
}

EpAddress
RandomAddress(std::mt19937& rng)
{
    EpAddress a;
    const int pick = Uniform<int>(rng, 0, 2);
    if (pick == 0)
    {
        return a; // family 0: nothing else is carried
    }
    a.family = pick == 1 ? 4 : 6;
    const std::size_t n = a.family == 4 ? 4 : 16;
    for (std::size_t i = 0; i < n; ++i)
    {
        a.addr[i] = static_cast<std::uint8_t>(rng());
    }
    a.port = static_cast<std::uint16_t>(rng());
    return a;
}

/// A host name of at least `min` bytes: any byte but NUL.
std::string
RandomName(std::mt19937& rng, std::size_t min)
{
    auto raw = RandomBytes(rng, std::max(min, RandomLength(rng, kEpMaxName)));
    for (auto& b : raw)
    {
        b = b == 0 ? 1 : b;
    }
    return std::string(raw.begin(), raw.end());
}

/// A valid message of a random type with every carried field random within its domain.
EpMessage
RandomMessage(std::mt19937& rng)
{
    EpMessage m;
    m.type = static_cast<EpType>(Uniform<int>(rng, 1, kEpTypeMax));
    m.flags = Uniform<std::uint8_t>(rng, 0, kEpFlagCreate);
    m.sockType = static_cast<EpSockType>(Uniform<int>(rng, 0, 2));
    m.rsockId = U32(rng);
    m.requestId = U32(rng);
    switch (m.type)
    {
        case EpType::Register:
        {
            m.addrMode = static_cast<EpAddrMode>(Uniform<int>(rng, 0, 1));
            m.ipv4 = U32(rng);
            const auto raw = RandomBytes(rng, RandomLength(rng, kEpMaxName));
            m.name.assign(raw.begin(), raw.end());
            break;
        }
        case EpType::Registered:
            m.error = static_cast<std::int32_t>(U32(rng));
            m.addrMode = static_cast<EpAddrMode>(Uniform<int>(rng, 0, 1));
            m.ipv4 = U32(rng);
            m.socketLimit = static_cast<std::uint16_t>(rng());
            break;
        case EpType::Bind:
            m.local = RandomAddress(rng);
            break;
        case EpType::Listen:
        case EpType::Credit:
            m.value = U32(rng);
            break;
        case EpType::Accepted:
            m.value = U32(rng);
            m.local = RandomAddress(rng);
            m.peer = RandomAddress(rng);
            break;
        case EpType::Connect:
            m.peer = RandomAddress(rng);
            break;
        case EpType::Response:
            m.error = static_cast<std::int32_t>(U32(rng));
            m.local = RandomAddress(rng);
            m.peer = RandomAddress(rng);
            m.intValue = static_cast<std::int32_t>(U32(rng));
            break;
        case EpType::Data:
            m.payload = RandomBytes(rng, RandomLength(rng, kEpMaxBody));
            break;
        case EpType::Shutdown:
            m.how = Uniform<std::uint8_t>(rng, 0, 2);
            break;
        case EpType::SetSockOpt:
            m.level = static_cast<std::uint16_t>(rng());
            m.option = static_cast<std::uint16_t>(rng());
            m.intValue = static_cast<std::int32_t>(U32(rng));
            break;
        case EpType::GetSockOpt:
            m.level = static_cast<std::uint16_t>(rng());
            m.option = static_cast<std::uint16_t>(rng());
            break;
        case EpType::SendTo:
        case EpType::RecvFrom:
            m.peer = RandomAddress(rng);
            m.payload = RandomBytes(rng, RandomLength(rng, kEpMaxBody - 19));
            break;
        case EpType::Error:
            m.error = static_cast<std::int32_t>(U32(rng));
            break;
        case EpType::Resolve:
            m.family = std::array<std::uint8_t, 3>{0, 4, 6}[Uniform<int>(rng, 0, 2)];
            m.resolveFlags = Uniform<std::uint8_t>(rng, 0, kEpResolveCanonName);
            m.name = RandomName(rng, 1);
            break;
        case EpType::Resolved:
        {
            static const std::int32_t kErrors[] = {ep_resolve::kEaiNoname,
                                                   ep_resolve::kEaiAgain,
                                                   ep_resolve::kEaiFail,
                                                   ep_resolve::kEaiNodata,
                                                   ep_resolve::kEaiFamily,
                                                   ep_resolve::kEaiAddrfamily,
                                                   ep_resolve::kEaiMemory,
                                                   ep_errno::kEnetdown,
                                                   ep_errno::kEperm};
            if (Uniform<int>(rng, 0, 2) != 0)
            {
                const std::size_t n = Uniform<std::size_t>(rng, 1, kEpMaxResolvedAddresses);
                for (std::size_t k = 0; k < n; ++k)
                {
                    EpAddress a;
                    do
                    {
                        a = RandomAddress(rng);
                    } while (a.family == 0);
                    m.addresses.push_back(a);
                }
                m.name = RandomName(rng, 0);
            }
            else
            {
                m.error = kErrors[Uniform<std::size_t>(rng, 0, 8)];
            }
            break;
        }
        case EpType::Socket:
        case EpType::Close:
        case EpType::Eof:
            break;
    }
    if (m.type == EpType::Resolve || m.type == EpType::Resolved)
    {
        m.flags = 0; // they name no socket
        m.sockType = EpSockType::None;
        m.rsockId = 0;
    }
    return m;
}

/// Applies 1-4 random edits: flip, overwrite with a boundary value, insert, erase, cut.
std::vector<std::uint8_t>
Mutate(std::mt19937& rng, std::vector<std::uint8_t> b, std::size_t headerSize)
{
    const int edits = Uniform<int>(rng, 1, 4);
    for (int i = 0; i < edits; ++i)
    {
        // Aim half the edits at the header, where every byte matters.
        auto pos = [&](std::size_t size)
        {
            const std::size_t hi = size == 0 ? 0 : size - 1;
            return rng() % 2 ? Uniform<std::size_t>(rng, 0, std::min(hi, headerSize - 1))
                             : Uniform<std::size_t>(rng, 0, hi);
        };
        switch (Uniform<int>(rng, 0, 4))
        {
            case 0:
                if (!b.empty())
                {
                    b[pos(b.size())] ^= static_cast<std::uint8_t>(1u << Uniform<int>(rng, 0, 7));
                }
                break;
            case 1:
                if (!b.empty())
                {
                    static const std::uint8_t kBoundary[] = {
                        0, 1, 2, 3, 4, 5, 6, 7, 8, 0x12, 0x13, 0x7F, 0x80, 0xFF};
                    b[pos(b.size())] = kBoundary[Uniform<std::size_t>(rng, 0, 13)];
                }
                break;
            case 2:
                b.insert(b.begin() + Uniform<std::size_t>(rng, 0, b.size()),
                         static_cast<std::uint8_t>(rng()));
                break;
            case 3:
                if (!b.empty())
                {
                    b.erase(b.begin() + pos(b.size()));
                }
                break;
            default:
                b.resize(Uniform<std::size_t>(rng, 0, b.size()));
                break;
        }
    }
    return b;
}

TEST(CodecRandom, LhpFramesRoundTrip)
{
    for (unsigned seed = 1; seed <= kSeeds; ++seed)
    {
        std::mt19937 rng(seed);
        for (int i = 0; i < 20; ++i)
        {
            const LhpFrame f = RandomFrame(rng);
            const auto bytes = EncodeLhpFrame(f);
            ASSERT_EQ(bytes.size(), kLhpHeaderSize + f.payload.size());
            LhpFrame g;
            ASSERT_EQ(DecodeLhpFrame(bytes.data(), bytes.size(), g), DecodeError::Ok) << seed;
            ASSERT_TRUE(g == f) << "seed " << seed << " item " << i;
            ASSERT_EQ(LhpFramedLength(bytes.data(), bytes.size()), bytes.size());
        }
    }
}

TEST(CodecRandom, EpMessagesRoundTrip)
{
    std::map<int, int> typesSeen;
    for (unsigned seed = 1; seed <= kSeeds; ++seed)
    {
        std::mt19937 rng(seed);
        for (int i = 0; i < 20; ++i)
        {
            const EpMessage m = RandomMessage(rng);
            ++typesSeen[static_cast<int>(m.type)];
            const auto bytes = EncodeEpMessage(m);
            ASSERT_EQ(bytes.size(), EpEncodedSize(m));
            EpMessage d;
            ASSERT_EQ(DecodeEpMessage(bytes.data(), bytes.size(), d), DecodeError::Ok)
                << "seed " << seed << " type " << ToString(m.type);
            ASSERT_TRUE(d == m) << "seed " << seed << " item " << i;
            ASSERT_EQ(EncodeEpMessage(d), bytes);
        }
    }
    EXPECT_EQ(typesSeen.size(), std::size_t{kEpTypeMax});
}

TEST(CodecRandom, EpStreamSplitAtRandomPoints)
{
    // A reliable byte stream delivers messages in arbitrary chunks; the prefix decoder must
    // report Truncated until a whole message is buffered, then return exactly it.
    for (unsigned seed = 1; seed <= 50; ++seed)
    {
        std::mt19937 rng(seed);
        std::vector<EpMessage> sent(20);
        std::vector<std::uint8_t> wire;
        for (auto& m : sent)
        {
            m = RandomMessage(rng);
            if (m.payload.size() > 2000)
            {
                m.payload.resize(2000); // keep the stream short
            }
            EncodeEpMessage(m, wire);
        }
        std::vector<std::uint8_t> buffer;
        std::vector<EpMessage> received;
        std::size_t fed = 0;
        while (fed < wire.size())
        {
            const std::size_t chunk =
                std::min(wire.size() - fed, Uniform<std::size_t>(rng, 1, 700));
            buffer.insert(buffer.end(), wire.begin() + fed, wire.begin() + fed + chunk);
            fed += chunk;
            for (;;)
            {
                EpMessage m;
                std::size_t consumed = 0;
                const DecodeError e =
                    DecodeEpMessagePrefix(buffer.data(), buffer.size(), m, consumed);
                if (e == DecodeError::Truncated)
                {
                    break;
                }
                ASSERT_EQ(e, DecodeError::Ok) << "seed " << seed;
                received.push_back(m);
                buffer.erase(buffer.begin(), buffer.begin() + consumed);
            }
        }
        EXPECT_TRUE(buffer.empty());
        ASSERT_EQ(received.size(), sent.size()) << "seed " << seed;
        for (std::size_t i = 0; i < sent.size(); ++i)
        {
            EXPECT_TRUE(received[i] == sent[i]) << "seed " << seed << " message " << i;
        }
    }
}

TEST(CodecRandom, MutatedLhpFramesFailOrReencodeIdentically)
{
    std::map<DecodeError, int> outcomes;
    for (unsigned seed = 1; seed <= kSeeds; ++seed)
    {
        std::mt19937 rng(seed);
        for (int i = 0; i < 30; ++i)
        {
            LhpFrame f = RandomFrame(rng);
            f.payload.resize(std::min<std::size_t>(f.payload.size(), 40));
            const auto bytes = Mutate(rng, EncodeLhpFrame(f), kLhpHeaderSize);
            LhpFrame g;
            const DecodeError e = DecodeLhpFrame(bytes.data(), bytes.size(), g);
            ++outcomes[e];
            if (e == DecodeError::Ok)
            {
                ASSERT_EQ(EncodeLhpFrame(g), bytes) << "seed " << seed << " item " << i;
            }
        }
    }
    // The mutations must actually exercise the decoder: every error class and some survivors.
    for (DecodeError e : {DecodeError::Ok,
                          DecodeError::Truncated,
                          DecodeError::BadVersion,
                          DecodeError::UnknownType,
                          DecodeError::Oversized,
                          DecodeError::TrailingBytes,
                          DecodeError::BadField})
    {
        EXPECT_GT(outcomes[e], 0) << ToString(e);
    }
}

TEST(CodecRandom, MutatedEpMessagesFailOrReencodeIdentically)
{
    std::map<DecodeError, int> outcomes;
    for (unsigned seed = 1; seed <= kSeeds; ++seed)
    {
        std::mt19937 rng(seed);
        for (int i = 0; i < 30; ++i)
        {
            EpMessage m = RandomMessage(rng);
            m.payload.resize(std::min<std::size_t>(m.payload.size(), 40));
            const auto bytes = Mutate(rng, EncodeEpMessage(m), kEpHeaderSize);

            EpMessage d;
            const DecodeError e = DecodeEpMessage(bytes.data(), bytes.size(), d);
            ++outcomes[e];
            if (e == DecodeError::Ok)
            {
                ASSERT_EQ(EncodeEpMessage(d), bytes) << "seed " << seed << " item " << i;
            }

            // Stream decoding of the same bytes: Ok consumes a re-encodable prefix, and
            // Truncated only ever means the buffer is shorter than the declared message.
            EpMessage p;
            std::size_t consumed = 0;
            const DecodeError pe = DecodeEpMessagePrefix(bytes.data(), bytes.size(), p, consumed);
            if (pe == DecodeError::Ok)
            {
                ASSERT_LE(consumed, bytes.size());
                ASSERT_EQ(EncodeEpMessage(p),
                          std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + consumed));
            }
            else if (pe == DecodeError::Truncated && bytes.size() >= kEpHeaderSize)
            {
                const std::size_t declared = (std::size_t{bytes[12]} << 24) |
                                             (std::size_t{bytes[13]} << 16) |
                                             (std::size_t{bytes[14]} << 8) | bytes[15];
                ASSERT_LT(bytes.size(), kEpHeaderSize + declared) << "seed " << seed;
            }
        }
    }
    for (DecodeError e : {DecodeError::Ok,
                          DecodeError::Truncated,
                          DecodeError::BadVersion,
                          DecodeError::UnknownType,
                          DecodeError::Oversized,
                          DecodeError::TrailingBytes,
                          DecodeError::BadField})
    {
        EXPECT_GT(outcomes[e], 0) << ToString(e);
    }
}

TEST(CodecRandom, RandomGarbageNeverDecodesInconsistently)
{
    // Pure noise with a valid version byte, so the decoders get past the first check.
    int accepted = 0;
    for (unsigned seed = 1; seed <= kSeeds; ++seed)
    {
        std::mt19937 rng(seed);
        for (int i = 0; i < 30; ++i)
        {
            auto bytes = RandomBytes(rng, Uniform<std::size_t>(rng, 0, 64));
            if (!bytes.empty())
            {
                bytes[0] = 1;
            }
            LhpFrame f;
            if (DecodeLhpFrame(bytes.data(), bytes.size(), f) == DecodeError::Ok)
            {
                ++accepted;
                ASSERT_EQ(EncodeLhpFrame(f), bytes);
            }
            EpMessage m;
            if (DecodeEpMessage(bytes.data(), bytes.size(), m) == DecodeError::Ok)
            {
                ++accepted;
                ASSERT_EQ(EncodeEpMessage(m), bytes);
            }
        }
    }
    // Random length fields almost never match the buffer: noise is essentially always refused.
    EXPECT_LT(accepted, 5);
}

} // namespace
} // namespace resoa
