/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * PacketLink over a veth pair between two network namespaces: bytes, MACs, batches,
 * padding, EtherType filtering and the documented errors.
 */
#include "mac-address.h"
#include "netns-fixture.h"
#include "packet-link.h"
#include "realnet-test-util.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <system_error>

namespace resoa
{
namespace test
{
namespace
{

using realnet::FrameView;
using realnet::MacAddress;
using realnet::PacketLink;
using realnet::PacketLinkOptions;
using realnet::ReceivedFrame;
using namespace std::chrono_literals;

const MacAddress kClientMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
const MacAddress kServerMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

/// A client and a server namespace joined by veth "lhp0" (no IP address on either side).
class PacketLinkTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto reason = NetnsFixture::SkipReason())
        {
            GTEST_SKIP() << *reason;
        }
        m_client = m_fixture.AddNamespace("client");
        m_server = m_fixture.AddNamespace("server");
        m_fixture.AddVeth(m_client,
                          "lhp0",
                          m_server,
                          "lhp0",
                          realnet::FormatMac(kClientMac),
                          realnet::FormatMac(kServerMac));
    }

    PacketLink Open(const std::string& ns, const PacketLinkOptions& options = {})
    {
        return m_fixture.RunIn(ns, [&options] { return PacketLink("lhp0", options); });
    }

    /// The errno of opening \p name in the client namespace (0 if it opened).
    int OpenError(const std::string& name, std::string* what = nullptr)
    {
        try
        {
            m_fixture.RunIn(m_client, [&name] { return PacketLink(name); });
        }
        catch (const std::system_error& e)
        {
            if (what != nullptr)
            {
                *what = e.what();
            }
            return e.code().value();
        }
        return 0;
    }

    NetnsFixture m_fixture;
    std::string m_client;
    std::string m_server;
};

std::vector<std::uint8_t>
Pattern(std::size_t size, std::uint8_t seed)
{
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
    {
        bytes[i] = static_cast<std::uint8_t>(seed + i * 7 + 1);
    }
    return bytes;
}

TEST_F(PacketLinkTest, FramesCrossVethWithBytesAndMacs)
{
    PacketLink client = Open(m_client);
    PacketLink server = Open(m_server);
    EXPECT_EQ(client.GetMac(), kClientMac);
    EXPECT_EQ(server.GetMac(), kServerMac);
    EXPECT_EQ(client.GetMtu(), 1500u);
    EXPECT_GT(client.GetIfIndex(), 0);
    EXPECT_EQ(client.GetInterfaceName(), "lhp0");

    // 46 bytes: the smallest payload a real NIC sends unpadded; 1500: a full MTU.
    const std::vector<std::size_t> sizes = {100, 1500, 46, 1};
    for (std::size_t i = 0; i < sizes.size(); ++i)
    {
        const auto bytes = Pattern(sizes[i], static_cast<std::uint8_t>(i));
        ASSERT_TRUE(client.Send(kServerMac, bytes.data(), bytes.size()));
    }
    const auto frames = ReceiveFrames(server, sizes.size(), 2s);
    ASSERT_EQ(frames.size(), sizes.size());
    for (std::size_t i = 0; i < sizes.size(); ++i)
    {
        EXPECT_EQ(frames[i].source, kClientMac) << "frame " << i;
        EXPECT_EQ(frames[i].bytes, Pattern(sizes[i], static_cast<std::uint8_t>(i)))
            << "frame " << i;
    }

    // And back, so both directions and both MACs are checked.
    const auto reply = Pattern(64, 99);
    ASSERT_TRUE(server.Send(kClientMac, reply.data(), reply.size()));
    const auto back = ReceiveFrames(client, 1, 2s);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].source, kServerMac);
    EXPECT_EQ(back[0].bytes, reply);
    EXPECT_EQ(client.GetStats().framesSent, sizes.size());
    EXPECT_EQ(server.GetStats().framesReceived, sizes.size());
    // The sender never receives its own frames.
    EXPECT_EQ(ReceiveFrames(server, 1, 50ms).size(), 0u);
}

TEST_F(PacketLinkTest, BatchOf1000ArrivesCompleteAndInOrder)
{
    PacketLink client = Open(m_client);
    PacketLink server = Open(m_server);

    constexpr std::size_t kFrames = 1000;
    std::vector<std::vector<std::uint8_t>> payloads;
    std::vector<FrameView> views;
    for (std::size_t i = 0; i < kFrames; ++i)
    {
        auto bytes = Pattern(24 + (i * 37) % 1400, static_cast<std::uint8_t>(i));
        bytes[0] = static_cast<std::uint8_t>(i >> 8); // sequence number, to check the order
        bytes[1] = static_cast<std::uint8_t>(i);
        payloads.push_back(std::move(bytes));
    }
    for (const auto& bytes : payloads)
    {
        views.push_back({kServerMac, bytes.data(), bytes.size()});
    }

    std::vector<ReceivedFrame> received;
    std::size_t sent = 0;
    for (int attempt = 0; sent < kFrames && attempt < 1000; ++attempt)
    {
        sent += client.SendBatch(views.data() + sent, kFrames - sent);
        // Drain as we go, in case the kernel pushed back.
        for (auto& frame : ReceiveFrames(server, kFrames - received.size(), 0ms))
        {
            received.push_back(std::move(frame));
        }
    }
    ASSERT_EQ(sent, kFrames);
    for (auto& frame : ReceiveFrames(server, kFrames - received.size(), 5s))
    {
        received.push_back(std::move(frame));
    }

    ASSERT_EQ(received.size(), kFrames);
    for (std::size_t i = 0; i < kFrames; ++i)
    {
        ASSERT_EQ(received[i].bytes, payloads[i]) << "frame " << i << " differs or is out of order";
        ASSERT_EQ(received[i].source, kClientMac);
    }
    EXPECT_EQ(client.GetStats().framesSent, kFrames);
    EXPECT_EQ(server.GetStats().framesReceived, kFrames);
    EXPECT_EQ(server.TakeKernelDrops(), 0u);
}

