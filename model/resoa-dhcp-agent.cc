/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "resoa-dhcp-agent.h"

#include "ns3/boolean.h"
#include "ns3/inet-socket-address.h"
#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ResoaDhcpAgent");
NS_OBJECT_ENSURE_REGISTERED(ResoaDhcpAgent);

TypeId
ResoaDhcpAgent::GetTypeId()
{
    static const resoa::DhcpLeaseConfig d;
    static TypeId tid =
        TypeId("ns3::ResoaDhcpAgent")
            .SetParent<Object>()
            .SetGroupName("Resoa")
            .AddConstructor<ResoaDhcpAgent>()
            .AddAttribute("Retransmit",
                          "An unanswered DHCPDISCOVER or DHCPREQUEST is sent again after this "
                          "long (also the renewal retry interval).",
                          TimeValue(NanoSeconds(d.retransmit.count())),
                          MakeTimeAccessor(&ResoaDhcpAgent::m_retransmit),
                          MakeTimeChecker(MilliSeconds(1)))
            .AddAttribute("Timeout",
                          "No lease (OFFER and ACK) within this long: the lease fails "
                          "(DHCP server down or its pool exhausted).",
                          TimeValue(NanoSeconds(d.acquireTimeout.count())),
                          MakeTimeAccessor(&ResoaDhcpAgent::m_timeout),
                          MakeTimeChecker(MilliSeconds(1)))
            .AddAttribute("SendClientId",
                          "Also send option 61 (client identifier = the client's MAC). Off: "
                          "ns-3 3.37's DhcpServer drops messages with options it does not "
                          "know.",
                          BooleanValue(d.sendClientId),
                          MakeBooleanAccessor(&ResoaDhcpAgent::m_sendClientId),
                          MakeBooleanChecker())
            .AddTraceSource("Lease",
                            "A lease outcome: key, outcome, address.",
                            MakeTraceSourceAccessor(&ResoaDhcpAgent::m_leaseTrace),
                            "ns3::ResoaDhcpAgent::LeaseTracedCallback")
            .AddTraceSource("Tx",
                            "A DHCP message sent: key, DHCP message type (option 53).",
                            MakeTraceSourceAccessor(&ResoaDhcpAgent::m_txTrace),
                            "ns3::ResoaDhcpAgent::TxTracedCallback");
    return tid;
}

ResoaDhcpAgent::ResoaDhcpAgent()
    : m_interface(0)
    , m_retransmit(Seconds(1))
    , m_timeout(Seconds(4))
    , m_sendClientId(false)
    , m_xid(CreateObject<UniformRandomVariable>())
    , m_undecodable(0)
    , m_unmatched(0)
{
    NS_LOG_FUNCTION(this);
}

ResoaDhcpAgent::~ResoaDhcpAgent() = default;

void
ResoaDhcpAgent::DoDispose()
{
    Abort();
    if (m_socket)
    {
        m_socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        m_socket->Close();
        m_socket = nullptr;
    }
    m_node = nullptr;
    m_outcome = OutcomeCallback();
    Object::DoDispose();
}

void
ResoaDhcpAgent::Setup(Ptr<Node> node, uint32_t interface)
{
    NS_LOG_FUNCTION(this << node << interface);
    Ptr<Ipv4> ipv4 = node->GetObject<Ipv4>();
    NS_ABORT_MSG_UNLESS(ipv4, "ResoaDhcpAgent needs an Internet stack");
    NS_ABORT_MSG_IF(interface >= ipv4->GetNInterfaces(),
                    "ResoaDhcpAgent: no IPv4 interface " << interface);
    m_node = node;
    m_interface = interface;
    m_socket = Socket::CreateSocket(node, UdpSocketFactory::GetTypeId());
    m_socket->SetAllowBroadcast(true);
    NS_ABORT_MSG_IF(
        m_socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), resoa::kDhcpClientPort)) != 0,
        "ResoaDhcpAgent: port 68 is taken on this node");
    m_socket->BindToNetDevice(ipv4->GetNetDevice(interface));
    m_socket->SetRecvCallback(MakeCallback(&ResoaDhcpAgent::OnReceive, this));
}

