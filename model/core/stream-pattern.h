/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_STREAM_PATTERN_H
#define RESOA_STREAM_PATTERN_H

#include <cstddef>
#include <cstdint>

namespace resoa
{

/**
 * \brief Deterministic test content: byte `offset` of the stream named `seed`.
 *
 * Senders generate it, receivers hash what arrives and compare with the hash of the same
 * prefix, so a transfer can be checked for loss, duplication and reordering without storing
 * it.
 */
inline std::uint8_t
PatternByte(std::uint64_t seed, std::uint64_t offset)
{
    // splitmix64 of the 8-byte block index, then pick the byte.
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * ((offset >> 3) + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<std::uint8_t>(z >> (8 * (offset & 7)));
}

/// Incremental 64-bit FNV-1a hash.
class StreamHash
{
  public:
    void Update(const std::uint8_t* data, std::size_t len)
    {
        for (std::size_t i = 0; i < len; ++i)
        {
            m_h = (m_h ^ data[i]) * 0x100000001B3ull;
        }
        m_bytes += len;
    }

    void UpdatePattern(std::uint64_t seed, std::uint64_t from, std::uint64_t len)
    {
        for (std::uint64_t i = 0; i < len; ++i)
        {
            m_h = (m_h ^ PatternByte(seed, from + i)) * 0x100000001B3ull;
        }
        m_bytes += len;
    }

    std::uint64_t Value() const
    {
        return m_h;
    }

    std::uint64_t Bytes() const
    {
        return m_bytes;
    }

  private:
    std::uint64_t m_h = 0xCBF29CE484222325ull;
    std::uint64_t m_bytes = 0;
};

/// Hash of the first `len` bytes of the pattern stream `seed`.
inline std::uint64_t
PatternHash(std::uint64_t seed, std::uint64_t len)
{
    StreamHash h;
    h.UpdatePattern(seed, 0, len);
    return h.Value();
}

} // namespace resoa

#endif // RESOA_STREAM_PATTERN_H
