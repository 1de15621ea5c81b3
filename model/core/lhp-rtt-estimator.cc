/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "lhp-rtt-estimator.h"

#include <algorithm>

namespace resoa
{

LhpRttEstimator::LhpRttEstimator(Duration initialRto, Duration minRto, Duration maxRto)
    : m_minRto(minRto)
    , m_maxRto(std::max(minRto, maxRto))
    , m_rto(Clamp(initialRto))
{
}

LhpRttEstimator::Duration
LhpRttEstimator::Clamp(Duration d) const
{
    return std::min(std::max(d, m_minRto), m_maxRto);
}

void
LhpRttEstimator::AddSample(Duration rtt)
{
    rtt = std::max(rtt, Duration{0});
    if (!m_srtt)
    {
        m_srtt = rtt;
        m_rttVar = rtt / 2;
    }
    else
    {
        Duration err = *m_srtt > rtt ? *m_srtt - rtt : rtt - *m_srtt;
        m_rttVar = (3 * m_rttVar + err) / 4;
        m_srtt = (7 * *m_srtt + rtt) / 8;
    }
    m_rto = Clamp(*m_srtt + 4 * m_rttVar);
    m_doublings = 0;
}

void
LhpRttEstimator::Backoff(unsigned maxDoublings)
{
    if (m_doublings >= maxDoublings)
    {
        return;
    }
    ++m_doublings;
    m_rto = m_rto >= m_maxRto / 2 ? m_maxRto : 2 * m_rto;
}

LhpRttEstimator::Duration
LhpRttEstimator::GetRto() const
{
    return m_rto;
}

std::optional<LhpRttEstimator::Duration>
LhpRttEstimator::GetSrtt() const
{
    return m_srtt;
}

LhpRttEstimator::Duration
LhpRttEstimator::GetRttVar() const
{
    return m_rttVar;
}

} // namespace resoa
