/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_LHP_LINK_H
#define RESOA_LHP_LINK_H

#include "lhp-frame.h"
#include "lhp-recv-window.h"
#include "lhp-rtt-estimator.h"
#include "lhp-send-window.h"
#include "resoa-time.h"

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

/// Largest useful window in frames: one frame at the cumulative ack plus the 32 frames its
/// SACK bitmap can report (see LhpSendWindow). LhpConfig::window is clamped to it.
constexpr std::uint16_t kLhpMaxWindow = static_cast<std::uint16_t>(kLhpSackRange + 1);

/// Every knob of an LHP link. Drivers expose each one as an attribute / option.
struct LhpConfig
{
    std::uint16_t maxPayload = 1476; //!< largest SDU; 1476 + 24 = 1500-byte frames
    /// Send/receive window in frames, per channel, in [1, kLhpMaxWindow]; larger values are
    /// clamped to kLhpMaxWindow (33): the sender stays within 32 frames of the peer's
    /// cumulative ack (the reach of the 32-bit SACK bitmap), so no more than 33 frames can
    /// be in flight and a larger window would only be a number. Advertised in Connect/Accept
    /// (both ends use the smaller) and in every ack's `window` field.
    std::uint16_t window = 32;
    std::size_t sendBufferSdus = 1024; //!< SDUs queued beyond the window before Send refuses
    Duration initialRto{std::chrono::milliseconds(50)};
    /// Above ackDelay plus a few frame times, so delayed acks do not look like losses. Was
    /// 20 ms while drivers drained a window into the Wi-Fi queue (SRTT 7 ms of queueing);
    /// with the ns-3 driver's DeviceQueueLimit the SRTT is about 1 ms, and a stalled window
    /// waits for the RTO whenever a retransmission is lost. Measured (./resoa bench lhp, 30 %
    /// loss, one MAC transmission): 20 ms -> 12.2, 5 ms -> 16.5, 2 ms -> 16.8 Mbit/s, with
    /// more spurious retransmissions at 2 ms.
    Duration minRto{std::chrono::milliseconds(5)};
    Duration maxRto{std::chrono::milliseconds(1000)};
    /// A timeout does not double the RTO when a frame sent after the timed-out ones has
    /// already been acked: the path delivers, so they were lost at random, not late, and
    /// backing off would only stall the window (RFC 6298's doubling protects a congested
    /// path or an outage). When nothing sent later has been acked (an outage, a dead peer,
    /// a queue deeper than the RTO, where late frames would otherwise be retransmitted
    /// again and again at an RTO that no sample corrects: Karn), the RTO still backs off:
    /// without a cap while the peer keeps sending (the frames are late, e.g. in a deep
    /// queue), but at most twice in a row (4x) until a new sample while the peer has been
    /// silent since they were sent: a window stalled on a hole sends nothing that could
    /// overtake a lost retransmission, and doubling to maxRto left a link at 50 % loss idle
    /// for seconds. Outages are LHP's keepalive's business.
    /// Off: every timed-out flight doubles it up to maxRto, as before.
    bool lossTolerantRto = true;
    /// Probes a stalled window. When nothing new may go (window or SACK reach full, or the
    /// peer's window) while SDUs wait and no retransmission is queued, a reliable sender
    /// idles until an ack or its RTO: at heavy loss a retransmission lost with fewer than
    /// three frames behind it can only time out (fast retransmit needs three later frames
    /// acked), and the window stays full meanwhile (measured at 30 % loss, one MAC
    /// transmission: the STA's MAC queue empty 10.7 % of the time, always with a full
    /// window). On: the sender resends its lowest unacked frame once that frame's latest
    /// transmission is SRTT + RTTVAR old (at least minRto / 4), if every unacked frame has
    /// been retransmitted or overtaken (a frame sent after it has been acked: known or likely
    /// lost) and the link has shown loss within 500 ms. A window of frames sent once and not
    /// overtaken is waiting for late acks (a busy medium: 100 stations lost 27 % to probes
    /// there), and is left alone. A probe of a frame that did arrive is a duplicate, which the
    /// receiver acks at once, so either way the window learns. At most
    /// stallProbesUnanswered probes go in a row while the peer says nothing (an outage is
    /// the RTO's and the keepalive's business). Off: idle.
    bool stallProbe = true;
    /// Stall probes that may go in a row while the peer says nothing (see stallProbe).
    /// Measured (30 % loss, LHP alone, the probe's first form): 1 -> 0.86, 4 -> 0.89, 8 ->
    /// 0.90 of the limit.
    std::uint32_t stallProbesUnanswered = 8;
    /// Send a standalone ack after this many new frames. On 802.11 every ack is a frame of
    /// its own paying for channel access; 8 keeps LHP near the UDP limit on a clean link
    /// (measured: 2 -> 0.87, 8 -> 0.99 of saturated UDP; ./resoa bench lhp).
    std::uint32_t ackEveryFrames = 8;
    Duration ackDelay{std::chrono::milliseconds(3)}; //!< ... or this long after the first unacked
    /// Acks that suit a lossy link. Off: every frame that arrives above a hole, and every
    /// frame that fills one, is acked at once, as TCP's duplicate acks: at 30 % loss that is
    /// an ack frame per data frame, and on 802.11 each ack pays for channel access. On: while
    /// a hole is open, a standalone ack goes out after gapAckEveryFrames new frames (enough
    /// for the sender's fast retransmit, which needs three later frames acked), and a filled
    /// hole is acked at once only when it releases at least ackEveryFrames frames (the
    /// sender's window may be stalled on it). Every ack repeats the whole cumulative + SACK
    /// state, so a lost ack costs only the time to the next one; a duplicate (the sign that
    /// acks are being lost) is still acked at once.
    bool adaptiveAcks = true;
    /// See adaptiveAcks. Measured (30 % loss, one MAC transmission): 2 -> 18.0, 1 -> 16.6
    /// Mbit/s; ack airtime matters less there than a sender waiting for news of a hole.
    std::uint32_t gapAckEveryFrames = 2;
    /// The repair split between the 802.11 MAC and LHP (the paper's "adaptable link-layer
    /// retransmissions"). Every MAC retry after a loss doubles the contention window, so at
    /// heavy i.i.d. loss the MAC's retries eat the airtime: the UDP limit is reached with one
    /// MAC transmission per frame. When on, the link measures the loss of its own Data
    /// transmissions (an EWMA over acked and lost ones; lost = fast retransmit or timeout)
    /// and advises the MAC transmission count (GetMacTransmissions; the driver applies it,
    /// e.g. as WifiRemoteStationManager MaxSsrc/MaxSlrc): with N transmissions in force and
    /// residual loss r, the per-attempt loss is r^(1/N), and the advice is the smallest N in
    /// [1, macTransmissionsMax] whose residual loss stays at or below macResidualLoss, so
    /// LHP repairs what is left. A link that has sent no data yet (a receiver: it sends only
    /// acks) measures the peer's data instead, the sequence numbers that never arrived on
    /// first pass, and takes that residual loss as the per-attempt loss of its own frames:
    /// an ack repeats the whole ack state, so a lost one is repaired by the next, and MAC
    /// retries of acks only cost airtime (measured at 30 % loss: acks at 7 MAC transmissions
    /// took the sender from 17.4 to 11.4 Mbit/s). Before any measurement it advises
    /// macTransmissionsMax (the MAC repairs, e.g. the handshake). Off: no advice (0).
    bool macRetryControl = true;
    std::uint32_t macTransmissionsMax = 7; //!< see macRetryControl (802.11's default)
    /// Residual loss per LHP transmission that the advice aims at (see macRetryControl).
    /// Measured (./resoa bench lhp, 1 STA): LHP alone does best at one MAC transmission at
    /// 30 % loss (17.4 vs 15.0 Mbit/s at two) and at two at 50 % (10.2 vs 2.8 at one).
    double macResidualLoss = 0.45;
    std::uint32_t semiReliableRetries = 3; //!< retransmissions before a datagram is dropped
    /// Age since its first transmission at which a datagram is dropped; 0 = no deadline.
    Duration semiReliableDeadline{std::chrono::milliseconds(200)};
    /// The deadline adapts to the measured service time: a datagram is given up no earlier
    /// than (semiReliableRetries + 1) RTOs after its first transmission, so a deadline never
    /// cuts its retries short. When the RTT (queueing and slow rates included) nears the
    /// deadline, a fixed 200 ms gave up datagrams before a single retransmission, and a
    /// datagram lost once was lost for good, above plain UDP's loss with the MAC's retries.
    /// Off: semiReliableDeadline alone.
    bool adaptiveDeadline = true;
    std::uint32_t connectRetries = 8; //!< Connect frames before giving up
    Duration keepaliveInterval{std::chrono::milliseconds(1000)}; //!< idle time before a probe
    /// An unanswered probe is repeated after this, not after another keepaliveInterval: with
    /// one probe a second only four exchanges fit in deadTimeout, and at 20 % frame loss an
    /// idle link died within minutes (mean 133 s) although both ends lived. 0 =
    /// keepaliveInterval / 8 (32 probes before deadTimeout: at 50 % loss a live idle link
    /// dies once in hours, not minutes).
    Duration keepaliveRetry{0};
    Duration deadTimeout{std::chrono::milliseconds(5000)}; //!< silence that kills the link
    /// Reliable: retransmissions of one frame after which its next loss kills the link;
    /// 0 = never.
    std::uint32_t maxRetransmissions = 0;
    /// First sequence number on both channels in both directions. Not negotiated: both ends
    /// must use the same value (0 in deployments; tests start near 2^32 to cross the wrap).
    std::uint32_t initialSeq = 0;
};

