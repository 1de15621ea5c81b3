/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_LHP_SEND_WINDOW_H
#define RESOA_LHP_SEND_WINDOW_H

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace resoa
{

/// Frames above the cumulative ack that one ack's SACK bitmap can report (its width in bits).
constexpr std::uint32_t kLhpSackRange = 32;

/// One SDU the sender has put on the wire and not yet retired.
struct LhpSentFrame
{
    std::vector<std::uint8_t> payload;
    std::chrono::nanoseconds firstSent{0};
    std::chrono::nanoseconds lastSent{0};
    std::uint64_t txSerial = 0;    //!< link-wide order of its latest transmission
    std::uint64_t firstSerial = 0; //!< ... and of its first
    std::uint32_t transmissions = 0;
    bool acked = false;   //!< cumulatively acked or SACKed
    bool dropped = false; //!< semi-reliable: given up
    bool queued = false;  //!< waiting in the retransmission queue
};

/// What one ack (cumulative + SACK) did to a send window.
struct LhpAckOutcome
{
    bool valid = true;            //!< false: it acks frames never sent; nothing changed
    std::uint32_t newlyAcked = 0; //!< frames acked for the first time
    std::optional<std::chrono::nanoseconds> rttSample; //!< Karn: newest frame sent once
    std::vector<std::uint32_t> lost; //!< fast-retransmit candidates, in send order
};

/**
 * \brief Sender side of one LHP channel: queue, frames in flight, ack bookkeeping and
 * per-frame retransmission timers.
 *
 * Frames in flight occupy [base, next); `base` is the oldest frame neither acked nor dropped.
 * SDUs beyond the window wait in a queue. Three limits hold a new frame back:
 *  - the local window: at most `window` frames in [base, next);
 *  - the SACK reach: next stays within PeerAck() + 32, since the receiver's SACK bitmap
 *    reaches no further, and a frame it cannot report would leave the sender blind (no loss
 *    signal, no RTT sample) for as long as a hole below it stays open. Hence at most 33
 *    frames (kLhpSackRange + 1) are ever in flight;
 *  - the receiver's advertised window (the `window` field of its acks, SetPeerWindow): the
 *    receiver takes frames in [ack, ack + window), so next stays below PeerAck() + peer window
 *    (semi-reliable: Base() + peer window, since that receiver slides over frames given up).
 *
 * Every transmission is recorded in a FIFO in send order, so timers cost O(1) amortised;
 * records made stale by an ack or a later transmission are skipped lazily. Loss signals:
 *  - fast retransmit: a transmission is lost once three frames sent after it have been acked
 *    (cumulatively or by SACK). Counting in send order rather than by sequence number also
 *    catches lost retransmissions. An acked frame that was retransmitted counts with its
 *    first transmission: which one arrived is unknown, and crediting the last one would let
 *    a spurious retransmission declare everything sent before it lost.
 *  - timeout: a transmission times out RTO after max(its send time, the last ack that acked
 *    new frames). Restarting on progress (RFC 6298, 5.3) keeps a growing queue from firing
 *    timers while acks still flow; fast retransmit covers losses meanwhile.
 */
class LhpSendWindow
{
  public:
    using Duration = std::chrono::nanoseconds;
    using TimePoint = std::chrono::nanoseconds;

    /// `semiReliable` enables Forward bookkeeping; `initialSeq` is the first sequence number.
    LhpSendWindow(bool semiReliable, std::uint32_t initialSeq);

    /// Frames allowed in flight (>= 1) and SDUs allowed to queue beyond them.
    void SetLimits(std::uint32_t window, std::size_t bufferSdus);
    /// The receiver's advertised window in frames (the `window` field of its latest ack).
    /// 0 is read as 1, so a sender always keeps one frame going and learns of a reopened
    /// window from that frame's ack (no persist timer needed). Unlimited until first set.
    void SetPeerWindow(std::uint32_t frames);
    std::uint32_t PeerWindow() const;
    /// Frames the sender may have in flight now: min(window, peer window, kLhpSackRange + 1).
    std::uint32_t EffectiveWindow() const;
    /// SDUs Enqueue would still accept.
    std::size_t Space() const;
    /// Queues an SDU; false (nothing queued) when Space() is 0.
    bool Enqueue(std::vector<std::uint8_t> sdu);
    /// Nothing queued and nothing in flight.
    bool AllAcked() const;

    /// A queued SDU fits in the window, the SACK reach and the peer's advertised window.
    bool CanSendNew() const;
    /// Moves the next queued SDU into the window and returns its sequence number.
    std::uint32_t TakeNew(TimePoint now);
    /// Retransmission queue is not empty (it may still hold only stale entries).
    bool HasRetransmission() const;
    /// Pops the next frame to retransmit, skipping those acked or dropped meanwhile.
    std::optional<std::uint32_t> PopRetransmission();
    /// Queues `seq` for retransmission (no-op if already queued, acked or dropped).
    void QueueRetransmission(std::uint32_t seq);
    /// Records a transmission of `seq` (first or repeated) at `now` with link-wide `serial`.
    void MarkSent(std::uint32_t seq, TimePoint now, std::uint64_t serial);

    /// Frame `seq`, which must be in [Base(), Next()).
    LhpSentFrame& Entry(std::uint32_t seq);
    const LhpSentFrame& Entry(std::uint32_t seq) const;
    /// seq is in flight (in [Base(), Next())).
    bool InFlight(std::uint32_t seq) const;

    /// Applies a cumulative ack and SACK bitmap received at `now`.
    LhpAckOutcome OnAck(std::uint32_t ack, std::uint32_t sack, TimePoint now);

    /// When the oldest live transmission times out under `rto`, if any is outstanding.
    std::optional<TimePoint> RtoDeadline(Duration rto) const;
    /// Pops every live transmission that timed out at `now`; returns their seqs and the
    /// highest txSerial among them (0 if none).
    std::vector<std::uint32_t> CollectExpired(TimePoint now,
                                              Duration rto,
                                              std::uint64_t& maxSerial);

    /// Stalled: frames are in flight, SDUs wait, none may go (window, SACK reach or the
    /// peer's window) and no retransmission waits: the sender idles until an ack or a timer.
    bool Stalled() const;
    /// Stalled(), and every frame neither acked nor dropped has been sent more than once or
    /// overtaken (a frame sent after it has been acked).
    bool OnlyRepairsOutstanding() const;
    /// While OnlyRepairsOutstanding(): the lowest frame neither acked nor dropped whose
    /// latest transmission is at least `age` old at `now` (see LhpConfig::stallProbe).
    std::optional<std::uint32_t> StallProbe(TimePoint now, Duration age) const;
    /// While OnlyRepairsOutstanding(): when the first frame becomes a StallProbe candidate.
    std::optional<TimePoint> StallProbeDue(Duration age) const;

    /// Semi-reliable: gives up `seq` (no-op if acked or already dropped).
    void Drop(std::uint32_t seq);
    /// First transmission time of the oldest frame still outstanding.
    std::optional<TimePoint> OldestFirstSent() const;
    /// Semi-reliable: the receiver's cumulative ack is below our base, i.e. it waits for
    /// frames we gave up; a Forward(Base()) must tell it.
    bool NeedsForward() const;

    /// Largest link-wide serial among acked transmissions (an acked frame counts with its
    /// first transmission); 0 before any ack.
    std::uint64_t NewestAckedSerial() const;

    std::uint32_t Base() const;
    std::uint32_t Next() const;
    /// Highest cumulative ack received.
    std::uint32_t PeerAck() const;
    /// Frames in flight (acked or dropped ones above a live base included).
    std::size_t InFlightCount() const;
    /// Payload bytes of the frames in flight that are neither acked nor dropped.
    std::size_t BytesInFlight() const;

  private:
    struct TxRecord
    {
        std::uint32_t seq;
        std::uint64_t serial;
    };

    void MarkAcked(LhpSentFrame& f, LhpAckOutcome& out, std::uint64_t& sampleSerial, TimePoint now);
    void AdvanceBase();
    bool IsLive(const TxRecord& r) const;
    void Tidy();
    void NoteAckedSerial(std::uint64_t serial);
    void DetectLost(LhpAckOutcome& out);

    bool m_semiReliable;
    std::uint32_t m_base;
    std::uint32_t m_peerAck;
    std::uint32_t m_window = 1;
    std::uint32_t m_peerWindow = UINT32_MAX; //!< receiver's advertised window
    std::size_t m_bufferSdus = 0;
    std::size_t m_bytesInFlight = 0;
    std::deque<LhpSentFrame> m_frames;             //!< m_frames[i] is seq m_base + i
    std::deque<std::vector<std::uint8_t>> m_queue; //!< SDUs not yet sent
    std::deque<std::uint32_t> m_retransmit;
    std::deque<TxRecord> m_timeline;         //!< transmissions in send order
    std::uint64_t m_ackedTop[3] = {0, 0, 0}; //!< largest txSerials ever acked, descending
    std::size_t m_ackedCount = 0;
    TimePoint m_lastProgress{0}; //!< last ack that acked a frame for the first time
};

} // namespace resoa

#endif // RESOA_LHP_SEND_WINDOW_H
