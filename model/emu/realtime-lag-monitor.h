/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_REALTIME_LAG_MONITOR_H
#define RESOA_REALTIME_LAG_MONITOR_H

#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/traced-callback.h"

#include <chrono>
#include <cstdint>
#include <ostream>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Measures how far a real-time simulation falls behind the wall clock.
 *
 * An emulation is only as good as its pacing: under RealtimeSimulatorImpl (best effort, the
 * default) an event due at simulated time t runs at wall time t or later, and every frame a
 * tap hands in waits for the events before it. The monitor schedules one sampling event every
 * Period of simulated time from Start() on; each sample is
 *
 *   lag = (wall time elapsed) - (simulated time elapsed),
 *
 * both counted from the simulator's origin: with RealtimeSimulatorImpl the wall clock is the
 * simulator's own (RealtimeSimulatorImpl::RealtimeNow(), whose origin is the start of
 * Simulator::Run), so a sample is exactly how late that event ran. Under any other simulator
 * (a unit test) the wall clock is std::chrono::steady_clock from the first sample on.
 *
 * A sample only sees the lag at its own instant, so a stall shorter than Period between two
 * samples is seen only if it delays the next sample; 1 ms (the default) catches every stall an
 * application could notice. The samples are kept (8 bytes each: one hour at 1 ms is 29 MB),
 * so the report can give exact percentiles. A sampling event costs a few microseconds.
 *
 * Everything runs in the simulator thread; the monitor never blocks it.
 */
class RealtimeLagMonitor : public Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    RealtimeLagMonitor();
    ~RealtimeLagMonitor() override;

    /// Starts sampling now (simulated time), or at `delay` from now.
    void Start(Time delay = Seconds(0));
    /// Stops sampling; the samples stay for the report.
    void Stop();

    /// \return the number of samples taken
    uint64_t GetSampleCount() const;
    /// \return the largest lag seen (zero without samples)
    Time GetMaxLag() const;
    /// \return the mean lag (zero without samples)
    Time GetMeanLag() const;
    /**
     * \param q a quantile in [0, 1] (0.99 is the p99)
     * \return the smallest sampled lag that at least q of the samples do not exceed (nearest
     *         rank; zero without samples)
     */
    Time GetLagQuantile(double q) const;
    /// \return the simulated time at which the largest lag was seen
    Time GetMaxLagTime() const;
    /// \return how many samples exceeded `bound`
    uint64_t CountAbove(Time bound) const;

    /**
     * Writes a one-line report: "realtime lag: samples N period P max X ms (at T s) p99 Y ms
     * p50 Z ms mean W ms".
     * \param os where to write
     */
    void Report(std::ostream& os) const;

  protected:
    void DoDispose() override;

  private:
    /// Takes one sample and schedules the next.
    void Sample();
    /// \return wall time elapsed since the origin, as the simulator sees it
    Time WallElapsed();

    Time m_period;                  //!< simulated time between samples
    EventId m_event;                //!< the next sample
    bool m_useRealtimeClock = true; //!< RealtimeSimulatorImpl found
    bool m_haveOrigin = false;      //!< steady_clock origin taken (fallback clock)
    std::chrono::steady_clock::time_point m_wallOrigin; //!< fallback clock's origin
    Time m_simOrigin;                                   //!< fallback clock's simulated origin
    std::vector<int64_t> m_samples;                     //!< lags, nanoseconds
    int64_t m_max = 0;                                  //!< largest lag, nanoseconds
    Time m_maxAt;                                       //!< when it was seen
    long double m_sum = 0;                              //!< sum of lags, nanoseconds

    TracedCallback<Time> m_lagTrace; //!< every sample
};

} // namespace ns3

#endif // RESOA_REALTIME_LAG_MONITOR_H
