/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * realnet-load: the byte stream every bulk and reply transfer carries, so that the receiver
 * can check each byte at memcmp speed (a hash per byte would cost more CPU than the daemons
 * under test at several Gbit/s).
 */
#ifndef RESOA_BENCH_LOAD_PATTERN_H
#define RESOA_BENCH_LOAD_PATTERN_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace resoa
{
namespace bench
{

/**
 * \brief A pseudo-random byte stream with a prime period (65521), so a lost, duplicated or
 * reordered chunk shows up as a mismatch unless it is shifted by a multiple of the period.
 * Byte k of a transfer is At(k)[0]; At(k) stays valid for kMaxChunk bytes.
 */
class LoadPattern
{
  public:
    static constexpr std::size_t kPeriod = 65521;
    static constexpr std::size_t kMaxChunk = 256 * 1024; //!< largest read/write of the tool

    LoadPattern();

    /// \return the pattern from stream offset \p offset, valid for kMaxChunk bytes
    const std::uint8_t* At(std::uint64_t offset) const
    {
        return m_bytes.data() + offset % kPeriod;
    }

    /// \return true if \p size (<= kMaxChunk) bytes at \p data are the stream at \p offset
    bool Matches(std::uint64_t offset, const void* data, std::size_t size) const;

  private:
    std::vector<std::uint8_t> m_bytes; //!< one period plus kMaxChunk, so At() never wraps
};

/// \return the process-wide pattern (built once)
const LoadPattern& Pattern();

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_LOAD_PATTERN_H
