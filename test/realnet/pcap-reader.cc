/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "pcap-reader.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace resoa
{
namespace test
{
namespace
{

template<typename T>
T
Field(const std::vector<std::uint8_t>& bytes, std::size_t offset)
{
    T value{};
    std::memcpy(&value, bytes.data() + offset, sizeof(T)); // host order, as written
    return value;
}

} // namespace

PcapFile
ParsePcap(const std::vector<std::uint8_t>& bytes)
{
    PcapFile f;
    if (bytes.size() < 24)
    {
        f.error = "shorter than the 24-byte global header";
        return f;
    }
    f.header.magic = Field<std::uint32_t>(bytes, 0);
    f.header.versionMajor = Field<std::uint16_t>(bytes, 4);
    f.header.versionMinor = Field<std::uint16_t>(bytes, 6);
    f.header.thisZone = Field<std::int32_t>(bytes, 8);
    f.header.sigFigs = Field<std::uint32_t>(bytes, 12);
    f.header.snapLength = Field<std::uint32_t>(bytes, 16);
    f.header.linkType = Field<std::uint32_t>(bytes, 20);
    std::size_t offset = 24;
    while (offset < bytes.size())
    {
        if (offset + 16 > bytes.size())
        {
            f.error = "truncated record header at offset " + std::to_string(offset);
            return f;
        }
        PcapRecord r;
        r.seconds = Field<std::uint32_t>(bytes, offset);
        r.micros = Field<std::uint32_t>(bytes, offset + 4);
        r.captured = Field<std::uint32_t>(bytes, offset + 8);
        r.original = Field<std::uint32_t>(bytes, offset + 12);
        offset += 16;
        if (r.captured > bytes.size() - offset)
        {
            f.error = "record runs past the end at offset " + std::to_string(offset);
            return f;
        }
        r.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                      bytes.begin() + static_cast<std::ptrdiff_t>(offset + r.captured));
        offset += r.captured;
        f.records.push_back(std::move(r));
    }
    return f;
}

PcapFile
ReadPcap(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
    {
        PcapFile f;
        f.error = "cannot open " + path;
        return f;
    }
    return ParsePcap({std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()});
}

} // namespace test
} // namespace resoa
