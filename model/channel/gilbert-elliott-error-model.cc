/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "gilbert-elliott-error-model.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/log.h"
#include "ns3/simple-ref-count.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("GilbertElliottErrorModel");

NS_OBJECT_ENSURE_REGISTERED(GilbertElliottErrorModel);

/**
 * \ingroup resoa
 * \brief The Good/Bad state sequence of one or more GilbertElliottErrorModel instances.
 *
 * Advanced lazily to the time asked for; each state change is reported to every attached
 * model, which fires its StateChange trace.
 */
class GilbertElliottTimeline : public SimpleRefCount<GilbertElliottTimeline>
{
  public:
    using State = GilbertElliottErrorModel::State;

    /**
     * \param meanGood mean sojourn in Good (zero: Good is never entered, unless both are zero)
     * \param meanBad mean sojourn in Bad (zero: Bad is never entered)
     * \param rng the sojourn stream
     */
    GilbertElliottTimeline(Time meanGood, Time meanBad, Ptr<UniformRandomVariable> rng)
        : m_meanGood(meanGood)
        , m_meanBad(meanBad)
        , m_rng(rng)
    {
    }

    /// Changes the means; the sojourn already drawn is kept.
    void SetMeans(Time meanGood, Time meanBad)
    {
        m_meanGood = meanGood;
        m_meanBad = meanBad;
    }

    Time GetMeanGood() const
    {
        return m_meanGood;
    }

    Time GetMeanBad() const
    {
        return m_meanBad;
    }

    void Attach(GilbertElliottErrorModel* model)
    {
        m_listeners.push_back(model);
    }

    /// Models following this timeline.
    std::size_t ListenerCount() const
    {
        return m_listeners.size();
    }

    void Detach(GilbertElliottErrorModel* model)
    {
        m_listeners.erase(std::remove(m_listeners.begin(), m_listeners.end(), model),
                          m_listeners.end());
    }

    /// Starts a fresh sequence at `now`.
    void Restart(Time now)
    {
        m_started = true;
        m_badTime = Time(0);
        m_badPeriods = 0;
        m_since = now;
        // A zero mean means "never in that state".
        bool startBad = m_meanGood.IsZero() && !m_meanBad.IsZero();
        m_state = startBad ? State::BAD : State::GOOD;
        if (startBad)
        {
            ++m_badPeriods;
        }
        m_next = NextTransition(now);
    }

    /// \return the state at `now`, after applying every change up to it
    State Advance(Time now)
    {
        if (!m_started)
        {
            Restart(Time(0));
        }
        while (m_next <= now)
        {
            if (m_state == State::BAD)
            {
                m_badTime += m_next - m_since;
                m_state = State::GOOD;
            }
            else
            {
                m_state = State::BAD;
                ++m_badPeriods;
            }
            m_since = m_next;
            m_next = NextTransition(m_since);
            // Copy: a trace sink might attach or detach a model.
            std::vector<GilbertElliottErrorModel*> listeners = m_listeners;
            for (GilbertElliottErrorModel* model : listeners)
            {
                model->NotifyStateChange(m_since, m_state);
            }
        }
        return m_state;
    }

    Time GetBadTime(Time now)
    {
        State s = Advance(now);
        return m_badTime + (s == State::BAD ? now - m_since : Time(0));
    }

    uint64_t GetBadPeriods(Time now)
    {
        Advance(now);
        return m_badPeriods;
    }

  private:
    /// \return when the state entered at `from` ends
    Time NextTransition(Time from)
    {
        Time mean = m_state == State::GOOD ? m_meanGood : m_meanBad;
        Time otherMean = m_state == State::GOOD ? m_meanBad : m_meanGood;
        if (otherMean.IsZero() || mean.IsZero())
        {
            return Time::Max(); // the other state is never entered, or both means are zero
        }
        // Exponential sojourn by inversion; at least one time step so time always advances.
        double x = -std::log(1.0 - m_rng->GetValue());
        Time sojourn = Seconds(mean.GetSeconds() * x);
        return from + std::max(sojourn, TimeStep(1));
    }

    Time m_meanGood;
    Time m_meanBad;
    Ptr<UniformRandomVariable> m_rng;
    bool m_started{false};
    State m_state{State::GOOD};
    Time m_since;   //!< start of the current state
    Time m_next;    //!< end of the current state
    Time m_badTime; //!< Bad time in completed Bad periods
    uint64_t m_badPeriods{0};
    std::vector<GilbertElliottErrorModel*> m_listeners;
};

