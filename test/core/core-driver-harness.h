/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The "third driver" of the sans-I/O core, for tests: a ReSoA client node (EpClient +
 * EpLhpSession + LhpEndpoint) and a ReSoA server node (EpServer over FakeSocketStack +
 * LhpEndpoint + one EpLhpSession per LHP handle), driven over a virtual-time lossy link with
 * nothing but bytes and time. No ns-3, no OS. Header only.
 *
 * The driver rules are those of the ns-3 drivers (model/resoa-client.cc and
 * model/resoa-server.cc):
 *  - client: on Up, EpClient::OnLinkUp + Register; on Dead/Closed, EpLhpSession::Reset +
 *    EpClient::OnLinkDown; every delivery -> EpClient::OnMessage; after every step,
 *    PumpClientOutgoing (it stops polling the engine while the session is Blocked), again on
 *    SendSpace; EpClient::NextDeadline / HandleDeadline armed (write coalescing). Unlike the
 *    ns-3 driver it reconnects after `reconnectDelay` once its link is gone, as a daemon would.
 *  - server: Up -> OnSessionUp; Dead/Closed -> OnSessionDown, session dropped; deliveries ->
 *    OnMessage(session, bytes, now); PumpServerOutgoing after every step; SendSpace ->
 *    ResumeServerSession then PumpServerOutgoing; EpServer::NextDeadline / HandleDeadline.
 */
#ifndef RESOA_TEST_CORE_DRIVER_HARNESS_H
#define RESOA_TEST_CORE_DRIVER_HARNESS_H

#include "ep-client.h"
#include "ep-lhp-session.h"
#include "ep-server.h"
#include "lhp-endpoint.h"
#include "lhp-frame.h"
#include "resoa-time.h"

#include "core/fake-socket-stack.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

namespace resoa
{
namespace test
{

/// splitmix64: small, portable and seeded (std distributions differ between libraries).
class DriverRng
{
  public:
    explicit DriverRng(std::uint64_t seed)
        : m_state(seed)
    {
    }

    std::uint64_t Next()
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    /// Uniform in [0, 1).
    double Uniform()
    {
        return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0);
    }

    bool Chance(double p)
    {
        return p > 0 && Uniform() < p;
    }

    std::uint32_t U32()
    {
        return static_cast<std::uint32_t>(Next() >> 32);
    }

  private:
    std::uint64_t m_state;
};

/// An LhpEndpoint random source drawing from a seeded DriverRng.
inline LhpEndpoint::RandomSource
SeededRandomSource(std::uint64_t seed)
{
    auto rng = std::make_shared<DriverRng>(seed);
    return [rng]()
    {
        return rng->U32();
    };
}

/// The link between the two nodes; the same impairments in both directions.
struct DriverLinkParams
{
    Duration delay{std::chrono::milliseconds(2)}; //!< one-way propagation delay
    /// bit/s; 0 = no limit. With a limit a node is polled for one frame at a time, when its
    /// direction is idle (a driver with a one-frame device queue).
    double bitRate = 20e6;
    double loss = 0;      //!< i.i.d. frame loss probability (acks are frames too)
    double duplicate = 0; //!< probability that a frame arrives twice
    double reorder = 0;   //!< probability that a frame gets an extra delay ...
    Duration reorderDelay{std::chrono::milliseconds(3)}; //!< ... uniform in [0, this]
    std::uint64_t seed = 1;
};

/// What the world needs from a node: the four LHP driver verbs plus "run your engines".
class DriverNode
{
  public:
    virtual ~DriverNode() = default;
    virtual const LhpPeerAddress& Address() const = 0;
    /// One frame from the link; the node runs its engines afterwards.
    virtual void Receive(const LhpPeerAddress& from,
                         const std::vector<std::uint8_t>& frame,
                         TimePoint now) = 0;
    virtual bool PollTransmit(TimePoint now,
                              LhpPeerAddress& to,
                              std::vector<std::uint8_t>& out) = 0;
    virtual std::optional<TimePoint> NextDeadline() const = 0;
    virtual void HandleDeadline(TimePoint now) = 0;
    /// Runs the engines and the application hooks until nothing moves.
    virtual void Process(TimePoint now) = 0;

