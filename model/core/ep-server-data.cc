/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
// EpServer: bytes between clients and the stack (credit, Eof ordering) and stack events.
#include "ep-server.h"

#include <algorithm>
#include <limits>

namespace resoa
{

namespace
{

/// Largest slice of pending client data offered to the stack in one Send call.
constexpr std::size_t kStackSendSlice = 65536;

} // namespace

// --- data movement ---

bool
EpServer::FlushPending(EpServerSocket& sock)
{
    bool flowing =
        sock.state == EpServerSocketState::Connected || sock.state == EpServerSocketState::Closing;
    if (!flowing)
    {
        return true;
    }
    while (!sock.pending.empty())
    {
        std::size_t k = std::min(sock.pending.size(), kStackSendSlice);
        std::vector<std::uint8_t> slice(sock.pending.begin(),
                                        sock.pending.begin() + static_cast<std::ptrdiff_t>(k));
        EpIoResult r = m_stack.Send(sock.handle, slice.data(), k);
        if (r.error == ep_errno::kEagain)
        {
            break; // TCP's send buffer is full: retry on OnWritable
        }
        if (r.error != ep_errno::kOk)
        {
            StackFailure(sock, r.error); // EPIPE, ECONNRESET: the connection is gone
            return false;
        }
        std::size_t n = std::min(r.bytes, k);
        sock.pending.erase(sock.pending.begin(),
                           sock.pending.begin() + static_cast<std::ptrdiff_t>(n));
        sock.bytesToStack += n;
        sock.creditOwed += n;
        if (n < k)
        {
            break; // TCP's send buffer is full: retry on OnWritable
        }
    }
    // Batched like the client's: at the threshold, or at the end of the client's burst when
    // its remaining credit runs low. (Crediting every short Data would cost one frame on the
    // air per frame of data for an application writing in small pieces.)
    // A client whose send buffer is full says so (kEpFlagCreditWanted): credit at once.
    const bool burstEnded =
        sock.pending.empty() &&
        (sock.creditWanted || (sock.lastDataShort && sock.clientAllowance < m_creditThreshold));
    if (sock.state != EpServerSocketState::Closing && sock.creditOwed > 0 &&
        (sock.creditOwed >= m_creditThreshold || burstEnded))
    {
        sock.clientAllowance += sock.creditOwed;
        SendCredit(sock, sock.creditOwed);
        sock.creditOwed = 0;
        sock.creditWanted = false;
    }
    if (!sock.pending.empty())
    {
        return true;
    }
    if (sock.shutWrRequested && !sock.shutWrDone)
    {
        sock.shutWrDone = true;
        m_stack.ShutdownWrite(sock.handle);
    }
    if (sock.state == EpServerSocketState::Closing)
    {
        Session* s = FindSession(sock.sessionId);
        if (s != nullptr)
        {
            Release(*s, sock.rsockId, false);
        }
        return false;
    }
    return true;
}

bool
EpServer::PumpRead(EpServerSocket& sock)
{
    auto sit = m_sessions.find(sock.sessionId);
    const bool backedUp = sit != m_sessions.end() && sit->second.backedUp;
    const bool readable = sock.type == EpSockType::Stream &&
                          sock.state == EpServerSocketState::Connected && !backedUp &&
                          !sock.readDone && !sock.eofSent;
    if (readable && sock.shutRd)
    {
        // The client will never read: drain and drop, so the peer is not stalled.
        for (;;)
        {
            EpReadResult r = m_stack.Read(sock.handle, kStackSendSlice);
            if (r.error != ep_errno::kOk && r.error != ep_errno::kEagain)
            {
                StackFailure(sock, r.error);
                return false;
            }
            sock.bytesFromStack += r.data.size();
            if (r.eof)
            {
                sock.stackEof = true;
                sock.readDone = true;
            }
            if (r.eof || r.data.empty())
            {
                break;
            }
        }
    }
    else if (readable)
    {
        bool drained = false;
        while (sock.pushAllowance > 0)
        {
            // Never more than the client's credit: the rest stays in TCP's receive buffer.
            std::size_t want =
                static_cast<std::size_t>(std::min<std::uint64_t>(sock.pushAllowance, m_chunk));
            EpReadResult r = m_stack.Read(sock.handle, want);
            if (r.error != ep_errno::kOk && r.error != ep_errno::kEagain)
            {
                StackFailure(sock, r.error); // e.g. ECONNRESET: after the data already pushed
                return false;
            }
            if (r.data.size() > want)
            {
                r.data.resize(
                    want); // a stack that ignores maxBytes loses the excess, not the window
            }
            const std::size_t got = r.data.size();
            if (got > 0)
            {
                sock.pushAllowance -= r.data.size();
                sock.bytesFromStack += r.data.size();
                sock.bytesToClient += r.data.size();
                m_stats.bytesToClients += r.data.size();
                EpMessage d;
                d.type = EpType::Data;
                d.rsockId = sock.rsockId;
                d.payload = std::move(r.data);
                Queue(sock.sessionId, d);
            }
            if (r.eof)
            {
                sock.stackEof = true;
                sock.readDone = true;
            }
            if (r.eof || got == 0)
            {
                drained = true;
                break;
            }
        }
        // Eof only once a read found nothing left: it must follow every byte of data.
        if (sock.stackEof && !sock.eofSent && drained)
        {
            sock.eofSent = true;
            EpMessage e;
            e.type = EpType::Eof;
            e.rsockId = sock.rsockId;
            Queue(sock.sessionId, e);
        }
    }
    UpdateReadInterest(sock);
    return true;
}

bool
EpServer::WantsRead(const EpServerSocket& sock) const
{
    auto sit = m_sessions.find(sock.sessionId);
    const bool backedUp = sit != m_sessions.end() && sit->second.backedUp;
    if (sock.state == EpServerSocketState::Closing)
    {
        return false; // the client is gone: nothing read is wanted
    }
    if (sock.type == EpSockType::Dgram)
    {
        return !backedUp;
    }
    if (sock.state == EpServerSocketState::Listening)
    {
        return true; // accepting is bounded by the socket limit, not by the link
    }
    return sock.state == EpServerSocketState::Connected && !backedUp && !sock.readDone &&
           !sock.eofSent && (sock.pushAllowance > 0 || sock.shutRd);
}

void
EpServer::UpdateReadInterest(EpServerSocket& sock)
{
    const bool want = WantsRead(sock);
    if (want != sock.readInterest)
    {
        sock.readInterest = want;
        m_stack.SetReadInterest(sock.handle, want);
    }
}

void
EpServer::HandleCredit(EpServerSocket& sock, std::uint32_t value)
{
    std::uint64_t allowance = sock.pushAllowance + value;
    if (sock.clientRecvWindow == 0)
    {
        // The first Credit is the initial grant: the client's receive window. A later one
        // only returns window the client's application consumed, so the allowance never
        // exceeds the window; one that would is capped (an unbounded credit would let
        // the server read from TCP faster than the client can take it).
        sock.clientRecvWindow = std::min<std::uint64_t>(allowance, m_config.maxClientRecvWindow);
    }
    if (allowance > sock.clientRecvWindow)
    {
        m_stats.creditViolations++;
        allowance = sock.clientRecvWindow;
    }
    sock.pushAllowance = allowance;
    PumpRead(sock);
}

void
EpServer::StackFailure(EpServerSocket& sock, std::int32_t error)
{
    Session* s = FindSession(sock.sessionId);
    if (s == nullptr)
    {
        return;
    }
    m_stats.stackErrors++;
    bool closing = sock.state == EpServerSocketState::Closing;
    if (!closing)
    {
        EpMessage e;
        e.type = EpType::Error;
        e.rsockId = sock.rsockId;
        e.error = error != 0 ? error : ep_errno::kEconnreset;
        Queue(s->id, e);
    }
    if (sock.type == EpSockType::Dgram && !closing)
    {
        return; // e.g. ICMP unreachable: the datagram socket lives on
    }
    Release(*s, sock.rsockId, false);
}

void
EpServer::Release(Session& s, std::uint32_t rsockId, bool abort)
{
    auto it = s.sockets.find(rsockId);
    if (it == s.sockets.end())
    {
        return;
    }
    EpHandle h = it->second.handle;
    if (it->second.closingDeadline)
    {
        m_closingDeadlines.erase({*it->second.closingDeadline, s.id, rsockId});
    }
    // Forget first, so a callback the stack makes from inside Close/Abort finds nothing.
    m_byHandle.erase(h);
    s.bufferReserved -= it->second.bufferReserved;
    s.sockets.erase(it);
    if (abort)
    {
        m_stack.Abort(h);
    }
    else
    {
        m_stack.Close(h);
    }
    m_stats.socketsClosed++;
}

void
EpServer::SendCredit(EpServerSocket& sock, std::uint64_t bytes)
{
    while (bytes > 0)
    {
        std::uint32_t n = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(bytes, std::numeric_limits<std::uint32_t>::max()));
        EpMessage c;
        c.type = EpType::Credit;
        c.rsockId = sock.rsockId;
        c.value = n;
        Queue(sock.sessionId, c);
        m_stats.creditsSent++;
        bytes -= n;
    }
}

