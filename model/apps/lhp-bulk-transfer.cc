/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "lhp-bulk-transfer.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <vector>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("LhpBulkTransfer");

LhpBulkTransfer::LhpBulkTransfer(Ptr<LhpProtocol> sender,
                                 Ptr<LhpProtocol> receiver,
                                 Address receiverAddress,
                                 uint64_t bytes,
                                 uint64_t seed)
    : m_sender(sender)
    , m_receiver(receiver)
    , m_receiverAddress(receiverAddress)
    , m_bytes(bytes)
    , m_seed(seed)
{
    m_receiver->SetAttribute("AcceptIncoming", BooleanValue(true));
    m_receiver->SetReceiveCallback(MakeCallback(&LhpBulkTransfer::OnReceive, this));
    m_sender->SetConnectionCallback(MakeCallback(&LhpBulkTransfer::OnSenderConnection, this));
    m_sender->SetSendSpaceCallback(MakeCallback(&LhpBulkTransfer::OnSendSpace, this));
}

void
LhpBulkTransfer::Start(Time at)
{
    Simulator::Schedule(at, &LhpBulkTransfer::Connect, this);
}

void
LhpBulkTransfer::SetStopWhenDone(bool stop)
{
    m_stopWhenDone = stop;
}

void
LhpBulkTransfer::Connect()
{
    m_handle = m_sender->Connect(m_receiverAddress);
}

void
LhpBulkTransfer::OnSenderConnection(LhpProtocol::Handle h,
                                    LhpProtocol::ConnectionEvent ev,
                                    const Address& peer)
{
    if (h != m_handle)
    {
        return;
    }
    if (ev == LhpProtocol::CONNECTION_UP)
    {
        m_connected = true;
        m_result.connectedAt = Simulator::Now();
        Fill();
    }
    else if (ev == LhpProtocol::CONNECTION_DEAD)
    {
        NS_LOG_WARN("LHP link died after " << m_received.Bytes() << " bytes");
        m_connected = false;
        m_result.linkDied = true;
    }
}

void
LhpBulkTransfer::OnSendSpace(LhpProtocol::Handle h)
{
    if (h == m_handle && m_connected)
    {
        Fill();
    }
}

void
LhpBulkTransfer::Fill()
{
    const uint32_t chunk = m_sender->GetConfig().maxPayload;
    std::vector<uint8_t> sdu;
    while ((m_bytes == 0 || m_queued < m_bytes) &&
           m_sender->GetSendSpace(m_handle, resoa::LhpChannel::Reliable) > 0)
    {
        uint64_t n = m_bytes == 0 ? chunk : std::min<uint64_t>(chunk, m_bytes - m_queued);
        sdu.resize(n);
        for (uint64_t i = 0; i < n; ++i)
        {
            sdu[i] = resoa::PatternByte(m_seed, m_queued + i);
        }
        if (!m_sender->Send(m_handle, resoa::LhpChannel::Reliable, sdu))
        {
            break;
        }
        m_queued += n;
    }
}

void
LhpBulkTransfer::OnReceive(LhpProtocol::Handle h, resoa::LhpChannel channel, Ptr<Packet> sdu)
{
    if (channel != resoa::LhpChannel::Reliable)
    {
        return;
    }
    std::vector<uint8_t> bytes(sdu->GetSize());
    sdu->CopyData(bytes.data(), bytes.size());
    m_received.Update(bytes.data(), bytes.size());
    if (m_bytes != 0 && m_received.Bytes() >= m_bytes && !m_result.complete)
    {
        m_result.complete = true;
        m_result.completedAt = Simulator::Now();
        if (m_stopWhenDone)
        {
            Simulator::Stop();
        }
    }
}

LhpBulkTransfer::Result
LhpBulkTransfer::GetResult() const
{
    Result r = m_result;
    r.bytesQueued = m_queued;
    r.bytesDelivered = m_received.Bytes();
    r.intact = m_received.Value() == resoa::PatternHash(m_seed, r.bytesDelivered) &&
               r.bytesDelivered <= m_queued;
    if (!r.complete)
    {
        r.completedAt = Simulator::Now();
    }
    Time elapsed = r.completedAt - r.connectedAt;
    r.goodputMbps =
        elapsed.IsStrictlyPositive() ? r.bytesDelivered * 8.0 / elapsed.GetSeconds() / 1e6 : 0.0;
    return r;
}

} // namespace ns3
