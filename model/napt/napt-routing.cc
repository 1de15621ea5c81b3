/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "napt-routing.h"

#include "napt-ftp-alg.h"

#include "ns3/boolean.h"
#include "ns3/enum.h"
#include "ns3/ipv4-route.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/output-stream-wrapper.h"
#include "ns3/simulator.h"
#include "ns3/tcp-header.h"
#include "ns3/udp-header.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("NaptRouting");
NS_OBJECT_ENSURE_REGISTERED(NaptRouting);

namespace
{
constexpr uint8_t TCP = 6;
constexpr uint8_t UDP = 17;
} // namespace

TypeId
NaptRouting::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::NaptRouting")
            .SetParent<Ipv4RoutingDecorator>()
            .SetGroupName("Resoa")
            .AddConstructor<NaptRouting>()
            .AddAttribute("PublicInterface",
                          "Ipv4 interface index of the public (outside) side.",
                          UintegerValue(1),
                          MakeUintegerAccessor(&NaptRouting::m_publicIf),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("PublicAddress",
                          "Address private hosts are translated to; 0.0.0.0 means the public "
                          "interface's first address.",
                          Ipv4AddressValue(Ipv4Address::GetAny()),
                          MakeIpv4AddressAccessor(&NaptRouting::m_publicAddress),
                          MakeIpv4AddressChecker())
            .AddAttribute("PortRangeStart",
                          "First public port handed out.",
                          UintegerValue(49152),
                          MakeUintegerAccessor(&NaptRouting::m_portFirst),
                          MakeUintegerChecker<uint16_t>(1))
            .AddAttribute("PortRangeEnd",
                          "Last public port handed out.",
                          UintegerValue(65535),
                          MakeUintegerAccessor(&NaptRouting::m_portLast),
                          MakeUintegerChecker<uint16_t>(1))
            .AddAttribute("Filtering",
                          "Inbound filtering (RFC 4787 section 5).",
                          EnumValue(ADDRESS_AND_PORT_DEPENDENT_FILTERING),
                          MakeEnumAccessor(&NaptRouting::m_filtering),
                          MakeEnumChecker(ADDRESS_AND_PORT_DEPENDENT_FILTERING,
                                          "AddressAndPortDependent",
                                          ADDRESS_DEPENDENT_FILTERING,
                                          "AddressDependent",
                                          ENDPOINT_INDEPENDENT_FILTERING,
                                          "EndpointIndependent"))
            .AddAttribute("TcpEstablishedTimeout",
                          "Idle timeout of an established TCP connection (RFC 5382: at least "
                          "2 h 4 min).",
                          TimeValue(Seconds(7440)),
                          MakeTimeAccessor(&NaptRouting::m_tcpEstablished),
                          MakeTimeChecker(Seconds(0)))
            .AddAttribute("TcpTransitoryTimeout",
                          "Idle timeout of a TCP connection opening or closing (RFC 5382: 4 "
                          "min).",
                          TimeValue(Seconds(240)),
                          MakeTimeAccessor(&NaptRouting::m_tcpTransitory),
                          MakeTimeChecker(Seconds(0)))
            .AddAttribute("UdpTimeout",
                          "Idle timeout of a UDP mapping (RFC 4787: at least 2 min, 5 min "
                          "recommended).",
                          TimeValue(Seconds(300)),
                          MakeTimeAccessor(&NaptRouting::m_udpTimeout),
                          MakeTimeChecker(Seconds(0)))
            .AddAttribute("EnableFtpAlg",
                          "Rewrite PORT/EPRT on FTP control connections (port 21).",
                          BooleanValue(false),
                          MakeBooleanAccessor(&NaptRouting::m_enableFtpAlg),
                          MakeBooleanChecker())
            .AddTraceSource("MappingCreated",
                            "A new mapping (private endpoint -> public port).",
                            MakeTraceSourceAccessor(&NaptRouting::m_mappingCreated),
                            "ns3::NaptRouting::MappingTracedCallback")
            .AddTraceSource("MappingExpired",
                            "A mapping timed out and was removed.",
                            MakeTraceSourceAccessor(&NaptRouting::m_mappingExpired),
                            "ns3::NaptRouting::MappingTracedCallback")
            .AddTraceSource("Drop",
                            "A packet the NAT refused, with the reason.",
                            MakeTraceSourceAccessor(&NaptRouting::m_drop),
                            "ns3::NaptRouting::DropTracedCallback");
    return tid;
}

NaptRouting::NaptRouting()
    : m_publicIf(1)
    , m_publicAddress(Ipv4Address::GetAny())
    , m_portFirst(49152)
    , m_portLast(65535)
    , m_filtering(ADDRESS_AND_PORT_DEPENDENT_FILTERING)
    , m_tcpEstablished(Seconds(7440))
    , m_tcpTransitory(Seconds(240))
    , m_udpTimeout(Seconds(300))
    , m_enableFtpAlg(false)
{
}

