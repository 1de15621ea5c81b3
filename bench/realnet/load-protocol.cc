/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "load-protocol.h"

#include "load-pattern.h"

#include <cstring>

namespace resoa
{
namespace bench
{

namespace
{

void
Put32(std::uint8_t* p, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
    {
        p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
    }
}

std::uint32_t
Get32(const std::uint8_t* p)
{
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}

} // namespace

std::array<std::uint8_t, LoadRequest::kSize>
LoadRequest::Encode() const
{
    std::array<std::uint8_t, kSize> b{'R', 'L', 'D', '1'};
    b[4] = static_cast<std::uint8_t>(op);
    Put32(&b[8], argA);
    Put32(&b[12], argB);
    return b;
}

std::optional<LoadRequest>
LoadRequest::Decode(const std::uint8_t* b)
{
    if (std::memcmp(b, "RLD1", 4) != 0 || b[5] != 0 || b[6] != 0 || b[7] != 0 || b[4] < 1 ||
        b[4] > 3)
    {
        return std::nullopt;
    }
    LoadRequest r;
    r.op = static_cast<LoadOp>(b[4]);
    r.argA = Get32(&b[8]);
    r.argB = Get32(&b[12]);
    return r;
}

std::array<std::uint8_t, LoadResult::kSize>
LoadResult::Encode() const
{
    std::array<std::uint8_t, kSize> b{'R', 'L', 'D', 'R'};
    Put32(&b[4], static_cast<std::uint32_t>(bytes >> 32));
    Put32(&b[8], static_cast<std::uint32_t>(bytes));
    b[12] = intact ? 1 : 0;
    return b;
}

std::optional<LoadResult>
LoadResult::Decode(const std::uint8_t* b)
{
    if (std::memcmp(b, "RLDR", 4) != 0 || b[12] > 1)
    {
        return std::nullopt;
    }
    LoadResult r;
    r.bytes = (std::uint64_t{Get32(&b[4])} << 32) | Get32(&b[8]);
    r.intact = b[12] == 1;
    return r;
}

std::vector<std::uint8_t>
EncodeReplyRequest(std::size_t request, std::size_t reply)
{
    const std::size_t extra = request > LoadRequest::kSize ? request - LoadRequest::kSize : 0;
    const LoadRequest header{
        LoadOp::Reply, static_cast<std::uint32_t>(reply), static_cast<std::uint32_t>(extra)};
    std::vector<std::uint8_t> bytes(LoadRequest::kSize + extra);
    std::memcpy(bytes.data(), header.Encode().data(), LoadRequest::kSize);
    std::memcpy(bytes.data() + LoadRequest::kSize, Pattern().At(0), extra);
    return bytes;
}

} // namespace bench
} // namespace resoa