/// Connection state of one LHP link.
enum class LhpState : std::uint8_t
{
    Idle,       //!< created, nothing sent
    Connecting, //!< Connect sent, waiting for Accept
    Open,
    Closing, //!< Close() called or the peer's Close received: reliable data drains, then the
             //!< Close exchange
    Closed,  //!< orderly close finished; the link only answers a retransmitted Close
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
    /// Semi-reliable frames this sender gave up (retries or deadline). Some of them may have
    /// arrived all the same (only their acks were lost): see the peer's semiReliableSkipped.
    std::uint64_t semiReliableDrops = 0;
    /// Semi-reliable frames this receiver never got: its edge moved past them (the peer's
    /// Forward, or a frame beyond the window). Never delivered, unlike some dropped ones.
    std::uint64_t semiReliableSkipped = 0;
    std::uint64_t badFrames = 0; //!< failed to decode or belonged to another connection
    std::uint64_t sdusDelivered = 0;
    /// Reliable frames resent to probe a stalled window (see LhpConfig::stallProbe; also
    /// counted in retransmissions).
    std::uint64_t stallProbes = 0;
    /// Close requests without this end's nonce as their token: dropped, never acted on (also
    /// counted in badFrames).
    std::uint64_t forgedCloses = 0;
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
 * Drivers that can tell when the device takes a frame should poll then rather than drain
 * PollTransmit into a deep device queue: queued frames delay acks and retransmissions.
 *
 * Handshake: Connect is retransmitted at the RTO, doubling up to maxRto, until Accept or
 * connectRetries Connect frames (then LinkDead). Both ends use the smaller maxPayload and
 * window. The acceptor re-sends Accept for a duplicate Connect (same nonce). A Connect with
 * another nonce on an open link (the peer restarted, reusing the id) only counts as a bad
 * frame here: LhpEndpoint sees such a Connect first and applies its restart policy (the old
 * link is aborted, the new Connect accepted). Frames that overtake the Accept are ignored;
 * the peer retransmits them.
 *
 * Reliable channel: SDUs are delivered exactly once, in order. Semi-reliable channel: SDUs are
 * delivered at most once, in arrival order; the sender retransmits each until acked,
 * semiReliableRetries retransmissions, or SemiReliableDeadline() after its first transmission,
 * then drops it (SemiReliableDrop) and sends Forward(lowest outstanding seq), repeated at the
 * RTO until the receiver's cumulative ack reaches it, so the receiver's edge moves on.
 *
 * Acks: the receiver acks cumulatively with a 32-frame SACK bitmap. It sends a standalone Ack
 * after ackEveryFrames new frames or ackDelay, immediately on a gap, a filled gap or a
 * duplicate, and otherwise piggybacks on its own Data frames of the same channel.
 *
 * Window: every ack carries the receiver's window (frames it takes from the ack on), and the
 * sender keeps new frames below ack + that window (LhpSendWindow::SetPeerWindow), so a
 * receiver may shrink it at run time; 0 is read as 1 (one frame keeps probing). Until the
 * first ack the window from Connect/Accept applies.
 *
 * Retransmission (see LhpSendWindow): a frame is resent when three frames sent after it have
 * been acked (fast retransmit, once per transmission) or when its RTO expires, counted from
 * its transmission or the last ack that acked new frames, whichever is later. RTO = SRTT +
 * 4 RTTVAR (RFC 6298) from the newest frame an ack covers, if it was sent once (Karn),
 * clamped to [minRto, maxRto] and doubled once per timed-out flight. maxRetransmissions of
 * one reliable frame, then one more loss of it: LinkDead.
 *
 * Liveness: any valid frame from the peer counts. After keepaliveInterval without one a
 * Keepalive goes out (answered with Keepalive|Response), repeated every keepaliveRetry while
 * nothing is heard; after deadTimeout: LinkDead, and the link sends nothing more.
 *
 * Close: Send is refused from Close() on; once every reliable SDU is acked, Close goes out,
 * repeated at the RTO (doubling up to maxRto). The peer, on Close, also stops taking SDUs,
 * drains its own reliable data, answers Close|Response and is Closed; the closer is Closed on
 * the response. A Closed link still answers a retransmitted Close (its response was lost),
 * so drivers should keep it a while (LhpEndpoint lingers it); otherwise it sends nothing.
 * A Close request carries a 4-byte token: the receiver's nonce from the handshake
 * (Connect/Accept). A Close without the right token is dropped and counted (forgedCloses),
 * so a sender that spoofs a peer's address but cannot read its frames cannot end the link.
 * Close|Response carries no token: it only ends a close the link started itself.
 *
 * Abort: the link is Dead at once (LinkDead) and sends nothing more, as on a dead timeout.
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
    /// Returns false, changing nothing, if the link is not Idle or `connect` is not a valid
    /// Connect for this connId.
    bool Accept(const LhpFrame& connect, TimePoint now);
    /// Queues an SDU (size <= maxPayload). Returns false if too large, not open/connecting,
    /// or the send buffer is full; nothing is queued then.
    bool Send(LhpChannel channel, std::vector<std::uint8_t> sdu, TimePoint now);
    /// SDUs that Send would still accept on `channel` before refusing.
    std::size_t SendSpace(LhpChannel channel) const;
    /// Orderly close after queued reliable data has been acked. Before the handshake is done
    /// the link is Closed at once and queued SDUs are discarded.
    void Close(TimePoint now);
    /// Gives the link up without a frame more (LinkDead), e.g. when the peer restarted. No-op
    /// once Closed or Dead.
    void Abort();
    /// Probes the peer now (a Keepalive, repeated every keepaliveRetry while unanswered):
    /// LhpEndpoint's challenge of a Connect that claims to replace this link. Live links only.
    void Challenge(TimePoint now);
    /// When the last valid frame from the peer arrived (the handshake's time before that).
    TimePoint GetLastReceived() const;
    /// Next delivered SDU, if any.
    std::optional<LhpDelivery> PollDelivery();
    /// Next event, if any.
    std::optional<LhpEvent> PollEvent();