void
ResoaDhcpAgent::SetOutcomeCallback(OutcomeCallback cb)
{
    m_outcome = cb;
}

resoa::TimePoint
ResoaDhcpAgent::Now()
{
    return resoa::TimePoint(Simulator::Now().GetNanoSeconds());
}

void
ResoaDhcpAgent::Acquire(uint64_t key, Mac48Address mac)
{
    NS_LOG_FUNCTION(this << key << mac);
    NS_ABORT_MSG_UNLESS(m_socket, "ResoaDhcpAgent: Setup first");
    Release(key);
    resoa::DhcpLeaseConfig cfg;
    mac.CopyTo(cfg.mac.data());
    cfg.xid = m_xid->GetInteger(1, 0xFFFFFFFEu);
    cfg.sendClientId = m_sendClientId;
    cfg.retransmit = resoa::Duration(m_retransmit.GetNanoSeconds());
    cfg.acquireTimeout = resoa::Duration(m_timeout.GetNanoSeconds());
    Entry& e = m_leases[key];
    e.lease = std::make_unique<resoa::DhcpLease>(cfg);
    e.lease->Start(Now());
    Pump(key);
}

void
ResoaDhcpAgent::Release(uint64_t key)
{
    auto it = m_leases.find(key);
    if (it == m_leases.end())
    {
        return;
    }
    NS_LOG_FUNCTION(this << key);
    Entry& e = it->second;
    e.timer.Cancel();
    RemoveAddress(e);
    e.lease->Release(Now());
    Pump(key); // sends DHCPRELEASE (if bound), then forgets the lease: it is final
}

void
ResoaDhcpAgent::Abort()
{
    for (auto& [key, e] : m_leases)
    {
        e.timer.Cancel();
        Account(*e.lease);
    }
    m_leases.clear();
}

void
ResoaDhcpAgent::Account(const resoa::DhcpLease& lease)
{
    const resoa::DhcpLease::Stats& s = lease.GetStats();
    m_finished.discovers += s.discovers;
    m_finished.requests += s.requests;
    m_finished.renewals += s.renewals;
    m_finished.releases += s.releases;
    m_finished.acks += s.acks;
    m_finished.naks += s.naks;
}

void
ResoaDhcpAgent::OnReceive(Ptr<Socket> socket)
{
    Ptr<Packet> p;
    Address from;
    while ((p = socket->RecvFrom(from)))
    {
        std::vector<uint8_t> bytes(p->GetSize());
        p->CopyData(bytes.data(), bytes.size());
        resoa::DhcpMessage m;
        if (resoa::DecodeDhcp(bytes.data(), bytes.size(), m) != resoa::DecodeError::Ok)
        {
            m_undecodable++;
            continue;
        }
        bool matched = false;
        for (auto& [key, e] : m_leases)
        {
            if (e.lease->OnMessage(m, Now()))
            {
                matched = true;
                Pump(key);
                break;
            }
        }
        if (!matched)
        {
            m_unmatched++;
        }
    }
}

