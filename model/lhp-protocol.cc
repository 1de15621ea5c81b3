/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "lhp-protocol.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("LhpProtocol");
NS_OBJECT_ENSURE_REGISTERED(LhpProtocol);

namespace
{

/// ns-3 Time <-> the core's nanosecond durations.
Time
ToTime(resoa::Duration d)
{
    return NanoSeconds(d.count());
}

resoa::Duration
ToDuration(const Time& t)
{
    return resoa::Duration(t.GetNanoSeconds());
}

void
AddStats(resoa::LhpStats& sum, const resoa::LhpStats& s)
{
    sum.framesSent += s.framesSent;
    sum.framesReceived += s.framesReceived;
    sum.dataFramesSent += s.dataFramesSent;
    sum.retransmissions += s.retransmissions;
    sum.acksSent += s.acksSent;
    sum.duplicatesReceived += s.duplicatesReceived;
    sum.semiReliableDrops += s.semiReliableDrops;
    sum.badFrames += s.badFrames;
    sum.sdusDelivered += s.sdusDelivered;
}

} // namespace

TypeId
LhpProtocol::GetTypeId()
{
    // The attribute defaults are the core's defaults, so both drivers start alike.
    static const resoa::LhpConfig d;
    static TypeId tid =
        TypeId("ns3::LhpProtocol")
            .SetParent<Object>()
            .SetGroupName("Resoa")
            .AddConstructor<LhpProtocol>()
            .AddAttribute("MaxPayload",
                          "Largest SDU in bytes (frame = 24-byte header + SDU).",
                          UintegerValue(d.maxPayload),
                          MakeUintegerAccessor(&LhpProtocol::SetMaxPayload,
                                               &LhpProtocol::GetMaxPayload),
                          MakeUintegerChecker<uint16_t>(1, resoa::kLhpMaxPayload))
            .AddAttribute("Window",
                          "Send/receive window in frames, per channel.",
                          UintegerValue(d.window),
                          MakeUintegerAccessor(&LhpProtocol::SetWindow, &LhpProtocol::GetWindow),
                          MakeUintegerChecker<uint16_t>(1, 4096))
            .AddAttribute("SendBufferSdus",
                          "SDUs queued beyond the window before Send refuses.",
                          UintegerValue(d.sendBufferSdus),
                          MakeUintegerAccessor(&LhpProtocol::SetSendBufferSdus,
                                               &LhpProtocol::GetSendBufferSdus),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("InitialRto",
                          "Retransmission timeout before the first RTT sample.",
                          TimeValue(ToTime(d.initialRto)),
                          MakeTimeAccessor(&LhpProtocol::SetInitialRto,
                                           &LhpProtocol::GetInitialRto),
                          MakeTimeChecker(MicroSeconds(1)))
            .AddAttribute("MinRto",
                          "Lower bound of the adaptive retransmission timeout.",
                          TimeValue(ToTime(d.minRto)),
                          MakeTimeAccessor(&LhpProtocol::SetMinRto, &LhpProtocol::GetMinRto),
                          MakeTimeChecker(MicroSeconds(1)))
            .AddAttribute("MaxRto",
                          "Upper bound of the adaptive retransmission timeout.",
                          TimeValue(ToTime(d.maxRto)),
                          MakeTimeAccessor(&LhpProtocol::SetMaxRto, &LhpProtocol::GetMaxRto),
                          MakeTimeChecker(MicroSeconds(1)))
            .AddAttribute("AckEveryFrames",
                          "Send a standalone ack after this many new in-order frames.",
                          UintegerValue(d.ackEveryFrames),
                          MakeUintegerAccessor(&LhpProtocol::SetAckEveryFrames,
                                               &LhpProtocol::GetAckEveryFrames),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("AckDelay",
                          "... or this long after the first unacknowledged arrival.",
                          TimeValue(ToTime(d.ackDelay)),
                          MakeTimeAccessor(&LhpProtocol::SetAckDelay, &LhpProtocol::GetAckDelay),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("SemiReliableRetries",
                          "Retransmissions of a datagram before it is dropped.",
                          UintegerValue(d.semiReliableRetries),
                          MakeUintegerAccessor(&LhpProtocol::SetSemiReliableRetries,
                                               &LhpProtocol::GetSemiReliableRetries),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("SemiReliableDeadline",
                          "Age at which an unacknowledged datagram is dropped.",
                          TimeValue(ToTime(d.semiReliableDeadline)),
                          MakeTimeAccessor(&LhpProtocol::SetSemiReliableDeadline,
                                           &LhpProtocol::GetSemiReliableDeadline),
                          MakeTimeChecker(MicroSeconds(1)))
            .AddAttribute("ConnectRetries",
                          "Connect frames sent before the connection is declared dead.",
                          UintegerValue(d.connectRetries),
                          MakeUintegerAccessor(&LhpProtocol::SetConnectRetries,
                                               &LhpProtocol::GetConnectRetries),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("KeepaliveInterval",
                          "Idle time after which a keepalive probe is sent.",
                          TimeValue(ToTime(d.keepaliveInterval)),
                          MakeTimeAccessor(&LhpProtocol::SetKeepaliveInterval,
                                           &LhpProtocol::GetKeepaliveInterval),
                          MakeTimeChecker(MicroSeconds(1)))
            .AddAttribute("DeadTimeout",
                          "Silence after which the peer is declared dead.",
                          TimeValue(ToTime(d.deadTimeout)),
                          MakeTimeAccessor(&LhpProtocol::SetDeadTimeout,
                                           &LhpProtocol::GetDeadTimeout),
                          MakeTimeChecker(MicroSeconds(1)))
            .AddAttribute("MaxRetransmissions",
                          "Retransmissions of one reliable frame before the link is declared "
                          "dead (0 = unlimited).",
                          UintegerValue(d.maxRetransmissions),
                          MakeUintegerAccessor(&LhpProtocol::SetMaxRetransmissions,
                                               &LhpProtocol::GetMaxRetransmissions),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("AcceptIncoming",
                          "Accept Connect frames from peers (server role).",
                          BooleanValue(false),
                          MakeBooleanAccessor(&LhpProtocol::m_acceptIncoming),
                          MakeBooleanChecker())
            .AddTraceSource("Tx",
                            "An LHP frame handed to the device.",
                            MakeTraceSourceAccessor(&LhpProtocol::m_txTrace),
                            "ns3::LhpProtocol::FrameTracedCallback")
            .AddTraceSource("Rx",
                            "A valid LHP frame received from the device.",
                            MakeTraceSourceAccessor(&LhpProtocol::m_rxTrace),
                            "ns3::LhpProtocol::FrameTracedCallback")
            .AddTraceSource("Retransmission",
                            "A data frame sent again.",
                            MakeTraceSourceAccessor(&LhpProtocol::m_retransmitTrace),
                            "ns3::LhpProtocol::FrameTracedCallback")
            .AddTraceSource("Drop",
                            "A received frame dropped (malformed, unknown connection) or a "
                            "semi-reliable SDU given up; with the reason.",
                            MakeTraceSourceAccessor(&LhpProtocol::m_dropTrace),
                            "ns3::LhpProtocol::DropTracedCallback")
            .AddTraceSource("LinkDown",
                            "A connection died (connect failed or dead timeout).",
                            MakeTraceSourceAccessor(&LhpProtocol::m_linkDownTrace),
                            "ns3::LhpProtocol::LinkDownTracedCallback");
    return tid;
}

LhpProtocol::LhpProtocol()
    : m_acceptIncoming(false),
      m_rng(CreateObject<UniformRandomVariable>()),
      m_nextHandle(1),
      m_queueRetry(MicroSeconds(100))
{
    NS_LOG_FUNCTION(this);
}

LhpProtocol::~LhpProtocol()
{
    NS_LOG_FUNCTION(this);
}

void
LhpProtocol::DoDispose()
{
    NS_LOG_FUNCTION(this);
    for (auto& [h, c] : m_connections)
    {
        c.timer.Cancel();
    }
    m_connections.clear();
    m_byPeer.clear();
    m_blocked.clear();
    m_retryEvent.Cancel();
    m_device = nullptr;
    m_receiveCb = MakeNullCallback<void, Handle, resoa::LhpChannel, Ptr<Packet>>();
    m_connectionCb = MakeNullCallback<void, Handle, ConnectionEvent, const Address&>();
    m_sendSpaceCb = MakeNullCallback<void, Handle>();
    Object::DoDispose();
}

// --- attribute accessors: each maps one field of resoa::LhpConfig ---
// clang-format off
void LhpProtocol::SetMaxPayload(uint16_t v) { m_config.maxPayload = v; }
uint16_t LhpProtocol::GetMaxPayload() const { return m_config.maxPayload; }
void LhpProtocol::SetWindow(uint16_t v) { m_config.window = v; }
uint16_t LhpProtocol::GetWindow() const { return m_config.window; }
void LhpProtocol::SetSendBufferSdus(uint32_t v) { m_config.sendBufferSdus = v; }
uint32_t LhpProtocol::GetSendBufferSdus() const { return m_config.sendBufferSdus; }
void LhpProtocol::SetInitialRto(Time v) { m_config.initialRto = ToDuration(v); }
Time LhpProtocol::GetInitialRto() const { return ToTime(m_config.initialRto); }
void LhpProtocol::SetMinRto(Time v) { m_config.minRto = ToDuration(v); }
Time LhpProtocol::GetMinRto() const { return ToTime(m_config.minRto); }
void LhpProtocol::SetMaxRto(Time v) { m_config.maxRto = ToDuration(v); }
Time LhpProtocol::GetMaxRto() const { return ToTime(m_config.maxRto); }
void LhpProtocol::SetAckEveryFrames(uint32_t v) { m_config.ackEveryFrames = v; }
uint32_t LhpProtocol::GetAckEveryFrames() const { return m_config.ackEveryFrames; }
void LhpProtocol::SetAckDelay(Time v) { m_config.ackDelay = ToDuration(v); }
Time LhpProtocol::GetAckDelay() const { return ToTime(m_config.ackDelay); }
void LhpProtocol::SetSemiReliableRetries(uint32_t v) { m_config.semiReliableRetries = v; }
uint32_t LhpProtocol::GetSemiReliableRetries() const { return m_config.semiReliableRetries; }
void LhpProtocol::SetSemiReliableDeadline(Time v) { m_config.semiReliableDeadline = ToDuration(v); }
Time LhpProtocol::GetSemiReliableDeadline() const { return ToTime(m_config.semiReliableDeadline); }
void LhpProtocol::SetConnectRetries(uint32_t v) { m_config.connectRetries = v; }
uint32_t LhpProtocol::GetConnectRetries() const { return m_config.connectRetries; }
void LhpProtocol::SetKeepaliveInterval(Time v) { m_config.keepaliveInterval = ToDuration(v); }
Time LhpProtocol::GetKeepaliveInterval() const { return ToTime(m_config.keepaliveInterval); }
void LhpProtocol::SetDeadTimeout(Time v) { m_config.deadTimeout = ToDuration(v); }
Time LhpProtocol::GetDeadTimeout() const { return ToTime(m_config.deadTimeout); }
void LhpProtocol::SetMaxRetransmissions(uint32_t v) { m_config.maxRetransmissions = v; }
uint32_t LhpProtocol::GetMaxRetransmissions() const { return m_config.maxRetransmissions; }
// clang-format on

resoa::LhpConfig
LhpProtocol::GetConfig() const
{
    return m_config;
}

int64_t
LhpProtocol::AssignStreams(int64_t stream)
{
    m_rng->SetStream(stream);
    return 1;
}

void
LhpProtocol::SetDevice(Ptr<NetDevice> device)
{
    NS_LOG_FUNCTION(this << device);
    NS_ASSERT_MSG(!m_device, "LhpProtocol is already bound to a device");
    m_device = device;
    device->GetNode()->RegisterProtocolHandler(MakeCallback(&LhpProtocol::ReceiveFromDevice, this),
                                               resoa::kLhpEtherType,
                                               device);
}

Ptr<NetDevice>
LhpProtocol::GetDevice() const
{
    return m_device;
}

resoa::TimePoint
LhpProtocol::Now()
{
    return ToDuration(Simulator::Now());
}

LhpProtocol::Handle
LhpProtocol::AddConnection(const Mac48Address& peer, std::unique_ptr<resoa::LhpLink> link)
{
    Handle h = m_nextHandle++;
    m_byPeer[{peer, link->GetConnId()}] = h;
    Connection& c = m_connections[h];
    c.link = std::move(link);
    c.peer = peer;
    return h;
}

LhpProtocol::Handle
LhpProtocol::Connect(const Address& peer)
{
    NS_LOG_FUNCTION(this << peer);
    NS_ASSERT_MSG(m_device, "LhpProtocol::Connect before SetDevice");
    Mac48Address mac = Mac48Address::ConvertFrom(peer);
    uint32_t connId = 0;
    while (connId == 0 || m_byPeer.count({mac, connId}))
    {
        connId = m_rng->GetInteger(1, 0xFFFFFFFFu);
    }
    auto link =
        std::make_unique<resoa::LhpLink>(m_config, connId, m_rng->GetInteger(1, 0xFFFFFFFFu));
    Handle h = AddConnection(mac, std::move(link));
    m_connections[h].link->Connect(Now());
    Pump(h);
    return h;
}

bool
LhpProtocol::Send(Handle h, resoa::LhpChannel channel, Ptr<const Packet> sdu)
{
    std::vector<uint8_t> bytes(sdu->GetSize());
    sdu->CopyData(bytes.data(), bytes.size());
    return Send(h, channel, std::move(bytes));
}

bool
LhpProtocol::Send(Handle h, resoa::LhpChannel channel, std::vector<uint8_t> sdu)
{
    auto it = m_connections.find(h);
    if (it == m_connections.end())
    {
        return false;
    }
    bool ok = it->second.link->Send(channel, std::move(sdu), Now());
    if (ok)
    {
        Pump(h);
    }
    return ok;
}

uint32_t
LhpProtocol::GetSendSpace(Handle h, resoa::LhpChannel channel) const
{
    auto it = m_connections.find(h);
    return it == m_connections.end() ? 0 : it->second.link->SendSpace(channel);
}

void
LhpProtocol::Close(Handle h)
{
    NS_LOG_FUNCTION(this << h);
    auto it = m_connections.find(h);
    if (it != m_connections.end())
    {
        it->second.link->Close(Now());
        Pump(h);
    }
}

void
LhpProtocol::Crash()
{
    NS_LOG_FUNCTION(this);
    for (auto& [h, c] : m_connections)
    {
        c.timer.Cancel();
        AddStats(m_retiredStats, c.link->GetStats());
    }
    m_connections.clear();
    m_byPeer.clear();
    m_blocked.clear();
    m_retryEvent.Cancel();
}

void
LhpProtocol::SetReceiveCallback(ReceiveCallback cb)
{
    m_receiveCb = cb;
}

void
LhpProtocol::SetConnectionCallback(ConnectionCallback cb)
{
    m_connectionCb = cb;
}

void
LhpProtocol::SetSendSpaceCallback(SendSpaceCallback cb)
{
    m_sendSpaceCb = cb;
}

const resoa::LhpLink*
LhpProtocol::GetLink(Handle h) const
{
    auto it = m_connections.find(h);
    return it == m_connections.end() ? nullptr : it->second.link.get();
}

Address
LhpProtocol::GetPeer(Handle h) const
{
    auto it = m_connections.find(h);
    return it == m_connections.end() ? Address() : Address(it->second.peer);
}

resoa::LhpStats
LhpProtocol::GetTotalStats() const
{
    resoa::LhpStats sum = m_retiredStats;
    for (const auto& [h, c] : m_connections)
    {
        AddStats(sum, c.link->GetStats());
    }
    return sum;
}

void
LhpProtocol::ReceiveFromDevice(Ptr<NetDevice> device,
                               Ptr<const Packet> packet,
                               uint16_t protocol,
                               const Address& from,
                               const Address& to,
                               NetDevice::PacketType packetType)
{
    std::vector<uint8_t> bytes(packet->GetSize());
    packet->CopyData(bytes.data(), bytes.size());
    // Ethernet pads short frames; the LHP header says how long the frame really is.
    size_t framed = resoa::LhpFramedLength(bytes.data(), bytes.size());
    if (framed != 0 && framed < bytes.size())
    {
        bytes.resize(framed);
    }
    resoa::LhpFrame frame;
    resoa::DecodeError err = resoa::DecodeLhpFrame(bytes.data(), bytes.size(), frame);
    if (err != resoa::DecodeError::Ok)
    {
        NS_LOG_WARN("malformed LHP frame from " << from << ": " << resoa::ToString(err));
        m_dropTrace(packet, std::string("malformed: ") + resoa::ToString(err));
        return;
    }
    Mac48Address mac = Mac48Address::ConvertFrom(from);
    auto key = std::make_pair(mac, frame.connId);
    auto found = m_byPeer.find(key);
    Handle h;
    if (found != m_byPeer.end())
    {
        h = found->second;
        m_rxTrace(packet, h);
        Connection& c = m_connections.at(h);
        uint32_t spaceBefore = c.link->SendSpace(resoa::LhpChannel::Reliable);
        c.link->Receive(frame, Now());
        Pump(h);
        auto again = m_connections.find(h);
        if (again != m_connections.end() && !m_sendSpaceCb.IsNull() &&
            again->second.link->SendSpace(resoa::LhpChannel::Reliable) > spaceBefore)
        {
            m_sendSpaceCb(h);
        }
        return;
    }
    if (frame.type == resoa::LhpFrameType::Connect && m_acceptIncoming)
    {
        auto link = std::make_unique<resoa::LhpLink>(m_config,
                                                     frame.connId,
                                                     m_rng->GetInteger(1, 0xFFFFFFFFu));
        if (!link->Accept(frame, Now()))
        {
            m_dropTrace(packet, "bad connect");
            return;
        }
        h = AddConnection(mac, std::move(link));
        m_rxTrace(packet, h);
        NS_LOG_INFO("accepted LHP connection " << frame.connId << " from " << mac << " as "
                                               << h);
        Pump(h);
        return;
    }
    if (frame.type == resoa::LhpFrameType::Close && !(frame.flags & resoa::kFlagResponse))
    {
        // We retired this connection when it closed; our Close|Response may have been lost,
        // so answer again, statelessly, or the peer would end Dead instead of Closed.
        resoa::LhpFrame reply;
        reply.type = resoa::LhpFrameType::Close;
        reply.flags = resoa::kFlagResponse;
        reply.channel = frame.channel;
        reply.connId = frame.connId;
        std::vector<uint8_t> out = resoa::EncodeLhpFrame(reply);
        m_device->Send(Create<Packet>(out.data(), out.size()), mac, resoa::kLhpEtherType);
        return;
    }
    NS_LOG_LOGIC("LHP frame for unknown connection " << frame.connId << " from " << mac);
    m_dropTrace(packet, "unknown connection");
}

void
LhpProtocol::Pump(Handle h)
{
    auto it = m_connections.find(h);
    if (it == m_connections.end())
    {
        return;
    }
    Connection& c = it->second;
    if (c.pumping)
    {
        // A callback re-entered (e.g. the application sent from its receive callback).
        c.pumpAgain = true;
        return;
    }
    c.pumping = true;
    do
    {
        c.pumpAgain = false;
        PumpOnce(h, c);
    } while (c.pumpAgain);
    c.pumping = false;

    resoa::LhpState state = c.link->GetState();
    if (state == resoa::LhpState::Closed || state == resoa::LhpState::Dead)
    {
        Retire(h, state == resoa::LhpState::Closed ? CONNECTION_CLOSED : CONNECTION_DEAD);
    }
}

void
LhpProtocol::PumpOnce(Handle h, Connection& c)
{
    resoa::TimePoint now = Now();
    while (auto d = c.link->PollDelivery())
    {
        if (!m_receiveCb.IsNull())
        {
            m_receiveCb(h, d->channel, Create<Packet>(d->data.data(), d->data.size()));
        }
    }
    while (auto e = c.link->PollEvent())
    {
        switch (e->kind)
        {
        case resoa::LhpEvent::Kind::Connected:
            c.upReported = true;
            if (!m_connectionCb.IsNull())
            {
                m_connectionCb(h, CONNECTION_UP, Address(c.peer));
            }
            break;
        case resoa::LhpEvent::Kind::SemiReliableDrop:
            m_dropTrace(nullptr, "semi-reliable sdu given up");
            break;
        case resoa::LhpEvent::Kind::Closed:
        case resoa::LhpEvent::Kind::LinkDead:
            break; // reported by Retire once the pump is done
        }
    }
    std::vector<uint8_t> frame;
    while (m_blocked.empty())
    {
        uint64_t retxBefore = c.link->GetStats().retransmissions;
        if (!c.link->PollTransmit(now, frame))
        {
            break;
        }
        Ptr<Packet> p = Create<Packet>(frame.data(), frame.size());
        m_txTrace(p, h);
        if (c.link->GetStats().retransmissions != retxBefore)
        {
            m_retransmitTrace(p, h);
        }
        // Send a copy: a device that refuses a frame may already have added its header.
        if (!m_device->Send(p->Copy(), c.peer, resoa::kLhpEtherType))
        {
            // The device queue is full (LHP frames bypass traffic control). Keep the frame
            // and stop polling the links until the queue drains: dropping it here would only
            // make LHP retransmit it later, with a backed-off timer.
            m_blocked.push_back({p, c.peer});
            if (!m_retryEvent.IsRunning())
            {
                m_retryEvent = Simulator::Schedule(m_queueRetry, &LhpProtocol::RetryBlocked, this);
            }
        }
    }
    std::optional<resoa::TimePoint> deadline = c.link->NextDeadline();
    if (!deadline)
    {
        c.timer.Cancel();
        return;
    }
    Time at = ToTime(*deadline);
    if (!c.timer.IsRunning() || at != c.timerAt)
    {
        c.timer.Cancel();
        Time delay = at > Simulator::Now() ? at - Simulator::Now() : Time(0);
        c.timer = Simulator::Schedule(delay, &LhpProtocol::OnTimer, this, h);
        c.timerAt = at;
    }
}

void
LhpProtocol::RetryBlocked()
{
    while (!m_blocked.empty())
    {
        Ptr<Packet> copy = m_blocked.front().first->Copy();
        if (!m_device->Send(copy, m_blocked.front().second, resoa::kLhpEtherType))
        {
            m_retryEvent = Simulator::Schedule(m_queueRetry, &LhpProtocol::RetryBlocked, this);
            return;
        }
        m_blocked.pop_front();
    }
    std::vector<Handle> handles;
    for (const auto& [h, c] : m_connections)
    {
        handles.push_back(h);
    }
    for (Handle h : handles)
    {
        Pump(h);
    }
}

void
LhpProtocol::OnTimer(Handle h)
{
    auto it = m_connections.find(h);
    if (it == m_connections.end())
    {
        return;
    }
    it->second.link->HandleDeadline(Now());
    Pump(h);
}

void
LhpProtocol::Retire(Handle h, ConnectionEvent why)
{
    auto it = m_connections.find(h);
    if (it == m_connections.end())
    {
        return;
    }
    Connection& c = it->second;
    c.timer.Cancel();
    Address peer(c.peer);
    NS_LOG_INFO("LHP connection " << h << " to " << c.peer
                                  << (why == CONNECTION_DEAD ? " died" : " closed"));
    AddStats(m_retiredStats, c.link->GetStats());
    m_byPeer.erase({c.peer, c.link->GetConnId()});
    m_connections.erase(it);
    if (why == CONNECTION_DEAD)
    {
        m_linkDownTrace(h, peer);
    }
    if (!m_connectionCb.IsNull())
    {
        m_connectionCb(h, why, peer);
    }
}

} // namespace ns3
