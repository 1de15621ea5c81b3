/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "resoa-client.h"

#include "resoa-socket.h"

#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ResoaClient");
NS_OBJECT_ENSURE_REGISTERED(ResoaClient);

TypeId
ResoaClient::GetTypeId()
{
    static const resoa::EpClientConfig d;
    static const resoa::ServerSelectorConfig sel;
    static TypeId tid =
        TypeId("ns3::ResoaClient")
            .SetParent<Object>()
            .SetGroupName("Resoa")
            .AddConstructor<ResoaClient>()
            .AddAttribute("AddressMode",
                          "Internet addressing mode asked for at registration.",
                          EnumValue(N_TO_1),
                          MakeEnumAccessor(&ResoaClient::m_mode),
                          MakeEnumChecker(N_TO_1, "NTo1", ONE_TO_1, "OneTo1"))
            .AddAttribute("RequestedAddress",
                          "1-to-1: the public address asked for (0.0.0.0 = any from the pool).",
                          Ipv4AddressValue(Ipv4Address::GetAny()),
                          MakeIpv4AddressAccessor(&ResoaClient::m_requested),
                          MakeIpv4AddressChecker())
            .AddAttribute("Name",
                          "Client name sent at registration (for the server's policy).",
                          StringValue(""),
                          MakeStringAccessor(&ResoaClient::m_name),
                          MakeStringChecker())
            .AddAttribute("ServerSelection",
                          "With several servers: which one is tried first (Hash: FNV-1a of "
                          "this node's LHP device address modulo the number of servers; "
                          "First: the head of the list). Failover goes on in list order.",
                          EnumValue(SELECT_HASH),
                          MakeEnumAccessor(&ResoaClient::m_selection),
                          MakeEnumChecker(SELECT_HASH, "Hash", SELECT_FIRST, "First"))
            .AddAttribute("ReconnectBackoffMin",
                          "Wait before reconnecting once every server failed since the last "
                          "registration (one server: after each failure); doubles each round.",
                          TimeValue(NanoSeconds(sel.backoffMin.count())),
                          MakeTimeAccessor(&ResoaClient::m_backoffMin),
                          MakeTimeChecker(Seconds(0)))
            .AddAttribute("ReconnectBackoffMax",
                          "Upper bound of the doubling reconnect backoff.",
                          TimeValue(NanoSeconds(sel.backoffMax.count())),
                          MakeTimeAccessor(&ResoaClient::m_backoffMax),
                          MakeTimeChecker(Seconds(0)))
            .AddAttribute("SendBufferSize",
                          "Per stream socket: bytes Send buffers before the server takes them.",
                          UintegerValue(d.sendBufferBytes),
                          MakeUintegerAccessor(&ResoaClient::m_sendBuffer),
                          MakeUintegerChecker<uint32_t>(1024))
            .AddAttribute("ReceiveWindow",
                          "Per socket: bytes the server may push ahead of the application "
                          "(the credit).",
                          UintegerValue(d.recvWindowBytes),
                          MakeUintegerAccessor(&ResoaClient::m_recvWindow),
                          MakeUintegerChecker<uint32_t>(1024))
            .AddAttribute("SocketLimit",
                          "Open sockets allowed before the server states its own limit.",
                          UintegerValue(d.socketLimit),
                          MakeUintegerAccessor(&ResoaClient::m_socketLimit),
                          MakeUintegerChecker<uint16_t>(1))
            .AddTraceSource("Request",
                            "An EP message sent to the server: type, rsockID.",
                            MakeTraceSourceAccessor(&ResoaClient::m_requestTrace),
                            "ns3::ResoaClient::MessageTracedCallback")
            .AddTraceSource("Response",
                            "An EP message from the server: type, rsockID.",
                            MakeTraceSourceAccessor(&ResoaClient::m_responseTrace),
                            "ns3::ResoaClient::MessageTracedCallback")
            .AddTraceSource("SocketOpen",
                            "An application created a ReSoA socket (or one was accepted).",
                            MakeTraceSourceAccessor(&ResoaClient::m_socketOpenTrace),
                            "ns3::ResoaClient::SocketTracedCallback")
            .AddTraceSource("SocketClose",
                            "A ReSoA socket was closed by the application.",
                            MakeTraceSourceAccessor(&ResoaClient::m_socketCloseTrace),
                            "ns3::ResoaClient::SocketTracedCallback")
            .AddTraceSource("Registered",
                            "The server answered the registration.",
                            MakeTraceSourceAccessor(&ResoaClient::m_registeredTrace),
                            "ns3::ResoaClient::RegisteredTracedCallback")
            .AddTraceSource("ServerChange",
                            "The link to the server failed or its registration was refused: "
                            "the client moves to the server given (index, LHP address).",
                            MakeTraceSourceAccessor(&ResoaClient::m_serverChangeTrace),
                            "ns3::ResoaClient::ServerChangeTracedCallback");
    return tid;
}

