/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Unmodified programs over real ReSoA: nc, curl, lftp and python3 run under resoa-run in a
 * client namespace with no IP address, through resoa-clientd -> LHP -> resoa-serverd, to
 * real servers in an "internet" namespace. Every transfer is checked by sha256, and what
 * the peer saw (its log) against what the client's socket API said.
 */
#include "program-rig.h"
#include "realnet-test-util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

namespace resoa
{
namespace test
{
namespace
{

const std::string kFtpServer = RESOA_FTP_SERVER_PATH;
const std::string kProbe = RESOA_SHIM_PROBE_PATH;
const std::string kSrv = ProgramRig::kServerAddress;
const std::string kNet = ProgramRig::kInternetAddress;

/// The lftp settings every test uses: fail fast, fail loudly, and no silent fallback.
std::string
LftpSettings(bool passive, bool tls)
{
    std::string s = "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 10; "
                    "set net:reconnect-interval-base 1; set xfer:clobber yes; "
                    "set ftp:passive-mode " +
                    std::string(passive ? "on" : "off") + "; ";
    if (tls)
    {
        s += "set ftp:ssl-force yes; set ftp:ssl-allow-anonymous yes; "
             "set ftp:ssl-protect-data yes; set ssl:verify-certificate no; ";
    }
    return s;
}

class ResoaPrograms : public ::testing::Test
{
  protected:
    void Require(const std::vector<std::string>& programs)
    {
        if (auto why = ProgramRig::SkipReason(programs))
        {
            GTEST_SKIP() << *why;
        }
    }

    /// Builds the rig with serverd (\p serverdArgs) and one client (\p clientdArgs).
    void Build(const std::string& tag,
               const std::vector<std::string>& serverdArgs = {},
               const std::vector<std::string>& clientdArgs = {})
    {
        rig = std::make_unique<ProgramRig>(tag);
        dir = rig->Dir();
        RunCommand({"mkdir", "-p", dir + "/ftp"});
        rig->StartServerd(serverdArgs);
        client = &rig->AddResoaClient(clientdArgs);
    }

    /// Builds the rig with serverd in mixed mode, its pool \p own/32 (plus \p serverdArgs),
    /// and no client yet.
    void BuildMixed(const std::string& tag,
                    const std::string& own,
                    std::vector<std::string> serverdArgs = {})
    {
        rig = std::make_unique<ProgramRig>(tag);
        dir = rig->Dir();
        // The pool address belongs to the server's kernel, so a listener can bind it.
        rig->AddPublicAddress(own + "/32");
        serverdArgs.insert(serverdArgs.begin(),
                           {"--address-mode", "mixed", "--address-pool", own + "/32"});
        rig->StartServerd(serverdArgs);
    }

    /// Starts the pyftpdlib server in the internet namespace (plain or explicit TLS).
    std::unique_ptr<Background> StartFtp(int port, bool tls)
    {
        return StartFtpServer(*rig, kFtpServer, port, dir + "/ftp", tls);
    }

    /// A sink on the internet's port 9 that accepts \p count connections and holds them.
    std::unique_ptr<Background> StartHoldingSink(int count)
    {
        return rig->Start(
            rig->internet,
            {"/usr/bin/python3",
             "-c",
             "import socket,time\n"
             "s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
             "s.bind(('198.51.100.2',9));s.listen(16);print('listening',flush=True)\n"
             "c=[s.accept() for _ in range(" +
                 std::to_string(count) + ")];time.sleep(30)"},
            "sink.log");
    }

