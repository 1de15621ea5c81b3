/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_EP_LHP_SESSION_H
#define RESOA_EP_LHP_SESSION_H

#include "ep-engine-types.h"
#include "lhp-frame.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace resoa
{

class EpClient;
class EpServer;
struct EpServerOutgoing;

/// The fixed EP header fields of an encoded message, read without decoding the body.
struct EpHeaderPeek
{
    std::uint8_t version = 0;
    std::uint8_t type = 0; //!< EpType value as sent (it may be unknown)
    std::uint8_t flags = 0;
    std::uint32_t rsockId = 0;
    std::uint32_t requestId = 0;
};

/// The header of one encoded EP message (for traces and logs); nothing if it is too short.
std::optional<EpHeaderPeek> PeekEpHeader(const std::uint8_t* data, std::size_t len);
/// Same as PeekEpHeader(data, len).
std::optional<EpHeaderPeek> PeekEpHeader(const std::vector<std::uint8_t>& bytes);

/// Every knob of the EP-to-LHP glue.
struct EpLhpSessionConfig
{
    /// Reliable messages waiting for LHP send space at which the session reports itself
    /// backed up, so the server engine stops reading from TCP for this client
    /// (EpServer::SetSessionBackpressure). About two LHP windows: enough to keep the link
    /// busy, small enough that a stalled client cannot make the server buffer its downloads.
    std::size_t backpressureMessages = 64;
};

/// Counters of one session.
struct EpLhpSessionStats
{
    std::uint64_t reliableSent = 0;     //!< reliable messages LHP took
    std::uint64_t reliableDeferred = 0; //!< ... that had to wait for send space first
    std::uint64_t datagramsSent = 0;    //!< semi-reliable messages LHP took
    std::uint64_t datagramsDropped = 0; //!< semi-reliable messages LHP refused: dropped
    std::size_t maxBacklog = 0;         //!< most reliable messages ever waiting at once
};

/**
 * \brief The glue between an EP engine and one LHP connection (one client session).
 *
 * Every driver hands EP messages to LHP by the same rules, so they live here once:
 *  - **Reliable messages are never dropped and keep their order.** One that LHP refuses (its
 *    send buffer is full) waits in the backlog, and so does every reliable message after it,
 *    until OnSendSpace() finds room. The backlog is bounded by the engines, not here: a client
 *    driver stops polling its engine while Blocked() (the messages stay in the engine, which
 *    bounds them by credit); a server driver passes BackedUp() to
 *    EpServer::SetSessionBackpressure, which stops reading from TCP for that client, so only
 *    control messages (bounded by the client's own requests) can still arrive.
 *  - **Datagrams (semi-reliable) are dropped and counted** when LHP refuses them. They never
 *    queue, so they can never wait without bound in front of reliable traffic, and a UDP
 *    flood is shed as plain UDP would shed it. LHP's channels are independent, so a datagram
 *    sent while reliable messages wait reorders nothing that had an order.
 *
 * Sans-I/O: `send` is the driver's "queue this SDU on my LHP connection" (LhpLink::Send,
 * LhpEndpoint::Send, LhpProtocol::Send); it must return false and queue nothing when refused.
 * Nothing here calls back into an engine.
 */
class EpLhpSession
{
  public:
    /// Queues one SDU on the LHP connection; false (nothing queued) if refused.
    using SendFn = std::function<bool(LhpChannel, const std::vector<std::uint8_t>&)>;

    explicit EpLhpSession(SendFn send, EpLhpSessionConfig config = {});

    /**
     * Hands one engine message to LHP now, or keeps it (reliable) or drops it (datagram)
     * by the rules above. Returns false only when a datagram was dropped.
     */
    bool Offer(LhpChannel channel, std::vector<std::uint8_t> bytes);
    /// Same, for an EpOutgoing.
    bool Offer(EpOutgoing message);
    /// LHP has send space again: sends waiting reliable messages, in order, while it takes
    /// them. Returns true if none waits any more.
    bool OnSendSpace();
    /// The link went down: waiting messages are discarded (the engines fail their sockets).
    void Reset();

    /// True while a reliable message waits: the client driver stops polling its engine.
    bool Blocked() const;
    /// True while at least backpressureMessages reliable messages wait.
    bool BackedUp() const;
    /// Reliable messages waiting for send space.
    std::size_t BacklogSize() const;
    const EpLhpSessionStats& GetStats() const;

  private:
    SendFn m_send;
    EpLhpSessionConfig m_config;
    std::deque<std::vector<std::uint8_t>> m_backlog; //!< reliable, in order
    EpLhpSessionStats m_stats;
};

/**
 * Moves a client engine's outgoing messages into its session until the engine has none or
 * the session is blocked (the rest stays in the engine). Returns how many moved. `onMessage`,
 * if set, sees each one first (driver traces).
 */
std::size_t PumpClientOutgoing(EpClient& engine,
                               EpLhpSession& session,
                               const std::function<void(const EpOutgoing&)>& onMessage = {});

/**
 * Moves a server engine's outgoing messages into the session each names, then tells the
 * engine whether that session is backed up (EpServer::SetSessionBackpressure), so it stops
 * reading from TCP for a client whose link does not drain. `lookup` returns nullptr for a
 * session that is gone: its messages are dropped. `onMessage`, if set, sees each message
 * first (driver traces). Returns how many moved.
 */
std::size_t PumpServerOutgoing(EpServer& engine,
                               const std::function<EpLhpSession*(std::uint64_t)>& lookup,
                               const std::function<void(const EpServerOutgoing&)>& onMessage = {});

/**
 * LHP has send space again on `sessionId`: sends what waits and lifts backpressure once the
 * backlog is below the mark. The engine may then have new messages (it resumed reading):
 * call PumpServerOutgoing next.
 */
void ResumeServerSession(EpServer& engine, std::uint64_t sessionId, EpLhpSession& session);

} // namespace resoa

#endif // RESOA_EP_LHP_SESSION_H
