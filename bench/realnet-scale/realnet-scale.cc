/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * `./resoa bench realnet-scale`: one resoa-serverd holding many clients and sockets
 * (bench/realnet-scale/README.md). Prints serverd's RSS and CPU per phase, the request
 * latencies, and the per-client and per-socket memory they imply.
 */
#include "scale-run.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

using namespace resoa::bench;

namespace
{

std::atomic<bool> g_interrupted{false};

void
OnSignal(int)
{
    g_interrupted = true;
}

void
Usage()
{
    std::puts(
        "usage: realnet-scale [--clients N] [--sockets-per-client N] [--connections-per-mac N]\n"
        "                     [--idle-ms MS] [--load-ms MS] [--probe N] [--request-bytes N]\n"
        "                     [--serverd PATH] [--workdir DIR] [--quick]\n"
        "(root) one resoa-serverd, N ReSoA clients (LHP from N / connections-per-mac source\n"
        "MACs) with N x sockets-per-client TCP sockets to an echo server; defaults 1000 x 10.\n"
        "--quick: 100 x 10, 1 s idle, 2 s load.");
}

double
MiB(long kib)
{
    return kib / 1024.0;
}

/// \return " NAME's line also counts A, B;" if SLUB merged other caches into \p cache
std::string
MergedNote(const std::string& cache)
{
    const std::vector<std::string> others = MergedCaches(cache);
    if (others.empty())
    {
        return "";
    }
    std::string note = " " + cache + "'s line also counts";
    for (std::size_t i = 0; i < others.size(); ++i)
    {
        note += (i ? ", " : " ") + others[i];
    }
    return note + ";";
}

/// The kernel's memory for the sockets, from the start to the end of "connect": slab objects
/// (system-wide) and TCP's buffer pages.
void
PrintKernel(const ScaleReport& r, double rssKiBPerSocket)
{
    const KernelSample& b = r.kernelBeforeSockets;
    const KernelSample& a = r.kernelWithSockets;
    const double sockets = double(r.socketsOpen);
    std::printf("kernel memory for the sockets (not in any RSS), over the connect phase:\n");
    if (a.tcpInUse >= 0 && b.tcpInUse >= 0)
    {
        std::printf("  serverd's namespace: TCP sockets in use +%ld; TCP buffer memory (all "
                    "namespaces) %+ld pages = %.0f B per socket\n",
                    a.tcpInUse - b.tcpInUse,
                    a.tcpMemPages - b.tcpMemPages,
                    double(a.tcpMemPages - b.tcpMemPages) * 4096.0 / sockets);
    }
    if (!a.slabReadable || !b.slabReadable)
    {
        std::printf("  /proc/slabinfo is not readable: slab objects not measured\n");
        return;
    }
    // Both ends of every connection are on this host (the echo server accepts them), and
    // each end is a socket with an inode, file, dentry and epoll item: 2 ends per socket.
    const double ends = 2 * sockets;
    const auto tcp = a.slabs.find("TCP");
    const auto tcp0 = b.slabs.find("TCP");
    if (tcp != a.slabs.end() && tcp0 != b.slabs.end())
    {
        std::printf("  slab (system-wide): TCP objects +%ld, %.2f per connection (2 expected: "
                    "serverd's end and the echo server's)\n",
                    tcp->second.activeObjects - tcp0->second.activeObjects,
                    double(tcp->second.activeObjects - tcp0->second.activeObjects) / sockets);
    }
    long total = 0;
    std::string merged;
    std::printf("  slab per socket end:");
    for (const char* cache : kSocketSlabCaches)
    {
        const long bytes = SlabDeltaBytes(b, a, cache);
        total += bytes;
        std::printf(" %s %.0f B,", cache, double(bytes) / ends);
        merged += MergedNote(cache);
    }
    const double perEnd = double(total) / ends;
    std::printf(" total %.0f B\n", perEnd);
    if (!merged.empty())
    {
        merged.pop_back(); // the last ';'
        std::printf("  (SLUB merges caches of one size:%s)\n", merged.c_str());
    }
    std::printf("  serverd's %zu sockets: %.1f MiB of kernel slab (%.2f KiB each) next to %.1f "
                "MiB of its RSS (%.2f KiB each)\n",
                r.socketsOpen,
                perEnd * sockets / 1048576.0,
                perEnd / 1024.0,
                rssKiBPerSocket * sockets / 1024.0,
                rssKiBPerSocket);
}

void
Print(const ScaleReport& r)
{
    const ScaleLoadConfig& c = r.config.load;
    const std::size_t sockets = c.clients * c.socketsPerClient;
    std::printf("\nresoa-serverd: %zu clients (%zu MACs x %zu LHP connections), %zu TCP sockets "
                "to an echo server\n\n",
                c.clients,
                r.stations,
                c.connectionsPerMac,
                sockets);
    std::printf(
        "| phase | wall s | serverd CPU %% of a core | VmRSS MiB | VmHWM MiB | load generator "
        "+ echo CPU %% | LHP frames/s |\n|---|---|---|---|---|---|---|\n");
    std::printf("| serverd up, no client | | | %.1f | %.1f | | |\n",
                MiB(r.baseline.rssKiB),
                MiB(r.baseline.hwmKiB));
    for (const PhaseFigures& p : r.phases)
    {
        const double wall = p.end.wallSeconds - p.start.wallSeconds;
        std::printf("| %s | %.2f | %.1f | %.1f | %.1f | %.0f | %.0f |\n",
                    p.name.c_str(),
                    wall,
                    p.CpuPercent(),
                    MiB(p.end.rssKiB),
                    MiB(p.end.hwmKiB),
                    p.BenchCpuPercent(),
                    wall > 0 ? p.frames / wall : 0);
    }
    std::printf("\nregistered %zu/%zu in %.2f s; sockets open %zu/%zu in %.2f s; closed in "
                "order %zu\n",
                r.registered,
                c.clients,
                r.registerSeconds,
                r.socketsOpen,
                sockets,
                r.openSeconds,
                r.closedInOrder);
    std::printf("latency of a %zu-byte echo (send to last byte back, microseconds):\n",
                c.requestBytes);
    std::printf("  one at a time:   n %zu, p50 %.0f, p99 %.0f, max %.0f (mismatches %zu, "
                "failures %zu)\n",
                r.probe.requests,
                r.probe.p50,
                r.probe.p99,
                r.probe.max,
                r.probe.mismatches,
                r.probe.failures);
    std::printf("  %zu outstanding: n %zu, %.0f req/s, p50 %.0f, p99 %.0f, max %.0f "
                "(mismatches %zu, failures %zu)\n",
                c.clients,
                r.load.requests,
                r.load.PerSecond(),
                r.load.p50,
                r.load.p99,
                r.load.max,
                r.load.mismatches,
                r.load.failures);
    const PhaseFigures* idleClients = r.Find("idle, clients");
    const PhaseFigures* idleSockets = r.Find("idle, sockets");
    if (idleClients && idleSockets && r.registered > 0 && r.socketsOpen > 0)
    {
        const double perClient =
            double(idleClients->end.rssKiB - r.baseline.rssKiB) / double(r.registered);
        const double perSocket =
            double(idleSockets->end.rssKiB - idleClients->end.rssKiB) / double(r.socketsOpen);
        std::printf("bounds (measured): serverd RSS %.1f KiB per registered idle client, %.2f KiB "
                    "per open idle TCP socket (kernel memory: next lines); idle CPU %.2f %% "
                    "of a core per 1000 clients, %.2f %% with their sockets\n",
                    perClient,
                    perSocket,
                    idleClients->CpuPercent() * 1000.0 / double(r.registered),
                    idleSockets->CpuPercent() * 1000.0 / double(r.registered));
        PrintKernel(r, perSocket);
    }
    std::printf("load generator: %llu frames sent (%llu refused by the kernel), %llu received; "
                "echo server accepted %llu connections\n",
                static_cast<unsigned long long>(r.framesSent),
                static_cast<unsigned long long>(r.framesDropped),
                static_cast<unsigned long long>(r.framesReceived),
                static_cast<unsigned long long>(r.echoConnections));
    std::printf("errors: register %zu, connect %zu, socket %zu, links down before close %zu; "
                "serverd alive after the run: %s, exit status after SIGTERM %d\n",
                r.stats.registerErrors,
                r.stats.connectErrors,
                r.stats.socketErrors,
                r.stats.linksDown - r.closedInOrder,
                r.serverdAliveAfter ? "yes" : "NO",
                r.serverdExit);
    for (const auto& [err, n] : r.stats.errnos)
    {
        std::printf("  errno %d: %zu\n", err, n);
    }
}

} // namespace