    // --- driver verbs ---
    /// Feeds one received frame (already decoded). Frames for another connId are counted bad.
    void Receive(const LhpFrame& frame, TimePoint now);
    /// Same, taking the frame's payload instead of copying it.
    void Receive(LhpFrame&& frame, TimePoint now);
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
    /// This end's nonce, and the peer's (0 until the handshake is done).
    std::uint32_t GetNonce() const;
    std::uint32_t GetPeerNonce() const;
    /// True for the active opener (Connect), false for the acceptor.
    bool IsConnector() const;
    Duration GetRto() const;
    /// MAC transmissions per frame this link advises (see LhpConfig::macRetryControl);
    /// 0 = no advice (control off).
    std::uint32_t GetMacTransmissions() const;
    /// Smoothed loss of this link's Data transmissions (residual, after the MAC's retries).
    double GetTransmissionLoss() const;
    std::optional<Duration> GetSrtt() const;
    Duration GetRttVar() const;
    /// Negotiated window in frames (the configured one before the handshake).
    std::uint16_t GetWindow() const;
    /// The peer's advertised receive window on `channel` (its latest ack).
    std::uint32_t GetPeerWindow(LhpChannel channel) const;
    /// Frames the sender may have in flight on `channel` now (see LhpSendWindow).
    std::uint32_t GetSendWindow(LhpChannel channel) const;
    /// Frames in flight, both channels (acked ones above a hole included).
    std::size_t GetFramesInFlight() const;
    /// Payload bytes sent and neither acked nor given up, both channels.
    std::size_t GetBytesInFlight() const;
    const LhpStats& GetStats() const;
    const LhpConfig& GetConfig() const;
    /// True when nothing is unacked or queued on the reliable channel.
    bool AllReliableAcked() const;

