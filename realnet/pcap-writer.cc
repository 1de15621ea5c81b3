/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "pcap-writer.h"

#include "system-error.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace resoa
{
namespace realnet
{

namespace
{

constexpr std::uint32_t kPcapMagic = 0xa1b2c3d4; // microsecond timestamps, host byte order
constexpr std::uint32_t kLinkTypeEthernet = 1;
constexpr std::size_t kManualFlushLimit = 1 << 20;

/// Appends \p value in host byte order: readers detect the order from the magic.
template<typename T>
void
Append(std::vector<std::uint8_t>& buffer, T value)
{
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(&value);
    buffer.insert(buffer.end(), bytes, bytes + sizeof(value));
}

} // namespace

PcapWriter::PcapWriter(const std::string& path,
                       PcapFlush flush,
                       std::uint16_t etherType,
                       std::uint32_t snapLength)
    : m_path(path)
    , m_flush(flush)
    , m_etherType(etherType)
    , m_snapLength(snapLength)
{
    m_fd.Reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!m_fd)
    {
        ThrowErrno(errno, "pcap: cannot create '" + path + "'");
    }
    Append<std::uint32_t>(m_buffer, kPcapMagic);
    Append<std::uint16_t>(m_buffer, 2); // version 2.4
    Append<std::uint16_t>(m_buffer, 4);
    Append<std::int32_t>(m_buffer, 0);  // thiszone: UTC
    Append<std::uint32_t>(m_buffer, 0); // sigfigs
    Append<std::uint32_t>(m_buffer, m_snapLength);
    Append<std::uint32_t>(m_buffer, kLinkTypeEthernet);
    if (!Flush())
    {
        ThrowErrno(m_error, "pcap: cannot write '" + path + "'");
    }
}

PcapWriter::~PcapWriter()
{
    Flush();
}

bool
PcapWriter::WriteFrame(const MacAddress& destination,
                       const MacAddress& source,
                       const std::uint8_t* payload,
                       std::size_t size,
                       std::chrono::nanoseconds wallTime)
{
    if (m_error != 0)
    {
        return false; // a failed write may have cut a record: anything after it would be garbage
    }
    if (wallTime.count() == 0)
    {
        timespec ts{};
        ::clock_gettime(CLOCK_REALTIME, &ts);
        wallTime = std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
    }
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(wallTime).count();
    const std::size_t frameLength = 14 + size;
    const std::size_t captured = std::min<std::size_t>(frameLength, m_snapLength);

    Append<std::uint32_t>(m_buffer, static_cast<std::uint32_t>(micros / 1000000));
    Append<std::uint32_t>(m_buffer, static_cast<std::uint32_t>(micros % 1000000));
    Append<std::uint32_t>(m_buffer, static_cast<std::uint32_t>(captured));
    Append<std::uint32_t>(m_buffer, static_cast<std::uint32_t>(frameLength));

    std::uint8_t header[14];
    std::copy(destination.begin(), destination.end(), header);
    std::copy(source.begin(), source.end(), header + 6);
    header[12] = static_cast<std::uint8_t>(m_etherType >> 8);
    header[13] = static_cast<std::uint8_t>(m_etherType & 0xff);
    const std::size_t headerPart = std::min<std::size_t>(captured, sizeof(header));
    m_buffer.insert(m_buffer.end(), header, header + headerPart);
    if (captured > sizeof(header))
    {
        m_buffer.insert(m_buffer.end(), payload, payload + (captured - sizeof(header)));
    }
    ++m_frames;

    if (m_flush == PcapFlush::PerFrame || m_buffer.size() >= kManualFlushLimit)
    {
        return Flush();
    }
    return m_error == 0;
}

bool
PcapWriter::Flush()
{
    std::size_t done = 0;
    while (done < m_buffer.size())
    {
        const ssize_t n = ::write(m_fd.Get(), m_buffer.data() + done, m_buffer.size() - done);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            m_error = n < 0 ? errno : EIO;
            // Drop what could not be written: a full disk must not grow the daemon's memory.
            m_buffer.clear();
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    m_buffer.clear();
    return true;
}

int
PcapWriter::GetError() const
{
    return m_error;
}

std::uint64_t
PcapWriter::GetFrameCount() const
{
    return m_frames;
}

} // namespace realnet
} // namespace resoa
