/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Small helpers shared by the EP engine tests: build, encode and collect EP messages.
 */
#ifndef RESOA_TEST_EP_TEST_UTIL_H
#define RESOA_TEST_EP_TEST_UTIL_H

#include "ep-client.h"
#include "ep-message.h"
#include "ep-server.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace resoa
{
namespace test
{

/// One message an engine queued, decoded.
struct Sent
{
    std::uint64_t session = 0;
    LhpChannel channel = LhpChannel::Reliable;
    EpMessage msg;
};

inline EpMessage
Decode(const std::vector<std::uint8_t>& bytes)
{
    EpMessage m;
    EXPECT_EQ(DecodeEpMessage(bytes.data(), bytes.size(), m), DecodeError::Ok);
    return m;
}

inline EpMessage
Msg(EpType type, std::uint32_t rsockId = 0, std::uint32_t requestId = 0)
{
    EpMessage m;
    m.type = type;
    m.rsockId = rsockId;
    m.requestId = requestId;
    return m;
}

inline std::vector<Sent>
Drain(EpClient& c)
{
    std::vector<Sent> out;
    while (auto o = c.PollOutgoing())
    {
        out.push_back(Sent{0, o->channel, Decode(o->bytes)});
    }
    return out;
}

inline std::vector<Sent>
Drain(EpServer& s)
{
    std::vector<Sent> out;
    while (auto o = s.PollOutgoing())
    {
        out.push_back(Sent{o->sessionId, o->channel, Decode(o->bytes)});
    }
    return out;
}

inline std::vector<EpClientEvent>
Events(EpClient& c)
{
    std::vector<EpClientEvent> out;
    while (auto e = c.PollEvent())
    {
        out.push_back(*e);
    }
    return out;
}

/// Deterministic pseudo-random bytes (xorshift), so corruption or reordering shows.
inline std::vector<std::uint8_t>
Pattern(std::size_t n, std::uint32_t seed)
{
    std::vector<std::uint8_t> v(n);
    std::uint32_t x = seed | 1u;
    for (auto& b : v)
    {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<std::uint8_t>(x);
    }
    return v;
}

/// Bytes of a string literal, for short payloads.
inline std::vector<std::uint8_t>
Bytes(const char* s)
{
    std::vector<std::uint8_t> v;
    while (*s != '\0')
    {
        v.push_back(static_cast<std::uint8_t>(*s++));
    }
    return v;
}

/// A client with small buffers: Data chunks of 1000 bytes, 4000-byte windows, 8 sockets.
inline EpClientConfig
SmallConfig()
{
    EpClientConfig c;
    c.sendBufferBytes = 4000;
    c.recvWindowBytes = 4000;
    c.maxMessageSize = 1000 + kEpHeaderSize;
    c.socketLimit = 8;
    return c;
}

/// Hands a hand-made server message to a client.
inline void
Feed(EpClient& c, const EpMessage& m)
{
    c.OnMessage(EncodeEpMessage(m));
}

/// Credit of `bytes` for socket `id`.
inline EpMessage
Credit(std::uint32_t id, std::uint32_t bytes)
{
    EpMessage m = Msg(EpType::Credit, id);
    m.value = bytes;
    return m;
}

/// Same as Credit (the client tests' name).
inline EpMessage
CreditMsg(std::uint32_t id, std::uint32_t bytes)
{
    return Credit(id, bytes);
}

/// Data carrying `bytes` for socket `id`.
inline EpMessage
Data(std::uint32_t id, const std::vector<std::uint8_t>& bytes)
{
    EpMessage m = Msg(EpType::Data, id);
    m.payload = bytes;
    return m;
}

/// The payloads of every message of `type` in `out`, concatenated.
inline std::vector<std::uint8_t>
Payload(const std::vector<Sent>& out, EpType type = EpType::Data)
{
    std::vector<std::uint8_t> all;
    for (const Sent& s : out)
    {
        if (s.msg.type == type)
        {
            all.insert(all.end(), s.msg.payload.begin(), s.msg.payload.end());
        }
    }
    return all;
}

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_EP_TEST_UTIL_H