  private:
    static constexpr std::size_t kReliable = 0;
    static constexpr std::size_t kSemiReliable = 1;

    // --- receive path ---
    void Dispatch(LhpFrame& frame, TimePoint now);
    bool OnConnect(const LhpFrame& f);
    bool OnAccept(const LhpFrame& f, TimePoint now);
    bool OnData(LhpFrame& f, TimePoint now);
    bool OnAck(const LhpFrame& f, TimePoint now);
    bool OnForward(const LhpFrame& f, TimePoint now);
    bool OnClose(const LhpFrame& f);
    /// Whether a Close request carries this end's nonce as its token.
    bool HasCloseToken(const LhpFrame& f) const;
    bool OnKeepalive(const LhpFrame& f);
    bool ApplyAck(std::size_t ch, const LhpFrame& f, TimePoint now);

    // --- loss, drops and state changes ---
    /// `counted`: the loss enters the MAC advice's estimate (see HandleRetransmitTimers).
    void HandleLoss(std::size_t ch, std::uint32_t seq, bool counted = true);
    /// A loss was shown within kLossEvidenceMemory of now (see HandleRetransmitTimers).
    bool RecentLossEvidence(TimePoint now) const;
    /// Feeds `count` transmission outcomes to the loss EWMA; revises the MAC advice.
    void NoteOutcome(bool lost, std::uint32_t count);
    /// Receiver side: Data `seq` arrived on `ch`; counts the seqs it jumped over as lost.
    void NoteArrivalLoss(std::size_t ch, std::uint32_t seq);
    /// Sets m_macTransmissions for a per-attempt loss `attempt`.
    void Advise(double attempt);
    void DropSemiReliable(std::uint32_t seq);
    void HandleRetransmitTimers(TimePoint now);
    void Negotiate(const LhpConnectParams& peer);
    void ApplyWindow();
    void MaybeFinishClose();
    void EnterClosed();
    void Die();
    bool IsLive() const;
    TimePoint KeepaliveDue() const;
    bool ForwardReady() const;
    /// Whether a stall probe may go: stallProbe on, and a frame heard since the last probe.
    bool StallProbeAllowed() const;
    /// Latest-transmission age after which a stalled frame is probed (SRTT, else the RTO).
    Duration StallProbeAge() const;
    /// Age at which an unacked datagram is given up now (0 = never; see adaptiveDeadline).
    Duration SemiReliableDeadline() const;

