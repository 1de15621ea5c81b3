/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The integrity matrix on real Linux (issue 12.1): 20 connections per row, each moving
 * 128 KiB up and 128 KiB down (16 KiB at 50 % loss) between an unmodified python3 program
 * under resoa-run (a client namespace with no IP address) and a server in the internet
 * namespace, through resoa-clientd, LHP on a veth, resoa-serverd and the kernel's TCP.
 *
 * Rows:
 * - loss 0/10/30/50 %: frames on the client link are dropped at random in both directions by
 *   nftables netdev ingress rules (numgen);
 * - duplication 10/30 % and reordering 10/30 %: the client link runs through resoa-lhp-relay
 *   (test/realnet/lhp-relay.cc) in a namespace of its own, which sends that share of the LHP
 *   frames twice, or holds it back until 3 later frames (or 10 ms) have passed it, in both
 *   directions; nftables cannot duplicate or reorder, and tc netem is not available here;
 * - 10 % loss + 10 % duplication + 10 % reordering together;
 * - relay0, the control: the relay with no disturbance must be transparent.
 *
 * Every stream is checked by sha256 against what its sender sent, in both directions, and the
 * disturbance is checked to have happened: nftables' drop counters, and the relay's counters
 * of duplicated and reordered (overtaken) frames, both > 0, with every frame it received sent
 * on (forwarded = received + duplicated). The ns-3 matrix
 * (test/sim/test-integrity-matrix.cc) covers the same and fades, over simulated 802.11.
 */
