/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The shim protocol (realnet/shim-protocol.h): round trips and a strict decoder.
 */
#include "shim-protocol.h"

#include <gtest/gtest.h>

#include <random>

namespace resoa
{
namespace test
{
namespace
{

using realnet::ShimAddress;
using realnet::ShimMessage;
using realnet::ShimType;

ShimMessage
Sample()
{
    ShimMessage m;
    m.type = ShimType::Connect;
    m.sockType = 1;
    m.flags = realnet::kShimFlagNonBlocking;
    m.socketId = 0x80000001u;
    m.error = -5;
    m.value = 123456;
    m.level = 6;
    m.option = 1;
    m.local.family = 4;
    m.local.addr = {198, 51, 100, 1};
    m.local.port = 40000;
    m.peer.family = 6;
    for (std::size_t i = 0; i < 16; ++i)
    {
        m.peer.addr[i] = static_cast<std::uint8_t>(0x20 + i);
    }
    m.peer.port = 443;
    return m;
}

TEST(ShimProtocol, RoundTripsEveryType)
{
    for (int t = 1; t <= realnet::kShimTypeMax; ++t)
    {
        ShimMessage m = Sample();
        m.type = static_cast<ShimType>(t);
        std::vector<std::uint8_t> bytes = realnet::EncodeShimMessage(m);
        ASSERT_EQ(bytes.size(), realnet::kShimMessageSize);
        EXPECT_EQ(bytes[0], realnet::kShimVersion);
        EXPECT_EQ(bytes[1], t);
        ShimMessage back;
        ASSERT_TRUE(realnet::DecodeShimMessage(bytes.data(), bytes.size(), back));
        EXPECT_EQ(back, m);
    }
}

TEST(ShimProtocol, FieldsAreInNetworkOrder)
{
    std::vector<std::uint8_t> b = realnet::EncodeShimMessage(Sample());
    EXPECT_EQ(b[4], 0x80); // socketId 0x80000001
    EXPECT_EQ(b[7], 0x01);
    EXPECT_EQ(b[12], 0x00); // value 123456 = 0x0001E240
    EXPECT_EQ(b[13], 0x01);
    EXPECT_EQ(b[14], 0xE2);
    EXPECT_EQ(b[15], 0x40);
    EXPECT_EQ(b[20], 4);   // local family
    EXPECT_EQ(b[21], 198); // local address
    EXPECT_EQ(b[37], 40000 >> 8);
    EXPECT_EQ(b[38], 40000 & 0xff);
}

TEST(ShimProtocol, RejectsGarbage)
{
    std::vector<std::uint8_t> good = realnet::EncodeShimMessage(Sample());
    ShimMessage m;
    EXPECT_FALSE(realnet::DecodeShimMessage(nullptr, 0, m));
    EXPECT_FALSE(realnet::DecodeShimMessage(good.data(), good.size() - 1, m)); // short
    std::vector<std::uint8_t> longer = good;
    longer.push_back(0);
    EXPECT_FALSE(realnet::DecodeShimMessage(longer.data(), longer.size(), m)); // trailing
    auto mutated = [&](std::size_t at, std::uint8_t v)
    {
        std::vector<std::uint8_t> b = good;
        b[at] = v;
        return realnet::DecodeShimMessage(b.data(), b.size(), m);
    };
    EXPECT_FALSE(mutated(0, 2));                         // version
    EXPECT_FALSE(mutated(1, 0));                         // type 0
    EXPECT_FALSE(mutated(1, realnet::kShimTypeMax + 1)); // unknown type
    EXPECT_FALSE(mutated(2, 3));                         // sockType
    EXPECT_FALSE(mutated(3, 0x80));                      // unknown flag
    EXPECT_FALSE(mutated(20, 5));                        // address family
    EXPECT_FALSE(mutated(20 + 1 + 4, 1));                // byte beyond an IPv4 address
    std::vector<std::uint8_t> none = good;
    none[20] = 0; // family 0 must carry no address and no port
    EXPECT_FALSE(realnet::DecodeShimMessage(none.data(), none.size(), m));

    // Random bytes: never a crash; whatever decodes re-encodes to the same bytes.
    std::mt19937 rng(7);
    std::size_t accepted = 0;
    for (int i = 0; i < 20000; ++i)
    {
        std::vector<std::uint8_t> b = good;
        for (int k = 0; k < 3; ++k)
        {
            b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        }
        if (realnet::DecodeShimMessage(b.data(), b.size(), m))
        {
            ++accepted;
            EXPECT_EQ(realnet::EncodeShimMessage(m), b);
        }
    }
    EXPECT_GT(accepted, 0u);
}

TEST(ShimProtocol, DatagramHeaderRoundTripsAndRejects)
{
    ShimAddress a;
    a.family = 4;
    a.addr = {203, 0, 113, 9};
    a.port = 5353;
    std::uint8_t h[realnet::kShimDatagramHeaderSize];
    realnet::EncodeShimDatagramHeader(a, h);
    ShimAddress back;
    ASSERT_TRUE(realnet::DecodeShimDatagramHeader(h, sizeof(h), back));
    EXPECT_EQ(back, a);
    EXPECT_FALSE(realnet::DecodeShimDatagramHeader(h, sizeof(h) - 1, back));
    h[1] = 9; // family
    EXPECT_FALSE(realnet::DecodeShimDatagramHeader(h, sizeof(h), back));
}

} // namespace
} // namespace test
} // namespace resoa
