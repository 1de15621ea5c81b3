/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * resoa-serverd's counters as one log line: what it dropped and refused (bad frames, forged
 * Closes and Connects, refused admissions, EP decode errors, refused sockets...) and what
 * it carried. Logged on SIGUSR1 and when the daemon stops.
 */
#ifndef RESOA_REALNET_SERVER_STATS_H
#define RESOA_REALNET_SERVER_STATS_H

#include "server-loop.h"

#include <string>

namespace resoa
{
namespace realnet
{

/**
 * "key=value" pairs, space-separated, of the loop's, the LHP endpoint's (per-link counters
 * summed over the links open now) and the EP server's counters.
 */
std::string FormatServerStats(ServerLoop& server);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_SERVER_STATS_H
