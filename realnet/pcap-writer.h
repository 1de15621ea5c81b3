/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_PCAP_WRITER_H
#define RESOA_REALNET_PCAP_WRITER_H

#include "lhp-frame.h"
#include "mac-address.h"
#include "unique-fd.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/// When a PcapWriter hands its buffered records to the kernel.
enum class PcapFlush
{
    PerFrame, //!< after every frame: a crash loses nothing (tests, debugging)
    Manual,   //!< on Flush() (once per loop round) or when 1 MiB is buffered
};

/**
 * \brief Writes LHP frames, both directions, to a classic pcap file (LINKTYPE_ETHERNET).
 *
 * The same format ns-3's PcapHelper writes, so a capture from a daemon and one from a
 * simulation open in the same tools and decode with the same dissector (DESIGN §3: a frame
 * ns-3 writes must decode in the daemons, and the reverse). Records are rebuilt as Ethernet
 * II frames with the link's EtherType; timestamps are wall-clock microseconds, as tcpdump
 * writes them. Frames longer than the snap length are cut, with their original length kept.
 */
class PcapWriter
{
  public:
    /**
     * Creates (truncates) \p path and writes the global header.
     * \throws std::system_error if the file cannot be created or written
     */
    explicit PcapWriter(const std::string& path,
                        PcapFlush flush = PcapFlush::PerFrame,
                        std::uint16_t etherType = kLhpEtherType,
                        std::uint32_t snapLength = 65535);
    ~PcapWriter();

    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    /**
     * Records one frame as it was on the wire: for a sent frame, \p destination is the peer
     * and \p source our MAC; for a received one the reverse, with the payload as received
     * (padding included).
     * \param wallTime time since the Unix epoch; 0 = now (CLOCK_REALTIME)
     * \return false if writing failed (see GetError); capture is best effort and never stops
     * the daemon, and after a failed write the writer records nothing more
     */
    bool WriteFrame(const MacAddress& destination,
                    const MacAddress& source,
                    const std::uint8_t* payload,
                    std::size_t size,
                    std::chrono::nanoseconds wallTime = std::chrono::nanoseconds(0));

    /// Writes buffered records to the file. \return false on a write error
    bool Flush();

    /// \return the errno of the last failed write, or 0
    int GetError() const;
    /// \return records written so far
    std::uint64_t GetFrameCount() const;

  private:
    UniqueFd m_fd;
    std::string m_path;
    PcapFlush m_flush;
    std::uint16_t m_etherType;
    std::uint32_t m_snapLength;
    std::vector<std::uint8_t> m_buffer;
    std::uint64_t m_frames = 0;
    int m_error = 0;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_PCAP_WRITER_H
