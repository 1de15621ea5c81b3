/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "scale-load.h"

#include "event-loop.h"

#include <poll.h>

#include <algorithm>
#include <random>
#include <stdexcept>

namespace resoa
{
namespace bench
{

using realnet::EventLoop;
using realnet::MacAddress;

namespace
{

std::uint64_t
MacKey(const MacAddress& m)
{
    std::uint64_t k = 0;
    for (std::uint8_t b : m)
    {
        k = (k << 8) | b;
    }
    return k;
}

/// xorshift32: connection ids and nonces for one station's endpoint.
LhpEndpoint::RandomSource
Xorshift(std::uint32_t seed)
{
    return [state = seed ? seed : 0x9e3779b9u]() mutable
    {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    };
}

double
Percentile(std::vector<double>& v, double q)
{
    if (v.empty())
    {
        return 0;
    }
    const std::size_t at = std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
    return v[at];
}

} // namespace

ScaleLoad::ScaleLoad(RawEthernet& link, const MacAddress& server, ScaleLoadConfig config)
    : m_link(link)
    , m_server(server.data(), server.size())
    , m_config(config)
{
    const std::size_t perMac = std::max<std::size_t>(1, m_config.connectionsPerMac);
    const std::size_t payload = m_config.mtu - kLhpHeaderSize;
    LhpEndpointConfig ec;
    ec.link.maxPayload =
        static_cast<std::uint16_t>(std::min<std::size_t>(ec.link.maxPayload, payload));
    EpClientConfig cc;
    cc.maxMessageSize = std::min(cc.maxMessageSize, payload);
    cc.socketLimit = static_cast<std::uint16_t>(std::max<std::size_t>(64, config.socketsPerClient));
    for (std::size_t i = 0; i < m_config.clients; ++i)
    {
        if (i % perMac == 0)
        {
            auto s = std::make_unique<Station>();
            const std::size_t n = m_stations.size();
            // Locally administered unicast, unique per station and run seed.
            s->mac = {0x02,
                      0x5c,
                      static_cast<std::uint8_t>(m_config.seed),
                      static_cast<std::uint8_t>(n >> 16),
                      static_cast<std::uint8_t>(n >> 8),
                      static_cast<std::uint8_t>(n)};
            s->endpoint = std::make_unique<LhpEndpoint>(
                ec, Xorshift(static_cast<std::uint32_t>(m_config.seed * 2654435761u + n * 40503u)));
            m_byMac[MacKey(s->mac)] = s.get();
            m_stations.push_back(std::move(s));
        }
        auto c = std::make_unique<Conn>();
        Conn* conn = c.get();
        c->station = m_stations.back().get();
        c->index = i;
        c->client = std::make_unique<EpClient>(cc);
        c->session = std::make_unique<EpLhpSession>(
            [this, conn](LhpChannel ch, const std::vector<std::uint8_t>& sdu)
            { return conn->station->endpoint->Send(conn->handle, ch, sdu, m_now); });
        c->station->conns.push_back(conn);
        m_conns.push_back(std::move(c));
    }
}

ScaleLoad::~ScaleLoad() = default;

const ScaleLoadStats&
ScaleLoad::GetStats() const
{
    return m_stats;
}

std::size_t
ScaleLoad::StationCount() const
{
    return m_stations.size();
}

ScaleLoad::Conn*
ScaleLoad::FindConn(Station& s, LhpHandle h)
{
    for (Conn* c : s.conns)
    {
        if (c->handle == h && h != kLhpNoHandle)
        {
            return c;
        }
    }
    return nullptr;
}

ScaleLoad::Socket*
ScaleLoad::FindSocket(Conn& c, std::uint32_t id)
{
    for (Socket& k : c.sockets)
    {
        if (k.id == id)
        {
            return &k;
        }
    }
    return nullptr;
}

void
ScaleLoad::Turn(int maxWaitMs)
{
    if (m_config.interrupted && *m_config.interrupted)
    {
        throw std::runtime_error("interrupted");
    }
    m_now = EventLoop::Now();
    // Deadlines first: every endpoint timer that is due runs now; the rest bound the wait.
    // (The clients' only timer is write coalescing, which this load never uses: Process
    // runs it for the stations it touches, and a scan of 10 000 sockets per turn is not
    // spent on it.)
    std::optional<TimePoint> due;
    for (auto& s : m_stations)
    {
        auto d = s->endpoint->NextDeadline();
        if (d && *d <= m_now)
        {
            s->endpoint->HandleDeadline(m_now);
            s->dirty = true;
        }
        else if (d && (!due || *d < *due))
        {
            due = d;
        }
    }
    for (auto& s : m_stations)
    {
        if (s->dirty)
        {
            Process(*s);
        }
    }
    m_link.Flush();

    int wait = maxWaitMs;
    if (due)
    {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*due - m_now);
        wait = static_cast<int>(std::clamp<std::int64_t>(ms.count() + 1, 0, maxWaitMs));
    }
    pollfd p{m_link.GetFd(), POLLIN, 0};
    ::poll(&p, 1, wait);
    m_now = EventLoop::Now();
    for (;;)
    {
        const std::size_t n = m_link.Receive(m_frames, 1024);
        for (std::size_t i = 0; i < n; ++i)
        {
            const EthernetFrame& f = m_frames[i];
            auto it = m_byMac.find(MacKey(f.destination));
            if (it == m_byMac.end())
            {
                continue;
            }
            it->second->endpoint->Receive(LhpPeerAddress(f.source.data(), f.source.size()),
                                          f.payload.data(),
                                          f.payload.size(),
                                          m_now);
            it->second->dirty = true;
        }
        if (n < 1024)
        {
            break;
        }
    }
    for (auto& s : m_stations)
    {
        if (s->dirty)
        {
            Process(*s);
        }
    }
    m_link.Flush();
}

void
ScaleLoad::Process(Station& s)
{
    s.dirty = false;
    LhpEndpoint& ep = *s.endpoint;
    for (int round = 0; round < 64; ++round)
    {
        bool any = false;
        for (;;)
        {
            if (auto d = ep.PollDelivery())
            {
                any = true;
                Conn* c = FindConn(s, d->handle);
                if (c && c->up && !c->down)
                {
                    c->client->OnMessage(d->data);
                }
                continue;
            }
            auto e = ep.PollEvent();
            if (!e)
            {
                break;
            }
            any = true;
            OnLinkEvent(s, *e);
        }
        for (Conn* c : s.conns)
        {
            if (auto cd = c->client->NextDeadline(); cd && *cd <= m_now)
            {
                c->client->HandleDeadline(m_now);
            }
            if (c->up && !c->down && PumpClientOutgoing(*c->client, *c->session) > 0)
            {
                any = true;
            }
            while (auto ev = c->client->PollEvent())
            {
                any = true;
                OnClientEvent(*c, *ev);
            }
        }
        if (!any)
        {
            break;
        }
    }
    LhpPeerAddress to;
    std::vector<std::uint8_t> bytes;
    while (ep.PollTransmit(m_now, to, bytes))
    {
        MacAddress mac{};
        std::copy_n(to.Data(), std::min<std::size_t>(to.Length(), mac.size()), mac.begin());
        m_link.Queue(mac, s.mac, bytes.data(), bytes.size());
    }
}

void
ScaleLoad::OnLinkEvent(Station& s, const LhpEndpointEvent& e)
{
    Conn* c = FindConn(s, e.handle);
    if (!c)
    {
        return;
    }
    switch (e.kind)
    {
        case LhpEndpointEvent::Kind::Up:
            c->up = true;
            c->client->OnLinkUp();
            c->client->Register(EpAddrMode::NTo1, 0, "scale-" + std::to_string(c->index));
            break;
        case LhpEndpointEvent::Kind::Closed:
        case LhpEndpointEvent::Kind::Dead:
            if (!c->down)
            {
                c->down = true;
                ++m_stats.linksDown;
                m_stats.linksClosed += e.kind == LhpEndpointEvent::Kind::Closed ? 1 : 0;
                c->session->Reset();
                c->client->OnLinkDown();
                if (!c->settled)
                {
                    c->settled = true;
                    --m_handshakes;
                }
            }
            break;
        case LhpEndpointEvent::Kind::SendSpace:
            c->session->OnSendSpace();
            break;
        default:
            break;
    }
}

void
ScaleLoad::OnClientEvent(Conn& c, const EpClientEvent& e)
{
    if (e.kind == EpClientEvent::Kind::Registered)
    {
        if (!c.settled)
        {
            c.settled = true;
            --m_handshakes;
        }
        if (e.error == 0)
        {
            c.registered = true;
            ++m_stats.registered;
        }
        else
        {
            ++m_stats.registerErrors;
            ++m_stats.errnos[e.error];
        }
        return;
    }
    Socket* k = FindSocket(c, e.rsockId);
    if (!k)
    {
        return;
    }
    switch (e.kind)
    {
        case EpClientEvent::Kind::ConnectDone:
            if (k->state == Socket::State::Connecting)
            {
                --m_connects;
                if (e.error == 0)
                {
                    k->state = Socket::State::Open;
                    ++m_stats.socketsOpen;
                }
                else
                {
                    k->state = Socket::State::Failed;
                    ++m_stats.connectErrors;
                    ++m_stats.errnos[e.error];
                }
            }
            break;
        case EpClientEvent::Kind::Readable:
            OnReadable(c, *k);
            break;
        case EpClientEvent::Kind::Eof:
        case EpClientEvent::Kind::Error:
            Fail(c, *k, e.kind == EpClientEvent::Kind::Eof ? -1 : e.error);
            break;
        default:
            break;
    }
}

void
ScaleLoad::Fail(Conn& c, Socket& k, std::int32_t error)
{
    (void)c;
    if (k.state == Socket::State::Connecting)
    {
        --m_connects;
        ++m_stats.connectErrors;
    }
    else if (k.state == Socket::State::Open)
    {
        ++m_stats.socketErrors;
    }
    ++m_stats.errnos[error];
    if (k.busy)
    {
        k.busy = false;
        --m_outstanding;
        ++m_failures;
    }
    k.state = Socket::State::Failed;
}

void
ScaleLoad::OnReadable(Conn& c, Socket& k)
{
    for (;;)
    {
        EpReadResult r = c.client->Recv(k.id, 65536);
        if (r.data.empty())
        {
            break;
        }
        k.got.insert(k.got.end(), r.data.begin(), r.data.end());
    }
    if (!k.busy || k.got.size() < k.expect.size())
    {
        return;
    }
    k.busy = false;
    --m_outstanding;
    if (k.got == k.expect)
    {
        m_samples.push_back(std::chrono::duration<double, std::micro>(m_now - k.sentAt).count());
    }
    else
    {
        ++m_mismatches;
    }
    k.got.clear();
    if (m_mode == Mode::Load)
    {
        // The client's next request goes out at once, on its next open socket.
        for (std::size_t i = 0; i < c.sockets.size(); ++i)
        {
            Socket& next = c.sockets[c.nextSocket++ % c.sockets.size()];
            if (next.state == Socket::State::Open && !next.busy)
            {
                StartRequest(c, next);
                break;
            }
        }
    }
}

void
ScaleLoad::StartRequest(Conn& c, Socket& k)
{
    // Bytes that name the socket and the request, so a misdelivered echo cannot match.
    std::mt19937 rng(static_cast<std::uint32_t>(c.index * 131 + k.id * 7919 + k.seq++ * 104729) ^
                     m_config.seed);
    k.expect.resize(m_config.requestBytes);
    for (std::uint8_t& b : k.expect)
    {
        b = static_cast<std::uint8_t>(rng());
    }
    k.got.clear();
    k.sentAt = EventLoop::Now();
    EpIoResult r = c.client->Send(k.id, k.expect.data(), k.expect.size(), k.sentAt);
    if (r.error != 0 || r.bytes != k.expect.size())
    {
        ++m_failures;
        ++m_stats.errnos[r.error];
        return;
    }
    k.busy = true;
    ++m_outstanding;
    c.station->dirty = true;
}

std::size_t
ScaleLoad::ConnectAndRegister(std::chrono::milliseconds timeout)
{
    const TimePoint end = EventLoop::Now() + timeout;
    std::size_t next = 0;
    for (;;)
    {
        m_now = EventLoop::Now();
        while (next < m_conns.size() && m_handshakes < m_config.maxHandshakes)
        {
            Conn& c = *m_conns[next++];
            c.started = true;
            c.handle = c.station->endpoint->Connect(m_server, m_now);
            ++m_handshakes;
            c.station->dirty = true;
        }
        if ((next == m_conns.size() && m_handshakes == 0) || m_now >= end)
        {
            break;
        }
        Turn(5);
    }
    return m_stats.registered;
}

std::size_t
ScaleLoad::OpenSockets(std::chrono::milliseconds timeout)
{
    const TimePoint end = EventLoop::Now() + timeout;
    std::size_t next = 0; // conn * socketsPerClient + socket
    const std::size_t total = m_conns.size() * m_config.socketsPerClient;
    for (;;)
    {
        m_now = EventLoop::Now();
        while (next < total && m_connects < m_config.maxConnects)
        {
            Conn& c = *m_conns[next / m_config.socketsPerClient];
            ++next;
            if (!c.registered || c.down)
            {
                continue;
            }
            Socket k;
            EpSocketResult r = c.client->Create(EpSockType::Stream);
            if (r.error != 0)
            {
                ++m_stats.connectErrors;
                ++m_stats.errnos[r.error];
                continue;
            }
            k.id = r.id;
            const std::int32_t err = c.client->Connect(k.id, m_config.echo);
            if (err != 0)
            {
                ++m_stats.connectErrors;
                ++m_stats.errnos[err];
                continue;
            }
            k.state = Socket::State::Connecting;
            c.sockets.push_back(k);
            ++m_connects;
            c.station->dirty = true;
        }
        if ((next == total && m_connects == 0) || m_now >= end)
        {
            break;
        }
        Turn(5);
    }
    return m_stats.socketsOpen;
}

void
ScaleLoad::RunFor(std::chrono::milliseconds duration)
{
    const TimePoint end = EventLoop::Now() + duration;
    while (EventLoop::Now() < end)
    {
        Turn(20);
    }
}

LatencySummary
ScaleLoad::Summarize(double seconds)
{
    LatencySummary s;
    s.requests = m_samples.size();
    s.mismatches = m_mismatches;
    s.failures = m_failures;
    s.seconds = seconds;
    s.p50 = Percentile(m_samples, 0.50);
    s.p99 = Percentile(m_samples, 0.99);
    s.max = m_samples.empty() ? 0 : *std::max_element(m_samples.begin(), m_samples.end());
    m_samples.clear();
    m_mismatches = 0;
    m_failures = 0;
    return s;
}

LatencySummary
ScaleLoad::Probe(std::size_t count, std::chrono::milliseconds timeout)
{
    std::vector<std::pair<Conn*, std::size_t>> open;
    for (auto& c : m_conns)
    {
        for (std::size_t i = 0; i < c->sockets.size(); ++i)
        {
            if (c->sockets[i].state == Socket::State::Open)
            {
                open.emplace_back(c.get(), i);
            }
        }
    }
    m_mode = Mode::Probe;
    std::mt19937 rng(m_config.seed);
    const TimePoint start = EventLoop::Now();
    for (std::size_t n = 0; n < count && !open.empty(); ++n)
    {
        auto [c, i] = open[rng() % open.size()];
        Socket& k = c->sockets[i];
        if (k.state != Socket::State::Open)
        {
            ++m_failures;
            continue;
        }
        StartRequest(*c, k);
        const TimePoint end = EventLoop::Now() + timeout;
        while (k.busy && EventLoop::Now() < end)
        {
            Turn(5);
        }
        if (k.busy) // no answer in time: this socket is out of the game
        {
            Fail(*c, k, -2);
        }
    }
    m_mode = Mode::Idle;
    return Summarize(std::chrono::duration<double>(EventLoop::Now() - start).count());
}

LatencySummary
ScaleLoad::Load(std::chrono::milliseconds duration)
{
    m_mode = Mode::Load;
    const TimePoint start = EventLoop::Now();
    for (auto& c : m_conns)
    {
        for (Socket& k : c->sockets)
        {
            if (k.state == Socket::State::Open)
            {
                StartRequest(*c, k);
                break;
            }
        }
    }
    while (EventLoop::Now() < start + duration)
    {
        Turn(5);
    }
    const double seconds = std::chrono::duration<double>(EventLoop::Now() - start).count();
    // The last round's requests finish but start nothing new.
    m_mode = Mode::Idle;
    const TimePoint drain = EventLoop::Now() + std::chrono::seconds(5);
    while (m_outstanding > 0 && EventLoop::Now() < drain)
    {
        Turn(5);
    }
    for (auto& c : m_conns)
    {
        for (Socket& k : c->sockets)
        {
            if (k.busy)
            {
                Fail(*c, k, -2);
            }
        }
    }
    return Summarize(seconds);
}

std::size_t
ScaleLoad::CloseAll(std::chrono::milliseconds timeout)
{
    m_now = EventLoop::Now();
    std::size_t closing = 0;
    for (auto& c : m_conns)
    {
        for (Socket& k : c->sockets)
        {
            if (k.state == Socket::State::Open || k.state == Socket::State::Connecting)
            {
                c->client->Close(k.id);
            }
        }
        c->station->dirty = true;
    }
    // Let the sockets' Close messages go out before the links close.
    RunFor(std::chrono::milliseconds(200));
    for (auto& c : m_conns)
    {
        if (c->up && !c->down)
        {
            c->station->endpoint->Close(c->handle, m_now);
            c->station->dirty = true;
            ++closing;
        }
    }
    const std::size_t downBefore = m_stats.linksDown;
    const std::size_t closedBefore = m_stats.linksClosed;
    const TimePoint end = EventLoop::Now() + timeout;
    while (m_stats.linksDown - downBefore < closing && EventLoop::Now() < end)
    {
        Turn(5);
    }
    return m_stats.linksClosed - closedBefore;
}

} // namespace bench
} // namespace resoa
