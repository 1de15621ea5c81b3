/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "program-rig.h"

#include "spawn-in-namespace.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace resoa
{
namespace test
{

namespace
{

const std::string kClientd = RESOA_CLIENTD_PATH;
const std::string kServerd = RESOA_SERVERD_PATH;
const std::string kPreload = RESOA_PRELOAD_PATH;
const std::string kResoaRun = RESOA_RUN_PATH;
#ifdef RESOA_LHP_RELAY_PATH
const std::string kRelay = RESOA_LHP_RELAY_PATH;
#else
const std::string kRelay; // a test binary without the relay
#endif

std::string
Tail(const std::string& text, std::size_t bytes = 3000)
{
    return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

} // namespace

std::string
ReadWholeFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string
Sha256Of(const std::string& path)
{
    if (::access(path.c_str(), R_OK) != 0)
    {
        return "";
    }
    CommandResult r = RunCommand({"sha256sum", path});
    if (r.exitCode != 0 || r.output.size() < 64)
    {
        return "";
    }
    return r.output.substr(0, 64);
}

void
WriteRandomFile(const std::string& path, std::size_t size, unsigned seed)
{
    std::string bytes(size, '\0');
    std::mt19937 rng(seed);
    for (char& c : bytes)
    {
        c = static_cast<char>(rng());
    }
    std::ofstream(path, std::ios::binary) << bytes;
}

bool
IsExecutable(const std::string& path)
{
    return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

std::optional<std::string>
MissingProgram(const std::vector<std::string>& programs)
{
    for (const std::string& p : programs)
    {
        if (RunCommand({"sh", "-c", "command -v " + p}).exitCode != 0)
        {
            return p;
        }
    }
    return std::nullopt;
}

Background::Background(const std::string& ns, const std::vector<std::string>& argv, std::string log)
    : m_log(std::move(log))
    , m_pid(SpawnInNamespace(ns, argv, m_log))
{
}

Background::~Background()
{
    Stop();
}

int
Background::Stop()
{
    if (m_pid > 0)
    {
        m_status = StopProcessGroup(m_pid, std::chrono::seconds(3));
        m_pid = 0;
    }
    return m_status;
}

int
Background::Wait(double seconds)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (m_pid > 0 && std::chrono::steady_clock::now() < end)
    {
        if (ReapIfExited(m_pid, m_status))
        {
            m_pid = 0;
            return m_status;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Stop();
}

bool
Background::WaitFor(const std::string& text, double seconds) const
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end)
    {
        if (ReadWholeFile(m_log).find(text) != std::string::npos)
        {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

std::string
Background::Log() const
{
    return ReadWholeFile(m_log);
}

bool
Background::Signal(int signo) const
{
    return m_pid > 0 && ::kill(-m_pid, signo) == 0;
}

WorkDir::WorkDir(const std::string& tag)
    : m_path("/tmp/" + NetnsFixture::NamePrefix() + tag)
{
    RunCommand({"rm", "-rf", m_path});
    RunCommand({"mkdir", "-p", m_path});
}

WorkDir::~WorkDir()
{
    if (!std::getenv("RESOA_TEST_KEEP")) // keep the logs for a look after a failure
    {
        RunCommand({"rm", "-rf", m_path});
    }
}

std::unique_ptr<Background>
WorkDir::Start(const std::string& ns,
               const std::vector<std::string>& argv,
               const std::string& logName) const
{
    return std::make_unique<Background>(ns, argv, m_path + "/" + logName);
}

CommandResult
RunInNamespace(const std::string& ns, const std::vector<std::string>& argv, int seconds)
{
    std::vector<std::string> all = {
        "timeout", "-k", "3", std::to_string(seconds), "ip", "netns", "exec", ns};
    all.insert(all.end(), argv.begin(), argv.end());
    return RunCommand(all);
}

CommandResult
RunShellIn(const std::string& ns, const std::string& script, int seconds)
{
    return RunInNamespace(ns, {"sh", "-c", script}, seconds);
}

CommandResult
RunResoaShellIn(const std::string& ns,
                const std::string& clientdSocket,
                const std::string& script,
                int seconds)
{
    return RunInNamespace(ns,
                          {"env",
                           "RESOA_CLIENTD_SOCKET=" + clientdSocket,
                           "RESOA_PRELOAD=" + kPreload,
                           kResoaRun,
                           "sh",
                           "-c",
                           script},
                          seconds);
}

ProgramRig::ProgramRig(const std::string& tag)
    : m_work(tag)
    , m_dir(m_work.Path())
{
    // A throw leaves m_work's destructor to remove the directory.
    server = net.AddNamespace("server");
    internet = net.AddNamespace("internet");
    net.AddVeth(server, "s1", internet, "i0");
    net.AddAddress(server, "s1", std::string(kServerAddress) + "/24");
    net.AddAddress(internet, "i0", std::string(kInternetAddress) + "/24");
    // The LHP side: a bridge, so several clients can share one serverd interface.
    net.Ip(server, {"link", "add", "lan0", "address", kServerMac, "type", "bridge"});
    net.Ip(server, {"link", "set", "lan0", "up"}); // carrier once a client's port is in it
}

ProgramRig::~ProgramRig()
{
    clients.clear(); // clientds first, then serverd; m_work then removes the directory
    serverd.reset();
}

std::optional<std::string>
ProgramRig::SkipReason(const std::vector<std::string>& programs)
{
    if (auto why = NetnsFixture::SkipReason())
    {
        return why;
    }
    if (!IsExecutable(kServerd) || !IsExecutable(kClientd))
    {
        return std::string("resoa-serverd or resoa-clientd not built");
    }
    if (auto missing = MissingProgram(programs))
    {
        return *missing + " is not installed";
    }
    return std::nullopt;
}

void
ProgramRig::StartServerd(const std::vector<std::string>& extraArgs)
{
    std::vector<std::string> argv = {
        kServerd, "--interface", "lan0", "--public-address", kServerAddress};
    argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
    if (std::getenv("RESOA_TEST_DEBUG"))
    {
        argv.insert(argv.end(), {"--log-level", "debug"});
    }
    serverd = std::make_unique<Background>(server, argv, m_dir + "/serverd.log");
    if (!serverd->WaitFor("up on lan0"))
    {
        throw std::runtime_error("resoa-serverd did not start: " + serverd->Log());
    }
}

void
ProgramRig::AddPublicAddress(const std::string& cidr)
{
    net.AddAddress(server, "s1", cidr);
}

ProgramRig::Client&
ProgramRig::AddResoaClient(const std::vector<std::string>& clientdArgs)
{
    Client& c = StartResoaClient(clientdArgs);
    if (!c.clientd->WaitFor("registered: errno 0, public address ", 15))
    {
        throw std::runtime_error("resoa-clientd did not register: " + c.clientd->Log() +
                                 (serverd ? serverd->Log() : std::string()));
    }
    const std::string log = c.clientd->Log();
    const std::string key = "public address ";
    const std::size_t at = log.find(key, log.find("registered: errno 0")) + key.size();
    c.publicAddress = log.substr(at, log.find_first_of(" \n", at) - at);
    return c;
}

bool
ProgramRig::HaveRelay()
{
    return IsExecutable(kRelay);
}

ProgramRig::Client&
ProgramRig::AddRelayedResoaClient(const std::vector<std::string>& relayArgs,
                                  const std::vector<std::string>& clientdArgs)
{
    m_relayArgs = relayArgs;
    struct Reset // also when AddResoaClient throws
    {
        std::optional<std::vector<std::string>>& args;
        ~Reset()
        {
            args.reset();
        }
    } reset{m_relayArgs};
    return AddResoaClient(clientdArgs);
}

ProgramRig::Client&
ProgramRig::StartResoaClient(const std::vector<std::string>& clientdArgs)
{
    const std::size_t n = clients.size();
    auto c = std::make_unique<Client>();
    c->ns = net.AddNamespace(n == 0 ? "client" : "client" + std::to_string(n + 1));
    char mac[32];
    std::snprintf(mac, sizeof(mac), "02:00:00:aa:01:%02x", static_cast<unsigned>(n + 1));
    const std::string port = "s0c" + std::to_string(n + 1);
    if (m_relayArgs)
    {
        // The relay namespace has no address and no IPv6: its kernel sends nothing of its
        // own onto either link, so all the relay forwards is the client's and serverd's.
        c->relayNs = net.AddNamespace("relay" + std::to_string(n + 1));
        net.AddVeth(c->ns, "c0", c->relayNs, "r0", mac);
        net.AddVeth(c->relayNs, "r1", server, port);
        std::vector<std::string> argv = {kRelay, "--interface-a", "r0", "--interface-b", "r1"};
        argv.insert(argv.end(), m_relayArgs->begin(), m_relayArgs->end());
        c->relay = std::make_unique<Background>(
            c->relayNs, argv, m_dir + "/relay" + std::to_string(n + 1) + ".log");
        if (!c->relay->WaitFor("relay up"))
        {
            throw std::runtime_error("resoa-lhp-relay did not start: " + c->relay->Log());
        }
    }
    else
    {
        net.AddVeth(c->ns, "c0", server, port, mac);
    }
    net.Ip(server, {"link", "set", port, "master", "lan0"});
    net.WaitUntilUp(server, "lan0");
    c->socket = m_dir + "/clientd" + std::to_string(n + 1) + ".sock";
    std::vector<std::string> argv = {
        kClientd, "--interface", "c0", "--server-mac", kServerMac, "--unix-socket", c->socket};
    argv.insert(argv.end(), clientdArgs.begin(), clientdArgs.end());
    if (std::getenv("RESOA_TEST_DEBUG"))
    {
        argv.insert(argv.end(), {"--log-level", "debug"});
    }
    c->clientd = std::make_unique<Background>(
        c->ns, argv, m_dir + "/clientd" + std::to_string(n + 1) + ".log");
    clients.push_back(std::move(c));
    return *clients.back();
}

std::string
ProgramRig::AddNatClient()
{
    const int n = ++m_natClients;
    const std::string ns = net.AddNamespace(n == 1 ? "natclient" : "natclient" + std::to_string(n));
    const std::string port = "n" + std::to_string(n);
    net.AddVeth(ns, "c0", server, port);
    if (!m_natReady)
    {
        net.Ip(server, {"link", "add", "natlan", "type", "bridge"});
        net.Ip(server, {"link", "set", "natlan", "up"});
        net.AddAddress(server, "natlan", "10.0.0.1/24");
        CommandResult nat = Run(server,
                                "sysctl -qw net.ipv4.ip_forward=1 && nft -f - <<'EOF'\n"
                                "table ip resoa_nat {\n"
                                "  chain postrouting {\n"
                                "    type nat hook postrouting priority srcnat; policy accept;\n"
                                "    ip saddr 10.0.0.0/24 oifname \"s1\" masquerade\n"
                                "  }\n"
                                "  chain prerouting {\n"
                                "    type filter hook prerouting priority filter; policy accept;\n"
                                "  }\n"
                                "}\n"
                                "EOF\n",
                                10);
        if (nat.exitCode != 0)
        {
            throw std::runtime_error("nftables masquerade failed: " + nat.output);
        }
        m_natReady = true;
    }
    net.Ip(server, {"link", "set", port, "master", "natlan"});
    net.AddAddress(ns, "c0", "10.0.0." + std::to_string(n + 1) + "/24");
    net.Ip(ns, {"route", "add", "default", "via", "10.0.0.1"});
    net.WaitUntilUp(server, "natlan");
    return ns;
}

std::string
ProgramRig::EnableFtpHelper(int port)
{
    // Built in on some kernels, a module on others; modprobe's failure alone says nothing.
    RunCommand({"modprobe", "nf_conntrack_ftp"});
    CommandResult r = Run(server,
                          "nft add ct helper ip resoa_nat ftp-standard "
                          "'{ type \"ftp\" protocol tcp; }' && "
                          "nft add rule ip resoa_nat prerouting ip saddr 10.0.0.0/24 tcp dport " +
                              std::to_string(port) + " ct helper set \"ftp-standard\"",
                          10);
    if (r.exitCode != 0)
    {
        return "the conntrack FTP helper is not available on this kernel: " + r.output;
    }
    return "";
}

CommandResult
ProgramRig::Run(const std::string& ns, const std::string& script, int seconds)
{
    return RunShellIn(ns, script, seconds);
}

CommandResult
ProgramRig::PushFromInternet(const std::string& address, int port, const std::string& file)
{
    return Run(internet,
               "for i in $(seq 100); do nc -N " + address + " " + std::to_string(port) + " < " +
                   file + " && exit 0; sleep 0.1; done; exit 1");
}

std::string
ProgramRig::ResoaEnv(const Client& client) const
{
    return "env RESOA_CLIENTD_SOCKET=" + client.socket + " RESOA_PRELOAD=" + kPreload + " " +
           kResoaRun;
}

CommandResult
ProgramRig::RunResoa(const Client& client, const std::string& script, int seconds)
{
    return RunResoaShellIn(client.ns, client.socket, script, seconds);
}

std::unique_ptr<Background>
ProgramRig::Start(const std::string& ns,
                  const std::vector<std::string>& argv,
                  const std::string& logName)
{
    return m_work.Start(ns, argv, logName);
}

std::string
ProgramRig::DaemonLogs() const
{
    std::string out;
    if (serverd)
    {
        out += "\n--- serverd:\n" + Tail(serverd->Log());
    }
    for (const auto& c : clients)
    {
        out += "\n--- clientd " + c->ns + ":\n" + Tail(c->clientd->Log());
        if (c->relay)
        {
            out += "\n--- relay " + c->relayNs + ":\n" + Tail(c->relay->Log());
        }
    }
    return out;
}

std::unique_ptr<Background>
StartFtpServer(
    ProgramRig& rig, const std::string& script, int port, const std::string& root, bool tls)
{
    const std::string addr = ProgramRig::kInternetAddress;
    std::vector<std::string> argv = {
        "/usr/bin/python3", "-u", script, addr, std::to_string(port), root};
    if (tls)
    {
        const std::string cert = rig.Dir() + "/cert.pem";
        CommandResult r = RunCommand({"timeout",
                                      "30",
                                      "openssl",
                                      "req",
                                      "-x509",
                                      "-newkey",
                                      "rsa:2048",
                                      "-nodes",
                                      "-days",
                                      "1",
                                      "-subj",
                                      "/CN=" + addr,
                                      "-keyout",
                                      cert,
                                      "-out",
                                      cert});
        EXPECT_EQ(r.exitCode, 0) << r.output;
        argv.push_back("--tls");
        argv.push_back(cert);
    }
    auto ftp = rig.Start(rig.internet, argv, "ftp-" + std::to_string(port) + ".log");
    EXPECT_TRUE(ftp->WaitFor("ftp-server ready")) << ftp->Log();
    return ftp;
}

} // namespace test
} // namespace resoa
