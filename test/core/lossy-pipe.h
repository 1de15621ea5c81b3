/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A simulated duplex link between two resoa::LhpLink objects, for tests. Header only.
 */
#ifndef RESOA_TEST_LOSSY_PIPE_H
#define RESOA_TEST_LOSSY_PIPE_H

#include "lhp-frame.h"
#include "lhp-link.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <random>
#include <utility>
#include <vector>

namespace resoa
{
namespace test
{

/// Impairments of a LossyPipe, the same in both directions.
struct PipeParams
{
    Duration delay{std::chrono::milliseconds(1)}; //!< one-way propagation delay
    double bitRate = 0;       //!< bit/s; frames queue behind each other; 0 = no limit
    double loss = 0;          //!< i.i.d. probability that a frame is lost
    double reorder = 0;       //!< probability that a frame gets extra delay
    Duration reorderDelay{0}; //!< extra delay is uniform in [0, reorderDelay]
    double duplicate = 0;     //!< probability that a frame arrives twice
    std::uint32_t seed = 1;   //!< seeds the pipe's std::mt19937
    /// With bitRate > 0: poll a link only when its direction is idle, one frame at a time (a
    /// driver with a one-frame device queue). Otherwise PollTransmit is drained at once and
    /// frames queue in the pipe.
    bool pollWhenIdle = false;
};

/**
 * \brief Virtual-time duplex pipe between link 0 and link 1, acting as both drivers.
 *
 * Runs the sans-I/O verbs the way a real driver does: frames are delivered in time order as
 * raw bytes (so the codec is exercised), HandleDeadline runs at NextDeadline(), and
 * PollTransmit is drained after every event. Side 1 answers a Connect with Accept while Idle
 * (passive open). Every transmitted frame is decoded and counted before impairments apply.
 */
class LossyPipe
{
  public:
    using DropFilter = std::function<bool(int from, const LhpFrame& frame)>;
    using Tap = std::function<void(int from, const LhpFrame& frame, TimePoint at)>;

    LossyPipe(LhpLink& a, LhpLink& b, PipeParams params)
        : m_links{&a, &b}
        , m_params(params)
        , m_rng(params.seed)
    {
    }

    TimePoint Now() const
    {
        return m_now;
    }

    LhpLink& Link(int side)
    {
        return *m_links[side];
    }

    /// Extra deterministic losses: return true to drop a frame sent by `from`.
    void SetDropFilter(DropFilter f)
    {
        m_filter = std::move(f);
    }

    /// Sees every frame sent, before losses.
    void SetTap(Tap t)
    {
        m_tap = std::move(t);
    }

    /// Drops everything `from` sends while on.
    void SetBlackhole(int from, bool on)
    {
        m_blackhole[from] = on;
    }

    /// Adds `extra` to the one-way delay of every frame `from` sends from now on.
    void SetExtraDelay(int from, Duration extra)
    {
        m_extraDelay[from] = extra;
    }

    /// Changes the loss probability from now on.
    void SetLoss(double loss)
    {
        m_params.loss = loss;
    }

    /// Frames of `type` sent by `from` (before losses).
    std::uint64_t Sent(int from, LhpFrameType type) const
    {
        return m_sentByType[from][static_cast<std::size_t>(type)];
    }

    /// Frames sent by `from` that the impairments or filters dropped.
    std::uint64_t Lost(int from) const
    {
        return m_lost[from];
    }

    /// Transmissions of Data frame `seq` on `ch` by `from`.
    std::uint32_t DataSends(int from, LhpChannel ch, std::uint32_t seq) const
    {
        auto it = m_dataSends[from].find(Key(ch, seq));
        return it == m_dataSends[from].end() ? 0 : it->second;
    }

    /// Largest number of transmissions of any one Data frame on `ch` by `from`.
    std::uint32_t MaxDataSends(int from, LhpChannel ch) const
    {
        std::uint32_t best = 0;
        for (const auto& [key, n] : m_dataSends[from])
        {
            if ((key >> 32) == static_cast<std::uint64_t>(ch))
            {
                best = std::max(best, n);
            }
        }
        return best;
    }

    /// First transmission time of Data frame `seq` on `ch` by `from`.
    std::optional<TimePoint> FirstSent(int from, LhpChannel ch, std::uint32_t seq) const
    {
        auto it = m_firstSent[from].find(Key(ch, seq));
        if (it == m_firstSent[from].end())
        {
            return std::nullopt;
        }
        return it->second;
    }

    /// The run loop hit a guard (time stopped advancing or a link would not stop sending).
    bool Stuck() const
    {
        return m_stuck;
    }

    /// Drains PollTransmit of both links at Now().
    void Pump()
    {
        for (int side = 0; side < 2; ++side)
        {
            if (Paced())
            {
                if (m_busyUntil[side] <= m_now && m_links[side]->PollTransmit(m_now, m_buffer))
                {
                    Transmit(side, m_buffer);
                }
                continue;
            }
            std::size_t n = 0;
            while (m_links[side]->PollTransmit(m_now, m_buffer))
            {
                Transmit(side, m_buffer);
                if (++n > kMaxBurst)
                {
                    m_stuck = true;
                    return;
                }
            }
        }
    }