ResoaClient::ResoaClient()
    : m_session([this](resoa::LhpChannel ch, const std::vector<uint8_t>& sdu)
                { return m_lhp && m_lhp->Send(m_handle, ch, sdu); })
    , m_selection(SELECT_HASH)
    , m_handle(0)
    , m_linkUp(false)
    , m_pumping(false)
    , m_mode(N_TO_1)
    , m_sendBuffer(131072)
    , m_recvWindow(131072)
    , m_socketLimit(64)
{
    NS_LOG_FUNCTION(this);
}

ResoaClient::~ResoaClient() = default;

void
ResoaClient::DoDispose()
{
    m_reconnectEvent.Cancel();
    for (auto& [id, s] : m_sockets)
    {
        s->Dispose();
    }
    m_sockets.clear();
    m_lhp = nullptr;
    m_engine.reset();
    Object::DoDispose();
}

void
ResoaClient::Setup(Ptr<LhpProtocol> lhp, const Address& server)
{
    Setup(lhp, std::vector<Address>{server});
}

void
ResoaClient::Setup(Ptr<LhpProtocol> lhp, const std::vector<Address>& servers)
{
    NS_ABORT_MSG_IF(servers.empty(), "ResoaClient::Setup: no server");
    m_lhp = lhp;
    m_servers = servers;
    lhp->SetConnectionCallback(MakeCallback(&ResoaClient::OnConnection, this));
    lhp->SetReceiveCallback(MakeCallback(&ResoaClient::OnSdu, this));
    lhp->SetSendSpaceCallback(MakeCallback(&ResoaClient::OnSendSpace, this));
}

resoa::EpClient&
ResoaClient::Engine()
{
    if (!m_engine)
    {
        // Built lazily so attributes set after construction apply.
        resoa::EpClientConfig cfg;
        cfg.sendBufferBytes = m_sendBuffer;
        cfg.recvWindowBytes = m_recvWindow;
        cfg.socketLimit = m_socketLimit;
        // Partial chunks wait for the engine's coalescing deadline (coalesceDelay 0: the end
        // of the current simulator event); NoteWrite/EndOfTurn run HandleDeadline then.
        cfg.coalesceWrites = true;
        if (m_lhp)
        {
            cfg.maxMessageSize = m_lhp->GetConfig().maxPayload;
        }
        m_engine = std::make_unique<resoa::EpClient>(cfg);
    }
    return *m_engine;
}

const resoa::EpClient&
ResoaClient::GetEngine() const
{
    return const_cast<ResoaClient*>(this)->Engine();
}

Ptr<LhpProtocol>
ResoaClient::GetLhp() const
{
    return m_lhp;
}

resoa::ServerSelector&
ResoaClient::Selector()
{
    if (!m_selector)
    {
        resoa::ServerSelectorConfig cfg;
        cfg.start = m_selection == SELECT_HASH ? resoa::ServerStartPolicy::Hash
                                               : resoa::ServerStartPolicy::First;
        cfg.backoffMin = resoa::Duration(m_backoffMin.GetNanoSeconds());
        cfg.backoffMax = resoa::Duration(m_backoffMax.GetNanoSeconds());
        std::vector<uint8_t> own;
        if (m_lhp && m_lhp->GetDevice())
        {
            Address a = m_lhp->GetDevice()->GetAddress();
            own.resize(a.GetLength());
            a.CopyTo(own.data());
        }
        m_selector = std::make_unique<resoa::ServerSelector>(m_servers.size(), own, cfg);
    }
    return *m_selector;
}