    bool stuck = false; //!< a processing loop hit its guard
};

/// Every knob of a client node.
struct ClientDriverConfig
{
    EpClientConfig ep;
    LhpEndpointConfig lhp;
    EpLhpSessionConfig session;
    EpAddrMode mode = EpAddrMode::NTo1;
    std::uint32_t requestedIpv4 = 0;
    std::string name = "sta";
    /// After the link is Dead/Closed (or Connect found no id), connect again this much
    /// later; nothing = never.
    std::optional<Duration> reconnectDelay = Duration{std::chrono::milliseconds(200)};
};

/**
 * \brief A ReSoA client node: one EpClient, one EpLhpSession, one LhpEndpoint (client role).
 *
 * The application is the test: `onEvent` sees every EpClient event (also logged in `events`),
 * `onTurn` runs on every processing round (it may call the engine; the node pumps after it).
 */
class ClientDriver : public DriverNode
{
  public:
    struct LhpLogItem
    {
        TimePoint at;
        LhpEndpointEvent::Kind kind;
        LhpHandle handle;
    };

    struct EventLogItem
    {
        TimePoint at;
        EpClientEvent event;
    };

    ClientDriver(LhpPeerAddress self,
                 LhpPeerAddress server,
                 ClientDriverConfig cfg,
                 LhpEndpoint::RandomSource random)
        : m_self(self)
        , m_server(server)
        , m_cfg(Adjust(cfg))
        , m_engine(m_cfg.ep)
        , m_ep(m_cfg.lhp, std::move(random))
        , m_session([this](LhpChannel ch, const std::vector<std::uint8_t>& sdu)
                    { return m_handle != kLhpNoHandle && m_ep.Send(m_handle, ch, sdu, m_now); },
                    m_cfg.session)
    {
    }

    /// Opens the LHP connection to the server (at `now`).
    void Start(TimePoint now)
    {
        m_now = std::max(m_now, now);
        Connect();
        Process(now);
    }

    // --- DriverNode ---
    const LhpPeerAddress& Address() const override
    {
        return m_self;
    }

    void Receive(const LhpPeerAddress& from,
                 const std::vector<std::uint8_t>& frame,
                 TimePoint now) override
    {
        m_now = std::max(m_now, now);
        m_ep.Receive(from, frame.data(), frame.size(), m_now);
        Process(now);
    }

    bool PollTransmit(TimePoint now, LhpPeerAddress& to, std::vector<std::uint8_t>& out) override
    {
        m_now = std::max(m_now, now);
        return m_ep.PollTransmit(m_now, to, out);
    }

    std::optional<TimePoint> NextDeadline() const override
    {
        std::optional<TimePoint> d = m_ep.NextDeadline();
        for (std::optional<TimePoint> t : {m_engine.NextDeadline(), m_reconnectAt})
        {
            if (t && (!d || *t < *d))
            {
                d = t;
            }
        }
        return d;
    }

    void HandleDeadline(TimePoint now) override
    {
        m_now = std::max(m_now, now);
        std::optional<TimePoint> lhp = m_ep.NextDeadline();
        if (lhp && *lhp <= m_now)
        {
            m_ep.HandleDeadline(m_now);
        }
        std::optional<TimePoint> ep = m_engine.NextDeadline();
        if (ep && *ep <= m_now)
        {
            m_engine.HandleDeadline(m_now);
        }
        if (m_reconnectAt && *m_reconnectAt <= m_now)
        {
            m_reconnectAt.reset();
            Connect();
        }
        Process(now);
    }

    void Process(TimePoint now) override
    {
        m_now = std::max(m_now, now);
        if (m_processing)
        {
            return; // the outer round picks up what a hook added
        }
        m_processing = true;
        for (std::size_t round = 0;; ++round)
        {
            if (round > 100000)
            {
                stuck = true;
                break;
            }
            bool progress = DrainEndpoint();
            progress |= Flush() > 0;
            progress |= DispatchEvents();
            if (onTurn)
            {
                onTurn(m_now);
            }
            progress |= DispatchEvents();
            progress |= Flush() > 0;
            if (!progress)
            {
                break;
            }
        }
        m_processing = false;
    }

