/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#include "client-loop.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <random>
#include <system_error>

namespace resoa
{
namespace realnet
{
namespace
{

LhpEndpointConfig
EndpointConfig(std::size_t mtu, const ClientConfig& config)
{
    LhpEndpointConfig c;
    c.acceptIncoming = false; // the client only connects
    c.link.deadTimeout = std::chrono::milliseconds(config.deadTimeoutMs);
    c.link.keepaliveInterval = std::chrono::milliseconds(config.keepaliveIntervalMs);
    c.link.maxPayload = static_cast<std::uint16_t>(
        std::min<std::size_t>(c.link.maxPayload, mtu > kLhpHeaderSize ? mtu - kLhpHeaderSize : 0));
    return c;
}

EpClientConfig
EngineConfig(const LhpEndpointConfig& lhp)
{
    EpClientConfig c;
    c.maxMessageSize = lhp.link.maxPayload;
    // As the ns-3 driver: small writes of one loop round fill whole frames; the partial
    // chunk leaves at the engine's deadline, which is "now" (the next round).
    c.coalesceWrites = true;
    return c;
}

LhpEndpoint::RandomSource
SeededRandom()
{
    // A restarted clientd must pick new ids and nonces, so the server sees a restart.
    auto rng = std::make_shared<std::mt19937>(std::random_device{}());
    return [rng]
    {
        return static_cast<std::uint32_t>((*rng)());
    };
}

ServerSelector
MakeSelector(const ClientConfig& config, const MacAddress& own, const ClientLoopOptions& options)
{
    ServerSelectorConfig c;
    c.start = config.serverSelection == ServerSelection::Hash ? ServerStartPolicy::Hash
                                                              : ServerStartPolicy::First;
    c.backoffMin = options.reconnectMin;
    c.backoffMax = options.reconnectMax;
    return ServerSelector(
        config.serverMacs.size(), std::vector<std::uint8_t>(own.begin(), own.end()), c);
}

std::string
HostName()
{
    char name[256] = {};
    ::gethostname(name, sizeof(name) - 1);
    return std::string(name).substr(0, kEpMaxName);
}

} // namespace

ClientLoop::ClientLoop(const ClientConfig& config, Logger& log, ClientLoopOptions options)
    : m_config(config)
    , m_log(log)
    , m_options(options)
    , m_link(config.interface, options.link)
    , m_endpoint(EndpointConfig(m_link.GetMtu(), config), SeededRandom())
    , m_client(EngineConfig(m_endpoint.GetConfig()))
    , m_session(
          [this](LhpChannel ch, const std::vector<std::uint8_t>& sdu) {
              return m_handle != kLhpNoHandle &&
                     m_endpoint.Send(m_handle, ch, sdu, EventLoop::Now());
          })
    , m_selector(MakeSelector(config, m_link.GetMac(), options))
{
    // Until the first link is up, calls that need the server fail (ENETDOWN) instead of
    // waiting for a server that may never answer.
    m_client.OnLinkDown();
    m_shim = std::make_unique<ShimServer>(m_loop, m_client, m_log, config.unixSocket);
    if (!config.pcap.empty())
    {
        m_pcap = std::make_unique<PcapWriter>(config.pcap, PcapFlush::Manual);
    }
    m_loop.Watch(m_link.GetFd(),
                 EventLoop::kReadable,
                 [this](std::uint32_t events)
                 {
                     if (events & EventLoop::kReadable)
                     {
                         OnFrames();
                     }
                     if (events & EventLoop::kWritable)
                     {
                         m_loop.SetInterest(m_link.GetFd(),
                                            EventLoop::kReadable); // Transmit re-arms it
                     }
                 });
    m_loop.SetTimerCallback([this] { OnTimer(); });
    m_loop.SetRoundCallback([this] { AfterRound(); });
    m_loop.OnSignal(SIGTERM, [this](int) { Stop(); });
    m_loop.OnSignal(SIGINT, [this](int) { Stop(); });
}

ClientLoop::~ClientLoop()
{
    m_shim.reset(); // unwatches its fds while the loop still exists
}

EventLoop&
ClientLoop::GetEventLoop()
{
    return m_loop;
}

const EpClient&
ClientLoop::GetClient() const
{
    return m_client;
}

bool
ClientLoop::IsLinkUp() const
{
    return m_linkUp;
}

const MacAddress&
ClientLoop::CurrentServer() const
{
    return m_config.serverMacs.at(m_selector.Current());
}

void
ClientLoop::Run()
{
    std::string servers;
    for (const MacAddress& mac : m_config.serverMacs)
    {
        servers += (servers.empty() ? "" : ", ") + FormatMac(mac);
    }
    m_log.Info("LHP on " + m_config.interface + " to server " + servers + " (" +
               ServerSelectionName(m_config.serverSelection) + ": starting with " +
               FormatMac(CurrentServer()) + "), shim socket " + m_config.unixSocket);
    StartConnect();
    AfterRound();
    m_loop.Run();
}

void
ClientLoop::Stop()
{
    if (m_stopping)
    {
        return;
    }
    m_stopping = true;
    if (m_handle == kLhpNoHandle)
    {
        m_loop.Stop();
        return;
    }
    m_log.Info("stopping: closing the link");
    TimePoint now = EventLoop::Now();
    m_endpoint.Close(m_handle, now);
    m_stopAt = now + m_options.closeTimeout;
}

void
ClientLoop::Reload(const ClientConfig& config)
{
    m_log.SetLevel(config.logLevel);
    if (config.interface != m_config.interface || config.serverMacs != m_config.serverMacs ||
        config.serverSelection != m_config.serverSelection ||
        config.unixSocket != m_config.unixSocket || config.addressMode != m_config.addressMode ||
        config.requestedAddress != m_config.requestedAddress || config.pcap != m_config.pcap)
    {
        m_log.Warning("reload: only log-level changes apply; restart for the rest");
    }
    m_config.logLevel = config.logLevel;
    m_log.Info(std::string("reloaded: log-level ") + LogLevelName(config.logLevel));
}

void
ClientLoop::StartConnect()
{
    m_reconnectAt.reset();
    const MacAddress& mac = CurrentServer();
    m_handle = m_endpoint.Connect(LhpPeerAddress(mac.data(), mac.size()), EventLoop::Now());
    m_log.Debug("connecting to " + FormatMac(mac));
}

void
ClientLoop::OnFrames()
{
    try
    {
        TimePoint now = EventLoop::Now();
        while (m_link.Receive(m_frames, 256) > 0)
        {
            for (const ReceivedFrame& f : m_frames)
            {
                if (m_pcap)
                {
                    m_pcap->WriteFrame(m_link.GetMac(), f.source, f.bytes.data(), f.bytes.size());
                }
                if (f.source != CurrentServer())
                {
                    continue; // only the server in use speaks to us
                }
                m_endpoint.Receive(LhpPeerAddress(f.source.data(), f.source.size()),
                                   f.bytes.data(),
                                   f.bytes.size(),
                                   now);
            }
        }
    }
    catch (const std::system_error& e)
    {
        m_log.LogLimited(LogLevel::Warning, "rx", std::string("receive: ") + e.what());
    }
}

void
ClientLoop::OnTimer()
{
    TimePoint now = EventLoop::Now();
    m_endpoint.HandleDeadline(now);
    m_client.HandleDeadline(now);
    if (m_reconnectAt && *m_reconnectAt <= now && !m_stopping)
    {
        StartConnect();
    }
    if (m_stopAt && *m_stopAt <= now)
    {
        m_log.Warning("stopping: the server did not confirm the close");
        m_loop.Stop();
    }
}

void
ClientLoop::OnLinkUp()
{
    m_linkUp = true;
    m_log.Info("link to " + FormatMac(CurrentServer()) + " up; registering");
    m_client.OnLinkUp();
    bool oneToOne = m_config.addressMode == AddressMode::OneTo1;
    m_client.Register(oneToOne ? EpAddrMode::OneTo1 : EpAddrMode::NTo1,
                      m_config.requestedAddress.value_or(0),
                      HostName());
}

void
ClientLoop::OnLinkLost(const char* why)
{
    m_linkUp = false;
    m_handle = kLhpNoHandle;
    m_session.Reset();
    m_client.OnLinkDown();
    if (m_stopping)
    {
        m_log.Info(std::string("link ") + why);
        m_loop.Stop();
        return;
    }
    const Duration wait = m_selector.OnFailure();
    m_log.Warning(std::string("link ") + why + "; reconnecting in " +
                  std::to_string(wait.count() / 1000000) + " ms to " + FormatMac(CurrentServer()) +
                  " (server " + std::to_string(m_selector.Current() + 1) + " of " +
                  std::to_string(m_selector.Count()) + ")");
    m_reconnectAt = EventLoop::Now() + wait;
}

void
ClientLoop::OnRegistered(const EpClientEvent& e)
{
    const std::uint32_t ip = e.error == 0 ? e.local.Ipv4HostOrder() : 0;
    m_log.Log(e.error == 0 ? LogLevel::Info : LogLevel::Error,
              "registered: errno " + std::to_string(e.error) + ", public address " +
                  FormatIpv4(ip) + " (server " + FormatMac(CurrentServer()) + ")");
    if (e.error == 0)
    {
        m_selector.OnRegistered();
        return;
    }
    if (m_linkUp && !m_stopping)
    {
        // Refused: close this link (its Closed event is ignored: the handle is gone) and
        // move on as after a dead link.
        m_endpoint.Close(m_handle, EventLoop::Now());
        OnLinkLost("closed: registration refused");
    }
}

bool
ClientLoop::DrainEndpoint(TimePoint now)
{
    (void)now;
    bool any = false;
    for (;;)
    {
        if (auto d = m_endpoint.PollDelivery())
        {
            any = true;
            if (d->handle == m_handle && m_linkUp)
            {
                m_client.OnMessage(d->data);
            }
            continue;
        }
        auto ev = m_endpoint.PollEvent();
        if (!ev)
        {
            return any;
        }
        any = true;
        if (ev->handle != m_handle || m_handle == kLhpNoHandle)
        {
            continue; // an older link's late news
        }
        switch (ev->kind)
        {
            case LhpEndpointEvent::Kind::Up:
                OnLinkUp();
                break;
            case LhpEndpointEvent::Kind::Dead:
                OnLinkLost("dead");
                break;
            case LhpEndpointEvent::Kind::Closed:
                OnLinkLost("closed");
                break;
            case LhpEndpointEvent::Kind::SendSpace:
                m_session.OnSendSpace();
                break;
            default:
                break;
        }
    }
}

void
ClientLoop::AfterRound()
{
    TimePoint now = EventLoop::Now();
    for (int i = 0; i < 64; ++i)
    {
        bool progress = DrainEndpoint(now);
        if (m_linkUp)
        {
            progress |= PumpClientOutgoing(m_client, m_session) > 0;
        }
        while (auto e = m_client.PollEvent())
        {
            progress = true;
            if (e->kind == EpClientEvent::Kind::Registered)
            {
                OnRegistered(*e);
                continue;
            }
            m_shim->OnClientEvent(*e);
        }
        m_shim->Step(now);
        if (m_linkUp)
        {
            progress |= PumpClientOutgoing(m_client, m_session) > 0;
        }
        if (!progress)
        {
            break;
        }
    }
    Transmit(now);
    ArmTimer();
    if (m_pcap)
    {
        m_pcap->Flush();
    }
    m_log.ReportSuppressed();
}

void
ClientLoop::Transmit(TimePoint now)
{
    LhpPeerAddress to;
    while (m_endpoint.PollTransmit(now, to, m_tx))
    {
        MacAddress dest{};
        std::copy(to.Data(), to.Data() + std::min<std::size_t>(to.Length(), 6), dest.begin());
        if (m_pcap)
        {
            m_pcap->WriteFrame(dest, m_link.GetMac(), m_tx.data(), m_tx.size());
        }
        try
        {
            if (!m_link.Send(dest, m_tx.data(), m_tx.size()))
            {
                // The frame is lost (the ARQ repairs it); wait for room before the next.
                m_loop.SetInterest(m_link.GetFd(), EventLoop::kReadable | EventLoop::kWritable);
                return;
            }
        }
        catch (const std::system_error& e)
        {
            m_log.LogLimited(LogLevel::Warning, "tx", std::string("send: ") + e.what());
            return;
        }
    }
}

void
ClientLoop::ArmTimer()
{
    std::optional<TimePoint> at = m_endpoint.NextDeadline();
    for (const std::optional<TimePoint>& d : {m_client.NextDeadline(), m_reconnectAt, m_stopAt})
    {
        if (d && (!at || *d < *at))
        {
            at = d;
        }
    }
    if (at)
    {
        m_loop.SetTimer(*at);
    }
    else
    {
        m_loop.CancelTimer();
    }
}

} // namespace realnet
} // namespace resoa
