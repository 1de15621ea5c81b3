/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_LHP_FRAME_H
#define RESOA_LHP_FRAME_H

#include "resoa-codec-error.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace resoa
{

/// EtherType of LHP frames (IEEE 802 "local experimental" 0x88B5).
constexpr std::uint16_t kLhpEtherType = 0x88B5;

/// LHP protocol version carried in every frame.
constexpr std::uint8_t kLhpVersion = 1;

/// Size of the fixed LHP header in bytes.
constexpr std::size_t kLhpHeaderSize = 24;

/// Largest payload a frame may declare. Links cap it lower (see LhpConfig::maxPayload).
constexpr std::size_t kLhpMaxPayload = 9000;

/**
 * \brief LHP frame types.
 *
 * Wire layout (network byte order, 24-byte header, then payload):
 * \verbatim
 *  0  u8  version (=1)
 *  1  u8  type           (LhpFrameType)
 *  2  u8  flags          (LhpFlags bits)
 *  3  u8  channel        (LhpChannel)
 *  4  u32 connection id  (chosen by the connecting side, never 0)
 *  8  u32 seq            (DATA/FORWARD: sequence number on `channel`)
 * 12  u32 ack            (if kFlagAck: next sequence expected on `channel` in the reverse
 *                         direction; everything below it has been received)
 * 16  u32 sack           (if kFlagAck: bit i set = frame ack+1+i has been received)
 * 20  u16 window         (if kFlagAck: the receiver's window in frames on `channel`: it
 *                         takes frames in [ack, ack + window), and the sender keeps new
 *                         frames below that; 0 on frames without kFlagAck)
 * 22  u16 payload length
 * 24  ... payload
 * \endverbatim
 */
enum class LhpFrameType : std::uint8_t
{
    Data = 1,      //!< carries one SDU on `channel`; may piggyback an ack
    Ack = 2,       //!< standalone cumulative ack + SACK for `channel`
    Connect = 3,   //!< opens a connection; payload: LhpConnectParams
    Accept = 4,    //!< answers Connect; payload: LhpConnectParams
    Close = 5,     //!< orderly close; payload: u32 token = the receiver's nonce (see LhpLink);
                   //!< answered by Close with kFlagResponse (no payload)
    Keepalive = 6, //!< liveness probe; answered by Keepalive with kFlagResponse
    Forward = 7,   //!< semi-reliable sender gives up below `seq`: receiver moves its edge there
};

/// Logical channels multiplexed on one LHP connection. Each has its own sequence space.
enum class LhpChannel : std::uint8_t
{
    Reliable = 0,     //!< in-order, duplicate-free, no loss (TCP sockets, EP control)
    SemiReliable = 1, //!< bounded retries/deadline, delivered as received (UDP datagrams)
};

constexpr std::size_t kLhpChannelCount = 2;

/// Flag bits of the LHP header.
enum LhpFlags : std::uint8_t
{
    kFlagAck = 0x01,      //!< ack/sack/window fields are valid
    kFlagResponse = 0x02, //!< this Keepalive/Close answers the peer's
};

/// Payload of Connect and Accept frames (8 bytes on the wire: u16 maxPayload, u16 window,
/// u32 nonce). Unknown trailing bytes are an error (version 1 has no extensions).
struct LhpConnectParams
{
    std::uint16_t maxPayload = 0; //!< largest SDU the sender will accept
    std::uint16_t window = 0;     //!< receive window in frames, per channel
    std::uint32_t nonce = 0;      //!< distinguishes a restarted peer reusing a connection id
};

constexpr std::size_t kLhpConnectParamsSize = 8;

/// One decoded LHP frame. `payload` is a copy; frames are small.
struct LhpFrame
{
    std::uint8_t version = kLhpVersion;
    LhpFrameType type = LhpFrameType::Data;
    std::uint8_t flags = 0;
    LhpChannel channel = LhpChannel::Reliable;
    std::uint32_t connId = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint32_t sack = 0;
    std::uint16_t window = 0;
    std::vector<std::uint8_t> payload;

    bool HasAck() const
    {
        return (flags & kFlagAck) != 0;
    }

    bool operator==(const LhpFrame& o) const;
};

/// Appends the encoding of `f` to `out`. Precondition: payload.size() <= kLhpMaxPayload.
void EncodeLhpFrame(const LhpFrame& f, std::vector<std::uint8_t>& out);

/// Convenience: encodes into a fresh buffer.
std::vector<std::uint8_t> EncodeLhpFrame(const LhpFrame& f);

/**
 * \brief Strictly decodes exactly one frame occupying all of [data, data+len).
 *
 * Rejects: len < header (Truncated), version != kLhpVersion (BadVersion), unknown type
 * (UnknownType), channel > SemiReliable or unknown flag bits (BadField), declared payload
 * length > kLhpMaxPayload (Oversized), declared length beyond the buffer (Truncated), bytes
 * after the payload (TrailingBytes). On error `out` is left in an unspecified but valid state.
 *
 * Ethernet pads short frames to 60 bytes; drivers that see padding must trim to
 * kLhpHeaderSize + payload length (see LhpFramedLength) before calling this.
 */
DecodeError DecodeLhpFrame(const std::uint8_t* data, std::size_t len, LhpFrame& out);

/// If [data, len) starts with a plausible LHP header, returns header+declared payload length
/// (which may exceed len); otherwise 0. Used by drivers to strip link-layer padding.
std::size_t LhpFramedLength(const std::uint8_t* data, std::size_t len);

void EncodeConnectParams(const LhpConnectParams& p, std::vector<std::uint8_t>& out);
DecodeError DecodeConnectParams(const std::uint8_t* data, std::size_t len, LhpConnectParams& out);

const char* ToString(LhpFrameType t);

} // namespace resoa

#endif // RESOA_LHP_FRAME_H