    // --- inspection ---
    EpClient& Engine()
    {
        return m_engine;
    }

    LhpEndpoint& Endpoint()
    {
        return m_ep;
    }

    EpLhpSession& Session()
    {
        return m_session;
    }

    LhpHandle Handle() const
    {
        return m_handle;
    }

    bool LinkUp() const
    {
        return m_linkUp;
    }

    TimePoint Now() const
    {
        return m_now;
    }

    const ClientDriverConfig& Config() const
    {
        return m_cfg;
    }

    /// Messages handed to the session, by EP type and channel.
    std::uint64_t Sent(EpType type, LhpChannel ch) const
    {
        auto it = m_sentByType.find({static_cast<std::uint8_t>(type), ch});
        return it == m_sentByType.end() ? 0 : it->second;
    }

    /// First logged event of `kind` on socket `rsockId`, if any.
    const EventLogItem* FindEvent(EpClientEvent::Kind kind, std::uint32_t rsockId) const
    {
        for (const EventLogItem& i : events)
        {
            if (i.event.kind == kind && i.event.rsockId == rsockId)
            {
                return &i;
            }
        }
        return nullptr;
    }

    std::function<void(const EpClientEvent&, TimePoint)> onEvent;
    std::function<void(TimePoint)> onTurn;

    std::vector<EventLogItem> events;
    std::vector<LhpLogItem> lhpEvents;
    std::uint64_t connects = 0;           //!< LhpEndpoint::Connect calls
    std::uint64_t linkDowns = 0;          //!< Dead/Closed of the current handle
    std::uint64_t semiReliableDrops = 0;  //!< SemiReliableDrop events, any handle
    std::uint64_t staleDeliveries = 0;    //!< SDUs of a handle that is not ours (or not up)
    std::int32_t lastRegisterResult = -1; //!< what Register returned at the last Up

  private:
    static ClientDriverConfig Adjust(ClientDriverConfig c)
    {
        // As ResoaClient::Engine: coalesced writes, one EP message per LHP SDU.
        c.ep.coalesceWrites = true;
        c.ep.maxMessageSize = c.lhp.link.maxPayload;
        c.lhp.acceptIncoming = false;
        return c;
    }

    void Connect()
    {
        connects++;
        m_handle = m_ep.Connect(m_server, m_now);
        if (m_handle == kLhpNoHandle && m_cfg.reconnectDelay)
        {
            m_reconnectAt = m_now + *m_cfg.reconnectDelay;
        }
    }

    std::size_t Flush()
    {
        if (!m_linkUp)
        {
            return 0; // messages wait in the engine until the link is up
        }
        return PumpClientOutgoing(m_engine,
                                  m_session,
                                  [this](const EpOutgoing& out)
                                  {
                                      if (auto h = PeekEpHeader(out.bytes))
                                      {
                                          m_sentByType[{h->type, out.channel}]++;
                                      }
                                  });
    }

    bool DispatchEvents()
    {
        bool any = false;
        while (std::optional<EpClientEvent> e = m_engine.PollEvent())
        {
            any = true;
            events.push_back(EventLogItem{m_now, *e});
            if (onEvent)
            {
                onEvent(*e, m_now);
            }
        }
        return any;
    }

    /// Alternates the endpoint's two queues (they are one sequence) until both are empty.
    bool DrainEndpoint()
    {
        bool any = false;
        for (;;)
        {
            if (std::optional<LhpEndpointDelivery> d = m_ep.PollDelivery())
            {
                any = true;
                if (d->handle == m_handle && m_linkUp)
                {
                    m_engine.OnMessage(d->data);
                    Flush();
                }
                else
                {
                    staleDeliveries++;
                }
                continue;
            }
            if (std::optional<LhpEndpointEvent> e = m_ep.PollEvent())
            {
                any = true;
                OnLhpEvent(*e);
                continue;
            }
            return any;
        }
    }

