/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Invariants of a server-role LhpEndpoint, checked by the fuzz targets after every step:
 * what it transmits, what it delivers and reports, its caps and its timers.
 */
#ifndef RESOA_FUZZ_LHP_CHECK_H
#define RESOA_FUZZ_LHP_CHECK_H

#include "fuzz-input.h"
#include "fuzz-lhp-peers.h"
#include "lhp-endpoint.h"
#include "lhp-frame.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <vector>

namespace resoa
{
namespace fuzz
{

class EndpointChecker
{
  public:
    explicit EndpointChecker(const LhpEndpointConfig& config)
        : m_config(config)
    {
    }

    /**
     * Polls up to `maxFrames` frames, checks each, and tells the peers' mirrors what was
     * sent. `onFrame`, if set, gets every frame (the daemon target counts them).
     */
    void DrainTransmit(LhpEndpoint& ep, TimePoint now, LhpPeers& peers, std::size_t maxFrames)
    {
        LhpPeerAddress to;
        std::vector<std::uint8_t> out;
        LhpTxInfo info;
        std::size_t stateless = 0;
        for (std::size_t i = 0; i < maxFrames && ep.PollTransmit(now, to, out, &info); ++i)
        {
            LhpFrame f;
            FUZZ_REQUIRE(DecodeLhpFrame(out.data(), out.size(), f) == DecodeError::Ok);
            // One frame fits the link's MTU: header plus the configured largest SDU.
            FUZZ_REQUIRE(out.size() <= kLhpHeaderSize + m_config.link.maxPayload);
            FUZZ_REQUIRE(LhpPeers::IndexOf(to) < LhpPeers::kPeers);
            if (info.handle == kLhpNoHandle)
            {
                // Stateless replies (and a reaped link's last word) are Close|Response only,
                // and never more than maxStatelessReplies wait at once (they go first).
                FUZZ_REQUIRE(f.type == LhpFrameType::Close && (f.flags & kFlagResponse) != 0);
                FUZZ_REQUIRE(++stateless <= m_config.maxStatelessReplies);
            }
            else
            {
                const LhpLink* link = ep.GetLink(info.handle);
                FUZZ_REQUIRE(link != nullptr);
                FUZZ_REQUIRE(link->GetConnId() == f.connId);
                const auto peer = ep.GetPeer(info.handle);
                FUZZ_REQUIRE(peer && *peer == to);
                FUZZ_REQUIRE(!info.retransmission || f.type == LhpFrameType::Data);
                // A server never opens a connection.
                FUZZ_REQUIRE(f.type != LhpFrameType::Connect);
            }
            if (f.type == LhpFrameType::Data)
            {
                FUZZ_REQUIRE(f.payload.size() <= m_config.link.maxPayload);
            }
            if (f.type == LhpFrameType::Accept)
            {
                LhpConnectParams p;
                FUZZ_REQUIRE(DecodeConnectParams(f.payload.data(), f.payload.size(), p) ==
                             DecodeError::Ok);
                FUZZ_REQUIRE(p.nonce != 0 && p.window >= 1 && p.window <= kLhpMaxWindow);
                FUZZ_REQUIRE(p.maxPayload <= m_config.link.maxPayload);
            }
            peers.OnTransmit(to, f);
            m_framesSent++;
        }
    }

    /// Every delivery and event, in the endpoint's order, checked against the handles' lives.
    void DrainApp(LhpEndpoint& ep,
                  const std::function<void(const LhpEndpointDelivery&)>& onDelivery = {},
                  const std::function<void(const LhpEndpointEvent&)>& onEvent = {})
    {
        for (;;)
        {
            if (auto d = ep.PollDelivery())
            {
                FUZZ_REQUIRE(IsOpen(d->handle));
                // The receiver holds peers to the maxPayload it advertised (found by this
                // target: corpus-lhp-endpoint/oversized-sdu-delivered).
                FUZZ_REQUIRE(d->data.size() <= m_config.link.maxPayload);
                if (onDelivery)
                {
                    onDelivery(*d);
                }
                continue;
            }
            if (auto e = ep.PollEvent())
            {
                OnEvent(ep, *e);
                if (onEvent)
                {
                    onEvent(*e);
                }
                continue;
            }
            return;
        }
    }