TypeId
GilbertElliottErrorModel::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::GilbertElliottErrorModel")
            .SetParent<ErrorModel>()
            .SetGroupName("Resoa")
            .AddConstructor<GilbertElliottErrorModel>()
            .AddAttribute("MeanGoodDuration",
                          "Mean (exponential) sojourn time in the Good state.",
                          TimeValue(Seconds(1)),
                          MakeTimeAccessor(&GilbertElliottErrorModel::m_meanGood),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("MeanBadDuration",
                          "Mean (exponential) sojourn time in the Bad state; 0 disables Bad.",
                          TimeValue(MilliSeconds(50)),
                          MakeTimeAccessor(&GilbertElliottErrorModel::m_meanBad),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("GoodLossProbability",
                          "Probability that a packet is corrupted in the Good state.",
                          DoubleValue(0.0),
                          MakeDoubleAccessor(&GilbertElliottErrorModel::m_goodLoss),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddAttribute("BadLossProbability",
                          "Probability that a packet is corrupted in the Bad state.",
                          DoubleValue(1.0),
                          MakeDoubleAccessor(&GilbertElliottErrorModel::m_badLoss),
                          MakeDoubleChecker<double>(0.0, 1.0))
            .AddTraceSource("StateChange",
                            "The channel state changed (reported lazily, with the instant of "
                            "the change).",
                            MakeTraceSourceAccessor(&GilbertElliottErrorModel::m_stateTrace),
                            "ns3::GilbertElliottErrorModel::StateChangeCallback");
    return tid;
}

GilbertElliottErrorModel::GilbertElliottErrorModel()
    : m_ownsTimeline(false)
    , m_sojournRng(CreateObject<UniformRandomVariable>())
    , m_lossRng(CreateObject<UniformRandomVariable>())
{
    NS_LOG_FUNCTION(this);
}

GilbertElliottErrorModel::~GilbertElliottErrorModel()
{
    NS_LOG_FUNCTION(this);
    if (m_timeline)
    {
        m_timeline->Detach(this);
    }
}

void
GilbertElliottErrorModel::NotifyConstructionCompleted()
{
    NS_LOG_FUNCTION(this);
    ErrorModel::NotifyConstructionCompleted();
    m_timeline = Create<GilbertElliottTimeline>(m_meanGood, m_meanBad, m_sojournRng);
    m_ownsTimeline = true;
    m_timeline->Attach(this);
}

void
GilbertElliottErrorModel::ShareTimelineWith(Ptr<GilbertElliottErrorModel> owner)
{
    NS_LOG_FUNCTION(this << owner);
    NS_ABORT_MSG_UNLESS(owner && owner->m_timeline && m_timeline,
                        "GilbertElliottErrorModel::ShareTimelineWith: model not constructed");
    if (owner->m_timeline == m_timeline)
    {
        return;
    }
    m_timeline->Detach(this);
    m_timeline = owner->m_timeline;
    m_ownsTimeline = false;
    m_timeline->Attach(this);
}

void
GilbertElliottErrorModel::DoDispose()
{
    NS_LOG_FUNCTION(this);
    if (m_timeline)
    {
        m_timeline->Detach(this);
        m_timeline = nullptr;
    }
    ErrorModel::DoDispose();
}

int64_t
GilbertElliottErrorModel::AssignStreams(int64_t stream)
{
    NS_LOG_FUNCTION(this << stream);
    m_sojournRng->SetStream(stream);
    m_lossRng->SetStream(stream + 1);
    return 2;
}

GilbertElliottErrorModel::State
GilbertElliottErrorModel::GetState()
{
    NS_ASSERT_MSG(m_timeline, "GilbertElliottErrorModel used after Dispose");
    if (m_ownsTimeline)
    {
        m_timeline->SetMeans(m_meanGood, m_meanBad); // attributes may have been changed
    }
    return m_timeline->Advance(Simulator::Now());
}

Time
GilbertElliottErrorModel::GetBadTime()
{
    NS_ASSERT_MSG(m_timeline, "GilbertElliottErrorModel used after Dispose");
    return m_timeline->GetBadTime(Simulator::Now());
}

uint64_t
GilbertElliottErrorModel::GetBadPeriods()
{
    NS_ASSERT_MSG(m_timeline, "GilbertElliottErrorModel used after Dispose");
    return m_timeline->GetBadPeriods(Simulator::Now());
}

bool
GilbertElliottErrorModel::IsShared() const
{
    return m_timeline && m_timeline->ListenerCount() > 1;
}

bool
GilbertElliottErrorModel::DoCorrupt(Ptr<Packet> p)
{
    NS_LOG_FUNCTION(this << p);
    if (!m_timeline)
    {
        return false; // disposed
    }
    double loss = GetState() == GOOD ? m_goodLoss : m_badLoss;
    // Certain outcomes take no draw, so the per-packet stream is only used when it matters.
    if (loss <= 0.0)
    {
        return false;
    }
    if (loss >= 1.0)
    {
        return true;
    }
    return m_lossRng->GetValue() < loss;
}

void
GilbertElliottErrorModel::DoReset()
{
    NS_LOG_FUNCTION(this);
    if (m_timeline)
    {
        m_timeline->Restart(Simulator::Now());
    }
}

void
GilbertElliottErrorModel::NotifyStateChange(Time at, State state)
{
    NS_LOG_DEBUG(this << " state " << (state == GOOD ? "Good" : "Bad") << " at " << at.As(Time::S));
    m_stateTrace(at, state);
}

} // namespace ns3
