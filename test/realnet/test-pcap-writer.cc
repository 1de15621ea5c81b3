/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * PcapWriter: the file is parsed back and checked field by field.
 */
#include "mac-address.h"
#include "netns-fixture.h"
#include "pcap-reader.h"
#include "pcap-writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace resoa
{
namespace test
{
namespace
{

using realnet::MacAddress;
using realnet::PcapFlush;
using realnet::PcapWriter;
using namespace std::chrono_literals;

const MacAddress kClient = {0x02, 0, 0, 0, 0, 0x01};
const MacAddress kServer = {0x02, 0, 0, 0, 0, 0x02};

std::string
TempPath(const std::string& name)
{
    return ::testing::TempDir() + "resoa-" + std::to_string(::getpid()) + "-" + name + ".pcap";
}

std::vector<std::uint8_t>
ReadAll(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

/// Parses a classic pcap file; fails the test on any inconsistency.
std::vector<PcapRecord>
ParseChecked(const std::vector<std::uint8_t>& bytes, std::uint32_t expectedSnap)
{
    const PcapFile f = ParsePcap(bytes);
    EXPECT_EQ(f.error, "");
    EXPECT_EQ(f.header.magic, 0xa1b2c3d4u);
    EXPECT_EQ(f.header.versionMajor, 2u);
    EXPECT_EQ(f.header.versionMinor, 4u);
    EXPECT_EQ(f.header.thisZone, 0);
    EXPECT_EQ(f.header.sigFigs, 0u);
    EXPECT_EQ(f.header.snapLength, expectedSnap);
    EXPECT_EQ(f.header.linkType, 1u); // LINKTYPE_ETHERNET
    return f.records;
}

TEST(PcapWriter, HeaderAndRecordsParseBack)
{
    const std::string path = TempPath("records");
    const std::vector<std::uint8_t> ack(24, 0x11);
    std::vector<std::uint8_t> paddedAck = ack;
    paddedAck.resize(46, 0); // as received from a NIC
    const std::vector<std::uint8_t> data(1000, 0x22);
    {
        PcapWriter writer(path);
        const auto t0 = std::chrono::seconds(1700000000) + std::chrono::microseconds(123456);
        EXPECT_TRUE(writer.WriteFrame(kServer, kClient, data.data(), data.size(), t0));
        EXPECT_TRUE(
            writer.WriteFrame(kClient, kServer, paddedAck.data(), paddedAck.size(), t0 + 1500us));
        EXPECT_TRUE(writer.WriteFrame(kServer, kClient, ack.data(), ack.size()));
        EXPECT_EQ(writer.GetFrameCount(), 3u);
        EXPECT_EQ(writer.GetError(), 0);
        // PerFrame: on disk already, before the writer is gone.
        EXPECT_EQ(ReadAll(path).size(), 24u + 3 * 16 + (14 + 1000) + (14 + 46) + (14 + 24));
    }
    const auto records = ParseChecked(ReadAll(path), 65535);
    ASSERT_EQ(records.size(), 3u);

    EXPECT_EQ(records[0].seconds, 1700000000u);
    EXPECT_EQ(records[0].micros, 123456u);
    EXPECT_EQ(records[0].captured, 14u + 1000);
    EXPECT_EQ(records[0].original, 14u + 1000);
    EXPECT_TRUE(std::equal(kServer.begin(), kServer.end(), records[0].data.begin()));
    EXPECT_TRUE(std::equal(kClient.begin(), kClient.end(), records[0].data.begin() + 6));
    EXPECT_EQ(records[0].data[12], 0x88);
    EXPECT_EQ(records[0].data[13], 0xB5);
    EXPECT_TRUE(std::equal(data.begin(), data.end(), records[0].data.begin() + 14));

    EXPECT_EQ(records[1].micros, 124956u);
    EXPECT_EQ(records[1].original, 60u) << "padded frame recorded as received";
    EXPECT_TRUE(std::equal(kClient.begin(), kClient.end(), records[1].data.begin()));

    EXPECT_EQ(records[2].original, 38u);
    EXPECT_GT(records[2].seconds, 1700000000u) << "wall clock used when no time is given";
    ::unlink(path.c_str());
}

TEST(PcapWriter, SnapLengthCutsButKeepsTheOriginalLength)
{
    const std::string path = TempPath("snap");
    const std::vector<std::uint8_t> data(200, 0x33);
    {
        PcapWriter writer(path, PcapFlush::PerFrame, 0x88B5, 64);
        writer.WriteFrame(kServer, kClient, data.data(), data.size(), 1s);
    }
    const auto records = ParseChecked(ReadAll(path), 64);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].captured, 64u);
    EXPECT_EQ(records[0].original, 214u);
    ::unlink(path.c_str());
}

TEST(PcapWriter, ManualFlushWritesOnFlushOnly)
{
    const std::string path = TempPath("manual");
    const std::vector<std::uint8_t> data(100, 0x44);
    PcapWriter writer(path, PcapFlush::Manual);
    writer.WriteFrame(kServer, kClient, data.data(), data.size(), 1s);
    writer.WriteFrame(kServer, kClient, data.data(), data.size(), 2s);
    EXPECT_EQ(ReadAll(path).size(), 24u) << "records waited for the end of the loop round";
    EXPECT_TRUE(writer.Flush());
    EXPECT_EQ(ParseChecked(ReadAll(path), 65535).size(), 2u);
    ::unlink(path.c_str());
}

TEST(PcapWriter, UnwritablePathThrows)
{
    try
    {
        PcapWriter writer("/nonexistent-dir/x.pcap");
        FAIL() << "no error";
    }
    catch (const std::system_error& e)
    {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.pcap"), std::string::npos);
    }
}

TEST(PcapWriter, ReadableByTcpdumpOrTsharkIfInstalled)
{
    const bool tcpdump = RunCommand({"tcpdump", "--version"}).exitCode == 0;
    const bool tshark = RunCommand({"tshark", "--version"}).exitCode == 0;
    if (!tcpdump && !tshark)
    {
        GTEST_SKIP() << "neither tcpdump nor tshark is installed (optional check)";
    }
    const std::string path = TempPath("tools");
    const std::vector<std::uint8_t> data(64, 0x55);
    {
        PcapWriter writer(path);
        for (int i = 0; i < 3; ++i)
        {
            writer.WriteFrame(kServer, kClient, data.data(), data.size());
        }
    }
    const CommandResult r = tcpdump ? RunCommand({"tcpdump", "-nn", "-e", "-r", path})
                                    : RunCommand({"tshark", "-r", path});
    EXPECT_EQ(r.exitCode, 0) << r.output;
    // One summary line per packet; tcpdump adds a "reading from file" line and indented hex
    // dump lines for an EtherType it does not know.
    std::istringstream lines(r.output);
    std::string line;
    int packets = 0;
    while (std::getline(lines, line))
    {
        packets += !line.empty() && line[0] != '\t' && line[0] != ' ' &&
                           line.rfind("reading from file", 0) != 0
                       ? 1
                       : 0;
    }
    EXPECT_EQ(packets, 3) << r.output;
    if (tcpdump)
    {
        EXPECT_NE(r.output.find("02:00:00:00:00:01 > 02:00:00:00:00:02"), std::string::npos)
            << r.output;
        EXPECT_NE(r.output.find("0x88b5"), std::string::npos) << r.output;
    }
    ::unlink(path.c_str());
}

} // namespace
} // namespace test
} // namespace resoa