void
ResoaDhcpAgent::Pump(uint64_t key)
{
    auto it = m_leases.find(key);
    if (it == m_leases.end())
    {
        return;
    }
    Entry& e = it->second;
    while (auto bytes = e.lease->PollOutgoing())
    {
        m_txTrace(key, bytes->size() > 242 ? (*bytes)[242] : 0);
        Ptr<Packet> p = Create<Packet>(bytes->data(), bytes->size());
        m_socket->SendTo(
            p, 0, InetSocketAddress(Ipv4Address::GetBroadcast(), resoa::kDhcpServerPort));
    }
    std::vector<std::pair<Outcome, Ipv4Address>> outcomes;
    while (auto ev = e.lease->PollEvent())
    {
        Ipv4Address a(ev->address);
        using K = resoa::DhcpLeaseEvent::Kind;
        using R = resoa::DhcpLeaseEvent::Reason;
        switch (ev->kind)
        {
            case K::Bound:
                AddAddress(e, a, e.lease->GetSubnetMask());
                outcomes.emplace_back(BOUND, a);
                break;
            case K::Renewed:
                outcomes.emplace_back(RENEWED, a);
                break;
            case K::Failed:
                outcomes.emplace_back(ev->reason == R::Nak ? FAILED_NAK : FAILED_TIMEOUT, a);
                break;
            case K::Lost:
                RemoveAddress(e);
                outcomes.emplace_back(ev->reason == R::Nak ? LOST_NAK : LOST_EXPIRED, a);
                break;
        }
    }
    e.timer.Cancel();
    if (auto due = e.lease->NextDeadline())
    {
        Time at = NanoSeconds(due->count());
        Time now = Simulator::Now();
        e.timer =
            Simulator::Schedule(at > now ? at - now : Time(0), &ResoaDhcpAgent::OnTimer, this, key);
    }
    else if (e.lease->GetState() != resoa::DhcpLease::State::Bound)
    {
        // Final: nothing left to do for this key.
        Account(*e.lease);
        m_leases.erase(it);
    }
    for (const auto& [outcome, address] : outcomes)
    {
        NS_LOG_INFO("lease " << key << ": outcome " << outcome << ", " << address);
        m_leaseTrace(key, outcome, address);
        if (!m_outcome.IsNull())
        {
            m_outcome(key, outcome, address); // may Release or Acquire: nothing used after
        }
    }
}

void
ResoaDhcpAgent::OnTimer(uint64_t key)
{
    auto it = m_leases.find(key);
    if (it == m_leases.end())
    {
        return;
    }
    it->second.lease->HandleDeadline(Now());
    Pump(key);
}

void
ResoaDhcpAgent::AddAddress(Entry& e, Ipv4Address a, uint32_t mask)
{
    Ptr<Ipv4> ipv4 = m_node->GetObject<Ipv4>();
    if (ipv4->GetInterfaceForAddress(a) >= 0)
    {
        return; // already there (a configured address is not ours to remove)
    }
    Ipv4Mask m(mask != 0 ? mask : 0xFFFFFFFFu);
    ipv4->AddAddress(m_interface, Ipv4InterfaceAddress(a, m));
    e.added = a;
    NS_LOG_INFO("added leased address " << a << "/" << m.GetPrefixLength() << " to interface "
                                        << m_interface);
}

void
ResoaDhcpAgent::RemoveAddress(Entry& e)
{
    if (e.added == Ipv4Address::GetAny())
    {
        return;
    }
    Ptr<Ipv4> ipv4 = m_node->GetObject<Ipv4>();
    ipv4->RemoveAddress(m_interface, e.added);
    NS_LOG_INFO("removed leased address " << e.added);
    e.added = Ipv4Address::GetAny();
}

Ipv4Address
ResoaDhcpAgent::GetAddress(uint64_t key) const
{
    auto it = m_leases.find(key);
    return it == m_leases.end() ? Ipv4Address::GetAny() : it->second.added;
}

const resoa::DhcpLease*
ResoaDhcpAgent::GetLease(uint64_t key) const
{
    auto it = m_leases.find(key);
    return it == m_leases.end() ? nullptr : it->second.lease.get();
}

uint32_t
ResoaDhcpAgent::GetLeaseCount() const
{
    return m_leases.size();
}

ResoaDhcpAgent::Stats
ResoaDhcpAgent::GetStats() const
{
    Stats s = m_finished;
    for (const auto& [key, e] : m_leases)
    {
        const resoa::DhcpLease::Stats& l = e.lease->GetStats();
        s.discovers += l.discovers;
        s.requests += l.requests;
        s.renewals += l.renewals;
        s.releases += l.releases;
        s.acks += l.acks;
        s.naks += l.naks;
    }
    s.undecodable = m_undecodable;
    s.unmatched = m_unmatched;
    return s;
}

uint32_t
ResoaDhcpAgent::GetInterface() const
{
    return m_interface;
}

int64_t
ResoaDhcpAgent::AssignStreams(int64_t stream)
{
    m_xid->SetStream(stream);
    return 1;
}

} // namespace ns3
