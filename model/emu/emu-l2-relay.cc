/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "emu-l2-relay.h"

#include "ns3/abort.h"
#include "ns3/frame-exchange-manager.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/wifi-mac.h"
#include "ns3/wifi-net-device.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("EmuL2Relay");

NS_OBJECT_ENSURE_REGISTERED(EmuL2Relay);

TypeId
EmuL2Relay::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::EmuL2Relay")
            .SetParent<Object>()
            .SetGroupName("Resoa")
            .AddConstructor<EmuL2Relay>()
            .AddTraceSource("Relay",
                            "A frame received on one port was sent out of the other.",
                            MakeTraceSourceAccessor(&EmuL2Relay::m_relayTrace),
                            "ns3::EmuL2Relay::FrameTracedCallback")
            .AddTraceSource("Drop",
                            "A frame received on one port could not be sent out of the other.",
                            MakeTraceSourceAccessor(&EmuL2Relay::m_dropTrace),
                            "ns3::EmuL2Relay::FrameTracedCallback");
    return tid;
}

EmuL2Relay::EmuL2Relay()
{
    NS_LOG_FUNCTION(this);
}

EmuL2Relay::~EmuL2Relay()
{
    NS_LOG_FUNCTION(this);
}

void
EmuL2Relay::DoDispose()
{
    m_ports[0] = nullptr;
    m_ports[1] = nullptr;
    Object::DoDispose();
}

void
EmuL2Relay::Install(Ptr<NetDevice> a, Ptr<NetDevice> b)
{
    NS_LOG_FUNCTION(this << a << b);
    NS_ABORT_MSG_IF(!a || !b, "EmuL2Relay::Install: null device");
    NS_ABORT_MSG_IF(m_ports[0], "EmuL2Relay::Install: already installed");
    NS_ABORT_MSG_IF(a->GetNode() != b->GetNode() || !a->GetNode(),
                    "EmuL2Relay::Install: both devices must be on the same node");
    m_ports = {a, b};
    for (const Ptr<NetDevice>& dev : m_ports)
    {
        dev->GetNode()->RegisterProtocolHandler(
            MakeCallback(&EmuL2Relay::Receive, this), 0, dev, true);
    }
}

Ptr<NetDevice>
EmuL2Relay::GetPort(uint32_t port) const
{
    NS_ABORT_MSG_IF(port > 1, "EmuL2Relay: port " << port << " (0 or 1)");
    return m_ports[port];
}

void
EmuL2Relay::Receive(Ptr<NetDevice> device,
                    Ptr<const Packet> packet,
                    uint16_t protocol,
                    const Address& from,
                    const Address& to,
                    NetDevice::PacketType packetType)
{
    const uint32_t in = device == m_ports[0] ? 0 : 1;
    Ptr<NetDevice> out = m_ports[1 - in];
    NS_LOG_FUNCTION(this << in << packet->GetSize() << protocol << from << to << packetType);
    if (protocol < 0x0600)
    {
        Drop(in, DROP_NOT_ETHERTYPE, packet, protocol);
        return;
    }
    if (packet->GetSize() > out->GetMtu())
    {
        Drop(in, DROP_TOO_BIG, packet, protocol);
        return;
    }
    Ptr<Packet> copy = packet->Copy();
    bool sent = false;
    if (from == out->GetAddress())
    {
        sent = out->Send(copy, to, protocol);
    }
    else if (out->SupportsSendFrom())
    {
        sent = out->SendFrom(copy, from, to, protocol);
    }
    else
    {
        Drop(in, DROP_NO_SEND_FROM, packet, protocol);
        return;
    }
    if (!sent)
    {
        Drop(in, DROP_SEND_FAILED, packet, protocol);
        return;
    }
    ++m_relayed[in];
    m_relayedBytes[in] += packet->GetSize();
    m_relayTrace(packet, in, protocol);
}

void
EmuL2Relay::Drop(uint32_t port, DropReason reason, Ptr<const Packet> packet, uint16_t protocol)
{
    NS_LOG_LOGIC("drop from port " << port << " reason " << reason << " protocol 0x" << std::hex
                                   << protocol << std::dec);
    ++m_dropped[port][reason];
    m_dropTrace(packet, port, protocol);
}

uint64_t
EmuL2Relay::GetRelayed(uint32_t fromPort) const
{
    NS_ABORT_MSG_IF(fromPort > 1, "EmuL2Relay: port " << fromPort << " (0 or 1)");
    return m_relayed[fromPort];
}

uint64_t
EmuL2Relay::GetRelayedBytes(uint32_t fromPort) const
{
    NS_ABORT_MSG_IF(fromPort > 1, "EmuL2Relay: port " << fromPort << " (0 or 1)");
    return m_relayedBytes[fromPort];
}

uint64_t
EmuL2Relay::GetDropped(uint32_t fromPort, DropReason reason) const
{
    NS_ABORT_MSG_IF(fromPort > 1 || reason >= DROP_REASONS, "EmuL2Relay: bad port or reason");
    return m_dropped[fromPort][reason];
}

uint64_t
EmuL2Relay::GetDropped(uint32_t fromPort) const
{
    uint64_t n = 0;
    for (uint32_t r = 0; r < DROP_REASONS; ++r)
    {
        n += GetDropped(fromPort, static_cast<DropReason>(r));
    }
    return n;
}

void
EmuL2Relay::Report(std::ostream& os, const std::string& name) const
{
    os << name << ": A->B " << m_relayed[0] << " frames (" << m_relayedBytes[0] << " bytes), B->A "
       << m_relayed[1] << " frames (" << m_relayedBytes[1] << " bytes)";
    static const char* const kReasons[DROP_REASONS] = {
        "not-ethertype", "too-big", "no-send-from", "send-failed"};
    for (uint32_t port = 0; port < 2; ++port)
    {
        for (uint32_t r = 0; r < DROP_REASONS; ++r)
        {
            if (m_dropped[port][r] != 0)
            {
                os << ", dropped from " << (port == 0 ? 'A' : 'B') << " " << kReasons[r] << " "
                   << m_dropped[port][r];
            }
        }
    }
    os << "\n";
}

void
EmuL2Relay::SetDeviceAddress(Ptr<NetDevice> device, Mac48Address address)
{
    NS_ABORT_MSG_IF(!device, "EmuL2Relay::SetDeviceAddress: null device");
    device->SetAddress(address);
    if (Ptr<WifiNetDevice> wifi = DynamicCast<WifiNetDevice>(device))
    {
        Ptr<WifiMac> mac = wifi->GetMac();
        NS_ABORT_MSG_IF(!mac, "EmuL2Relay::SetDeviceAddress: WifiNetDevice without a MAC");
        for (uint8_t link = 0; link < mac->GetNLinks(); ++link)
        {
            // For an AP this also makes the address the BSSID; a station learns its BSSID
            // from the AP's beacons.
            mac->GetFrameExchangeManager(link)->SetAddress(address);
        }
    }
}

} // namespace ns3
