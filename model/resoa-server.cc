/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "resoa-server.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/integer.h"
#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/tcp-congestion-ops.h"
#include "ns3/tcp-socket-base.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ResoaServer");
NS_OBJECT_ENSURE_REGISTERED(ResoaServer);

TypeId
ResoaServer::GetTypeId()
{
    static const resoa::EpServerConfig d;
    static TypeId tid =
        TypeId("ns3::ResoaServer")
            .SetParent<Application>()
            .SetGroupName("Resoa")
            .AddConstructor<ResoaServer>()
            .AddAttribute("PublicAddress",
                          "The address all n-to-1 clients share (0.0.0.0 = the node's first "
                          "non-loopback IPv4 address).",
                          Ipv4AddressValue(Ipv4Address::GetAny()),
                          MakeIpv4AddressAccessor(&ResoaServer::m_publicAddress),
                          MakeIpv4AddressChecker())
            .AddAttribute("AllowNTo1",
                          "Offer the shared public address (n-to-1 mode).",
                          BooleanValue(d.allowNTo1),
                          MakeBooleanAccessor(&ResoaServer::m_allowNTo1),
                          MakeBooleanChecker())
            .AddAttribute("AllowOneToOne",
                          "Offer clients their own address from the pool (1-to-1 mode).",
                          BooleanValue(d.allowOneTo1),
                          MakeBooleanAccessor(&ResoaServer::m_allowOneToOne),
                          MakeBooleanChecker())
            .AddAttribute("OneToOneSource",
                          "Where 1-to-1 addresses come from: the pool (AddPoolAddress) or a "
                          "DHCP lease taken on the client's behalf with its MAC (implies "
                          "AllowOneToOne).",
                          EnumValue(ResoaServer::POOL),
                          MakeEnumAccessor(&ResoaServer::m_oneToOneSource),
                          MakeEnumChecker(ResoaServer::POOL, "Pool", ResoaServer::DHCP, "Dhcp"))
            .AddAttribute("DhcpFallBackToNTo1",
                          "With OneToOneSource Dhcp: a client that gets no lease (DHCP server "
                          "down or silent, pool exhausted, DHCPNAK) is registered n-to-1 "
                          "(sharing PublicAddress) instead of refused with EADDRNOTAVAIL.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&ResoaServer::m_dhcpFallBack),
                          MakeBooleanChecker())
            .AddAttribute("DhcpInterface",
                          "IPv4 interface on whose link leases are taken and leased addresses "
                          "configured (-1 = the interface holding PublicAddress).",
                          IntegerValue(-1),
                          MakeIntegerAccessor(&ResoaServer::m_dhcpInterface),
                          MakeIntegerChecker<int32_t>(-1))
            .AddAttribute("SocketLimit",
                          "Open sockets per client (accepted ones included).",
                          UintegerValue(d.socketLimit),
                          MakeUintegerAccessor(&ResoaServer::m_socketLimit),
                          MakeUintegerChecker<uint16_t>(1))
            .AddAttribute("ClientWindow",
                          "Bytes of client stream data the server buffers per socket.",
                          UintegerValue(d.clientWindowBytes),
                          MakeUintegerAccessor(&ResoaServer::m_clientWindow),
                          MakeUintegerChecker<uint32_t>(1024))
            .AddAttribute("ClosingTimeout",
                          "How long a socket the client closed may keep unsent data before it "
                          "is aborted (a linger bound: a peer that never reads cannot hold "
                          "server memory).",
                          TimeValue(NanoSeconds(d.closingTimeout.count())),
                          MakeTimeAccessor(&ResoaServer::m_closingTimeout),
                          MakeTimeChecker(MilliSeconds(1)))
            .AddAttribute("MaxClients",
                          "Clients registered at once; one more is refused (ECONNREFUSED).",
                          UintegerValue(d.maxClients),
                          MakeUintegerAccessor(&ResoaServer::m_maxClients),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("RegistrationsPerSecond",
                          "New registrations per second, in bursts of the same number; beyond "
                          "it a registration is refused (ECONNREFUSED). 0 (the default in "
                          "simulations, unlike resoa-serverd's 100) = no limit.",
                          DoubleValue(0),
                          MakeDoubleAccessor(&ResoaServer::m_registrationsPerSecond),
                          MakeDoubleChecker<double>(0))
            .AddAttribute("ClientBufferBytes",
                          "Per client: server buffer its sockets may hold (ClientWindow per "
                          "stream plus the SO_SNDBUF/SO_RCVBUF it sets); beyond it socket() and "
                          "setsockopt() get ENOBUFS.",
                          UintegerValue(d.maxClientBufferBytes),
                          MakeUintegerAccessor(&ResoaServer::m_clientBufferBytes),
                          MakeUintegerChecker<uint64_t>(1024))
            .AddAttribute("MaxSocketBuffer",
                          "Largest SO_SNDBUF/SO_RCVBUF a client may set (as Linux's "
                          "rmem_max/wmem_max); larger values are clamped.",
                          UintegerValue(d.maxSocketBuffer),
                          MakeUintegerAccessor(&ResoaServer::m_maxSocketBuffer),
                          MakeUintegerChecker<int32_t>(1024))
            .AddAttribute("TcpMinRto",
                          "The server's own TCP: MinRto of its connections (0 = the node's "
                          "default). Lets the server's TCP differ from a baseline's "
                          "process-wide settings in the same simulation.",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&ResoaServer::m_tcpMinRto),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("TcpClockGranularity",
                          "The server's own TCP: ClockGranularity (0 = the node's default). "
                          "200 ms gives Linux's RTO = SRTT + max(200 ms, 4 RTTVAR).",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&ResoaServer::m_tcpClockGranularity),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("TcpDelAckTimeout",
                          "The server's own TCP: delayed-ACK timeout (0 = the node's "
                          "default; Linux acks after 40 ms at most).",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&ResoaServer::m_tcpDelAckTimeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("TcpCongestionControl",
                          "The server's own TCP: congestion control TypeId, e.g. "
                          "ns3::TcpCubic (empty = the node's default).",
                          StringValue(""),
                          MakeStringAccessor(&ResoaServer::m_tcpCongestionControl),
                          MakeStringChecker())
            .AddTraceSource("Request",
                            "An EP message from a client: session, type, rsockID.",
                            MakeTraceSourceAccessor(&ResoaServer::m_requestTrace),
                            "ns3::ResoaServer::MessageTracedCallback")
            .AddTraceSource("Response",
                            "An EP message to a client: session, type, rsockID.",
                            MakeTraceSourceAccessor(&ResoaServer::m_responseTrace),
                            "ns3::ResoaServer::MessageTracedCallback")
            .AddTraceSource("SocketOpen",
                            "A server socket was created; open sockets afterwards.",
                            MakeTraceSourceAccessor(&ResoaServer::m_socketOpenTrace),
                            "ns3::ResoaServer::SocketTracedCallback")
            .AddTraceSource("SocketClose",
                            "A server socket was released; open sockets afterwards.",
                            MakeTraceSourceAccessor(&ResoaServer::m_socketCloseTrace),
                            "ns3::ResoaServer::SocketTracedCallback");
    return tid;
}

ResoaServer::ResoaServer()
    : m_allowOneToOne(false)
    , m_oneToOneSource(POOL)
    , m_dhcpFallBack(false)
    , m_dhcpInterface(-1)
    , m_dhcp(CreateObject<ResoaDhcpAgent>())
    , m_allowNTo1(true)
    , m_socketLimit(64)
    , m_maxClients(1024)
    , m_registrationsPerSecond(0)
    , m_clientBufferBytes(16u << 20)
    , m_clientWindow(131072)
    , m_closingTimeout(Seconds(60))
    , m_maxSocketBuffer(4 << 20)
    , m_running(false)
    , m_lastOpen(0)
{
    NS_LOG_FUNCTION(this);
}

ResoaServer::~ResoaServer() = default;

void
ResoaServer::DoDispose()
{
    m_engineTimer.Cancel();
    m_sessions.clear();
    if (m_dhcp)
    {
        m_dhcp->Dispose();
        m_dhcp = nullptr;
    }
    m_engine.reset();
    m_stack.reset();
    m_lhps.clear();
    Application::DoDispose();
}

void
ResoaServer::AddLhp(Ptr<LhpProtocol> lhp)
{
    m_lhps.push_back(lhp);
}

void
ResoaServer::AddPoolAddress(Ipv4Address address)
{
    // The engine copies the pool when the application starts.
    NS_ABORT_MSG_IF(m_engine, "ResoaServer: pool addresses must be added before the server starts");
    m_pool.push_back(address);
}

const resoa::EpServer*
ResoaServer::GetEngine() const
{
    return m_engine.get();
}

const Ns3EpSocketStack*
ResoaServer::GetStack() const
{
    return m_stack.get();
}

const std::vector<Ptr<LhpProtocol>>&
ResoaServer::GetLhps() const
{
    return m_lhps;
}

uint32_t
ResoaServer::GetSessionCount() const
{
    return m_sessions.size();
}

Ptr<ResoaDhcpAgent>
ResoaServer::GetDhcpAgent() const
{
    return m_dhcp;
}

uint64_t
ResoaServer::SessionId(uint32_t lhpIndex, LhpProtocol::Handle h)
{
    return (uint64_t(lhpIndex) << 32) | h;
}

void
ResoaServer::StartApplication()
{
    NS_LOG_FUNCTION(this);
    NS_ABORT_MSG_IF(m_lhps.empty(), "ResoaServer has no LHP device (use ResoaHelper)");
    Ipv4Address pub = m_publicAddress;
    Ptr<Ipv4> ipv4 = GetNode()->GetObject<Ipv4>();
    NS_ABORT_MSG_UNLESS(ipv4, "ResoaServer needs an Internet stack on its node");
    for (uint32_t i = 0; pub == Ipv4Address::GetAny() && i < ipv4->GetNInterfaces(); ++i)
    {
        for (uint32_t j = 0; j < ipv4->GetNAddresses(i); ++j)
        {
            Ipv4Address a = ipv4->GetAddress(i, j).GetLocal();
            if (!a.IsLocalhost())
            {
                pub = a;
                break;
            }
        }
    }
    NS_ABORT_MSG_IF(pub == Ipv4Address::GetAny(), "ResoaServer: no public IPv4 address");
    m_publicAddress = pub;

    if (m_oneToOneSource == DHCP)
    {
        m_allowOneToOne = true;
        int32_t itf = m_dhcpInterface >= 0 ? m_dhcpInterface : ipv4->GetInterfaceForAddress(pub);
        NS_ABORT_MSG_IF(itf < 0, "ResoaServer: no interface for DHCP (set DhcpInterface)");
        m_dhcp->Setup(GetNode(), itf);
        m_dhcp->SetOutcomeCallback(MakeCallback(&ResoaServer::OnLeaseOutcome, this));
    }

    resoa::EpServerConfig cfg;
    cfg.serverIpv4 = pub.Get();
    cfg.allowNTo1 = m_allowNTo1;
    cfg.allowOneTo1 = m_allowOneToOne;
    for (const auto& a : m_pool)
    {
        cfg.addressPool.push_back(a.Get());
    }
    cfg.socketLimit = m_socketLimit;
    cfg.maxClients = m_maxClients;
    cfg.registrationsPerSecond = m_registrationsPerSecond;
    cfg.registrationBurst = static_cast<uint32_t>(std::max(1.0, m_registrationsPerSecond));
    cfg.maxClientBufferBytes = m_clientBufferBytes;
    cfg.clientWindowBytes = m_clientWindow;
    cfg.closingTimeout = resoa::Duration(m_closingTimeout.GetNanoSeconds());
    cfg.maxSocketBuffer = m_maxSocketBuffer;
    cfg.maxMessageSize = m_lhps.front()->GetConfig().maxPayload;

    m_stack = std::make_unique<Ns3EpSocketStack>(GetNode());
    m_engine = std::make_unique<resoa::EpServer>(cfg, *m_stack);
    m_stack->SetServer(m_engine.get());
    m_stack->SetAfterEventCallback([this]() { Drain(); });
    m_stack->SetTcpConfigurator([this](Ptr<Socket> s) { ConfigureTcp(s); });
    if (m_oneToOneSource == DHCP)
    {
        m_engine->SetAddressProvider([this](const resoa::EpAddressRequest& r)
                                     { OnAddressRequest(r.sessionId); });
    }
    if (m_allowOneToOne)
    {
        m_stack->SetSourceRouting(ResoaSourceRouting::InstallOn(GetNode()));
    }
    for (uint32_t i = 0; i < m_lhps.size(); ++i)
    {
        Ptr<LhpProtocol> lhp = m_lhps[i];
        lhp->SetAttribute("AcceptIncoming", BooleanValue(true));
        lhp->SetConnectionCallback(
            Callback<void, LhpProtocol::Handle, LhpProtocol::ConnectionEvent, const Address&>(
                [this,
                 i](LhpProtocol::Handle h, LhpProtocol::ConnectionEvent ev, const Address& peer)
                { OnConnection(i, h, ev, peer); }));
        lhp->SetReceiveCallback(Callback<void, LhpProtocol::Handle, resoa::LhpChannel, Ptr<Packet>>(
            [this, i](LhpProtocol::Handle h, resoa::LhpChannel ch, Ptr<Packet> p)
            { OnSdu(i, h, ch, p); }));
        lhp->SetSendSpaceCallback(Callback<void, LhpProtocol::Handle>(
            [this, i](LhpProtocol::Handle h) { OnSendSpace(i, h); }));
    }
    m_running = true;
    NS_LOG_INFO("ReSoA server up at " << pub << " on " << m_lhps.size() << " LHP device(s)");
}

void
ResoaServer::StopApplication()
{
    NS_LOG_FUNCTION(this);
    if (!m_running)
    {
        return;
    }
    m_running = false;
    // A stopped server is a crashed one: silent on the link, its sockets gone.
    for (auto& lhp : m_lhps)
    {
        lhp->SetAttribute("AcceptIncoming", BooleanValue(false));
        lhp->Crash();
    }
    m_sessions.clear();
    m_engineTimer.Cancel();
    m_dhcp->Abort();
    m_stack->AbortAll();
}

void
ResoaServer::OnConnection(uint32_t lhpIndex,
                          LhpProtocol::Handle h,
                          LhpProtocol::ConnectionEvent ev,
                          const Address& peer)
{
    if (!m_running)
    {
        return;
    }
    uint64_t id = SessionId(lhpIndex, h);
    if (ev == LhpProtocol::CONNECTION_UP)
    {
        NS_LOG_INFO("client " << peer << " connected, session " << id);
        m_sessions.erase(id);
        m_dhcp->Release(id);
        m_sessions.emplace(id, Session(m_lhps[lhpIndex], h)).first->second.peer = peer;
        m_engine->OnSessionUp(id);
    }
    else
    {
        NS_LOG_INFO("client " << peer << " gone ("
                              << (ev == LhpProtocol::CONNECTION_DEAD ? "dead" : "closed")
                              << "), session " << id);
        m_sessions.erase(id);
        m_engine->OnSessionDown(id);
        m_dhcp->Release(id); // after the engine released the sockets on its address
    }
    Drain();
}

void
ResoaServer::OnSdu(uint32_t lhpIndex, LhpProtocol::Handle h, resoa::LhpChannel ch, Ptr<Packet> sdu)
{
    if (!m_running)
    {
        return;
    }
    std::vector<uint8_t> bytes(sdu->GetSize());
    sdu->CopyData(bytes.data(), bytes.size());
    uint64_t id = SessionId(lhpIndex, h);
    if (auto hdr = resoa::PeekEpHeader(bytes))
    {
        m_requestTrace(id, hdr->type, hdr->rsockId);
    }
    m_engine->OnMessage(id, bytes, Now());
    Drain();
}

void
ResoaServer::OnSendSpace(uint32_t lhpIndex, LhpProtocol::Handle h)
{
    uint64_t id = SessionId(lhpIndex, h);
    auto it = m_sessions.find(id);
    if (it != m_sessions.end())
    {
        resoa::ResumeServerSession(*m_engine, id, it->second.glue);
        Drain();
    }
}

void
ResoaServer::ConfigureTcp(Ptr<Socket> socket) const
{
    Ptr<TcpSocketBase> tcp = DynamicCast<TcpSocketBase>(socket);
    if (!tcp)
    {
        return;
    }
    if (!m_tcpMinRto.IsZero())
    {
        tcp->SetAttribute("MinRto", TimeValue(m_tcpMinRto));
    }
    if (!m_tcpClockGranularity.IsZero())
    {
        tcp->SetAttribute("ClockGranularity", TimeValue(m_tcpClockGranularity));
    }
    if (!m_tcpDelAckTimeout.IsZero())
    {
        tcp->SetAttribute("DelAckTimeout", TimeValue(m_tcpDelAckTimeout));
    }
    if (!m_tcpCongestionControl.empty())
    {
        ObjectFactory f(m_tcpCongestionControl);
        tcp->SetCongestionControlAlgorithm(f.Create<TcpCongestionOps>());
    }
}

resoa::TimePoint
ResoaServer::Now()
{
    return resoa::TimePoint(Simulator::Now().GetNanoSeconds());
}

void
ResoaServer::ArmEngineTimer()
{
    std::optional<resoa::TimePoint> due = m_engine->NextDeadline();
    if (!due)
    {
        m_engineTimer.Cancel();
        return;
    }
    Time at = NanoSeconds(due->count());
    if (m_engineTimer.IsRunning() && m_engineTimerAt == at)
    {
        return;
    }
    m_engineTimer.Cancel();
    m_engineTimerAt = at;
    m_engineTimer = Simulator::Schedule(
        at > Simulator::Now() ? at - Simulator::Now() : Time(0), &ResoaServer::OnEngineTimer, this);
}

void
ResoaServer::OnEngineTimer()
{
    if (!m_running)
    {
        return;
    }
    m_engine->HandleDeadline(Now());
    Drain();
}

void
ResoaServer::Drain()
{
    if (!m_engine)
    {
        return;
    }
    resoa::PumpServerOutgoing(
        *m_engine,
        [this](uint64_t id) -> resoa::EpLhpSession*
        {
            auto it = m_sessions.find(id);
            return it == m_sessions.end() ? nullptr : &it->second.glue;
        },
        [this](const resoa::EpServerOutgoing& out)
        {
            if (auto hdr = resoa::PeekEpHeader(out.bytes))
            {
                m_responseTrace(out.sessionId, hdr->type, hdr->rsockId);
            }
        });
    ArmEngineTimer();
    TraceCounts();
}

void
ResoaServer::TraceCounts()
{
    const resoa::EpServerStats& st = m_engine->GetStats();
    uint64_t open = st.socketsCreated - st.socketsClosed;
    if (open > m_lastOpen)
    {
        m_socketOpenTrace(open);
    }
    else if (open < m_lastOpen)
    {
        m_socketCloseTrace(open);
    }
    m_lastOpen = open;
}

void
ResoaServer::OnAddressRequest(uint64_t sessionId)
{
    auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end() || !Mac48Address::IsMatchingType(it->second.peer))
    {
        m_engine->OnAddressAssigned(sessionId, 0, m_dhcpFallBack, resoa::ep_errno::kEaddrnotavail);
        return;
    }
    Mac48Address mac = Mac48Address::ConvertFrom(it->second.peer);
    NS_LOG_INFO("session " << sessionId << ": leasing an address for " << mac << " by DHCP");
    m_dhcp->Acquire(sessionId, mac);
}

void
ResoaServer::OnLeaseOutcome(uint64_t key, ResoaDhcpAgent::Outcome outcome, Ipv4Address address)
{
    if (!m_running || !m_engine)
    {
        return;
    }
    switch (outcome)
    {
        case ResoaDhcpAgent::BOUND:
            NS_LOG_INFO("session " << key << ": leased " << address);
            m_engine->OnAddressAssigned(key, address.Get(), false, 0);
            break;
        case ResoaDhcpAgent::RENEWED:
            return;
        case ResoaDhcpAgent::FAILED_TIMEOUT:
        case ResoaDhcpAgent::FAILED_NAK:
            NS_LOG_INFO("session " << key << ": no lease ("
                                   << (outcome == ResoaDhcpAgent::FAILED_NAK ? "NAK" : "timeout")
                                   << ")" << (m_dhcpFallBack ? ", n-to-1 instead" : ", refused"));
            m_engine->OnAddressAssigned(key, 0, m_dhcpFallBack, resoa::ep_errno::kEaddrnotavail);
            break;
        case ResoaDhcpAgent::LOST_EXPIRED:
        case ResoaDhcpAgent::LOST_NAK:
            NS_LOG_INFO("session " << key << ": lease of " << address << " lost, session ends");
            EndSession(key);
            break;
    }
    Drain();
}

void
ResoaServer::EndSession(uint64_t sessionId)
{
    auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
    {
        return;
    }
    Ptr<LhpProtocol> lhp = it->second.lhp;
    LhpProtocol::Handle h = it->second.handle;
    m_sessions.erase(it);
    m_engine->OnSessionDown(sessionId);
    m_dhcp->Release(sessionId);
    lhp->Close(h);
}

} // namespace ns3
