/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "lhp-protocol.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/net-device-queue-interface.h"
#include "ns3/node.h"
#include "ns3/queue-disc.h"
#include "ns3/simulator.h"
#include "ns3/traffic-control-layer.h"
#include "ns3/uinteger.h"
#include "ns3/wifi-mac-queue.h"
#include "ns3/wifi-mac.h"
#include "ns3/wifi-net-device.h"
#include "ns3/wifi-remote-station-manager.h"

#include <algorithm>
#include <limits>

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

} // namespace

TypeId
LhpProtocol::GetTypeId()
{
    // The attribute defaults are the core's defaults, so both drivers start alike.
    static const resoa::LhpEndpointConfig e;
    static const resoa::LhpConfig& d = e.link;
    static TypeId tid =
        TypeId("ns3::LhpProtocol")
            .SetParent<Object>()
            .SetGroupName("Resoa")
            .AddConstructor<LhpProtocol>()
            .AddAttribute(
                "MaxPayload",
                "Largest SDU in bytes (frame = 24-byte header + SDU).",
                UintegerValue(d.maxPayload),
                MakeUintegerAccessor(&LhpProtocol::SetMaxPayload, &LhpProtocol::GetMaxPayload),
                MakeUintegerChecker<uint16_t>(1, resoa::kLhpMaxPayload))
            .AddAttribute("Window",
                          "Send/receive window in frames, per channel. At most 33: the 32-bit "
                          "SACK bitmap reports no further than 32 frames past the cumulative ack.",
                          UintegerValue(d.window),
                          MakeUintegerAccessor(&LhpProtocol::SetWindow, &LhpProtocol::GetWindow),
                          MakeUintegerChecker<uint16_t>(1, resoa::kLhpMaxWindow))
            .AddAttribute("SendBufferSdus",
                          "SDUs queued beyond the window before Send refuses.",
                          UintegerValue(d.sendBufferSdus),
                          MakeUintegerAccessor(&LhpProtocol::SetSendBufferSdus,
                                               &LhpProtocol::GetSendBufferSdus),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute(
                "InitialRto",
                "Retransmission timeout before the first RTT sample.",
                TimeValue(ToTime(d.initialRto)),
                MakeTimeAccessor(&LhpProtocol::SetInitialRto, &LhpProtocol::GetInitialRto),
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
            .AddAttribute(
                "AdaptiveAcks",
                "Lossy-link acks: while a hole is open, ack after GapAckEveryFrames "
                "new frames instead of at every out-of-order frame, and ack a filled "
                "hole at once only when it releases AckEveryFrames frames. Off: "
                "every out-of-order or hole-filling frame is acked at once.",
                BooleanValue(d.adaptiveAcks),
                MakeBooleanAccessor(&LhpProtocol::SetAdaptiveAcks, &LhpProtocol::GetAdaptiveAcks),
                MakeBooleanChecker())
            .AddAttribute("GapAckEveryFrames",
                          "With AdaptiveAcks: a standalone ack after this many new frames while "
                          "a hole is open.",
                          UintegerValue(d.gapAckEveryFrames),
                          MakeUintegerAccessor(&LhpProtocol::SetGapAckEveryFrames,
                                               &LhpProtocol::GetGapAckEveryFrames),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("LossTolerantRto",
                          "A timeout doubles the RTO only if nothing was heard from the peer "
                          "since the timed-out frame was sent (random loss is not an outage). "
                          "Off: every timed-out flight doubles it.",
                          BooleanValue(d.lossTolerantRto),
                          MakeBooleanAccessor(&LhpProtocol::SetLossTolerantRto,
                                              &LhpProtocol::GetLossTolerantRto),
                          MakeBooleanChecker())
            .AddAttribute(
                "StallProbe",
                "When the reliable window is full, SDUs wait, and every unacked frame "
                "has been retransmitted or overtaken (known or likely lost), resend the "
                "lowest unacked frame once its latest transmission is SRTT + RTTVAR old "
                "(at least MinRto / 4), instead of idling until the RTO. Only on a link "
                "that has shown loss in the last 500 ms; at most StallProbesUnanswered "
                "in a row while the peer is silent. Off: idle until an ack or the RTO.",
                BooleanValue(d.stallProbe),
                MakeBooleanAccessor(&LhpProtocol::SetStallProbe, &LhpProtocol::GetStallProbe),
                MakeBooleanChecker())
            .AddAttribute("StallProbesUnanswered",
                          "Stall probes that may go in a row while the peer says nothing.",
                          UintegerValue(d.stallProbesUnanswered),
                          MakeUintegerAccessor(&LhpProtocol::SetStallProbesUnanswered,
                                               &LhpProtocol::GetStallProbesUnanswered),
                          MakeUintegerChecker<uint32_t>(1, 64))
            .AddAttribute("MacRetryControl",
                          "LHP decides how often the MAC transmits a frame: from the measured "
                          "loss of its data, the fewest MAC transmissions that leave at most "
                          "MacResidualLoss for LHP to repair, applied on a WifiNetDevice as the "
                          "remote station manager's MaxSsrc and MaxSlrc. Off: the device's "
                          "retry limits are left alone.",
                          BooleanValue(d.macRetryControl),
                          MakeBooleanAccessor(&LhpProtocol::SetMacRetryControl,
                                              &LhpProtocol::GetMacRetryControl),
                          MakeBooleanChecker())
            .AddAttribute("MacTransmissionsMax",
                          "With MacRetryControl: the most MAC transmissions advised (also the "
                          "advice before any measurement, and on a link that sends no data).",
                          UintegerValue(d.macTransmissionsMax),
                          MakeUintegerAccessor(&LhpProtocol::SetMacTransmissionsMax,
                                               &LhpProtocol::GetMacTransmissionsMax),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("MacResidualLoss",
                          "With MacRetryControl: the residual loss per LHP transmission the "
                          "MAC transmission count aims at.",
                          DoubleValue(d.macResidualLoss),
                          MakeDoubleAccessor(&LhpProtocol::SetMacResidualLoss,
                                             &LhpProtocol::GetMacResidualLoss),
                          MakeDoubleChecker<double>(0, 1))
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
            .AddAttribute("AdaptiveDeadline",
                          "A datagram is given up no earlier than (SemiReliableRetries + 1) "
                          "RTOs after its first transmission, so SemiReliableDeadline never "
                          "cuts its retries short on a slow link. Off: SemiReliableDeadline "
                          "alone.",
                          BooleanValue(d.adaptiveDeadline),
                          MakeBooleanAccessor(&LhpProtocol::SetAdaptiveDeadline,
                                              &LhpProtocol::GetAdaptiveDeadline),
                          MakeBooleanChecker())
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
            .AddAttribute(
                "KeepaliveRetry",
                "Interval at which an unanswered keepalive probe is repeated "
                "(0 = KeepaliveInterval / 8).",
                TimeValue(ToTime(d.keepaliveRetry)),
                MakeTimeAccessor(&LhpProtocol::SetKeepaliveRetry, &LhpProtocol::GetKeepaliveRetry),
                MakeTimeChecker(Time(0)))
            .AddAttribute(
                "DeadTimeout",
                "Silence after which the peer is declared dead.",
                TimeValue(ToTime(d.deadTimeout)),
                MakeTimeAccessor(&LhpProtocol::SetDeadTimeout, &LhpProtocol::GetDeadTimeout),
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
                          BooleanValue(e.acceptIncoming),
                          MakeBooleanAccessor(&LhpProtocol::SetAcceptIncoming,
                                              &LhpProtocol::GetAcceptIncoming),
                          MakeBooleanChecker())
            .AddAttribute("Linger",
                          "How long a closed connection is kept to answer a retransmitted "
                          "Close (then a Close is answered statelessly); negative: DeadTimeout.",
                          TimeValue(ToTime(e.linger)),
                          MakeTimeAccessor(&LhpProtocol::SetLinger, &LhpProtocol::GetLinger),
                          MakeTimeChecker())
            .AddAttribute("MaxConnectionsPerPeer",
                          "Connections to one peer address beyond which its Connect is refused "
                          "(lingering closed ones are evicted first).",
                          UintegerValue(e.maxConnectionsPerPeer),
                          MakeUintegerAccessor(&LhpProtocol::SetMaxConnectionsPerPeer,
                                               &LhpProtocol::GetMaxConnectionsPerPeer),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("RestartChallenge",
                          "How long a live connection that a Connect with a new nonce claims "
                          "to replace is probed first (RFC 5961-like): silence = the peer "
                          "restarted, an answer = the Connect was forged. 0: replace at once.",
                          TimeValue(ToTime(e.restartChallenge)),
                          MakeTimeAccessor(&LhpProtocol::SetRestartChallenge,
                                           &LhpProtocol::GetRestartChallenge),
                          MakeTimeChecker(Seconds(0)))
            .AddAttribute("MaxConnections",
                          "Connections in all beyond which a Connect is refused.",
                          UintegerValue(e.maxConnections),
                          MakeUintegerAccessor(&LhpProtocol::SetMaxConnections,
                                               &LhpProtocol::GetMaxConnections),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("DeviceQueueLimit",
                          "On a WifiNetDevice: LHP frames allowed in the MAC queue at once, "
                          "per connection (a server with N links may queue N times this); "
                          "the next one is polled when one leaves, so retransmissions and acks "
                          "do not wait behind a window of queued frames. 0 = no limit (drain "
                          "until the device's queue is full).",
                          UintegerValue(2),
                          MakeUintegerAccessor(&LhpProtocol::m_deviceQueueLimit),
                          MakeUintegerChecker<uint32_t>())
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
                            "ns3::LhpProtocol::LinkDownTracedCallback")
            .AddTraceSource("LinkState",
                            "A connection's state changed (handle, old, new).",
                            MakeTraceSourceAccessor(&LhpProtocol::m_linkStateTrace),
                            "ns3::LhpProtocol::LinkStateTracedCallback")
            .AddTraceSource("Rto",
                            "A connection's retransmission timeout changed (handle, old, new).",
                            MakeTraceSourceAccessor(&LhpProtocol::m_rtoTrace),
                            "ns3::LhpProtocol::TimeTracedCallback")
            .AddTraceSource("Srtt",
                            "A connection's smoothed RTT changed (handle, old, new).",
                            MakeTraceSourceAccessor(&LhpProtocol::m_srttTrace),
                            "ns3::LhpProtocol::TimeTracedCallback")
            .AddTraceSource("FramesInFlight",
                            "Data frames a connection has in flight, both channels.",
                            MakeTraceSourceAccessor(&LhpProtocol::m_framesInFlightTrace),
                            "ns3::LhpProtocol::CountTracedCallback")
            .AddTraceSource("BytesInFlight",
                            "Payload bytes sent and not yet acked or given up, both channels.",
                            MakeTraceSourceAccessor(&LhpProtocol::m_bytesInFlightTrace),
                            "ns3::LhpProtocol::CountTracedCallback")
            .AddTraceSource("SendWindow",
                            "Frames the reliable channel may have in flight (window, peer's "
                            "advertised window, SACK reach).",
                            MakeTraceSourceAccessor(&LhpProtocol::m_sendWindowTrace),
                            "ns3::LhpProtocol::CountTracedCallback");
    return tid;
}

LhpProtocol::LhpProtocol()
    : m_rng(CreateObject<UniformRandomVariable>())
    , m_pumping(false)
    , m_pumpAgain(false)
    , m_wakeInstalled(false)
    , m_waitingForDevice(false)
    , m_queueRetry(MicroSeconds(100))
    , m_deviceStalls(0)
    , m_deviceQueueLimit(2)
    , m_waitingForMac(false)
    , m_macTransmissions(0)
{
    NS_LOG_FUNCTION(this);
    // Connection ids and nonces come from m_rng, so AssignStreams fixes them.
    m_endpoint = std::make_unique<resoa::LhpEndpoint>(
        m_config,
        [rng = m_rng]() { return static_cast<uint32_t>(rng->GetInteger(1, 0xFFFFFFFFu)); });
}

LhpProtocol::~LhpProtocol()
{
    NS_LOG_FUNCTION(this);
}

void
LhpProtocol::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_timer.Cancel();
    m_retryEvent.Cancel();
    m_resumeEvent.Cancel();
    m_macEvent.Cancel();
    if (m_txQueue && m_wakeInstalled)
    {
        // Give the device queue's wake back to traffic control (or to nobody).
        m_txQueue->SetWakeCallback(m_wakeChain ? MakeCallback(&QueueDisc::Run, m_wakeChain)
                                               : MakeNullCallback<void>());
    }
    m_endpoint->Crash();
    m_traced.clear();
    m_blocked = nullptr;
    m_impairment = nullptr;
    m_txQueue = nullptr;
    m_wakeChain = nullptr;
    m_macQueue = nullptr;
    m_device = nullptr;
    m_receiveCb = MakeNullCallback<void, Handle, resoa::LhpChannel, Ptr<Packet>>();
    m_connectionCb = MakeNullCallback<void, Handle, ConnectionEvent, const Address&>();
    m_sendSpaceCb = MakeNullCallback<void, Handle>();
    m_admissionCb = MakeNullCallback<bool, const Address&>();
    Object::DoDispose();
}

// --- attribute accessors: each maps one field of resoa::LhpEndpointConfig ---
// clang-format off
void LhpProtocol::SetMaxPayload(uint16_t v) { m_config.link.maxPayload = v; ApplyConfig(); }
uint16_t LhpProtocol::GetMaxPayload() const { return m_config.link.maxPayload; }
void LhpProtocol::SetWindow(uint16_t v) { m_config.link.window = v; ApplyConfig(); }
uint16_t LhpProtocol::GetWindow() const { return m_config.link.window; }
void LhpProtocol::SetSendBufferSdus(uint32_t v) { m_config.link.sendBufferSdus = v; ApplyConfig(); }
uint32_t LhpProtocol::GetSendBufferSdus() const { return m_config.link.sendBufferSdus; }
void LhpProtocol::SetInitialRto(Time v) { m_config.link.initialRto = ToDuration(v); ApplyConfig(); }
Time LhpProtocol::GetInitialRto() const { return ToTime(m_config.link.initialRto); }
void LhpProtocol::SetMinRto(Time v) { m_config.link.minRto = ToDuration(v); ApplyConfig(); }
Time LhpProtocol::GetMinRto() const { return ToTime(m_config.link.minRto); }
void LhpProtocol::SetMaxRto(Time v) { m_config.link.maxRto = ToDuration(v); ApplyConfig(); }
Time LhpProtocol::GetMaxRto() const { return ToTime(m_config.link.maxRto); }
void LhpProtocol::SetAckEveryFrames(uint32_t v) { m_config.link.ackEveryFrames = v; ApplyConfig(); }
uint32_t LhpProtocol::GetAckEveryFrames() const { return m_config.link.ackEveryFrames; }
void LhpProtocol::SetAckDelay(Time v) { m_config.link.ackDelay = ToDuration(v); ApplyConfig(); }
Time LhpProtocol::GetAckDelay() const { return ToTime(m_config.link.ackDelay); }
void LhpProtocol::SetAdaptiveAcks(bool v) { m_config.link.adaptiveAcks = v; ApplyConfig(); }
bool LhpProtocol::GetAdaptiveAcks() const { return m_config.link.adaptiveAcks; }
void LhpProtocol::SetGapAckEveryFrames(uint32_t v) { m_config.link.gapAckEveryFrames = v; ApplyConfig(); }
uint32_t LhpProtocol::GetGapAckEveryFrames() const { return m_config.link.gapAckEveryFrames; }
void LhpProtocol::SetLossTolerantRto(bool v) { m_config.link.lossTolerantRto = v; ApplyConfig(); }
bool LhpProtocol::GetLossTolerantRto() const { return m_config.link.lossTolerantRto; }
void LhpProtocol::SetStallProbe(bool v) { m_config.link.stallProbe = v; ApplyConfig(); }
bool LhpProtocol::GetStallProbe() const { return m_config.link.stallProbe; }
void LhpProtocol::SetStallProbesUnanswered(uint32_t v) { m_config.link.stallProbesUnanswered = v; ApplyConfig(); }
uint32_t LhpProtocol::GetStallProbesUnanswered() const { return m_config.link.stallProbesUnanswered; }
void LhpProtocol::SetMacRetryControl(bool v) { m_config.link.macRetryControl = v; ApplyConfig(); }
bool LhpProtocol::GetMacRetryControl() const { return m_config.link.macRetryControl; }
void LhpProtocol::SetMacTransmissionsMax(uint32_t v) { m_config.link.macTransmissionsMax = v; ApplyConfig(); }
uint32_t LhpProtocol::GetMacTransmissionsMax() const { return m_config.link.macTransmissionsMax; }
void LhpProtocol::SetMacResidualLoss(double v) { m_config.link.macResidualLoss = v; ApplyConfig(); }
double LhpProtocol::GetMacResidualLoss() const { return m_config.link.macResidualLoss; }
void LhpProtocol::SetSemiReliableRetries(uint32_t v) { m_config.link.semiReliableRetries = v; ApplyConfig(); }
uint32_t LhpProtocol::GetSemiReliableRetries() const { return m_config.link.semiReliableRetries; }
void LhpProtocol::SetSemiReliableDeadline(Time v) { m_config.link.semiReliableDeadline = ToDuration(v); ApplyConfig(); }
Time LhpProtocol::GetSemiReliableDeadline() const { return ToTime(m_config.link.semiReliableDeadline); }
void LhpProtocol::SetAdaptiveDeadline(bool v) { m_config.link.adaptiveDeadline = v; ApplyConfig(); }
bool LhpProtocol::GetAdaptiveDeadline() const { return m_config.link.adaptiveDeadline; }
void LhpProtocol::SetConnectRetries(uint32_t v) { m_config.link.connectRetries = v; ApplyConfig(); }
uint32_t LhpProtocol::GetConnectRetries() const { return m_config.link.connectRetries; }
void LhpProtocol::SetKeepaliveInterval(Time v) { m_config.link.keepaliveInterval = ToDuration(v); ApplyConfig(); }
Time LhpProtocol::GetKeepaliveInterval() const { return ToTime(m_config.link.keepaliveInterval); }
void LhpProtocol::SetKeepaliveRetry(Time v) { m_config.link.keepaliveRetry = ToDuration(v); ApplyConfig(); }
Time LhpProtocol::GetKeepaliveRetry() const { return ToTime(m_config.link.keepaliveRetry); }
void LhpProtocol::SetDeadTimeout(Time v) { m_config.link.deadTimeout = ToDuration(v); ApplyConfig(); }
Time LhpProtocol::GetDeadTimeout() const { return ToTime(m_config.link.deadTimeout); }
void LhpProtocol::SetMaxRetransmissions(uint32_t v) { m_config.link.maxRetransmissions = v; ApplyConfig(); }
uint32_t LhpProtocol::GetMaxRetransmissions() const { return m_config.link.maxRetransmissions; }
void LhpProtocol::SetAcceptIncoming(bool v) { m_config.acceptIncoming = v; ApplyConfig(); }
bool LhpProtocol::GetAcceptIncoming() const { return m_config.acceptIncoming; }
void LhpProtocol::SetLinger(Time v) { m_config.linger = ToDuration(v); ApplyConfig(); }
Time LhpProtocol::GetLinger() const { return ToTime(m_config.linger); }
void LhpProtocol::SetRestartChallenge(Time v) { m_config.restartChallenge = ToDuration(v); ApplyConfig(); }
Time LhpProtocol::GetRestartChallenge() const { return ToTime(m_config.restartChallenge); }
void LhpProtocol::SetMaxConnectionsPerPeer(uint32_t v) { m_config.maxConnectionsPerPeer = v; ApplyConfig(); }
uint32_t LhpProtocol::GetMaxConnectionsPerPeer() const { return static_cast<uint32_t>(m_config.maxConnectionsPerPeer); }
void LhpProtocol::SetMaxConnections(uint32_t v) { m_config.maxConnections = v; ApplyConfig(); }
uint32_t LhpProtocol::GetMaxConnections() const { return static_cast<uint32_t>(m_config.maxConnections); }
// clang-format on

void
LhpProtocol::ApplyConfig()
{
    if (m_endpoint)
    {
        m_endpoint->SetConfig(m_config);
    }
}

resoa::LhpConfig
LhpProtocol::GetConfig() const
{
    return m_config.link;
}

resoa::LhpEndpointConfig
LhpProtocol::GetEndpointConfig() const
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
    Ptr<NetDeviceQueueInterface> ndqi = device->GetObject<NetDeviceQueueInterface>();
    if (ndqi && ndqi->GetNTxQueues() > 0)
    {
        // LHP frames carry no priority: Wi-Fi puts them on AC_BE, tx queue 0.
        m_txQueue = ndqi->GetTxQueue(0);
    }
    if (Ptr<WifiNetDevice> wifi = DynamicCast<WifiNetDevice>(device))
    {
        Ptr<WifiMac> mac = wifi->GetMac();
        m_macQueue = mac ? mac->GetTxopQueue(mac->GetQosSupported() ? AC_BE : AC_BE_NQOS) : nullptr;
        if (m_macQueue)
        {
            m_macQueue->TraceConnectWithoutContext(
                "Dequeue", MakeCallback(&LhpProtocol::OnMacQueueLeft, this));
            m_macQueue->TraceConnectWithoutContext(
                "Expired", MakeCallback(&LhpProtocol::OnMacQueueLeft, this));
        }
    }
    device->GetNode()->RegisterProtocolHandler(
        MakeCallback(&LhpProtocol::ReceiveFromDevice, this), resoa::kLhpEtherType, device);
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
LhpProtocol::ToHandle(resoa::LhpHandle h)
{
    NS_ABORT_MSG_IF(h > std::numeric_limits<Handle>::max(), "LHP handles exhausted");
    return static_cast<Handle>(h);
}

resoa::LhpPeerAddress
LhpProtocol::ToPeer(const Mac48Address& mac)
{
    uint8_t bytes[6];
    mac.CopyTo(bytes);
    return resoa::LhpPeerAddress(bytes, sizeof(bytes));
}

Mac48Address
LhpProtocol::ToMac(const resoa::LhpPeerAddress& peer)
{
    Mac48Address mac;
    mac.CopyFrom(peer.Data());
    return mac;
}

// ---------------------------------------------------------------------------------------------
// Application side

LhpProtocol::Handle
LhpProtocol::Connect(const Address& peer)
{
    NS_LOG_FUNCTION(this << peer);
    NS_ASSERT_MSG(m_device, "LhpProtocol::Connect before SetDevice");
    resoa::LhpHandle h = m_endpoint->Connect(ToPeer(Mac48Address::ConvertFrom(peer)), Now());
    Pump();
    return ToHandle(h);
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
    bool ok = m_endpoint->Send(h, channel, std::move(sdu), Now());
    if (ok)
    {
        Pump();
    }
    return ok;
}

uint32_t
LhpProtocol::GetSendSpace(Handle h, resoa::LhpChannel channel) const
{
    return static_cast<uint32_t>(m_endpoint->SendSpace(h, channel));
}

void
LhpProtocol::Close(Handle h)
{
    NS_LOG_FUNCTION(this << h);
    m_endpoint->Close(h, Now());
    Pump();
}

void
LhpProtocol::Crash()
{
    NS_LOG_FUNCTION(this);
    m_endpoint->Crash(); // its queues too: a running pump finds nothing more to report
    m_traced.clear();
    m_blocked = nullptr;
    m_waitingForDevice = false;
    m_retryEvent.Cancel();
    m_resumeEvent.Cancel();
    m_timer.Cancel();
}

void
LhpProtocol::SetReceiveImpairment(Ptr<FrameImpairment> impairment)
{
    m_impairment = impairment;
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

void
LhpProtocol::SetAdmissionCallback(AdmissionCallback cb)
{
    m_admissionCb = cb;
    if (cb.IsNull())
    {
        m_endpoint->SetAdmissionHook({});
        return;
    }
    m_endpoint->SetAdmissionHook([this](const resoa::LhpPeerAddress& peer)
                                 { return m_admissionCb(Address(ToMac(peer))); });
}

const resoa::LhpLink*
LhpProtocol::GetLink(Handle h) const
{
    return m_endpoint->GetLink(h);
}

Address
LhpProtocol::GetPeer(Handle h) const
{
    std::optional<resoa::LhpPeerAddress> peer = m_endpoint->GetPeer(h);
    return peer ? Address(ToMac(*peer)) : Address();
}

resoa::LhpStats
LhpProtocol::GetTotalStats() const
{
    return m_endpoint->GetTotalStats();
}

resoa::LhpEndpointStats
LhpProtocol::GetEndpointStats() const
{
    return m_endpoint->GetStats();
}

const resoa::LhpEndpoint&
LhpProtocol::GetEndpoint() const
{
    return *m_endpoint;
}

uint64_t
LhpProtocol::GetDeviceStalls() const
{
    return m_deviceStalls;
}

uint32_t
LhpProtocol::GetAppliedMacTransmissions() const
{
    return m_macTransmissions;
}

// ---------------------------------------------------------------------------------------------
// Driver loop

void
LhpProtocol::ReceiveFromDevice(Ptr<NetDevice> device,
                               Ptr<const Packet> packet,
                               uint16_t protocol,
                               const Address& from,
                               const Address& to,
                               NetDevice::PacketType packetType)
{
    Mac48Address mac = Mac48Address::ConvertFrom(from);
    if (!m_impairment)
    {
        ReceiveFrame(packet, mac);
        return;
    }
    for (const Time& delay : m_impairment->Deliveries())
    {
        if (delay.IsZero())
        {
            ReceiveFrame(packet, mac);
        }
        else
        {
            // The Ptr keeps this object alive until the held-back frame is handed over.
            Simulator::Schedule(
                delay, &LhpProtocol::ReceiveFrame, Ptr<LhpProtocol>(this), packet, mac);
        }
    }
}

void
LhpProtocol::ReceiveFrame(Ptr<const Packet> packet, Mac48Address mac)
{
    if (!m_device)
    {
        return; // disposed while a held-back frame was waiting
    }
    std::vector<uint8_t> bytes(packet->GetSize());
    packet->CopyData(bytes.data(), bytes.size());
    resoa::LhpRxResult r = m_endpoint->Receive(ToPeer(mac), bytes.data(), bytes.size(), Now());
    switch (r.outcome)
    {
        case resoa::LhpRxOutcome::Accepted:
            NS_LOG_INFO("accepted an LHP connection from " << mac << " as " << r.handle);
            m_rxTrace(packet, ToHandle(r.handle));
            break;
        case resoa::LhpRxOutcome::ToLink:
            m_rxTrace(packet, ToHandle(r.handle));
            break;
        case resoa::LhpRxOutcome::Malformed:
            NS_LOG_WARN("malformed LHP frame from " << mac << ": " << resoa::ToString(r.error));
            m_dropTrace(packet, std::string("malformed: ") + resoa::ToString(r.error));
            break;
        case resoa::LhpRxOutcome::StatelessCloseReply:
            NS_LOG_LOGIC("Close for a retired connection from " << mac << ": answered");
            break;
        case resoa::LhpRxOutcome::RestartChallenged:
            NS_LOG_INFO("Connect with a new nonce from " << mac << " for live connection "
                                                         << r.handle << ": challenged");
            m_dropTrace(packet, resoa::ToString(r.outcome));
            break;
        case resoa::LhpRxOutcome::UnknownConnection:
        case resoa::LhpRxOutcome::AdmissionRefused:
        case resoa::LhpRxOutcome::BadConnect:
            NS_LOG_LOGIC("LHP frame from " << mac << " dropped: " << resoa::ToString(r.outcome));
            m_dropTrace(packet, resoa::ToString(r.outcome));
            break;
    }
    Pump();
}

void
LhpProtocol::Pump()
{
    if (m_pumping)
    {
        // Called from a callback or trace we are running: the loop goes round once more.
        m_pumpAgain = true;
        return;
    }
    m_pumping = true;
    do
    {
        m_pumpAgain = false;
        DeliverUp();
        Transmit();
    } while (m_pumpAgain);
    m_pumping = false;
    ApplyMacTransmissions();
    ArmTimer();
    FireTraces();
}

void
LhpProtocol::DeliverUp()
{
    // Each item is a value taken out of the endpoint: a callback may call anything here,
    // Crash included (which empties the endpoint's queues), and nothing dangles.
    for (;;)
    {
        if (std::optional<resoa::LhpEndpointDelivery> d = m_endpoint->PollDelivery())
        {
            if (!m_receiveCb.IsNull())
            {
                m_receiveCb(ToHandle(d->handle),
                            d->channel,
                            Create<Packet>(d->data.data(), d->data.size()));
            }
            continue;
        }
        if (std::optional<resoa::LhpEndpointEvent> e = m_endpoint->PollEvent())
        {
            OnEvent(*e);
            continue;
        }
        break;
    }
}

void
LhpProtocol::OnEvent(const resoa::LhpEndpointEvent& e)
{
    using Kind = resoa::LhpEndpointEvent::Kind;
    Handle h = ToHandle(e.handle);
    Address peer(ToMac(e.peer));
    switch (e.kind)
    {
        case Kind::Up:
            if (!m_connectionCb.IsNull())
            {
                m_connectionCb(h, CONNECTION_UP, peer);
            }
            break;
        case Kind::Closed:
        case Kind::Dead:
        {
            bool dead = e.kind == Kind::Dead;
            NS_LOG_INFO("LHP connection " << h << " to " << peer << (dead ? " died" : " closed"));
            // The final state change: a dead link is gone already, a closed one may be reaped
            // before the traces run again.
            auto it = m_traced.find(h);
            if (it != m_traced.end())
            {
                resoa::LhpState now = dead ? resoa::LhpState::Dead : resoa::LhpState::Closed;
                resoa::LhpState old = it->second.state;
                it->second.state = now;
                if (dead)
                {
                    m_traced.erase(it);
                }
                if (old != now)
                {
                    m_linkStateTrace(h, old, now);
                }
            }
            if (dead)
            {
                m_linkDownTrace(h, peer);
            }
            if (!m_connectionCb.IsNull())
            {
                m_connectionCb(h, dead ? CONNECTION_DEAD : CONNECTION_CLOSED, peer);
            }
            break;
        }
        case Kind::SemiReliableDrop:
            m_dropTrace(nullptr, "semi-reliable sdu given up");
            break;
        case Kind::SendSpace:
            if (!m_sendSpaceCb.IsNull())
            {
                m_sendSpaceCb(h);
            }
            break;
    }
}

void
LhpProtocol::Transmit()
{
    if (!m_device || m_waitingForDevice)
    {
        return;
    }
    if (m_blocked)
    {
        // Send a copy: a device that refuses a frame may already have added its header.
        if (!m_device->Send(m_blocked->Copy(), m_blockedTo, resoa::kLhpEtherType))
        {
            WaitForDevice();
            return;
        }
        m_blocked = nullptr;
    }
    resoa::TimePoint now = Now();
    resoa::LhpPeerAddress to;
    resoa::LhpTxInfo info;
    for (;;)
    {
        if (MacQueueFull())
        {
            m_waitingForMac = true; // OnMacQueueLeft polls again
            return;
        }
        if (m_txQueue && m_txQueue->IsStopped())
        {
            // The device queue is full: leave frames in LHP, where acks stay current and a
            // retransmission is not stuck behind a deep queue.
            m_deviceStalls++;
            WaitForDevice();
            return;
        }
        if (!m_endpoint->PollTransmit(now, to, m_txBuffer, &info))
        {
            return;
        }
        Ptr<Packet> p = Create<Packet>(m_txBuffer.data(), m_txBuffer.size());
        Handle h = ToHandle(info.handle);
        m_txTrace(p, h);
        if (info.retransmission)
        {
            m_retransmitTrace(p, h);
        }
        Mac48Address mac = ToMac(to);
        if (m_macQueue && m_deviceQueueLimit > 0)
        {
            m_inMacQueue.insert(p->GetUid()); // the copy below keeps the uid
        }
        if (!m_device->Send(p->Copy(), mac, resoa::kLhpEtherType))
        {
            m_inMacQueue.erase(p->GetUid());
            // Refused: keep the frame and offer it again first. Dropping it would only make
            // LHP retransmit it later, with a backed-off timer.
            m_deviceStalls++;
            m_blocked = p;
            m_blockedTo = mac;
            WaitForDevice();
            return;
        }
    }
}

void
LhpProtocol::ApplyMacTransmissions()
{
    uint32_t n = m_endpoint->GetMacTransmissions();
    if (n == 0 || n == m_macTransmissions || !m_device)
    {
        return;
    }
    Ptr<WifiNetDevice> wifi = DynamicCast<WifiNetDevice>(m_device);
    if (!wifi)
    {
        return;
    }
    // Per device: ns-3 3.37 has one retry limit per station manager, for all its peers.
    for (const auto& manager : wifi->GetRemoteStationManagers())
    {
        manager->SetMaxSsrc(n);
        manager->SetMaxSlrc(n);
    }
    NS_LOG_INFO("MAC transmissions per frame " << m_macTransmissions << " -> " << n);
    m_macTransmissions = n;
}

bool
LhpProtocol::MacQueueFull()
{
    if (!m_macQueue || m_deviceQueueLimit == 0)
    {
        return false;
    }
    if (m_macQueue->GetNPackets() == 0)
    {
        m_inMacQueue.clear(); // none of ours can be left (a flush we heard nothing of)
    }
    // Per connection: the limit keeps each link's own window out of the FIFO so that its
    // retransmissions and acks do not queue behind it. A total of DeviceQueueLimit would let
    // a server with 100 stations hand its MAC one ack per station per second (measured: 110
    // frames/s, 4.8 Mbit/s in all); 2 per link gave 500 frames/s and 17.4 Mbit/s.
    const std::size_t links = std::max<std::size_t>(1, m_endpoint->GetLinkCount());
    return m_inMacQueue.size() >= m_deviceQueueLimit * links;
}

void
LhpProtocol::OnMacQueueLeft(Ptr<const WifiMpdu> mpdu)
{
    if (m_inMacQueue.erase(mpdu->GetPacket()->GetUid()) == 0 || !m_waitingForMac)
    {
        return;
    }
    // Called from inside the MAC: poll in an event of our own.
    m_waitingForMac = false;
    m_macEvent = Simulator::ScheduleNow(&LhpProtocol::Pump, this);
}

void
LhpProtocol::WaitForDevice()
{
    m_waitingForDevice = true;
    if (m_txQueue && m_txQueue->IsStopped())
    {
        if (!m_wakeInstalled)
        {
            // Installed when first needed, i.e. after traffic control scanned the devices at
            // initialisation and set its own wake: chain it, so its queue disc still runs.
            Ptr<TrafficControlLayer> tc = m_device->GetNode()->GetObject<TrafficControlLayer>();
            Ptr<QueueDisc> root = tc ? tc->GetRootQueueDiscOnDevice(m_device) : nullptr;
            if (root && root->GetWakeMode() == QueueDisc::WAKE_CHILD &&
                root->GetNQueueDiscClasses() > 0)
            {
                root = root->GetQueueDiscClass(0)->GetQueueDisc();
            }
            m_wakeChain = root;
            m_txQueue->SetWakeCallback(MakeCallback(&LhpProtocol::OnDeviceWake, this));
            m_wakeInstalled = true;
        }
        return;
    }
    // No queue interface, or a refusal without a stopped queue (no wake will come): retry.
    if (!m_retryEvent.IsRunning())
    {
        m_retryEvent = Simulator::Schedule(m_queueRetry, &LhpProtocol::OnDeviceReady, this);
    }
}

void
LhpProtocol::OnDeviceWake()
{
    if (m_wakeChain)
    {
        m_wakeChain->Run();
    }
    // Called from inside the device: resume in an event of our own.
    if (m_waitingForDevice && !m_resumeEvent.IsRunning())
    {
        m_resumeEvent = Simulator::ScheduleNow(&LhpProtocol::OnDeviceReady, this);
    }
}

void
LhpProtocol::OnDeviceReady()
{
    m_waitingForDevice = false;
    Pump();
}

void
LhpProtocol::ArmTimer()
{
    std::optional<resoa::TimePoint> deadline = m_endpoint->NextDeadline();
    if (!deadline)
    {
        m_timer.Cancel();
        return;
    }
    Time at = ToTime(*deadline);
    if (m_timer.IsRunning() && at == m_timerAt)
    {
        return;
    }
    m_timer.Cancel();
    Time delay = at > Simulator::Now() ? at - Simulator::Now() : Time(0);
    m_timer = Simulator::Schedule(delay, &LhpProtocol::OnTimer, this);
    m_timerAt = at;
}

void
LhpProtocol::OnTimer()
{
    m_endpoint->HandleDeadline(Now());
    Pump();
}

bool
LhpProtocol::AnyStateTraceConnected() const
{
    return !m_linkStateTrace.IsEmpty() || !m_rtoTrace.IsEmpty() || !m_srttTrace.IsEmpty() ||
           !m_framesInFlightTrace.IsEmpty() || !m_bytesInFlightTrace.IsEmpty() ||
           !m_sendWindowTrace.IsEmpty();
}

void
LhpProtocol::FireTraces()
{
    if (!AnyStateTraceConnected())
    {
        m_traced.clear();
        return;
    }
    // Read everything first, fire afterwards: a sink may call back into this object.
    std::vector<std::pair<Handle, TracedState>> current;
    m_endpoint->ForEachLink(
        [&current](resoa::LhpHandle h, const resoa::LhpPeerAddress&, const resoa::LhpLink& l)
        {
            TracedState t;
            t.state = l.GetState();
            t.rto = ToTime(l.GetRto());
            t.srtt = ToTime(l.GetSrtt().value_or(resoa::Duration{0}));
            t.framesInFlight = static_cast<uint32_t>(l.GetFramesInFlight());
            t.bytesInFlight = static_cast<uint32_t>(l.GetBytesInFlight());
            t.sendWindow = l.GetSendWindow(resoa::LhpChannel::Reliable);
            current.emplace_back(ToHandle(h), t);
        });
    std::map<Handle, TracedState> next;
    for (const auto& [h, t] : current)
    {
        next.emplace(h, t);
    }
    std::map<Handle, TracedState> previous;
    previous.swap(m_traced);
    m_traced = next;
    for (const auto& [h, t] : current)
    {
        auto it = previous.find(h);
        TracedState old = it == previous.end() ? TracedState{} : it->second;
        if (old.state != t.state)
        {
            m_linkStateTrace(h, old.state, t.state);
        }
        if (old.rto != t.rto)
        {
            m_rtoTrace(h, old.rto, t.rto);
        }
        if (old.srtt != t.srtt)
        {
            m_srttTrace(h, old.srtt, t.srtt);
        }
        if (old.framesInFlight != t.framesInFlight)
        {
            m_framesInFlightTrace(h, old.framesInFlight, t.framesInFlight);
        }
        if (old.bytesInFlight != t.bytesInFlight)
        {
            m_bytesInFlightTrace(h, old.bytesInFlight, t.bytesInFlight);
        }
        if (old.sendWindow != t.sendWindow)
        {
            m_sendWindowTrace(h, old.sendWindow, t.sendWindow);
        }
    }
}

} // namespace ns3