void
ResoaClient::Start()
{
    NS_LOG_FUNCTION(this);
    NS_ABORT_MSG_UNLESS(m_lhp, "ResoaClient::Start before Setup (use ResoaHelper)");
    Engine();
    ConnectToCurrent();
}

void
ResoaClient::ConnectToCurrent()
{
    if (m_crashed)
    {
        return;
    }
    const Address& server = m_servers[Selector().Current()];
    NS_LOG_INFO("connecting to server " << Selector().Current() << " at " << server);
    m_handle = m_lhp->Connect(server);
}

void
ResoaClient::OnServerFailure(bool closeLink)
{
    LhpProtocol::Handle old = m_handle;
    m_handle = 0; // later news of the old link is ignored
    m_linkUp = false;
    m_session.Reset();
    Engine().OnLinkDown();
    if (closeLink && old != 0)
    {
        // Not from inside the LHP delivery that brought the refusal.
        Simulator::ScheduleNow(&LhpProtocol::Close, m_lhp, old);
    }
    if (m_crashed)
    {
        return;
    }
    resoa::Duration wait = Selector().OnFailure();
    uint32_t next = static_cast<uint32_t>(Selector().Current());
    NS_LOG_INFO("server failed; trying server "
                << next << " in " << std::chrono::duration<double>(wait).count() << " s");
    m_serverChangeTrace(next, m_servers[next]);
    m_reconnectEvent.Cancel();
    m_reconnectEvent =
        Simulator::Schedule(NanoSeconds(wait.count()), &ResoaClient::ConnectToCurrent, this);
}

Address
ResoaClient::GetServer() const
{
    return m_servers.empty() ? Address() : m_servers[GetServerIndex()];
}

uint32_t
ResoaClient::GetServerIndex() const
{
    if (m_servers.empty())
    {
        return 0;
    }
    return static_cast<uint32_t>(const_cast<ResoaClient*>(this)->Selector().Current());
}

uint64_t
ResoaClient::GetFailoverCount() const
{
    return m_selector ? m_selector->GetFailoverCount() : 0;
}

void
ResoaClient::Crash()
{
    NS_LOG_FUNCTION(this);
    m_crashed = true; // a crashed node does not reconnect
    m_reconnectEvent.Cancel();
    m_lhp->Crash();
    m_linkUp = false;
    m_session.Reset();
    Engine().OnLinkDown();
    Pump();
}

Ptr<Socket>
ResoaClient::CreateSocket(resoa::EpSockType type)
{
    resoa::EpSocketResult r = Engine().Create(type);
    if (r.error != resoa::ep_errno::kOk)
    {
        NS_LOG_WARN("socket() refused: errno " << r.error);
        return nullptr;
    }
    Ptr<ResoaSocket> s;
    if (type == resoa::EpSockType::Stream)
    {
        s = CreateObject<ResoaTcpSocket>();
    }
    else
    {
        s = CreateObject<ResoaUdpSocket>();
    }
    s->Attach(this, r.id, type);
    Adopt(s);
    return s;
}

void
ResoaClient::Adopt(Ptr<ResoaSocket> socket)
{
    m_sockets[socket->GetRsockId()] = socket;
    m_socketOpenTrace(socket->GetRsockId());
}

void
ResoaClient::Forget(uint32_t rsockId)
{
    if (m_sockets.erase(rsockId))
    {
        m_socketCloseTrace(rsockId);
    }
}

bool
ResoaClient::IsRegistered() const
{
    return m_engine && m_engine->IsRegistered();
}

Ipv4Address
ResoaClient::GetPublicAddress() const
{
    return Ipv4Address(m_engine ? m_engine->GetPublicIpv4() : 0);
}

