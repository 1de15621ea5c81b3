/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "scale-run.h"

#include "echo-server.h"
#include "netns-fixture.h"

#include <arpa/inet.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace resoa
{
namespace bench
{

namespace
{

const char* const kServerMac = "02:00:00:aa:00:02";
const char* const kPublic = "198.51.100.1";
const char* const kEcho = "198.51.100.2";
constexpr std::uint16_t kEchoPort = 7;

/// serverd's kernel sockets, the echo server's and ours: raise the fd limit (inherited by
/// serverd) to what 10 000 sockets on each side need.
void
RaiseFdLimit(std::size_t sockets)
{
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    const rlim_t want = static_cast<rlim_t>(sockets + 4096);
    if (r.rlim_cur >= want)
    {
        return;
    }
    r.rlim_cur = want;
    r.rlim_max = std::max(r.rlim_max, want); // root only; else the hard limit bounds us
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0)
    {
        ::getrlimit(RLIMIT_NOFILE, &r);
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

std::string
Tail(const std::string& s, std::size_t n)
{
    return s.size() <= n ? s : s.substr(s.size() - n);
}

/// Where serverd's log goes: \p dir as given, or a fresh directory removed at the end.
struct TempDir
{
    explicit TempDir(const std::string& dir)
        : path(dir)
    {
        if (path.empty())
        {
            char name[] = "/tmp/resoa-scale-XXXXXX";
            if (!::mkdtemp(name))
            {
                throw std::runtime_error("mkdtemp failed");
            }
            path = name;
            owned = true;
        }
    }

    ~TempDir()
    {
        if (owned)
        {
            test::RunCommand({"rm", "-rf", path});
        }
    }

    std::string path;
    bool owned = false;
};

} // namespace

const PhaseFigures*
ScaleReport::Find(const std::string& name) const
{
    for (const PhaseFigures& p : phases)
    {
        if (p.name == name)
        {
            return &p;
        }
    }
    return nullptr;
}

ScaleReport
RunScale(const ScaleRunConfig& config)
{
    ScaleReport report;
    report.config = config;
    const std::size_t sockets = config.load.clients * config.load.socketsPerClient;
    RaiseFdLimit(sockets);

    test::NetnsFixture net;
    const std::string server = net.AddNamespace("server");
    const std::string internet = net.AddNamespace("internet");
    const std::string load = net.AddNamespace("load");
    net.AddVeth(server, "s1", internet, "i0");
    net.AddAddress(server, "s1", std::string(kPublic) + "/24");
    net.AddAddress(internet, "i0", std::string(kEcho) + "/24");
    net.AddVeth(load, "l0", server, "s0", "", kServerMac);

    EchoServer echo(internet, kEcho, kEchoPort);

    std::vector<std::string> argv = {
        config.serverdPath,
        "--interface",
        "s0",
        "--public-address",
        kPublic,
        // The bench measures holding clients, not admitting them: no registration throttle.
        "--registrations-per-second",
        "0",
        "--max-clients",
        std::to_string(std::max<std::size_t>(1024, config.load.clients)),
        "--sockets-per-client",
        std::to_string(std::max<std::size_t>(64, config.load.socketsPerClient))};
    argv.insert(argv.end(), config.serverdArgs.begin(), config.serverdArgs.end());
    TempDir temp(config.workDir);
    DaemonProcess serverd(server, argv, temp.path + "/serverd.log");
    if (!serverd.WaitFor("up on s0", 10))
    {
        throw std::runtime_error("resoa-serverd did not start: " + serverd.Log());
    }

    std::unique_ptr<RawEthernet> link =
        net.RunIn(load, [] { return std::make_unique<RawEthernet>("l0"); });
    ScaleLoadConfig lc = config.load;
    in_addr echoAddr{};
    ::inet_pton(AF_INET, kEcho, &echoAddr);
    lc.echo = EpAddress::Ipv4(ntohl(echoAddr.s_addr), kEchoPort);
    ScaleLoad gen(*link, *realnet::ParseMac(kServerMac), lc);
    report.stations = gen.StationCount();

    gen.RunFor(std::chrono::milliseconds(500));
    report.baseline = serverd.Sample();
    auto phase = [&](const std::string& name, const std::function<void()>& body)
    {
        PhaseFigures p;
        p.name = name;
        p.start = serverd.Sample();
        p.benchStart = SampleProcess(::getpid());
        const std::uint64_t frames = link->framesSent + link->framesReceived;
        body();
        p.frames = link->framesSent + link->framesReceived - frames;
        p.end = serverd.Sample();
        p.benchEnd = SampleProcess(::getpid());
        report.phases.push_back(p);
    };
    using Ms = std::chrono::milliseconds;
    phase("register",
          [&]
          {
              const auto t0 = std::chrono::steady_clock::now();
              report.registered = gen.ConnectAndRegister(Ms(60000));
              report.registerSeconds =
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          });
    phase("idle, clients", [&] { gen.RunFor(config.idle); });
    phase("connect",
          [&]
          {
              report.kernelBeforeSockets = SampleKernel(serverd.Pid());
              const auto t0 = std::chrono::steady_clock::now();
              report.socketsOpen = gen.OpenSockets(Ms(120000));
              report.openSeconds =
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
              // At once: the slab counts are system-wide, and the rest of the machine keeps
              // allocating dentries and files (about 2500 dentries/s on a busy build host).
              report.kernelWithSockets = SampleKernel(serverd.Pid());
          });
    phase("idle, sockets", [&] { gen.RunFor(config.idle); });
    phase("probe", [&] { report.probe = gen.Probe(config.probeRequests, Ms(2000)); });
    phase("load", [&] { report.load = gen.Load(config.loadDuration); });
    phase("close", [&] { report.closedInOrder = gen.CloseAll(Ms(10000)); });

    report.stats = gen.GetStats();
    report.echoConnections = echo.Connections();
    report.framesSent = link->framesSent;
    report.framesReceived = link->framesReceived;
    report.framesDropped = link->framesDropped;
    report.serverdAliveAfter = serverd.Alive();
    report.serverdExit = serverd.Stop();
    report.serverdLogTail = Tail(serverd.Log(), 3000);
    return report;
}

} // namespace bench
} // namespace resoa
