/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_LHP_BULK_TRANSFER_H
#define RESOA_LHP_BULK_TRANSFER_H

#include "ns3/lhp-protocol.h"
#include "ns3/nstime.h"
#include "ns3/simple-ref-count.h"
#include "ns3/stream-pattern.h"

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Moves a pattern byte stream over one LHP connection's reliable channel and checks
 * that it arrived intact (size and FNV-1a hash). Used by the LHP example, tests and bench.
 *
 * It takes over the receive, connection and send-space callbacks of both protocols.
 */
class LhpBulkTransfer : public SimpleRefCount<LhpBulkTransfer>
{
  public:
    /// What a transfer achieved.
    struct Result
    {
        uint64_t bytesQueued = 0;    //!< handed to the sender's LHP
        uint64_t bytesDelivered = 0; //!< delivered in order at the receiver
        bool intact = false;         //!< delivered bytes hash equal to the sent prefix
        bool complete = false;       //!< every requested byte delivered
        bool linkDied = false;
        Time connectedAt;       //!< handshake done at the sender
        Time completedAt;       //!< last byte delivered (or the time of GetResult)
        double goodputMbps = 0; //!< delivered bits / (completedAt - connectedAt)
    };

    /**
     * \param bytes stream length; 0 = send until the simulation stops
     * \param seed pattern seed (content differs per seed)
     */
    LhpBulkTransfer(Ptr<LhpProtocol> sender,
                    Ptr<LhpProtocol> receiver,
                    Address receiverAddress,
                    uint64_t bytes,
                    uint64_t seed);

    /// Schedules the connect at `at`.
    void Start(Time at);
    /// Stop the simulator once every byte has arrived.
    void SetStopWhenDone(bool stop);
    /// Result so far (goodput up to now for an unbounded stream).
    Result GetResult() const;

  private:
    void Connect();
    void Fill();
    void OnSenderConnection(LhpProtocol::Handle h,
                            LhpProtocol::ConnectionEvent ev,
                            const Address& peer);
    void OnSendSpace(LhpProtocol::Handle h);
    void OnReceive(LhpProtocol::Handle h, resoa::LhpChannel channel, Ptr<Packet> sdu);

    Ptr<LhpProtocol> m_sender;
    Ptr<LhpProtocol> m_receiver;
    Address m_receiverAddress;
    uint64_t m_bytes;
    uint64_t m_seed;
    bool m_stopWhenDone = false;
    LhpProtocol::Handle m_handle = 0;
    bool m_connected = false;
    uint64_t m_queued = 0;
    resoa::StreamHash m_received;
    Result m_result;
};

} // namespace ns3

#endif // RESOA_LHP_BULK_TRANSFER_H