    void OnLhpEvent(const LhpEndpointEvent& e)
    {
        using K = LhpEndpointEvent::Kind;
        lhpEvents.push_back(LhpLogItem{m_now, e.kind, e.handle});
        if (e.kind == K::SemiReliableDrop)
        {
            semiReliableDrops++;
            return;
        }
        if (e.handle != m_handle || m_handle == kLhpNoHandle)
        {
            return;
        }
        switch (e.kind)
        {
            case K::Up:
                m_linkUp = true;
                m_engine.OnLinkUp();
                lastRegisterResult = m_engine.Register(m_cfg.mode, m_cfg.requestedIpv4, m_cfg.name);
                break;
            case K::Dead:
            case K::Closed:
                m_linkUp = false;
                m_session.Reset();
                m_engine.OnLinkDown();
                m_handle = kLhpNoHandle;
                linkDowns++;
                if (m_cfg.reconnectDelay)
                {
                    m_reconnectAt = m_now + *m_cfg.reconnectDelay;
                }
                break;
            case K::SendSpace:
                Flush();
                break;
            default:
                break;
        }
    }

    LhpPeerAddress m_self;
    LhpPeerAddress m_server;
    ClientDriverConfig m_cfg;
    EpClient m_engine;
    LhpEndpoint m_ep;
    EpLhpSession m_session;
    LhpHandle m_handle = kLhpNoHandle;
    bool m_linkUp = false;
    bool m_processing = false;
    TimePoint m_now{0};
    std::optional<TimePoint> m_reconnectAt;
    std::map<std::pair<std::uint8_t, LhpChannel>, std::uint64_t> m_sentByType;
};

/// Every knob of a server node.
struct ServerDriverConfig
{
    EpServerConfig ep;
    LhpEndpointConfig lhp;
    EpLhpSessionConfig session;
};

/**
 * \brief A ReSoA server node: EpServer over a FakeSocketStack (the Internet), one
 * LhpEndpoint accepting clients, one EpLhpSession per LHP handle (sessionId = handle).
 *
 * `onTurn` is the Internet side: it runs on every processing round and may PeerRead,
 * PeerWrite, PeerClose... on Stack(); stack events it causes are delivered in the same round.
 */
class ServerDriver : public DriverNode
{
  public:
    struct SessionLogItem
    {
        TimePoint at;
        LhpEndpointEvent::Kind kind; //!< Up, Dead or Closed
        LhpHandle handle;
    };

    ServerDriver(LhpPeerAddress self, ServerDriverConfig cfg, LhpEndpoint::RandomSource random)
        : m_self(self)
        , m_cfg(Adjust(cfg))
        , m_stack(m_cfg.ep.serverIpv4)
        , m_engine(m_cfg.ep, m_stack)
        , m_ep(m_cfg.lhp, std::move(random))
    {
        m_stack.AttachServer(&m_engine);
    }

    /// The server host crashes: its endpoint drops every link silently and accepts nothing
    /// any more (as ResoaServer::StopApplication); its sockets are gone.
    void Crash()
    {
        m_ep.Crash();
        m_ep.SetAcceptIncoming(false);
        std::vector<LhpHandle> handles;
        for (const auto& kv : m_sessions)
        {
            handles.push_back(kv.first);
        }
        for (LhpHandle h : handles)
        {
            Retire(h);
            m_engine.OnSessionDown(h);
        }
        crashed = true;
    }

    // --- DriverNode ---
    const LhpPeerAddress& Address() const override
    {
        return m_self;
    }

    void Receive(const LhpPeerAddress& from,
                 const std::vector<std::uint8_t>& frame,
                 TimePoint now) override
    {
        m_now = std::max(m_now, now);
        m_ep.Receive(from, frame.data(), frame.size(), m_now);
        Process(now);
    }

    bool PollTransmit(TimePoint now, LhpPeerAddress& to, std::vector<std::uint8_t>& out) override
    {
        m_now = std::max(m_now, now);
        return m_ep.PollTransmit(m_now, to, out);
    }