void
ResoaClient::OnConnection(LhpProtocol::Handle h,
                          LhpProtocol::ConnectionEvent ev,
                          const Address& peer)
{
    if (h != m_handle)
    {
        return;
    }
    if (ev == LhpProtocol::CONNECTION_UP)
    {
        NS_LOG_INFO("LHP link to server " << peer << " up; registering");
        m_linkUp = true;
        Engine().OnLinkUp();
        Engine().Register(m_mode == ONE_TO_1 ? resoa::EpAddrMode::OneTo1 : resoa::EpAddrMode::NTo1,
                          m_requested.Get(),
                          m_name);
    }
    else
    {
        NS_LOG_INFO("LHP link to server " << peer << " lost");
        OnServerFailure(false);
    }
    Pump();
}

void
ResoaClient::OnSdu(LhpProtocol::Handle h, resoa::LhpChannel ch, Ptr<Packet> sdu)
{
    if (h != m_handle || !m_linkUp)
    {
        return; // a former server's late delivery
    }
    std::vector<uint8_t> bytes(sdu->GetSize());
    sdu->CopyData(bytes.data(), bytes.size());
    if (auto h = resoa::PeekEpHeader(bytes))
    {
        m_responseTrace(h->type, h->rsockId);
    }
    Engine().OnMessage(bytes);
    Pump();
}

void
ResoaClient::OnSendSpace(LhpProtocol::Handle h)
{
    Pump();
}

void
ResoaClient::Flush()
{
    if (!m_linkUp)
    {
        return; // messages wait in the engine until the link is up
    }
    resoa::PumpClientOutgoing(Engine(),
                              m_session,
                              [this](const resoa::EpOutgoing& out)
                              {
                                  if (auto h = resoa::PeekEpHeader(out.bytes))
                                  {
                                      m_requestTrace(h->type, h->rsockId);
                                  }
                              });
}

bool
ResoaClient::DispatchEvents()
{
    bool any = false;
    while (auto e = Engine().PollEvent())
    {
        any = true;
        if (e->kind == resoa::EpClientEvent::Kind::Registered)
        {
            Ipv4Address pub(e->error == 0 ? e->local.Ipv4HostOrder() : 0);
            NS_LOG_INFO("registered: errno " << e->error << ", public address " << pub);
            m_registeredTrace(e->error, pub);
            if (e->error == 0)
            {
                Selector().OnRegistered();
            }
            else if (m_linkUp)
            {
                OnServerFailure(true); // refused: try the next server
            }
            continue;
        }
        auto it = m_sockets.find(e->rsockId);
        if (it == m_sockets.end())
        {
            continue; // closed by the application
        }
        Ptr<ResoaSocket> s = it->second; // keep it alive through its callbacks
        s->HandleEvent(*e);
    }
    return any;
}

void
ResoaClient::EndOfTurn()
{
    m_flushScheduled = false;
    Engine().HandleDeadline(resoa::TimePoint(Simulator::Now().GetNanoSeconds()));
    Pump();
    NoteWrite(); // chunks held after the deadline (a later write) get a timer of their own
}

void
ResoaClient::NoteWrite()
{
    if (m_flushScheduled)
    {
        return; // deadlines only grow: the timer already set is the earliest
    }
    std::optional<resoa::TimePoint> deadline = Engine().NextDeadline();
    if (deadline)
    {
        // Small writes coalesce into whole frames; what is left of a chunk goes out at the
        // engine's deadline (with the default coalesceDelay 0, right after this event, at
        // the same simulated time).
        int64_t wait = deadline->count() - Simulator::Now().GetNanoSeconds();
        m_flushScheduled = true;
        Simulator::Schedule(NanoSeconds(wait > 0 ? wait : 0), &ResoaClient::EndOfTurn, this);
    }
}

void
ResoaClient::Pump()
{
    if (m_pumping)
    {
        return; // the outer pump picks up what this call added
    }
    m_pumping = true;
    // Application callbacks run during dispatch may queue more messages and events.
    bool dispatched;
    do
    {
        Flush();
        dispatched = DispatchEvents();
    } while (dispatched || (m_linkUp && !m_session.Blocked() && Engine().HasOutgoing()));
    m_pumping = false;
}

} // namespace ns3
