/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Shared by the stateful fuzz targets: a reader that turns the fuzzer's bytes into choices,
 * and the invariant check. Plain C++17, so the targets also build with g++ for the replay
 * tests (clang's FuzzedDataProvider is not available there).
 */
#ifndef RESOA_FUZZ_INPUT_H
#define RESOA_FUZZ_INPUT_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

/// Traps (libFuzzer records the input) when an invariant fails; says which one first, so a
/// crash report names the broken rule without a debugger.
#define FUZZ_REQUIRE(cond)                                                                     \
    do                                                                                         \
    {                                                                                          \
        if (!(cond))                                                                           \
        {                                                                                      \
            std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            __builtin_trap();                                                                  \
        }                                                                                      \
    } while (false)

namespace resoa
{
namespace fuzz
{

/**
 * \brief Reads choices from the fuzzer's input, front to back. Once the input is used up
 * every read returns zeros, so a harness never needs to check for the end except to stop
 * its operation loop (Empty()).
 */
class FuzzInput
{
  public:
    FuzzInput(const std::uint8_t* data, std::size_t size)
        : m_data(data)
        , m_size(size)
    {
    }

    bool Empty() const
    {
        return m_pos >= m_size;
    }

    std::size_t Remaining() const
    {
        return m_size - m_pos;
    }

    std::uint8_t U8()
    {
        return m_pos < m_size ? m_data[m_pos++] : 0;
    }

    std::uint16_t U16()
    {
        const std::uint16_t hi = U8();
        return static_cast<std::uint16_t>((hi << 8) | U8());
    }

    std::uint32_t U32()
    {
        const std::uint32_t hi = U16();
        return (hi << 16) | U16();
    }

    bool Bool()
    {
        return (U8() & 1) != 0;
    }

    /// A value in [lo, hi] (inclusive); one byte for small ranges, two for larger ones.
    std::size_t Range(std::size_t lo, std::size_t hi)
    {
        if (hi <= lo)
        {
            return lo;
        }
        const std::size_t span = hi - lo + 1;
        const std::size_t raw = span <= 256 ? U8() : (span <= 65536 ? U16() : U32());
        return lo + raw % span;
    }

    /// Up to `len` bytes (fewer if the input ends).
    std::vector<std::uint8_t> Bytes(std::size_t len)
    {
        const std::size_t n = std::min(len, Remaining());
        std::vector<std::uint8_t> out(m_data + m_pos, m_data + m_pos + n);
        m_pos += n;
        return out;
    }

  private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

/// Serial-number "a is after b" on 32-bit sequence numbers.
inline bool
SeqAfter(std::uint32_t a, std::uint32_t b)
{
    return static_cast<std::int32_t>(a - b) > 0;
}

} // namespace fuzz
} // namespace resoa

#endif // RESOA_FUZZ_INPUT_H
