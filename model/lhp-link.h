/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_LHP_LINK_H
#define RESOA_LHP_LINK_H

#include "lhp-frame.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace resoa
{

/// Time in the sans-I/O core: nanoseconds since an arbitrary epoch chosen by the driver.
using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::nanoseconds;

/// Every knob of an LHP link. Drivers expose each one as an attribute / option.
struct LhpConfig
{
    std::uint16_t maxPayload = 1476;  //!< largest SDU; 1476 + 24 = 1500-byte frames
    std::uint16_t window = 128;       //!< send/receive window in frames, per channel
    std::size_t sendBufferSdus = 1024; //!< SDUs queued beyond the window before Send refuses
    Duration initialRto{std::chrono::milliseconds(50)};
    Duration minRto{std::chrono::milliseconds(5)};
    Duration maxRto{std::chrono::milliseconds(1000)};
    std::uint32_t ackEveryFrames = 2;  //!< send a standalone ack after this many new frames
    Duration ackDelay{std::chrono::milliseconds(2)}; //!< ... or this long after the first unacked
    std::uint32_t semiReliableRetries = 3;           //!< retransmissions before a datagram is dropped
    Duration semiReliableDeadline{std::chrono::milliseconds(200)}; //!< age at which it is dropped
    std::uint32_t connectRetries = 8;                //!< Connect frames before giving up
    Duration keepaliveInterval{std::chrono::milliseconds(1000)}; //!< idle time before a probe
    Duration deadTimeout{std::chrono::milliseconds(5000)};       //!< silence that kills the link
    std::uint32_t maxRetransmissions = 0; //!< reliable: give up (link dead) after this many per frame; 0 = never
};

/// Connection state of one LHP link.
enum class LhpState : std::uint8_t
{
    Idle,       //!< created, nothing sent
    Connecting, //!< Connect sent, waiting for Accept
    Open,
    Closing, //!< Close sent, waiting for the peer's response
    Closed,  //!< orderly close finished
    Dead,    //!< connect failed, dead timeout or retransmission limit hit
};

/// Something the application side of a link must hear about.
struct LhpEvent
{
    enum class Kind : std::uint8_t
    {
        Connected,        //!< handshake done (both roles)
        Closed,           //!< orderly close done (either side started it)
        LinkDead,         //!< peer silent for deadTimeout, connect failed, or retry limit
        SemiReliableDrop, //!< a datagram was given up; `seq` names it
    };

    Kind kind;
    std::uint32_t seq = 0;
};

/// Counters for traces and benchmarks.
struct LhpStats
{
    std::uint64_t framesSent = 0;
    std::uint64_t framesReceived = 0;
    std::uint64_t dataFramesSent = 0;  //!< first transmissions of Data frames
    std::uint64_t retransmissions = 0; //!< Data frames sent again
    std::uint64_t acksSent = 0;        //!< standalone Ack frames
    std::uint64_t duplicatesReceived = 0;
    std::uint64_t semiReliableDrops = 0;
    std::uint64_t badFrames = 0; //!< failed to decode or belonged to another connection
    std::uint64_t sdusDelivered = 0;
};

/// One delivered SDU.
struct LhpDelivery
{
    LhpChannel channel;
    std::vector<std::uint8_t> data;
};

/**
 * \brief One LHP connection: selective-repeat ARQ on two channels, handshake, keepalive,
 * close and dead-peer detection. Sans-I/O: the driver feeds received frames and the time,
 * polls frames to transmit, and arms one timer at NextDeadline().
 *
 * The four driver verbs (after ngtcp2):
 *  - Receive(frame bytes, now)
 *  - PollTransmit(now) until it returns false
 *  - NextDeadline()
 *  - HandleDeadline(now)
 * Application verbs (Connect, Accept, Send, Close, PollDelivery, PollEvent) only change state.
 *
 * Reliable channel: SDUs are delivered exactly once, in order. Semi-reliable channel: SDUs are
 * delivered at most once, in arrival order; the sender retransmits each until acked, its
 * retry limit or its deadline, then drops it (SemiReliableDrop) and sends Forward so the
 * receiver's edge moves on.
 *
 * Acks: the receiver acks cumulatively with a 32-frame SACK bitmap. It sends a standalone Ack
 * after ackEveryFrames new frames or ackDelay, immediately on a gap or duplicate, and
 * otherwise piggybacks on its own Data frames. The sender retransmits a frame when its RTO
 * expires or when three later frames have been SACKed (fast retransmit, once per frame).
 * RTO = SRTT + 4 RTTVAR from samples of frames sent once (Karn), clamped to [minRto, maxRto],
 * doubled on timeout.
 */
class LhpLink
{
  public:
    /// `connId` must be non-zero; `nonce` identifies this incarnation of the endpoint.
    LhpLink(LhpConfig config, std::uint32_t connId, std::uint32_t nonce);

    // --- application verbs ---
    /// Active open: queue a Connect.
    void Connect(TimePoint now);
    /// Passive open from a received Connect frame (driver decoded it to find the connId).
    /// Returns false if `connect` is not a Connect frame.
    bool Accept(const LhpFrame& connect, TimePoint now);
    /// Queues an SDU (size <= maxPayload). Returns false if too large, not open/connecting,
    /// or the send buffer is full; nothing is queued then.
    bool Send(LhpChannel channel, std::vector<std::uint8_t> sdu, TimePoint now);
    /// SDUs that Send would still accept on `channel` before refusing.
    std::size_t SendSpace(LhpChannel channel) const;
    /// Orderly close after queued reliable data has been acked.
    void Close(TimePoint now);
    /// Next delivered SDU, if any.
    std::optional<LhpDelivery> PollDelivery();
    /// Next event, if any.
    std::optional<LhpEvent> PollEvent();

    // --- driver verbs ---
    /// Feeds one received frame (already decoded). Frames for another connId are counted bad.
    void Receive(const LhpFrame& frame, TimePoint now);
    /// Decodes and feeds raw bytes. Returns the decode result; bad frames are counted and dropped.
    DecodeError Receive(const std::uint8_t* data, std::size_t len, TimePoint now);
    /// Writes the next frame to send into `out` (replacing its contents). False if none.
    bool PollTransmit(TimePoint now, std::vector<std::uint8_t>& out);
    /// Earliest time HandleDeadline must be called, if any timer is armed.
    std::optional<TimePoint> NextDeadline() const;
    /// Runs every timer that is due at `now`.
    void HandleDeadline(TimePoint now);

    // --- inspection ---
    LhpState GetState() const;
    std::uint32_t GetConnId() const;
    Duration GetRto() const;
    std::optional<Duration> GetSrtt() const;
    const LhpStats& GetStats() const;
    const LhpConfig& GetConfig() const;
    /// True when nothing is unacked or queued on the reliable channel.
    bool AllReliableAcked() const;

  private:
    struct Impl;
    // Kept by value behind a small indirection so the header stays stable.
    struct ImplDeleter
    {
        void operator()(Impl* p) const;
    };
    std::unique_ptr<Impl, ImplDeleter> m_impl;
};

const char* ToString(LhpState s);

} // namespace resoa

#endif // RESOA_LHP_LINK_H
