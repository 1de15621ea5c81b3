/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "lhp-recv-window.h"

#include "lhp-seq.h"

#include <algorithm>

namespace resoa
{

LhpRecvWindow::LhpRecvWindow(bool semiReliable, std::uint32_t initialSeq)
    : m_semiReliable(semiReliable)
    , m_expected(initialSeq)
{
}

void
LhpRecvWindow::Configure(std::uint32_t window,
                         std::uint32_t ackEveryFrames,
                         Duration ackDelay,
                         std::uint32_t gapAckEveryFrames)
{
    m_window = std::max<std::uint32_t>(window, 1);
    m_ackEvery = std::max<std::uint32_t>(ackEveryFrames, 1);
    m_gapAckEvery = gapAckEveryFrames == 0 ? m_ackEvery : gapAckEveryFrames;
    m_ackDelay = ackDelay;
}

LhpArrival
LhpRecvWindow::OnData(std::uint32_t seq,
                      std::vector<std::uint8_t>&& payload,
                      std::vector<std::vector<std::uint8_t>>& out)
{
    if (SeqLess(seq, m_expected))
    {
        return LhpArrival::Duplicate;
    }
    std::uint32_t offset = seq - m_expected;
    if (offset >= m_window)
    {
        if (!m_semiReliable)
        {
            return LhpArrival::OutOfWindow;
        }
        Slide(offset - m_window + 1, nullptr);
        offset = seq - m_expected; // Slide may also have passed frames already received
    }
    if (m_slots.size() <= offset)
    {
        m_slots.resize(offset + 1);
    }
    if (m_slots[offset])
    {
        return LhpArrival::Duplicate;
    }
    LhpArrival kind = offset == 0 ? LhpArrival::InOrder : LhpArrival::OutOfOrder;
    if (m_semiReliable)
    {
        out.push_back(std::move(payload));
        m_slots[offset].emplace(); // only the mark is kept
    }
    else
    {
        m_slots[offset] = std::move(payload);
    }
    Slide(0, &out);
    return kind;
}

void
LhpRecvWindow::Slide(std::uint32_t count, std::vector<std::vector<std::uint8_t>>* out)
{
    // Drop `count` slots below the new edge (semi-reliable only: reliable never skips)...
    std::size_t pop = std::min<std::size_t>(count, m_slots.size());
    const auto received = std::count_if(m_slots.begin(),
                                        m_slots.begin() + static_cast<std::ptrdiff_t>(pop),
                                        [](const auto& slot) { return slot.has_value(); });
    m_skipped += count - static_cast<std::uint64_t>(received);
    m_slots.erase(m_slots.begin(), m_slots.begin() + static_cast<std::ptrdiff_t>(pop));
    m_expected += count;
    // ... then move the edge over frames already received.
    while (!m_slots.empty() && m_slots.front())
    {
        if (!m_semiReliable && out)
        {
            out->push_back(std::move(*m_slots.front()));
        }
        m_slots.pop_front();
        ++m_expected;
    }
}

bool
LhpRecvWindow::OnForward(std::uint32_t seq)
{
    if (!m_semiReliable || !SeqGreater(seq, m_expected))
    {
        return false;
    }
    Slide(seq - m_expected, nullptr);
    return true;
}

std::uint64_t
LhpRecvWindow::Skipped() const
{
    return m_skipped;
}

std::uint32_t
LhpRecvWindow::Expected() const
{
    return m_expected;
}

std::uint32_t
LhpRecvWindow::SackBits() const
{
    std::uint32_t bits = 0;
    std::size_t n = std::min<std::size_t>(m_slots.size(), 33);
    for (std::size_t i = 1; i < n; ++i)
    {
        if (m_slots[i])
        {
            bits |= 1u << (i - 1);
        }
    }
    return bits;
}

bool
LhpRecvWindow::HasGap() const
{
    return !m_slots.empty();
}

void
LhpRecvWindow::NoteArrival(bool newFrame, bool immediate, TimePoint now)
{
    if (immediate || m_ackDelay <= Duration{0})
    {
        m_ackNow = true;
        return;
    }
    if (!newFrame)
    {
        return;
    }
    ++m_unacked;
    if (!m_ackDeadline)
    {
        m_ackDeadline = now + m_ackDelay;
    }
    if (m_unacked >= (HasGap() ? m_gapAckEvery : m_ackEvery))
    {
        m_ackNow = true;
    }
}

bool
LhpRecvWindow::AckDue() const
{
    return m_ackNow;
}

std::optional<LhpRecvWindow::TimePoint>
LhpRecvWindow::AckDeadline() const
{
    return m_ackNow ? std::nullopt : m_ackDeadline;
}

void
LhpRecvWindow::HandleDeadline(TimePoint now)
{
    if (m_ackDeadline && now >= *m_ackDeadline)
    {
        m_ackNow = true;
    }
}

void
LhpRecvWindow::OnAckSent()
{
    m_unacked = 0;
    m_ackNow = false;
    m_ackDeadline.reset();
}

} // namespace resoa
