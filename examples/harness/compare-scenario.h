/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_COMPARE_SCENARIO_H
#define RESOA_COMPARE_SCENARIO_H

#include "ns3/nstime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief One run of the comparison: the same topology for every system
 * (STAs ))) 802.11a ((( AP/router --- p2p --- host), uploads from the STAs to the host or
 * downloads the STAs open to the host.
 */
struct CompareConfig
{
    std::string system = "resoa"; //!< resoa | nat | tcp | limit
    std::string direction = "up"; //!< up (STAs send) | down (the host sends; client-initiated)
    std::string flows = "bulk";   //!< bulk | web
    uint32_t clients = 1;
    double frameLoss = 0;      //!< i.i.d. post-reception loss of data frames and ACKs
    double burstBadMs = 0;     //!< Gilbert–Elliott mean fade (0 = none)
    double burstGoodMs = 1000; //!< Gilbert–Elliott mean time between fades
    uint32_t macRetries = 7;   //!< MAC transmissions per frame (MaxSsrc)
    double distance = 0;       //!< > 0: STAs at this distance, Nakagami fading, Minstrel
    /// Fades (bursts): "shared" = one Gilbert-Elliott timeline for every PHY, so a fade hits
    /// both directions at once (the headline channel); "perPhy" = an independent timeline per
    /// receiving PHY (interference-like: outages of the two directions add up).
    std::string fadeTimeline = "shared";
    /// Frames the loss hits: "data" = data frames and MAC ACKs (beacons and management
    /// protected, so no loss study becomes an association outage); "all" = every frame.
    std::string lossFrames = "data";
    /// Multi-rate cell: per-station distances in metres ("5,15,25,35,45"), Nakagami fading,
    /// Minstrel; the station count is the number of distances. Empty = all at `distance`.
    std::string distances;
    double rttMs = 100; //!< the wired link's one-way delay is rtt/2
    std::string linkRate = "100Mbps";
    /// End-to-end TCP (STAs and host; the host only, for ReSoA): "linux" = the Linux-like
    /// profile (see TcpProfile), or an ns-3 congestion control name (NewReno, Cubic, ...)
    /// with ns-3's other defaults.
    std::string tcp = "NewReno";
    double minRtoMs = 0; //!< TCP MinRto in ms; 0 = the profile's (ns-3 1000, linux 200)
    /// The ReSoA server's own TCP (ResoaServer Tcp* attributes): "linux" (default, the
    /// Linux-like profile, whatever `tcp` is) or "inherit" (the process-wide defaults of `tcp`).
    std::string serverTcp = "linux";
    /// TcpSocket SndBufSize and RcvBufSize of every TCP socket, the ReSoA server's too (bytes).
    uint32_t tcpBuffer = 2u << 20;
    /// The limit's MAC retry limits to try, comma-separated ("" = 1,2,4,7; macRetries too).
    std::string limitRetries;
    uint64_t bytes = 0;            //!< bulk: per client (0 = run for `duration`)
    double duration = 20;          //!< seconds of traffic
    double warmup = 2;             //!< bulk, bytes = 0: seconds excluded at the start (slow start)
    uint64_t webFlowBytes = 50000; //!< web: mean flow size
    uint32_t seed = 1;
    uint32_t run = 1;
    bool pcap = false;
};

/// What one run measured.
struct CompareResult
{
    double goodputMbps = 0;
    std::vector<double> perClientMbps;
    double jain = 1;
    std::vector<double> fcts; //!< web flow completion times, seconds
    uint64_t macRetx = 0;
    uint64_t lhpRetx = 0;
    uint64_t tcpRetx = 0;
    double framesPerKb = 0;
    double outageSeconds = 0;
    uint32_t deassociations = 0;
    uint32_t macRetriesUsed = 0;      //!< limit: the retry limit that gave the best goodput
    double limitSameMbps = -1;        //!< limit: goodput at `macRetries` (-1: not a limit run)
    uint64_t fades = 0;               //!< fades (Bad periods) entered in the measured window
    std::vector<double> airtimeShare; //!< per STA: share of the channel's busy (Tx) time
    std::vector<double> distances;    //!< per STA: distance from the AP (m)
};

/**
 * \ingroup resoa
 * \brief The TCP settings of one end-to-end TCP profile (process-wide defaults).
 */
struct TcpProfile
{
    std::string name;       //!< "linux" or the congestion control name
    std::string congestion; //!< ns-3 TypeId without "ns3::Tcp" (NewReno, Cubic)
    double minRtoMs = 1000; //!< TcpSocketBase::MinRto: ns-3 floors the whole RTO
    double clockGranularityMs =
        1;                     //!< TcpSocketBase::ClockGranularity: RTO = SRTT + max(G, 4 RTTVAR)
    double delAckMs = 200;     //!< TcpSocket::DelAckTimeout
    uint32_t initialCwnd = 10; //!< TcpSocket::InitialCwnd (segments)
    bool sack = true;          //!< TcpSocketBase::Sack
};

/**
 * The profile `tcp` names: "linux" = Cubic, MinRto 200 ms, ClockGranularity 200 ms (so
 * RTO = SRTT + max(200 ms, 4 RTTVAR), Linux's form), delayed-ACK timeout 40 ms, SACK,
 * initial window 10; anything else = that congestion control with ns-3's defaults (MinRto
 * 1 s, granularity 1 ms, delayed ACK 200 ms, SACK, initial window 10). `minRtoMs` > 0
 * overrides the profile's MinRto.
 */
TcpProfile ResolveTcpProfile(const std::string& tcp, double minRtoMs);

/// Checks a configuration; returns an error message, or "" if it is valid.
std::string ValidateCompareConfig(const CompareConfig& c);

/// Runs one simulation (or, for the limit, one per MAC retry limit) and destroys it.
CompareResult RunCompare(const CompareConfig& c);

/// Jain's fairness index of `x` (1 for a single value, 0 for all zeros).
double JainIndex(const std::vector<double>& x);

} // namespace ns3

#endif // RESOA_COMPARE_SCENARIO_H
