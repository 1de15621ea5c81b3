/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "lhp-link.h"

#include "lhp-seq.h"

#include <algorithm>
#include <cmath>

namespace resoa
{

namespace
{

/// The config with values the wire can carry and the peer accepts (Connect/Accept advertise
/// them): 1 <= maxPayload <= kLhpMaxPayload, window >= 1.
LhpConfig
Sanitised(LhpConfig c)
{
    c.maxPayload =
        static_cast<std::uint16_t>(std::clamp<std::size_t>(c.maxPayload, 1, kLhpMaxPayload));
    c.window = std::clamp<std::uint16_t>(c.window, 1, kLhpMaxWindow);
    c.macTransmissionsMax = std::max<std::uint32_t>(c.macTransmissionsMax, 1);
    return c;
}

/// Weight of one transmission outcome in the loss EWMA (1/32: a few windows of memory).
constexpr double kLossGain = 1.0 / 32;
/// lossTolerantRto: doublings of the RTO in a row without a new sample while the peer is
/// silent. A window stalled on a hole sends nothing new, so nothing can overtake a lost
/// retransmission; doubling up to maxRto (1 s) there left a link at 50 % loss idle for
/// seconds (./resoa bench lhp).
constexpr unsigned kLossTolerantDoublings = 2;
/// How long a shown loss (a SACK hole, or a timed-out frame overtaken by a later one that
/// was acked: on a FIFO link, both are losses) keeps bare timeouts counted as losses. A bare
/// timeout is ambiguous: at 50 % loss it is a lost retransmission, but in a cell of 64
/// saturated stations it is a frame waiting for the medium behind collisions, or an ack
/// waiting for the AP's turn. Treating those late frames as lost (capping the RTO's backoff,
/// lowering the MAC's retries) took 64 stations from 22.2 to 13.1 Mbit/s. Longer than the
/// longest stall that the loss-tolerant cap allows (4 RTOs) on a lossy link.
constexpr Duration kLossEvidenceMemory{std::chrono::milliseconds(500)};
/// Outcomes between revisions of the MAC advice, so the EWMA settles after each change.
constexpr std::uint32_t kAdviceEvery = 64;

LhpChannel
ChannelOf(std::size_t ch)
{
    return static_cast<LhpChannel>(ch);
}

std::size_t
IndexOf(LhpChannel c)
{
    return static_cast<std::size_t>(c);
}

void
Earliest(std::optional<TimePoint>& best, std::optional<TimePoint> t)
{
    if (t && (!best || *t < *best))
    {
        best = t;
    }
}

} // namespace

LhpLink::LhpLink(LhpConfig config, std::uint32_t connId, std::uint32_t nonce)
    : m_config(Sanitised(config))
    , m_connId(connId)
    , m_nonce(nonce)
    , m_maxPayload(m_config.maxPayload)
    , m_window(m_config.window)
    , m_rtt(config.initialRto, config.minRto, config.maxRto)
    , m_send{{LhpSendWindow(false, config.initialSeq), LhpSendWindow(true, config.initialSeq)}}
    , m_recv{{LhpRecvWindow(false, config.initialSeq), LhpRecvWindow(true, config.initialSeq)}}
    , m_macTransmissions(m_config.macTransmissionsMax)
    , m_rxNext{{config.initialSeq, config.initialSeq}}
{
    ApplyWindow();
}

// ---------------------------------------------------------------------------------------------
// Application verbs

void
LhpLink::Connect(TimePoint now)
{
    if (m_state != LhpState::Idle)
    {
        return;
    }
    m_state = LhpState::Connecting;
    m_isConnector = true;
    m_sendConnect = true;
    m_ctrlRto = m_rtt.GetRto();
    m_lastReceived = now;
}

bool
LhpLink::Accept(const LhpFrame& connect, TimePoint now)
{
    if (m_state != LhpState::Idle || connect.type != LhpFrameType::Connect ||
        connect.version != kLhpVersion || connect.connId != m_connId)
    {
        return false;
    }
    LhpConnectParams peer;
    if (DecodeConnectParams(connect.payload.data(), connect.payload.size(), peer) !=
            DecodeError::Ok ||
        peer.maxPayload == 0 || peer.window == 0)
    {
        return false;
    }
    m_stats.framesReceived++;
    Negotiate(peer);
    m_peerNonce = peer.nonce;
    m_state = LhpState::Open;
    m_lastReceived = now;
    m_lastProbe = now;
    m_sendAccept = true;
    m_events.push_back(LhpEvent{LhpEvent::Kind::Connected});
    return true;
}

bool
LhpLink::Send(LhpChannel channel, std::vector<std::uint8_t> sdu, TimePoint /* now */)
{
    std::size_t ch = IndexOf(channel);
    if ((m_state != LhpState::Connecting && m_state != LhpState::Open) || ch >= kLhpChannelCount ||
        sdu.size() > m_maxPayload)
    {
        return false;
    }
    return m_send[ch].Enqueue(std::move(sdu));
}

std::size_t
LhpLink::SendSpace(LhpChannel channel) const
{
    std::size_t ch = IndexOf(channel);
    if ((m_state != LhpState::Connecting && m_state != LhpState::Open) || ch >= kLhpChannelCount)
    {
        return 0;
    }
    return m_send[ch].Space();
}

void
LhpLink::Close(TimePoint /* now */)
{
    switch (m_state)
    {
        case LhpState::Idle:
        case LhpState::Connecting:
            // No peer state to tear down: abandon the handshake and anything queued.
            EnterClosed();
            break;
        case LhpState::Open:
        case LhpState::Closing:
            m_state = LhpState::Closing;
            m_closeRequested = true;
            MaybeFinishClose();
            break;
        default:
            break;
    }
}

void
LhpLink::Abort()
{
    if (m_state != LhpState::Closed)
    {
        Die();
    }
}

std::optional<LhpDelivery>
LhpLink::PollDelivery()
{
    if (m_deliveries.empty())
    {
        return std::nullopt;
    }
    LhpDelivery d = std::move(m_deliveries.front());
    m_deliveries.pop_front();
    return d;
}

std::optional<LhpEvent>
LhpLink::PollEvent()
{
    if (m_events.empty())
    {
        return std::nullopt;
    }
    LhpEvent e = m_events.front();
    m_events.pop_front();
    return e;
}

// ---------------------------------------------------------------------------------------------
// Receive path

void
LhpLink::Receive(const LhpFrame& frame, TimePoint now)
{
    LhpFrame copy = frame;
    Dispatch(copy, now);
}

void
LhpLink::Receive(LhpFrame&& frame, TimePoint now)
{
    Dispatch(frame, now);
}

DecodeError
LhpLink::Receive(const std::uint8_t* data, std::size_t len, TimePoint now)
{
    LhpFrame frame;
    DecodeError err = DecodeLhpFrame(data, len, frame);
    if (err != DecodeError::Ok)
    {
        m_stats.badFrames++;
        return err;
    }
    Dispatch(frame, now);
    return DecodeError::Ok;
}

void
LhpLink::Dispatch(LhpFrame& f, TimePoint now)
{
    if (f.version != kLhpVersion || f.connId != m_connId ||
        IndexOf(f.channel) >= kLhpChannelCount || m_state == LhpState::Idle)
    {
        m_stats.badFrames++;
        return;
    }
    m_stats.framesReceived++;
    if (m_state == LhpState::Dead)
    {
        return;
    }
    if (m_state == LhpState::Closed)
    {
        // Our Close response may have been lost: answer a retransmitted Close, like TIME_WAIT.
        if (f.type == LhpFrameType::Close && (f.flags & kFlagResponse) == 0)
        {
            if (HasCloseToken(f))
            {
                m_sendCloseResponse = true;
            }
            else
            {
                m_stats.forgedCloses++;
            }
        }
        return;
    }

    bool ok = false;
    switch (f.type)
    {
        case LhpFrameType::Connect:
            ok = OnConnect(f);
            break;
        case LhpFrameType::Accept:
            ok = OnAccept(f, now);
            break;
        case LhpFrameType::Data:
            ok = OnData(f, now);
            break;
        case LhpFrameType::Ack:
            ok = OnAck(f, now);
            break;
        case LhpFrameType::Forward:
            ok = OnForward(f, now);
            break;
        case LhpFrameType::Close:
            ok = OnClose(f);
            break;
        case LhpFrameType::Keepalive:
            ok = OnKeepalive(f);
            break;
    }
    if (!ok)
    {
        m_stats.badFrames++;
        return;
    }
    m_stats.semiReliableSkipped = m_recv[kSemiReliable].Skipped();
    if (m_state != LhpState::Connecting)
    {
        m_lastReceived = now;
    }
}

bool
LhpLink::OnConnect(const LhpFrame& f)
{
    LhpConnectParams peer;
    if (m_isConnector ||
        DecodeConnectParams(f.payload.data(), f.payload.size(), peer) != DecodeError::Ok)
    {
        return false;
    }
    // Another nonce means the peer restarted and reuses the connection id: not ours to judge;
    // the frame counts as bad and the driver, which sees the Connect too, decides.
    if (peer.nonce != m_peerNonce)
    {
        return false;
    }
    if (m_state == LhpState::Open)
    {
        m_sendAccept = true; // our Accept was lost
    }
    return true;
}

bool
LhpLink::OnAccept(const LhpFrame& f, TimePoint now)
{
    LhpConnectParams peer;
    if (!m_isConnector ||
        DecodeConnectParams(f.payload.data(), f.payload.size(), peer) != DecodeError::Ok ||
        peer.maxPayload == 0 || peer.window == 0)
    {
        return false;
    }
    if (m_state != LhpState::Connecting)
    {
        return peer.nonce == m_peerNonce; // a duplicate Accept
    }
    Negotiate(peer);
    m_peerNonce = peer.nonce;
    m_state = LhpState::Open;
    m_sendConnect = false;
    m_ctrlDeadline.reset();
    m_lastProbe = now;
    if (m_connectsSent == 1)
    {
        m_rtt.AddSample(now - m_connectFirstSent); // Karn: only an unambiguous handshake
    }
    m_events.push_back(LhpEvent{LhpEvent::Kind::Connected});
    return true;
}

bool
LhpLink::OnData(LhpFrame& f, TimePoint now)
{
    if (m_state == LhpState::Connecting)
    {
        return true; // overtook the Accept; the peer will retransmit it
    }
    if (f.payload.size() > m_config.maxPayload)
    {
        return false; // larger than the SDU size we advertised in Connect/Accept
    }
    std::size_t ch = IndexOf(f.channel);
    if (f.HasAck() && !ApplyAck(ch, f, now))
    {
        return false;
    }
    NoteArrivalLoss(ch, f.seq);
    LhpRecvWindow& rx = m_recv[ch];
    bool hadGap = rx.HasGap();
    m_scratch.clear();
    const std::uint32_t edge = rx.Expected();
    const bool adaptive = m_config.adaptiveAcks;
    switch (rx.OnData(f.seq, std::move(f.payload), m_scratch))
    {
        case LhpArrival::InOrder:
            // A filled hole is reported at once; adaptive: only if it released many frames.
            rx.NoteArrival(true,
                           hadGap &&
                               (!adaptive || static_cast<std::uint32_t>(rx.Expected() - edge) >=
                                                 m_config.ackEveryFrames),
                           now);
            break;
        case LhpArrival::OutOfOrder:
            rx.NoteArrival(true, !adaptive, now); // adaptive: counted (gapAckEveryFrames)
            break;
        case LhpArrival::Duplicate:
            m_stats.duplicatesReceived++;
            rx.NoteArrival(false, true, now); // our ack was probably lost
            break;
        case LhpArrival::OutOfWindow:
            rx.NoteArrival(false, true, now);
            return false;
    }
    for (auto& sdu : m_scratch)
    {
        m_deliveries.push_back(LhpDelivery{f.channel, std::move(sdu)});
        m_stats.sdusDelivered++;
    }
    return true;
}

bool
LhpLink::OnAck(const LhpFrame& f, TimePoint now)
{
    if (!f.HasAck() || !f.payload.empty())
    {
        return false;
    }
    if (m_state == LhpState::Connecting)
    {
        return true;
    }
    return ApplyAck(IndexOf(f.channel), f, now);
}

bool
LhpLink::OnForward(const LhpFrame& f, TimePoint now)
{
    if (f.channel != LhpChannel::SemiReliable || !f.payload.empty())
    {
        return false;
    }
    if (m_state == LhpState::Connecting)
    {
        return true;
    }
    if (f.HasAck() && !ApplyAck(kSemiReliable, f, now))
    {
        return false;
    }
    m_recv[kSemiReliable].OnForward(f.seq);
    // Always answer, so the sender's Forward timer stops even if the edge had moved already.
    m_recv[kSemiReliable].NoteArrival(false, true, now);
    return true;
}

bool
LhpLink::OnClose(const LhpFrame& f)
{
    if (f.flags & kFlagResponse)
    {
        if (!f.payload.empty())
        {
            return false;
        }
        if (m_state == LhpState::Closing && m_closesSent > 0)
        {
            EnterClosed();
        }
        return true;
    }
    if (!HasCloseToken(f))
    {
        m_stats.forgedCloses++;
        return false;
    }
    if (m_state == LhpState::Connecting)
    {
        return true;
    }
    m_peerCloseReceived = true;
    m_state = LhpState::Closing;
    MaybeFinishClose();
    return true;
}

bool
LhpLink::HasCloseToken(const LhpFrame& f) const
{
    const std::vector<std::uint8_t>& p = f.payload;
    return p.size() == 4 && ((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                             (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]}) == m_nonce;
}

void
LhpLink::Challenge(TimePoint now)
{
    if (IsLive())
    {
        m_sendKeepalive = true;
        m_lastProbe = now;
    }
}

TimePoint
LhpLink::GetLastReceived() const
{
    return m_lastReceived;
}

bool
LhpLink::OnKeepalive(const LhpFrame& f)
{
    if (!f.payload.empty())
    {
        return false;
    }
    if (IsLive() && (f.flags & kFlagResponse) == 0)
    {
        m_sendKeepaliveResponse = true;
    }
    return true;
}

bool
LhpLink::ApplyAck(std::size_t ch, const LhpFrame& f, TimePoint now)
{
    LhpAckOutcome r = m_send[ch].OnAck(f.ack, f.sack, now);
    if (!r.valid)
    {
        return false;
    }
    // The receiver's window from this ack on: new frames stay below f.ack + f.window.
    m_send[ch].SetPeerWindow(f.window);
    if (r.rttSample)
    {
        m_rtt.AddSample(*r.rttSample);
    }
    NoteOutcome(false, r.newlyAcked);
    if (r.newlyAcked > 0)
    {
        m_stallProbeDue = false; // the window moved: a new stall sets its own deadline
    }
    if (!r.lost.empty())
    {
        m_lastLossEvidence = now; // a hole below acked frames
    }
    for (std::uint32_t seq : r.lost)
    {
        HandleLoss(ch, seq);
    }
    if (r.newlyAcked > 0 && ch == kReliable)
    {
        MaybeFinishClose();
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Loss, drops and state changes

bool
LhpLink::RecentLossEvidence(TimePoint now) const
{
    return m_lastLossEvidence && now - *m_lastLossEvidence <= kLossEvidenceMemory;
}

void
LhpLink::HandleLoss(std::size_t ch, std::uint32_t seq, bool counted)
{
    if (!m_send[ch].InFlight(seq))
    {
        return; // retired by an earlier drop in the same batch
    }
    if (counted)
    {
        NoteOutcome(true, 1); // a late frame must not lower the MAC's retries
    }
    std::uint32_t retransmissions = m_send[ch].Entry(seq).transmissions - 1;
    if (ch == kSemiReliable)
    {
        if (retransmissions >= m_config.semiReliableRetries)
        {
            DropSemiReliable(seq);
            return;
        }
    }
    else if (m_config.maxRetransmissions > 0 && retransmissions >= m_config.maxRetransmissions)
    {
        Die();
        return;
    }
    m_send[ch].QueueRetransmission(seq);
}

void
LhpLink::NoteOutcome(bool lost, std::uint32_t count)
{
    if (!m_config.macRetryControl || count == 0)
    {
        return;
    }
    for (std::uint32_t i = 0; i < count; ++i)
    {
        m_txLoss += ((lost ? 1.0 : 0.0) - m_txLoss) * kLossGain;
    }
    m_txMeasured = true;
    m_outcomes += count;
    if (m_outcomes < kAdviceEvery)
    {
        return;
    }
    m_outcomes = 0;
    // Per-attempt loss from the residual loss under the advice in force.
    Advise(std::pow(m_txLoss, 1.0 / m_macTransmissions));
}

void
LhpLink::NoteArrivalLoss(std::size_t ch, std::uint32_t seq)
{
    if (!m_config.macRetryControl || SeqLess(seq, m_rxNext[ch]))
    {
        return; // a retransmission or a frame below the first-pass front
    }
    const std::uint32_t jumped = seq - m_rxNext[ch];
    m_rxNext[ch] = seq + 1;
    if (jumped >= m_window)
    {
        return; // not a loss pattern: a semi-reliable sender moved on
    }
    for (std::uint32_t i = 0; i <= jumped; ++i)
    {
        m_rxLoss += ((i < jumped ? 1.0 : 0.0) - m_rxLoss) * kLossGain;
    }
    m_rxOutcomes += jumped + 1;
    if (m_txMeasured || m_rxOutcomes < kAdviceEvery)
    {
        return; // our own data's outcomes decide once there are any
    }
    m_rxOutcomes = 0;
    Advise(m_rxLoss);
}

void
LhpLink::Advise(double attempt)
{
    // The fewest attempts that leave at most macResidualLoss for LHP to repair.
    std::uint32_t n = 1;
    while (n < m_config.macTransmissionsMax &&
           std::pow(attempt, static_cast<double>(n)) > m_config.macResidualLoss)
    {
        ++n;
    }
    if (n != m_macTransmissions)
    {
        // Start the EWMA from what the new advice should leave, so old outcomes measured
        // under the previous count do not push it further.
        m_txLoss = std::pow(attempt, static_cast<double>(n));
        m_macTransmissions = n;
    }
}

void
LhpLink::DropSemiReliable(std::uint32_t seq)
{
    m_send[kSemiReliable].Drop(seq);
    m_stats.semiReliableDrops++;
    m_events.push_back(LhpEvent{LhpEvent::Kind::SemiReliableDrop, seq});
}

void
LhpLink::HandleRetransmitTimers(TimePoint now)
{
    Duration rto = m_rtt.GetRto();
    for (std::size_t ch = 0; ch < kLhpChannelCount && m_state != LhpState::Dead; ++ch)
    {
        std::uint64_t newest = 0;
        std::vector<std::uint32_t> expired = m_send[ch].CollectExpired(now, rto, newest);
        if (expired.empty())
        {
            continue;
        }
        // Back off once per flight: frames sent before the last backoff timed out under the
        // old RTO and must not double it again. With lossTolerantRto, not when a frame sent
        // after all of them has been acked (the path delivers: they were lost, not late),
        // and at most kLossTolerantDoublings times in a row otherwise.
        const bool tolerant = m_config.lossTolerantRto;
        const bool overtaken = m_send[ch].NewestAckedSerial() > newest;
        TimePoint newestSent{0};
        for (std::uint32_t seq : expired)
        {
            newestSent = std::max(newestSent, m_send[ch].Entry(seq).lastSent);
        }
        // A peer that still talks while nothing sent later is acked: the frames are late (a
        // queue deeper than the RTO), and only doubling without a cap stops a storm of
        // retransmissions that Karn's rule keeps from ever giving a new sample.
        const bool silent = m_lastReceived <= newestSent;
        if (overtaken)
        {
            m_lastLossEvidence = now;
        }
        // The cap suits a link that has shown it loses frames. Without that, a silent peer
        // is as likely a busy medium (late frames, late acks), where only doubling stops a
        // storm of retransmissions, and a late frame is no loss for the MAC advice.
        const bool lossy = RecentLossEvidence(now);
        if (newest > m_backoffSerial && !(overtaken && tolerant))
        {
            m_rtt.Backoff(tolerant && silent && lossy ? kLossTolerantDoublings : ~0u);
            m_backoffSerial = m_txSerial;
        }
        for (std::uint32_t seq : expired)
        {
            HandleLoss(ch, seq, lossy);
            if (m_state == LhpState::Dead)
            {
                return;
            }
        }
    }
}

void
LhpLink::Negotiate(const LhpConnectParams& peer)
{
    m_maxPayload = std::min(m_maxPayload, peer.maxPayload);
    m_window = std::max<std::uint16_t>(std::min(m_window, peer.window), 1);
    ApplyWindow();
    for (auto& tx : m_send)
    {
        tx.SetPeerWindow(peer.window); // until its first ack says otherwise
    }
}

void
LhpLink::ApplyWindow()
{
    for (std::size_t ch = 0; ch < kLhpChannelCount; ++ch)
    {
        m_send[ch].SetLimits(m_window, m_config.sendBufferSdus);
        m_recv[ch].Configure(m_window,
                             m_config.ackEveryFrames,
                             m_config.ackDelay,
                             m_config.adaptiveAcks ? m_config.gapAckEveryFrames
                                                   : m_config.ackEveryFrames);
    }
}

void
LhpLink::MaybeFinishClose()
{
    if (m_state != LhpState::Closing || !m_send[kReliable].AllAcked())
    {
        return;
    }
    if (m_peerCloseReceived)
    {
        m_sendCloseResponse = true;
        EnterClosed();
    }
    else if (m_closeRequested && m_closesSent == 0)
    {
        m_sendClose = true;
    }
}

void
LhpLink::EnterClosed()
{
    m_state = LhpState::Closed;
    m_sendConnect = m_sendAccept = m_sendClose = false;
    m_sendKeepalive = m_sendKeepaliveResponse = m_sendForward = false;
    m_ctrlDeadline.reset();
    m_events.push_back(LhpEvent{LhpEvent::Kind::Closed});
}

void
LhpLink::Die()
{
    if (m_state == LhpState::Dead)
    {
        return;
    }
    m_state = LhpState::Dead;
    m_sendConnect = m_sendAccept = m_sendClose = m_sendCloseResponse = false;
    m_sendKeepalive = m_sendKeepaliveResponse = m_sendForward = false;
    m_ctrlDeadline.reset();
    m_events.push_back(LhpEvent{LhpEvent::Kind::LinkDead});
}

bool
LhpLink::IsLive() const
{
    return m_state == LhpState::Open || m_state == LhpState::Closing;
}

TimePoint
LhpLink::KeepaliveDue() const
{
    if (m_lastProbe > m_lastReceived)
    {
        // The last probe is unanswered so far: it or its answer may have been lost.
        Duration retry = m_config.keepaliveRetry > Duration{0} ? m_config.keepaliveRetry
                                                               : m_config.keepaliveInterval / 8;
        return m_lastProbe + std::min(retry, m_config.keepaliveInterval);
    }
    return m_lastReceived + m_config.keepaliveInterval;
}

Duration
LhpLink::SemiReliableDeadline() const
{
    const Duration fixed = m_config.semiReliableDeadline;
    if (fixed <= Duration{0} || !m_config.adaptiveDeadline)
    {
        return fixed;
    }
    return std::max(fixed,
                    static_cast<Duration::rep>(m_config.semiReliableRetries + 1) * m_rtt.GetRto());
}

bool
LhpLink::StallProbeAllowed() const
{
    return m_config.stallProbe && (m_stats.stallProbes == 0 || m_lastReceived > m_lastStallProbe ||
                                   m_probesUnanswered < m_config.stallProbesUnanswered);
}

Duration
LhpLink::StallProbeAge() const
{
    // Floored: an SRTT near 0 (a pipe without delay) would probe at every poll.
    std::optional<Duration> srtt = m_rtt.GetSrtt();
    return std::max(srtt ? *srtt + m_rtt.GetRttVar() : m_rtt.GetRto(), m_config.minRto / 4);
}

bool
LhpLink::ForwardReady() const
{
    const LhpSendWindow& tx = m_send[kSemiReliable];
    return tx.NeedsForward() && (m_forwardSeq != tx.Base() || m_sendForward);
}

// ---------------------------------------------------------------------------------------------
// Driver verbs

std::optional<TimePoint>
LhpLink::NextDeadline() const
{
    std::optional<TimePoint> best;
    if (m_state == LhpState::Connecting)
    {
        return m_ctrlDeadline;
    }
    if (!IsLive())
    {
        return best;
    }
    Earliest(best, m_lastReceived + m_config.deadTimeout);
    Earliest(best, KeepaliveDue());
    Earliest(best, m_ctrlDeadline);
    Duration rto = m_rtt.GetRto();
    for (std::size_t ch = 0; ch < kLhpChannelCount; ++ch)
    {
        Earliest(best, m_recv[ch].AckDeadline());
        Earliest(best, m_send[ch].RtoDeadline(rto));
    }
    // Once due, the probe waits for the driver's next poll; a deadline in the past would
    // only make a busy driver spin.
    if (!m_stallProbeDue && StallProbeAllowed() && m_lastLossEvidence)
    {
        Earliest(best, m_send[kReliable].StallProbeDue(StallProbeAge()));
    }
    const LhpSendWindow& semi = m_send[kSemiReliable];
    std::optional<TimePoint> oldest = semi.OldestFirstSent();
    const Duration deadline = SemiReliableDeadline();
    if (oldest && deadline > Duration{0})
    {
        Earliest(best, *oldest + deadline);
    }
    if (semi.NeedsForward() && m_forwardSeq == semi.Base() && !m_sendForward)
    {
        Earliest(best, m_forwardDue);
    }
    return best;
}

void
LhpLink::HandleDeadline(TimePoint now)
{
    if (m_state == LhpState::Connecting)
    {
        if (m_ctrlDeadline && now >= *m_ctrlDeadline)
        {
            m_ctrlDeadline.reset();
            if (m_connectsSent >= m_config.connectRetries)
            {
                Die();
            }
            else
            {
                m_sendConnect = true;
            }
        }
        return;
    }
    if (!IsLive())
    {
        return;
    }
    if (now >= m_lastReceived + m_config.deadTimeout)
    {
        Die();
        return;
    }
    if (m_ctrlDeadline && now >= *m_ctrlDeadline)
    {
        m_ctrlDeadline.reset();
        m_sendClose = true;
    }
    if (now >= KeepaliveDue())
    {
        m_sendKeepalive = true;
        m_lastProbe = now;
    }
    for (auto& rx : m_recv)
    {
        rx.HandleDeadline(now);
    }
    HandleRetransmitTimers(now);
    if (m_state == LhpState::Dead)
    {
        return;
    }
    if (StallProbeAllowed())
    {
        std::optional<TimePoint> probe = m_send[kReliable].StallProbeDue(StallProbeAge());
        m_stallProbeDue = m_stallProbeDue || (probe && *probe <= now);
    }
    LhpSendWindow& semi = m_send[kSemiReliable];
    const Duration deadline = SemiReliableDeadline();
    if (deadline > Duration{0})
    {
        for (auto t = semi.OldestFirstSent(); t && *t + deadline <= now; t = semi.OldestFirstSent())
        {
            DropSemiReliable(semi.Base());
        }
    }
    if (semi.NeedsForward() && m_forwardSeq == semi.Base() && now >= m_forwardDue)
    {
        m_sendForward = true;
    }
}

bool
LhpLink::PollTransmit(TimePoint now, std::vector<std::uint8_t>& out)
{
    out.clear();
    if (m_state == LhpState::Closed)
    {
        if (!m_sendCloseResponse)
        {
            return false;
        }
        m_sendCloseResponse = false;
        Emit(MakeFrame(LhpFrameType::Close, kReliable, kFlagResponse), out);
        return true;
    }
    if (m_state != LhpState::Connecting && !IsLive())
    {
        return false;
    }
    if (PollControl(now, out))
    {
        return true;
    }
    if (!IsLive())
    {
        return false;
    }
    // A due ack goes first unless data on its channel can carry it.
    for (std::size_t ch = 0; ch < kLhpChannelCount; ++ch)
    {
        if (m_recv[ch].AckDue() && !DataReady(ch))
        {
            LhpFrame f = MakeFrame(LhpFrameType::Ack, ch);
            AttachAck(f, ch);
            Emit(f, out);
            m_stats.acksSent++;
            return true;
        }
    }
    for (std::size_t k = 0; k < kLhpChannelCount; ++k)
    {
        std::size_t ch = (m_nextChannel + k) % kLhpChannelCount;
        if (PollData(ch, now, out))
        {
            m_nextChannel = (ch + 1) % kLhpChannelCount;
            return true;
        }
    }
    // DataReady may have seen only stale retransmission entries.
    for (std::size_t ch = 0; ch < kLhpChannelCount; ++ch)
    {
        if (m_recv[ch].AckDue())
        {
            LhpFrame f = MakeFrame(LhpFrameType::Ack, ch);
            AttachAck(f, ch);
            Emit(f, out);
            m_stats.acksSent++;
            return true;
        }
    }
    return false;
}

bool
LhpLink::PollControl(TimePoint now, std::vector<std::uint8_t>& out)
{
    if (m_sendConnect || m_sendAccept)
    {
        bool connect = m_sendConnect;
        LhpFrame f = MakeFrame(connect ? LhpFrameType::Connect : LhpFrameType::Accept, kReliable);
        EncodeConnectParams(LhpConnectParams{m_config.maxPayload, m_config.window, m_nonce},
                            f.payload);
        Emit(f, out);
        if (connect)
        {
            m_sendConnect = false;
            if (m_connectsSent++ == 0)
            {
                m_connectFirstSent = now;
            }
            else
            {
                m_ctrlRto = std::min(2 * m_ctrlRto, m_config.maxRto);
            }
            m_ctrlDeadline = now + m_ctrlRto;
        }
        else
        {
            m_sendAccept = false;
        }
        return true;
    }
    if (m_sendKeepaliveResponse || m_sendKeepalive)
    {
        bool response = m_sendKeepaliveResponse;
        Emit(MakeFrame(LhpFrameType::Keepalive, kReliable, response ? kFlagResponse : 0), out);
        (response ? m_sendKeepaliveResponse : m_sendKeepalive) = false;
        return true;
    }
    if (m_sendClose)
    {
        LhpFrame close = MakeFrame(LhpFrameType::Close, kReliable);
        // The token: the peer's own nonce, which only a party that saw the handshake knows.
        close.payload = {static_cast<std::uint8_t>(m_peerNonce >> 24),
                         static_cast<std::uint8_t>(m_peerNonce >> 16),
                         static_cast<std::uint8_t>(m_peerNonce >> 8),
                         static_cast<std::uint8_t>(m_peerNonce)};
        Emit(close, out);
        m_sendClose = false;
        m_ctrlRto = m_closesSent++ == 0 ? m_rtt.GetRto() : std::min(2 * m_ctrlRto, m_config.maxRto);
        m_ctrlDeadline = now + m_ctrlRto;
        return true;
    }
    return false;
}

bool
LhpLink::DataReady(std::size_t ch) const
{
    return m_send[ch].HasRetransmission() || m_send[ch].CanSendNew() ||
           (ch == kSemiReliable && ForwardReady());
}

bool
LhpLink::PollData(std::size_t ch, TimePoint now, std::vector<std::uint8_t>& out)
{
    LhpSendWindow& tx = m_send[ch];
    if (ch == kSemiReliable && ForwardReady())
    {
        LhpFrame f = MakeFrame(LhpFrameType::Forward, ch);
        f.seq = tx.Base();
        AttachAck(f, ch);
        Emit(f, out);
        m_forwardSeq = tx.Base();
        m_forwardDue = now + m_rtt.GetRto();
        m_sendForward = false;
        return true;
    }
    std::optional<std::uint32_t> seq = tx.PopRetransmission();
    bool retransmission = seq.has_value();
    if (!seq && ch == kReliable && StallProbeAllowed() && RecentLossEvidence(now))
    {
        seq = tx.StallProbe(now, StallProbeAge());
        if (seq)
        {
            retransmission = true;
            m_stallProbeDue = false;
            m_probesUnanswered = m_lastReceived > m_lastStallProbe ? 1 : m_probesUnanswered + 1;
            m_lastStallProbe = now;
            m_stats.stallProbes++;
        }
    }
    if (!seq)
    {
        if (!tx.CanSendNew())
        {
            return false;
        }
        seq = tx.TakeNew(now);
    }
    LhpSentFrame& entry = tx.Entry(*seq);
    LhpFrame f = MakeFrame(LhpFrameType::Data, ch);
    f.seq = *seq;
    AttachAck(f, ch);
    // Lend the payload to the frame for encoding instead of copying it.
    f.payload.swap(entry.payload);
    Emit(f, out);
    f.payload.swap(entry.payload);
    tx.MarkSent(*seq, now, ++m_txSerial);
    (retransmission ? m_stats.retransmissions : m_stats.dataFramesSent)++;
    return true;
}

LhpFrame
LhpLink::MakeFrame(LhpFrameType type, std::size_t ch, std::uint8_t flags) const
{
    LhpFrame f;
    f.type = type;
    f.flags = flags;
    f.channel = ChannelOf(ch);
    f.connId = m_connId;
    return f;
}

void
LhpLink::AttachAck(LhpFrame& f, std::size_t ch)
{
    LhpRecvWindow& rx = m_recv[ch];
    f.flags |= kFlagAck;
    f.ack = rx.Expected();
    f.sack = rx.SackBits();
    f.window = m_window; // the receive window: frames taken from f.ack on (the sender reads it)
    rx.OnAckSent();
}

void
LhpLink::Emit(const LhpFrame& f, std::vector<std::uint8_t>& out)
{
    EncodeLhpFrame(f, out);
    m_stats.framesSent++;
}

// ---------------------------------------------------------------------------------------------
// Inspection

LhpState
LhpLink::GetState() const
{
    return m_state;
}

std::uint32_t
LhpLink::GetConnId() const
{
    return m_connId;
}

std::uint32_t
LhpLink::GetNonce() const
{
    return m_nonce;
}

std::uint32_t
LhpLink::GetPeerNonce() const
{
    return m_peerNonce;
}

bool
LhpLink::IsConnector() const
{
    return m_isConnector;
}

Duration
LhpLink::GetRto() const
{
    return m_rtt.GetRto();
}

std::uint32_t
LhpLink::GetMacTransmissions() const
{
    return m_config.macRetryControl ? m_macTransmissions : 0;
}

double
LhpLink::GetTransmissionLoss() const
{
    return m_txLoss;
}

Duration
LhpLink::GetRttVar() const
{
    return m_rtt.GetRttVar();
}

std::uint16_t
LhpLink::GetWindow() const
{
    return m_window;
}

std::uint32_t
LhpLink::GetPeerWindow(LhpChannel channel) const
{
    std::size_t ch = IndexOf(channel);
    return ch < kLhpChannelCount ? m_send[ch].PeerWindow() : 0;
}

std::uint32_t
LhpLink::GetSendWindow(LhpChannel channel) const
{
    std::size_t ch = IndexOf(channel);
    return ch < kLhpChannelCount ? m_send[ch].EffectiveWindow() : 0;
}

std::size_t
LhpLink::GetFramesInFlight() const
{
    std::size_t n = 0;
    for (const auto& tx : m_send)
    {
        n += tx.InFlightCount();
    }
    return n;
}

std::size_t
LhpLink::GetBytesInFlight() const
{
    std::size_t n = 0;
    for (const auto& tx : m_send)
    {
        n += tx.BytesInFlight();
    }
    return n;
}

std::optional<Duration>
LhpLink::GetSrtt() const
{
    return m_rtt.GetSrtt();
}

const LhpStats&
LhpLink::GetStats() const
{
    return m_stats;
}

const LhpConfig&
LhpLink::GetConfig() const
{
    return m_config;
}

bool
LhpLink::AllReliableAcked() const
{
    return m_send[kReliable].AllAcked();
}

const char*
ToString(LhpState s)
{
    switch (s)
    {
        case LhpState::Idle:
            return "Idle";
        case LhpState::Connecting:
            return "Connecting";
        case LhpState::Open:
            return "Open";
        case LhpState::Closing:
            return "Closing";
        case LhpState::Closed:
            return "Closed";
        case LhpState::Dead:
            return "Dead";
    }
    return "?";
}

} // namespace resoa
