/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Helpers for LhpLink tests: two links on a LossyPipe with their applications, SDU
 * generators and comparisons. Header only.
 */
#ifndef RESOA_TEST_LHP_LINK_HARNESS_H
#define RESOA_TEST_LHP_LINK_HARNESS_H

#include "lhp-frame.h"
#include "lhp-link.h"

#include "core/lossy-pipe.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace resoa
{
namespace test
{

using namespace std::chrono_literals;
using Sdus = std::vector<std::vector<std::uint8_t>>;

inline constexpr std::uint32_t kConnId = 0x00C0FFEE;

/// SDUs of random sizes in [minSize, maxSize] and random bytes, `totalBytes` in all.
inline Sdus
MakeSdus(std::uint32_t seed, std::size_t totalBytes, std::size_t minSize, std::size_t maxSize)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> size(minSize, maxSize);
    std::uniform_int_distribution<int> byte(0, 255);
    Sdus sdus;
    std::size_t total = 0;
    while (total < totalBytes)
    {
        std::vector<std::uint8_t> sdu(size(rng));
        for (auto& b : sdu)
        {
            b = static_cast<std::uint8_t>(byte(rng));
        }
        total += sdu.size();
        sdus.push_back(std::move(sdu));
    }
    return sdus;
}

/// `count` SDUs whose first four bytes are their index (big endian), rest random.
inline Sdus
MakeIndexedSdus(std::uint32_t seed, std::size_t count, std::size_t minSize, std::size_t maxSize)
{
    Sdus sdus;
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> size(std::max<std::size_t>(minSize, 4), maxSize);
    for (std::size_t i = 0; i < count; ++i)
    {
        std::vector<std::uint8_t> sdu(size(rng));
        for (auto& b : sdu)
        {
            b = static_cast<std::uint8_t>(rng());
        }
        for (int k = 0; k < 4; ++k)
        {
            sdu[k] = static_cast<std::uint8_t>(i >> (24 - 8 * k));
        }
        sdus.push_back(std::move(sdu));
    }
    return sdus;
}

inline std::size_t
IndexOf(const std::vector<std::uint8_t>& sdu)
{
    std::size_t i = 0;
    for (int k = 0; k < 4 && k < static_cast<int>(sdu.size()); ++k)
    {
        i = (i << 8) | sdu[k];
    }
    return i;
}

/// Byte-exact comparison of SDU sequences, naming the first difference.
inline ::testing::AssertionResult
SameSdus(const Sdus& sent, const Sdus& got)
{
    std::size_t n = std::min(sent.size(), got.size());
    for (std::size_t i = 0; i < n; ++i)
    {
        if (sent[i] != got[i])
        {
            return ::testing::AssertionFailure()
                   << "SDU " << i << " differs: sent " << sent[i].size() << " bytes, got "
                   << got[i].size();
        }
    }
    if (sent.size() != got.size())
    {
        return ::testing::AssertionFailure()
               << "sent " << sent.size() << " SDUs, received " << got.size();
    }
    return ::testing::AssertionSuccess();
}

/// Feeds a list of SDUs into a link as fast as Send accepts them.
struct Source
{
    Sdus sdus;
    std::size_t next = 0;

    void Feed(LhpLink& link, LhpChannel ch, TimePoint now)
    {
        while (next < sdus.size() && link.Send(ch, sdus[next], now))
        {
            ++next;
        }
    }

    bool AllQueued() const
    {
        return next == sdus.size();
    }
};

/// What the application above one link saw.
struct Endpoint
{
    Sdus reliable;
    Sdus semi;
    std::vector<std::pair<LhpEvent, TimePoint>> events;

    std::size_t Count(LhpEvent::Kind k) const
    {
        return std::count_if(
            events.begin(), events.end(), [k](const auto& e) { return e.first.kind == k; });
    }

    std::optional<TimePoint> When(LhpEvent::Kind k) const
    {
        for (const auto& e : events)
        {
            if (e.first.kind == k)
            {
                return e.second;
            }
        }
        return std::nullopt;
    }
};

/// Two links (0 = a, connector; 1 = b, acceptor) on one pipe, with their applications.
struct Harness
{
    Harness(LhpConfig ca, LhpConfig cb, PipeParams p)
        : a(ca, kConnId, 0xA0A0A0A0)
        , b(cb, kConnId, 0xB0B0B0B0)
        , pipe(a, b, p)
    {
    }

    explicit Harness(PipeParams p, LhpConfig c = LhpConfig{})
        : Harness(c, c, p)
    {
    }

    void Collect()
    {
        CollectOne(a, ea);
        CollectOne(b, eb);
    }

    void CollectOne(LhpLink& link, Endpoint& e)
    {
        while (auto d = link.PollDelivery())
        {
            (d->channel == LhpChannel::Reliable ? e.reliable : e.semi).push_back(d->data);
        }
        while (auto ev = link.PollEvent())
        {
            e.events.emplace_back(*ev, pipe.Now());
        }
    }

    /// Runs until `done` (called after collecting) or `limit` from now.
    template<class Done>
    bool RunUntil(Done&& done, Duration limit)
    {
        return pipe.RunUntil(
            [&]
            {
                Collect();
                return done();
            },
            pipe.Now() + limit);
    }

    void RunFor(Duration d)
    {
        RunUntil([] { return false; }, d);
    }

    bool Open(Duration limit = 20s)
    {
        a.Connect(pipe.Now());
        return RunUntil(
            [&] { return a.GetState() == LhpState::Open && b.GetState() == LhpState::Open; },
            limit);
    }

    bool CloseBoth(Duration limit = 60s)
    {
        a.Close(pipe.Now());
        return RunUntil(
            [&] { return a.GetState() == LhpState::Closed && b.GetState() == LhpState::Closed; },
            limit);
    }

    LhpLink a;
    LhpLink b;
    LossyPipe pipe;
    Endpoint ea;
    Endpoint eb;
};

inline PipeParams
Impaired(double loss, std::uint32_t seed)
{
    PipeParams p;
    p.delay = 2ms;
    p.bitRate = 50e6;
    p.loss = loss;
    p.reorder = 0.1;
    p.reorderDelay = 3ms;
    p.duplicate = 0.02;
    p.seed = seed;
    return p;
}

inline PipeParams
Clean(Duration delay = 2ms, double bitRate = 100e6)
{
    PipeParams p;
    p.delay = delay;
    p.bitRate = bitRate;
    return p;
}

inline LhpFrame
DataFrame(std::uint32_t seq, std::vector<std::uint8_t> payload, std::uint32_t connId = kConnId)
{
    LhpFrame f;
    f.type = LhpFrameType::Data;
    f.connId = connId;
    f.seq = seq;
    f.payload = std::move(payload);
    return f;
}

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_LHP_LINK_HARNESS_H
