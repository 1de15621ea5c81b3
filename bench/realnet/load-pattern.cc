/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "load-pattern.h"

#include <cstring>

namespace resoa
{
namespace bench
{

LoadPattern::LoadPattern()
    : m_bytes(kPeriod + kMaxChunk)
{
    std::uint32_t x = 0x9e3779b9u; // xorshift32: fixed seed, both ends agree
    for (std::size_t i = 0; i < kPeriod; ++i)
    {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        m_bytes[i] = static_cast<std::uint8_t>(x >> 24);
    }
    for (std::size_t i = kPeriod; i < m_bytes.size(); ++i)
    {
        m_bytes[i] = m_bytes[i - kPeriod];
    }
}

bool
LoadPattern::Matches(std::uint64_t offset, const void* data, std::size_t size) const
{
    return size <= kMaxChunk && std::memcmp(At(offset), data, size) == 0;
}

const LoadPattern&
Pattern()
{
    static const LoadPattern pattern;
    return pattern;
}

} // namespace bench
} // namespace resoa