    std::optional<TimePoint> NextDeadline() const override
    {
        std::optional<TimePoint> d = m_ep.NextDeadline();
        std::optional<TimePoint> e = m_engine.NextDeadline();
        if (e && (!d || *e < *d))
        {
            d = e;
        }
        return d;
    }

    void HandleDeadline(TimePoint now) override
    {
        m_now = std::max(m_now, now);
        std::optional<TimePoint> lhp = m_ep.NextDeadline();
        if (lhp && *lhp <= m_now)
        {
            m_ep.HandleDeadline(m_now);
        }
        std::optional<TimePoint> ep = m_engine.NextDeadline();
        if (ep && *ep <= m_now)
        {
            m_engine.HandleDeadline(m_now);
        }
        Process(now);
    }

    void Process(TimePoint now) override
    {
        m_now = std::max(m_now, now);
        if (m_processing)
        {
            return;
        }
        m_processing = true;
        for (std::size_t round = 0;; ++round)
        {
            if (round > 100000)
            {
                stuck = true;
                break;
            }
            bool progress = m_stack.DeliverEvents() > 0;
            progress |= DrainEndpoint();
            progress |= Drain() > 0;
            if (onTurn)
            {
                onTurn(m_now);
            }
            progress |= m_stack.DeliverEvents() > 0;
            progress |= Drain() > 0;
            if (!progress)
            {
                break;
            }
        }
        m_processing = false;
    }

    // --- inspection ---
    FakeSocketStack& Stack()
    {
        return m_stack;
    }

    EpServer& Engine()
    {
        return m_engine;
    }

    LhpEndpoint& Endpoint()
    {
        return m_ep;
    }

    TimePoint Now() const
    {
        return m_now;
    }

    /// The glue of a live session, or nullptr.
    EpLhpSession* Session(LhpHandle h)
    {
        auto it = m_sessions.find(h);
        return it == m_sessions.end() ? nullptr : it->second.get();
    }

    std::vector<LhpHandle> SessionHandles() const
    {
        std::vector<LhpHandle> out;
        for (const auto& kv : m_sessions)
        {
            out.push_back(kv.first);
        }
        return out;
    }

    /// Session counters summed over live and dropped sessions.
    EpLhpSessionStats TotalSessionStats() const
    {
        EpLhpSessionStats sum = m_retired;
        for (const auto& kv : m_sessions)
        {
            Add(sum, kv.second->GetStats());
        }
        return sum;
    }

    /// First logged session event of `kind` on `h`, if any.
    const SessionLogItem* FindSessionEvent(LhpEndpointEvent::Kind kind, LhpHandle h) const
    {
        for (const SessionLogItem& i : sessionLog)
        {
            if (i.kind == kind && i.handle == h)
            {
                return &i;
            }
        }
        return nullptr;
    }

    std::function<void(TimePoint)> onTurn;

    std::vector<SessionLogItem> sessionLog;
    std::uint64_t semiReliableDrops = 0;
    std::uint64_t staleDeliveries = 0; //!< SDUs for a handle with no session
    bool crashed = false;

  private:
    static ServerDriverConfig Adjust(ServerDriverConfig c)
    {
        c.ep.maxMessageSize = c.lhp.link.maxPayload;
        c.lhp.acceptIncoming = true;
        return c;
    }

    static void Add(EpLhpSessionStats& sum, const EpLhpSessionStats& s)
    {
        sum.reliableSent += s.reliableSent;
        sum.reliableDeferred += s.reliableDeferred;
        sum.datagramsSent += s.datagramsSent;
        sum.datagramsDropped += s.datagramsDropped;
        sum.maxBacklog = std::max(sum.maxBacklog, s.maxBacklog);
    }

    void Retire(LhpHandle h)
    {
        auto it = m_sessions.find(h);
        if (it != m_sessions.end())
        {
            Add(m_retired, it->second->GetStats());
            m_sessions.erase(it);
        }
    }