    std::unique_ptr<ProgramRig> rig;
    std::string dir;
    ProgramRig::Client* client = nullptr;
};

TEST_F(ResoaPrograms, NcSendsAFileAndReceivesAFile)
{
    Require({"nc"});
    Build("nc");
    WriteRandomFile(dir + "/up.bin", 3 * 1024 * 1024 + 17, 1);
    WriteRandomFile(dir + "/down.bin", 2 * 1024 * 1024 + 5, 2);

    // Client -> internet.
    auto sink =
        rig->Start(rig->internet,
                   {"sh", "-c", "exec nc -n -v -l -N " + kNet + " 9000 > " + dir + "/got-up.bin"},
                   "sink.log");
    ASSERT_TRUE(sink->WaitFor("Listening")) << sink->Log();
    CommandResult send =
        rig->RunResoa(*client, "exec nc -N " + kNet + " 9000 < " + dir + "/up.bin");
    EXPECT_EQ(send.exitCode, 0) << send.output << rig->DaemonLogs();
    EXPECT_EQ(sink->Wait(), 0) << sink->Log();
    EXPECT_EQ(Sha256Of(dir + "/got-up.bin"), Sha256Of(dir + "/up.bin"));
    // The internet saw the server's public address.
    EXPECT_NE(sink->Log().find("Connection received on " + kSrv), std::string::npos) << sink->Log();

    // Internet -> client.
    auto source =
        rig->Start(rig->internet,
                   {"sh", "-c", "exec nc -n -v -l -N " + kNet + " 9001 < " + dir + "/down.bin"},
                   "source.log");
    ASSERT_TRUE(source->WaitFor("Listening")) << source->Log();
    CommandResult get =
        rig->RunResoa(*client, "exec nc -d " + kNet + " 9001 > " + dir + "/got-down.bin");
    EXPECT_EQ(get.exitCode, 0) << get.output << rig->DaemonLogs();
    EXPECT_EQ(source->Wait(), 0) << source->Log();
    EXPECT_EQ(Sha256Of(dir + "/got-down.bin"), Sha256Of(dir + "/down.bin"));
}

TEST_F(ResoaPrograms, ActiveFtpWithCurlAndLftpAnnouncesTheServersAddress)
{
    Require({"curl", "lftp", "/usr/bin/python3"});
    Build("ftp-active");
    WriteRandomFile(dir + "/ftp/file.bin", 2 * 1024 * 1024 + 99, 3);
    WriteRandomFile(dir + "/up.bin", 1024 * 1024 + 7, 4);
    auto ftp = StartFtp(2121, false);
    const std::string url = "ftp://" + kNet + ":2121";

    // curl: PORT with the control connection's local address (getsockname over ReSoA).
    CommandResult port =
        rig->RunResoa(*client,
                      "exec curl -sS --max-time 20 --ftp-port - --disable-eprt -o " + dir +
                          "/got-port.bin " + url + "/file.bin");
    EXPECT_EQ(port.exitCode, 0) << port.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/got-port.bin"), Sha256Of(dir + "/ftp/file.bin"));
    // curl's default EPRT, and an upload.
    CommandResult eprt = rig->RunResoa(*client,
                                       "exec curl -sS --max-time 20 --ftp-port - -T " + dir +
                                           "/up.bin " + url + "/up-curl.bin");
    EXPECT_EQ(eprt.exitCode, 0) << eprt.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/ftp/up-curl.bin"), Sha256Of(dir + "/up.bin"));
    // lftp with passive mode off: download and upload.
    CommandResult lftp =
        rig->RunResoa(*client,
                      "exec lftp -e '" + LftpSettings(false, false) + "get file.bin -o " + dir +
                          "/got-lftp.bin; put " + dir + "/up.bin -o up-lftp.bin; bye' " + url);
    EXPECT_EQ(lftp.exitCode, 0) << lftp.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/got-lftp.bin"), Sha256Of(dir + "/ftp/file.bin"));
    EXPECT_EQ(Sha256Of(dir + "/ftp/up-lftp.bin"), Sha256Of(dir + "/up.bin"));

    // Every data connection was active, announced with the server's public address, which is
    // also the address the FTP server saw: no ALG anywhere.
    const std::string log = ftp->Log();
    EXPECT_EQ(log.find("cmd=PASV"), std::string::npos) << log;
    EXPECT_EQ(log.find("cmd=EPSV"), std::string::npos) << log;
    EXPECT_NE(log.find("cmd=PORT peer=" + kSrv + " announced=" + kSrv), std::string::npos) << log;
    EXPECT_NE(log.find("cmd=EPRT peer=" + kSrv + " announced=" + kSrv), std::string::npos) << log;
    EXPECT_EQ(log.find("Rejected"), std::string::npos) << log;
}

TEST_F(ResoaPrograms, PassiveFtpWithCurlAndLftp)
{
    Require({"curl", "lftp", "/usr/bin/python3"});
    Build("ftp-passive");
    WriteRandomFile(dir + "/ftp/file.bin", 2 * 1024 * 1024 + 1, 5);
    WriteRandomFile(dir + "/up.bin", 1024 * 1024 + 3, 6);
    auto ftp = StartFtp(2121, false);
    const std::string url = "ftp://" + kNet + ":2121";

    CommandResult curl = rig->RunResoa(*client,
                                       "exec curl -sS --max-time 20 --ftp-pasv -o " + dir +
                                           "/got-curl.bin " + url + "/file.bin");
    EXPECT_EQ(curl.exitCode, 0) << curl.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/got-curl.bin"), Sha256Of(dir + "/ftp/file.bin"));
    CommandResult lftp =
        rig->RunResoa(*client,
                      "exec lftp -e '" + LftpSettings(true, false) + "get file.bin -o " + dir +
                          "/got-lftp.bin; put " + dir + "/up.bin -o up-lftp.bin; bye' " + url);
    EXPECT_EQ(lftp.exitCode, 0) << lftp.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/got-lftp.bin"), Sha256Of(dir + "/ftp/file.bin"));
    EXPECT_EQ(Sha256Of(dir + "/ftp/up-lftp.bin"), Sha256Of(dir + "/up.bin"));

    const std::string log = ftp->Log();
    EXPECT_EQ(log.find("cmd=PORT"), std::string::npos) << log;
    EXPECT_EQ(log.find("cmd=EPRT"), std::string::npos) << log;
    EXPECT_NE(log.find("cmd=EPSV peer=" + kSrv), std::string::npos) << log;
    EXPECT_NE(log.find("cmd=PASV peer=" + kSrv), std::string::npos) << log;
}

TEST_F(ResoaPrograms, ActiveFtpOverExplicitTlsWithLftp)
{
    Require({"lftp", "curl", "openssl", "/usr/bin/python3"});
    Build("ftps");
    WriteRandomFile(dir + "/ftp/file.bin", 2 * 1024 * 1024 + 11, 7);
    WriteRandomFile(dir + "/up.bin", 1024 * 1024 + 13, 8);
    auto ftp = StartFtp(2990, true);
    const std::string url = "ftp://" + kNet + ":2990";

    // Active FTPS: the PORT command travels encrypted; nobody on the path could rewrite it,
    // and over ReSoA nobody has to.
    CommandResult lftp =
        rig->RunResoa(*client,
                      "exec lftp -e '" + LftpSettings(false, true) + "get file.bin -o " + dir +
                          "/got-lftp.bin; put " + dir + "/up.bin -o up-lftp.bin; bye' " + url);
    EXPECT_EQ(lftp.exitCode, 0) << lftp.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/got-lftp.bin"), Sha256Of(dir + "/ftp/file.bin"));
    EXPECT_EQ(Sha256Of(dir + "/ftp/up-lftp.bin"), Sha256Of(dir + "/up.bin"));
    // Passive FTPS with curl.
    CommandResult curl = rig->RunResoa(*client,
                                       "exec curl -sS --max-time 20 --ssl-reqd -k --ftp-pasv -o " +
                                           dir + "/got-curl.bin " + url + "/file.bin");
    EXPECT_EQ(curl.exitCode, 0) << curl.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/got-curl.bin"), Sha256Of(dir + "/ftp/file.bin"));

    const std::string log = ftp->Log();
    EXPECT_NE(log.find("cmd=PORT peer=" + kSrv + " announced=" + kSrv), std::string::npos) << log;
    EXPECT_EQ(log.find("Rejected"), std::string::npos) << log;
    EXPECT_NE(log.find("TLS"), std::string::npos) << log;
}

TEST_F(ResoaPrograms, GetSockNameIsTheAddressThePeerSees)
{
    Require({"nc"});
    Build("getsockname");
    auto peer = rig->Start(rig->internet, {"nc", "-n", "-v", "-k", "-l", kNet, "8080"}, "peer.log");
    ASSERT_TRUE(peer->WaitFor("Listening")) << peer->Log();
    CommandResult probe = rig->RunResoa(*client, "exec " + kProbe + " " + kNet + " 8080 9", 20);
    EXPECT_EQ(probe.exitCode, 0) << probe.output << rig->DaemonLogs();
    const std::string key = "local=";
    const std::size_t at = probe.output.find(key);
    ASSERT_NE(at, std::string::npos) << probe.output;
    const std::string local =
        probe.output.substr(at + key.size(), probe.output.find('\n', at) - at - key.size());
    const std::string ip = local.substr(0, local.find(':'));
    const std::string port = local.substr(local.find(':') + 1);
    EXPECT_EQ(ip, kSrv);
    EXPECT_NE(probe.output.find("peer=" + kNet + ":8080"), std::string::npos) << probe.output;
    // The peer saw exactly the 4-tuple the client's getsockname reported.
    EXPECT_TRUE(peer->WaitFor("Connection received on " + ip + " " + port, 5))
        << peer->Log() << probe.output;
    EXPECT_EQ(client->publicAddress, kSrv);
}

TEST_F(ResoaPrograms, NcListensInTheClientOnItsOwnPublicAddressInOneToOneMode)
{
    Require({"nc"});
    const std::string own = "198.51.100.10";
    BuildMixed("one-to-one", own);
    client = &rig->AddResoaClient({"--address-mode", "1-to-1"});
    ASSERT_EQ(client->publicAddress, own) << client->clientd->Log();
    WriteRandomFile(dir + "/in.bin", 2 * 1024 * 1024 + 21, 9);
    WriteRandomFile(dir + "/out.bin", 1024 * 1024 + 23, 10);

    // nc -l in the client; the internet connects to the client's public address.
    auto listener = rig->Start(client->ns,
                               {"env",
                                "RESOA_CLIENTD_SOCKET=" + client->socket,
                                "RESOA_PRELOAD=" RESOA_PRELOAD_PATH,
                                RESOA_RUN_PATH,
                                "sh",
                                "-c",
                                "exec timeout 30 nc -n -v -l -N 7000 > " + dir + "/got-in.bin"},
                               "listener.log");
    CommandResult push = rig->PushFromInternet(own, 7000, dir + "/in.bin");
    EXPECT_EQ(push.exitCode, 0) << push.output << listener->Log() << rig->DaemonLogs();
    EXPECT_EQ(listener->Wait(), 0) << listener->Log();
    EXPECT_EQ(Sha256Of(dir + "/got-in.bin"), Sha256Of(dir + "/in.bin"));
    // The client's accepted socket names the internet host as its peer.
    EXPECT_NE(listener->Log().find("Connection received on " + kNet), std::string::npos)
        << listener->Log();

    // The other direction: the client's listener sends a file to the internet.
    auto sender = rig->Start(client->ns,
                             {"env",
                              "RESOA_CLIENTD_SOCKET=" + client->socket,
                              "RESOA_PRELOAD=" RESOA_PRELOAD_PATH,
                              RESOA_RUN_PATH,
                              "sh",
                              "-c",
                              "exec timeout 30 nc -l -N 7001 < " + dir + "/out.bin"},
                             "sender.log");
    CommandResult pull = rig->Run(rig->internet,
                                  "for i in $(seq 100); do nc -d " + own + " 7001 > " + dir +
                                      "/got-out.bin && exit 0; sleep 0.1; done; exit 1");
    EXPECT_EQ(pull.exitCode, 0) << pull.output << sender->Log() << rig->DaemonLogs();
    EXPECT_EQ(sender->Wait(), 0) << sender->Log();
    EXPECT_EQ(Sha256Of(dir + "/got-out.bin"), Sha256Of(dir + "/out.bin"));

    // Outgoing connections use the client's own address too.
    auto peer = rig->Start(rig->internet, {"nc", "-n", "-v", "-l", kNet, "8081"}, "peer.log");
    ASSERT_TRUE(peer->WaitFor("Listening")) << peer->Log();
    CommandResult probe = rig->RunResoa(*client, "exec " + kProbe + " " + kNet + " 8081 9", 20);
    EXPECT_NE(probe.output.find("local=" + own + ":"), std::string::npos) << probe.output;
    EXPECT_TRUE(peer->WaitFor("Connection received on " + own, 5)) << peer->Log();
}

TEST_F(ResoaPrograms, TwoClientsShareOneServerAndStayIsolated)
{
    Require({"nc"});
    Build("two-clients");
    ProgramRig::Client& second = rig->AddResoaClient();
    EXPECT_EQ(second.publicAddress, kSrv);
    for (int i = 1; i <= 2; ++i)
    {
        WriteRandomFile(dir + "/up" + std::to_string(i) + ".bin", 2 * 1024 * 1024 + i, 20 + i);
        WriteRandomFile(
            dir + "/down" + std::to_string(i) + ".bin", 2 * 1024 * 1024 + 7 * i, 30 + i);
    }
    // Four internet endpoints: a sink and a source for each client.
    std::vector<std::unique_ptr<Background>> peers;
    for (int i = 1; i <= 2; ++i)
    {
        const std::string n = std::to_string(i);
        peers.push_back(rig->Start(
            rig->internet,
            {"sh",
             "-c",
             "exec nc -n -v -l -N " + kNet + " 910" + n + " > " + dir + "/got-up" + n + ".bin"},
            "sink" + n + ".log"));
        peers.push_back(rig->Start(
            rig->internet,
            {"sh",
             "-c",
             "exec nc -n -v -l -N " + kNet + " 920" + n + " < " + dir + "/down" + n + ".bin"},
            "source" + n + ".log"));
    }
    for (auto& p : peers)
    {
        ASSERT_TRUE(p->WaitFor("Listening")) << p->Log();
    }

    // Both clients upload and download at the same time.
    CommandResult results[2];
    std::thread threads[2];
    ProgramRig::Client* clients[2] = {client, &second};
    for (int i = 0; i < 2; ++i)
    {
        threads[i] = std::thread(
            [&, i]
            {
                const std::string n = std::to_string(i + 1);
                results[i] =
                    rig->RunResoa(*clients[i],
                                  "nc -N " + kNet + " 910" + n + " < " + dir + "/up" + n +
                                      ".bin & nc -d " + kNet + " 920" + n + " > " + dir +
                                      "/got-down" + n + ".bin; s=$?; wait $!; exit $(( s | $? ))",
                                  40);
            });
    }
    for (std::thread& t : threads)
    {
        t.join();
    }
    for (int i = 0; i < 2; ++i)
    {
        const std::string n = std::to_string(i + 1);
        EXPECT_EQ(results[i].exitCode, 0) << results[i].output << rig->DaemonLogs();
        EXPECT_EQ(Sha256Of(dir + "/got-up" + n + ".bin"), Sha256Of(dir + "/up" + n + ".bin")) << n;
        EXPECT_EQ(Sha256Of(dir + "/got-down" + n + ".bin"), Sha256Of(dir + "/down" + n + ".bin"))
            << n;
    }
    EXPECT_NE(Sha256Of(dir + "/got-down1.bin"), Sha256Of(dir + "/got-down2.bin"));

    // They share the server's address and therefore its ports: the first client's listening
    // port is not the second one's to take, and a connection to it reaches the first only.
    auto listener = rig->Start(client->ns,
                               {"env",
                                "RESOA_CLIENTD_SOCKET=" + client->socket,
                                "RESOA_PRELOAD=" RESOA_PRELOAD_PATH,
                                RESOA_RUN_PATH,
                                "sh",
                                "-c",
                                "exec timeout 30 nc -k -l 7100 > " + dir + "/got-listen1.bin"},
                               "listener1.log");
    CommandResult wait = rig->Run(rig->internet,
                                  "for i in $(seq 100); do nc -z " + kSrv +
                                      " 7100 && exit 0; sleep 0.1; done; exit 1");
    ASSERT_EQ(wait.exitCode, 0) << wait.output << listener->Log() << rig->DaemonLogs();
    CommandResult steal = rig->RunResoa(second, "exec nc -l -N 7100 < /dev/null", 10);
    EXPECT_NE(steal.exitCode, 0) << steal.output;
    EXPECT_NE(steal.output.find("Address already in use"), std::string::npos) << steal.output;
    CommandResult push =
        rig->Run(rig->internet, "exec nc -N " + kSrv + " 7100 < " + dir + "/up2.bin");
    EXPECT_EQ(push.exitCode, 0) << push.output;
    const std::string want = Sha256Of(dir + "/up2.bin");
    for (int i = 0; i < 100 && Sha256Of(dir + "/got-listen1.bin") != want; ++i)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    listener->Stop();
    EXPECT_EQ(Sha256Of(dir + "/got-listen1.bin"), want) << listener->Log();
}

// Mixed modes on one serverd, chosen per client MAC (client-mode): both clientds ask for
// n-to-1, the second one's MAC is set to 1-to-1. They upload at the same time and the
// internet host sees each with its own address.
TEST_F(ResoaPrograms, MixedModesPerClientMacSideBySide)
{
    Require({"nc"});
    const std::string own = "198.51.100.11";
    BuildMixed("mixed", own, {"--client-mode", "02:00:00:aa:01:02=1-to-1"}); // the 2nd client
    ProgramRig::Client* clients[2] = {&rig->AddResoaClient(), &rig->AddResoaClient()};
    EXPECT_EQ(clients[0]->publicAddress, kSrv) << rig->DaemonLogs();
    EXPECT_EQ(clients[1]->publicAddress, own) << rig->DaemonLogs();
    EXPECT_EQ(Count(rig->serverd->Log(), "registers 1-to-1 (client-mode)"), 1)
        << rig->serverd->Log();

    std::unique_ptr<Background> sinks[2];
    for (int i = 0; i < 2; ++i)
    {
        const std::string n = std::to_string(i + 1);
        WriteRandomFile(dir + "/up" + n + ".bin", 2 * 1024 * 1024 + 3 * i, 50 + i);
        sinks[i] = rig->Start(
            rig->internet,
            {"sh",
             "-c",
             "exec nc -n -v -l -N " + kNet + " 930" + n + " > " + dir + "/got-up" + n + ".bin"},
            "sink" + n + ".log");
        ASSERT_TRUE(sinks[i]->WaitFor("Listening")) << sinks[i]->Log();
    }
    CommandResult results[2];
    std::thread threads[2];
    for (int i = 0; i < 2; ++i)
    {
        const std::string n = std::to_string(i + 1);
        threads[i] = std::thread(
            [&, i, n]
            {
                results[i] = rig->RunResoa(*clients[i],
                                           "exec nc -N " + kNet + " 930" + n + " < " + dir + "/up" +
                                               n + ".bin");
            });
    }
    for (int i = 0; i < 2; ++i)
    {
        threads[i].join();
        const std::string n = std::to_string(i + 1);
        EXPECT_EQ(results[i].exitCode, 0) << results[i].output << rig->DaemonLogs();
        EXPECT_EQ(sinks[i]->Wait(), 0) << sinks[i]->Log();
        EXPECT_EQ(Sha256Of(dir + "/got-up" + n + ".bin"), Sha256Of(dir + "/up" + n + ".bin")) << n;
        const std::string seen = i == 0 ? kSrv : own;
        EXPECT_NE(sinks[i]->Log().find("Connection received on " + seen + " "), std::string::npos)
            << sinks[i]->Log();
    }
}

// sockets-per-client: a program that opens more sockets than the server allows gets
// EMFILE from socket() (the client learned the limit at registration), and the ones it
// holds keep working.
TEST_F(ResoaPrograms, SocketsPerClientLimitIsEmfile)
{
    Require({"python3"});
    Build("emfile", {"--sockets-per-client", "3"});
    std::ofstream(dir + "/many.py") << R"(
import errno, socket
held, result = [], []
for i in range(5):
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(("198.51.100.2", 9))
        held.append(s)
        result.append("ok")
    except OSError as e:
        result.append(errno.errorcode.get(e.errno, str(e.errno)))
print("result=" + ",".join(result))
)";
    auto sink = StartHoldingSink(3);
    ASSERT_TRUE(sink->WaitFor("listening")) << sink->Log();
    CommandResult r = rig->RunResoa(*client, "exec /usr/bin/python3 " + dir + "/many.py", 30);
    EXPECT_EQ(r.exitCode, 0) << r.output << rig->DaemonLogs();
    EXPECT_NE(r.output.find("result=ok,ok,ok,EMFILE,EMFILE"), std::string::npos)
        << r.output << rig->DaemonLogs();
}

TEST_F(ResoaPrograms, ClientBufferBudgetIsEnobufsAndLogged)
{
    Require({"python3"});
    // Two streams of 128 KiB fit in 256 KiB; a third stream, or a big SO_RCVBUF, does not.
    Build("enobufs", {"--client-buffer-bytes", "262144"});
    std::ofstream(dir + "/budget.py") << R"(
import errno, socket
def attempt(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
held, result = [], []
for i in range(3):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    result.append(attempt(lambda: s.connect(("198.51.100.2", 9))))
    held.append(s)
held[0].close()
s = held[1]
result.append(attempt(lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 200000)))
result.append(attempt(lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 100000)))
print("result=" + ",".join(result))
)";
    auto sink = StartHoldingSink(2);
    ASSERT_TRUE(sink->WaitFor("listening")) << sink->Log();
    CommandResult r = rig->RunResoa(*client, "exec /usr/bin/python3 " + dir + "/budget.py", 30);
    EXPECT_EQ(r.exitCode, 0) << r.output << rig->DaemonLogs();
    EXPECT_NE(r.output.find("result=ok,ok,ENOBUFS,ENOBUFS,ok"), std::string::npos)
        << r.output << rig->DaemonLogs();
    EXPECT_NE(rig->DaemonLogs().find("client-buffer-bytes (ENOBUFS)"), std::string::npos)
        << rig->DaemonLogs();
}