#include "program-rig.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace resoa
{
namespace test
{
namespace
{

constexpr int kConnections = 20;

/// One row of the matrix: percentages of frames dropped (nftables), duplicated and held back
/// (resoa-lhp-relay) on the client link, in both directions.
struct Row
{
    const char* name;
    int loss;
    int duplicate;
    int reorder;
    bool relay; //!< the client link runs through resoa-lhp-relay
};

/// For gtest's (and so ctest's) test names: the row's name, not its bytes.
void
PrintTo(const Row& row, std::ostream* os)
{
    *os << row.name;
}

/// Bytes each way per connection: 128 KiB, but 16 KiB at 50 % loss, where LHP on a link
/// without MAC retransmission moves only about 25 KB/s (every frame and its ack must both
/// survive, and the RTO backs off: issue 11's subject).
int
BytesAt(int percent)
{
    return percent >= 50 ? 16 * 1024 : 128 * 1024;
}

/// The relay's final "relay counters: k=v ..." line, by key (empty if there is none).
std::map<std::string, long>
RelayCounters(const std::string& log)
{
    std::map<std::string, long> out;
    const std::size_t at = log.rfind("relay counters:");
    if (at == std::string::npos)
    {
        return out;
    }
    const std::string line = log.substr(at, log.find('\n', at) - at);
    static const std::regex kPair("([a-z_]+)=([0-9]+)");
    for (std::sregex_iterator it(line.begin(), line.end(), kPair), end; it != end; ++it)
    {
        out[(*it)[1]] = std::stol((*it)[2]);
    }
    return out;
}

/// Drops `percent` % of the frames arriving on `dev` in `ns` (a netdev ingress rule).
void
AddLoss(ProgramRig& rig, const std::string& ns, const std::string& dev, int percent)
{
    std::ostringstream rules;
    rules << "table netdev resoa_loss {\n chain in {\n  type filter hook ingress device \"" << dev
          << "\" priority -500; policy accept;\n  numgen random mod 100 < " << percent
          << " counter drop\n }\n}\n";
    CommandResult r = rig.Run(ns, "nft -f - <<'EOF'\n" + rules.str() + "EOF\n");
    ASSERT_EQ(r.exitCode, 0) << r.output;
}

/// Packets the loss rule in `ns` dropped.
long
Dropped(ProgramRig& rig, const std::string& ns)
{
    CommandResult r = rig.Run(ns, "nft list table netdev resoa_loss");
    std::smatch m;
    static const std::regex kCounter("counter packets ([0-9]+)");
    return std::regex_search(r.output, m, kCounter) ? std::stol(m[1]) : -1;
}

/// "conn I rx=SHA tx=SHA" lines of a log, by I.
std::map<int, std::pair<std::string, std::string>>
Transfers(const std::string& log)
{
    std::map<int, std::pair<std::string, std::string>> out;
    static const std::regex kLine("conn ([0-9]+) rx=([0-9a-f]{64}) tx=([0-9a-f]{64})");
    for (std::sregex_iterator it(log.begin(), log.end(), kLine), end; it != end; ++it)
    {
        out[std::stoi((*it)[1])] = {(*it)[2], (*it)[3]};
    }
    return out;
}

class RealIntegrity : public ::testing::TestWithParam<Row>
{
};

TEST_P(RealIntegrity, TwentyConnectionsIntactBothWays)
{
    const Row row = GetParam();
    const int percent = row.loss;
    const bool relayed = row.relay;
    const int kBytes = BytesAt(percent);
    if (auto why = ProgramRig::SkipReason({"python3", "nft"}))
    {
        GTEST_SKIP() << *why;
    }
    if (relayed && !ProgramRig::HaveRelay())
    {
        GTEST_SKIP() << "resoa-lhp-relay is not built";
    }
    ProgramRig rig(std::string("integrity-") + row.name);
    rig.StartServerd();
    // A fixed seed per row: the same frames are picked on every run (timing still varies).
    ProgramRig::Client& client =
        relayed
            ? rig.AddRelayedResoaClient({"--duplicate-percent",
                                         std::to_string(row.duplicate),
                                         "--reorder-percent",
                                         std::to_string(row.reorder),
                                         "--seed",
                                         std::to_string(1200 + row.duplicate * 100 + row.reorder)})
            : rig.AddResoaClient();
    const std::string dir = rig.Dir();
    // Each side sends its own bytes (a seed per connection and direction) and hashes what
    // it receives; the client shuts its sending side, so the server answers after EOF.
    std::ofstream(dir + "/peer.py") << "import hashlib, random, socket, sys\n"
                                       "N = "
                                    << kBytes
                                    << "\n"
                                       "def payload(seed):\n"
                                       "    return random.Random(seed).randbytes(N)\n"
                                       "def recv_all(s):\n"
                                       "    h, n = hashlib.sha256(), 0\n"
                                       "    while True:\n"
                                       "        b = s.recv(65536)\n"
                                       "        if not b:\n"
                                       "            return h.hexdigest(), n\n"
                                       "        h.update(b); n += len(b)\n";
    std::ofstream(dir + "/server.py")
        << "exec(open('" << dir << "/peer.py').read())\n"
        << "srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
           "srv.bind(('"
        << ProgramRig::kInternetAddress
        << "', 7000)); srv.listen(4)\n"
           "print('listening', flush=True)\n"
           "for i in range("
        << kConnections
        << "):\n"
           "    c, _ = srv.accept()\n"
           "    rx, n = recv_all(c)\n"
           "    out = payload(1000 + i)\n"
           "    c.sendall(out); c.close()\n"
           "    print('conn %d rx=%s tx=%s bytes=%d' % (i, rx, hashlib.sha256(out).hexdigest(), n),"
           " flush=True)\n";
    std::ofstream(dir + "/client.py")
        << "exec(open('" << dir << "/peer.py').read())\n"
        << "for i in range(" << kConnections
        << "):\n"
           "    s = socket.create_connection(('"
        << ProgramRig::kInternetAddress
        << "', 7000), timeout=60)\n"
           "    out = payload(i)\n"
           "    s.sendall(out); s.shutdown(socket.SHUT_WR)\n"
           "    rx, n = recv_all(s); s.close()\n"
           "    print('conn %d rx=%s tx=%s bytes=%d' % (i, rx, hashlib.sha256(out).hexdigest(), n),"
           " flush=True)\n";
    auto server = rig.Start(rig.internet, {"/usr/bin/python3", dir + "/server.py"}, "server.log");
    ASSERT_TRUE(server->WaitFor("listening")) << server->Log();
    if (percent > 0)
    {
        AddLoss(rig, client.ns, "c0", percent);
        AddLoss(rig, rig.server, "s0c1", percent);
    }
    CommandResult r = rig.RunResoa(client, "exec /usr/bin/python3 " + dir + "/client.py", 150);
    EXPECT_EQ(r.exitCode, 0) << r.output << rig.DaemonLogs();
    EXPECT_EQ(server->Wait(10), 0) << server->Log();

    const auto sent = Transfers(r.output);
    const auto seen = Transfers(server->Log());
    ASSERT_EQ(sent.size(), size_t(kConnections)) << r.output << rig.DaemonLogs();
    ASSERT_EQ(seen.size(), size_t(kConnections)) << server->Log();
    for (int i = 0; i < kConnections; ++i)
    {
        // What the server received is what the client sent, and the reverse.
        EXPECT_EQ(seen.at(i).first, sent.at(i).second) << "upload " << i;
        EXPECT_EQ(sent.at(i).first, seen.at(i).second) << "download " << i;
    }
    std::cout << row.name << ": " << kConnections << " x " << kBytes << " B each way intact";
    if (percent > 0)
    {
        const long toClient = Dropped(rig, client.ns);
        const long toServer = Dropped(rig, rig.server);
        EXPECT_GT(toClient, 0);
        EXPECT_GT(toServer, 0);
        std::cout << "; frames dropped: " << toServer << " towards serverd, " << toClient
                  << " towards clientd";
    }
    if (relayed)
    {
        // The relay prints its counters when it is stopped (it flushes what it holds first).
        // clientd goes first: it says goodbye to serverd through the relay.
        client.clientd->Stop();
        client.relay->Stop();
        const std::string log = client.relay->Log();
        auto counters = RelayCounters(log);
        ASSERT_FALSE(counters.empty()) << log;
        EXPECT_EQ(counters["send_errors"], 0) << log;
        // Every frame in went out, plus one more per copy: the relay lost nothing itself.
        EXPECT_EQ(counters["forwarded"], counters["received"] + counters["duplicated"]) << log;
        EXPECT_GT(counters["received"], 4 * kConnections) << log;
        if (row.duplicate > 0)
        {
            EXPECT_GT(counters["duplicated"], 0) << log;
        }
        if (row.reorder > 0)
        {
            EXPECT_GT(counters["reordered"], 0) << log;
        }
        std::cout << "; relay: " << counters["received"] << " frames in, " << counters["forwarded"]
                  << " out, " << counters["duplicated"] << " duplicated, " << counters["reordered"]
                  << " reordered, " << counters["delayed"] << " only delayed, "
                  << counters["passed"] << " other EtherTypes";
    }
    std::cout << "\n";
}

INSTANTIATE_TEST_SUITE_P(LossPercent,
                         RealIntegrity,
                         ::testing::Values(Row{"loss0", 0, 0, 0, false},
                                           Row{"loss10", 10, 0, 0, false},
                                           Row{"loss30", 30, 0, 0, false},
                                           Row{"loss50", 50, 0, 0, false}),
                         [](const auto& info) { return std::string(info.param.name); });

// The client link through resoa-lhp-relay; relay0 is the control: the relay alone, with no
// disturbance, must be transparent.
INSTANTIATE_TEST_SUITE_P(DuplicateReorder,
                         RealIntegrity,
                         ::testing::Values(Row{"relay0", 0, 0, 0, true},
                                           Row{"dup10", 0, 10, 0, true},
                                           Row{"dup30", 0, 30, 0, true},
                                           Row{"reorder10", 0, 0, 10, true},
                                           Row{"reorder30", 0, 0, 30, true},
                                           Row{"loss10dup10reorder10", 10, 10, 10, true}),
                         [](const auto& info) { return std::string(info.param.name); });

/// The relay refuses what it cannot do with exit status 2 and says why (no root needed: the
/// values are checked before any socket is opened).
TEST(LhpRelay, BadArgumentsAreRefusedWithAReason)
{
    if (!ProgramRig::HaveRelay())
    {
        GTEST_SKIP() << "resoa-lhp-relay is not built";
    }
    const std::string relay = RESOA_LHP_RELAY_PATH;
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{}, "--interface-a and --interface-b are required"},
        {{"--interface-a", "lo"}, "--interface-a and --interface-b are required"},
        {{"--interface-a", "lo", "--interface-b", "lo"}, "must differ"},
        {{"--interface-a", "lo", "--interface-b", "resoa-no-such"}, "no interface 'resoa-no-such'"},
        {{"--duplicate-percent", "101"}, "--duplicate-percent must be a number from 0 to 100"},
        {{"--duplicate-percent", "nan"}, "--duplicate-percent must be a number"},
        {{"--reorder-percent", "-5"}, "--reorder-percent must be a number from 0 to 100"},
        {{"--reorder-depth", "0"}, "--reorder-depth must be a number from 1 to 1000"},
        {{"--reorder-depth", "2.5"}, "--reorder-depth must be a whole number"},
        {{"--reorder-timeout-ms", "10ms"}, "--reorder-timeout-ms must be a number"},
        {{"--seed", "-1"}, "--seed must be an unsigned number"},
        {{"--seed", "99999999999999999999999"}, "--seed is out of range"},
        {{"--ethertype", "0x05ff"}, "--ethertype must be a number from 0x0600 to 0xffff"},
        {{"--seed"}, "--seed needs a value"},
        {{"--bogus", "1"}, "unknown option '--bogus'"},
    };
    for (const auto& [args, reason] : cases)
    {
        std::vector<std::string> argv = {relay};
        argv.insert(argv.end(), args.begin(), args.end());
        const CommandResult r = RunCommand(argv);
        std::string joined;
        for (const std::string& a : args)
        {
            joined += " " + a;
        }
        EXPECT_EQ(r.exitCode, 2) << joined << ": " << r.output;
        EXPECT_NE(r.output.find(reason), std::string::npos) << joined << ": " << r.output;
    }
    const CommandResult help = RunCommand({relay, "--help"});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.output.find("usage: resoa-lhp-relay"), std::string::npos) << help.output;
}

} // namespace
} // namespace test
} // namespace resoa
