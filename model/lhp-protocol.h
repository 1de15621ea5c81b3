/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_LHP_PROTOCOL_H
#define RESOA_LHP_PROTOCOL_H

#include "ns3/lhp-link.h"

#include "ns3/address.h"
#include "ns3/callback.h"
#include "ns3/event-id.h"
#include "ns3/mac48-address.h"
#include "ns3/net-device.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ns3
{

class Node;

/**
 * \ingroup resoa
 * \brief The Last Hop Protocol bound to one NetDevice: the ns-3 driver of resoa::LhpLink.
 *
 * Frames travel straight over the link with EtherType 0x88B5, no IP on either node. Each
 * connection is a resoa::LhpLink (selective-repeat ARQ, sans-I/O); this class feeds it received
 * frames and the simulation time, sends what it polls with NetDevice::Send, and arms one
 * timer per connection at the link's next deadline.
 *
 * A client calls Connect(peer MAC); a server sets AcceptIncoming and hears about new
 * connections through the connection callback. Connections are named by a local handle.
 */
class LhpProtocol : public Object
{
  public:
    /// Local name of one LHP connection on this protocol instance.
    typedef uint32_t Handle;

    /// What happened to a connection, for the connection callback.
    enum ConnectionEvent
    {
        CONNECTION_UP,     //!< handshake finished (client) or a new peer connected (server)
        CONNECTION_CLOSED, //!< orderly close finished
        CONNECTION_DEAD,   //!< connect failed, or the peer fell silent for DeadTimeout
    };

    /// Delivered SDU: handle, channel, data (payload only).
    typedef Callback<void, Handle, resoa::LhpChannel, Ptr<Packet>> ReceiveCallback;
    /// Connection state change: handle, event, peer address.
    typedef Callback<void, Handle, ConnectionEvent, const Address&> ConnectionCallback;
    /// Send space opened on a connection after Send had been refused or a frame acked.
    typedef Callback<void, Handle> SendSpaceCallback;

    /// Trace signature of Tx, Rx and Retransmission: the frame and its connection.
    typedef void (*FrameTracedCallback)(Ptr<const Packet> frame, Handle h);
    /// Trace signature of Drop: the frame (may be null) and why.
    typedef void (*DropTracedCallback)(Ptr<const Packet> frame, std::string reason);
    /// Trace signature of LinkDown: the connection and its peer.
    typedef void (*LinkDownTracedCallback)(Handle h, Address peer);

    static TypeId GetTypeId();
    LhpProtocol();
    ~LhpProtocol() override;

    /// Binds to `device` (registers the 0x88B5 handler on its node).
    void SetDevice(Ptr<NetDevice> device);
    Ptr<NetDevice> GetDevice() const;

    /// Opens a connection to the LHP peer at `peer` (a Mac48Address). Returns its handle.
    Handle Connect(const Address& peer);
    /// Queues an SDU (at most MaxPayload bytes). False if refused (see resoa::LhpLink::Send).
    bool Send(Handle h, resoa::LhpChannel channel, Ptr<const Packet> sdu);
    /// Raw-bytes variant used by the EP drivers.
    bool Send(Handle h, resoa::LhpChannel channel, std::vector<uint8_t> sdu);
    /// SDUs the connection would still accept on `channel`.
    uint32_t GetSendSpace(Handle h, resoa::LhpChannel channel) const;
    /// Orderly close once queued reliable data has been acknowledged.
    void Close(Handle h);
    /// Drops every connection at once, as a crash would: no frame is sent.
    void Crash();

    void SetReceiveCallback(ReceiveCallback cb);
    void SetConnectionCallback(ConnectionCallback cb);
    void SetSendSpaceCallback(SendSpaceCallback cb);

    /// State, counters and timers of one connection (nullptr if unknown).
    const resoa::LhpLink* GetLink(Handle h) const;
    /// Peer address of a connection.
    Address GetPeer(Handle h) const;
    /// Sum of every connection's counters (live and finished).
    resoa::LhpStats GetTotalStats() const;
    /// The configuration the attributes describe.
    resoa::LhpConfig GetConfig() const;

    /**
     * Assign a fixed random variable stream number to the random variables used by this
     * model (connection ids and nonces).
     * \return the number of streams assigned
     */
    int64_t AssignStreams(int64_t stream);

  protected:
    void DoDispose() override;

  private:
    // Attribute accessors, one per resoa::LhpConfig field.
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
    void SetSemiReliableRetries(uint32_t v);
    uint32_t GetSemiReliableRetries() const;
    void SetSemiReliableDeadline(Time v);
    Time GetSemiReliableDeadline() const;
    void SetConnectRetries(uint32_t v);
    uint32_t GetConnectRetries() const;
    void SetKeepaliveInterval(Time v);
    Time GetKeepaliveInterval() const;
    void SetDeadTimeout(Time v);
    Time GetDeadTimeout() const;
    void SetMaxRetransmissions(uint32_t v);
    uint32_t GetMaxRetransmissions() const;

    struct Connection
    {
        std::unique_ptr<resoa::LhpLink> link;
        Mac48Address peer;
        EventId timer;
        Time timerAt;
        bool pumping = false;
        bool pumpAgain = false;
        bool upReported = false;
    };

    void ReceiveFromDevice(Ptr<NetDevice> device,
                           Ptr<const Packet> packet,
                           uint16_t protocol,
                           const Address& from,
                           const Address& to,
                           NetDevice::PacketType packetType);
    Handle AddConnection(const Mac48Address& peer, std::unique_ptr<resoa::LhpLink> link);
    /// Runs the link's driver loop: deliveries, events, transmissions, then the timer.
    void Pump(Handle h);
    void PumpOnce(Handle h, Connection& c);
    void OnTimer(Handle h);
    /// Hands frames the device refused to it again, then resumes the links.
    void RetryBlocked();
    void Retire(Handle h, ConnectionEvent why);
    static resoa::TimePoint Now();

    Ptr<NetDevice> m_device;
    resoa::LhpConfig m_config;
    bool m_acceptIncoming;
    Ptr<UniformRandomVariable> m_rng;
    std::map<Handle, Connection> m_connections;
    std::map<std::pair<Mac48Address, uint32_t>, Handle> m_byPeer;
    Handle m_nextHandle;
    resoa::LhpStats m_retiredStats; //!< counters of connections already removed
    std::deque<std::pair<Ptr<Packet>, Mac48Address>> m_blocked; //!< refused by a full queue
    EventId m_retryEvent;
    Time m_queueRetry; //!< how soon to offer a refused frame again

    ReceiveCallback m_receiveCb;
    ConnectionCallback m_connectionCb;
    SendSpaceCallback m_sendSpaceCb;

    TracedCallback<Ptr<const Packet>, Handle> m_txTrace;
    TracedCallback<Ptr<const Packet>, Handle> m_rxTrace;
    TracedCallback<Ptr<const Packet>, Handle> m_retransmitTrace;
    TracedCallback<Ptr<const Packet>, std::string> m_dropTrace;
    TracedCallback<Handle, Address> m_linkDownTrace;
};

} // namespace ns3

#endif // RESOA_LHP_PROTOCOL_H
