/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "realtime-lag-monitor.h"

#include "ns3/log.h"
#include "ns3/realtime-simulator-impl.h"
#include "ns3/simulator.h"
#include "ns3/trace-source-accessor.h"

#include <algorithm>
#include <cmath>
#include <iomanip>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("RealtimeLagMonitor");

NS_OBJECT_ENSURE_REGISTERED(RealtimeLagMonitor);

TypeId
RealtimeLagMonitor::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::RealtimeLagMonitor")
            .SetParent<Object>()
            .SetGroupName("Resoa")
            .AddConstructor<RealtimeLagMonitor>()
            .AddAttribute("Period",
                          "Simulated time between two lag samples.",
                          TimeValue(MilliSeconds(1)),
                          MakeTimeAccessor(&RealtimeLagMonitor::m_period),
                          MakeTimeChecker(MicroSeconds(10)))
            .AddTraceSource("Lag",
                            "One sample: wall time elapsed minus simulated time elapsed.",
                            MakeTraceSourceAccessor(&RealtimeLagMonitor::m_lagTrace),
                            "ns3::Time::TracedCallback");
    return tid;
}

RealtimeLagMonitor::RealtimeLagMonitor()
{
    NS_LOG_FUNCTION(this);
}

RealtimeLagMonitor::~RealtimeLagMonitor()
{
    NS_LOG_FUNCTION(this);
}

void
RealtimeLagMonitor::DoDispose()
{
    Stop();
    Object::DoDispose();
}

void
RealtimeLagMonitor::Start(Time delay)
{
    NS_LOG_FUNCTION(this << delay);
    m_useRealtimeClock =
        DynamicCast<RealtimeSimulatorImpl>(Simulator::GetImplementation()) != nullptr;
    m_haveOrigin = false;
    Simulator::Cancel(m_event);
    m_event = Simulator::Schedule(delay, &RealtimeLagMonitor::Sample, this);
}

void
RealtimeLagMonitor::Stop()
{
    NS_LOG_FUNCTION(this);
    Simulator::Cancel(m_event);
}

Time
RealtimeLagMonitor::WallElapsed()
{
    if (m_useRealtimeClock)
    {
        Ptr<RealtimeSimulatorImpl> impl =
            DynamicCast<RealtimeSimulatorImpl>(Simulator::GetImplementation());
        return impl->RealtimeNow();
    }
    const auto now = std::chrono::steady_clock::now();
    if (!m_haveOrigin)
    {
        m_haveOrigin = true;
        m_wallOrigin = now;
        m_simOrigin = Simulator::Now();
    }
    return m_simOrigin +
           NanoSeconds(
               std::chrono::duration_cast<std::chrono::nanoseconds>(now - m_wallOrigin).count());
}

void
RealtimeLagMonitor::Sample()
{
    const Time lag = WallElapsed() - Simulator::Now();
    const int64_t ns = lag.GetNanoSeconds();
    if (m_samples.empty() || ns > m_max)
    {
        m_max = ns;
        m_maxAt = Simulator::Now();
    }
    m_samples.push_back(ns);
    m_sum += ns;
    m_lagTrace(lag);
    m_event = Simulator::Schedule(m_period, &RealtimeLagMonitor::Sample, this);
}

uint64_t
RealtimeLagMonitor::GetSampleCount() const
{
    return m_samples.size();
}

Time
RealtimeLagMonitor::GetMaxLag() const
{
    return NanoSeconds(m_samples.empty() ? 0 : m_max);
}

Time
RealtimeLagMonitor::GetMaxLagTime() const
{
    return m_maxAt;
}

Time
RealtimeLagMonitor::GetMeanLag() const
{
    if (m_samples.empty())
    {
        return Time(0);
    }
    return NanoSeconds(static_cast<int64_t>(m_sum / m_samples.size()));
}

Time
RealtimeLagMonitor::GetLagQuantile(double q) const
{
    if (m_samples.empty())
    {
        return Time(0);
    }
    q = std::min(1.0, std::max(0.0, q));
    std::vector<int64_t> sorted(m_samples);
    // Nearest rank: the ceil(q * n)-th smallest (1-based), at least the first.
    const auto rank = static_cast<std::size_t>(std::ceil(q * sorted.size()));
    const std::size_t index = rank == 0 ? 0 : rank - 1;
    std::nth_element(sorted.begin(), sorted.begin() + index, sorted.end());
    return NanoSeconds(sorted[index]);
}

uint64_t
RealtimeLagMonitor::CountAbove(Time bound) const
{
    const int64_t b = bound.GetNanoSeconds();
    return std::count_if(m_samples.begin(), m_samples.end(), [b](int64_t s) { return s > b; });
}

void
RealtimeLagMonitor::Report(std::ostream& os) const
{
    auto ms = [](Time t)
    {
        return t.GetNanoSeconds() / 1e6;
    };
    const std::ios::fmtflags flags = os.flags();
    const std::streamsize precision = os.precision();
    os << std::fixed << std::setprecision(3) << "realtime lag: samples " << GetSampleCount()
       << " period " << ms(m_period) << " ms max " << ms(GetMaxLag()) << " ms (at "
       << GetMaxLagTime().GetSeconds() << " s) p99 " << ms(GetLagQuantile(0.99)) << " ms p50 "
       << ms(GetLagQuantile(0.5)) << " ms mean " << ms(GetMeanLag()) << " ms\n";
    os.flags(flags);
    os.precision(precision);
}

} // namespace ns3