TEST_F(ResoaPrograms, UdpBothWaysWithPythonAndNc)
{
    Require({"nc", "/usr/bin/python3"});
    Build("udp");
    // The internet echoes each datagram back prefixed with the sender address it saw.
    auto echo = rig->Start(
        rig->internet,
        {"/usr/bin/python3",
         "-u",
         "-c",
         "import socket\n"
         "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
         "s.bind(('" +
             kNet +
             "', 5300))\n"
             "print('ready', flush=True)\n"
             "while True:\n"
             "    data, peer = s.recvfrom(65535)\n"
             "    print('from %s:%d %d bytes' % (peer[0], peer[1], len(data)), flush=True)\n"
             "    s.sendto(('%s:%d|' % peer).encode() + data, peer)\n"},
        "echo.log");
    ASSERT_TRUE(echo->WaitFor("ready")) << echo->Log();

    // An unconnected UDP socket (sendto/recvfrom) under the shim, several sizes.
    const std::string script =
        "import hashlib, os, socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.settimeout(5)\n"
        "for size in (1, 512, 1400):\n"
        "    data = os.urandom(size)\n"
        "    s.sendto(data, ('" +
        kNet +
        "', 5300))\n"
        "    reply, peer = s.recvfrom(65535)\n"
        "    seen, _, echoed = reply.partition(b'|')\n"
        "    assert echoed == data, size\n"
        "    print('size=%d peer=%s:%d seen=%s local=%s:%d' % ((size,) + peer + (seen.decode(),) + "
        "s.getsockname()))\n"
        "c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "c.settimeout(5)\n"
        "c.connect(('" +
        kNet +
        "', 5300))\n"
        "c.send(b'connected')\n"
        "seen, _, echoed = c.recv(65535).partition(b'|')\n"
        "assert echoed == b'connected'\n"
        "print('connected seen=%s local=%s:%d' % ((seen.decode(),) + c.getsockname()))\n";
    std::ofstream(dir + "/udp-client.py") << script;
    CommandResult py =
        rig->RunResoa(*client, "exec /usr/bin/python3 " + dir + "/udp-client.py", 30);
    EXPECT_EQ(py.exitCode, 0) << py.output << rig->DaemonLogs();
    for (const char* size : {"size=1 ", "size=512 ", "size=1400 "})
    {
        EXPECT_NE(py.output.find(size), std::string::npos) << py.output;
    }
    // The internet saw the server's public address, and that is what getsockname said.
    EXPECT_NE(py.output.find("peer=" + kNet + ":5300 seen=" + kSrv + ":"), std::string::npos)
        << py.output;
    // Unconnected, Linux reports the wildcard address with the port the peer saw (as a
    // local stack would); connected, the full address the peer saw.
    const std::size_t seen = py.output.find("seen=");
    const std::size_t local = py.output.find("local=");
    ASSERT_NE(seen, std::string::npos) << py.output;
    ASSERT_NE(local, std::string::npos) << py.output;
    const std::string seenText = py.output.substr(seen + 5, py.output.find(' ', seen) - seen - 5);
    const std::string localText =
        py.output.substr(local + 6, py.output.find('\n', local) - local - 6);
    EXPECT_EQ("0.0.0.0" + seenText.substr(seenText.find(':')), localText) << py.output;
    const std::size_t connected = py.output.find("connected seen=");
    ASSERT_NE(connected, std::string::npos) << py.output;
    const std::string line =
        py.output.substr(connected + 15, py.output.find('\n', connected) - connected - 15);
    const std::string connectedSeen = line.substr(0, line.find(' '));
    EXPECT_EQ(connectedSeen.rfind(kSrv + ":", 0), 0u) << py.output;
    EXPECT_EQ(line.substr(line.find("local=") + 6), connectedSeen) << py.output;

    // A connected UDP socket: nc -u sends a line and prints the echo.
    CommandResult nc =
        rig->RunResoa(*client, "echo hello-over-resoa | exec nc -u -w 2 " + kNet + " 5300", 15);
    EXPECT_NE(nc.output.find(kSrv + ":"), std::string::npos) << nc.output;
    EXPECT_NE(nc.output.find("|hello-over-resoa"), std::string::npos) << nc.output;
}

} // namespace
} // namespace test
} // namespace resoa
