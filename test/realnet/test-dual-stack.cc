/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Dual stack on real Linux (paper §4.1.2: a node with its own IP stack and ReSoA side by
 * side, each application chooses; issue 13 part 4). The client namespace has a private
 * address on its LAN and also runs resoa-clientd on the same interface (LHP is its own
 * EtherType and needs no IP):
 *
 *   client c0 192.168.50.2/24 + clientd --+
 *   local  h0 192.168.50.3/24 ------------+-- br0 (lan: a switch)
 *   server l0 (LHP only, no IP) ----------+
 *   server u0 198.51.100.1/24 ------------------------------- internet i0 198.51.100.2/24
 *
 * At the same time, nc under resoa-run uploads to the internet host (which sees the
 * server's public address) and a plain nc on the client's own stack downloads from the
 * local host (which sees 192.168.50.2). The ReSoA connection carries data before and after
 * the local transfer. The client's own stack has no route to the internet; the server's LAN
 * port receives LHP frames but not one IPv4 packet from the LAN, which the same nftables
 * ingress rule counts at the local host; and the local transfer works again with
 * resoa-serverd stopped.
 */
#include "program-rig.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace resoa
{
namespace test
{
namespace
{

const std::string kServerd = RESOA_SERVERD_PATH;
const std::string kClientd = RESOA_CLIENTD_PATH;
const std::string kServerMac = "02:00:00:cc:00:01";
const std::string kClientMac = "02:00:00:cc:00:02";
const std::string kServerIp = "198.51.100.1";
const std::string kInternetIp = "198.51.100.2";
const std::string kClientIp = "192.168.50.2";
const std::string kLocalIp = "192.168.50.3";

/// \return N from the "packets N" of `nft list counter` output, or -1
long
Packets(const std::string& nftOutput)
{
    const std::string key = "packets ";
    const std::size_t at = nftOutput.find(key);
    return at == std::string::npos ? -1 : std::stol(nftOutput.substr(at + key.size()));
}

class DualStack : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto why = ProgramRig::SkipReason({"nc", "nft", "sha256sum", "stat"}))
        {
            GTEST_SKIP() << *why;
        }
        work = std::make_unique<WorkDir>("dual");
        dir = work->Path();
        lan = net.AddNamespace("lan");
        server = net.AddNamespace("server");
        client = net.AddNamespace("client");
        local = net.AddNamespace("local");
        internet = net.AddNamespace("internet");
        net.Ip(lan, {"link", "add", "br0", "type", "bridge"});
        net.Ip(lan, {"link", "set", "br0", "up"});
        net.AddVeth(server, "l0", lan, "ps", kServerMac);
        net.AddVeth(client, "c0", lan, "pc", kClientMac);
        net.AddVeth(local, "h0", lan, "ph");
        for (const char* port : {"ps", "pc", "ph"})
        {
            net.Ip(lan, {"link", "set", port, "master", "br0"});
        }
        net.WaitUntilUp(lan, "br0");
        net.AddAddress(client, "c0", kClientIp + "/24");
        net.AddAddress(local, "h0", kLocalIp + "/24");
        net.AddVeth(server, "u0", internet, "i0");
        net.AddAddress(server, "u0", kServerIp + "/24");
        net.AddAddress(internet, "i0", kInternetIp + "/24");
        // What reaches the server's LAN port: LHP frames, and (there must be none) IPv4
        // from the LAN. The local host counts the same, to show the rule sees that traffic.
        AddCounters(server, "l0");
        AddCounters(local, "h0");
        if (HasFatalFailure())
        {
            return;
        }

        serverd = Start(
            server, {kServerd, "--interface", "l0", "--public-address", kServerIp}, "serverd.log");
        ASSERT_TRUE(serverd->WaitFor("up on l0")) << serverd->Log();
        socket = dir + "/clientd.sock";
        clientd = Start(
            client,
            {kClientd, "--interface", "c0", "--server-mac", kServerMac, "--unix-socket", socket},
            "clientd.log");
        ASSERT_TRUE(clientd->WaitFor("registered: errno 0, public address " + kServerIp, 15))
            << clientd->Log() << serverd->Log();
    }

    void TearDown() override
    {
        clientd.reset();
        serverd.reset();
        work.reset();
    }

    std::unique_ptr<Background> Start(const std::string& ns,
                                      const std::vector<std::string>& argv,
                                      const std::string& log)
    {
        return work->Start(ns, argv, log);
    }

    /// A one-shot nc in \p ns that sends \p file to whoever connects to \p ip:\p port.
    std::unique_ptr<Background> StartSource(const std::string& ns,
                                            const std::string& ip,
                                            int port,
                                            const std::string& file,
                                            const std::string& log)
    {
        auto source = Start(
            ns,
            {"sh", "-c", "exec nc -n -v -l -N " + ip + " " + std::to_string(port) + " < " + file},
            log);
        EXPECT_TRUE(source->WaitFor("Listening")) << source->Log();
        return source;
    }

    /// Ingress counters on \p device: `lhp` (EtherType 0x88B5) and `lanip` (IPv4 from
    /// 192.168.50.0/24).
    void AddCounters(const std::string& ns, const std::string& device)
    {
        CommandResult nft = RunShellIn(ns,
                                       "nft -f - <<'EOF'\n"
                                       "table netdev resoa_dual {\n"
                                       "  counter lhp {}\n"
                                       "  counter lanip {}\n"
                                       "  chain in {\n"
                                       "    type filter hook ingress device \"" +
                                           device +
                                           "\" priority 0;\n"
                                           "    ether type 0x88b5 counter name lhp\n"
                                           "    ip saddr 192.168.50.0/24 counter name lanip\n"
                                           "  }\n"
                                           "}\n"
                                           "EOF\n");
        ASSERT_EQ(nft.exitCode, 0) << nft.output;
    }

    static long Counter(const std::string& ns, const std::string& name)
    {
        return Packets(RunShellIn(ns, "nft list counter netdev resoa_dual " + name).output);
    }

    NetnsFixture net;
    std::unique_ptr<WorkDir> work;
    std::string dir;
    std::string lan;
    std::string server;
    std::string client;
    std::string local;
    std::string internet;
    std::string socket;
    std::unique_ptr<Background> serverd;
    std::unique_ptr<Background> clientd;
};

TEST_F(DualStack, ResoaAndTheOwnStackAtOnceEachWithItsOwnSourceAddress)
{
    const auto started = std::chrono::steady_clock::now();
    constexpr int kHalf = 2 * 1024 * 1024;
    WriteRandomFile(dir + "/up.bin", 2 * kHalf + 13, 41);
    WriteRandomFile(dir + "/local.bin", 3 * 1024 * 1024 + 7, 42);

    // The own stack has no way to the internet: only ReSoA gets there.
    CommandResult direct = RunShellIn(client, "nc -n -v -z -w 2 " + kInternetIp + " 9000", 10);
    EXPECT_NE(direct.exitCode, 0) << direct.output;
    EXPECT_NE(direct.output.find("Network is unreachable"), std::string::npos) << direct.output;

    auto sink =
        Start(internet,
              {"sh", "-c", "exec nc -n -v -l -N " + kInternetIp + " 9000 > " + dir + "/got-up.bin"},
              "sink.log");
    ASSERT_TRUE(sink->WaitFor("Listening")) << sink->Log();
    auto source = StartSource(local, kLocalIp, 9100, dir + "/local.bin", "source.log");

    // One shell on the client's own stack: only the first nc runs under resoa-run. It sends
    // half its file, holds its connection open until the local download has finished, then
    // sends the rest, so the two flows overlap.
    const std::string resoa = "env RESOA_CLIENTD_SOCKET=" + socket +
                              " RESOA_PRELOAD=" RESOA_PRELOAD_PATH " " RESOA_RUN_PATH;
    const std::string up = dir + "/up.bin";
    const std::string half = std::to_string(kHalf);
    CommandResult both = RunShellIn(
        client,
        "( head -c " + half + " " + up + "; while [ ! -e " + dir +
            "/local.done ]; do sleep 0.05; done; tail -c +" + std::to_string(kHalf + 1) + " " + up +
            " ) | " + resoa + " nc -N " + kInternetIp + " 9000 & r=$!\n" +
            "while [ \"$(stat -c %s " + dir + "/got-up.bin)\" -lt " + half +
            " ]; do sleep 0.05; done\n" + "nc -n -d " + kLocalIp + " 9100 > " + dir +
            "/got-local.bin; l=$?; touch " + dir + "/local.done\n" + "wait $r; exit $(( $? | l ))",
        40);
    EXPECT_EQ(both.exitCode, 0) << both.output << clientd->Log() << serverd->Log();
    EXPECT_EQ(sink->Wait(), 0) << sink->Log();
    EXPECT_EQ(source->Wait(), 0) << source->Log();
    EXPECT_EQ(Sha256Of(dir + "/got-up.bin"), Sha256Of(dir + "/up.bin"));
    EXPECT_EQ(Sha256Of(dir + "/got-local.bin"), Sha256Of(dir + "/local.bin"));
    // Each peer saw its own source address: the server's public one through ReSoA, the
    // client's private one on the LAN.
    EXPECT_NE(sink->Log().find("Connection received on " + kServerIp + " "), std::string::npos)
        << sink->Log();
    EXPECT_NE(source->Log().find("Connection received on " + kClientIp + " "), std::string::npos)
        << source->Log();

    // The local traffic stayed on the LAN: the server's port got the ReSoA upload as LHP
    // and not one IPv4 packet, while the same rule at the local host counted the client's.
    const long lhp = Counter(server, "lhp");
    const long localIp = Counter(local, "lanip");
    EXPECT_GT(lhp, 2 * kHalf / 1500);
    EXPECT_EQ(Counter(server, "lanip"), 0);
    EXPECT_GT(localIp, 10);

    // ... and needs no ReSoA server at all.
    EXPECT_EQ(serverd->Stop(), 0) << serverd->Log();
    auto again = StartSource(local, kLocalIp, 9101, dir + "/local.bin", "source2.log");
    CommandResult local2 =
        RunShellIn(client, "exec nc -n -d " + kLocalIp + " 9101 > " + dir + "/got-local2.bin", 20);
    EXPECT_EQ(local2.exitCode, 0) << local2.output;
    EXPECT_EQ(again->Wait(), 0) << again->Log();
    EXPECT_EQ(Sha256Of(dir + "/got-local2.bin"), Sha256Of(dir + "/local.bin"));
    EXPECT_EQ(Counter(server, "lanip"), 0);
    std::cout << "dual stack: " << lhp << " LHP frames and 0 LAN IPv4 packets at the server, "
              << localIp << " IPv4 packets at the local host; "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
              << " s\n";
}

} // namespace
} // namespace test
} // namespace resoa