    std::size_t Drain()
    {
        return PumpServerOutgoing(m_engine,
                                  [this](std::uint64_t id) -> EpLhpSession*
                                  { return Session(static_cast<LhpHandle>(id)); });
    }

    bool DrainEndpoint()
    {
        bool any = false;
        for (;;)
        {
            if (std::optional<LhpEndpointDelivery> d = m_ep.PollDelivery())
            {
                any = true;
                if (Session(d->handle) != nullptr)
                {
                    m_engine.OnMessage(d->handle, d->data, m_now);
                    Drain();
                }
                else
                {
                    staleDeliveries++;
                }
                continue;
            }
            if (std::optional<LhpEndpointEvent> e = m_ep.PollEvent())
            {
                any = true;
                OnLhpEvent(*e);
                continue;
            }
            return any;
        }
    }

    void OnLhpEvent(const LhpEndpointEvent& e)
    {
        using K = LhpEndpointEvent::Kind;
        const LhpHandle h = e.handle;
        switch (e.kind)
        {
            case K::Up:
            {
                sessionLog.push_back(SessionLogItem{m_now, e.kind, h});
                auto glue = std::make_unique<EpLhpSession>(
                    [this, h](LhpChannel ch, const std::vector<std::uint8_t>& sdu)
                    { return m_ep.Send(h, ch, sdu, m_now); },
                    m_cfg.session);
                m_sessions[h] = std::move(glue);
                m_engine.OnSessionUp(h);
                break;
            }
            case K::Dead:
            case K::Closed:
                sessionLog.push_back(SessionLogItem{m_now, e.kind, h});
                if (Session(h) != nullptr)
                {
                    Retire(h);
                    m_engine.OnSessionDown(h);
                }
                break;
            case K::SendSpace:
                if (EpLhpSession* s = Session(h))
                {
                    ResumeServerSession(m_engine, h, *s);
                    Drain();
                }
                break;
            case K::SemiReliableDrop:
                semiReliableDrops++;
                break;
        }
    }

    LhpPeerAddress m_self;
    ServerDriverConfig m_cfg;
    FakeSocketStack m_stack;
    EpServer m_engine;
    LhpEndpoint m_ep;
    std::map<LhpHandle, std::unique_ptr<EpLhpSession>> m_sessions;
    EpLhpSessionStats m_retired;
    bool m_processing = false;
    TimePoint m_now{0};
};

/**
 * \brief Virtual time, one client slot and one server slot, and the link between them.
 *
 * Every step: frames due arrive (as raw bytes), application timers (At) fire, node deadlines
 * due run, every node processes, then each node is polled for frames. With a bit rate a node
 * is polled for one frame whenever its direction is idle; without one it is drained.
 * Impairments are drawn from one seeded generator, so a run is a function of its seed.
 */
class DriverWorld
{
  public:
    static constexpr int kClient = 0;
    static constexpr int kServer = 1;

    explicit DriverWorld(DriverLinkParams params)
        : m_params(params)
        , m_rng(params.seed)
    {
    }

    void SetServer(std::unique_ptr<ServerDriver> s)
    {
        m_server = std::move(s);
    }

    /// Puts a client in the slot (replacing any, e.g. after a reboot) and starts it now.
    void SetClient(std::unique_ptr<ClientDriver> c)
    {
        m_client = std::move(c);
        m_client->Start(m_now);
    }

    /// The client host is gone (powered off): frames to it are lost from now on.
    void RemoveClient()
    {
        m_client.reset();
    }

    bool HasClient() const
    {
        return m_client != nullptr;
    }

    ClientDriver& Client()
    {
        return *m_client;
    }

    ServerDriver& Server()
    {
        return *m_server;
    }

    TimePoint Now() const
    {
        return m_now;
    }

    /// Runs `fn` at `at` (application timers), then every node processes.
    void At(TimePoint at, std::function<void()> fn)
    {
        m_timers.push(Timer{std::max(at, m_now), m_order++, std::move(fn)});
    }

    /// Called after every step (invariant checks).
    void SetObserver(std::function<void()> fn)
    {
        m_observer = std::move(fn);
    }