int
main(int argc, char** argv)
{
    ScaleRunConfig config;
    config.serverdPath = RESOA_SERVERD_PATH;
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        auto next = [&]() -> std::string
        {
            if (i + 1 >= argc)
            {
                std::fprintf(stderr, "realnet-scale: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--help" || a == "-h")
        {
            Usage();
            return 0;
        }
        else if (a == "--clients")
        {
            config.load.clients = std::stoul(next());
        }
        else if (a == "--sockets-per-client")
        {
            config.load.socketsPerClient = std::stoul(next());
        }
        else if (a == "--connections-per-mac")
        {
            config.load.connectionsPerMac = std::stoul(next());
        }
        else if (a == "--idle-ms")
        {
            config.idle = std::chrono::milliseconds(std::stol(next()));
        }
        else if (a == "--load-ms")
        {
            config.loadDuration = std::chrono::milliseconds(std::stol(next()));
        }
        else if (a == "--probe")
        {
            config.probeRequests = std::stoul(next());
        }
        else if (a == "--request-bytes")
        {
            config.load.requestBytes = std::stoul(next());
        }
        else if (a == "--serverd")
        {
            config.serverdPath = next();
        }
        else if (a == "--workdir")
        {
            config.workDir = next();
        }
        else if (a == "--quick")
        {
            config.load.clients = 100;
            config.idle = std::chrono::milliseconds(1000);
            config.loadDuration = std::chrono::milliseconds(2000);
            config.probeRequests = 500;
        }
        else
        {
            std::fprintf(stderr, "realnet-scale: unknown option %s (--help)\n", a.c_str());
            return 2;
        }
    }
    if (::geteuid() != 0)
    {
        std::fprintf(stderr, "realnet-scale: needs root (network namespaces, raw sockets)\n");
        return 2;
    }
    // Ctrl-C or SIGTERM ends the run through the destructors: serverd stopped, namespaces gone.
    struct sigaction sa = {};
    sa.sa_handler = OnSignal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    config.load.interrupted = &g_interrupted;
    try
    {
        Print(RunScale(config));
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "realnet-scale: %s\n", e.what());
        return 1;
    }
    return 0;
}
