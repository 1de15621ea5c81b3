/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "ep-lhp-session.h"

#include "ep-client.h"
#include "ep-message.h"
#include "ep-server.h"

#include <algorithm>
#include <utility>

namespace resoa
{

namespace
{
std::uint32_t
ReadU32(const std::uint8_t* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}
} // namespace

std::optional<EpHeaderPeek>
PeekEpHeader(const std::uint8_t* data, std::size_t len)
{
    if (data == nullptr || len < kEpHeaderSize)
    {
        return std::nullopt;
    }
    EpHeaderPeek h;
    h.version = data[0];
    h.type = data[1];
    h.flags = data[2];
    h.rsockId = ReadU32(data + 4);
    h.requestId = ReadU32(data + 8);
    return h;
}

std::optional<EpHeaderPeek>
PeekEpHeader(const std::vector<std::uint8_t>& bytes)
{
    return PeekEpHeader(bytes.data(), bytes.size());
}

EpLhpSession::EpLhpSession(SendFn send, EpLhpSessionConfig config)
    : m_send(std::move(send))
    , m_config(config)
{
    m_config.backpressureMessages = std::max<std::size_t>(m_config.backpressureMessages, 1);
}

bool
EpLhpSession::Offer(LhpChannel channel, std::vector<std::uint8_t> bytes)
{
    if (channel == LhpChannel::SemiReliable)
    {
        if (m_send(channel, bytes))
        {
            m_stats.datagramsSent++;
            return true;
        }
        m_stats.datagramsDropped++;
        return false;
    }
    // Order matters on the reliable channel: once something waits, everything waits.
    if (m_backlog.empty() && m_send(channel, bytes))
    {
        m_stats.reliableSent++;
        return true;
    }
    m_backlog.push_back(std::move(bytes));
    m_stats.reliableDeferred++;
    m_stats.maxBacklog = std::max(m_stats.maxBacklog, m_backlog.size());
    return true;
}

bool
EpLhpSession::Offer(EpOutgoing message)
{
    return Offer(message.channel, std::move(message.bytes));
}

bool
EpLhpSession::OnSendSpace()
{
    while (!m_backlog.empty())
    {
        if (!m_send(LhpChannel::Reliable, m_backlog.front()))
        {
            return false;
        }
        m_backlog.pop_front();
        m_stats.reliableSent++;
    }
    return true;
}

void
EpLhpSession::Reset()
{
    m_backlog.clear();
}

bool
EpLhpSession::Blocked() const
{
    return !m_backlog.empty();
}

bool
EpLhpSession::BackedUp() const
{
    return m_backlog.size() >= m_config.backpressureMessages;
}

std::size_t
EpLhpSession::BacklogSize() const
{
    return m_backlog.size();
}

const EpLhpSessionStats&
EpLhpSession::GetStats() const
{
    return m_stats;
}

std::size_t
PumpClientOutgoing(EpClient& engine,
                   EpLhpSession& session,
                   const std::function<void(const EpOutgoing&)>& onMessage)
{
    std::size_t moved = 0;
    session.OnSendSpace();
    while (!session.Blocked())
    {
        std::optional<EpOutgoing> out = engine.PollOutgoing();
        if (!out)
        {
            break;
        }
        if (onMessage)
        {
            onMessage(*out);
        }
        session.Offer(std::move(*out));
        moved++;
    }
    return moved;
}

std::size_t
PumpServerOutgoing(EpServer& engine,
                   const std::function<EpLhpSession*(std::uint64_t)>& lookup,
                   const std::function<void(const EpServerOutgoing&)>& onMessage)
{
    std::size_t moved = 0;
    while (std::optional<EpServerOutgoing> out = engine.PollOutgoing())
    {
        EpLhpSession* session = lookup(out->sessionId);
        if (session == nullptr)
        {
            continue; // the client is gone
        }
        if (onMessage)
        {
            onMessage(*out);
        }
        session->Offer(out->channel, std::move(out->bytes));
        engine.SetSessionBackpressure(out->sessionId, session->BackedUp());
        moved++;
    }
    return moved;
}

void
ResumeServerSession(EpServer& engine, std::uint64_t sessionId, EpLhpSession& session)
{
    session.OnSendSpace();
    engine.SetSessionBackpressure(sessionId, session.BackedUp());
}

} // namespace resoa
