/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_LHP_RECV_WINDOW_H
#define RESOA_LHP_RECV_WINDOW_H

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace resoa
{

/// How a Data frame related to the receive window.
enum class LhpArrival : std::uint8_t
{
    InOrder,     //!< new, at the left edge
    OutOfOrder,  //!< new, above a hole
    Duplicate,   //!< already received, or below the edge
    OutOfWindow, //!< reliable: beyond the window, discarded
};

/**
 * \brief Receiver side of one LHP channel: reordering buffer, cumulative ack + SACK, and the
 * ack schedule (every N frames, after a delay, or at once on a gap or duplicate).
 *
 * The window is [Expected(), Expected() + window). Reliable: out-of-order frames wait in the
 * window and leave it in order, so each SDU is delivered once and in sequence.
 * Semi-reliable: each new frame is delivered at once and only its "received" mark stays, so
 * duplicates are recognised; a frame beyond the window proves the sender has retired (acked or
 * given up) everything more than a window below it, so the edge moves up to admit it.
 */
class LhpRecvWindow
{
  public:
    using Duration = std::chrono::nanoseconds;
    using TimePoint = std::chrono::nanoseconds;

    LhpRecvWindow(bool semiReliable, std::uint32_t initialSeq);

    /// Window in frames (>= 1) and the ack policy: an ack after `ackEveryFrames` new frames,
    /// or after `gapAckEveryFrames` while a hole is open (0: the same as ackEveryFrames).
    void Configure(std::uint32_t window,
                   std::uint32_t ackEveryFrames,
                   Duration ackDelay,
                   std::uint32_t gapAckEveryFrames = 0);

    /// Takes a Data frame; SDUs now deliverable are appended to `out`.
    LhpArrival OnData(std::uint32_t seq,
                      std::vector<std::uint8_t>&& payload,
                      std::vector<std::vector<std::uint8_t>>& out);
    /// Semi-reliable: the sender gave up everything below `seq`. True if the edge moved.
    bool OnForward(std::uint32_t seq);
    /// Semi-reliable: frames the edge moved past without having received them (never
    /// delivered here), by a Forward or by a frame beyond the window.
    std::uint64_t Skipped() const;

    /// Next sequence number expected (the cumulative ack).
    std::uint32_t Expected() const;
    /// Bit i set: frame Expected() + 1 + i has been received.
    std::uint32_t SackBits() const;
    /// Some frame above the edge has been received (there is a hole).
    bool HasGap() const;

    /// Schedules an ack for a frame that arrived at `now`; `immediate` forces one.
    void NoteArrival(bool newFrame, bool immediate, TimePoint now);
    /// A standalone ack is due (count reached, forced, or delay elapsed and flagged).
    bool AckDue() const;
    /// When the delayed ack fires, if one is pending and not yet due.
    std::optional<TimePoint> AckDeadline() const;
    /// Marks the delayed ack due if its deadline has passed.
    void HandleDeadline(TimePoint now);
    /// An ack (standalone or piggybacked) carrying the current state has been sent.
    void OnAckSent();

  private:
    /// Moves the edge up by `count`, then over received frames (reliable: into `out`).
    void Slide(std::uint32_t count, std::vector<std::vector<std::uint8_t>>* out);

    bool m_semiReliable;
    std::uint64_t m_skipped = 0;
    std::uint32_t m_expected;
    std::uint32_t m_window = 1;
    std::deque<std::optional<std::vector<std::uint8_t>>> m_slots; //!< [i] is m_expected + i
    std::uint32_t m_ackEvery = 1;
    std::uint32_t m_gapAckEvery = 1; //!< ack threshold while a hole is open
    Duration m_ackDelay{0};
    std::uint32_t m_unacked = 0;
    bool m_ackNow = false;
    std::optional<TimePoint> m_ackDeadline;
};

} // namespace resoa

#endif // RESOA_LHP_RECV_WINDOW_H
