/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The paper's Table 4.1 (ReSoA vs NAT) on real software, mirroring test/sim/test-table-4-1.cc.
 * One topology for both systems: the `server` namespace is at once resoa-serverd (LHP on a
 * bridge to a client with no IP address) and an nftables masquerading router (for a NAT
 * client 10.0.0.2/24 with a default route via it); the `internet` namespace runs pyftpdlib,
 * which (like vsftpd) refuses a PORT naming an address other than the control connection's.
 * Each test runs the same unmodified client program over NAT and over ReSoA.
 */
#include "program-rig.h"

#include <gtest/gtest.h>

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
const std::string kNatClient = "10.0.0.2";

class Table41Real : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (auto why =
                ProgramRig::SkipReason({"curl", "lftp", "nft", "openssl", "/usr/bin/python3"}))
        {
            GTEST_SKIP() << *why;
        }
        rig = std::make_unique<ProgramRig>(
            std::string("t41-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        dir = rig->Dir();
        RunCommand({"mkdir", "-p", dir + "/ftp"});
        rig->StartServerd();
        resoa = &rig->AddResoaClient();
        nat = rig->AddNatClient();
        WriteRandomFile(dir + "/ftp/file.bin", 1024 * 1024 + 77, 41);
        want = Sha256Of(dir + "/ftp/file.bin");
    }

    std::unique_ptr<Background> StartFtp(int port, bool tls)
    {
        return StartFtpServer(*rig, kFtpServer, port, dir + "/ftp", tls);
    }

    /// Active FTP download with curl (PORT, address from getsockname of the control connection).
    std::string CurlActive(int port, const std::string& out)
    {
        return "exec curl -sS --max-time 15 --ftp-port - --disable-eprt -o " + dir + "/" + out +
               " ftp://" + kNet + ":" + std::to_string(port) + "/file.bin";
    }

    /// Active FTP over explicit TLS with lftp (curl 7.88's active FTPS data handshake hangs
    /// even without NAT or ReSoA).
    std::string LftpActiveTls(int port, const std::string& out)
    {
        return "exec lftp -e 'set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 10; "
               "set net:reconnect-interval-base 1; set ftp:passive-mode off; "
               "set ftp:ssl-force yes; set ftp:ssl-allow-anonymous yes; "
               "set ftp:ssl-protect-data yes; set ssl:verify-certificate no; get file.bin -o " +
               dir + "/" + out + "; bye' ftp://" + kNet + ":" + std::to_string(port);
    }

    std::unique_ptr<ProgramRig> rig;
    std::string dir;
    ProgramRig::Client* resoa = nullptr;
    std::string nat;
    std::string want;
};

// Row "Knowledge of IP address seen by correspondent system", data plane: active FTP puts
// the client's own address into the payload. Through NAT without an ALG the server gets the
// private address; over ReSoA it gets the public one.
TEST_F(Table41Real, ActiveFtpWithoutAlg)
{
    auto ftp = StartFtp(2121, false);

    CommandResult viaNat = rig->Run(nat, CurlActive(2121, "nat.bin"), 30);
    EXPECT_NE(viaNat.exitCode, 0) << viaNat.output;
    EXPECT_EQ(Sha256Of(dir + "/nat.bin"), "");
    EXPECT_TRUE(ftp->WaitFor("cmd=PORT peer=" + kSrv + " announced=" + kNatClient, 5))
        << ftp->Log();

    CommandResult viaResoa = rig->RunResoa(*resoa, CurlActive(2121, "resoa.bin"), 30);
    EXPECT_EQ(viaResoa.exitCode, 0) << viaResoa.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/resoa.bin"), want);
    EXPECT_NE(ftp->Log().find("cmd=PORT peer=" + kSrv + " announced=" + kSrv), std::string::npos)
        << ftp->Log();
}

