/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "dhcp-lease.h"

#include <algorithm>
#include <utility>

namespace resoa
{

DhcpLease::DhcpLease(DhcpLeaseConfig config)
    : m_config(std::move(config))
{
}

DhcpLease::Stats&
DhcpLease::Stats::operator+=(const Stats& other)
{
    discovers += other.discovers;
    requests += other.requests;
    renewals += other.renewals;
    releases += other.releases;
    acks += other.acks;
    naks += other.naks;
    ignored += other.ignored;
    return *this;
}

DhcpMessage
DhcpLease::Base(DhcpType type) const
{
    DhcpMessage m;
    m.op = 1;
    m.xid = m_config.xid;
    // The lessee is not the sender, so it cannot take unicast replies: ask for broadcast.
    m.flags = kDhcpBroadcastFlag;
    m.SetMac(m_config.mac);
    m.type = type;
    if (m_config.sendClientId)
    {
        m.clientId.push_back(1); // hardware type: Ethernet
        m.clientId.insert(m.clientId.end(), m_config.mac.begin(), m_config.mac.end());
    }
    return m;
}

void
DhcpLease::Start(TimePoint now)
{
    if (m_state != State::Init)
    {
        return;
    }
    m_acquireDeadline = now + m_config.acquireTimeout;
    m_state = State::Selecting;
    SendDiscover(now);
}

void
DhcpLease::SendDiscover(TimePoint now)
{
    m_out.push_back(EncodeDhcp(Base(DhcpType::Discover)));
    m_stats.discovers++;
    m_retransmitAt = now + m_config.retransmit;
}

void
DhcpLease::SendRequest(TimePoint now)
{
    DhcpMessage m = Base(DhcpType::Request);
    if (m_state == State::Requesting)
    {
        m.requestedIp = m_offered;
        m.serverId = m_serverId;
        m_stats.requests++;
    }
    else
    {
        // Renewing: ciaddr names the lease. Option 50 too, which RFC servers accept
        // (INIT-REBOOT form) and ns-3's DhcpServer requires.
        m.ciaddr = m_address;
        m.requestedIp = m_address;
        m_stats.renewals++;
    }
    m_out.push_back(EncodeDhcp(m));
    m_retransmitAt = now + m_config.retransmit;
}

bool
DhcpLease::OnMessage(const DhcpMessage& m, TimePoint now)
{
    if (m.op != 2 || m.xid != m_config.xid || m.Mac() != m_config.mac)
    {
        return false;
    }
    switch (m_state)
    {
        case State::Selecting:
            if (m.type == DhcpType::Offer && m.yiaddr != 0)
            {
                m_offered = m.yiaddr;
                m_serverId = m.serverId.value_or(m.siaddr);
                m_mask = m.subnetMask.value_or(0);
                m_lease = m.leaseSeconds ? Duration(std::chrono::seconds(*m.leaseSeconds))
                                         : Duration(m_config.defaultLease);
                if (m.renewSeconds)
                {
                    m_renew = std::chrono::seconds(*m.renewSeconds);
                }
                m_state = State::Requesting;
                m_requestSentAt = now;
                SendRequest(now);
                return true;
            }
            break;
        case State::Requesting:
            if (OnAckOrNak(m, now, DhcpLeaseEvent::Kind::Bound, DhcpLeaseEvent::Kind::Failed))
            {
                return true;
            }
            break;
        case State::Renewing:
            if (OnAckOrNak(m, now, DhcpLeaseEvent::Kind::Renewed, DhcpLeaseEvent::Kind::Lost))
            {
                return true;
            }
            break;
        default:
            break;
    }
    m_stats.ignored++;
    return true;
}

bool
DhcpLease::OnAckOrNak(const DhcpMessage& m,
                      TimePoint now,
                      DhcpLeaseEvent::Kind acked,
                      DhcpLeaseEvent::Kind refused)
{
    if (m.type == DhcpType::Ack)
    {
        if (m_state == State::Requesting)
        {
            m_address = m.yiaddr != 0 ? m.yiaddr : m_offered;
        }
        Bind(m, now);
        m_events.push_back({acked, DhcpLeaseEvent::Reason::None, m_address, m_expiry});
        return true;
    }
    if (m.type == DhcpType::Nak)
    {
        m_stats.naks++;
        Fail(refused, DhcpLeaseEvent::Reason::Nak, State::Failed);
        return true;
    }
    return false;
}

void
DhcpLease::Bind(const DhcpMessage& ack, TimePoint now)
{
    (void)now;
    m_stats.acks++;
    if (ack.leaseSeconds)
    {
        m_lease = std::chrono::seconds(*ack.leaseSeconds);
    }
    if (ack.renewSeconds)
    {
        m_renew = std::chrono::seconds(*ack.renewSeconds);
    }
    if (ack.subnetMask)
    {
        m_mask = *ack.subnetMask;
    }
    if (m_lease <= Duration(0))
    {
        m_lease = m_config.defaultLease;
    }
    Duration t1 = m_renew.value_or(m_lease / 2);
    if (t1 <= Duration(0) || t1 >= m_lease)
    {
        t1 = m_lease / 2;
    }
    // Times count from the REQUEST that this ACK answers (RFC 2131 §4.4.1).
    m_expiry = m_requestSentAt + m_lease;
    m_renewAt = m_requestSentAt + t1;
    m_state = State::Bound;
}

void
DhcpLease::Fail(DhcpLeaseEvent::Kind kind, DhcpLeaseEvent::Reason reason, State state)
{
    const std::uint32_t address = m_address != 0 ? m_address : m_offered;
    m_events.push_back({kind, reason, address, m_expiry});
    m_state = state;
    m_address = 0;
}

void
DhcpLease::Release(TimePoint now)
{
    (void)now;
    if (m_state == State::Bound || m_state == State::Renewing)
    {
        DhcpMessage m = Base(DhcpType::Release);
        m.flags = 0;
        m.ciaddr = m_address;
        if (m_serverId != 0)
        {
            m.serverId = m_serverId;
        }
        m_out.push_back(EncodeDhcp(m));
        m_stats.releases++;
    }
    m_address = 0;
    m_state = State::Released;
}

std::optional<std::vector<std::uint8_t>>
DhcpLease::PollOutgoing()
{
    if (m_out.empty())
    {
        return std::nullopt;
    }
    std::vector<std::uint8_t> b = std::move(m_out.front());
    m_out.pop_front();
    return b;
}

std::optional<DhcpLeaseEvent>
DhcpLease::PollEvent()
{
    if (m_events.empty())
    {
        return std::nullopt;
    }
    DhcpLeaseEvent e = m_events.front();
    m_events.pop_front();
    return e;
}

std::optional<TimePoint>
DhcpLease::NextDeadline() const
{
    switch (m_state)
    {
        case State::Selecting:
        case State::Requesting:
            return std::min(m_acquireDeadline, m_retransmitAt);
        case State::Bound:
            return m_renewAt;
        case State::Renewing:
            return std::min(m_expiry, m_retransmitAt);
        default:
            return std::nullopt;
    }
}

void
DhcpLease::HandleDeadline(TimePoint now)
{
    switch (m_state)
    {
        case State::Selecting:
        case State::Requesting:
            if (now >= m_acquireDeadline)
            {
                Fail(DhcpLeaseEvent::Kind::Failed, DhcpLeaseEvent::Reason::Timeout, State::Failed);
            }
            else if (now >= m_retransmitAt)
            {
                if (m_state == State::Selecting)
                {
                    SendDiscover(now);
                }
                else
                {
                    SendRequest(now);
                }
            }
            return;
        case State::Bound:
            if (now >= m_expiry)
            {
                Fail(DhcpLeaseEvent::Kind::Lost, DhcpLeaseEvent::Reason::Expired, State::Expired);
            }
            else if (now >= m_renewAt)
            {
                m_state = State::Renewing;
                m_requestSentAt = now;
                SendRequest(now);
            }
            return;
        case State::Renewing:
            if (now >= m_expiry)
            {
                Fail(DhcpLeaseEvent::Kind::Lost, DhcpLeaseEvent::Reason::Expired, State::Expired);
            }
            else if (now >= m_retransmitAt)
            {
                SendRequest(now);
            }
            return;
        default:
            return;
    }
}

DhcpLease::State
DhcpLease::GetState() const
{
    return m_state;
}

std::uint32_t
DhcpLease::GetAddress() const
{
    return m_address;
}

std::uint32_t
DhcpLease::GetSubnetMask() const
{
    return m_mask;
}

TimePoint
DhcpLease::GetExpiry() const
{
    return m_expiry;
}

TimePoint
DhcpLease::GetRenewAt() const
{
    return m_renewAt;
}

const DhcpLease::Stats&
DhcpLease::GetStats() const
{
    return m_stats;
}

const DhcpLeaseConfig&
DhcpLease::GetConfig() const
{
    return m_config;
}

} // namespace resoa
