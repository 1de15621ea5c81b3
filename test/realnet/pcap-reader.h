/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Reads classic pcap files (as realnet/pcap-writer.h writes them) back for tests.
 */
#ifndef RESOA_TEST_PCAP_READER_H
#define RESOA_TEST_PCAP_READER_H

#include <cstdint>
#include <string>
#include <vector>

namespace resoa
{
namespace test
{

/// The global header fields a test checks.
struct PcapHeader
{
    std::uint32_t magic = 0;
    std::uint16_t versionMajor = 0;
    std::uint16_t versionMinor = 0;
    std::int32_t thisZone = 0;
    std::uint32_t sigFigs = 0;
    std::uint32_t snapLength = 0;
    std::uint32_t linkType = 0;
};

/// One record: timestamps, lengths and the captured bytes.
struct PcapRecord
{
    std::uint32_t seconds = 0;
    std::uint32_t micros = 0;
    std::uint32_t captured = 0;
    std::uint32_t original = 0;
    std::vector<std::uint8_t> data;
};

/// A parsed file, or why it could not be parsed.
struct PcapFile
{
    PcapHeader header;
    std::vector<PcapRecord> records;
    std::string error; //!< "" when the whole file parsed
};

/// Parses \p bytes (host byte order, as written on this host); stops at the first problem.
PcapFile ParsePcap(const std::vector<std::uint8_t>& bytes);

/// Reads and parses the file at \p path.
PcapFile ReadPcap(const std::string& path);

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_PCAP_READER_H