// With the conntrack FTP helper (an ALG) NAT rewrites PORT and active FTP works; ReSoA works
// with no help.
TEST_F(Table41Real, ActiveFtpWithAlg)
{
    if (std::string why = rig->EnableFtpHelper(2121); !why.empty())
    {
        GTEST_SKIP() << why;
    }
    auto ftp = StartFtp(2121, false);

    CommandResult viaNat = rig->Run(nat, CurlActive(2121, "nat.bin"), 30);
    EXPECT_EQ(viaNat.exitCode, 0) << viaNat.output;
    EXPECT_EQ(Sha256Of(dir + "/nat.bin"), want);
    // The helper rewrote the payload: the server never saw the private address.
    EXPECT_EQ(ftp->Log().find("announced=" + kNatClient), std::string::npos) << ftp->Log();
    EXPECT_NE(ftp->Log().find("cmd=PORT peer=" + kSrv + " announced=" + kSrv), std::string::npos)
        << ftp->Log();
    // ...which the router's conntrack shows as an FTP-helped connection.
    CommandResult ct = rig->Run(rig->server, "conntrack -L 2>/dev/null || true", 10);
    if (ct.output.find("src=") != std::string::npos)
    {
        EXPECT_NE(ct.output.find("helper=ftp"), std::string::npos) << ct.output;
    }

    CommandResult viaResoa = rig->RunResoa(*resoa, CurlActive(2121, "resoa.bin"), 30);
    EXPECT_EQ(viaResoa.exitCode, 0) << viaResoa.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/resoa.bin"), want);
}

// Row "End-to-End Application Layer Encryption": with the control channel encrypted (FTPS),
// the helper cannot read or rewrite PORT, so active FTP through NAT fails even with it;
// ReSoA announces the right address from the start.
TEST_F(Table41Real, ActiveFtpEncryptedControlAnyAlg)
{
    if (std::string why = rig->EnableFtpHelper(2990); !why.empty())
    {
        GTEST_SKIP() << why;
    }
    auto ftp = StartFtp(2990, true);

    CommandResult viaNat = rig->Run(nat, LftpActiveTls(2990, "nat.bin"), 40);
    EXPECT_NE(viaNat.exitCode, 0) << viaNat.output;
    EXPECT_NE(Sha256Of(dir + "/nat.bin"), want);
    EXPECT_TRUE(ftp->WaitFor("cmd=PORT peer=" + kSrv + " announced=" + kNatClient, 5))
        << ftp->Log();

    CommandResult viaResoa = rig->RunResoa(*resoa, LftpActiveTls(2990, "resoa.bin"), 40);
    EXPECT_EQ(viaResoa.exitCode, 0) << viaResoa.output << rig->DaemonLogs();
    EXPECT_EQ(Sha256Of(dir + "/resoa.bin"), want);
    EXPECT_NE(ftp->Log().find("cmd=PORT peer=" + kSrv + " announced=" + kSrv), std::string::npos)
        << ftp->Log();
}

// Row "Knowledge of IP address seen by correspondent system": getsockname against what the
// peer logged. NAT: a private address and a different 4-tuple; ReSoA: the same 4-tuple.
TEST_F(Table41Real, AddressThePeerSeesEqualsGetSockName)
{
    if (auto missing = MissingProgram({"nc"}))
    {
        GTEST_SKIP() << *missing << " is not installed";
    }
    auto peer = rig->Start(rig->internet, {"nc", "-n", "-v", "-k", "-l", kNet, "8080"}, "peer.log");
    ASSERT_TRUE(peer->WaitFor("Listening")) << peer->Log();
    auto local = [](const std::string& out)
    {
        const std::size_t at = out.find("local=");
        return at == std::string::npos ? std::string()
                                       : out.substr(at + 6, out.find('\n', at) - at - 6);
    };
    auto spaced = [](std::string s)
    {
        const std::size_t colon = s.find(':');
        if (colon != std::string::npos)
        {
            s[colon] = ' ';
        }
        return s;
    };

    CommandResult viaNat = rig->Run(nat, "exec " + kProbe + " " + kNet + " 8080 9", 20);
    const std::string natLocal = local(viaNat.output);
    EXPECT_EQ(natLocal.rfind(kNatClient + ":", 0), 0u) << viaNat.output;
    EXPECT_TRUE(peer->WaitFor("Connection received on " + kSrv, 5)) << peer->Log();
    EXPECT_EQ(peer->Log().find("Connection received on " + spaced(natLocal)), std::string::npos)
        << peer->Log();

    CommandResult viaResoa = rig->RunResoa(*resoa, "exec " + kProbe + " " + kNet + " 8080 9", 20);
    const std::string resoaLocal = local(viaResoa.output);
    EXPECT_EQ(resoaLocal.rfind(kSrv + ":", 0), 0u) << viaResoa.output;
    EXPECT_TRUE(peer->WaitFor("Connection received on " + spaced(resoaLocal), 5))
        << peer->Log() << viaResoa.output;
}

} // namespace
} // namespace test
} // namespace resoa
