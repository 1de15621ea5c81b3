/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The DHCP codec: exact bytes of a DISCOVER, round trips, and the strict decoder.
 */
#include "dhcp-message.h"

#include <gtest/gtest.h>

#include <vector>

namespace resoa
{
namespace
{

const std::array<std::uint8_t, 6> kMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07};

TEST(DhcpMessage, DiscoverBytesAreRfc2131)
{
    DhcpMessage m;
    m.xid = 0x11223344;
    m.flags = kDhcpBroadcastFlag;
    m.SetMac(kMac);
    m.type = DhcpType::Discover;
    std::vector<std::uint8_t> b = EncodeDhcp(m);
    ASSERT_EQ(b.size(), kDhcpMinSize);
    EXPECT_EQ(b[0], 1); // BOOTREQUEST
    EXPECT_EQ(b[1], 1); // Ethernet
    EXPECT_EQ(b[2], 6);
    EXPECT_EQ(b[4], 0x11);
    EXPECT_EQ(b[7], 0x44);
    EXPECT_EQ(b[10], 0x80); // broadcast flag
    EXPECT_EQ(b[28], 0x02); // chaddr = the client's MAC
    EXPECT_EQ(b[33], 0x07);
    EXPECT_EQ(b[34], 0x00);
    EXPECT_EQ(b[236], 99);
    EXPECT_EQ(b[237], 130);
    EXPECT_EQ(b[238], 83);
    EXPECT_EQ(b[239], 99);
    EXPECT_EQ(b[240], 53);
    EXPECT_EQ(b[241], 1);
    EXPECT_EQ(b[242], 1);   // DISCOVER
    EXPECT_EQ(b[243], 255); // END: no option ns-3's DhcpServer would reject
    EXPECT_EQ(b[244], 0);
}

TEST(DhcpMessage, RoundTripKeepsEveryField)
{
    DhcpMessage m;
    m.op = 2;
    m.xid = 7;
    m.ciaddr = 0x0A000001;
    m.yiaddr = 0xCB007164;
    m.siaddr = 0xCB007102;
    m.SetMac(kMac);
    m.type = DhcpType::Ack;
    m.subnetMask = 0xFFFFFF00;
    m.router = 0xCB007101;
    m.requestedIp = 0xCB007164;
    m.leaseSeconds = 30;
    m.serverId = 0xCB007102;
    m.renewSeconds = 15;
    m.rebindSeconds = 25;
    m.clientId = {1, 2, 0, 0, 0, 0, 7};
    std::vector<std::uint8_t> b = EncodeDhcp(m);
    DhcpMessage d;
    ASSERT_EQ(DecodeDhcp(b.data(), b.size(), d), DecodeError::Ok);
    EXPECT_EQ(d.op, 2);
    EXPECT_EQ(d.xid, 7u);
    EXPECT_EQ(d.ciaddr, 0x0A000001u);
    EXPECT_EQ(d.yiaddr, 0xCB007164u);
    EXPECT_EQ(d.siaddr, 0xCB007102u);
    EXPECT_EQ(d.Mac(), kMac);
    EXPECT_EQ(d.type, DhcpType::Ack);
    EXPECT_EQ(d.subnetMask, 0xFFFFFF00u);
    EXPECT_EQ(d.router, 0xCB007101u);
    EXPECT_EQ(d.requestedIp, 0xCB007164u);
    EXPECT_EQ(d.leaseSeconds, 30u);
    EXPECT_EQ(d.serverId, 0xCB007102u);
    EXPECT_EQ(d.renewSeconds, 15u);
    EXPECT_EQ(d.rebindSeconds, 25u);
    EXPECT_EQ(d.clientId, m.clientId);
}

TEST(DhcpMessage, DecoderSkipsPadAndUnknownOptions)
{
    DhcpMessage m;
    m.type = DhcpType::Offer;
    m.op = 2;
    std::vector<std::uint8_t> b = EncodeDhcp(m);
    // Insert pad, option 12 (host name "ab"), then the original options.
    b.insert(b.begin() + 240, {0, 12, 2, 'a', 'b'});
    DhcpMessage d;
    ASSERT_EQ(DecodeDhcp(b.data(), b.size(), d), DecodeError::Ok);
    EXPECT_EQ(d.type, DhcpType::Offer);
}

TEST(DhcpMessage, DecoderRefusesMalformedInput)
{
    DhcpMessage m;
    m.type = DhcpType::Ack;
    m.op = 2;
    m.leaseSeconds = 30;
    const std::vector<std::uint8_t> good = EncodeDhcp(m);
    DhcpMessage d;
    EXPECT_EQ(DecodeDhcp(good.data(), 239, d), DecodeError::Truncated);
    EXPECT_EQ(DecodeDhcp(nullptr, 0, d), DecodeError::Truncated);

    std::vector<std::uint8_t> b = good;
    b[237] = 0; // cookie
    EXPECT_EQ(DecodeDhcp(b.data(), b.size(), d), DecodeError::BadField);
    b = good;
    b[0] = 3; // op
    EXPECT_EQ(DecodeDhcp(b.data(), b.size(), d), DecodeError::BadField);
    b = good;
    b[2] = 17; // hlen
    EXPECT_EQ(DecodeDhcp(b.data(), b.size(), d), DecodeError::BadField);
    b = good;
    b[242] = 9; // message type 9
    EXPECT_EQ(DecodeDhcp(b.data(), b.size(), d), DecodeError::UnknownType);
    b = good;
    b[244] = 3; // option 51 with length 3
    EXPECT_EQ(DecodeDhcp(b.data(), b.size(), d), DecodeError::BadField);
    // No END: the options run to the end of the buffer.
    b.assign(good.begin(), good.begin() + 249);
    EXPECT_EQ(DecodeDhcp(b.data(), b.size(), d), DecodeError::Truncated);
    // An option whose length runs past the end.
    b.assign(good.begin(), good.begin() + 246);
    EXPECT_EQ(DecodeDhcp(b.data(), b.size(), d), DecodeError::Truncated);
    // No message type at all.
    b.assign(good.begin(), good.begin() + 240);
    b.push_back(255);
    EXPECT_EQ(DecodeDhcp(b.data(), b.size(), d), DecodeError::UnknownType);
    EXPECT_EQ(std::string(ToString(DhcpType::Release)), "DHCPRELEASE");
}

} // namespace
} // namespace resoa
