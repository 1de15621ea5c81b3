/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libFuzzer entry point for the LHP and EP decoders. The first input byte picks the decoder;
 * the rest is the wire input. Any accepted input must re-encode to exactly the same bytes and
 * decode back to an equal value: the formats have one encoding per value, so a mismatch is a
 * real codec bug and traps.
 */
#include "ep-message.h"
#include "lhp-frame.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace
{

using resoa::DecodeError;

/// Aborts the run so libFuzzer records the input; never used for wire errors themselves.
void
Require(bool ok)
{
    if (!ok)
    {
        __builtin_trap();
    }
}

bool
SameBytes(const std::vector<std::uint8_t>& v, const std::uint8_t* data, std::size_t len)
{
    return v.size() == len && std::equal(v.begin(), v.end(), data);
}

void
FuzzLhpFrame(const std::uint8_t* data, std::size_t len)
{
    resoa::LhpFrame f;
    const DecodeError e = resoa::DecodeLhpFrame(data, len, f);
    const std::size_t framed = resoa::LhpFramedLength(data, len);
    if (framed != 0 && framed <= len)
    {
        // What a driver does with a padded Ethernet frame: trimming must leave a valid frame.
        resoa::LhpFrame trimmed;
        Require(resoa::DecodeLhpFrame(data, framed, trimmed) == DecodeError::Ok);
    }
    if (e != DecodeError::Ok)
    {
        return;
    }
    Require(framed == len);
    const auto bytes = resoa::EncodeLhpFrame(f);
    Require(SameBytes(bytes, data, len));
    resoa::LhpFrame g;
    Require(resoa::DecodeLhpFrame(bytes.data(), bytes.size(), g) == DecodeError::Ok);
    Require(g == f);
}

void
FuzzEpMessage(const std::uint8_t* data, std::size_t len)
{
    resoa::EpMessage m;
    if (resoa::DecodeEpMessage(data, len, m) != DecodeError::Ok)
    {
        return;
    }
    Require(resoa::EpEncodedSize(m) == len);
    const auto bytes = resoa::EncodeEpMessage(m);
    Require(SameBytes(bytes, data, len));
    resoa::EpMessage d;
    Require(resoa::DecodeEpMessage(bytes.data(), bytes.size(), d) == DecodeError::Ok);
    Require(d == m);
}

void
FuzzEpStream(const std::uint8_t* data, std::size_t len)
{
    std::size_t pos = 0;
    resoa::EpMessage m; // reused, as a driver would
    while (pos < len)
    {
        std::size_t consumed = 0;
        const DecodeError e = resoa::DecodeEpMessagePrefix(data + pos, len - pos, m, consumed);
        if (e == DecodeError::Truncated)
        {
            // Truncated must mean "wait for more": the buffer is shorter than declared.
            const std::size_t rest = len - pos;
            if (rest >= resoa::kEpHeaderSize)
            {
                const std::uint8_t* h = data + pos;
                const std::size_t declared = (std::size_t{h[12]} << 24) |
                                             (std::size_t{h[13]} << 16) |
                                             (std::size_t{h[14]} << 8) | h[15];
                Require(rest < resoa::kEpHeaderSize + declared);
            }
            return;
        }
        if (e != DecodeError::Ok)
        {
            return;
        }
        Require(consumed >= resoa::kEpHeaderSize && consumed <= len - pos);
        Require(SameBytes(resoa::EncodeEpMessage(m), data + pos, consumed));
        pos += consumed;
    }
}

void
FuzzConnectParams(const std::uint8_t* data, std::size_t len)
{
    resoa::LhpConnectParams p;
    if (resoa::DecodeConnectParams(data, len, p) != DecodeError::Ok)
    {
        return;
    }
    std::vector<std::uint8_t> bytes;
    resoa::EncodeConnectParams(p, bytes);
    Require(SameBytes(bytes, data, len));
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
    {
        return 0;
    }
    const std::uint8_t* input = data + 1;
    const std::size_t len = size - 1;
    switch (data[0] % 4)
    {
        case 0:
            FuzzLhpFrame(input, len);
            break;
        case 1:
            FuzzEpMessage(input, len);
            break;
        case 2:
            FuzzEpStream(input, len);
            break;
        default:
            FuzzConnectParams(input, len);
            break;
    }
    return 0;
}