NaptRouting::~NaptRouting() = default;

void
NaptRouting::DoDispose()
{
    m_expiryEvent.Cancel();
    m_alg.reset();
    Ipv4RoutingDecorator::DoDispose();
}

std::string
NaptRouting::DropReasonName(DropReason reason)
{
    switch (reason)
    {
        case DROP_NO_MAPPING:
            return "no-mapping";
        case DROP_FILTERED:
            return "filtered";
        case DROP_NO_SESSION:
            return "no-session";
        case DROP_TO_PRIVATE:
            return "to-private-address";
        case DROP_PORTS_EXHAUSTED:
            return "ports-exhausted";
        case DROP_UNSUPPORTED:
            return "unsupported";
    }
    return "unknown";
}

uint32_t
NaptRouting::GetMappingCount() const
{
    return m_table.GetCount();
}

std::vector<NaptRouting::MappingInfo>
NaptRouting::GetMappings() const
{
    std::vector<MappingInfo> out;
    for (const auto& m : m_table.GetMappings())
    {
        out.push_back(Info(m));
    }
    return out;
}

Ipv4Address
NaptRouting::GetPublicAddress() const
{
    if (m_publicAddress != Ipv4Address::GetAny() || !m_ipv4 ||
        m_publicIf >= m_ipv4->GetNInterfaces() || m_ipv4->GetNAddresses(m_publicIf) == 0)
    {
        return m_publicAddress;
    }
    return m_ipv4->GetAddress(m_publicIf, 0).GetLocal();
}

uint32_t
NaptRouting::GetAlgRewrites() const
{
    return m_alg ? m_alg->GetRewrites() : 0;
}

NaptPolicy
NaptRouting::Policy() const
{
    NaptPolicy p;
    p.portFirst = m_portFirst;
    p.portLast = m_portLast;
    p.filtering = m_filtering;
    p.tcpEstablished = m_tcpEstablished;
    p.tcpTransitory = m_tcpTransitory;
    p.udp = m_udpTimeout;
    return p;
}

NaptRouting::MappingInfo
NaptRouting::Info(const NaptMappingTable::Mapping& m) const
{
    return MappingInfo{
        m.protocol, m.privateSide.address, m.privateSide.port, GetPublicAddress(), m.publicPort};
}

Ptr<Ipv4Route>
NaptRouting::RouteOutput(Ptr<Packet> p,
                         const Ipv4Header& header,
                         Ptr<NetDevice> oif,
                         Socket::SocketErrno& sockerr)
{
    // The router's own traffic is not translated.
    return m_inner->RouteOutput(p, header, oif, sockerr);
}

NaptRouting::Direction
NaptRouting::Classify(Ptr<const Packet> p, const Ipv4Header& header, uint32_t iif)
{
    Ipv4Address dst = header.GetDestination();
    if (dst.IsMulticast() || dst.IsBroadcast())
    {
        return Direction::PASS;
    }
    uint8_t proto = header.GetProtocol();
    bool transport = proto == TCP || proto == UDP;
    if (iif == m_publicIf)
    {
        if (dst == GetPublicAddress())
        {
            // Other protocols (ICMP echo, ...) are for the router itself.
            return transport ? Direction::INBOUND : Direction::PASS;
        }
        if (m_ipv4->IsDestinationAddress(dst, iif))
        {
            return Direction::PASS;
        }
    }
    else if (m_ipv4->IsDestinationAddress(dst, iif))
    {
        return Direction::PASS; // to the router (no hairpinning)
    }
    // Which way would the inner protocol send it?
    Socket::SocketErrno err;
    Ptr<Ipv4Route> route = m_inner->RouteOutput(p->Copy(), header, nullptr, err);
    bool leavesPublic = route && route->GetOutputDevice() == m_ipv4->GetNetDevice(m_publicIf);
    if (iif == m_publicIf)
    {
        return route && !leavesPublic ? Direction::DROP : Direction::PASS;
    }
    return leavesPublic ? Direction::OUTBOUND : Direction::PASS;
}

bool
NaptRouting::RouteInput(Ptr<const Packet> p,
                        const Ipv4Header& header,
                        Ptr<const NetDevice> idev,
                        UnicastForwardCallback ucb,
                        MulticastForwardCallback mcb,
                        LocalDeliverCallback lcb,
                        ErrorCallback ecb)
{
    NS_ASSERT_MSG(m_inner && m_ipv4, "NaptRouting needs an inner protocol and an Ipv4");
    int32_t iif = m_ipv4->GetInterfaceForDevice(idev);
    if (iif < 0)
    {
        return false;
    }
    Direction d = Classify(p, header, uint32_t(iif));
    if (d == Direction::PASS)
    {
        return m_inner->RouteInput(p, header, idev, ucb, mcb, lcb, ecb);
    }
    if (d == Direction::DROP)
    {
        Drop(header, p, DROP_TO_PRIVATE);
        return true;
    }
    Ipv4Header translated = header; // keeps TTL, ID, TOS, DF and checksum mode
    Ptr<Packet> q = Translate(p, translated, d == Direction::OUTBOUND);
    if (!q)
    {
        return true; // dropped and traced
    }
    // The inner protocol finds the route and keeps its IsForwarding checks.
    return m_inner->RouteInput(q, translated, idev, ucb, mcb, lcb, ecb);
}