TEST_F(PacketLinkTest, PaddedShortFrameArrivesWithItsZeros)
{
    PacketLinkOptions pad;
    pad.padToMinimum = true;
    PacketLink padding = Open(m_client, pad);
    PacketLink server = Open(m_server);

    // An LHP Ack is a bare 24-byte header: a NIC pads it to 46 payload bytes.
    const auto ack = Pattern(24, 5);
    ASSERT_TRUE(padding.Send(kServerMac, ack.data(), ack.size()));
    auto frames = ReceiveFrames(server, 1, 2s);
    ASSERT_EQ(frames.size(), 1u);
    ASSERT_EQ(frames[0].bytes.size(),
              realnet::kEthernetMinFrameSize - realnet::kEthernetHeaderSize);
    EXPECT_TRUE(std::equal(ack.begin(), ack.end(), frames[0].bytes.begin()));
    for (std::size_t i = ack.size(); i < frames[0].bytes.size(); ++i)
    {
        EXPECT_EQ(frames[0].bytes[i], 0) << "padding byte " << i;
    }

    // Frames at or above the minimum are not touched.
    const auto full = Pattern(46, 6);
    ASSERT_TRUE(padding.Send(kServerMac, full.data(), full.size()));
    frames = ReceiveFrames(server, 1, 2s);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].bytes, full);
}

TEST_F(PacketLinkTest, VethDoesNotPadWithoutTheOption)
{
    PacketLink client = Open(m_client);
    PacketLink server = Open(m_server);
    const auto ack = Pattern(24, 7);
    ASSERT_TRUE(client.Send(kServerMac, ack.data(), ack.size()));
    const auto frames = ReceiveFrames(server, 1, 2s);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].bytes, ack); // why tests must pad on purpose (DESIGN §5)
}

TEST_F(PacketLinkTest, WrongEtherTypeIsNotReceived)
{
    PacketLinkOptions other;
    other.etherType = 0x88B6;
    PacketLink wrongSender = Open(m_client, other);
    PacketLink client = Open(m_client);
    PacketLink server = Open(m_server);
    PacketLink otherListener = Open(m_server, other);

    const auto bytes = Pattern(80, 8);
    ASSERT_TRUE(wrongSender.Send(kServerMac, bytes.data(), bytes.size()));
    // The frame was on the wire: a listener for 0x88B6 sees it ...
    const auto seen = ReceiveFrames(otherListener, 1, 2s);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].bytes, bytes);
    // ... and the LHP link does not.
    EXPECT_EQ(ReceiveFrames(server, 1, 200ms).size(), 0u);

    ASSERT_TRUE(client.Send(kServerMac, bytes.data(), bytes.size()));
    const auto lhp = ReceiveFrames(server, 1, 2s);
    ASSERT_EQ(lhp.size(), 1u);
    EXPECT_EQ(lhp[0].bytes, bytes);
    EXPECT_EQ(ReceiveFrames(otherListener, 1, 100ms).size(), 0u);
}

TEST_F(PacketLinkTest, BadInterfaceNamesGiveTheDocumentedErrors)
{
    std::string what;
    EXPECT_EQ(OpenError("resoa-nosuch0", &what), ENODEV);
    EXPECT_NE(what.find("no such interface 'resoa-nosuch0'"), std::string::npos) << what;
    EXPECT_EQ(OpenError("", &what), EINVAL);
    EXPECT_EQ(OpenError("a-name-of-16-chr", &what), EINVAL);
    EXPECT_NE(what.find("not a valid interface name"), std::string::npos) << what;
    EXPECT_EQ(OpenError("../lhp0"), EINVAL);
    EXPECT_EQ(OpenError("lo", &what), EINVAL);
    EXPECT_NE(what.find("not an Ethernet interface"), std::string::npos) << what;
    EXPECT_EQ(OpenError("lhp0"), 0);
}

TEST_F(PacketLinkTest, InterfaceDownIsEnetdown)
{
    m_fixture.SetLinkUp(m_client, "lhp0", false);
    std::string what;
    EXPECT_EQ(OpenError("lhp0", &what), ENETDOWN);
    EXPECT_NE(what.find("'lhp0' is down"), std::string::npos) << what;
}

TEST_F(PacketLinkTest, PayloadAboveMtuIsEmsgsize)
{
    PacketLink client = Open(m_client);
    const auto bytes = Pattern(client.GetMtu() + 1, 9);
    try
    {
        client.Send(kServerMac, bytes.data(), bytes.size());
        FAIL() << "an oversized payload was accepted";
    }
    catch (const std::system_error& e)
    {
        EXPECT_EQ(e.code().value(), EMSGSIZE);
    }
    EXPECT_EQ(client.GetStats().framesSent, 0u);
}

} // namespace
} // namespace test
} // namespace resoa
