/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * realnet-load: the load program of `./resoa bench realnet`. One binary is both ends of
 * every measurement, and the same client runs on both paths (natively through NAT, under
 * resoa-run over ReSoA), so the two paths differ only in the network, never in the program.
 * Plain POSIX sockets; every transferred byte is checked against a known pattern.
 */
#include "load-clients.h"
#include "load-net.h"
#include "load-report.h"
#include "load-selftest.h"
#include "load-server.h"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

using namespace resoa::bench;

namespace
{

const char* const kUsage =
    "usage: realnet-load MODE [--KEY VALUE]...\n"
    "  serve    --listen IP:PORT          the server of every mode (runs until SIGTERM)\n"
    "  bulk     --to IP:PORT --direction up|down --seconds S\n"
    "           one TCP transfer; up = client sends, down = server sends\n"
    "  latency  --to IP:PORT --count N --request B --reply B --max-seconds S\n"
    "           N sequential connections: socket+connect, request, reply to EOF, close\n"
    "  rps      --to IP:PORT --parallel N --seconds S --warmup S --request B --reply B\n"
    "           N connections at a time (non-blocking connect, epoll), one request each\n"
    "  selftest every mode against an in-process server on 127.0.0.1 (exit 0 = pass)\n"
    "Prints one JSON object per run on stdout; exit 1 if the run failed, 2 on bad usage.\n";

std::atomic<bool> g_stop{false};

[[noreturn]] void
Usage(const std::string& why)
{
    std::fprintf(stderr, "realnet-load: %s\n%s", why.c_str(), kUsage);
    std::exit(2);
}

/// --key value / --key=value pairs after the mode.
class Options
{
  public:
    Options(int argc, char** argv)
    {
        for (int i = 2; i < argc; ++i)
        {
            std::string key = argv[i];
            if (key.rfind("--", 0) != 0)
            {
                Usage("unexpected argument '" + key + "'");
            }
            key = key.substr(2);
            const std::size_t eq = key.find('=');
            if (eq != std::string::npos)
            {
                m_values[key.substr(0, eq)] = key.substr(eq + 1);
            }
            else if (i + 1 < argc)
            {
                m_values[key] = argv[++i];
            }
            else
            {
                Usage("--" + key + " needs a value");
            }
        }
    }

    std::string Text(const std::string& key, const std::string& fallback)
    {
        auto it = m_values.find(key);
        std::string value = it == m_values.end() ? fallback : it->second;
        if (it != m_values.end())
        {
            m_values.erase(it);
        }
        return value;
    }

    double Number(const std::string& key, double fallback, double min)
    {
        const std::string text = Text(key, "");
        if (text.empty())
        {
            return fallback;
        }
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (*end != '\0' || !(value >= min))
        {
            Usage("--" + key + " must be a number >= " + std::to_string(min));
        }
        return value;
    }

    sockaddr_in Endpoint(const std::string& key)
    {
        const std::string text = Text(key, "");
        const auto endpoint = ParseEndpoint(text);
        if (!endpoint)
        {
            Usage("--" + key + " needs IP:PORT, got '" + text + "'");
        }
        return *endpoint;
    }

    /// Fails on any option no mode asked for (a typo must not silently use a default).
    void CheckAllUsed() const
    {
        if (!m_values.empty())
        {
            Usage("unknown option --" + m_values.begin()->first);
        }
    }

  private:
    std::map<std::string, std::string> m_values;
};

int
Serve(Options& o)
{
    const sockaddr_in on = o.Endpoint("listen");
    o.CheckAllUsed();
    struct sigaction stop
    {
    };
    stop.sa_handler = [](int)
    {
        g_stop = true;
    };
    ::sigaction(SIGTERM, &stop, nullptr);
    ::sigaction(SIGINT, &stop, nullptr);
    LoadServerStats stats;
    const bool ok = RunLoadServer(
        on,
        g_stop,
        [](const sockaddr_in& bound)
        {
            std::printf("realnet-load: listening on %s\n", FormatEndpoint(bound).c_str());
            std::fflush(stdout);
        },
        &stats);
    if (!ok)
    {
        std::fprintf(stderr, "realnet-load: cannot listen: %s\n", ErrnoName(errno).c_str());
        return 1;
    }
    std::printf("realnet-load: served %llu connections, %llu bad requests, %llu corrupt sinks\n",
                static_cast<unsigned long long>(stats.connections),
                static_cast<unsigned long long>(stats.badRequests),
                static_cast<unsigned long long>(stats.corruptSinks));
    return 0;
}

int
Bulk(Options& o)
{
    const sockaddr_in to = o.Endpoint("to");
    const std::string direction = o.Text("direction", "down");
    const double seconds = o.Number("seconds", 5, 0.01);
    o.CheckAllUsed();
    if (direction != "up" && direction != "down")
    {
        Usage("--direction is up or down");
    }
    const double cpu = CpuSeconds();
    const BulkResult r = RunBulk(to, direction == "up", seconds);
    std::printf("%s\n", ToJson(r, direction == "up", CpuSeconds() - cpu).c_str());
    return r.ok ? 0 : 1;
}

int
Latency(Options& o)
{
    const sockaddr_in to = o.Endpoint("to");
    const auto count = static_cast<int>(o.Number("count", 200, 1));
    const auto request = static_cast<std::size_t>(o.Number("request", 64, 16));
    const auto reply = static_cast<std::size_t>(o.Number("reply", 64, 1));
    const double maxSeconds = o.Number("max-seconds", 60, 0.01);
    o.CheckAllUsed();
    const LatencyResult r = RunLatency(to, count, request, reply, maxSeconds);
    std::printf("%s\n", ToJson(r).c_str());
    return r.firstByteUs.empty() ? 1 : 0;
}

int
Rps(Options& o)
{
    const sockaddr_in to = o.Endpoint("to");
    const auto parallel = static_cast<int>(o.Number("parallel", 50, 1));
    const double seconds = o.Number("seconds", 5, 0.01);
    const double warmup = o.Number("warmup", 0.5, 0);
    const auto request = static_cast<std::size_t>(o.Number("request", 64, 16));
    const auto reply = static_cast<std::size_t>(o.Number("reply", 64, 1));
    o.CheckAllUsed();
    const RpsResult r = RunRps(to, parallel, seconds, warmup, request, reply);
    std::printf("%s\n", ToJson(r, parallel).c_str());
    return r.completed == 0 ? 1 : 0;
}

} // namespace

int
main(int argc, char** argv)
{
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")
    {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    ::signal(SIGPIPE, SIG_IGN);
    RaiseFdLimit();
    const std::string mode = argv[1];
    Options options(argc, argv);
    if (mode == "serve")
    {
        return Serve(options);
    }
    if (mode == "bulk")
    {
        return Bulk(options);
    }
    if (mode == "latency")
    {
        return Latency(options);
    }
    if (mode == "rps")
    {
        return Rps(options);
    }
    if (mode == "selftest")
    {
        options.CheckAllUsed();
        return RunSelfTest();
    }
    Usage("unknown mode '" + mode + "'");
}
