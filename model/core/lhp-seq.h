/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_LHP_SEQ_H
#define RESOA_LHP_SEQ_H

#include <cstdint>

namespace resoa
{

/**
 * \brief Serial-number order on 32-bit LHP sequence numbers (RFC 1982 style).
 *
 * `a` is before `b` when b - a (mod 2^32) is in [1, 2^31). Windows are far smaller than
 * 2^31, so comparisons stay correct across the wrap from 0xffffffff to 0.
 */
inline bool
SeqLess(std::uint32_t a, std::uint32_t b)
{
    return a != b && static_cast<std::uint32_t>(b - a) < 0x80000000u;
}

/// a <= b in serial order.
inline bool
SeqLessEq(std::uint32_t a, std::uint32_t b)
{
    return a == b || SeqLess(a, b);
}

/// a > b in serial order.
inline bool
SeqGreater(std::uint32_t a, std::uint32_t b)
{
    return SeqLess(b, a);
}

/// The later of two sequence numbers in serial order.
inline std::uint32_t
SeqMax(std::uint32_t a, std::uint32_t b)
{
    return SeqLess(a, b) ? b : a;
}

} // namespace resoa

#endif // RESOA_LHP_SEQ_H
