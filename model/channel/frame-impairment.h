/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef RESOA_FRAME_IMPAIRMENT_H
#define RESOA_FRAME_IMPAIRMENT_H

#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/random-variable-stream.h"

#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Duplication and reordering of received frames, for robustness studies.
 *
 * 802.11's MAC filters its own duplicates and delivers in order, so an LHP receiver in ns-3
 * never sees either; a bridged Ethernet, a driver bug or a relay can show both. Installed on
 * a receiver (LhpProtocol::SetReceiveImpairment), it decides for each received frame when it
 * is handed up: at once; once at once and again DuplicateDelay later (duplicated); or only
 * ReorderDelay later, so frames received after it overtake it (reordered). Frame loss is the
 * error models' job (DataFrameErrorModel, GilbertElliottErrorModel).
 */
class FrameImpairment : public Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    FrameImpairment();

    /// The delays after which one received frame is handed up (one entry per copy).
    std::vector<Time> Deliveries();
    /// Frames duplicated so far.
    uint64_t GetDuplicated() const;
    /// Frames held back so far.
    uint64_t GetReordered() const;
    /**
     * Fixes the random stream.
     * \param stream the first stream index
     * \return the number of streams used (1)
     */
    int64_t AssignStreams(int64_t stream);

  private:
    double m_duplicate;
    double m_reorder;
    Time m_duplicateDelay;
    Time m_reorderDelay;
    Ptr<UniformRandomVariable> m_rng;
    uint64_t m_duplicated = 0;
    uint64_t m_reordered = 0;
};

} // namespace ns3

#endif // RESOA_FRAME_IMPAIRMENT_H
