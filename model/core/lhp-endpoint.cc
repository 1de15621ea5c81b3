/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "lhp-endpoint.h"

#include <algorithm>
#include <cstring>

namespace resoa
{

namespace
{

/// Tries before Connect gives up finding a connection id unused with that peer.
constexpr int kIdDraws = 64;

LhpEndpointEvent::Kind
KindOf(LhpEvent::Kind k)
{
    switch (k)
    {
        case LhpEvent::Kind::Connected:
            return LhpEndpointEvent::Kind::Up;
        case LhpEvent::Kind::Closed:
            return LhpEndpointEvent::Kind::Closed;
        case LhpEvent::Kind::LinkDead:
            return LhpEndpointEvent::Kind::Dead;
        case LhpEvent::Kind::SemiReliableDrop:
            return LhpEndpointEvent::Kind::SemiReliableDrop;
    }
    return LhpEndpointEvent::Kind::Dead;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// LhpPeerAddress and helpers

LhpPeerAddress::LhpPeerAddress(const std::uint8_t* data, std::size_t len)
    : length(static_cast<std::uint8_t>(std::min(len, kMaxLength)))
{
    if (length > 0)
    {
        std::memcpy(bytes.data(), data, length);
    }
}

bool
LhpPeerAddress::operator==(const LhpPeerAddress& o) const
{
    return length == o.length && bytes == o.bytes;
}

bool
LhpPeerAddress::operator!=(const LhpPeerAddress& o) const
{
    return !(*this == o);
}

bool
LhpPeerAddress::operator<(const LhpPeerAddress& o) const
{
    return length != o.length ? length < o.length : bytes < o.bytes;
}

void
AddLhpStats(LhpStats& sum, const LhpStats& s)
{
    sum.framesSent += s.framesSent;
    sum.framesReceived += s.framesReceived;
    sum.dataFramesSent += s.dataFramesSent;
    sum.retransmissions += s.retransmissions;
    sum.acksSent += s.acksSent;
    sum.duplicatesReceived += s.duplicatesReceived;
    sum.semiReliableDrops += s.semiReliableDrops;
    sum.semiReliableSkipped += s.semiReliableSkipped;
    sum.badFrames += s.badFrames;
    sum.sdusDelivered += s.sdusDelivered;
    sum.forgedCloses += s.forgedCloses;
    sum.stallProbes += s.stallProbes;
}

const char*
ToString(LhpRxOutcome o)
{
    switch (o)
    {
        case LhpRxOutcome::ToLink:
            return "to link";
        case LhpRxOutcome::Accepted:
            return "accepted";
        case LhpRxOutcome::Malformed:
            return "malformed";
        case LhpRxOutcome::UnknownConnection:
            return "unknown connection";
        case LhpRxOutcome::StatelessCloseReply:
            return "stateless close reply";
        case LhpRxOutcome::AdmissionRefused:
            return "admission refused";
        case LhpRxOutcome::BadConnect:
            return "bad connect";
        case LhpRxOutcome::RestartChallenged:
            return "restart challenged";
    }
    return "?";
}

// ---------------------------------------------------------------------------------------------
// Configuration

LhpEndpoint::LhpEndpoint(LhpEndpointConfig config, RandomSource random)
    : m_config(std::move(config))
    , m_random(std::move(random))
{
}

void
LhpEndpoint::SetConfig(const LhpEndpointConfig& config)
{
    m_config = config;
}

const LhpEndpointConfig&
LhpEndpoint::GetConfig() const
{
    return m_config;
}

void
LhpEndpoint::SetAcceptIncoming(bool accept)
{
    m_config.acceptIncoming = accept;
}

void
LhpEndpoint::SetAdmissionHook(AdmissionHook hook)
{
    m_admission = std::move(hook);
}

void
LhpEndpoint::SetRandomSource(RandomSource random)
{
    m_random = std::move(random);
}

std::uint32_t
LhpEndpoint::Draw()
{
    for (int i = 0; i < 16; ++i)
    {
        std::uint32_t v;
        if (m_random)
        {
            v = m_random();
        }
        else
        {
            // splitmix64: deterministic, for drivers and tests that inject nothing.
            std::uint64_t z = (m_fallbackState += 0x9E3779B97F4A7C15ull);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            v = static_cast<std::uint32_t>((z ^ (z >> 31)) >> 32);
        }
        if (v != 0)
        {
            return v;
        }
    }
    return 1;
}

// ---------------------------------------------------------------------------------------------
// Application verbs

LhpHandle
LhpEndpoint::Connect(const PeerAddress& peer, TimePoint now)
{
    std::uint32_t id = 0;
    for (int i = 0; i < kIdDraws && id == 0; ++i)
    {
        std::uint32_t v = Draw();
        if (m_byKey.count(Key{peer, v}) == 0)
        {
            id = v;
        }
    }
    if (id == 0)
    {
        return kLhpNoHandle;
    }
    Handle h = AddLink(peer, std::make_unique<LhpLink>(m_config.link, id, Draw()));
    m_links.at(h).link->Connect(now);
    m_stats.connected++;
    AfterOp(h, now);
    return h;
}

bool
LhpEndpoint::Send(Handle h, LhpChannel channel, std::vector<std::uint8_t> sdu, TimePoint now)
{
    auto it = m_links.find(h);
    if (it == m_links.end() || !it->second.link->Send(channel, std::move(sdu), now))
    {
        return false;
    }
    MarkReady(h, it->second);
    RefreshTimer(h, it->second);
    return true;
}

std::size_t
LhpEndpoint::SendSpace(Handle h, LhpChannel channel) const
{
    auto it = m_links.find(h);
    return it == m_links.end() ? 0 : it->second.link->SendSpace(channel);
}

void
LhpEndpoint::Close(Handle h, TimePoint now)
{
    auto it = m_links.find(h);
    if (it != m_links.end())
    {
        it->second.link->Close(now);
        AfterOp(h, now);
    }
}

void
LhpEndpoint::Crash()
{
    for (const auto& [h, e] : m_links)
    {
        AddLhpStats(m_retiredStats, e.link->GetStats());
        m_stats.linksReaped++;
    }
    m_links.clear();
    m_byKey.clear();
    m_timers.clear();
    m_lingering.clear();
    m_ready.clear();
    m_stateless.clear();
    m_deliveries.clear();
    m_events.clear();
}

std::optional<LhpEndpointDelivery>
LhpEndpoint::PollDelivery()
{
    if (m_deliveries.empty() ||
        (!m_events.empty() && m_events.front().first < m_deliveries.front().first))
    {
        return std::nullopt;
    }
    LhpEndpointDelivery d = std::move(m_deliveries.front().second);
    m_deliveries.pop_front();
    return d;
}

std::optional<LhpEndpointEvent>
LhpEndpoint::PollEvent()
{
    if (m_events.empty() ||
        (!m_deliveries.empty() && m_deliveries.front().first < m_events.front().first))
    {
        return std::nullopt;
    }
    LhpEndpointEvent e = m_events.front().second;
    m_events.pop_front();
    return e;
}

// ---------------------------------------------------------------------------------------------
// Receive path

LhpRxResult
LhpEndpoint::Receive(const PeerAddress& peer,
                     const std::uint8_t* data,
                     std::size_t len,
                     TimePoint now)
{
    // Ethernet pads short frames; the LHP header says how long the frame really is.
    std::size_t framed = LhpFramedLength(data, len);
    if (framed != 0 && framed < len)
    {
        len = framed;
    }
    LhpFrame f;
    DecodeError err = DecodeLhpFrame(data, len, f);
    if (err != DecodeError::Ok)
    {
        m_stats.badFrames++;
        return LhpRxResult{LhpRxOutcome::Malformed, kLhpNoHandle, err};
    }

    const bool isConnect = f.type == LhpFrameType::Connect;
    LhpConnectParams params;
    if (isConnect &&
        (f.connId == 0 ||
         DecodeConnectParams(f.payload.data(), f.payload.size(), params) != DecodeError::Ok ||
         params.maxPayload == 0 || params.window == 0))
    {
        m_stats.badConnects++; // kills no link, opens none
        return LhpRxResult{LhpRxOutcome::BadConnect};
    }

    auto found = m_byKey.find(Key{peer, f.connId});
    if (found != m_byKey.end())
    {
        Handle h = found->second;
        Entry& e = m_links.at(h);
        if (isConnect && e.link->IsConnector())
        {
            // The peer chose the id of our own active open: the key is taken.
            m_stats.badConnects++;
            return LhpRxResult{LhpRxOutcome::BadConnect, h};
        }
        if (isConnect && params.nonce != e.link->GetPeerNonce())
        {
            // Restart policy (see the class comment).
            if (e.link->GetState() == LhpState::Closed)
            {
                Reap(h, now); // lingering; its Closed was reported already
                return Accept(peer, f, now);
            }
            if (m_config.restartChallenge > Duration{0} && !e.challengedAt)
            {
                e.challengedAt = now;
                m_stats.restartChallenges++;
                e.link->Challenge(now);
                AfterOp(h, now);
                return LhpRxResult{LhpRxOutcome::RestartChallenged, h};
            }
            if (e.challengedAt && now < *e.challengedAt + m_config.restartChallenge)
            {
                return LhpRxResult{LhpRxOutcome::RestartChallenged, h}; // still checking
            }
            e.link->Abort();
            m_stats.restarts++;
            AfterOp(h, now); // reports Dead and reaps
            return Accept(peer, f, now);
        }
        std::size_t before = SpaceOf(*e.link);
        e.link->Receive(std::move(f), now);
        AfterOp(h, now, before);
        return LhpRxResult{LhpRxOutcome::ToLink, h};
    }

    if (isConnect)
    {
        return Accept(peer, f, now);
    }
    if (f.type == LhpFrameType::Close && (f.flags & kFlagResponse) == 0)
    {
        // We reaped this link (or never had it); our Close|Response may have been lost, so
        // answer again, or the peer's closing link would end Dead instead of Closed.
        if (m_stateless.size() >= m_config.maxStatelessReplies)
        {
            m_stats.statelessRepliesDropped++;
            return LhpRxResult{LhpRxOutcome::UnknownConnection};
        }
        LhpFrame reply;
        reply.type = LhpFrameType::Close;
        reply.flags = kFlagResponse;
        reply.channel = f.channel;
        reply.connId = f.connId;
        m_stateless.emplace_back(peer, EncodeLhpFrame(reply));
        m_stats.statelessCloseReplies++;
        return LhpRxResult{LhpRxOutcome::StatelessCloseReply};
    }
    m_stats.unknownConnection++;
    return LhpRxResult{LhpRxOutcome::UnknownConnection};
}

LhpRxResult
LhpEndpoint::Accept(const PeerAddress& peer, const LhpFrame& connect, TimePoint now)
{
    if (!m_config.acceptIncoming)
    {
        m_stats.unknownConnection++;
        return LhpRxResult{LhpRxOutcome::UnknownConnection};
    }
    if (!Admit(peer, now))
    {
        return LhpRxResult{LhpRxOutcome::AdmissionRefused};
    }
    auto link = std::make_unique<LhpLink>(m_config.link, connect.connId, Draw());
    if (!link->Accept(connect, now))
    {
        m_stats.badConnects++;
        return LhpRxResult{LhpRxOutcome::BadConnect};
    }
    Handle h = AddLink(peer, std::move(link));
    m_stats.accepted++;
    AfterOp(h, now);
    return LhpRxResult{LhpRxOutcome::Accepted, h};
}

bool
LhpEndpoint::Admit(const PeerAddress& peer, TimePoint now)
{
    std::size_t perPeer = 0;
    std::size_t perPeerLingering = 0;
    for (auto it = m_byKey.lower_bound(Key{peer, 0});
         it != m_byKey.end() && it->first.first == peer;
         ++it)
    {
        ++perPeer;
        perPeerLingering += m_links.at(it->second).reapAt ? 1 : 0;
    }
    // Decide before evicting, so a refused Connect costs no lingering link.
    if (perPeer - perPeerLingering >= m_config.maxConnectionsPerPeer)
    {
        m_stats.refusedPerPeerCap++;
        m_stats.admissionsRefused++;
        return false;
    }
    // Evicting for the per-peer cap also frees a global slot.
    std::size_t evictPeer = perPeer >= m_config.maxConnectionsPerPeer
                                ? perPeer - m_config.maxConnectionsPerPeer + 1
                                : 0;
    std::size_t live = m_links.size() - m_lingering.size();
    if (live >= m_config.maxConnections)
    {
        m_stats.refusedGlobalCap++;
        m_stats.admissionsRefused++;
        return false;
    }
    if (m_admission && !m_admission(peer))
    {
        m_stats.refusedByHook++;
        m_stats.admissionsRefused++;
        return false;
    }
    for (; evictPeer > 0; --evictPeer)
    {
        EvictLingering(&peer, now);
    }
    while (m_links.size() >= m_config.maxConnections && EvictLingering(nullptr, now))
    {
    }
    return true;
}

bool
LhpEndpoint::EvictLingering(const PeerAddress* peer, TimePoint now)
{
    std::optional<std::pair<TimePoint, Handle>> victim;
    if (peer == nullptr)
    {
        if (!m_lingering.empty())
        {
            victim = *m_lingering.begin();
        }
    }
    else
    {
        for (auto it = m_byKey.lower_bound(Key{*peer, 0});
             it != m_byKey.end() && it->first.first == *peer;
             ++it)
        {
            const Entry& e = m_links.at(it->second);
            if (e.reapAt && (!victim || *e.reapAt < victim->first))
            {
                victim = std::make_pair(*e.reapAt, it->second);
            }
        }
    }
    if (!victim)
    {
        return false;
    }
    m_stats.lingerEvictions++;
    Reap(victim->second, now);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Link bookkeeping

LhpHandle
LhpEndpoint::AddLink(const PeerAddress& peer, std::unique_ptr<LhpLink> link)
{
    Handle h = m_nextHandle++;
    m_byKey[Key{peer, link->GetConnId()}] = h;
    Entry& e = m_links[h];
    e.link = std::move(link);
    e.peer = peer;
    return h;
}

std::size_t
LhpEndpoint::SpaceOf(const LhpLink& link) const
{
    return link.SendSpace(LhpChannel::Reliable) + link.SendSpace(LhpChannel::SemiReliable);
}

void
LhpEndpoint::PushEvent(LhpEndpointEvent ev)
{
    m_events.emplace_back(m_serial++, std::move(ev));
}

void
LhpEndpoint::AfterOp(Handle h, TimePoint now, std::size_t spaceBefore)
{
    auto it = m_links.find(h);
    if (it == m_links.end())
    {
        return;
    }
    Entry& e = it->second;
    LhpLink& link = *e.link;
    while (auto d = link.PollDelivery())
    {
        m_deliveries.emplace_back(m_serial++,
                                  LhpEndpointDelivery{h, d->channel, std::move(d->data)});
    }
    while (auto ev = link.PollEvent())
    {
        PushEvent(LhpEndpointEvent{h, KindOf(ev->kind), e.peer, ev->seq});
    }
    LhpState state = link.GetState();
    if (spaceBefore != SIZE_MAX && (state == LhpState::Open || state == LhpState::Connecting) &&
        SpaceOf(link) > spaceBefore)
    {
        PushEvent(LhpEndpointEvent{h, LhpEndpointEvent::Kind::SendSpace, e.peer});
    }
    if (state == LhpState::Dead)
    {
        Reap(h, now); // sends nothing more
        return;
    }
    if (state == LhpState::Closed && !e.reapAt)
    {
        e.reapAt = now + m_config.EffectiveLinger();
        m_lingering.emplace(*e.reapAt, h);
    }
    if (e.reapAt && *e.reapAt <= now)
    {
        Reap(h, now); // no linger: a pending Close|Response leaves statelessly
        return;
    }
    MarkReady(h, e);
    RefreshTimer(h, e);
}

void
LhpEndpoint::Reap(Handle h, TimePoint now)
{
    auto it = m_links.find(h);
    if (it == m_links.end())
    {
        return;
    }
    Entry& e = it->second;
    // A Closed link's last word (a Close|Response) still goes out.
    std::vector<std::uint8_t> last;
    for (int i = 0; i < 4 && e.link->PollTransmit(now, last); ++i)
    {
        if (m_stateless.size() < m_config.maxStatelessReplies)
        {
            m_stateless.emplace_back(e.peer, last);
        }
    }
    AddLhpStats(m_retiredStats, e.link->GetStats());
    m_byKey.erase(Key{e.peer, e.link->GetConnId()});
    if (e.timerAt)
    {
        m_timers.erase({*e.timerAt, h});
    }
    if (e.reapAt)
    {
        m_lingering.erase({*e.reapAt, h});
    }
    m_links.erase(it);
    m_stats.linksReaped++;
}

void
LhpEndpoint::RefreshTimer(Handle h, Entry& e)
{
    std::optional<TimePoint> t = e.link->NextDeadline();
    if (e.reapAt && (!t || *e.reapAt < *t))
    {
        t = e.reapAt;
    }
    if (e.challengedAt)
    {
        const TimePoint end = *e.challengedAt + m_config.restartChallenge;
        if (!t || end < *t)
        {
            t = end;
        }
    }
    if (t == e.timerAt)
    {
        return;
    }
    if (e.timerAt)
    {
        m_timers.erase({*e.timerAt, h});
    }
    e.timerAt = t;
    if (t)
    {
        m_timers.emplace(*t, h);
    }
}

void
LhpEndpoint::MarkReady(Handle h, Entry& e)
{
    if (!e.ready)
    {
        e.ready = true;
        m_ready.push_back(h);
    }
}

// ---------------------------------------------------------------------------------------------
// Driver verbs

bool
LhpEndpoint::PollTransmit(TimePoint now,
                          PeerAddress& to,
                          std::vector<std::uint8_t>& out,
                          LhpTxInfo* info)
{
    out.clear();
    if (!m_stateless.empty())
    {
        to = m_stateless.front().first;
        out = std::move(m_stateless.front().second);
        m_stateless.pop_front();
        if (info)
        {
            *info = LhpTxInfo{};
        }
        return true;
    }
    while (!m_ready.empty())
    {
        Handle h = m_ready.front();
        m_ready.pop_front();
        auto it = m_links.find(h);
        if (it == m_links.end())
        {
            continue; // reaped meanwhile
        }
        Entry& e = it->second;
        e.ready = false;
        std::uint64_t retx = e.link->GetStats().retransmissions;
        if (!e.link->PollTransmit(now, out))
        {
            continue; // nothing to send: out of the rotation until the next verb on it
        }
        to = e.peer;
        if (info)
        {
            info->handle = h;
            info->retransmission = e.link->GetStats().retransmissions != retx;
        }
        MarkReady(h, e); // one frame per turn: to the back of the line
        RefreshTimer(h, e);
        return true;
    }
    return false;
}

std::optional<TimePoint>
LhpEndpoint::NextDeadline() const
{
    if (m_timers.empty())
    {
        return std::nullopt;
    }
    return m_timers.begin()->first;
}

void
LhpEndpoint::HandleDeadline(TimePoint now)
{
    std::vector<Handle> due;
    for (auto it = m_timers.begin(); it != m_timers.end() && it->first <= now; ++it)
    {
        due.push_back(it->second);
    }
    for (Handle h : due)
    {
        auto it = m_links.find(h);
        if (it == m_links.end())
        {
            continue;
        }
        Entry& e = it->second;
        if (e.reapAt && *e.reapAt <= now)
        {
            Reap(h, now);
            continue;
        }
        if (SettleChallenge(h, e, now))
        {
            continue;
        }
        std::size_t before = SpaceOf(*e.link);
        e.link->HandleDeadline(now);
        AfterOp(h, now, before);
    }
}

bool
LhpEndpoint::SettleChallenge(Handle h, Entry& e, TimePoint now)
{
    if (!e.challengedAt)
    {
        return false;
    }
    const LhpState state = e.link->GetState();
    if (state != LhpState::Open && state != LhpState::Closing)
    {
        e.challengedAt.reset(); // it closed meanwhile: nothing left to replace or protect
        return false;
    }
    if (e.link->GetLastReceived() > *e.challengedAt)
    {
        m_stats.forgedConnects++; // the peer answered: it did not restart
        e.challengedAt.reset();
        return false;
    }
    if (now < *e.challengedAt + m_config.restartChallenge)
    {
        return false;
    }
    e.link->Abort(); // silence: the peer restarted; its next Connect opens the new link
    m_stats.restarts++;
    AfterOp(h, now); // reports Dead and reaps
    return true;
}

// ---------------------------------------------------------------------------------------------
// Inspection

const LhpLink*
LhpEndpoint::GetLink(Handle h) const
{
    auto it = m_links.find(h);
    return it == m_links.end() ? nullptr : it->second.link.get();
}

std::optional<LhpPeerAddress>
LhpEndpoint::GetPeer(Handle h) const
{
    auto it = m_links.find(h);
    if (it == m_links.end())
    {
        return std::nullopt;
    }
    return it->second.peer;
}

std::size_t
LhpEndpoint::GetLinkCount() const
{
    return m_links.size();
}

void
LhpEndpoint::ForEachLink(
    const std::function<void(Handle, const PeerAddress&, const LhpLink&)>& fn) const
{
    for (const auto& [h, e] : m_links)
    {
        fn(h, e.peer, *e.link);
    }
}

LhpStats
LhpEndpoint::GetTotalStats() const
{
    LhpStats sum = m_retiredStats;
    for (const auto& [h, e] : m_links)
    {
        AddLhpStats(sum, e.link->GetStats());
    }
    return sum;
}

std::uint32_t
LhpEndpoint::GetMacTransmissions() const
{
    std::uint32_t n = 0;
    for (const auto& [h, e] : m_links)
    {
        LhpState st = e.link->GetState();
        if (st == LhpState::Open || st == LhpState::Closing || st == LhpState::Connecting)
        {
            n = std::max(n, e.link->GetMacTransmissions());
        }
    }
    return n;
}

const LhpEndpointStats&
LhpEndpoint::GetStats() const
{
    return m_stats;
}

} // namespace resoa