// --- stack events ---

void
EpServer::OnConnected(EpHandle h)
{
    EpServerSocket* sock = FindByHandle(h);
    if (sock == nullptr || sock->state != EpServerSocketState::Connecting)
    {
        m_stats.staleStackEvents++;
        return;
    }
    FinishConnect(*sock);
}

void
EpServer::OnConnectFailed(EpHandle h, std::int32_t error)
{
    EpServerSocket* sock = FindByHandle(h);
    if (sock == nullptr || sock->state != EpServerSocketState::Connecting)
    {
        m_stats.staleStackEvents++;
        return;
    }
    sock->state = EpServerSocketState::Open;
    EpMessage r;
    r.type = EpType::Response;
    r.rsockId = sock->rsockId;
    r.requestId = sock->connectRequest;
    r.error = error != 0 ? error : ep_errno::kEconnrefused;
    sock->connectRequest = 0;
    Queue(sock->sessionId, r);
}

void
EpServer::OnIncomingConnection(EpHandle listener, EpHandle newHandle)
{
    EpServerSocket* lsock = FindByHandle(listener);
    Session* s = lsock != nullptr ? FindSession(lsock->sessionId) : nullptr;
    const std::size_t window = m_config.clientWindowBytes;
    const bool overBudget = s != nullptr && !BufferFits(*s, window);
    if (s == nullptr || lsock->state != EpServerSocketState::Listening ||
        s->sockets.size() >= s->socketLimit || m_byHandle.count(newHandle) != 0 || overBudget)
    {
        m_stats.acceptsRejected++;
        m_stats.bufferRefused += overBudget ? 1 : 0;
        if (m_byHandle.count(newHandle) == 0)
        {
            m_stack.Abort(newHandle);
        }
        return;
    }
    std::uint32_t listenerId = lsock->rsockId;
    while (s->sockets.count(s->nextServerId) != 0 || s->nextServerId < kServerRsockBase)
    {
        s->nextServerId =
            s->nextServerId < kServerRsockBase ? kServerRsockBase : s->nextServerId + 1;
    }
    std::uint32_t id = s->nextServerId++;
    EpServerSocket sock;
    sock.sessionId = s->id;
    sock.rsockId = id;
    sock.type = EpSockType::Stream;
    sock.handle = newHandle;
    sock.state = EpServerSocketState::Connected;
    sock.bound = true;
    sock.clientAllowance = m_config.clientWindowBytes;
    EpServerSocket& ns = s->sockets.emplace(id, std::move(sock)).first->second;
    ReserveBuffer(*s, ns, window); // checked above
    m_byHandle[newHandle] = SocketKey{s->id, id};
    m_stats.socketsCreated++;

    EpMessage a;
    a.type = EpType::Accepted;
    a.rsockId = listenerId;
    a.value = id;
    a.local = m_stack.GetSockName(newHandle);
    a.peer = m_stack.GetPeerName(newHandle);
    Queue(s->id, a);
    SendCredit(ns, m_config.clientWindowBytes);
    UpdateReadInterest(ns); // stays off until the client's first Credit
}

