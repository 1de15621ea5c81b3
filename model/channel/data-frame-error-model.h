/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_DATA_FRAME_ERROR_MODEL_H
#define RESOA_DATA_FRAME_ERROR_MODEL_H

#include "ns3/error-model.h"

#include <array>
#include <cstdint>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief WifiPhy post-reception error model that applies an inner ErrorModel to 802.11 data
 * frames only, so beacons, (re)association frames and ACKs survive and a loss study does not
 * turn into a de-association outage study.
 *
 * ns-3 3.37 calls the post-reception model once per MPDU (PhyEntity::GetReceptionStatus, also
 * for each MPDU of an A-MPDU) with a copy of that MPDU as a packet: MAC header first, then the
 * MSDU, then the FCS trailer. The frame type is read from the Frame Control field (the first
 * two bytes); a packet too short for it, with a non-zero protocol version or of the extension
 * type counts as OTHER and is never corrupted.
 *
 * Whatever the inner model draws for the frames it is consulted on, it is not consulted at all
 * for protected frames: an i.i.d. inner model then sees only data frames, a time-driven one
 * (GilbertElliottErrorModel) is unaffected by what it is not asked about.
 */
class DataFrameErrorModel : public ErrorModel
{
  public:
    /// The 802.11 frame classes counted.
    enum FrameClass
    {
        MANAGEMENT = 0, //!< type 0: beacons, probe, (re)association, authentication, action
        CONTROL = 1,    //!< type 1: ACK, RTS, CTS, block ack
        DATA = 2,       //!< type 2: data, QoS data, null data
        OTHER = 3       //!< anything else (unparsable or extension type)
    };

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    DataFrameErrorModel();
    ~DataFrameErrorModel() override;

    /// \param inner the model applied to the unprotected frames (null: no loss)
    void SetInner(Ptr<ErrorModel> inner);
    /// \return the model applied to the unprotected frames
    Ptr<ErrorModel> GetInner() const;

    /**
     * \param c a frame class
     * \return how many frames of that class this model was asked about
     */
    uint64_t GetFramesSeen(FrameClass c) const;
    /**
     * \param c a frame class
     * \return how many frames of that class this model corrupted
     */
    uint64_t GetFramesCorrupted(FrameClass c) const;

    /**
     * Assigns fixed random streams to the inner model if it is a RateErrorModel,
     * BurstErrorModel, GilbertElliottErrorModel or DataFrameErrorModel.
     * \param stream first stream index
     * \return the number of streams used
     */
    int64_t AssignStreams(int64_t stream);

    /**
     * \param p an MPDU as handed to a WifiPhy post-reception error model
     * \return its class, from the Frame Control field
     */
    static FrameClass Classify(Ptr<const Packet> p);

  protected:
    void DoDispose() override;

  private:
    bool DoCorrupt(Ptr<Packet> p) override;
    /// Resets the counters and the inner model.
    void DoReset() override;

    Ptr<ErrorModel> m_inner;               //!< applied to unprotected frames
    bool m_protectManagement;              //!< management frames are never corrupted
    bool m_protectControl;                 //!< control frames are never corrupted
    std::array<uint64_t, 4> m_seen{};      //!< frames seen per class
    std::array<uint64_t, 4> m_corrupted{}; //!< frames corrupted per class
};

} // namespace ns3

#endif // RESOA_DATA_FRAME_ERROR_MODEL_H
