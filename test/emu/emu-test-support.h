/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Shared by the emulation tests with a simulated ReSoA server (test-emu-real-client.cc,
 * test-emu-real-internet.cc): the report the examples print, and waiting for their taps.
 */
#ifndef RESOA_EMU_TEST_SUPPORT_H
#define RESOA_EMU_TEST_SUPPORT_H

#include "netns-fixture.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace resoa
{
namespace test
{

/// The numbers an emulation example prints at the end.
struct EmuRunReport
{
    bool found = false; //!< the lag report line was there
    uint64_t samples = 0;
    double maxLagMs = -1;
    double p99LagMs = -1;
    uint64_t dataCorrupted = 0; //!< data frames the loss models corrupted (all PHYs)
    uint64_t dataSeen = 0;      //!< data frames they saw
    uint32_t associations = 0;
    uint32_t deassociations = 0;
    uint64_t lhpAccepted = 0;   //!< LHP connections the simulated server accepted
    uint64_t socketsOpened = 0; //!< sockets the simulated server opened for its clients
};

/// Parses the example's final report out of its log.
EmuRunReport ParseEmuRunReport(const std::string& log);

/**
 * Waits until \p tap in \p ns can carry frames: carrier on (the example holds its descriptor)
 * and a qdisc attached (until the kernel's link watcher ran, frames sent on it vanish).
 * \return "" when it is up, else the last `ip link` line after 10 s
 */
std::string WaitForTap(const std::string& ns, const std::string& tap);

/// \return the seconds elapsed since \p start (steady clock)
double SecondsSince(const std::chrono::steady_clock::time_point& start);

} // namespace test
} // namespace resoa

#endif // RESOA_EMU_TEST_SUPPORT_H
