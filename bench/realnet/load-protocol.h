/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * realnet-load's wire format: one fixed 16-byte request opens every connection and says
 * what the server does with it; sinks answer with a fixed 16-byte result.
 */
#ifndef RESOA_BENCH_LOAD_PROTOCOL_H
#define RESOA_BENCH_LOAD_PROTOCOL_H

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace resoa
{
namespace bench
{

enum class LoadOp : std::uint8_t
{
    Sink = 1,   //!< client uploads until EOF; server checks every byte, answers a LoadResult
    Source = 2, //!< server sends the pattern for argA ms, then closes
    Reply = 3,  //!< server reads argB more request bytes, sends argA reply bytes, closes first
};

/// "RLD1", op, 3 zero bytes, argA, argB (big endian).
struct LoadRequest
{
    static constexpr std::size_t kSize = 16;
    LoadOp op = LoadOp::Reply;
    std::uint32_t argA = 0;
    std::uint32_t argB = 0;

    std::array<std::uint8_t, kSize> Encode() const;
    static std::optional<LoadRequest> Decode(const std::uint8_t* bytes);
};

/// A sink's answer after EOF: "RLDR", bytes received (64 bit), 1 if every byte matched.
struct LoadResult
{
    static constexpr std::size_t kSize = 16;
    std::uint64_t bytes = 0;
    bool intact = false;

    std::array<std::uint8_t, kSize> Encode() const;
    static std::optional<LoadResult> Decode(const std::uint8_t* bytes);
};

/// \return a whole Reply request of \p request bytes (the header, then request - 16 pattern
/// bytes for the server to drain) asking for \p reply bytes
std::vector<std::uint8_t> EncodeReplyRequest(std::size_t request, std::size_t reply);

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_LOAD_PROTOCOL_H
