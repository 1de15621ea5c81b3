/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Shared by the emulation tests (test-emu-wifi-hop.cc, test-emu-real-client.cc,
 * test-emu-real-internet.cc): the report the examples print, waiting for their taps, checking a
 * finished run, and the real programs they start around it. Built on test/realnet's program
 * rig (Background, IsExecutable, Sha256Of, ...).
 */
#ifndef RESOA_EMU_TEST_SUPPORT_H
#define RESOA_EMU_TEST_SUPPORT_H

#include "netns-fixture.h"
#include "program-rig.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
    uint64_t clientToAir = 0;   //!< frames the client side relayed from its tap
    uint64_t serverToAir = 0;   //!< frames the server side relayed from its tap (wifi-hop)
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
 * and a qdisc attached (until the kernel's link watcher ran, frames sent on it vanish). A tap's
 * operstate stays UNKNOWN, so NetnsFixture::WaitUntilUp (which wants "state UP") does not fit.
 * \return "" when it is up, else the last `ip link` line after 10 s
 */
std::string WaitForTap(const std::string& ns, const std::string& tap);

/**
 * Starts an emulation example (\p argv) in namespace \p ns, its output in \p log, and waits
 * until it runs, its taps in \p tapNamespaces are up and, with \p association, its station
 * associated.
 */
void StartEmuExample(std::unique_ptr<Background>& emu,
                     const std::string& ns,
                     const std::vector<std::string>& argv,
                     const std::string& log,
                     const std::vector<std::string>& tapNamespaces,
                     bool association);

/// \return the seconds elapsed since \p start (steady clock)
double SecondsSince(const std::chrono::steady_clock::time_point& start);

/// \return why an emulation test cannot run (see ProgramRig::SkipReason, plus any of
/// \p executables not built), or nullopt
std::optional<std::string> EmuSkipReason(const std::vector<std::string>& executables,
                                         const std::vector<std::string>& programs);

/// Makes the empty work directory /tmp/<prefix><tag> with \p subdir in it. \return its path
std::string MakeWorkDir(const std::string& tag, const std::string& subdir);

/// Removes \p dir, unless RESOA_TEST_KEEP is set (to look at the logs after a failure).
void RemoveWorkDir(const std::string& dir);

/**
 * Checks the end of an example's run that exited with \p status: 0, a lag report with over
 * 100 samples, no de-association, its taps gone from \p tapNamespaces. Prints the summary and
 * records the lag as test properties. \p context goes with a failed status.
 * \return the report
 */
EmuRunReport CheckFinishedRun(int status,
                              const std::string& log,
                              const std::vector<std::string>& tapNamespaces,
                              const std::string& context = "");

/// The loss model hit data frames at about \p loss (over \p minSeen seen), or saw none at 0.
void ExpectLossRate(const EmuRunReport& r, double loss, uint64_t minSeen);

/// Starts python's http.server in \p ns on \p address:8080, serving \p root; waits for it.
void StartHttpServer(std::unique_ptr<Background>& http,
                     const std::string& ns,
                     const std::string& address,
                     const std::string& root,
                     const std::string& log);

/// Starts resoa-clientd in \p ns on emu0 towards \p serverMac, listening on \p socket.
std::unique_ptr<Background> StartEmuClientd(const std::string& ns,
                                            const std::string& serverMac,
                                            const std::string& socket,
                                            const std::string& log);

/// \return the command prefix that runs a program over ReSoA in \p ns via \p socket
std::vector<std::string> ResoaRunPrefix(const std::string& ns, const std::string& socket);

/// Prints "[ transfer ] what: N bytes in S s = R Mbit/s" and records time and throughput.
void ReportTransfer(const std::string& what, std::size_t bytes, double seconds);

} // namespace test
} // namespace resoa

#endif // RESOA_EMU_TEST_SUPPORT_H
