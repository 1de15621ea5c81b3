/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Writes a seeded pattern stream (resoa::PatternByte) into an ns-3 socket as far as its send
 * buffer takes it. Shared by the sim tests whose peers check the stream by hash.
 */
#ifndef RESOA_TEST_SIM_PATTERN_PUSH_H
#define RESOA_TEST_SIM_PATTERN_PUSH_H

#include "ns3/socket.h"
#include "ns3/stream-pattern.h"

#include <algorithm>
#include <cstdint>

namespace ns3
{

/// Sends pattern `seed` bytes [sent, bytes) on `socket` until its buffer is full; returns how
/// far the stream got (== bytes once all is handed over).
inline uint64_t
PushPattern(Ptr<Socket> socket, uint64_t seed, uint64_t sent, uint64_t bytes)
{
    uint8_t buf[4096];
    while (sent < bytes)
    {
        uint32_t n =
            std::min<uint64_t>({sizeof(buf), bytes - sent, uint64_t(socket->GetTxAvailable())});
        if (n == 0)
        {
            return sent;
        }
        for (uint32_t i = 0; i < n; ++i)
        {
            buf[i] = resoa::PatternByte(seed, sent + i);
        }
        int r = socket->Send(buf, n, 0);
        if (r <= 0)
        {
            return sent;
        }
        sent += r;
    }
    return sent;
}

} // namespace ns3

#endif // RESOA_TEST_SIM_PATTERN_PUSH_H