Ptr<Packet>
NaptRouting::Translate(Ptr<const Packet> p, Ipv4Header& header, bool outbound)
{
    uint8_t proto = header.GetProtocol();
    if ((proto != TCP && proto != UDP) || header.GetFragmentOffset() != 0 ||
        !header.IsLastFragment())
    {
        Drop(header, p, DROP_UNSUPPORTED);
        return nullptr;
    }
    Ptr<Packet> q = p->Copy();
    q = proto == TCP ? TranslateTcp(q, header, outbound) : TranslateUdp(q, header, outbound);
    ReportExpired(m_table.TakeExpired());
    if (!q)
    {
        return nullptr;
    }
    header.SetPayloadSize(q->GetSize());
    return q;
}

Ptr<Packet>
NaptRouting::TranslateTcp(Ptr<Packet> p, Ipv4Header& header, bool outbound)
{
    Ipv4Header original = header;
    TcpHeader tcp;
    p->RemoveHeader(tcp);
    Time now = Simulator::Now();
    NaptMappingTable::Result r;
    NaptEndpoint priv;
    NaptFtpAlg* alg = Alg();
    if (outbound)
    {
        priv = NaptEndpoint{header.GetSource(), tcp.GetSourcePort()};
        NaptEndpoint remote{header.GetDestination(), tcp.GetDestinationPort()};
        r = m_table.Outbound(TCP, priv, remote, tcp.GetFlags(), now, Policy());
        if (r.verdict == NaptMappingTable::Verdict::OK && alg &&
            remote.port == NaptFtpAlg::CONTROL_PORT)
        {
            p = alg->Outbound({priv, remote}, tcp, p, GetPublicAddress());
        }
    }
    else
    {
        NaptEndpoint remote{header.GetSource(), tcp.GetSourcePort()};
        r = m_table.Inbound(TCP, tcp.GetDestinationPort(), remote, tcp.GetFlags(), now, Policy());
        priv = r.mapping.privateSide;
        if (r.verdict == NaptMappingTable::Verdict::OK && alg &&
            remote.port == NaptFtpAlg::CONTROL_PORT)
        {
            alg->Inbound({priv, remote}, tcp);
        }
    }
    if (r.verdict != NaptMappingTable::Verdict::OK)
    {
        p->AddHeader(tcp);
        DropReason reason = r.verdict == NaptMappingTable::Verdict::NO_MAPPING ? DROP_NO_MAPPING
                            : r.verdict == NaptMappingTable::Verdict::FILTERED ? DROP_FILTERED
                            : r.verdict == NaptMappingTable::Verdict::NO_SESSION
                                ? DROP_NO_SESSION
                                : DROP_PORTS_EXHAUSTED;
        Drop(original, p, reason);
        return nullptr;
    }
    Account(r);
    if (outbound)
    {
        header.SetSource(GetPublicAddress());
        tcp.SetSourcePort(r.mapping.publicPort);
    }
    else
    {
        header.SetDestination(priv.address);
        tcp.SetDestinationPort(priv.port);
    }
    // Without a fresh checksum over the new pseudo-header, TCP drops the segment silently.
    if (Node::ChecksumEnabled())
    {
        tcp.EnableChecksums();
        tcp.InitializeChecksum(header.GetSource(), header.GetDestination(), TCP);
    }
    p->AddHeader(tcp);
    return p;
}

