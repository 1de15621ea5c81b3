/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_LHP_ENDPOINT_H
#define RESOA_LHP_ENDPOINT_H

#include "lhp-frame.h"
#include "lhp-link.h"
#include "resoa-codec-error.h"
#include "resoa-time.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace resoa
{

/// A peer's link-layer address as opaque bytes (a MAC is 6), compared byte-wise.
struct LhpPeerAddress
{
    static constexpr std::size_t kMaxLength = 8;

    LhpPeerAddress() = default;
    /// Copies `len` bytes; precondition len <= kMaxLength (longer addresses are cut).
    LhpPeerAddress(const std::uint8_t* data, std::size_t len);

    const std::uint8_t* Data() const
    {
        return bytes.data();
    }

    std::size_t Length() const
    {
        return length;
    }

    bool operator==(const LhpPeerAddress& o) const;
    bool operator!=(const LhpPeerAddress& o) const;
    bool operator<(const LhpPeerAddress& o) const;

    std::array<std::uint8_t, kMaxLength> bytes{};
    std::uint8_t length = 0;
};

/// Local name of one connection of an LhpEndpoint: a counter from 1, never reused.
using LhpHandle = std::uint64_t;

/// No connection (Connect failed; stateless frames).
constexpr LhpHandle kLhpNoHandle = 0;

/// Every knob of an LhpEndpoint. Drivers expose each one as an attribute / option.
struct LhpEndpointConfig
{
    LhpConfig link; //!< for every link the endpoint creates
    /// Accept Connect frames from peers (server role).
    bool acceptIncoming = false;
    /// How long a Closed link is kept to answer a retransmitted Close; negative: the link's
    /// deadTimeout, which is how long the peer's Close retransmissions can go on. Once it
    /// is reaped, a Close is still answered statelessly; lingering also makes a delayed
    /// duplicate of the old Connect hit the Closed link instead of opening a ghost link.
    Duration linger{-1};
    /// Links to one peer address (both roles, lingering ones included) beyond which a new
    /// Connect from that peer is refused. 4 covers a client that reconnects while its old
    /// links linger; one ReSoA client needs one link.
    std::size_t maxConnectionsPerPeer = 4;
    /// Links in all beyond which a new Connect is refused: bounds the endpoint's memory
    /// (each link buffers up to 2 x (window + sendBufferSdus) SDUs).
    std::size_t maxConnections = 1024;
    /// Stateless Close|Response frames queued and not yet polled beyond which more are not
    /// queued (a flood of forged Closes cannot grow memory).
    std::size_t maxStatelessReplies = 64;
    /// How long a link that a Connect with a new nonce claims to replace (a restart) is
    /// challenged: if nothing valid comes from its peer meanwhile, it is aborted and the
    /// peer's next Connect is taken; if anything does, the Connect was forged. The peer is
    /// probed at once and every keepaliveRetry, so a live idle link at 30 % frame loss
    /// fails all probes of a 1-s challenge with a chance below 1 %. 0: replace at once (the
    /// old policy, which lets anyone who can spoof an address and guess an id end a link).
    Duration restartChallenge{std::chrono::seconds(1)};

    /// `linger`, with the negative default resolved.
    Duration EffectiveLinger() const
    {
        return linger < Duration{0} ? link.deadTimeout : linger;
    }
};

/// What an endpoint did with one received frame (for the driver's traces).
enum class LhpRxOutcome : std::uint8_t
{
    ToLink,              //!< fed to an existing link (`handle`)
    Accepted,            //!< a Connect opened a new link (`handle`)
    Malformed,           //!< failed to decode (`error`); counted in badFrames
    UnknownConnection,   //!< no such link, and not a Connect we accept or a Close
    StatelessCloseReply, //!< a Close for no link: a Close|Response was queued
    AdmissionRefused,    //!< a Connect over a cap or refused by the admission hook
    BadConnect,          //!< a Connect whose parameters do not decode or are invalid
    RestartChallenged,   //!< a Connect with a new nonce for a live link: being checked
};

const char* ToString(LhpRxOutcome o);

/// Result of LhpEndpoint::Receive.
struct LhpRxResult
{
    LhpRxOutcome outcome = LhpRxOutcome::UnknownConnection;
    LhpHandle handle = kLhpNoHandle;
    DecodeError error = DecodeError::Ok;
};

/// What PollTransmit returned, besides the bytes.
struct LhpTxInfo
{
    LhpHandle handle = kLhpNoHandle; //!< kLhpNoHandle for a stateless Close|Response
    bool retransmission = false;     //!< a Data frame sent again
};

/// One SDU delivered on one connection.
struct LhpEndpointDelivery
{
    LhpHandle handle = kLhpNoHandle;
    LhpChannel channel = LhpChannel::Reliable;
    std::vector<std::uint8_t> data;
};

/// Something the application must hear about one connection.
struct LhpEndpointEvent
{
    enum class Kind : std::uint8_t
    {
        Up,               //!< handshake done: Connect answered, or a peer's Connect accepted
        Closed,           //!< orderly close done (the link lingers, then is reaped)
        Dead,             //!< connect failed, peer silent, retry limit, or the peer restarted
        SemiReliableDrop, //!< a datagram was given up; `seq` names it
        SendSpace,        //!< SendSpace grew on some channel (acks, drops)
    };

    LhpHandle handle = kLhpNoHandle;
    Kind kind = Kind::Up;
    LhpPeerAddress peer;
    std::uint32_t seq = 0;
};

/// Counters of the endpoint itself (per-link counters: GetTotalStats).
struct LhpEndpointStats
{
    std::uint64_t badFrames = 0;               //!< failed to decode
    std::uint64_t unknownConnection = 0;       //!< valid frames for no link, not answered
    std::uint64_t badConnects = 0;             //!< Connects with bad parameters or colliding ids
    std::uint64_t accepted = 0;                //!< links opened by a peer's Connect
    std::uint64_t connected = 0;               //!< links opened by Connect()
    std::uint64_t admissionsRefused = 0;       //!< all refused Connects (the three below)
    std::uint64_t refusedPerPeerCap = 0;       //!< ... over maxConnectionsPerPeer
    std::uint64_t refusedGlobalCap = 0;        //!< ... over maxConnections
    std::uint64_t refusedByHook = 0;           //!< ... refused by the admission hook
    std::uint64_t restarts = 0;                //!< links aborted because their peer restarted
    std::uint64_t restartChallenges = 0;       //!< Connects with a new nonce that began one
    std::uint64_t forgedConnects = 0;          //!< ... whose old link answered: not acted on
    std::uint64_t statelessCloseReplies = 0;   //!< Close|Response sent for no link
    std::uint64_t statelessRepliesDropped = 0; //!< ... not queued (maxStatelessReplies)
    std::uint64_t lingerEvictions = 0;         //!< lingering links reaped early to admit a Connect
    std::uint64_t linksReaped = 0;             //!< links removed (closed, dead, evicted)
};

/// Adds every counter of `s` to `sum`.
void AddLhpStats(LhpStats& sum, const LhpStats& s);

/**
 * \brief Every LHP connection of one link-layer interface: demultiplexing, accept, the
 * stateless Close reply, linger and reaping, the restart policy and admission caps, around
 * LhpLinks. Sans-I/O, like LhpLink: a driver (ns-3 LhpProtocol, the Linux daemons) only moves
 * bytes and time.
 *
 * The four driver verbs (after ngtcp2), as on LhpLink:
 *  - Receive(peer, bytes, len, now) for every frame of EtherType 0x88B5
 *  - PollTransmit(now, to, out) until it returns false; send `out` to `to`
 *  - NextDeadline(): arm one timer there
 *  - HandleDeadline(now) when it fires
 * Application verbs (Connect, Send, Close, Crash) only change state. Results come out of two
 * queues, PollDelivery and PollEvent. Nothing is ever called back from inside a verb (except
 * the injected random source and admission hook, which must not call the endpoint), so a
 * driver may call any verb, Crash included, while handling a delivery or an event: no
 * re-entrancy, no reference into the endpoint held across user code. The two queues are one
 * sequence: each Poll returns nothing while the other queue holds an older item, so a driver
 * that alternates until both are empty sees everything in order (Up before the first data,
 * the last data before Closed). A driver should drain PollTransmit when the device can take
 * frames, not into a deep device queue: queued frames delay acks and retransmissions.
 *
 * Demultiplexing: a frame belongs to the link keyed by (peer address, connection id). Every
 * received frame is first cut to the length its LHP header declares (LhpFramedLength):
 * Ethernet pads frames shorter than 60 bytes, and the strict decoder would reject the pad.
 * Frames that fail to decode are counted (badFrames) and dropped.
 *
 * Connect and accept: Connect(peer) opens a link with a connection id and a nonce from the
 * injected random source: ids are non-zero and unique per peer among our links (the id names
 * the connection in both directions, so it must not collide with one of the peer's), nonces
 * non-zero. With acceptIncoming, a Connect for no link passes admission (below), then opens
 * a link that answers Accept (event Up). Without it the Connect is ignored (unknown).
 * A Connect that collides with our own active open of the same id is dropped (badConnects).
 *
 * Restart policy: a Connect with a NEW nonce on an existing accepted (peer, id) may mean the
 * peer restarted and lost that connection (it reuses the id because its random source
 * restarted too), or that someone spoofs the peer's address. So the old link is challenged
 * first, as TCP challenges a SYN on an established connection (RFC 5961): it probes its peer
 * at once (LhpLink::Challenge) for `restartChallenge`. Anything valid from the peer in that
 * time proves it alive: the Connect was forged and is dropped (forgedConnects). Silence means
 * a restart: the old link is aborted and reported Dead (restarts), and the peer's next
 * Connect (it retransmits at its RTO) is handled as a new one (admission included) and gets a
 * new handle, reported Up after the old one's Dead, so the application never mistakes the
 * new incarnation for the old one. A lingering
 * Closed link with that key is just reaped. A Connect with the SAME nonce is a duplicate (our
 * Accept was lost): the existing link re-sends Accept and nothing else changes. A garbage Connect
 * (bad parameters) kills no link.
 *
 * Admission caps, against a hostile or broken client (one MAC once opened 200 links and got
 * 12 800 server sockets): a Connect that would take the peer's links past
 * maxConnectionsPerPeer, or all links past maxConnections, is dropped and counted, and never
 * creates a link; lingering Closed links count but are evicted first (oldest first) to make
 * room, since the stateless Close reply covers them. Then an optional admission hook (e.g.
 * an allow list) may refuse the peer. Existing links are never touched by a refusal, and
 * nothing is sent back (an answer would cost airtime and tell a scanner what it found). The
 * refused peer keeps retrying its Connect until its connectRetries run out (Dead there).
 * Caps apply to received Connects only: the application's own Connect() is not limited.
 *
 * Close and linger: Close(h) closes the link in order (see LhpLink). A Closed link is
 * reported once (Closed) and kept for `linger` so it answers a retransmitted Close (our
 * Close|Response was lost) and absorbs stale duplicates of its Connect; it is reaped at the
 * deadline. Dead links are reaped at once: they send nothing more. A Close for no link (the
 * link was reaped or never existed) is answered statelessly with Close|Response (bounded by
 * maxStatelessReplies), or the peer's closing link would end Dead instead of Closed.
 *
 * Transmission is fair: links with something to send take turns, one frame each (round
 * robin); stateless replies go first. Crash() drops every link and queue at once, sending
 * nothing and reporting nothing, as a crashed host would.
 */
class LhpEndpoint
{
  public:
    using PeerAddress = LhpPeerAddress;
    using Handle = LhpHandle;
    /// Source of connection ids and nonces (e.g. a seeded RNG); values 0 are skipped.
    using RandomSource = std::function<std::uint32_t()>;
    /// Admission hook: false refuses a Connect from this peer. Must not call the endpoint.
    using AdmissionHook = std::function<bool(const PeerAddress&)>;

    /// `random` may be empty: a fixed-seed generator is used then (deterministic).
    explicit LhpEndpoint(LhpEndpointConfig config, RandomSource random = {});

    /// New config: links created later use its `link` part; caps, linger (for links closing
    /// later) and acceptIncoming apply at once.
    void SetConfig(const LhpEndpointConfig& config);
    const LhpEndpointConfig& GetConfig() const;
    void SetAcceptIncoming(bool accept);
    void SetAdmissionHook(AdmissionHook hook);
    void SetRandomSource(RandomSource random);

    // --- application verbs ---
    /// Active open to `peer`. Returns the new handle, or kLhpNoHandle if no free id was found.
    Handle Connect(const PeerAddress& peer, TimePoint now);
    /// Queues an SDU on a link (see LhpLink::Send). False if refused or no such link.
    bool Send(Handle h, LhpChannel channel, std::vector<std::uint8_t> sdu, TimePoint now);
    /// SDUs Send would still accept (0 for no such link).
    std::size_t SendSpace(Handle h, LhpChannel channel) const;
    /// Orderly close (see LhpLink::Close).
    void Close(Handle h, TimePoint now);
    /// Drops every link and queued item without sending or reporting anything.
    void Crash();
    /// Next delivered SDU, unless an older event is pending.
    std::optional<LhpEndpointDelivery> PollDelivery();
    /// Next event, unless an older delivery is pending.
    std::optional<LhpEndpointEvent> PollEvent();

    // --- driver verbs ---
    /// Feeds one frame received from `peer` (link-layer padding allowed).
    LhpRxResult Receive(const PeerAddress& peer,
                        const std::uint8_t* data,
                        std::size_t len,
                        TimePoint now);
    /// Next frame to send: its bytes in `out` (replaced), its destination in `to`. False if
    /// none. `info`, if given, names the link and whether it is a retransmission.
    bool PollTransmit(TimePoint now,
                      PeerAddress& to,
                      std::vector<std::uint8_t>& out,
                      LhpTxInfo* info = nullptr);
    /// Earliest time HandleDeadline must be called, if any.
    std::optional<TimePoint> NextDeadline() const;
    /// Runs every link timer and reaps every lingering link due at `now`.
    void HandleDeadline(TimePoint now);

    // --- inspection ---
    /// The link behind a handle (nullptr once reaped or never).
    const LhpLink* GetLink(Handle h) const;
    std::optional<PeerAddress> GetPeer(Handle h) const;
    /// Links present (lingering ones included).
    std::size_t GetLinkCount() const;
    /// Calls `fn` for every link present, in handle order. `fn` must not call the endpoint.
    void ForEachLink(
        const std::function<void(Handle, const PeerAddress&, const LhpLink&)>& fn) const;
    /// Sum of every link's counters, live and reaped.
    LhpStats GetTotalStats() const;
    /// MAC transmissions per frame the driver should configure on the device: the largest
    /// advice of the live links (one device serves them all; the link that needs the most
    /// MAC repair wins), 0 if none advises (no live link, or macRetryControl off).
    std::uint32_t GetMacTransmissions() const;
    const LhpEndpointStats& GetStats() const;

  private:
    struct Entry
    {
        std::unique_ptr<LhpLink> link;
        PeerAddress peer;
        std::optional<TimePoint> reapAt;       //!< Closed: lingering until then
        std::optional<TimePoint> timerAt;      //!< key in m_timers
        bool ready = false;                    //!< in m_ready
        std::optional<TimePoint> challengedAt; //!< a restart Connect is being checked
    };

    using Key = std::pair<PeerAddress, std::uint32_t>;

    LhpRxResult Accept(const PeerAddress& peer, const LhpFrame& connect, TimePoint now);
    /// Ends a restart challenge: forged if the peer spoke since, a restart once it expired
    /// in silence (the link is aborted and reaped: returns true).
    bool SettleChallenge(Handle h, Entry& e, TimePoint now);
    /// Applies the caps and the hook; evicts lingering links to make room if admitted.
    bool Admit(const PeerAddress& peer, TimePoint now);
    /// Reaps the lingering link of `peer` (any peer if null) closest to its reap time.
    bool EvictLingering(const PeerAddress* peer, TimePoint now);
    Handle AddLink(const PeerAddress& peer, std::unique_ptr<LhpLink> link);
    /// After any verb on a link: moves its deliveries and events out, notes send space,
    /// starts linger or reaps, schedules transmission and refreshes its timer.
    void AfterOp(Handle h, TimePoint now, std::size_t spaceBefore = SIZE_MAX);
    std::size_t SpaceOf(const LhpLink& link) const;
    void Reap(Handle h, TimePoint now);
    void RefreshTimer(Handle h, Entry& e);
    void MarkReady(Handle h, Entry& e);
    void PushEvent(LhpEndpointEvent ev);
    std::uint32_t Draw();

    LhpEndpointConfig m_config;
    RandomSource m_random;
    AdmissionHook m_admission;
    std::uint64_t m_fallbackState = 0x9E3779B97F4A7C15ull; //!< if no random source is given

    std::map<Handle, Entry> m_links;
    std::map<Key, Handle> m_byKey;
    std::set<std::pair<TimePoint, Handle>> m_timers;    //!< link deadlines and reap times
    std::set<std::pair<TimePoint, Handle>> m_lingering; //!< Closed links by reap time
    std::deque<Handle> m_ready;                         //!< links that may have frames to send
    std::deque<std::pair<PeerAddress, std::vector<std::uint8_t>>> m_stateless;
    Handle m_nextHandle = 1;

    std::deque<std::pair<std::uint64_t, LhpEndpointDelivery>> m_deliveries;
    std::deque<std::pair<std::uint64_t, LhpEndpointEvent>> m_events;
    std::uint64_t m_serial = 0;

    LhpStats m_retiredStats;
    LhpEndpointStats m_stats;
};

} // namespace resoa

#endif // RESOA_LHP_ENDPOINT_H
