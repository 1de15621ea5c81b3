/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "data-frame-error-model.h"

#include "gilbert-elliott-error-model.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/packet.h"
#include "ns3/pointer.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("DataFrameErrorModel");

NS_OBJECT_ENSURE_REGISTERED(DataFrameErrorModel);

TypeId
DataFrameErrorModel::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::DataFrameErrorModel")
            .SetParent<ErrorModel>()
            .SetGroupName("Resoa")
            .AddConstructor<DataFrameErrorModel>()
            .AddAttribute("Inner",
                          "The error model applied to unprotected frames (null: no loss). Set "
                          "through an ObjectFactory, one instance is shared by every model the "
                          "factory creates.",
                          PointerValue(),
                          MakePointerAccessor(&DataFrameErrorModel::m_inner),
                          MakePointerChecker<ErrorModel>())
            .AddAttribute("ProtectManagement",
                          "Never corrupt management frames (beacons, association, ...).",
                          BooleanValue(true),
                          MakeBooleanAccessor(&DataFrameErrorModel::m_protectManagement),
                          MakeBooleanChecker())
            .AddAttribute("ProtectControl",
                          "Never corrupt control frames (ACK, RTS, CTS, block ack).",
                          BooleanValue(true),
                          MakeBooleanAccessor(&DataFrameErrorModel::m_protectControl),
                          MakeBooleanChecker());
    return tid;
}

DataFrameErrorModel::DataFrameErrorModel()
    : m_protectManagement(true)
    , m_protectControl(true)
{
    NS_LOG_FUNCTION(this);
}

DataFrameErrorModel::~DataFrameErrorModel()
{
    NS_LOG_FUNCTION(this);
}

void
DataFrameErrorModel::DoDispose()
{
    m_inner = nullptr;
    ErrorModel::DoDispose();
}

void
DataFrameErrorModel::SetInner(Ptr<ErrorModel> inner)
{
    m_inner = inner;
}

Ptr<ErrorModel>
DataFrameErrorModel::GetInner() const
{
    return m_inner;
}

uint64_t
DataFrameErrorModel::GetFramesSeen(FrameClass c) const
{
    return m_seen.at(c);
}

uint64_t
DataFrameErrorModel::GetFramesCorrupted(FrameClass c) const
{
    return m_corrupted.at(c);
}

int64_t
DataFrameErrorModel::AssignStreams(int64_t stream)
{
    if (Ptr<RateErrorModel> rate = DynamicCast<RateErrorModel>(m_inner))
    {
        return rate->AssignStreams(stream);
    }
    if (Ptr<BurstErrorModel> burst = DynamicCast<BurstErrorModel>(m_inner))
    {
        return burst->AssignStreams(stream);
    }
    if (Ptr<GilbertElliottErrorModel> ge = DynamicCast<GilbertElliottErrorModel>(m_inner))
    {
        return ge->AssignStreams(stream);
    }
    if (Ptr<DataFrameErrorModel> df = DynamicCast<DataFrameErrorModel>(m_inner))
    {
        return df->AssignStreams(stream);
    }
    return 0;
}

DataFrameErrorModel::FrameClass
DataFrameErrorModel::Classify(Ptr<const Packet> p)
{
    // Frame Control, little endian: protocol version in bits 0-1, type in bits 2-3.
    uint8_t fc[2];
    if (!p || p->GetSize() < sizeof(fc) || p->CopyData(fc, sizeof(fc)) != sizeof(fc))
    {
        return OTHER;
    }
    if ((fc[0] & 0x03) != 0)
    {
        return OTHER;
    }
    switch ((fc[0] >> 2) & 0x03)
    {
        case 0:
            return MANAGEMENT;
        case 1:
            return CONTROL;
        case 2:
            return DATA;
        default:
            return OTHER;
    }
}

bool
DataFrameErrorModel::DoCorrupt(Ptr<Packet> p)
{
    FrameClass c = Classify(p);
    ++m_seen[c];
    bool exposed = c == DATA || (c == MANAGEMENT && !m_protectManagement) ||
                   (c == CONTROL && !m_protectControl);
    if (!exposed || !m_inner || !m_inner->IsCorrupt(p))
    {
        return false;
    }
    ++m_corrupted[c];
    NS_LOG_DEBUG("corrupted a frame of class " << c);
    return true;
}

void
DataFrameErrorModel::DoReset()
{
    m_seen.fill(0);
    m_corrupted.fill(0);
    if (m_inner)
    {
        m_inner->Reset();
    }
}

} // namespace ns3
