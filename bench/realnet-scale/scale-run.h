/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of `./resoa bench realnet-scale` (bench/realnet-scale/README.md).
 */
#ifndef RESOA_BENCH_SCALE_RUN_H
#define RESOA_BENCH_SCALE_RUN_H

#include "daemon-process.h"
#include "kernel-memory.h"
#include "scale-load.h"

#include <chrono>
#include <string>
#include <vector>

namespace resoa
{
namespace bench
{

/// One scale run: the load, the phases' lengths and serverd.
struct ScaleRunConfig
{
    std::string serverdPath;
    ScaleLoadConfig load; //!< `echo` is set by the run
    std::size_t probeRequests = 2000;
    std::chrono::milliseconds idle{3000};         //!< each idle phase
    std::chrono::milliseconds loadDuration{5000}; //!< the closed-loop phase
    std::vector<std::string> serverdArgs;         //!< extra flags
    std::string workDir; //!< serverd.log is kept here; empty: a temporary directory, removed
};

/// serverd's figures over one phase.
struct PhaseFigures
{
    std::string name;
    ProcessSample start;
    ProcessSample end;
    ProcessSample benchStart; //!< this process: the load generator and the echo server
    ProcessSample benchEnd;
    std::uint64_t frames = 0; //!< LHP frames both ways on the load generator's link
    double CpuPercent() const //!< of one core
    {
        const double wall = end.wallSeconds - start.wallSeconds;
        return wall > 0 ? 100.0 * (end.cpuSeconds - start.cpuSeconds) / wall : 0;
    }
    double BenchCpuPercent() const //!< of one core
    {
        const double wall = benchEnd.wallSeconds - benchStart.wallSeconds;
        return wall > 0 ? 100.0 * (benchEnd.cpuSeconds - benchStart.cpuSeconds) / wall : 0;
    }
};

/// Everything a run measured.
struct ScaleReport
{
    ScaleRunConfig config;
    std::size_t stations = 0;
    std::size_t registered = 0;
    std::size_t socketsOpen = 0;
    std::size_t closedInOrder = 0;
    double registerSeconds = 0;
    double openSeconds = 0;
    ProcessSample baseline;           //!< serverd up, no client
    KernelSample kernelBeforeSockets; //!< at the start of "connect"
    KernelSample kernelWithSockets;   //!< at the end of "connect"
    std::vector<PhaseFigures> phases;
    LatencySummary probe;
    LatencySummary load;
    ScaleLoadStats stats;
    std::uint64_t echoConnections = 0;
    std::uint64_t framesSent = 0;
    std::uint64_t framesReceived = 0;
    std::uint64_t framesDropped = 0;
    bool serverdAliveAfter = false; //!< still running after the last phase
    int serverdExit = -1;           //!< its status after SIGTERM (0 = orderly)
    std::string serverdLogTail;

    const PhaseFigures* Find(const std::string& name) const;
};

/**
 * Builds the topology (namespaces `load`, `server`, `internet`: the load generator's veth
 * to serverd's interface, serverd's public link to an echo server), starts resoa-serverd,
 * runs the phases and removes everything again (also when it throws).
 *
 * Phases: register every client (then idle), connect every socket (then idle), probe
 * latency one request at a time, closed-loop load, close everything.
 * \throws std::runtime_error if the topology or serverd cannot be set up
 */
ScaleReport RunScale(const ScaleRunConfig& config);

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_SCALE_RUN_H
