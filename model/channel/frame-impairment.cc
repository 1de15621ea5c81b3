/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "frame-impairment.h"

#include "ns3/double.h"
#include "ns3/log.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("FrameImpairment");
NS_OBJECT_ENSURE_REGISTERED(FrameImpairment);

TypeId
FrameImpairment::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::FrameImpairment")
            .SetParent<Object>()
            .SetGroupName("Resoa")
            .AddConstructor<FrameImpairment>()
            .AddAttribute("DuplicateProbability",
                          "Probability that a received frame is handed up twice.",
                          DoubleValue(0),
                          MakeDoubleAccessor(&FrameImpairment::m_duplicate),
                          MakeDoubleChecker<double>(0, 1))
            .AddAttribute("ReorderProbability",
                          "Probability that a received frame is held back by ReorderDelay, so "
                          "that later frames overtake it.",
                          DoubleValue(0),
                          MakeDoubleAccessor(&FrameImpairment::m_reorder),
                          MakeDoubleChecker<double>(0, 1))
            .AddAttribute("DuplicateDelay",
                          "When the second copy of a duplicated frame arrives.",
                          TimeValue(MilliSeconds(1)),
                          MakeTimeAccessor(&FrameImpairment::m_duplicateDelay),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("ReorderDelay",
                          "How long a reordered frame is held back.",
                          TimeValue(MilliSeconds(5)),
                          MakeTimeAccessor(&FrameImpairment::m_reorderDelay),
                          MakeTimeChecker(Time(0)));
    return tid;
}

FrameImpairment::FrameImpairment()
    : m_rng(CreateObject<UniformRandomVariable>())
{
}

std::vector<Time>
FrameImpairment::Deliveries()
{
    // Two independent draws per frame, so both impairments keep their own rate.
    const bool duplicate = m_rng->GetValue() < m_duplicate;
    const bool reorder = m_rng->GetValue() < m_reorder;
    std::vector<Time> out{reorder ? m_reorderDelay : Time(0)};
    if (reorder)
    {
        ++m_reordered;
    }
    if (duplicate)
    {
        out.push_back(out.front() + m_duplicateDelay);
        ++m_duplicated;
    }
    return out;
}

uint64_t
FrameImpairment::GetDuplicated() const
{
    return m_duplicated;
}

uint64_t
FrameImpairment::GetReordered() const
{
    return m_reordered;
}

int64_t
FrameImpairment::AssignStreams(int64_t stream)
{
    m_rng->SetStream(stream);
    return 1;
}

} // namespace ns3
