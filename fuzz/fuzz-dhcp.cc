/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libFuzzer entry point for the DHCP codec and the lease engine (the ReSoA server decodes
 * whatever arrives on port 68). An accepted input must re-encode to a message that decodes
 * to the same encoding; then the message, made to match the lease's xid and MAC, is fed
 * to a lease in each state, and the lease's invariants must hold.
 */
#include "dhcp-lease.h"
#include "dhcp-message.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace
{

using resoa::DhcpLease;
using resoa::DhcpMessage;
using resoa::DhcpType;
using resoa::TimePoint;

void
Require(bool ok)
{
    if (!ok)
    {
        __builtin_trap();
    }
}

const std::array<std::uint8_t, 6> kMac = {0x02, 0, 0, 0, 0, 0x07};
constexpr std::uint32_t kXid = 0x5EED;

/// A lease's invariants, whatever it was fed.
void
Check(const DhcpLease& l, TimePoint now)
{
    const bool bound =
        l.GetState() == DhcpLease::State::Bound || l.GetState() == DhcpLease::State::Renewing;
    Require(bound == (l.GetAddress() != 0));
    if (bound)
    {
        Require(l.GetRenewAt() < l.GetExpiry());
    }
    if (auto d = l.NextDeadline())
    {
        Require(*d >= TimePoint(0));
    }
    (void)now;
}

/// Drives `l` with `m` at 1 s, then runs its deadlines for a while.
void
Feed(DhcpLease& l, const DhcpMessage& m)
{
    TimePoint now = std::chrono::seconds(1);
    l.OnMessage(m, now);
    Check(l, now);
    for (int i = 0; i < 64; ++i)
    {
        auto d = l.NextDeadline();
        if (!d)
        {
            break;
        }
        now = std::max(now, *d);
        l.HandleDeadline(now);
        Check(l, now);
    }
    while (l.PollOutgoing())
    {
    }
    while (l.PollEvent())
    {
    }
    l.Release(now);
    Require(!l.NextDeadline());
}

DhcpMessage
Reply(DhcpType type)
{
    DhcpMessage r;
    r.op = 2;
    r.xid = kXid;
    r.SetMac(kMac);
    r.type = type;
    r.yiaddr = 0xCB007164;
    r.leaseSeconds = 30;
    return r;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    DhcpMessage m;
    if (resoa::DecodeDhcp(data, size, m) != resoa::DecodeError::Ok)
    {
        return 0;
    }
    const std::vector<std::uint8_t> once = resoa::EncodeDhcp(m);
    DhcpMessage again;
    Require(resoa::DecodeDhcp(once.data(), once.size(), again) == resoa::DecodeError::Ok);
    Require(resoa::EncodeDhcp(again) == once);

    m.op = 2;
    m.xid = kXid;
    m.SetMac(kMac);
    resoa::DhcpLeaseConfig cfg;
    cfg.mac = kMac;
    cfg.xid = kXid;
    for (int state = 0; state < 4; ++state)
    {
        DhcpLease l(cfg);
        l.Start(TimePoint(0));
        if (state >= 1)
        {
            l.OnMessage(Reply(DhcpType::Offer), TimePoint(0));
        }
        if (state >= 2)
        {
            l.OnMessage(Reply(DhcpType::Ack), TimePoint(0));
        }
        if (state >= 3)
        {
            l.HandleDeadline(*l.NextDeadline()); // renewing
        }
        Feed(l, m);
    }
    return 0;
}
