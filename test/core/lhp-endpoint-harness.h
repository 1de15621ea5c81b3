/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A virtual-time network of LhpEndpoints for tests: each endpoint has a link-layer address,
 * frames go to the endpoint owning their destination address after a fixed delay, and every
 * frame is decoded and logged before optional drops. Header only.
 */
#ifndef RESOA_TEST_LHP_ENDPOINT_HARNESS_H
#define RESOA_TEST_LHP_ENDPOINT_HARNESS_H

#include "lhp-endpoint.h"
#include "lhp-frame.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

namespace resoa
{
namespace test
{

/// A 6-byte locally administered MAC ending in `last`.
inline LhpPeerAddress
MacAddr(std::uint8_t last)
{
    const std::uint8_t b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, last};
    return LhpPeerAddress(b, sizeof(b));
}

/// A deterministic random source: `values` first, then 0x10000, 0x10001, ...
inline LhpEndpoint::RandomSource
SequenceRandom(std::vector<std::uint32_t> values, std::uint32_t after = 0x10000)
{
    auto state =
        std::make_shared<std::pair<std::vector<std::uint32_t>, std::size_t>>(std::move(values), 0);
    auto counter = std::make_shared<std::uint32_t>(after);
    return [state, counter]() -> std::uint32_t
    {
        if (state->second < state->first.size())
        {
            return state->first[state->second++];
        }
        return (*counter)++;
    };
}

/// Everything one application saw, in the order the endpoint gave it out.
struct EndpointApp
{
    struct Item
    {
        bool isEvent;
        LhpEndpointEvent event;       //!< if isEvent
        LhpEndpointDelivery delivery; //!< otherwise
        TimePoint at;
    };

    std::vector<Item> log;

    std::size_t Count(LhpEndpointEvent::Kind k, LhpHandle h = kLhpNoHandle) const
    {
        return std::count_if(log.begin(),
                             log.end(),
                             [&](const Item& i) {
                                 return i.isEvent && i.event.kind == k &&
                                        (h == kLhpNoHandle || i.event.handle == h);
                             });
    }

    /// Handles of events of kind `k`, in order.
    std::vector<LhpHandle> Handles(LhpEndpointEvent::Kind k) const
    {
        std::vector<LhpHandle> out;
        for (const Item& i : log)
        {
            if (i.isEvent && i.event.kind == k)
            {
                out.push_back(i.event.handle);
            }
        }
        return out;
    }

    /// Data delivered on `h` and `ch`, in order.
    std::vector<std::vector<std::uint8_t>> Data(LhpHandle h,
                                                LhpChannel ch = LhpChannel::Reliable) const
    {
        std::vector<std::vector<std::uint8_t>> out;
        for (const Item& i : log)
        {
            if (!i.isEvent && i.delivery.handle == h && i.delivery.channel == ch)
            {
                out.push_back(i.delivery.data);
            }
        }
        return out;
    }

    /// Index in the log of the first event of kind `k` on `h` (log size if none).
    std::size_t IndexOf(LhpEndpointEvent::Kind k, LhpHandle h) const
    {
        for (std::size_t n = 0; n < log.size(); ++n)
        {
            if (log[n].isEvent && log[n].event.kind == k && log[n].event.handle == h)
            {
                return n;
            }
        }
        return log.size();
    }

    std::optional<TimePoint> When(LhpEndpointEvent::Kind k, LhpHandle h) const
    {
        std::size_t n = IndexOf(k, h);
        return n < log.size() ? std::optional<TimePoint>(log[n].at) : std::nullopt;
    }
};

/// One frame put on the air.
struct SentFrame
{
    int from;
    LhpPeerAddress to;
    LhpFrame frame;
    TimePoint at;
};

/**
 * \brief Virtual-time network of endpoints acting as their drivers: frames are delivered as
 * raw bytes (padded to `padTo` bytes, as Ethernet does, when set), HandleDeadline runs at
 * NextDeadline, PollTransmit is drained and both Poll queues are collected after every event.
 * Frames to an address no endpoint owns are kept in `orphans`.
 */
class EndpointNet
{
  public:
    using DropFilter = std::function<bool(int from, const LhpFrame& frame)>;

    explicit EndpointNet(Duration delay = std::chrono::milliseconds(1))
        : m_delay(delay)
    {
    }

    /// Adds an endpoint owning `addr`; returns its index.
    int Add(LhpEndpoint& ep, LhpPeerAddress addr)
    {
        m_nodes.push_back(Node{&ep, addr, EndpointApp{}});
        return static_cast<int>(m_nodes.size()) - 1;
    }

    /// Swaps the endpoint at `node` (e.g. a restarted host, same address).
    void Replace(int node, LhpEndpoint& ep)
    {
        m_nodes[node].ep = &ep;
    }

    LhpEndpoint& Ep(int node)
    {
        return *m_nodes[node].ep;
    }

    EndpointApp& App(int node)
    {
        return m_nodes[node].app;
    }

    const LhpPeerAddress& Addr(int node) const
    {
        return m_nodes[node].addr;
    }

    TimePoint Now() const
    {
        return m_now;
    }

    void SetDropFilter(DropFilter f)
    {
        m_filter = std::move(f);
    }

    /// Frames shorter than this arrive zero-padded to it (Ethernet: 60 - 14 = 46); 0 = no.
    void SetPadTo(std::size_t bytes)
    {
        m_padTo = bytes;
    }