    /**
     * Advances to the next frame arrival or link deadline, if it is not after `limit`, handles
     * everything due then and drains both links. Otherwise moves the clock to `limit` and
     * returns false.
     */
    bool Step(TimePoint limit)
    {
        if (m_stuck)
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
        consider(m_links[0]->NextDeadline());
        consider(m_links[1]->NextDeadline());
        for (TimePoint busy : m_busyUntil)
        {
            if (Paced() && busy > m_now)
            {
                consider(busy); // the medium frees up: poll again
            }
        }
        if (!next || *next > limit)
        {
            m_now = std::max(m_now, limit);
            return false;
        }
        TimePoint t = std::max(*next, m_now);
        m_sameTime = t == m_now ? m_sameTime + 1 : 0;
        if (m_sameTime > kMaxSameTime)
        {
            m_stuck = true;
            return false;
        }
        m_now = t;
        while (!m_inFlight.empty() && m_inFlight.top().arrival <= m_now)
        {
            InFlight f = m_inFlight.top();
            m_inFlight.pop();
            Deliver(f.to, f.bytes);
        }
        for (LhpLink* link : m_links)
        {
            std::optional<TimePoint> d = link->NextDeadline();
            if (d && *d <= m_now)
            {
                link->HandleDeadline(m_now);
            }
        }
        Pump();
        return true;
    }

    /// Runs until `done()` holds (checked before each step; it may Send or poll the links) or
    /// nothing happens before `limit`. Returns done().
    template<class Done>
    bool RunUntil(Done&& done, TimePoint limit)
    {
        while (!done())
        {
            Pump();
            if (!Step(limit))
            {
                return done();
            }
        }
        return true;
    }

    /// Runs for `d` of virtual time.
    void RunFor(Duration d)
    {
        RunUntil([] { return false; }, m_now + d);
    }

  private:
    struct InFlight
    {
        TimePoint arrival;
        std::uint64_t order; //!< ties keep send order
        int to;
        std::vector<std::uint8_t> bytes;

        bool operator>(const InFlight& o) const
        {
            return arrival != o.arrival ? arrival > o.arrival : order > o.order;
        }
    };

    static constexpr std::size_t kMaxBurst = 100000;
    static constexpr std::size_t kMaxSameTime = 100000;

    static std::uint64_t Key(LhpChannel ch, std::uint32_t seq)
    {
        return (static_cast<std::uint64_t>(ch) << 32) | seq;
    }

    bool Paced() const
    {
        return m_params.pollWhenIdle && m_params.bitRate > 0;
    }

    bool Chance(double p)
    {
        return p > 0 && std::uniform_real_distribution<double>(0, 1)(m_rng) < p;
    }

    Duration ExtraDelay()
    {
        if (!Chance(m_params.reorder) || m_params.reorderDelay <= Duration{0})
        {
            return Duration{0};
        }
        return Duration{
            std::uniform_int_distribution<std::int64_t>(0, m_params.reorderDelay.count())(m_rng)};
    }

    void Transmit(int from, const std::vector<std::uint8_t>& bytes)
    {
        LhpFrame frame;
        if (DecodeLhpFrame(bytes.data(), bytes.size(), frame) == DecodeError::Ok)
        {
            m_sentByType[from][static_cast<std::size_t>(frame.type)]++;
            if (frame.type == LhpFrameType::Data)
            {
                std::uint64_t key = Key(frame.channel, frame.seq);
                m_dataSends[from][key]++;
                m_firstSent[from].emplace(key, m_now);
            }
            if (m_tap)
            {
                m_tap(from, frame, m_now);
            }
        }
        // The frame occupies the medium whether or not it survives.
        TimePoint start = std::max(m_now, m_busyUntil[from]);
        if (m_params.bitRate > 0)
        {
            double seconds = static_cast<double>(bytes.size()) * 8.0 / m_params.bitRate;
            m_busyUntil[from] = start + Duration{static_cast<std::int64_t>(seconds * 1e9)};
        }
        else
        {
            m_busyUntil[from] = start;
        }
        // The filter sees every frame, so filters may count ("drop the first Accept").
        bool filtered = m_filter && m_filter(from, frame);
        bool drop = Chance(m_params.loss) || filtered || m_blackhole[from];
        if (drop)
        {
            m_lost[from]++;
            return;
        }
        int copies = Chance(m_params.duplicate) ? 2 : 1;
        for (int i = 0; i < copies; ++i)
        {
            TimePoint arrival =
                m_busyUntil[from] + m_params.delay + m_extraDelay[from] + ExtraDelay();
            m_inFlight.push(InFlight{arrival, m_order++, 1 - from, bytes});
        }
    }

    void Deliver(int to, const std::vector<std::uint8_t>& bytes)
    {
        LhpLink& link = *m_links[to];
        if (to == 1 && link.GetState() == LhpState::Idle)
        {
            LhpFrame frame;
            if (DecodeLhpFrame(bytes.data(), bytes.size(), frame) == DecodeError::Ok &&
                frame.type == LhpFrameType::Connect && link.Accept(frame, m_now))
            {
                return;
            }
        }
        link.Receive(bytes.data(), bytes.size(), m_now);
    }

    std::array<LhpLink*, 2> m_links;
    PipeParams m_params;
    std::mt19937 m_rng;
    TimePoint m_now{0};
    std::array<TimePoint, 2> m_busyUntil{};
    std::array<bool, 2> m_blackhole{};
    std::array<Duration, 2> m_extraDelay{};
    std::priority_queue<InFlight, std::vector<InFlight>, std::greater<InFlight>> m_inFlight;
    std::uint64_t m_order = 0;
    std::size_t m_sameTime = 0;
    bool m_stuck = false;
    std::vector<std::uint8_t> m_buffer;
    DropFilter m_filter;
    Tap m_tap;
    std::array<std::array<std::uint64_t, 8>, 2> m_sentByType{};
    std::array<std::uint64_t, 2> m_lost{};
    std::array<std::map<std::uint64_t, std::uint32_t>, 2> m_dataSends;
    std::array<std::map<std::uint64_t, TimePoint>, 2> m_firstSent;
};

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_LOSSY_PIPE_H