    /// Sees every frame put on the link (decoded; `lost`: the link dropped it), for traces.
    using Tap = std::function<void(int side, const LhpFrame& frame, TimePoint at, bool lost)>;

    void SetTap(Tap tap)
    {
        m_tap = std::move(tap);
    }

    /// Advances to the next arrival, timer or deadline not after `limit` and handles it.
    bool Step(TimePoint limit)
    {
        if (Stuck())
        {
            return false;
        }
        std::optional<TimePoint> next;
        auto consider = [&next](std::optional<TimePoint> t)
        {
            if (t && (!next || *t < *next))
            {
                next = t;
            }
        };
        if (!m_inFlight.empty())
        {
            consider(m_inFlight.top().arrival);
        }
        if (!m_timers.empty())
        {
            consider(m_timers.top().at);
        }
        for (DriverNode* n : Nodes())
        {
            consider(n->NextDeadline());
        }
        if (Paced())
        {
            for (TimePoint busy : m_busyUntil)
            {
                if (busy > m_now)
                {
                    consider(busy); // the medium frees up: poll again
                }
            }
        }
        if (!next || *next > limit)
        {
            m_now = std::max(m_now, limit);
            return false;
        }
        TimePoint t = std::max(*next, m_now);
        m_sameTime = t == m_now ? m_sameTime + 1 : 0;
        if (m_sameTime > 200000)
        {
            stuck = true;
            return false;
        }
        m_now = t;
        while (!m_inFlight.empty() && m_inFlight.top().arrival <= m_now)
        {
            InFlight f = m_inFlight.top();
            m_inFlight.pop();
            DriverNode* to = NodeAt(f.to);
            if (to == nullptr)
            {
                framesOrphaned++;
                continue;
            }
            to->Receive(f.from, f.bytes, m_now);
        }
        for (std::size_t guard = 0; !m_timers.empty() && m_timers.top().at <= m_now; ++guard)
        {
            if (guard > 100000)
            {
                stuck = true;
                return false;
            }
            Timer tm = m_timers.top();
            m_timers.pop();
            tm.fn();
        }
        for (DriverNode* n : Nodes())
        {
            std::optional<TimePoint> d = n->NextDeadline();
            if (d && *d <= m_now)
            {
                n->HandleDeadline(m_now);
            }
        }
        for (DriverNode* n : Nodes())
        {
            n->Process(m_now);
        }
        Transmit();
        if (m_observer)
        {
            m_observer();
        }
        return true;
    }

    /// Runs until `done()` (checked before every step) or until nothing is left to do within
    /// `limit` of virtual time from now. Returns done().
    template<class Done>
    bool RunUntil(Done&& done, Duration limit)
    {
        const TimePoint end = m_now + limit;
        for (;;)
        {
            for (DriverNode* n : Nodes())
            {
                n->Process(m_now);
            }
            if (done())
            {
                return true;
            }
            Transmit();
            if (!Step(end))
            {
                return done();
            }
        }
    }

    void RunFor(Duration d)
    {
        RunUntil([] { return false; }, d);
    }

    /// A loop guard fired somewhere (time stopped, or a node would not settle).
    bool Stuck() const
    {
        bool s = stuck;
        if (m_client)
        {
            s |= m_client->stuck;
        }
        if (m_server)
        {
            s |= m_server->stuck;
        }
        return s;
    }

    std::array<std::uint64_t, 2> framesSent{};       //!< by sender (kClient, kServer)
    std::array<std::uint64_t, 2> framesLost{};       //!< ... dropped by the link
    std::array<std::uint64_t, 2> framesDuplicated{}; //!< ... delivered twice
    std::array<std::uint64_t, 2> dataFramesSent{};   //!< ... of which LHP Data frames
    std::uint64_t framesOrphaned = 0;                //!< arrived where no node was
    bool stuck = false;

  private:
    struct InFlight
    {
        TimePoint arrival;
        std::uint64_t order;
        LhpPeerAddress from;
        LhpPeerAddress to;
        std::vector<std::uint8_t> bytes;

