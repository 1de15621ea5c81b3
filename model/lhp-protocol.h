/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_LHP_PROTOCOL_H
#define RESOA_LHP_PROTOCOL_H

#include "ns3/address.h"
#include "ns3/callback.h"
#include "ns3/event-id.h"
#include "ns3/frame-impairment.h"
#include "ns3/lhp-endpoint.h"
#include "ns3/lhp-link.h"
#include "ns3/mac48-address.h"
#include "ns3/net-device.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ns3
{

class NetDeviceQueue;
class QueueDisc;
class WifiMacQueue;
class WifiMpdu;

/**
 * \ingroup resoa
 * \brief The Last Hop Protocol bound to one NetDevice: the ns-3 driver of resoa::LhpEndpoint.
 *
 * Frames travel straight over the link with EtherType 0x88B5, no IP on either node. All
 * protocol logic (demultiplexing, accept, admission caps, the restart policy, linger and the
 * stateless Close reply, and each connection's selective-repeat ARQ) lives in the sans-I/O
 * resoa::LhpEndpoint, shared with the Linux daemons. This class is only its driver:
 *  - it converts Mac48Address <-> resoa::LhpPeerAddress and feeds every received frame to the
 *    endpoint;
 *  - it drains PollTransmit into NetDevice::Send while the device takes frames. A frame the
 *    device refuses is kept and offered again, never dropped. When the device has a
 *    NetDeviceQueueInterface, polling stops while its tx queue 0 is stopped and resumes from
 *    the queue's wake callback (installed when first needed, chaining a traffic-control
 *    queue disc's wake if the device has one). Without a queue interface, or if the device
 *    refuses a frame without stopping its queue, a short timer offers the frame again;
 *  - it drains PollDelivery/PollEvent into the receive, connection and send-space callbacks,
 *    holding no reference into the endpoint across them, so a callback may call any method
 *    (Send, Close, Connect, even Crash);
 *  - it arms ONE simulator timer at the endpoint's next deadline;
 *  - on a WifiNetDevice it applies the endpoint's MAC transmission advice (MacRetryControl)
 *    as the remote station managers' MaxSsrc and MaxSlrc, once per change;
 *  - on a WifiNetDevice it keeps at most DeviceQueueLimit of its frames per live connection
 *    in the MAC queue (counted from NetDevice::Send to the queue's Dequeue/Expired trace) and
 *    polls again when one leaves. Drained into the 500-frame MAC queue, a whole window waits
 *    there: every retransmission and ack queues behind it and the RTT is mostly queueing;
 *    with a hole at the window's base the sender then stalls (measured at 30 % loss, 1 MAC
 *    transmission: SRTT 7.4 ms, the window always full, 0.39 of the UDP limit). Default 2;
 *    1, 2 and 3 measured alike (30 % loss: 17.0 ± 1.5, 16.5 ± 0.4, 16.7 ± 0.7 Mbit/s). Per
 *    connection, because a server's links share one MAC queue: with 2 in all, an AP serving
 *    100 uploading stations acked each about once a second (4.8 Mbit/s; 17.4 with 2 per link).
 *
 * A client calls Connect(peer MAC); a server sets AcceptIncoming and hears about new
 * connections through the connection callback. Connections are named by a local handle,
 * never reused.
 *
 * Traces. Tx, Rx, Retransmission, Drop and LinkDown as before. Per connection, in the style
 * of TcpSocketBase's TracedValues (old value, new value), fired after each pump when the
 * value changed, and only while some sink is connected:
 *  - LinkState (handle, old, new resoa::LhpState)
 *  - Rto, Srtt (handle, old, new Time; Srtt is 0 before the first sample)
 *  - FramesInFlight, BytesInFlight (handle, old, new uint32_t; both channels)
 *  - SendWindow (handle, old, new uint32_t): frames the reliable channel may have in flight,
 *    min(window, the peer's advertised window, 33)
 * A connection's first report has old = Idle / 0.
 */
class LhpProtocol : public Object
{
  public:
    /// Local name of one LHP connection on this protocol instance (never reused).
    typedef uint32_t Handle;

    /// What happened to a connection, for the connection callback.
    enum ConnectionEvent
    {
        CONNECTION_UP,     //!< handshake finished (client) or a new peer connected (server)
        CONNECTION_CLOSED, //!< orderly close finished
        CONNECTION_DEAD,   //!< connect failed, the peer fell silent for DeadTimeout, or the
                           //!< peer restarted (a new Connect then arrives as a new connection)
    };

    /// Delivered SDU: handle, channel, data (payload only).
    typedef Callback<void, Handle, resoa::LhpChannel, Ptr<Packet>> ReceiveCallback;
    /// Connection state change: handle, event, peer address.
    typedef Callback<void, Handle, ConnectionEvent, const Address&> ConnectionCallback;
    /// Send space opened on a connection after Send had been refused or a frame acked.
    typedef Callback<void, Handle> SendSpaceCallback;
    /// Admission hook: false refuses a Connect from this peer (see resoa::LhpEndpoint).
    typedef Callback<bool, const Address&> AdmissionCallback;

    /// Trace signature of Tx, Rx and Retransmission: the frame and its connection (0 for a
    /// stateless Close|Response).
    typedef void (*FrameTracedCallback)(Ptr<const Packet> frame, Handle h);
    /// Trace signature of Drop: the frame (may be null) and why.
    typedef void (*DropTracedCallback)(Ptr<const Packet> frame, std::string reason);
    /// Trace signature of LinkDown: the connection and its peer.
    typedef void (*LinkDownTracedCallback)(Handle h, Address peer);
    /// Trace signature of LinkState: the connection, its old and new state.
    typedef void (*LinkStateTracedCallback)(Handle h,
                                            resoa::LhpState oldState,
                                            resoa::LhpState newState);
    /// Trace signature of Rto and Srtt: the connection, old and new value.
    typedef void (*TimeTracedCallback)(Handle h, Time oldValue, Time newValue);
    /// Trace signature of FramesInFlight, BytesInFlight and SendWindow.
    typedef void (*CountTracedCallback)(Handle h, uint32_t oldValue, uint32_t newValue);

    static TypeId GetTypeId();
    LhpProtocol();
    ~LhpProtocol() override;

    /// Binds to `device` (registers the 0x88B5 handler on its node).
    void SetDevice(Ptr<NetDevice> device);
    Ptr<NetDevice> GetDevice() const;

    /// Opens a connection to the LHP peer at `peer` (a Mac48Address). Returns its handle
    /// (0 only if no unused connection id could be drawn).
    Handle Connect(const Address& peer);
    /// Queues an SDU (at most MaxPayload bytes). False if refused (see resoa::LhpLink::Send).
    bool Send(Handle h, resoa::LhpChannel channel, Ptr<const Packet> sdu);
    /// Raw-bytes variant used by the EP drivers.
    bool Send(Handle h, resoa::LhpChannel channel, std::vector<uint8_t> sdu);
    /// SDUs the connection would still accept on `channel`.
    uint32_t GetSendSpace(Handle h, resoa::LhpChannel channel) const;
    /// Orderly close once queued reliable data has been acknowledged.
    void Close(Handle h);
    /// Drops every connection at once, as a crash would: no frame is sent, nothing reported.
    void Crash();

    void SetReceiveCallback(ReceiveCallback cb);
    /**
     * Passes every received frame through `impairment` (duplication, reordering) before the
     * protocol sees it; null removes it. For robustness tests: 802.11 itself does neither.
     */
    void SetReceiveImpairment(Ptr<FrameImpairment> impairment);
    void SetConnectionCallback(ConnectionCallback cb);
    void SetSendSpaceCallback(SendSpaceCallback cb);
    /// Installs an admission hook for incoming Connects (null callback: admit all that pass
    /// the caps).
    void SetAdmissionCallback(AdmissionCallback cb);

    /// State, counters and timers of one connection (nullptr if unknown or reaped).
    const resoa::LhpLink* GetLink(Handle h) const;
    /// Peer address of a connection.
    Address GetPeer(Handle h) const;
    /// Sum of every connection's counters (live and finished).
    resoa::LhpStats GetTotalStats() const;
    /// Counters of the endpoint: bad frames, unknown connections, refused admissions, ...
    resoa::LhpEndpointStats GetEndpointStats() const;
    /// The sans-I/O endpoint this driver runs (inspection).
    const resoa::LhpEndpoint& GetEndpoint() const;
    /// The configuration the attributes describe.
    resoa::LhpConfig GetConfig() const;
    /// ... including the endpoint's own knobs.
    resoa::LhpEndpointConfig GetEndpointConfig() const;
    /// Times the device refused a frame or stopped its queue while LHP had frames to send.
    uint64_t GetDeviceStalls() const;
    /// MAC transmissions per frame last applied to the device (MacRetryControl); 0 = none.
    uint32_t GetAppliedMacTransmissions() const;

    /**
     * Assign a fixed random variable stream number to the random variables used by this
     * model (connection ids and nonces).
     * \return the number of streams assigned
     */
    int64_t AssignStreams(int64_t stream);

  protected:
    void DoDispose() override;

  private:
    // Attribute accessors, one per field of resoa::LhpEndpointConfig / LhpConfig.
    void SetMaxPayload(uint16_t v);
    uint16_t GetMaxPayload() const;
    void SetWindow(uint16_t v);
    uint16_t GetWindow() const;
    void SetSendBufferSdus(uint32_t v);
    uint32_t GetSendBufferSdus() const;
    void SetInitialRto(Time v);
    Time GetInitialRto() const;
    void SetMinRto(Time v);
    Time GetMinRto() const;
    void SetMaxRto(Time v);
    Time GetMaxRto() const;
    void SetAckEveryFrames(uint32_t v);
    uint32_t GetAckEveryFrames() const;
    void SetAckDelay(Time v);
    Time GetAckDelay() const;
    void SetAdaptiveAcks(bool v);
    bool GetAdaptiveAcks() const;
    void SetGapAckEveryFrames(uint32_t v);
    uint32_t GetGapAckEveryFrames() const;
    void SetLossTolerantRto(bool v);
    bool GetLossTolerantRto() const;
    void SetStallProbe(bool v);
    bool GetStallProbe() const;
    void SetStallProbesUnanswered(uint32_t v);
    uint32_t GetStallProbesUnanswered() const;
    void SetMacRetryControl(bool v);
    bool GetMacRetryControl() const;
    void SetMacTransmissionsMax(uint32_t v);
    uint32_t GetMacTransmissionsMax() const;
    void SetMacResidualLoss(double v);
    double GetMacResidualLoss() const;
    void SetSemiReliableRetries(uint32_t v);
    uint32_t GetSemiReliableRetries() const;
    void SetSemiReliableDeadline(Time v);
    Time GetSemiReliableDeadline() const;
    void SetAdaptiveDeadline(bool v);
    bool GetAdaptiveDeadline() const;
    void SetConnectRetries(uint32_t v);
    uint32_t GetConnectRetries() const;
    void SetKeepaliveInterval(Time v);
    Time GetKeepaliveInterval() const;
    void SetKeepaliveRetry(Time v);
    Time GetKeepaliveRetry() const;
    void SetDeadTimeout(Time v);
    Time GetDeadTimeout() const;
    void SetMaxRetransmissions(uint32_t v);
    uint32_t GetMaxRetransmissions() const;
    void SetAcceptIncoming(bool v);
    bool GetAcceptIncoming() const;
    void SetLinger(Time v);
    Time GetLinger() const;
    void SetRestartChallenge(Time v);
    Time GetRestartChallenge() const;
    void SetMaxConnectionsPerPeer(uint32_t v);
    uint32_t GetMaxConnectionsPerPeer() const;
    void SetMaxConnections(uint32_t v);
    uint32_t GetMaxConnections() const;
    /// The MAC queue was left by an MPDU (sent, dropped or expired).
    void OnMacQueueLeft(Ptr<const WifiMpdu> mpdu);
    /// Our frames still in the MAC queue reached DeviceQueueLimit.
    bool MacQueueFull();
    /// Applies the endpoint's MAC transmission advice to a WifiNetDevice (I/O only).
    void ApplyMacTransmissions();
    /// Hands m_config to the endpoint after an attribute changed.
    void ApplyConfig();

    /// Last values reported by the per-connection traces.
    struct TracedState
    {
        resoa::LhpState state = resoa::LhpState::Idle;
        Time rto;
        Time srtt;
        uint32_t framesInFlight = 0;
        uint32_t bytesInFlight = 0;
        uint32_t sendWindow = 0;
    };

    void ReceiveFromDevice(Ptr<NetDevice> device,
                           Ptr<const Packet> packet,
                           uint16_t protocol,
                           const Address& from,
                           const Address& to,
                           NetDevice::PacketType packetType);
    /// One received frame into the endpoint (after the impairment, if any).
    void ReceiveFrame(Ptr<const Packet> packet, Mac48Address from);
    /// The driver loop: deliveries and events up, frames down, until nothing changes; then
    /// traces and the timer. Re-entrant calls only ask the running loop for another round.
    void Pump();
    void DeliverUp();
    void OnEvent(const resoa::LhpEndpointEvent& e);
    void Transmit();
    /// The device cannot take a frame now: wait for its wake callback or a retry timer.
    void WaitForDevice();
    void OnDeviceWake();
    void OnDeviceReady();
    void ArmTimer();
    void OnTimer();
    void FireTraces();
    bool AnyStateTraceConnected() const;
    static Handle ToHandle(resoa::LhpHandle h);
    static resoa::LhpPeerAddress ToPeer(const Mac48Address& mac);
    static Mac48Address ToMac(const resoa::LhpPeerAddress& peer);
    static resoa::TimePoint Now();

    Ptr<NetDevice> m_device;
    resoa::LhpEndpointConfig m_config;
    Ptr<UniformRandomVariable> m_rng;
    std::unique_ptr<resoa::LhpEndpoint> m_endpoint;
    EventId m_timer;
    Time m_timerAt;
    bool m_pumping;
    bool m_pumpAgain;
    std::vector<uint8_t> m_txBuffer;

    // Device flow control.
    Ptr<Packet> m_blocked; //!< a frame the device refused, offered again first
    Mac48Address m_blockedTo;
    Ptr<NetDeviceQueue> m_txQueue; //!< the device's tx queue 0, if it has an interface
    Ptr<QueueDisc> m_wakeChain;    //!< traffic control's queue disc woken with us
    bool m_wakeInstalled;
    bool m_waitingForDevice;
    EventId m_resumeEvent;
    EventId m_retryEvent;
    Time m_queueRetry; //!< fallback: how soon to offer a refused frame again
    uint64_t m_deviceStalls;
    // Pacing into a Wi-Fi MAC queue (DeviceQueueLimit).
    uint32_t m_deviceQueueLimit;
    Ptr<WifiMacQueue> m_macQueue;    //!< the queue LHP frames go through (AC_BE / DCF)
    std::set<uint64_t> m_inMacQueue; //!< uids of our frames not yet out of it
    bool m_waitingForMac;
    EventId m_macEvent;          //!< the poll after our frame left the MAC queue
    uint32_t m_macTransmissions; //!< MaxSsrc/MaxSlrc last applied (0: none yet)

    Ptr<FrameImpairment> m_impairment; //!< duplicates or reorders received frames (tests)

    ReceiveCallback m_receiveCb;
    ConnectionCallback m_connectionCb;
    SendSpaceCallback m_sendSpaceCb;
    AdmissionCallback m_admissionCb;

    std::map<Handle, TracedState> m_traced;

    TracedCallback<Ptr<const Packet>, Handle> m_txTrace;
    TracedCallback<Ptr<const Packet>, Handle> m_rxTrace;
    TracedCallback<Ptr<const Packet>, Handle> m_retransmitTrace;
    TracedCallback<Ptr<const Packet>, std::string> m_dropTrace;
    TracedCallback<Handle, Address> m_linkDownTrace;
    TracedCallback<Handle, resoa::LhpState, resoa::LhpState> m_linkStateTrace;
    TracedCallback<Handle, Time, Time> m_rtoTrace;
    TracedCallback<Handle, Time, Time> m_srttTrace;
    TracedCallback<Handle, uint32_t, uint32_t> m_framesInFlightTrace;
    TracedCallback<Handle, uint32_t, uint32_t> m_bytesInFlightTrace;
    TracedCallback<Handle, uint32_t, uint32_t> m_sendWindowTrace;
};

} // namespace ns3

#endif // RESOA_LHP_PROTOCOL_H
