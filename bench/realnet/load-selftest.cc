/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "load-selftest.h"

#include "load-clients.h"
#include "load-net.h"
#include "load-pattern.h"
#include "load-protocol.h"
#include "load-server.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace resoa
{
namespace bench
{

namespace
{

int g_failures = 0;

void
Check(bool ok, const std::string& what)
{
    std::printf("%s: %s\n", ok ? "PASS" : "FAIL", what.c_str());
    std::fflush(stdout);
    g_failures += ok ? 0 : 1;
}

/// Uploads \p bytes to a Sink, the last one flipped if \p corrupt. \return the sink's answer
std::optional<LoadResult>
RawSink(const sockaddr_in& to, std::size_t bytes, bool corrupt)
{
    const int fd = ConnectTcp(to);
    if (fd < 0)
    {
        return std::nullopt;
    }
    std::vector<std::uint8_t> data(Pattern().At(0), Pattern().At(0) + bytes);
    data.back() ^= corrupt ? 0xff : 0;
    WriteAll(fd, LoadRequest{LoadOp::Sink, 0, 0}.Encode().data(), LoadRequest::kSize);
    WriteAll(fd, data.data(), data.size());
    ::shutdown(fd, SHUT_WR);
    std::uint8_t answer[LoadResult::kSize];
    const bool got = ReadExactly(fd, answer, sizeof(answer));
    ::close(fd);
    return got ? LoadResult::Decode(answer) : std::nullopt;
}

} // namespace

int
RunSelfTest()
{
    std::atomic<bool> stop{false};
    LoadServerStats stats;
    sockaddr_in at{};
    std::mutex mutex;
    std::condition_variable ready;
    bool listening = false;
    sockaddr_in loopback = *ParseEndpoint("127.0.0.1:0");
    std::thread server(
        [&]
        {
            const bool ok = RunLoadServer(
                loopback,
                stop,
                [&](const sockaddr_in& bound)
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    at = bound;
                    listening = true;
                    ready.notify_all();
                },
                &stats);
            if (!ok)
            {
                std::lock_guard<std::mutex> lock(mutex);
                listening = true; // at stays port 0: the checks below fail
                ready.notify_all();
            }
        });
    {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [&] { return listening; });
    }
    Check(at.sin_port != 0, "server listens on " + FormatEndpoint(at));

    const BulkResult up = RunBulk(at, true, 0.3);
    Check(up.ok && up.bytes > 0, "bulk up: " + std::to_string(up.bytes) + " bytes " + up.error);
    const BulkResult down = RunBulk(at, false, 0.3);
    Check(down.ok && down.bytes > 0,
          "bulk down: " + std::to_string(down.bytes) + " bytes " + down.error);

    const LatencyResult latency = RunLatency(at, 50, 100, 70000, 10);
    Check(latency.firstByteUs.size() == 50 && latency.errors.empty(),
          "latency: 50 connections of 100 B request, 70000 B reply");

    const RpsResult rps = RunRps(at, 8, 0.5, 0.1, 64, 64);
    Check(rps.completed > 0 && rps.errors.empty(),
          "rps: " + std::to_string(rps.completed) + " replies with 8 parallel");

    const std::optional<LoadResult> clean = RawSink(at, 100000, false);
    Check(clean && clean->intact && clean->bytes == 100000, "sink accepts an intact upload");
    const std::optional<LoadResult> corrupt = RawSink(at, 100000, true);
    Check(corrupt && !corrupt->intact && corrupt->bytes == 100000, "sink detects one flipped byte");

    const int fd = ConnectTcp(at);
    const std::uint8_t junk[LoadRequest::kSize] = {'X'};
    WriteAll(fd, junk, sizeof(junk));
    std::uint8_t byte;
    const bool closed = !ReadExactly(fd, &byte, 1) && errno == 0;
    ::close(fd);
    Check(closed, "server closes a malformed request");

    stop = true;
    server.join();
    Check(stats.badRequests == 1 && stats.corruptSinks == 1 && stats.sinkBytes == up.bytes + 200000,
          "server stats: bad requests " + std::to_string(stats.badRequests) + ", corrupt sinks " +
              std::to_string(stats.corruptSinks));
    std::printf("%s\n", g_failures == 0 ? "selftest passed" : "selftest FAILED");
    return g_failures == 0 ? 0 : 1;
}

} // namespace bench
} // namespace resoa
