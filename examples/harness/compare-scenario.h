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
    double rttMs = 100;        //!< the wired link's one-way delay is rtt/2
    std::string linkRate = "100Mbps";
    std::string tcp = "NewReno";
    double minRtoMs = 1000;
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
    uint32_t macRetriesUsed = 0; //!< limit: the retry limit that gave the best goodput
};

/// Checks a configuration; returns an error message, or "" if it is valid.
std::string ValidateCompareConfig(const CompareConfig& c);

/// Runs one simulation (or, for the limit, one per MAC retry limit) and destroys it.
CompareResult RunCompare(const CompareConfig& c);

/// Jain's fairness index of `x` (1 for a single value, 0 for all zeros).
double JainIndex(const std::vector<double>& x);

} // namespace ns3

#endif // RESOA_COMPARE_SCENARIO_H
