/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "lhp-test-client.h"

#include <algorithm>

namespace resoa
{
namespace test
{

using realnet::EventLoop;

namespace
{

LhpEndpointConfig
ClientEndpointConfig(const realnet::PacketLink& link)
{
    LhpEndpointConfig c;
    c.link.maxPayload = static_cast<std::uint16_t>(
        std::min<std::size_t>(c.link.maxPayload, link.GetMtu() - kLhpHeaderSize));
    return c;
}

EpClientConfig
Sized(EpClientConfig c, const realnet::PacketLink& link)
{
    c.maxMessageSize = std::min<std::size_t>(c.maxMessageSize, link.GetMtu() - kLhpHeaderSize);
    return c;
}

} // namespace

LhpTestNet
AddLhpTestNet(NetnsFixture& fixture,
              const realnet::MacAddress& clientMac,
              const realnet::MacAddress& serverMac)
{
    LhpTestNet n;
    n.client = fixture.AddNamespace("client");
    n.server = fixture.AddNamespace("server");
    fixture.AddVeth(n.client,
                    "lhp0",
                    n.server,
                    "lhp0",
                    realnet::FormatMac(clientMac),
                    realnet::FormatMac(serverMac));
    return n;
}

LhpTestClient::LhpTestClient(realnet::PacketLink& link,
                             const realnet::MacAddress& server,
                             EpClientConfig clientConfig)
    : m_link(link)
    , m_server(server)
    , m_endpoint(ClientEndpointConfig(link),
                 [state = std::uint32_t{0x12345678} ^
                          static_cast<std::uint32_t>(EventLoop::Now().count())]() mutable
                 {
                     state ^= state << 13;
                     state ^= state >> 17;
                     state ^= state << 5;
                     return state;
                 })
    , m_client(Sized(clientConfig, link))
    , m_session([this](LhpChannel ch, const std::vector<std::uint8_t>& sdu)
                { return m_endpoint.Send(m_handle, ch, sdu, EventLoop::Now()); })
{
    m_loop.Watch(m_link.GetFd(),
                 EventLoop::kReadable,
                 [this](std::uint32_t)
                 {
                     const std::size_t n = m_link.Receive(m_frames, 256);
                     const TimePoint now = EventLoop::Now();
                     for (std::size_t i = 0; i < n; ++i)
                     {
                         const auto& f = m_frames[i];
                         m_endpoint.Receive(LhpPeerAddress(f.source.data(), f.source.size()),
                                            f.bytes.data(),
                                            f.bytes.size(),
                                            now);
                     }
                 });
    m_loop.SetTimerCallback(
        [this]
        {
            const TimePoint now = EventLoop::Now();
            m_endpoint.HandleDeadline(now);
            if (auto d = m_client.NextDeadline(); d && *d <= now)
            {
                m_client.HandleDeadline(now);
            }
        });
}

LhpTestClient::~LhpTestClient()
{
    m_loop.Unwatch(m_link.GetFd());
}

void
LhpTestClient::Connect()
{
    m_handle =
        m_endpoint.Connect(LhpPeerAddress(m_server.data(), m_server.size()), EventLoop::Now());
    Process();
}

void
LhpTestClient::Process()
{
    const TimePoint now = EventLoop::Now();
    for (bool any = true; any;)
    {
        any = false;
        while (auto d = m_endpoint.PollDelivery())
        {
            any = true;
            m_client.OnMessage(d->data);
        }
        if (auto e = m_endpoint.PollEvent())
        {
            any = true;
            if (e->handle == m_handle)
            {
                switch (e->kind)
                {
                    case LhpEndpointEvent::Kind::Up:
                        m_up = true;
                        break;
                    case LhpEndpointEvent::Kind::Closed:
                    case LhpEndpointEvent::Kind::Dead:
                        m_down = true;
                        m_session.Reset();
                        m_client.OnLinkDown();
                        break;
                    case LhpEndpointEvent::Kind::SendSpace:
                        m_session.OnSendSpace();
                        break;
                    default:
                        break;
                }
            }
        }
        if (m_up && !m_down && PumpClientOutgoing(m_client, m_session) > 0)
        {
            any = true;
        }
        while (auto ev = m_client.PollEvent())
        {
            any = true;
            events.push_back(*ev);
        }
    }
    LhpPeerAddress to;
    std::vector<std::uint8_t> bytes;
    while (m_endpoint.PollTransmit(now, to, bytes))
    {
        realnet::MacAddress mac{};
        std::copy_n(to.Data(), std::min<std::size_t>(to.Length(), mac.size()), mac.begin());
        m_link.Send(mac, bytes.data(), bytes.size()); // no room: dropped, the ARQ repairs
    }
    std::optional<TimePoint> due = m_endpoint.NextDeadline();
    if (auto d = m_client.NextDeadline(); d && (!due || *d < *due))
    {
        due = d;
    }
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
LhpTestClient::Turn(int waitMs)
{
    Process();
    m_loop.RunOnce(waitMs);
    Process();
}

bool
LhpTestClient::RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout)
{
    const TimePoint end = EventLoop::Now() + timeout;
    Process();
    while (!done() && EventLoop::Now() < end)
    {
        Turn();
    }
    return done();
}

std::optional<EpClientEvent>
LhpTestClient::FindEvent(std::uint32_t id, EpClientEvent::Kind kind) const
{
    for (const EpClientEvent& e : events)
    {
        if (e.rsockId == id && e.kind == kind)
        {
            return e;
        }
    }
    return std::nullopt;
}

bool
LhpTestClient::IsUp() const
{
    return m_up && !m_down;
}

bool
LhpTestClient::IsDown() const
{
    return m_down;
}

EpClient&
LhpTestClient::Client()
{
    return m_client;
}

LhpEndpoint&
LhpTestClient::Endpoint()
{
    return m_endpoint;
}

} // namespace test
} // namespace resoa