    /// Hands raw bytes to `node` as if `from` had sent them, now.
    LhpRxResult Inject(int node, const LhpPeerAddress& from, const std::vector<std::uint8_t>& b)
    {
        LhpRxResult r = m_nodes[node].ep->Receive(from, b.data(), b.size(), m_now);
        Collect();
        return r;
    }

    /// Sent frames of `type` by `from` (before drops).
    std::size_t Sent(int from, LhpFrameType type) const
    {
        return std::count_if(sent.begin(),
                             sent.end(),
                             [&](const SentFrame& s)
                             { return s.from == from && s.frame.type == type; });
    }

    void Collect()
    {
        for (Node& n : m_nodes)
        {
            for (;;)
            {
                if (auto d = n.ep->PollDelivery())
                {
                    n.app.log.push_back(EndpointApp::Item{false, {}, std::move(*d), m_now});
                    continue;
                }
                if (auto e = n.ep->PollEvent())
                {
                    n.app.log.push_back(EndpointApp::Item{true, *e, {}, m_now});
                    continue;
                }
                break;
            }
        }
    }

    void Pump()
    {
        for (std::size_t i = 0; i < m_nodes.size(); ++i)
        {
            LhpPeerAddress to;
            std::size_t burst = 0;
            while (m_nodes[i].ep->PollTransmit(m_now, to, m_buffer))
            {
                Transmit(static_cast<int>(i), to, m_buffer);
                if (++burst > 100000)
                {
                    stuck = true;
                    return;
                }
            }
        }
    }

    /// Advances to the next arrival or deadline not after `limit` and handles it.
    bool Step(TimePoint limit)
    {
        if (stuck)
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
        for (const Node& n : m_nodes)
        {
            consider(n.ep->NextDeadline());
        }
        if (!next || *next > limit)
        {
            m_now = std::max(m_now, limit);
            return false;
        }
        TimePoint t = std::max(*next, m_now);
        m_sameTime = t == m_now ? m_sameTime + 1 : 0;
        if (m_sameTime > 100000)
        {
            stuck = true;
            return false;
        }
        m_now = t;
        while (!m_inFlight.empty() && m_inFlight.top().arrival <= m_now)
        {
            InFlight f = m_inFlight.top();
            m_inFlight.pop();
            lastRx.push_back(m_nodes[f.to].ep->Receive(
                m_nodes[f.from].addr, f.bytes.data(), f.bytes.size(), m_now));
        }
        for (Node& n : m_nodes)
        {
            std::optional<TimePoint> d = n.ep->NextDeadline();
            if (d && *d <= m_now)
            {
                n.ep->HandleDeadline(m_now);
            }
        }
        Collect();
        Pump();
        return true;
    }

    /// Runs until `done()` (checked after collecting; it may call the endpoints) or nothing
    /// happens within `limit` from now. Returns done().
    template<class Done>
    bool RunUntil(Done&& done, Duration limit)
    {
        TimePoint end = m_now + limit;
        for (;;)
        {
            Collect();
            if (done())
            {
                return true;
            }
            Pump();
            Collect();
            if (!Step(end))
            {
                Collect();
                return done();
            }
        }
    }

    void RunFor(Duration d)
    {
        RunUntil([] { return false; }, d);
    }

    std::vector<SentFrame> sent;     //!< every frame transmitted
    std::vector<SentFrame> orphans;  //!< frames to addresses nobody owns
    std::vector<LhpRxResult> lastRx; //!< every Receive result, in order
    bool stuck = false;

  private:
    struct Node
    {
        LhpEndpoint* ep;
        LhpPeerAddress addr;
        EndpointApp app;
    };

    struct InFlight
    {
        TimePoint arrival;
        std::uint64_t order;
        int from;
        int to;
        std::vector<std::uint8_t> bytes;

        bool operator>(const InFlight& o) const
        {
            return arrival != o.arrival ? arrival > o.arrival : order > o.order;
        }
    };

    void Transmit(int from, const LhpPeerAddress& to, std::vector<std::uint8_t> bytes)
    {
        LhpFrame frame;
        bool ok = DecodeLhpFrame(bytes.data(), bytes.size(), frame) == DecodeError::Ok;
        SentFrame s{from, to, frame, m_now};
        if (ok)
        {
            sent.push_back(s);
        }
        int dest = -1;
        for (std::size_t i = 0; i < m_nodes.size(); ++i)
        {
            if (m_nodes[i].addr == to)
            {
                dest = static_cast<int>(i);
            }
        }
        if (dest < 0)
        {
            orphans.push_back(s);
            return;
        }
        if (ok && m_filter && m_filter(from, frame))
        {
            return;
        }
        if (bytes.size() < m_padTo)
        {
            bytes.resize(m_padTo, 0);
        }
        m_inFlight.push(InFlight{m_now + m_delay, m_order++, from, dest, std::move(bytes)});
    }

    Duration m_delay;
    std::vector<Node> m_nodes;
    TimePoint m_now{0};
    std::priority_queue<InFlight, std::vector<InFlight>, std::greater<InFlight>> m_inFlight;
    std::uint64_t m_order = 0;
    std::size_t m_sameTime = 0;
    std::size_t m_padTo = 0;
    DropFilter m_filter;
    std::vector<std::uint8_t> m_buffer;
};

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_LHP_ENDPOINT_HARNESS_H