        bool operator>(const InFlight& o) const
        {
            return arrival != o.arrival ? arrival > o.arrival : order > o.order;
        }
    };

    struct Timer
    {
        TimePoint at;
        std::uint64_t order;
        std::function<void()> fn;

        bool operator>(const Timer& o) const
        {
            return at != o.at ? at > o.at : order > o.order;
        }
    };

    bool Paced() const
    {
        return m_params.bitRate > 0;
    }

    std::vector<DriverNode*> Nodes() const
    {
        std::vector<DriverNode*> out;
        if (m_client)
        {
            out.push_back(m_client.get());
        }
        if (m_server)
        {
            out.push_back(m_server.get());
        }
        return out;
    }

    DriverNode* NodeAt(const LhpPeerAddress& a) const
    {
        for (DriverNode* n : Nodes())
        {
            if (n->Address() == a)
            {
                return n;
            }
        }
        return nullptr;
    }

    int SideOf(const DriverNode* n) const
    {
        return n == m_client.get() ? kClient : kServer;
    }

    void Transmit()
    {
        for (DriverNode* n : Nodes())
        {
            const int side = SideOf(n);
            LhpPeerAddress to;
            if (Paced())
            {
                if (m_busyUntil[side] <= m_now && n->PollTransmit(m_now, to, m_buffer))
                {
                    Send(side, n->Address(), to, m_buffer);
                }
                continue;
            }
            for (std::size_t burst = 0; n->PollTransmit(m_now, to, m_buffer); ++burst)
            {
                if (burst > 100000)
                {
                    stuck = true;
                    return;
                }
                Send(side, n->Address(), to, m_buffer);
            }
        }
    }

    Duration ExtraDelay()
    {
        if (!m_rng.Chance(m_params.reorder) || m_params.reorderDelay <= Duration{0})
        {
            return Duration{0};
        }
        return Duration{static_cast<std::int64_t>(
            m_rng.Uniform() * static_cast<double>(m_params.reorderDelay.count()))};
    }

    void Send(int side,
              const LhpPeerAddress& from,
              const LhpPeerAddress& to,
              const std::vector<std::uint8_t>& bytes)
    {
        framesSent[side]++;
        LhpFrame frame;
        const bool decoded = DecodeLhpFrame(bytes.data(), bytes.size(), frame) == DecodeError::Ok;
        if (decoded && frame.type == LhpFrameType::Data)
        {
            dataFramesSent[side]++;
        }
        TimePoint start = std::max(m_now, m_busyUntil[side]);
        if (Paced())
        {
            double seconds = static_cast<double>(bytes.size()) * 8.0 / m_params.bitRate;
            m_busyUntil[side] = start + Duration{static_cast<std::int64_t>(seconds * 1e9)};
        }
        else
        {
            m_busyUntil[side] = start;
        }
        const bool lost = m_rng.Chance(m_params.loss);
        if (decoded && m_tap)
        {
            m_tap(side, frame, m_now, lost);
        }
        if (lost)
        {
            framesLost[side]++;
            return;
        }
        const int copies = m_rng.Chance(m_params.duplicate) ? 2 : 1;
        framesDuplicated[side] += copies - 1;
        for (int i = 0; i < copies; ++i)
        {
            TimePoint arrival = m_busyUntil[side] + m_params.delay + ExtraDelay();
            m_inFlight.push(InFlight{arrival, m_order++, from, to, bytes});
        }
    }

    DriverLinkParams m_params;
    DriverRng m_rng;
    TimePoint m_now{0};
    std::unique_ptr<ClientDriver> m_client;
    std::unique_ptr<ServerDriver> m_server;
    std::array<TimePoint, 2> m_busyUntil{};
    std::priority_queue<InFlight, std::vector<InFlight>, std::greater<InFlight>> m_inFlight;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> m_timers;
    std::uint64_t m_order = 0;
    std::size_t m_sameTime = 0;
    std::function<void()> m_observer;
    Tap m_tap;
    std::vector<std::uint8_t> m_buffer;
};

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_CORE_DRIVER_HARNESS_H
