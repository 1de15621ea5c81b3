/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_LHP_RTT_ESTIMATOR_H
#define RESOA_LHP_RTT_ESTIMATOR_H

#include <chrono>
#include <optional>

namespace resoa
{

/**
 * \brief Retransmission timeout of an LHP link, after RFC 6298.
 *
 * SRTT and RTTVAR follow RFC 6298 section 2 (alpha 1/8, beta 1/4, K = 4, no clock-granularity
 * term: the core works in nanoseconds). The caller applies Karn's rule by sampling only
 * frames sent once. The RTO is clamped to [minRto, maxRto]; Backoff() doubles it up to maxRto
 * and the next sample recomputes it from SRTT/RTTVAR (RFC 6298 section 5.7).
 */
class LhpRttEstimator
{
  public:
    using Duration = std::chrono::nanoseconds;

    /// Starts with RTO = initialRto (clamped) and no SRTT.
    LhpRttEstimator(Duration initialRto, Duration minRto, Duration maxRto);

    /// Feeds one round-trip sample (negative samples are taken as zero).
    void AddSample(Duration rtt);
    /// Doubles the RTO after a timeout, up to maxRto, unless it has been doubled
    /// `maxDoublings` times since the last sample already.
    void Backoff(unsigned maxDoublings = ~0u);

    /// Current RTO, backoff included.
    Duration GetRto() const;
    /// Smoothed RTT, once a sample has been taken.
    std::optional<Duration> GetSrtt() const;
    /// RTT variation (zero before the first sample).
    Duration GetRttVar() const;

  private:
    Duration Clamp(Duration d) const;

    Duration m_minRto;
    Duration m_maxRto;
    std::optional<Duration> m_srtt;
    Duration m_rttVar{0};
    Duration m_rto;
    unsigned m_doublings = 0; //!< Backoff() calls since the last sample
};

} // namespace resoa

#endif // RESOA_LHP_RTT_ESTIMATOR_H
