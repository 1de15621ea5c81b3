/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "napt-mapping-table.h"

#include "ns3/tcp-header.h"

#include <algorithm>

namespace ns3
{

namespace
{
constexpr uint8_t TCP = 6;

bool
IsPureSyn(uint8_t flags)
{
    return (flags & TcpHeader::SYN) && !(flags & (TcpHeader::ACK | TcpHeader::RST));
}
} // namespace

Time
NaptMappingTable::Timeout(uint8_t protocol, const Session& s, const NaptPolicy& policy) const
{
    if (protocol != TCP)
    {
        return policy.udp;
    }
    return s.state == TcpState::ESTABLISHED ? policy.tcpEstablished : policy.tcpTransitory;
}

void
NaptMappingTable::Track(Session& s, bool outbound, uint8_t flags)
{
    if (flags & (TcpHeader::RST | TcpHeader::FIN))
    {
        s.state = TcpState::CLOSING;
        return;
    }
    if (flags & TcpHeader::SYN)
    {
        if (s.state == TcpState::CLOSING)
        {
            s = Session{}; // a new connection reusing the 4-tuple
        }
        (outbound ? s.synOut : s.synIn) = true;
        return;
    }
    // The ACK completing the handshake: both SYNs seen, then a segment without SYN.
    if ((flags & TcpHeader::ACK) && s.synOut && s.synIn && s.state == TcpState::OPENING)
    {
        s.state = TcpState::ESTABLISHED;
    }
}

NaptMappingTable::Result
NaptMappingTable::Touch(
    Entry& e, Session& s, bool outbound, uint8_t flags, Time now, const NaptPolicy& policy)
{
    if (e.mapping.protocol == TCP)
    {
        Track(s, outbound, flags);
    }
    s.last = now;
    Result r;
    r.verdict = Verdict::OK;
    r.mapping = e.mapping;
    r.expiry = now + Timeout(e.mapping.protocol, s, policy);
    return r;
}

bool
NaptMappingTable::ExpireEntry(std::map<PublicKey, Entry>::iterator it,
                              Time now,
                              const NaptPolicy& policy)
{
    Entry& e = it->second;
    for (auto s = e.sessions.begin(); s != e.sessions.end();)
    {
        if (s->second.last + Timeout(e.mapping.protocol, s->second, policy) <= now)
        {
            s = e.sessions.erase(s);
        }
        else
        {
            ++s;
        }
    }
    if (!e.sessions.empty())
    {
        return false;
    }
    m_expired.push_back(e.mapping);
    m_byPrivate.erase(PrivateKey(
        e.mapping.protocol, e.mapping.privateSide.address.Get(), e.mapping.privateSide.port));
    m_byPublic.erase(it);
    return true;
}

NaptMappingTable::Entry*
NaptMappingTable::Create(uint8_t protocol, NaptEndpoint priv, const NaptPolicy& policy)
{
    uint32_t first = policy.portFirst;
    uint32_t last = std::max<uint32_t>(policy.portLast, first);
    uint32_t span = last - first + 1;
    uint32_t& cursor = m_cursor[protocol];
    // Round robin over the range, so a just-freed port is not handed out again at once.
    for (uint32_t i = 0; i < span; ++i)
    {
        uint32_t port = first + (cursor + i) % span;
        PublicKey key(protocol, uint16_t(port));
        if (m_byPublic.count(key) == 0)
        {
            cursor = (cursor + i + 1) % span;
            Entry& e = m_byPublic[key];
            e.mapping.protocol = protocol;
            e.mapping.privateSide = priv;
            e.mapping.publicPort = uint16_t(port);
            m_byPrivate[PrivateKey(protocol, priv.address.Get(), priv.port)] = uint16_t(port);
            return &e;
        }
    }
    return nullptr;
}

NaptMappingTable::Result
NaptMappingTable::Outbound(uint8_t protocol,
                           NaptEndpoint priv,
                           NaptEndpoint remote,
                           uint8_t flags,
                           Time now,
                           const NaptPolicy& policy)
{
    Result r;
    Entry* e = nullptr;
    auto pk = m_byPrivate.find(PrivateKey(protocol, priv.address.Get(), priv.port));
    if (pk != m_byPrivate.end())
    {
        auto it = m_byPublic.find(PublicKey(protocol, pk->second));
        if (!ExpireEntry(it, now, policy))
        {
            e = &it->second;
        }
    }
    auto s = e ? e->sessions.find(remote) : decltype(Entry::sessions)::iterator();
    if (!e || s == e->sessions.end())
    {
        // Only a SYN opens a TCP session; a stray segment would leak a mapping.
        if (protocol == TCP && !IsPureSyn(flags))
        {
            r.verdict = Verdict::NO_SESSION;
            return r;
        }
        if (!e)
        {
            e = Create(protocol, priv, policy);
            if (!e)
            {
                r.verdict = Verdict::PORTS_EXHAUSTED;
                return r;
            }
            r.created = true;
        }
        s = e->sessions.emplace(remote, Session{}).first;
    }
    bool created = r.created;
    r = Touch(*e, s->second, true, flags, now, policy);
    r.created = created;
    return r;
}

NaptMappingTable::Result
NaptMappingTable::Inbound(uint8_t protocol,
                          uint16_t publicPort,
                          NaptEndpoint remote,
                          uint8_t flags,
                          Time now,
                          const NaptPolicy& policy)
{
    Result r;
    auto it = m_byPublic.find(PublicKey(protocol, publicPort));
    if (it == m_byPublic.end() || ExpireEntry(it, now, policy))
    {
        r.verdict = Verdict::NO_MAPPING;
        return r;
    }
    Entry& e = it->second;
    auto s = e.sessions.find(remote);
    if (s != e.sessions.end())
    {
        return Touch(e, s->second, false, flags, now, policy);
    }
    bool opening = protocol != TCP || IsPureSyn(flags);
    auto expectation = e.sessions.find(NaptEndpoint{remote.address, 0});
    if (expectation != e.sessions.end() && opening)
    {
        e.sessions.erase(expectation); // one connection per expectation
        s = e.sessions.emplace(remote, Session{}).first;
        return Touch(e, s->second, false, flags, now, policy);
    }
    bool admitted = policy.filtering == ENDPOINT_INDEPENDENT_FILTERING;
    if (policy.filtering == ADDRESS_DEPENDENT_FILTERING)
    {
        admitted =
            std::any_of(e.sessions.begin(),
                        e.sessions.end(),
                        [&remote](const auto& kv) { return kv.first.address == remote.address; });
    }
    if (!admitted)
    {
        r.verdict = Verdict::FILTERED;
        return r;
    }
    if (!opening)
    {
        r.verdict = Verdict::NO_SESSION;
        return r;
    }
    s = e.sessions.emplace(remote, Session{}).first;
    return Touch(e, s->second, false, flags, now, policy);
}

NaptMappingTable::Result
NaptMappingTable::Expect(
    uint8_t protocol, NaptEndpoint priv, Ipv4Address remote, Time now, const NaptPolicy& policy)
{
    Result r;
    Entry* e = nullptr;
    auto pk = m_byPrivate.find(PrivateKey(protocol, priv.address.Get(), priv.port));
    if (pk != m_byPrivate.end())
    {
        auto it = m_byPublic.find(PublicKey(protocol, pk->second));
        if (!ExpireEntry(it, now, policy))
        {
            e = &it->second;
        }
    }
    if (!e)
    {
        e = Create(protocol, priv, policy);
        if (!e)
        {
            r.verdict = Verdict::PORTS_EXHAUSTED;
            return r;
        }
        r.created = true;
    }
    // An expectation is a transitory session with port 0; a retransmitted PORT refreshes it.
    Session& s = e->sessions[NaptEndpoint{remote, 0}];
    s.last = now;
    r.verdict = Verdict::OK;
    r.mapping = e->mapping;
    r.expiry = now + Timeout(protocol, s, policy);
    return r;
}

std::vector<NaptMappingTable::Mapping>
NaptMappingTable::Expire(Time now, const NaptPolicy& policy)
{
    for (auto it = m_byPublic.begin(); it != m_byPublic.end();)
    {
        auto next = std::next(it);
        ExpireEntry(it, now, policy);
        it = next;
    }
    return TakeExpired();
}

std::vector<NaptMappingTable::Mapping>
NaptMappingTable::TakeExpired()
{
    std::vector<Mapping> out;
    out.swap(m_expired);
    return out;
}

Time
NaptMappingTable::NextExpiry(const NaptPolicy& policy) const
{
    Time next = Time::Max();
    for (const auto& [key, e] : m_byPublic)
    {
        for (const auto& [remote, s] : e.sessions)
        {
            next = std::min(next, s.last + Timeout(e.mapping.protocol, s, policy));
        }
    }
    return next;
}

size_t
NaptMappingTable::GetCount() const
{
    return m_byPublic.size();
}

std::vector<NaptMappingTable::Mapping>
NaptMappingTable::GetMappings() const
{
    std::vector<Mapping> out;
    for (const auto& [key, e] : m_byPublic)
    {
        out.push_back(e.mapping);
    }
    return out;
}

NaptMappingTable::Result
NaptMappingTable::Find(uint8_t protocol, NaptEndpoint priv) const
{
    Result r;
    auto pk = m_byPrivate.find(PrivateKey(protocol, priv.address.Get(), priv.port));
    if (pk != m_byPrivate.end())
    {
        r.verdict = Verdict::OK;
        r.mapping = m_byPublic.at(PublicKey(protocol, pk->second)).mapping;
    }
    return r;
}

} // namespace ns3
