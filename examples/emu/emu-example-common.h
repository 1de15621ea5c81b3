/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * What the three emulation examples (resoa-emu-wifi-hop, resoa-emu-real-client,
 * resoa-emu-real-internet) share: their common command-line options, MAC and CIDR parsing,
 * network namespaces and taps, the lossy 802.11 hop with its counters, the real-time run with
 * its signal-driven stop and lag report, and (for the two with a simulated ReSoA server) the
 * server's Internet side. Compiled into those programs, like examples/harness/, so it stays out
 * of the module library.
 */
#ifndef RESOA_EMU_EXAMPLE_COMMON_H
#define RESOA_EMU_EXAMPLE_COMMON_H

#include "ns3/resoa-server.h"

#include "ns3/command-line.h"
#include "ns3/fd-net-device.h"
#include "ns3/gilbert-elliott-error-model.h"
#include "ns3/ipv4-address.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/mac48-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/realtime-lag-monitor.h"
#include "ns3/tap-emu-helper.h"

#include <csignal>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace ns3
{
/**
 * \ingroup resoa
 * Shared pieces of the emulation examples. Errors are printed to stderr as "error: ..." and
 * reported as false (or a null pointer); the examples then exit with status 2, or 1 for a
 * runtime failure, as their headers document.
 */
namespace emu
{

/// Exit status when the measured lag exceeded --max-lag.
constexpr int kExitLagBound = 3;

/// Why a MAC address text was refused.
enum class MacProblem
{
    NONE,     //!< parsed
    SYNTAX,   //!< not "aa:bb:cc:dd:ee:ff"
    MULTICAST //!< group bit set
};

/// Reads "aa:bb:cc:dd:ee:ff" strictly into \p out; prints nothing.
MacProblem ReadMac(const std::string& text, Mac48Address& out);

/// Parses a unicast MAC address for option --\p name (prints the error).
bool ParseUnicastMac(const std::string& name, const std::string& text, Mac48Address& out);

/**
 * Parses "a.b.c.d/len" for option --\p name, len in [1, \p maxPrefix] (prints the error,
 * quoting \p example as a valid value).
 */
bool ParseCidr(const std::string& name,
               const std::string& text,
               uint64_t maxPrefix,
               const std::string& example,
               Ipv4Address& address,
               Ipv4Mask& mask);

/// Checks tap names (1 to IFNAMSIZ-1 characters) and that this host can emulate (root, tun).
bool CheckTapsAndPrivileges(const std::vector<std::string>& taps);

/**
 * The options every emulation example has: loss model, seeds, duration, pcap, lag bound and
 * progress, as text (checked by ParseValues) and as values, plus what a run does with them.
 */
class EmuOptions
{
  public:
    /// \param pcapPrefix default of --pcap-prefix (the program's name)
    explicit EmuOptions(const std::string& pcapPrefix);

    /// Registers --loss-model, --loss, --loss-frames, --fade-good-ms, --fade-bad-ms,
    /// [--distance,] --mac-retries, in that order.
    void AddLossOptions(CommandLine& cmd);
    /// Registers --seed, --run, --duration, --pcap, --pcap-prefix, --max-lag, --lag-period,
    /// --progress, in that order.
    void AddRunOptions(CommandLine& cmd);

    /// Checks the values of --create-namespaces and the options above (prints the error).
    bool ParseValues();
    /// Checks the loss model and --loss-frames against each other (after ParseValues).
    bool CheckLossModel() const;
    /// Writes "loss model M (loss L, which frames), MAC retries N".
    void DescribeLoss(std::ostream& os) const;

    /// Real-time simulator and the RNG seed and run, before anything is created.
    void SetUpSimulator() const;
    /// \return the lag monitor, started with --lag-period
    Ptr<RealtimeLagMonitor> StartLagMonitor() const;
    /**
     * Schedules the --progress line "emu: t=T s lag max L ms, <details>" and the stop at
     * --duration. \p details writes the example's own part to the stream it is given.
     */
    void ScheduleProgressAndStop(Ptr<RealtimeLagMonitor> lag,
                                 std::function<void(std::ostream&)> details) const;
    /**
     * Says it runs ("emu: running in real time ..." and \p orUntil), runs until --duration or
     * SIGINT/SIGTERM (taken by a waiter thread from \p signals, see BlockStopSignals), and
     * prints "emu: ran ..." (leaving std::cout fixed with 3 decimals, as the reports expect).
     */
    void RunUntilStopped(const sigset_t& signals, const std::string& orUntil = "") const;
    /// Prints the --max-lag verdict. \return kExitLagBound if exceeded, else 0
    int LagBoundStatus(Ptr<RealtimeLagMonitor> lag) const;

    std::string createText = "0";      //!< --create-namespaces
    std::string lossModel = "iid";     //!< --loss-model
    std::string lossText = "0";        //!< --loss
    std::string lossFrames = "data";   //!< --loss-frames
    std::string fadeGoodText = "1000"; //!< --fade-good-ms
    std::string fadeBadText = "50";    //!< --fade-bad-ms
    std::string distanceText = "30";   //!< --distance
    std::string macRetriesText = "7";  //!< --mac-retries
    std::string seedText = "1";        //!< --seed
    std::string runText = "1";         //!< --run
    std::string durationText = "0";    //!< --duration
    std::string pcapText = "0";        //!< --pcap
    std::string pcapPrefix;            //!< --pcap-prefix
    std::string maxLagText = "0";      //!< --max-lag
    std::string lagPeriodText = "1";   //!< --lag-period
    std::string progressText = "0";    //!< --progress

    /// Offers --loss-model=distance and --distance (set before AddLossOptions).
    bool withDistance = false;
    /// Help texts an example may word its own way (set before the Add calls).
    std::string lossHelp = "802.11 frame loss probability after reception, in [0, 1)";
    std::string lossFramesHelp = "data: loss hits data frames and MAC ACKs, management frames "
                                 "are spared; all: every frame";
    std::string durationHelp = "seconds to run (0 = until SIGINT/SIGTERM)";

    bool create = false;     //!< parsed --create-namespaces
    bool pcap = false;       //!< parsed --pcap
    double loss = 0;         //!< parsed --loss
    uint64_t fadeGoodMs = 0; //!< parsed --fade-good-ms
    uint64_t fadeBadMs = 0;  //!< parsed --fade-bad-ms
    uint64_t distance = 0;   //!< parsed --distance
    uint64_t macRetries = 0; //!< parsed --mac-retries
    uint64_t seed = 0;       //!< parsed --seed
    uint64_t run = 0;        //!< parsed --run
    uint64_t duration = 0;   //!< parsed --duration
    double maxLagMs = 0;     //!< parsed --max-lag
    double lagPeriodMs = 0;  //!< parsed --lag-period
    uint64_t progress = 0;   //!< parsed --progress
};

/**
 * Blocks SIGINT, SIGTERM and SIGUSR1 before any thread exists (FdNetDevice's readers inherit
 * the mask), so that only the waiter EmuOptions::RunUntilStopped starts receives them.
 */
sigset_t BlockStopSignals();

/// The network namespaces a run needs; creates missing ones on request, removes those later.
class EmuNamespaces
{
  public:
    /**
     * Checks that each of \p names exists (or is a path), creating it with `ip netns add` if
     * \p create; only before the simulation, never from an event.
     * \return 0, or the exit status: 2 missing, 1 `ip` failed
     */
    int Ensure(const std::vector<std::string>& names, bool create);
    /// Deletes the namespaces Ensure created (after Simulator::Destroy closed the taps).
    void RemoveCreated();

  private:
    std::vector<std::string> m_created;
};

/// One tap to make in a namespace.
struct TapSpec
{
    std::string role; //!< "client", "server", "Internet": for messages
    std::string ns;   //!< its namespace
    std::string name; //!< its interface name
    Mac48Address mac; //!< its MAC
    bool haveIpv4 = false;
    Ipv4Address ipv4;
    Ipv4Mask mask;
    bool showIpv4 = false; //!< name the address in the "up" line
};

/**
 * Makes each tap, brought up in its namespace now (before the simulation runs), with an
 * FdNetDevice on its node, and says so ("emu: tap ... up in namespace ...").
 * \return the devices in order, or none after printing why one failed
 */
NetDeviceContainer InstallTaps(TapEmuHelper& taps,
                               const std::vector<std::pair<Ptr<Node>, TapSpec>>& specs);

/// How the hop reports a station's (de)association.
struct StationLog
{
    bool announceAssociation = true; //!< print "emu: <who> associated with AP ..."
    std::string who = "station";     //!< subject of the lines
    std::string lostNote;            //!< appended to the de-association line
};

/**
 * The simulated lossy 802.11a hop (LossyWifiHelper) with the examples' loss models, and the
 * counters of its "802.11: ..." report line.
 */
class EmuWifiHop
{
  public:
    /**
     * Builds the hop as \p options say: the AP on \p apNode, a station on each of
     * \p staNodes; assigns its streams.
     * \return the devices, AP first
     */
    NetDeviceContainer Install(const EmuOptions& options, Ptr<Node> apNode, NodeContainer staNodes);
    /**
     * Builds a hop of one station standing for a real host: the station takes \p staMac and
     * the AP \p apMac (EmuL2Relay::SetDeviceAddress; a station cannot send on behalf of
     * another address). \return AP and station
     */
    NetDeviceContainer InstallBetween(const EmuOptions& options,
                                      Ptr<Node> apNode,
                                      Mac48Address apMac,
                                      Ptr<Node> staNode,
                                      Mac48Address staMac);
    /// Counts MAC failures on every device, and the stations' (de)associations.
    void WatchCounters(const StationLog& log = StationLog());
    /// pcap of every 802.11 device ("<prefix>-wifi-...") and of \p tapDevs ("<prefix>-tap-...").
    void EnablePcap(const std::string& prefix, TapEmuHelper& taps, NetDeviceContainer tapDevs);
    /// Writes the "802.11: ..." report line.
    void Report(std::ostream& os) const;

  private:
    void OnMacTxDataFailed(Mac48Address);
    void OnMacTxFinalDataFailed(Mac48Address);
    void OnAssoc(Mac48Address bssid);
    void OnDeAssoc(Mac48Address bssid);

    LossyWifiHelper m_wifi;
    Ptr<GilbertElliottErrorModel> m_fades; //!< the gilbert model, if any
    NetDeviceContainer m_air;
    uint64_t m_macRetries = 0;
    StationLog m_log;
    uint64_t m_macTxDataFailed = 0;      //!< data frame attempts that got no ACK (retried)
    uint64_t m_macTxFinalDataFailed = 0; //!< data frames the MAC gave up on
    uint32_t m_associations = 0;         //!< station (re)associations
    uint32_t m_deassociations = 0;       //!< station de-associations
};

/// The Internet side of a simulated ReSoA server: a real namespace behind a tap.
struct InternetSideOptions
{
    std::string ns;                               //!< --internet-ns
    std::string tap = "emu0";                     //!< --internet-tap
    std::string macText = "02:00:00:e0:00:03";    //!< --internet-mac
    std::string publicText = "198.51.100.1/24";   //!< --public-ip
    std::string internetText = "198.51.100.2/24"; //!< --internet-ip
    std::string portSkipText = "random";          //!< --port-skip

    /// Registers --internet-mac, --public-ip and --internet-ip (described by \p internetIpHelp).
    void AddAddressOptions(CommandLine& cmd, const std::string& internetIpHelp);
    /// Registers --port-skip.
    void AddPortSkipOption(CommandLine& cmd);
    /// Parses --internet-mac, --public-ip and --internet-ip (prints the error).
    bool ParseAddresses();
    /// Parses --port-skip (prints the error).
    bool ParsePortSkip();
    /// Checks that the public and the Internet address are two of one subnet.
    bool CheckSubnet() const;
    /// \return the Internet tap's spec, on its node
    TapSpec GetTapSpec() const;

    Mac48Address mac;
    Ipv4Address publicIp;
    Ipv4Mask publicMask;
    Ipv4Address internetIp;
    Ipv4Mask internetMask;
    uint64_t portSkip = 0; //!< ports to skip; drawn by InstallServerStack for "random"
};

/**
 * Sets ns-3 TCP up for a real Linux peer over a 1500-byte link; before Parse, so
 * --ns3::TcpSocket::... can override it.
 */
void SetServerTcpDefaults();

/**
 * A simulated ReSoA server whose own TCP/IP stack has a single interface, \p internetDev on a
 * real namespace's tap: the public address, a default route via the Internet host, ephemeral
 * ports skipped as \p options say.
 */
class EmuResoaServer
{
  public:
    /// Installs the stack on \p node and the server on \p ap (LHP there only).
    Ptr<ResoaServer> Install(Ptr<Node> node,
                             Ptr<NetDevice> ap,
                             Ptr<NetDevice> internetDev,
                             InternetSideOptions& options);
    /// Writes the "ReSoA server: ..." report line.
    void Report(std::ostream& os) const;

  private:
    void OnRequest(uint64_t, uint8_t, uint32_t);
    void OnSocketOpen(uint64_t);

    Ptr<ResoaServer> m_server;
    uint64_t m_socketsOpened = 0; //!< server sockets created for the clients
    uint64_t m_requests = 0;      //!< EP requests the server received
};

} // namespace emu
} // namespace ns3

#endif // RESOA_EMU_EXAMPLE_COMMON_H