    /// Caps, flight bounds and the link table against the handles reported.
    void CheckState(const LhpEndpoint& ep) const
    {
        FUZZ_REQUIRE(ep.GetLinkCount() <= m_config.maxConnections);
        std::map<LhpPeerAddress, std::size_t> perPeer;
        std::size_t n = 0;
        const std::size_t payload = m_config.link.maxPayload;
        ep.ForEachLink(
            [&](LhpHandle h, const LhpPeerAddress& peer, const LhpLink& link)
            {
                n++;
                FUZZ_REQUIRE(++perPeer[peer] <= m_config.maxConnectionsPerPeer);
                // Every link present was reported Up and not yet Dead (Closed ones linger).
                FUZZ_REQUIRE(m_up.count(h) != 0 && m_dead.count(h) == 0);
                FUZZ_REQUIRE(link.GetState() != LhpState::Dead);
                FUZZ_REQUIRE(link.GetWindow() >= 1 && link.GetWindow() <= kLhpMaxWindow);
                for (LhpChannel ch : {LhpChannel::Reliable, LhpChannel::SemiReliable})
                {
                    FUZZ_REQUIRE(link.GetSendWindow(ch) <= kLhpMaxWindow);
                }
                // Selective repeat within the SACK's reach: at most a window per channel.
                FUZZ_REQUIRE(link.GetFramesInFlight() <= 2 * std::size_t{kLhpMaxWindow});
                FUZZ_REQUIRE(link.GetBytesInFlight() <= 2 * std::size_t{kLhpMaxWindow} * payload);
            });
        FUZZ_REQUIRE(n == ep.GetLinkCount());
    }

    /// HandleDeadline(now) ran every timer due: none is left at or before now.
    static void CheckAfterDeadline(const LhpEndpoint& ep, TimePoint now)
    {
        const auto d = ep.NextDeadline();
        FUZZ_REQUIRE(!d || *d > now);
    }

    bool IsOpen(LhpHandle h) const
    {
        return m_up.count(h) != 0 && m_closed.count(h) == 0 && m_dead.count(h) == 0;
    }

    /// Handles reported Up and neither Closed nor Dead, in handle order.
    std::vector<LhpHandle> OpenHandles() const
    {
        std::vector<LhpHandle> v;
        for (LhpHandle h : m_up)
        {
            if (IsOpen(h))
            {
                v.push_back(h);
            }
        }
        return v;
    }

    /// Every handle ever reported Up (for calls on stale handles).
    const std::set<LhpHandle>& AllHandles() const
    {
        return m_up;
    }

    /// Crash() dropped every link silently: their handles are gone without an event.
    void OnCrash()
    {
        for (LhpHandle h : m_up)
        {
            m_dead.insert(h);
        }
    }

    std::uint64_t FramesSent() const
    {
        return m_framesSent;
    }

  private:
    void OnEvent(const LhpEndpoint& ep, const LhpEndpointEvent& e)
    {
        using Kind = LhpEndpointEvent::Kind;
        FUZZ_REQUIRE(e.handle != kLhpNoHandle);
        switch (e.kind)
        {
            case Kind::Up:
                // Handles count up and are never reused; Up comes once, first.
                FUZZ_REQUIRE(m_up.empty() || e.handle > *m_up.rbegin());
                m_up.insert(e.handle);
                break;
            case Kind::Closed:
                FUZZ_REQUIRE(IsOpen(e.handle));
                m_closed.insert(e.handle);
                break;
            case Kind::Dead:
                // A link that closed in order is never reported Dead afterwards.
                FUZZ_REQUIRE(IsOpen(e.handle));
                m_dead.insert(e.handle);
                // Dead links are reaped at once.
                FUZZ_REQUIRE(ep.GetLink(e.handle) == nullptr);
                break;
            case Kind::SemiReliableDrop:
            case Kind::SendSpace:
                FUZZ_REQUIRE(IsOpen(e.handle));
                break;
        }
        FUZZ_REQUIRE(LhpPeers::IndexOf(e.peer) < LhpPeers::kPeers);
    }

    LhpEndpointConfig m_config;
    std::set<LhpHandle> m_up;
    std::set<LhpHandle> m_closed;
    std::set<LhpHandle> m_dead;
    std::uint64_t m_framesSent = 0;
};

} // namespace fuzz
} // namespace resoa

#endif // RESOA_FUZZ_LHP_CHECK_H
