/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "server-loop.h"

#include "config-values.h"
#include "mac-address.h"

#include <algorithm>
#include <random>
#include <string>
#include <system_error>

namespace resoa
{
namespace realnet
{

namespace
{

/// The config as the loop runs it: a server endpoint whose SDUs fit the link's frames,
/// and EP messages of exactly one SDU.
ServerLoopConfig
Adjusted(ServerLoopConfig c, const PacketLink& link)
{
    c.endpoint.acceptIncoming = true;
    const std::size_t fits = link.GetMtu() > kLhpHeaderSize ? link.GetMtu() - kLhpHeaderSize : 1;
    c.endpoint.link.maxPayload =
        static_cast<std::uint16_t>(std::min<std::size_t>(c.endpoint.link.maxPayload, fits));
    c.server.maxMessageSize = c.endpoint.link.maxPayload;
    c.maxFramesPerEvent = std::max<std::size_t>(c.maxFramesPerEvent, 1);
    return c;
}

/// Connection ids and nonces from the OS's entropy (a restarted daemon must not repeat them).
LhpEndpoint::RandomSource
SeededRandom()
{
    std::random_device device;
    auto engine = std::make_shared<std::mt19937>(device());
    return [engine]()
    {
        return static_cast<std::uint32_t>((*engine)());
    };
}

MacAddress
MacOfPeer(const LhpPeerAddress& peer)
{
    MacAddress mac{};
    std::copy_n(peer.Data(), std::min<std::size_t>(peer.Length(), mac.size()), mac.begin());
    return mac;
}

std::string
MacOf(const LhpPeerAddress& peer)
{
    return FormatMac(MacOfPeer(peer));
}

} // namespace

ServerLoop::ServerLoop(
    EventLoop& loop, PacketLink& link, ServerLoopConfig config, Logger* log, PcapWriter* pcap)
    : m_loop(loop)
    , m_link(link)
    , m_log(log)
    , m_pcap(pcap)
    , m_config(Adjusted(std::move(config), link))
    , m_stack(loop, m_config.stack)
    , m_server(m_config.server, m_stack)
    , m_endpoint(m_config.endpoint, SeededRandom())
{
    m_stack.AttachServer(m_server);
    if (m_config.resolver.enabled)
    {
        m_resolver = std::make_unique<AsyncResolver>(
            m_loop,
            [this](ResolverAnswer&& a)
            {
                if (m_log != nullptr)
                {
                    m_log->Debug("resolved " + a.name + ": error " + std::to_string(a.error) +
                                 ", " + std::to_string(a.addresses.size()) + " address(es)");
                }
                m_server.OnResolved(
                    a.sessionId, a.requestId, a.error, a.addresses, a.canonicalName);
            },
            m_config.resolver);
        m_server.SetResolver([this](const EpResolveRequest& r) { m_resolver->Submit(r); });
    }
    m_loop.Watch(
        m_link.GetFd(), EventLoop::kReadable, [this](std::uint32_t ev) { OnLinkEvent(ev); });
    m_loop.SetTimerCallback([this] { OnTimer(); });
    m_loop.SetRoundCallback([this] { Round(); });
}

ServerLoop::~ServerLoop()
{
    m_loop.Unwatch(m_link.GetFd());
    m_loop.SetRoundCallback({});
    m_loop.SetTimerCallback({});
    m_loop.CancelTimer();
}

void
ServerLoop::OnLinkEvent(std::uint32_t events)
{
    if ((events & EventLoop::kWritable) != 0 && m_blocked)
    {
        if (SendFrame(m_blocked->to, m_blocked->bytes))
        {
            m_blocked.reset();
            m_loop.SetInterest(m_link.GetFd(), EventLoop::kReadable);
        }
    }
    if ((events & (EventLoop::kReadable | EventLoop::kError)) == 0)
    {
        return;
    }
    std::size_t n = 0;
    try
    {
        n = m_link.Receive(m_frames, m_config.maxFramesPerEvent);
    }
    catch (const std::system_error& e)
    {
        m_stats.receiveErrors++;
        if (m_log != nullptr)
        {
            m_log->LogLimited(LogLevel::Warning, "rx", std::string("receive: ") + e.what());
        }
        return;
    }
    const TimePoint now = EventLoop::Now();
    for (std::size_t i = 0; i < n; ++i)
    {
        const ReceivedFrame& f = m_frames[i];
        m_stats.framesReceived++;
        if (m_pcap != nullptr)
        {
            m_pcap->WriteFrame(m_link.GetMac(), f.source, f.bytes.data(), f.bytes.size());
        }
        const LhpRxResult r = m_endpoint.Receive(
            LhpPeerAddress(f.source.data(), f.source.size()), f.bytes.data(), f.bytes.size(), now);
        if (m_log != nullptr && r.outcome == LhpRxOutcome::Malformed)
        {
            m_log->LogLimited(LogLevel::Debug,
                              "malformed",
                              "malformed frame from " + FormatMac(f.source) + ": " +
                                  ToString(r.error));
        }
        else if (m_log != nullptr && r.outcome == LhpRxOutcome::AdmissionRefused)
        {
            m_log->LogLimited(
                LogLevel::Info, "refused", "refused an LHP connection from " + FormatMac(f.source));
        }
        else if (m_log != nullptr && r.outcome == LhpRxOutcome::RestartChallenged)
        {
            m_log->LogLimited(LogLevel::Info,
                              "challenge",
                              "Connect with a new nonce from " + FormatMac(f.source) +
                                  " for a live connection: probing the old one (restart or "
                                  "spoofed)");
        }
    }
}

void
ServerLoop::OnTimer()
{
    m_timerAt.reset();
    const TimePoint now = EventLoop::Now();
    m_endpoint.HandleDeadline(now);
    if (auto d = m_server.NextDeadline(); d && *d <= now)
    {
        m_server.HandleDeadline(now);
    }
    if (m_dhcp)
    {
        m_dhcp->HandleDeadline(now);
    }
    // Round() follows: the timer is an event of this round.
}

bool
ServerLoop::ProcessEndpoint(TimePoint now)
{
    bool any = false;
    // The two queues are one sequence: alternate until both are empty.
    for (;;)
    {
        if (auto d = m_endpoint.PollDelivery())
        {
            any = true;
            m_server.OnMessage(d->handle, d->data, now);
            continue;
        }
        if (auto e = m_endpoint.PollEvent())
        {
            any = true;
            OnEndpointEvent(*e);
            continue;
        }
        return any;
    }
}

void
ServerLoop::OnEndpointEvent(const LhpEndpointEvent& e)
{
    switch (e.kind)
    {
        case LhpEndpointEvent::Kind::Up:
        {
            const LhpHandle h = e.handle;
            m_sessions.erase(h);
            m_sessions.emplace(
                h,
                EpLhpSession([this, h](LhpChannel ch, const std::vector<std::uint8_t>& sdu)
                             { return m_endpoint.Send(h, ch, sdu, EventLoop::Now()); },
                             m_config.session));
            std::copy_n(
                e.peer.Data(), std::min<std::size_t>(e.peer.Length(), 6), m_peers[h].begin());
            m_stats.sessionsUp++;
            m_server.OnSessionUp(h);
            if (m_log != nullptr)
            {
                m_log->Info("client " + MacOf(e.peer) + " connected (session " + std::to_string(h) +
                            ")");
            }
            break;
        }
        case LhpEndpointEvent::Kind::Closed:
        case LhpEndpointEvent::Kind::Dead:
            m_peers.erase(e.handle);
            if (m_sessions.erase(e.handle) != 0)
            {
                m_stats.sessionsDown++;
                m_server.OnSessionDown(e.handle);
                if (m_dhcp)
                {
                    m_dhcp->Release(e.handle, EventLoop::Now()); // after its sockets went
                }
                if (m_log != nullptr)
                {
                    m_log->Info("client " + MacOf(e.peer) + " " +
                                (e.kind == LhpEndpointEvent::Kind::Closed ? "closed" : "gone") +
                                " (session " + std::to_string(e.handle) + ")");
                }
            }
            break;
        case LhpEndpointEvent::Kind::SendSpace:
            if (auto it = m_sessions.find(e.handle); it != m_sessions.end())
            {
                ResumeServerSession(m_server, e.handle, it->second);
            }
            break;
        case LhpEndpointEvent::Kind::SemiReliableDrop:
            m_stats.datagramDrops++;
            break;
    }
}

void
ServerLoop::Round()
{
    const TimePoint now = EventLoop::Now();
    const auto lookup = [this](std::uint64_t id) -> EpLhpSession*
    {
        auto it = m_sessions.find(id);
        return it == m_sessions.end() ? nullptr : &it->second;
    };
    bool progress = true;
    while (progress)
    {
        progress = ProcessEndpoint(now);
        progress = PumpServerOutgoing(m_server, lookup) > 0 || progress;
    }
    Transmit(now);
    ArmTimer();
    if (m_pcap != nullptr)
    {
        m_pcap->Flush();
    }
    const std::uint64_t limited = m_server.GetStats().limitRejected;
    if (m_log != nullptr && limited > m_limitRejectedLogged)
    {
        m_log->LogLimited(LogLevel::Info,
                          "emfile",
                          "refused " + std::to_string(limited - m_limitRejectedLogged) +
                              " socket(s): client at its sockets-per-client limit (EMFILE)");
    }
    m_limitRejectedLogged = limited;
    LogNewRefusals();
    if (m_log != nullptr)
    {
        m_log->ReportSuppressed();
    }
}

void
ServerLoop::LogNewRefusals()
{
    // One rate-limited line per kind of limit, with the count since the last one.
    const EpServerStats& st = m_server.GetStats();
    const struct
    {
        std::uint64_t now;
        std::uint64_t& logged;
        const char* key;
        const char* what;
    } kinds[] = {
        {st.clientsRefused,
         m_refusalsLogged[0],
         "max-clients",
         "registration(s): server at max-clients (ECONNREFUSED)"},
        {st.registrationsThrottled,
         m_refusalsLogged[1],
         "registrations",
         "registration(s): above registrations-per-second (ECONNREFUSED)"},
        {st.bufferRefused,
         m_refusalsLogged[2],
         "enobufs",
         "socket(s)/setsockopt(s): client at client-buffer-bytes (ENOBUFS)"},
    };
    for (const auto& k : kinds)
    {
        if (m_log != nullptr && k.now > k.logged)
        {
            m_log->LogLimited(LogLevel::Info,
                              k.key,
                              "refused " + std::to_string(k.now - k.logged) + " " + k.what);
        }
        k.logged = k.now;
    }
}

bool
ServerLoop::SendFrame(const MacAddress& to, const std::vector<std::uint8_t>& bytes)
{
    try
    {
        if (!m_link.Send(to, bytes.data(), bytes.size()))
        {
            return false;
        }
    }
    catch (const std::system_error& e)
    {
        m_stats.framesDropped++; // ENETDOWN, EMSGSIZE...: lost, as on a wire
        if (m_log != nullptr)
        {
            m_log->LogLimited(LogLevel::Warning, "tx", std::string("send: ") + e.what());
        }
        return true;
    }
    m_stats.framesSent++;
    if (m_pcap != nullptr)
    {
        m_pcap->WriteFrame(to, m_link.GetMac(), bytes.data(), bytes.size());
    }
    return true;
}

void
ServerLoop::Transmit(TimePoint now)
{
    if (m_blocked)
    {
        return; // in order: nothing passes a frame waiting for room
    }
    LhpPeerAddress to;
    std::vector<std::uint8_t> bytes;
    while (m_endpoint.PollTransmit(now, to, bytes))
    {
        if (to.Length() != 6)
        {
            m_stats.framesDropped++;
            continue;
        }
        MacAddress mac{};
        std::copy_n(to.Data(), mac.size(), mac.begin());
        if (!SendFrame(mac, bytes))
        {
            m_stats.framesBlocked++;
            m_blocked = BlockedFrame{mac, std::move(bytes)};
            m_loop.SetInterest(m_link.GetFd(), EventLoop::kReadable | EventLoop::kWritable);
            return;
        }
    }
}

void
ServerLoop::ArmTimer()
{
    std::optional<TimePoint> due = m_endpoint.NextDeadline();
    for (auto d : {m_server.NextDeadline(), m_dhcp ? m_dhcp->NextDeadline() : std::nullopt})
    {
        if (d && (!due || *d < *due))
        {
            due = d;
        }
    }
    if (due == m_timerAt)
    {
        return;
    }
    m_timerAt = due;
    if (due)
    {
        m_loop.SetTimer(*due);
    }
    else
    {
        m_loop.CancelTimer();
    }
}

void
ServerLoop::EnableDhcp(UniqueFd socket, DhcpAgentConfig config, bool fallBackToNTo1)
{
    m_dhcpFallBack = fallBackToNTo1;
    m_dhcp = std::make_unique<DhcpAgent>(m_loop, std::move(socket), std::move(config), m_log);
    m_dhcp->SetOutcomeCallback([this](std::uint64_t id, const DhcpLeaseEvent& e)
                               { OnLeaseOutcome(id, e); });
    m_server.SetAddressProvider([this](const EpAddressRequest& r)
                                { OnAddressRequest(r.sessionId); });
}

const DhcpAgent*
ServerLoop::GetDhcp() const
{
    return m_dhcp.get();
}

void
ServerLoop::OnAddressRequest(std::uint64_t sessionId)
{
    auto it = m_peers.find(sessionId);
    if (it == m_peers.end())
    {
        m_server.OnAddressAssigned(sessionId, 0, m_dhcpFallBack, ep_errno::kEaddrnotavail);
        return;
    }
    if (m_log != nullptr)
    {
        m_log->Info("session " + std::to_string(sessionId) + ": leasing an address for " +
                    FormatMac(it->second) + " by DHCP");
    }
    m_dhcp->Acquire(sessionId, it->second, EventLoop::Now());
}

void
ServerLoop::OnLeaseOutcome(std::uint64_t sessionId, const DhcpLeaseEvent& e)
{
    switch (e.kind)
    {
        case DhcpLeaseEvent::Kind::Bound:
            m_server.OnAddressAssigned(sessionId, e.address, false, 0);
            break;
        case DhcpLeaseEvent::Kind::Renewed:
            break;
        case DhcpLeaseEvent::Kind::Failed:
            if (m_log != nullptr)
            {
                m_log->Info("session " + std::to_string(sessionId) + ": no DHCP lease, " +
                            (m_dhcpFallBack && m_server.GetConfig().allowNTo1
                                 ? "registered n-to-1 instead"
                                 : "registration refused (EADDRNOTAVAIL)"));
            }
            m_server.OnAddressAssigned(sessionId, 0, m_dhcpFallBack, ep_errno::kEaddrnotavail);
            break;
        case DhcpLeaseEvent::Kind::Lost:
            if (m_log != nullptr)
            {
                m_log->Info("session " + std::to_string(sessionId) + ": lease of " +
                            FormatIpv4(e.address) + " lost, session ends");
            }
            EndSession(sessionId);
            break;
    }
}

void
ServerLoop::EndSession(LhpHandle h)
{
    m_peers.erase(h);
    if (m_sessions.erase(h) == 0)
    {
        return;
    }
    m_stats.sessionsDown++;
    m_server.OnSessionDown(h);
    m_endpoint.Close(h, EventLoop::Now());
}

void
ServerLoop::CloseAll()
{
    const TimePoint now = EventLoop::Now();
    for (const auto& entry : m_sessions)
    {
        m_endpoint.Close(entry.first, now);
    }
}

std::size_t
ServerLoop::SessionCount() const
{
    return m_sessions.size();
}

std::optional<MacAddress>
ServerLoop::GetClientMac(std::uint64_t sessionId) const
{
    const std::optional<LhpPeerAddress> peer = m_endpoint.GetPeer(sessionId);
    if (!peer || peer->Length() != MacAddress{}.size())
    {
        return std::nullopt;
    }
    return MacOfPeer(*peer);
}

EpServer&
ServerLoop::GetServer()
{
    return m_server;
}

LhpEndpoint&
ServerLoop::GetEndpoint()
{
    return m_endpoint;
}

KernelSocketStack&
ServerLoop::GetStack()
{
    return m_stack;
}

const ServerLoopStats&
ServerLoop::GetStats() const
{
    return m_stats;
}

} // namespace realnet
} // namespace resoa
