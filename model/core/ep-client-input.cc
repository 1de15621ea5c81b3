/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
// EpClient: what arrives from the server (EP messages) and from the link (up/down).
#include "ep-client.h"

#include <algorithm>

namespace resoa
{

// --- link events and messages from the server ---

void
EpClient::OnMessage(const std::vector<std::uint8_t>& bytes)
{
    OnMessage(bytes.data(), bytes.size());
}

void
EpClient::OnMessage(const std::uint8_t* data, std::size_t len)
{
    m_stats.messagesReceived++;
    EpMessage m;
    if (data == nullptr || DecodeEpMessage(data, len, m) != DecodeError::Ok)
    {
        m_stats.decodeErrors++;
        return;
    }
    switch (m.type)
    {
        case EpType::Registered:
            HandleRegistered(m);
            break;
        case EpType::Response:
            HandleResponse(m);
            break;
        case EpType::Accepted:
            HandleAccepted(m);
            break;
        case EpType::Data:
            HandleData(m);
            break;
        case EpType::Credit:
            HandleCredit(m);
            break;
        case EpType::RecvFrom:
            HandleRecvFrom(m);
            break;
        case EpType::Error:
            HandleError(m);
            break;
        case EpType::Eof:
            HandleEof(m);
            break;
        case EpType::Resolved:
            HandleResolved(m);
            break;
        default:
            m_stats.unexpectedMessages++; // a client-to-server type: never acted upon
            break;
    }
}

void
EpClient::OnLinkDown()
{
    m_linkUp = false;
    m_registered = false;
    m_out.clear();
    m_datagramQueued = 0;
    m_datagramBlocked.clear();
    if (m_registerRequest != 0)
    {
        EpClientEvent e;
        e.kind = EpClientEvent::Kind::Registered;
        e.error = ep_errno::kEnetdown;
        e.requestId = m_registerRequest;
        Emit(e);
        m_registerRequest = 0;
    }
    for (const auto& [reqId, pr] : m_pending)
    {
        EpClientEvent e;
        e.rsockId = pr.rsockId;
        e.requestId = reqId;
        e.error = ep_errno::kEnetdown;
        switch (pr.op)
        {
            case EpType::Bind:
                e.kind = EpClientEvent::Kind::BindDone;
                break;
            case EpType::Listen:
                e.kind = EpClientEvent::Kind::ListenDone;
                break;
            case EpType::SetSockOpt:
            case EpType::GetSockOpt:
            case EpType::Socket:
                e.kind = EpClientEvent::Kind::RequestDone;
                break;
            case EpType::Resolve:
                e.kind = EpClientEvent::Kind::Resolved;
                break;
            default:
                continue; // Connect and SendTo are answered by the socket's own failure below
        }
        Emit(e);
    }
    m_pending.clear();
    std::vector<std::uint32_t> ids;
    for (const auto& kv : m_sockets)
    {
        ids.push_back(kv.first);
    }
    for (std::uint32_t id : ids)
    {
        EpClientSocket& s = m_sockets.at(id);
        if (s.appClosed)
        {
            Erase(id);
            continue;
        }
        if (!s.onServer || s.state == EpClientSocketState::Error)
        {
            s.onServer = false;
            continue; // nothing of it lives on the server: it survives the link
        }
        bool connecting = s.state == EpClientSocketState::Connecting;
        FailSocket(s, ep_errno::kEnetdown);
        s.onServer = false;
        EmitSimple(id,
                   connecting ? EpClientEvent::Kind::ConnectDone : EpClientEvent::Kind::Error,
                   ep_errno::kEnetdown,
                   0);
    }
}

void
EpClient::OnLinkUp()
{
    m_linkUp = true;
}

// --- incoming messages ---

void
EpClient::HandleRegistered(const EpMessage& m)
{
    if (m.requestId == 0 || m.requestId != m_registerRequest)
    {
        m_stats.staleMessages++;
        return;
    }
    m_registerRequest = 0;
    if (m.error == ep_errno::kOk)
    {
        m_registered = true;
        m_addrMode = m.addrMode;
        m_publicIpv4 = m.ipv4;
        m_socketLimit = m.socketLimit;
    }
    EpClientEvent e;
    e.kind = EpClientEvent::Kind::Registered;
    e.error = m.error;
    e.requestId = m.requestId;
    e.local = EpAddress::Ipv4(m.ipv4, 0);
    e.value = m.socketLimit;
    Emit(e);
}

void
EpClient::HandleResolved(const EpMessage& m)
{
    auto it = m_pending.find(m.requestId);
    if (m.requestId == 0 || it == m_pending.end() || it->second.op != EpType::Resolve)
    {
        m_stats.staleMessages++;
        return;
    }
    m_pending.erase(it);
    EpClientEvent e;
    e.kind = EpClientEvent::Kind::Resolved;
    e.requestId = m.requestId;
    e.error = m.error;
    e.addresses = m.addresses;
    e.name = m.name;
    e.value = static_cast<std::int64_t>(m.addresses.size());
    Emit(e);
}

void
EpClient::HandleResponse(const EpMessage& m)
{
    auto it = m_pending.find(m.requestId);
    if (m.requestId == 0 || it == m_pending.end() || it->second.rsockId != m.rsockId ||
        it->second.op == EpType::Resolve)
    {
        m_stats.staleMessages++;
        return;
    }
    PendingRequest pr = it->second;
    m_pending.erase(it);
    EpClientSocket* s = Find(pr.rsockId);
    if (s == nullptr)
    {
        m_stats.staleMessages++;
        return;
    }
    bool ok = m.error == ep_errno::kOk;
    if (!EpIsCreateFailure(m.error) && m.error != ep_errno::kEbadf)
    {
        s->confirmed = true; // any other answer proves the server holds the socket
    }
    if (pr.creating && !ok && EpIsCreateFailure(m.error))
    {
        // The server holds no socket for this id: the socket is dead (like a failed socket()).
        s->onServer = false;
        FailSocket(*s, m.error);
    }
    EpClientEvent e;
    e.rsockId = s->id;
    e.requestId = m.requestId;
    e.error = m.error;
    switch (pr.op)
    {
        case EpType::Connect:
            if (ok)
            {
                s->state = EpClientSocketState::Connected;
                s->local = m.local;
                s->peer = m.peer;
            }
            else if (s->state != EpClientSocketState::Error)
            {
                if (s->type == EpSockType::Stream)
                {
                    FailSocket(*s, m.error); // a failed TCP connect leaves the socket unusable
                }
                else
                {
                    s->state = EpClientSocketState::Open;
                }
            }
            e.kind = EpClientEvent::Kind::ConnectDone;
            e.local = s->local;
            e.peer = s->peer;
            Emit(e);
            if (ok && s->type == EpSockType::Stream)
            {
                // Initial grant: the server may now push up to the whole receive window.
                EpMessage c;
                c.type = EpType::Credit;
                c.rsockId = s->id;
                c.value = static_cast<std::uint32_t>(m_config.recvWindowBytes);
                Queue(c);
                m_stats.creditsSent++;
            }
            break;
        case EpType::Bind:
            if (ok)
            {
                s->local = m.local;
            }
            e.kind = EpClientEvent::Kind::BindDone;
            e.local = s->local;
            Emit(e);
            break;
        case EpType::Listen:
            if (ok)
            {
                s->local = m.local;
            }
            else if (s->state == EpClientSocketState::Listening)
            {
                s->state = EpClientSocketState::Open;
            }
            e.kind = EpClientEvent::Kind::ListenDone;
            e.local = s->local;
            Emit(e);
            break;
        case EpType::SendTo:
            if (ok)
            {
                s->local = m.local;
            }
            else
            {
                if (s->state != EpClientSocketState::Error)
                {
                    s->error = m.error;
                }
                e.kind = EpClientEvent::Kind::Error;
                Emit(e);
            }
            break;
        default:
            e.kind = EpClientEvent::Kind::RequestDone;
            e.value = m.intValue;
            Emit(e);
            break;
    }
}

void
EpClient::HandleAccepted(const EpMessage& m)
{
    std::uint32_t newId = m.value;
    if (newId < kServerRsockBase || Find(newId) != nullptr)
    {
        m_stats.unexpectedMessages++; // not a server-range id, or one we already hold
        return;
    }
    EpClientSocket* listener = FindApp(m.rsockId);
    const bool full = m_sockets.size() >= m_socketLimit;
    if (listener == nullptr || listener->state != EpClientSocketState::Listening || !m_linkUp ||
        full)
    {
        // Nobody will accept it (or no room for it): tell the server to drop the connection.
        if (full && listener != nullptr)
        {
            m_stats.acceptsRefused++;
        }
        else
        {
            m_stats.staleMessages++;
        }
        if (m_linkUp)
        {
            EpMessage c;
            c.type = EpType::Close;
            c.rsockId = newId;
            Queue(c);
        }
        return;
    }
    listener->acceptQueue.push_back(newId);
    EpClientSocket s;
    s.id = newId;
    s.type = EpSockType::Stream;
    s.state = EpClientSocketState::Connected;
    s.onServer = true;
    s.confirmed = true;
    s.local = m.local;
    s.peer = m.peer;
    m_sockets.emplace(newId, std::move(s));

    EpMessage c;
    c.type = EpType::Credit;
    c.rsockId = newId;
    c.value = static_cast<std::uint32_t>(m_config.recvWindowBytes);
    Queue(c);
    m_stats.creditsSent++;

    EpClientEvent e;
    e.rsockId = m.rsockId;
    e.kind = EpClientEvent::Kind::Accepted;
    e.newRsockId = newId;
    e.local = m.local;
    e.peer = m.peer;
    Emit(e);
}

void
EpClient::HandleData(const EpMessage& m)
{
    EpClientSocket* s = Find(m.rsockId);
    if (s == nullptr || s->appClosed)
    {
        m_stats.staleMessages++;
        return;
    }
    if (s->type != EpSockType::Stream)
    {
        m_stats.unexpectedMessages++;
        return;
    }
    std::size_t n = m.payload.size();
    m_stats.bytesReceived += n;
    if (s->shutRd)
    {
        s->unreported += n; // dropped unread; the window is free again
        MaybeReturnCredit(*s, false);
        return;
    }
    if (s->recvBuf.size() + n > m_config.recvWindowBytes)
    {
        // An honest server never pushes beyond our credit; keeping it would let a broken
        // one fill our memory. The connection fails, as the server's does for our excess.
        m_stats.windowViolations++;
        if (s->state != EpClientSocketState::Error)
        {
            FailSocket(*s, ep_errno::kEnomem);
            EmitSimple(s->id, EpClientEvent::Kind::Error, ep_errno::kEnomem, 0);
        }
        return;
    }
    s->recvBuf.insert(s->recvBuf.end(), m.payload.begin(), m.payload.end());
    EmitSimple(s->id, EpClientEvent::Kind::Readable, 0, static_cast<std::int64_t>(n));
}

void
EpClient::HandleCredit(const EpMessage& m)
{
    EpClientSocket* s = Find(m.rsockId);
    if (s == nullptr)
    {
        m_stats.staleMessages++;
        return;
    }
    if (s->type != EpSockType::Stream)
    {
        m_stats.unexpectedMessages++;
        return;
    }
    // The initial grant frees nothing; later grants report bytes handed to TCP.
    std::uint64_t freed = std::min<std::uint64_t>(m.value, s->inFlight);
    s->inFlight -= freed;
    if (s->state == EpClientSocketState::Connected || s->state == EpClientSocketState::Connecting)
    {
        s->sendAllowance += m.value;
    }
    std::uint32_t id = s->id;
    if (Pump(*s))
    {
        Erase(id);
        return;
    }
    if (freed > 0 && !s->appClosed)
    {
        EmitSimple(id, EpClientEvent::Kind::Writable, 0, static_cast<std::int64_t>(freed));
    }
}

void
EpClient::HandleRecvFrom(const EpMessage& m)
{
    EpClientSocket* s = Find(m.rsockId);
    if (s == nullptr || s->appClosed)
    {
        m_stats.staleMessages++;
        return;
    }
    if (s->type != EpSockType::Dgram)
    {
        m_stats.unexpectedMessages++;
        return;
    }
    if (s->shutRd || s->datagramBytes + m.payload.size() > m_config.recvWindowBytes ||
        s->datagrams.size() >= m_config.maxQueuedDatagrams)
    {
        m_stats.datagramsDropped++;
        return;
    }
    m_stats.datagramsReceived++;
    EpDatagram d;
    d.from = m.peer;
    d.data = m.payload;
    s->datagramBytes += d.data.size();
    s->datagrams.push_back(std::move(d));
    EpClientEvent e;
    e.rsockId = s->id;
    e.kind = EpClientEvent::Kind::Readable;
    e.peer = m.peer;
    e.local = s->local;
    e.value = static_cast<std::int64_t>(m.payload.size());
    Emit(e);
}

void
EpClient::HandleError(const EpMessage& m)
{
    EpClientSocket* s = Find(m.rsockId);
    if (s == nullptr)
    {
        m_stats.staleMessages++;
        return;
    }
    std::uint32_t id = s->id;
    if (s->appClosed)
    {
        // It was only finishing its data; the server has dropped it.
        s->onServer = false;
        Erase(id);
        return;
    }
    if (EpIsCreateFailure(m.error))
    {
        s->onServer = false; // a create the server refused (request without an id)
    }
    if (s->type == EpSockType::Stream || EpIsCreateFailure(m.error))
    {
        if (s->state == EpClientSocketState::Error)
        {
            m_stats.staleMessages++;
            return;
        }
        FailSocket(*s, m.error);
    }
    else
    {
        s->error = m.error; // a datagram socket stays usable; the error is reported once
    }
    EmitSimple(id, EpClientEvent::Kind::Error, m.error, 0);
}

void
EpClient::HandleEof(const EpMessage& m)
{
    EpClientSocket* s = Find(m.rsockId);
    if (s == nullptr || s->appClosed)
    {
        m_stats.staleMessages++;
        return;
    }
    if (s->type != EpSockType::Stream)
    {
        m_stats.unexpectedMessages++;
        return;
    }
    if (!s->peerEof)
    {
        s->peerEof = true;
        EmitSimple(s->id, EpClientEvent::Kind::Eof, 0, 0);
    }
}

} // namespace resoa