void
EpServer::OnReadable(EpHandle h)
{
    EpServerSocket* sock = FindByHandle(h);
    if (sock == nullptr)
    {
        m_stats.staleStackEvents++;
        return;
    }
    PumpRead(*sock);
}

void
EpServer::OnWritable(EpHandle h)
{
    EpServerSocket* sock = FindByHandle(h);
    if (sock == nullptr)
    {
        m_stats.staleStackEvents++;
        return;
    }
    FlushPending(*sock);
}

void
EpServer::OnPeerClosed(EpHandle h)
{
    EpServerSocket* sock = FindByHandle(h);
    if (sock == nullptr)
    {
        m_stats.staleStackEvents++;
        return;
    }
    sock->stackEof = true;
    PumpRead(*sock);
}

void
EpServer::OnError(EpHandle h, std::int32_t error)
{
    EpServerSocket* sock = FindByHandle(h);
    if (sock == nullptr)
    {
        m_stats.staleStackEvents++;
        return;
    }
    if (sock->state == EpServerSocketState::Connecting)
    {
        OnConnectFailed(h, error);
        return;
    }
    StackFailure(*sock, error);
}

void
EpServer::OnDatagram(EpHandle h, const EpAddress& from, const std::uint8_t* data, std::size_t len)
{
    EpServerSocket* sock = FindByHandle(h);
    if (sock == nullptr)
    {
        m_stats.staleStackEvents++;
        return;
    }
    Session* s = FindSession(sock->sessionId);
    if (s == nullptr || sock->type != EpSockType::Dgram ||
        sock->state == EpServerSocketState::Closing || s->backedUp)
    {
        m_stats.datagramsDropped++; // while backed up, as a full UDP receive buffer would
        return;
    }
    EpMessage d;
    d.type = EpType::RecvFrom;
    d.rsockId = sock->rsockId;
    d.peer = from;
    if (data != nullptr)
    {
        d.payload.assign(data, data + len);
    }
    const std::size_t size = EpEncodedSize(d);
    if (size > m_config.maxMessageSize ||
        s->queuedDatagramBytes + size > m_config.maxQueuedDatagramBytes)
    {
        m_stats.datagramsDropped++; // cannot fit one LHP SDU, or the session's queue is full
        return;
    }
    s->queuedDatagramBytes += size;
    m_stats.datagramsToClients++;
    Queue(sock->sessionId, d, LhpChannel::SemiReliable);
}

} // namespace resoa
