/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_EMU_L2_RELAY_H
#define RESOA_EMU_L2_RELAY_H

#include "ns3/mac48-address.h"
#include "ns3/net-device.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/traced-callback.h"

#include <array>
#include <cstdint>
#include <ostream>
#include <string>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief A two-port layer-2 relay on one node: every frame one device receives is sent out of
 * the other, whatever its EtherType (LHP's 0x88B5, IPv4, ARP, IPv6, VLAN-tagged, ...), with
 * its Ethernet source and destination kept.
 *
 * It is what puts a simulated hop between two real hosts: port A is an FdNetDevice on a tap
 * (see TapEmuHelper), port B a simulated device (a WifiNetDevice), and a second node mirrors
 * it on the far side:
 *
 *   host c [tap] == FdNetDevice -relay- STA ))) lossy 802.11 ((( AP -relay- FdNetDevice == [tap]
 * host s
 *
 * Receiving: a promiscuous protocol handler for protocol 0 (all) on each port, so frames
 * addressed to other hosts, broadcasts and multicasts all pass, and no EtherType is special.
 * FdNetDevice hands the EtherType up as the protocol number (DIX mode), WifiNetDevice the
 * LLC/SNAP type, so a 0x88B5 frame arrives as protocol 0x88B5 on either side.
 *
 * Sending keeps the frame's source where the outgoing device can:
 * - source == the outgoing device's own address: Send() (the common case below);
 * - otherwise SendFrom() if the device supports it (FdNetDevice does, and so does an 802.11
 *   AP: it sends a from-DS frame whose Address3 is the original source);
 * - otherwise the frame is dropped and counted (DROP_NO_SEND_FROM). An 802.11 station
 *   (StaWifiMac) cannot send on behalf of another address (3-address frames carry no
 *   separate source); an ns-3 BridgeNetDevice would refuse such a port for the same reason.
 *
 * So the station must *be* the real host: SetDeviceAddress() gives the simulated device the
 * real host's MAC (the tap's kernel-side address), and every frame that host sends then has
 * source == the station's address. The AP on the far side takes the other host's MAC, so the
 * over-the-air exchange is STA(host c's MAC) <-> AP(host s's MAC), exactly what the hosts
 * address; no MAC is ever rewritten and no address table is learnt.
 *
 * Frames that cannot cross are dropped and counted by reason: 802.3 length-encoded frames
 * (protocol < 0x0600: the simulated devices carry EtherTypes only), frames larger than the
 * outgoing device's MTU, and frames the outgoing device refused (an unassociated station, a
 * tap whose write failed).
 *
 * Runs entirely in the simulator thread (the FdNetDevice's reader thread only schedules).
 */
class EmuL2Relay : public Object
{
  public:
    /// Why a frame was not relayed.
    enum DropReason
    {
        DROP_NOT_ETHERTYPE = 0, //!< 802.3 length field instead of an EtherType
        DROP_TOO_BIG = 1,       //!< larger than the outgoing device's MTU
        DROP_NO_SEND_FROM = 2,  //!< foreign source, and the device cannot SendFrom
        DROP_SEND_FAILED = 3,   //!< the outgoing device refused it (e.g. not associated)
        DROP_REASONS = 4        //!< number of reasons
    };

    /**
     * TracedCallback signature for relayed or dropped frames.
     * \param packet the frame's payload (no link header)
     * \param port the port it was received on (0 = A, 1 = B)
     * \param protocol its EtherType
     */
    typedef void (*FrameTracedCallback)(Ptr<const Packet> packet, uint32_t port, uint16_t protocol);

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    EmuL2Relay();
    ~EmuL2Relay() override;

    /**
     * Joins two devices of the same node. Call once, before the simulation runs.
     * \param a port A (e.g. the tap's FdNetDevice)
     * \param b port B (e.g. the simulated WifiNetDevice)
     */
    void Install(Ptr<NetDevice> a, Ptr<NetDevice> b);

    /// \param port 0 (A) or 1 (B) \return the device on that port
    Ptr<NetDevice> GetPort(uint32_t port) const;

    /// \param fromPort 0 (A) or 1 (B) \return frames received there and sent out of the other
    uint64_t GetRelayed(uint32_t fromPort) const;
    /// \param fromPort 0 (A) or 1 (B) \return bytes (link payload) relayed from that port
    uint64_t GetRelayedBytes(uint32_t fromPort) const;
    /// \param fromPort 0 or 1 \param reason why \return frames from that port dropped for it
    uint64_t GetDropped(uint32_t fromPort, DropReason reason) const;
    /// \param fromPort 0 or 1 \return frames from that port dropped for any reason
    uint64_t GetDropped(uint32_t fromPort) const;

    /// Writes "name: A->B n frames (bytes), B->A ..., dropped ..." on one line.
    void Report(std::ostream& os, const std::string& name) const;

    /**
     * Gives a simulated device a new MAC address, before the simulation runs: the address a
     * real host behind a tap uses, so that the device can stand for that host (see the class
     * comment). For a WifiNetDevice this also updates each link's FrameExchangeManager, which
     * ns-3 3.37 gives the MAC's address when the device is built (WifiNetDevice::SetAddress
     * alone leaves the old one there, and the MAC would then ignore frames sent to the new
     * one); on an AP that also sets the BSSID. Other devices get NetDevice::SetAddress.
     * \param device the device
     * \param address its new address
     */
    static void SetDeviceAddress(Ptr<NetDevice> device, Mac48Address address);

  protected:
    void DoDispose() override;

  private:
    /// Promiscuous protocol handler of both ports.
    void Receive(Ptr<NetDevice> device,
                 Ptr<const Packet> packet,
                 uint16_t protocol,
                 const Address& from,
                 const Address& to,
                 NetDevice::PacketType packetType);

    /// Counts and traces a dropped frame.
    void Drop(uint32_t port, DropReason reason, Ptr<const Packet> packet, uint16_t protocol);

    std::array<Ptr<NetDevice>, 2> m_ports;
    std::array<uint64_t, 2> m_relayed{};
    std::array<uint64_t, 2> m_relayedBytes{};
    std::array<std::array<uint64_t, DROP_REASONS>, 2> m_dropped{};

    TracedCallback<Ptr<const Packet>, uint32_t, uint16_t> m_relayTrace; //!< relayed frames
    TracedCallback<Ptr<const Packet>, uint32_t, uint16_t> m_dropTrace;  //!< dropped frames
};

} // namespace ns3

#endif // RESOA_EMU_L2_RELAY_H