    // --- transmit path ---
    bool PollControl(TimePoint now, std::vector<std::uint8_t>& out);
    bool PollData(std::size_t ch, TimePoint now, std::vector<std::uint8_t>& out);
    bool DataReady(std::size_t ch) const;
    LhpFrame MakeFrame(LhpFrameType type, std::size_t ch, std::uint8_t flags = 0) const;
    void AttachAck(LhpFrame& f, std::size_t ch);
    void Emit(const LhpFrame& f, std::vector<std::uint8_t>& out);

    LhpConfig m_config;
    std::uint32_t m_connId;
    std::uint32_t m_nonce;
    LhpState m_state = LhpState::Idle;
    bool m_isConnector = false;
    std::uint16_t m_maxPayload; //!< negotiated (config value until then)
    std::uint16_t m_window;     //!< negotiated (config value until then)
    std::uint32_t m_peerNonce = 0;

    LhpRttEstimator m_rtt;
    std::array<LhpSendWindow, kLhpChannelCount> m_send;
    std::array<LhpRecvWindow, kLhpChannelCount> m_recv;
    std::uint64_t m_txSerial = 0;      //!< counts Data transmissions, link-wide
    std::uint64_t m_backoffSerial = 0; //!< m_txSerial at the last RTO backoff
    std::size_t m_nextChannel = 0;     //!< round robin between channels with data