Ptr<Packet>
NaptRouting::TranslateUdp(Ptr<Packet> p, Ipv4Header& header, bool outbound)
{
    Ipv4Header original = header;
    UdpHeader old;
    p->RemoveHeader(old);
    Time now = Simulator::Now();
    NaptMappingTable::Result r;
    if (outbound)
    {
        r = m_table.Outbound(UDP,
                             NaptEndpoint{header.GetSource(), old.GetSourcePort()},
                             NaptEndpoint{header.GetDestination(), old.GetDestinationPort()},
                             0,
                             now,
                             Policy());
    }
    else
    {
        r = m_table.Inbound(UDP,
                            old.GetDestinationPort(),
                            NaptEndpoint{header.GetSource(), old.GetSourcePort()},
                            0,
                            now,
                            Policy());
    }
    if (r.verdict != NaptMappingTable::Verdict::OK)
    {
        p->AddHeader(old);
        Drop(original,
             p,
             r.verdict == NaptMappingTable::Verdict::FILTERED     ? DROP_FILTERED
             : r.verdict == NaptMappingTable::Verdict::NO_MAPPING ? DROP_NO_MAPPING
                                                                  : DROP_PORTS_EXHAUSTED);
        return nullptr;
    }
    Account(r);
    // A deserialized UdpHeader would write back its old checksum and length: build a new one.
    UdpHeader udp;
    udp.SetSourcePort(old.GetSourcePort());
    udp.SetDestinationPort(old.GetDestinationPort());
    if (outbound)
    {
        header.SetSource(GetPublicAddress());
        udp.SetSourcePort(r.mapping.publicPort);
    }
    else
    {
        header.SetDestination(r.mapping.privateSide.address);
        udp.SetDestinationPort(r.mapping.privateSide.port);
    }
    if (Node::ChecksumEnabled())
    {
        udp.EnableChecksums();
        udp.InitializeChecksum(header.GetSource(), header.GetDestination(), UDP);
    }
    p->AddHeader(udp);
    return p;
}

void
NaptRouting::Account(const NaptMappingTable::Result& r)
{
    if (r.created)
    {
        MappingInfo info = Info(r.mapping);
        NS_LOG_INFO("mapping " << int(info.protocol) << " " << info.privateAddress << ":"
                               << info.privatePort << " -> " << info.publicAddress << ":"
                               << info.publicPort);
        m_mappingCreated(info);
    }
    if (!m_expiryEvent.IsRunning() ||
        r.expiry < Simulator::Now() + Simulator::GetDelayLeft(m_expiryEvent))
    {
        m_expiryEvent.Cancel();
        m_expiryEvent =
            Simulator::Schedule(r.expiry - Simulator::Now(), &NaptRouting::ExpiryEvent, this);
    }
}

void
NaptRouting::ExpiryEvent()
{
    NaptPolicy policy = Policy();
    ReportExpired(m_table.Expire(Simulator::Now(), policy));
    Time next = m_table.NextExpiry(policy);
    if (next != Time::Max())
    {
        m_expiryEvent =
            Simulator::Schedule(next - Simulator::Now(), &NaptRouting::ExpiryEvent, this);
    }
}

void
NaptRouting::ReportExpired(const std::vector<NaptMappingTable::Mapping>& expired)
{
    for (const auto& m : expired)
    {
        if (m_alg && m.protocol == TCP)
        {
            m_alg->Forget(m.privateSide);
        }
        MappingInfo info = Info(m);
        NS_LOG_INFO("mapping expired: " << info.privateAddress << ":" << info.privatePort
                                        << " (public port " << info.publicPort << ")");
        m_mappingExpired(info);
    }
}

void
NaptRouting::Drop(const Ipv4Header& header, Ptr<const Packet> p, DropReason reason)
{
    NS_LOG_LOGIC("drop " << header.GetSource() << " -> " << header.GetDestination() << ": "
                         << DropReasonName(reason));
    m_drop(header, p, reason);
}

std::optional<uint16_t>
NaptRouting::AlgExpect(NaptEndpoint priv, Ipv4Address server)
{
    NaptMappingTable::Result r = m_table.Expect(TCP, priv, server, Simulator::Now(), Policy());
    if (r.verdict != NaptMappingTable::Verdict::OK)
    {
        return std::nullopt;
    }
    Account(r);
    return r.mapping.publicPort;
}

NaptFtpAlg*
NaptRouting::Alg()
{
    if (!m_enableFtpAlg)
    {
        return nullptr;
    }
    if (!m_alg)
    {
        m_alg = std::make_unique<NaptFtpAlg>([this](NaptEndpoint priv, Ipv4Address server)
                                             { return AlgExpect(priv, server); });
    }
    return m_alg.get();
}

void
NaptRouting::PrintRoutingTable(Ptr<OutputStreamWrapper> stream, Time::Unit unit) const
{
    std::ostream& os = *stream->GetStream();
    os << "NAPT on interface " << m_publicIf << " as " << GetPublicAddress() << ", "
       << m_table.GetCount() << " mappings:\n";
    for (const MappingInfo& m : GetMappings())
    {
        os << "  " << (m.protocol == TCP ? "tcp " : "udp ") << m.privateAddress << ":"
           << m.privatePort << " -> " << m.publicAddress << ":" << m.publicPort << "\n";
    }
    m_inner->PrintRoutingTable(stream, unit);
}

} // namespace ns3

namespace ns3
{

void
NaptRouting::Restart()
{
    NS_LOG_FUNCTION(this);
    m_table = NaptMappingTable();
    m_alg.reset();
}

} // namespace ns3
