/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "tcp-full-window-guard.h"

#include "ns3/boolean.h"
#include "ns3/global-value.h"
#include "ns3/log.h"
#include "ns3/socket.h"
#include "ns3/tcp-socket-base.h"
#include "ns3/tcp-tx-buffer.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("TcpFullWindowGuard");

namespace
{

GlobalValue g_guardEnabled("ResoaTcpFullWindowGuard",
                           "Protect ns-3 TCP senders from the 3.37 segfault when their sent "
                           "bytes exactly fill the peer's window (TcpFullWindowGuard)",
                           BooleanValue(true),
                           MakeBooleanChecker());

uint64_t g_fullWindowHits = 0;

/**
 * Reads the peer's window of a TcpSocketBase. TcpSocketBase::GetRWnd is protected (it is what
 * TcpSocketBase itself hands to its TcpTxBuffer); a pointer to it may be formed in a class
 * derived from TcpSocketBase and applied to any TcpSocketBase. The class is never
 * instantiated.
 */
class RWndReader : public TcpSocketBase
{
  public:
    static uint32_t Read(const TcpSocketBase* socket)
    {
        return (socket->*(&RWndReader::GetRWnd))();
    }
};

/// The receiver-window callback of a protected socket's TcpTxBuffer.
uint32_t
GuardedRWnd(TcpSocketBase* socket)
{
    uint32_t rWnd = RWndReader::Read(socket);
    const TcpTxBuffer* tx = PeekPointer(socket->GetTxBuffer());
    // TcpTxBuffer::BytesInFlight = sent - (sacked + lost) + retransmitted, so the sent list
    // (TcpTxBuffer's m_sentSize) is:
    uint32_t sent =
        tx->BytesInFlight() + tx->GetSacked() + tx->GetLost() - tx->GetRetransmitsCount();
    if (rWnd > 0 && sent == rWnd)
    {
        ++g_fullWindowHits;
        NS_LOG_LOGIC("sent list " << sent << " fills the peer's window: report it full");
        return rWnd - 1;
    }
    return rWnd;
}

} // namespace

bool
TcpFullWindowGuard::IsEnabled()
{
    BooleanValue v;
    g_guardEnabled.GetValue(v);
    return v.Get();
}

bool
TcpFullWindowGuard::Protect(Ptr<Socket> socket)
{
    Ptr<TcpSocketBase> tcp = DynamicCast<TcpSocketBase>(socket);
    if (!tcp || !IsEnabled())
    {
        return false;
    }
    tcp->GetTxBuffer()->SetRWndCallback(MakeBoundCallback(&GuardedRWnd, PeekPointer(tcp)));
    return true;
}

uint64_t
TcpFullWindowGuard::GetFullWindowHits()
{
    return g_fullWindowHits;
}

} // namespace ns3
