/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "lhp-send-window.h"

#include "lhp-seq.h"

#include <algorithm>

namespace resoa
{

namespace
{

/// Fast retransmit threshold: this many frames sent later and acked mean a frame was lost.
constexpr std::size_t kDupThresh = 3;

void
Release(std::vector<std::uint8_t>& v)
{
    std::vector<std::uint8_t>().swap(v);
}

} // namespace

LhpSendWindow::LhpSendWindow(bool semiReliable, std::uint32_t initialSeq)
    : m_semiReliable(semiReliable)
    , m_base(initialSeq)
    , m_peerAck(initialSeq)
{
}

void
LhpSendWindow::SetLimits(std::uint32_t window, std::size_t bufferSdus)
{
    m_window = std::max<std::uint32_t>(window, 1);
    m_bufferSdus = bufferSdus;
}

void
LhpSendWindow::SetPeerWindow(std::uint32_t frames)
{
    m_peerWindow = std::max<std::uint32_t>(frames, 1);
}

std::uint32_t
LhpSendWindow::PeerWindow() const
{
    return m_peerWindow;
}

std::uint32_t
LhpSendWindow::EffectiveWindow() const
{
    return std::min({m_window, m_peerWindow, kLhpSackRange + 1});
}

std::size_t
LhpSendWindow::Space() const
{
    std::size_t cap = m_window + m_bufferSdus;
    std::size_t used = m_frames.size() + m_queue.size();
    return used >= cap ? 0 : cap - used;
}

bool
LhpSendWindow::Enqueue(std::vector<std::uint8_t> sdu)
{
    if (Space() == 0)
    {
        return false;
    }
    m_queue.push_back(std::move(sdu));
    return true;
}

bool
LhpSendWindow::AllAcked() const
{
    return m_frames.empty() && m_queue.empty();
}

bool
LhpSendWindow::CanSendNew() const
{
    // Beyond PeerAck() + 32 the receiver could not report a frame (its SACK is 32 bits wide):
    // the sender would be blind to its fate and to the RTT while a hole stays open.
    // The receiver takes frames below its ack + its advertised window; the semi-reliable
    // receiver slides over frames we gave up, so there the window counts from our base.
    const std::uint32_t windowBase = m_semiReliable ? m_base : m_peerAck;
    return !m_queue.empty() && m_frames.size() < m_window &&
           static_cast<std::uint32_t>(Next() - m_peerAck) <= kLhpSackRange &&
           static_cast<std::uint32_t>(Next() - windowBase) < m_peerWindow;
}

std::uint32_t
LhpSendWindow::TakeNew(TimePoint now)
{
    LhpSentFrame f;
    f.payload = std::move(m_queue.front());
    f.firstSent = now;
    m_bytesInFlight += f.payload.size();
    m_queue.pop_front();
    m_frames.push_back(std::move(f));
    return Next() - 1;
}

bool
LhpSendWindow::HasRetransmission() const
{
    return !m_retransmit.empty();
}

std::optional<std::uint32_t>
LhpSendWindow::PopRetransmission()
{
    while (!m_retransmit.empty())
    {
        std::uint32_t seq = m_retransmit.front();
        m_retransmit.pop_front();
        if (InFlight(seq))
        {
            LhpSentFrame& f = Entry(seq);
            if (f.queued && !f.acked && !f.dropped)
            {
                return seq; // MarkSent clears `queued`
            }
            f.queued = false;
        }
    }
    return std::nullopt;
}

void
LhpSendWindow::QueueRetransmission(std::uint32_t seq)
{
    if (!InFlight(seq))
    {
        return;
    }
    LhpSentFrame& f = Entry(seq);
    if (f.acked || f.dropped || f.queued)
    {
        return;
    }
    f.queued = true;
    m_retransmit.push_back(seq);
}

void
LhpSendWindow::MarkSent(std::uint32_t seq, TimePoint now, std::uint64_t serial)
{
    LhpSentFrame& f = Entry(seq);
    f.lastSent = now;
    f.txSerial = serial;
    if (f.transmissions == 0)
    {
        f.firstSerial = serial;
    }
    f.transmissions++;
    f.queued = false;
    m_timeline.push_back(TxRecord{seq, serial});
    Tidy();
}

LhpSentFrame&
LhpSendWindow::Entry(std::uint32_t seq)
{
    return m_frames[static_cast<std::uint32_t>(seq - m_base)];
}

const LhpSentFrame&
LhpSendWindow::Entry(std::uint32_t seq) const
{
    return m_frames[static_cast<std::uint32_t>(seq - m_base)];
}

bool
LhpSendWindow::InFlight(std::uint32_t seq) const
{
    return static_cast<std::uint32_t>(seq - m_base) < m_frames.size();
}

void
LhpSendWindow::MarkAcked(LhpSentFrame& f,
                         LhpAckOutcome& out,
                         std::uint64_t& sampleSerial,
                         TimePoint now)
{
    if (f.acked || f.dropped)
    {
        return;
    }
    f.acked = true;
    out.newlyAcked++;
    NoteAckedSerial(f.firstSerial); // see the class comment
    m_bytesInFlight -= f.payload.size();
    Release(f.payload);
    // Sample only the newest transmission this ack covers: it most likely triggered the ack.
    // If that one is a retransmission (Karn) there is no sample: older frames it releases
    // from behind a hole were received long ago and would inflate the RTT.
    if (f.txSerial > sampleSerial)
    {
        sampleSerial = f.txSerial;
        if (f.transmissions == 1)
        {
            out.rttSample = now - f.lastSent;
        }
        else
        {
            out.rttSample.reset();
        }
    }
}

LhpAckOutcome
LhpSendWindow::OnAck(std::uint32_t ack, std::uint32_t sack, TimePoint now)
{
    LhpAckOutcome out;
    if (SeqGreater(ack, Next()))
    {
        out.valid = false;
        return out;
    }
    int highBit = -1;
    for (int i = 31; i >= 0; --i)
    {
        if (sack & (1u << i))
        {
            highBit = i;
            break;
        }
    }
    std::uint32_t highSacked = ack + 1 + static_cast<std::uint32_t>(highBit);
    if (highBit >= 0 && !SeqLess(highSacked, Next()))
    {
        out.valid = false; // claims frames we never sent
        return out;
    }

    m_peerAck = SeqMax(m_peerAck, ack);
    std::uint64_t sampleSerial = 0;
    for (std::uint32_t s = m_base; SeqLess(s, ack); ++s)
    {
        MarkAcked(Entry(s), out, sampleSerial, now);
    }
    for (int i = 0; i <= highBit; ++i)
    {
        std::uint32_t s = ack + 1 + static_cast<std::uint32_t>(i);
        if ((sack & (1u << i)) && InFlight(s))
        {
            MarkAcked(Entry(s), out, sampleSerial, now);
        }
    }
    if (out.newlyAcked > 0)
    {
        m_lastProgress = now;
    }
    AdvanceBase();
    Tidy();
    DetectLost(out);
    return out;
}

void
LhpSendWindow::NoteAckedSerial(std::uint64_t serial)
{
    // Keep the three largest acked serials, largest first; the smallest falls off the end.
    for (std::size_t j = 0; j < kDupThresh; ++j)
    {
        if (j == m_ackedCount)
        {
            m_ackedTop[j] = serial;
            ++m_ackedCount;
            return;
        }
        if (serial > m_ackedTop[j])
        {
            std::swap(serial, m_ackedTop[j]);
        }
    }
}

void
LhpSendWindow::DetectLost(LhpAckOutcome& out)
{
    if (m_ackedCount < kDupThresh)
    {
        return;
    }
    // Three frames sent after any transmission below this serial have been acked. The window
    // holds at most 33 frames (see CanSendNew), so the scan is short.
    const std::uint64_t threshold = m_ackedTop[kDupThresh - 1];
    for (std::size_t k = 0; k < m_frames.size(); ++k)
    {
        const LhpSentFrame& f = m_frames[k];
        if (!f.acked && !f.dropped && !f.queued && f.txSerial < threshold)
        {
            out.lost.push_back(m_base + static_cast<std::uint32_t>(k));
        }
    }
}

void
LhpSendWindow::AdvanceBase()
{
    while (!m_frames.empty() && (m_frames.front().acked || m_frames.front().dropped))
    {
        m_frames.pop_front();
        ++m_base;
    }
}

bool
LhpSendWindow::IsLive(const TxRecord& r) const
{
    if (!InFlight(r.seq))
    {
        return false;
    }
    const LhpSentFrame& f = Entry(r.seq);
    return !f.acked && !f.dropped && f.txSerial == r.serial;
}

void
LhpSendWindow::Tidy()
{
    while (!m_timeline.empty() && !IsLive(m_timeline.front()))
    {
        m_timeline.pop_front();
    }
}

std::optional<LhpSendWindow::TimePoint>
LhpSendWindow::RtoDeadline(Duration rto) const
{
    if (m_timeline.empty())
    {
        return std::nullopt;
    }
    return std::max(Entry(m_timeline.front().seq).lastSent, m_lastProgress) + rto;
}

std::vector<std::uint32_t>
LhpSendWindow::CollectExpired(TimePoint now, Duration rto, std::uint64_t& maxSerial)
{
    std::vector<std::uint32_t> expired;
    maxSerial = 0;
    while (!m_timeline.empty())
    {
        const TxRecord r = m_timeline.front();
        if (!IsLive(r))
        {
            m_timeline.pop_front();
            continue;
        }
        const LhpSentFrame& f = Entry(r.seq);
        if (std::max(f.lastSent, m_lastProgress) + rto > now)
        {
            break;
        }
        m_timeline.pop_front();
        if (!f.queued)
        {
            expired.push_back(r.seq);
            maxSerial = std::max(maxSerial, r.serial);
        }
    }
    return expired;
}

void
LhpSendWindow::Drop(std::uint32_t seq)
{
    if (!InFlight(seq))
    {
        return;
    }
    LhpSentFrame& f = Entry(seq);
    if (f.acked || f.dropped)
    {
        return;
    }
    f.dropped = true;
    m_bytesInFlight -= f.payload.size();
    Release(f.payload);
    AdvanceBase();
    Tidy();
}

bool
LhpSendWindow::Stalled() const
{
    // SDUs wait: an application that has nothing more to send is not stalled, and probing
    // its last frames would only race the receiver's delayed ack.
    return !m_frames.empty() && !m_queue.empty() && m_retransmit.empty() && !CanSendNew();
}

bool
LhpSendWindow::OnlyRepairsOutstanding() const
{
    if (!Stalled())
    {
        return false;
    }
    // Every frame still unacked has been retransmitted or was overtaken (a frame sent after
    // it has been acked): each is known or likely lost, and the peer's acks flow, so only
    // repairs are outstanding (a lossy link). Frames sent once and not overtaken are in
    // flight or their acks are late (a busy medium), where a probe would only add to the
    // contention.
    const std::uint64_t newestAcked = NewestAckedSerial();
    for (const LhpSentFrame& f : m_frames)
    {
        if (!f.acked && !f.dropped && f.transmissions < 2 && f.txSerial > newestAcked)
        {
            return false;
        }
    }
    return true;
}

std::optional<std::uint32_t>
LhpSendWindow::StallProbe(TimePoint now, Duration age) const
{
    if (!OnlyRepairsOutstanding())
    {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < m_frames.size(); ++i)
    {
        const LhpSentFrame& f = m_frames[i];
        if (!f.acked && !f.dropped && f.lastSent + age <= now)
        {
            return m_base + static_cast<std::uint32_t>(i);
        }
    }
    return std::nullopt;
}

std::optional<LhpSendWindow::TimePoint>
LhpSendWindow::StallProbeDue(Duration age) const
{
    if (!OnlyRepairsOutstanding())
    {
        return std::nullopt;
    }
    std::optional<TimePoint> due;
    for (const LhpSentFrame& f : m_frames)
    {
        if (!f.acked && !f.dropped && (!due || f.lastSent + age < *due))
        {
            due = f.lastSent + age;
        }
    }
    return due;
}

std::optional<LhpSendWindow::TimePoint>
LhpSendWindow::OldestFirstSent() const
{
    if (m_frames.empty())
    {
        return std::nullopt;
    }
    return m_frames.front().firstSent;
}

bool
LhpSendWindow::NeedsForward() const
{
    return m_semiReliable && SeqLess(m_peerAck, m_base);
}

std::uint64_t
LhpSendWindow::NewestAckedSerial() const
{
    return m_ackedCount > 0 ? m_ackedTop[0] : 0;
}

std::uint32_t
LhpSendWindow::Base() const
{
    return m_base;
}

std::uint32_t
LhpSendWindow::Next() const
{
    return m_base + static_cast<std::uint32_t>(m_frames.size());
}

std::uint32_t
LhpSendWindow::PeerAck() const
{
    return m_peerAck;
}

std::size_t
LhpSendWindow::InFlightCount() const
{
    return m_frames.size();
}

std::size_t
LhpSendWindow::BytesInFlight() const
{
    return m_bytesInFlight;
}

} // namespace resoa