    // Control frames waiting to go out.
    bool m_sendConnect = false;
    bool m_sendAccept = false;
    bool m_sendClose = false;
    bool m_sendCloseResponse = false;
    bool m_sendKeepalive = false;
    bool m_sendKeepaliveResponse = false;
    bool m_sendForward = false; //!< Forward retransmission timer fired

    // Handshake and close retransmission (one timer: never both at once).
    std::uint32_t m_connectsSent = 0;
    std::uint32_t m_closesSent = 0;
    TimePoint m_connectFirstSent{0};
    Duration m_ctrlRto{0};
    std::optional<TimePoint> m_ctrlDeadline;
    bool m_closeRequested = false;
    bool m_peerCloseReceived = false;

    // Liveness.
    TimePoint m_lastReceived{0};
    TimePoint m_lastProbe{0};

    // Semi-reliable Forward in flight.
    std::optional<std::uint32_t> m_forwardSeq;
    TimePoint m_forwardDue{0};

    // Stall probes (stallProbe).
    TimePoint m_lastStallProbe{0};
    bool m_stallProbeDue = false;         //!< its deadline passed; the next poll may send it
    std::uint32_t m_probesUnanswered = 0; //!< stall probes since the peer was last heard

    // The last shown loss (a SACK hole, or a timed-out frame overtaken by a later one).
    std::optional<TimePoint> m_lastLossEvidence;

    // MAC/LHP repair split (macRetryControl).
    double m_txLoss = 0;              //!< EWMA of lost (1) / acked (0) transmissions
    std::uint32_t m_outcomes = 0;     //!< outcomes since the advice was last revised
    std::uint32_t m_macTransmissions; //!< the advice in force
    bool m_txMeasured = false;        //!< outcomes of our own Data exist
    double m_rxLoss = 0;              //!< EWMA of the peer's first-pass Data loss
    std::uint32_t m_rxOutcomes = 0;
    std::array<std::uint32_t, kLhpChannelCount> m_rxNext; //!< above every seq seen

    std::deque<LhpDelivery> m_deliveries;
    std::deque<LhpEvent> m_events;
    std::vector<std::vector<std::uint8_t>> m_scratch; //!< SDUs released by one frame
    LhpStats m_stats;
};

const char* ToString(LhpState s);

} // namespace resoa

#endif // RESOA_LHP_LINK_H
