/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_GILBERT_ELLIOTT_ERROR_MODEL_H
#define RESOA_GILBERT_ELLIOTT_ERROR_MODEL_H

#include "ns3/error-model.h"
#include "ns3/nstime.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

namespace ns3
{

class GilbertElliottTimeline;

/**
 * \ingroup resoa
 * \brief Two-state (Good/Bad) burst loss model whose state evolves with simulation time.
 *
 * The sojourn time in each state is exponential with a mean given in time (MeanGoodDuration,
 * MeanBadDuration), so "all frames lost for a mean 50 ms every mean 1 s" is
 * MeanGoodDuration = 1 s, MeanBadDuration = 50 ms, GoodLossProbability = 0,
 * BadLossProbability = 1. A packet is judged by the state at the instant IsCorrupt() is called
 * (as a WifiPhy post-reception model: the end of the MPDU); in a state whose loss probability
 * is strictly between 0 and 1 a per-packet draw decides.
 *
 * The state sequence (the "fade timeline") starts in Good at time 0 and is computed lazily,
 * when the model is consulted, from its own random stream. It therefore depends only on the
 * seed, run and stream, never on the traffic: TCP, UDP and ReSoA runs with the same seed see
 * the same fades. Per-packet draws use a second stream.
 *
 * One instance per receiving PHY (what LossyWifiHelper creates) gives each direction its own,
 * independent fades: a fade at the AP's PHY loses uplink frames and the ACKs of downlink
 * frames, while the STA's PHY may be in Good at that time. To let a fade hit both directions,
 * either attach one instance to several PHYs, or call ShareTimelineWith(owner) on the others:
 * they then follow the owner's timeline (its means and its sojourn stream), while each keeps
 * its own loss probabilities and per-packet stream. Sharing is explicit, per pair of objects:
 * there is no process-wide state, so two simulations in one process never share fades.
 * Changing the means of the owner later takes effect from the next state change.
 */
class GilbertElliottErrorModel : public ErrorModel
{
  public:
    /// The channel state.
    enum State
    {
        GOOD = 0, //!< loss probability GoodLossProbability
        BAD = 1   //!< loss probability BadLossProbability
    };

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    GilbertElliottErrorModel();
    ~GilbertElliottErrorModel() override;

    /**
     * Assigns fixed random streams: `stream` to the fade timeline (sojourn times), `stream + 1`
     * to the per-packet draws. For a shared timeline only the owner's first stream matters.
     * \param stream first stream index
     * \return the number of streams used (2)
     */
    int64_t AssignStreams(int64_t stream);

    /// \return the state now (advances the timeline to the current simulation time)
    State GetState();
    /// \return total time spent in Bad from the timeline's start to now
    Time GetBadTime();
    /// \return number of Bad periods entered from the timeline's start to now
    uint64_t GetBadPeriods();
    /**
     * Follow `owner`'s fade timeline from now on instead of this instance's own (a fade then
     * hits every PHY carrying either model at once).
     * \param owner a constructed model; its means and sojourn stream drive the timeline
     */
    void ShareTimelineWith(Ptr<GilbertElliottErrorModel> owner);
    /// \return whether another instance follows the same timeline
    bool IsShared() const;

    /**
     * TracedCallback signature for state changes.
     * \param at the instant the state changed (may be earlier than Now(): the timeline is
     *        advanced lazily, when the model is next consulted)
     * \param state the new state
     */
    typedef void (*StateChangeCallback)(Time at, State state);

  protected:
    void DoDispose() override;
    void NotifyConstructionCompleted() override;

  private:
    friend class GilbertElliottTimeline;

    bool DoCorrupt(Ptr<Packet> p) override;
    /// Restarts the timeline in Good at the current time (all sharers are affected).
    void DoReset() override;
    /// Called by the timeline for each state change it computes.
    void NotifyStateChange(Time at, State state);

    Time m_meanGood;                          //!< mean sojourn in Good
    Time m_meanBad;                           //!< mean sojourn in Bad
    double m_goodLoss;                        //!< loss probability in Good
    double m_badLoss;                         //!< loss probability in Bad
    bool m_ownsTimeline;                      //!< its means follow this instance's attributes
    Ptr<UniformRandomVariable> m_sojournRng;  //!< sojourn draws (when this instance owns them)
    Ptr<UniformRandomVariable> m_lossRng;     //!< per-packet draws in partial-loss states
    Ptr<GilbertElliottTimeline> m_timeline;   //!< own or shared state sequence
    TracedCallback<Time, State> m_stateTrace; //!< state changes
};

} // namespace ns3

#endif // RESOA_GILBERT_ELLIOTT_ERROR_MODEL_H
