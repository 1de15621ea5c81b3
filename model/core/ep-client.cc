/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "ep-client.h"

#include <algorithm>
#include <limits>

namespace resoa
{

namespace
{

/// Moves the first n bytes of a deque into a vector.
std::vector<std::uint8_t>
TakeFront(std::deque<std::uint8_t>& buf, std::size_t n)
{
    std::vector<std::uint8_t> out(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    return out;
}

} // namespace

const char*
ToString(EpClientSocketState s)
{
    switch (s)
    {
        case EpClientSocketState::Fresh:
            return "Fresh";
        case EpClientSocketState::Open:
            return "Open";
        case EpClientSocketState::Connecting:
            return "Connecting";
        case EpClientSocketState::Connected:
            return "Connected";
        case EpClientSocketState::Listening:
            return "Listening";
        case EpClientSocketState::Error:
            return "Error";
    }
    return "?";
}

const char*
ToString(EpClientEvent::Kind k)
{
    using K = EpClientEvent::Kind;
    switch (k)
    {
        case K::Registered:
            return "Registered";
        case K::ConnectDone:
            return "ConnectDone";
        case K::BindDone:
            return "BindDone";
        case K::ListenDone:
            return "ListenDone";
        case K::RequestDone:
            return "RequestDone";
        case K::Accepted:
            return "Accepted";
        case K::Readable:
            return "Readable";
        case K::Writable:
            return "Writable";
        case K::Eof:
            return "Eof";
        case K::Error:
            return "Error";
        case K::Closed:
            return "Closed";
        case K::Resolved:
            return "Resolved";
    }
    return "?";
}

EpClient::EpClient(EpClientConfig config)
    : m_config(config)
{
    // Credit travels as u32: windows must fit, and must hold at least one byte.
    constexpr std::size_t maxWindow = std::numeric_limits<std::uint32_t>::max();
    m_config.recvWindowBytes = std::clamp<std::size_t>(m_config.recvWindowBytes, 1, maxWindow);
    m_config.sendBufferBytes = std::max<std::size_t>(m_config.sendBufferBytes, 1);
    m_config.maxMessageSize = std::max<std::size_t>(m_config.maxMessageSize, kEpHeaderSize + 1);
    m_chunk = EpDataChunk(m_config.maxMessageSize);
    m_creditThreshold =
        m_config.creditThreshold != 0 ? m_config.creditThreshold : m_config.recvWindowBytes / 4;
    m_creditThreshold = std::clamp<std::size_t>(m_creditThreshold, 1, m_config.recvWindowBytes);
    m_socketLimit = m_config.socketLimit;
    m_config.coalesceDelay = std::max(m_config.coalesceDelay, Duration{0});
    m_config.datagramSendBufferBytes =
        std::max(m_config.datagramSendBufferBytes, m_config.maxMessageSize);
    m_config.maxQueuedDatagrams = std::max<std::size_t>(m_config.maxQueuedDatagrams, 1);
    m_config.maxPendingRequests = std::max<std::size_t>(m_config.maxPendingRequests, 1);
    m_config.maxQueuedEvents = std::max<std::size_t>(m_config.maxQueuedEvents, 1);
}

// --- registration ---

std::int32_t
EpClient::Register(EpAddrMode mode, std::uint32_t requestedIpv4, const std::string& name)
{
    if (!m_linkUp)
    {
        return ep_errno::kEnetdown;
    }
    if (name.size() > kEpMaxName)
    {
        return ep_errno::kEinval;
    }
    EpMessage m;
    m.type = EpType::Register;
    m.requestId = NextRequestId();
    m.addrMode = mode;
    m.ipv4 = requestedIpv4;
    m.name = name;
    m_registerRequest = m.requestId;
    Queue(m);
    return ep_errno::kOk;
}

std::int32_t
EpClient::Resolve(const std::string& name,
                  std::uint8_t family,
                  std::uint32_t* requestId,
                  std::uint8_t flags)
{
    if (name.empty() || name.size() > kEpMaxName || name.find('\0') != std::string::npos ||
        (family != 0 && family != 4 && family != 6) || (flags & ~kEpResolveCanonName) != 0)
    {
        return ep_errno::kEinval;
    }
    if (!m_linkUp)
    {
        return ep_errno::kEnetdown;
    }
    if (std::int32_t rc = RequestRoom())
    {
        return rc;
    }
    EpMessage m;
    m.type = EpType::Resolve;
    m.family = family;
    m.resolveFlags = flags;
    m.name = name;
    if (EpEncodedSize(m) > m_config.maxMessageSize)
    {
        return ep_errno::kEmsgsize; // one message is one LHP SDU
    }
    m.requestId = NextRequestId();
    PendingRequest pr;
    pr.rsockId = 0; // no socket: Close never drops it, OnLinkDown answers it
    pr.op = EpType::Resolve;
    m_pending[m.requestId] = pr;
    Queue(m);
    if (requestId != nullptr)
    {
        *requestId = m.requestId;
    }
    return ep_errno::kOk;
}

bool
EpClient::IsRegistered() const
{
    return m_registered;
}

std::uint32_t
EpClient::GetPublicIpv4() const
{
    return m_publicIpv4;
}

EpAddrMode
EpClient::GetAddrMode() const
{
    return m_addrMode;
}

std::uint16_t
EpClient::GetSocketLimit() const
{
    return m_socketLimit;
}

// --- socket calls ---

EpSocketResult
EpClient::Create(EpSockType type)
{
    EpSocketResult r;
    if (type != EpSockType::Stream && type != EpSockType::Dgram)
    {
        r.error = ep_errno::kEprotonosupport;
        return r;
    }
    // Sockets the application closed still count while their data drains: otherwise
    // create-send-close in a loop would hold any number of send buffers.
    if (m_sockets.size() >= m_socketLimit)
    {
        r.error = ep_errno::kEmfile;
        return r;
    }
    EpClientSocket s;
    s.id = AllocateId();
    s.type = type;
    r.id = s.id;
    m_sockets.emplace(s.id, std::move(s));
    return r;
}

std::int32_t
EpClient::Bind(std::uint32_t id, const EpAddress& local)
{
    EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    if (std::int32_t rc = CheckUsable(*s))
    {
        return rc;
    }
    if (s->state == EpClientSocketState::Connected || s->state == EpClientSocketState::Connecting ||
        s->state == EpClientSocketState::Listening)
    {
        return ep_errno::kEinval;
    }
    if (std::int32_t rc = RequestRoom())
    {
        return rc;
    }
    EpMessage m;
    m.type = EpType::Bind;
    m.local = local;
    SendRequest(*s, m, LhpChannel::Reliable);
    return ep_errno::kOk;
}

std::int32_t
EpClient::Listen(std::uint32_t id, std::uint32_t backlog)
{
    EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    if (s->type != EpSockType::Stream)
    {
        return ep_errno::kEopnotsupp;
    }
    if (std::int32_t rc = CheckUsable(*s))
    {
        return rc;
    }
    if (s->state == EpClientSocketState::Connected || s->state == EpClientSocketState::Connecting)
    {
        return ep_errno::kEinval;
    }
    if (std::int32_t rc = RequestRoom())
    {
        return rc;
    }
    EpMessage m;
    m.type = EpType::Listen;
    m.value = backlog;
    SendRequest(*s, m, LhpChannel::Reliable);
    s->state = EpClientSocketState::Listening;
    return ep_errno::kOk;
}

EpSocketResult
EpClient::Accept(std::uint32_t id)
{
    EpSocketResult r;
    EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        r.error = ep_errno::kEbadf;
        return r;
    }
    if (s->state == EpClientSocketState::Error)
    {
        r.error = s->error;
        return r;
    }
    if (s->state != EpClientSocketState::Listening)
    {
        r.error = ep_errno::kEinval;
        return r;
    }
    while (!s->acceptQueue.empty())
    {
        std::uint32_t newId = s->acceptQueue.front();
        s->acceptQueue.pop_front();
        if (FindApp(newId) != nullptr)
        {
            r.id = newId;
            return r;
        }
    }
    r.error = ep_errno::kEagain;
    return r;
}

std::int32_t
EpClient::Connect(std::uint32_t id, const EpAddress& peer)
{
    EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    if (std::int32_t rc = CheckUsable(*s))
    {
        return rc;
    }
    if (peer.family == 0)
    {
        return ep_errno::kEinval;
    }
    switch (s->state)
    {
        case EpClientSocketState::Listening:
            return ep_errno::kEinval;
        case EpClientSocketState::Connecting:
            return kEpEalready;
        case EpClientSocketState::Connected:
            if (s->type == EpSockType::Stream)
            {
                return ep_errno::kEisconn;
            }
            break;
        default:
            break;
    }
    if (std::int32_t rc = RequestRoom())
    {
        return rc;
    }
    EpMessage m;
    m.type = EpType::Connect;
    m.peer = peer;
    SendRequest(*s, m, LhpChannel::Reliable);
    s->state = EpClientSocketState::Connecting;
    s->peer = peer;
    return ep_errno::kOk;
}

EpIoResult
EpClient::Send(std::uint32_t id, const std::uint8_t* data, std::size_t len)
{
    return Send(id, data, len, m_now, false);
}

EpIoResult
EpClient::Send(
    std::uint32_t id, const std::uint8_t* data, std::size_t len, TimePoint now, bool more)
{
    m_now = std::max(m_now, now);
    EpIoResult r;
    EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        r.error = ep_errno::kEbadf;
        return r;
    }
    if (s->type == EpSockType::Dgram)
    {
        if (s->state != EpClientSocketState::Connected &&
            s->state != EpClientSocketState::Connecting && s->state != EpClientSocketState::Error)
        {
            r.error = kEpEdestaddrreq;
            return r;
        }
        return SendTo(id, s->peer, data, len);
    }
    if (s->state == EpClientSocketState::Error)
    {
        r.error = s->error;
        return r;
    }
    if (s->shutWr)
    {
        r.error = ep_errno::kEpipe;
        return r;
    }
    if (s->state != EpClientSocketState::Connected && s->state != EpClientSocketState::Connecting)
    {
        r.error = ep_errno::kEnotconn;
        return r;
    }
    if (len == 0)
    {
        return r;
    }
    std::size_t space = SendSpace(id);
    if (space == 0)
    {
        r.error = ep_errno::kEagain;
        return r;
    }
    r.bytes = std::min(len, space);
    s->unsent.insert(s->unsent.end(), data, data + r.bytes);
    const bool hold = more || m_config.coalesceWrites;
    if (hold && !s->holdPartial)
    {
        s->holdPartial = true;
        s->holdSince = now; // the deadline bounds the wait of the oldest held byte
    }
    else if (!hold)
    {
        s->holdPartial = false; // a write without `more` pushes what was held
    }
    Pump(*s);
    return r;
}

EpIoResult
EpClient::SendTo(std::uint32_t id, const EpAddress& peer, const std::uint8_t* data, std::size_t len)
{
    EpIoResult r;
    EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        r.error = ep_errno::kEbadf;
        return r;
    }
    if (s->type == EpSockType::Stream)
    {
        return Send(id, data, len); // as on Linux, a connected stream ignores the address
    }
    if (s->state == EpClientSocketState::Error)
    {
        r.error = s->error;
        return r;
    }
    if (s->error != 0) // an asynchronous datagram error is reported once, like SO_ERROR
    {
        r.error = s->error;
        s->error = 0;
        return r;
    }
    if (!m_linkUp)
    {
        r.error = ep_errno::kEnetdown;
        return r;
    }
    if (s->shutWr)
    {
        r.error = ep_errno::kEpipe;
        return r;
    }
    if (peer.family == 0)
    {
        r.error = kEpEdestaddrreq;
        return r;
    }
    EpMessage m;
    m.type = EpType::SendTo;
    m.rsockId = s->id;
    m.peer = peer;
    m.payload.assign(data, data + len);
    const std::size_t size = EpEncodedSize(m);
    if (size > m_config.maxMessageSize)
    {
        r.error = ep_errno::kEmsgsize;
        return r;
    }
    if (m_datagramQueued + size > m_config.datagramSendBufferBytes)
    {
        // A full UDP send buffer: the application retries on the Writable event.
        m_stats.datagramsRefused++;
        m_datagramBlocked.insert(id);
        r.error = ep_errno::kEagain;
        return r;
    }
    if (!s->onServer)
    {
        if (std::int32_t rc = RequestRoom())
        {
            r.error = rc;
            return r;
        }
        // The creating datagram asks for a Response: it confirms the socket exists, after
        // which datagrams may take the semi-reliable channel without overtaking the create.
        SendRequest(*s, std::move(m), LhpChannel::Reliable);
    }
    else
    {
        Queue(m, s->confirmed ? LhpChannel::SemiReliable : LhpChannel::Reliable);
    }
    m_stats.datagramsSent++;
    r.bytes = len;
    return r;
}

EpReadResult
EpClient::Recv(std::uint32_t id, std::size_t maxBytes)
{
    EpReadResult r;
    EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        r.error = ep_errno::kEbadf;
        return r;
    }
    if (s->type == EpSockType::Dgram)
    {
        if (!s->datagrams.empty())
        {
            EpDatagram d = std::move(s->datagrams.front());
            s->datagrams.pop_front();
            s->datagramBytes -= d.data.size();
            if (d.data.size() > maxBytes)
            {
                d.data.resize(maxBytes); // the rest of the datagram is lost, as with UDP
            }
            r.data = std::move(d.data);
            r.from = d.from;
            return r;
        }
        if (s->state == EpClientSocketState::Error)
        {
            r.error = s->error;
        }
        else if (s->error != 0)
        {
            r.error = s->error;
            s->error = 0;
        }
        else if (s->shutRd)
        {
            r.eof = true;
        }
        else
        {
            r.error = ep_errno::kEagain;
        }
        return r;
    }
    if (!s->recvBuf.empty() && !s->shutRd)
    {
        std::size_t n = std::min(maxBytes, s->recvBuf.size());
        r.data = TakeFront(s->recvBuf, n);
        r.from = s->peer;
        s->unreported += n;
        MaybeReturnCredit(*s, false);
        return r;
    }
    if (s->shutRd || s->peerEof)
    {
        r.eof = true;
    }
    else if (s->state == EpClientSocketState::Error)
    {
        r.error = s->error;
    }
    else if (s->state != EpClientSocketState::Connected &&
             s->state != EpClientSocketState::Connecting)
    {
        r.error = ep_errno::kEnotconn;
    }
    else
    {
        r.error = ep_errno::kEagain;
    }
    return r;
}

std::int32_t
EpClient::Shutdown(std::uint32_t id, std::uint8_t how)
{
    EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    if (how > ep_shutdown::kBoth)
    {
        return ep_errno::kEinval;
    }
    if (s->type == EpSockType::Stream && s->state != EpClientSocketState::Connected &&
        s->state != EpClientSocketState::Connecting)
    {
        return s->state == EpClientSocketState::Error ? s->error : ep_errno::kEnotconn;
    }
    bool rd = how == ep_shutdown::kRead || how == ep_shutdown::kBoth;
    bool wr = how == ep_shutdown::kWrite || how == ep_shutdown::kBoth;
    if (rd && !s->shutRd)
    {
        s->shutRd = true;
        s->unreported += s->recvBuf.size();
        s->recvBuf.clear();
        s->datagramBytes = 0;
        s->datagrams.clear();
        if (s->type == EpSockType::Stream && s->onServer && m_linkUp)
        {
            // The server then drains and drops its TCP data instead of pushing it here.
            EpMessage m;
            m.type = EpType::Shutdown;
            m.rsockId = s->id;
            m.how = ep_shutdown::kRead;
            Queue(m);
        }
    }
    if (wr)
    {
        s->shutWr = true; // the Shutdown message follows the buffered data (Pump)
    }
    Pump(*s);
    return ep_errno::kOk;
}

std::int32_t
EpClient::Close(std::uint32_t id)
{
    EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    s->appClosed = true;
    for (auto it = m_pending.begin(); it != m_pending.end();)
    {
        it = it->second.rsockId == id ? m_pending.erase(it) : std::next(it);
    }
    // Connections queued on a listener but never accepted are closed with it, as in a kernel.
    std::deque<std::uint32_t> unaccepted;
    unaccepted.swap(s->acceptQueue);
    if (Pump(*s))
    {
        Erase(id);
    }
    for (std::uint32_t child : unaccepted)
    {
        Close(child);
    }
    return ep_errno::kOk;
}

std::int32_t
EpClient::SetSockOpt(std::uint32_t id,
                     std::uint16_t level,
                     std::uint16_t option,
                     std::int32_t value,
                     std::uint32_t* requestId)
{
    return SockOptRequest(id, EpType::SetSockOpt, level, option, value, requestId);
}

std::int32_t
EpClient::GetSockOpt(std::uint32_t id,
                     std::uint16_t level,
                     std::uint16_t option,
                     std::uint32_t* requestId)
{
    return SockOptRequest(id, EpType::GetSockOpt, level, option, 0, requestId);
}

std::int32_t
EpClient::SockOptRequest(std::uint32_t id,
                         EpType type,
                         std::uint16_t level,
                         std::uint16_t option,
                         std::int32_t value,
                         std::uint32_t* requestId)
{
    EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    if (!ep_sockopt::IsSupported(level, option))
    {
        return kEpEnoprotoopt;
    }
    if (std::int32_t rc = CheckUsable(*s))
    {
        return rc;
    }
    if (std::int32_t rc = RequestRoom())
    {
        return rc;
    }
    EpMessage m;
    m.type = type;
    m.level = level;
    m.option = option;
    m.intValue = type == EpType::SetSockOpt ? value : 0;
    std::uint32_t req = SendRequest(*s, m, LhpChannel::Reliable);
    if (requestId != nullptr)
    {
        *requestId = req;
    }
    return ep_errno::kOk;
}

// --- inspection ---

std::int32_t
EpClient::GetSockName(std::uint32_t id, EpAddress& out) const
{
    const EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    out = s->local;
    return ep_errno::kOk;
}

std::int32_t
EpClient::GetPeerName(std::uint32_t id, EpAddress& out) const
{
    const EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        return ep_errno::kEbadf;
    }
    if (s->state != EpClientSocketState::Connected)
    {
        return ep_errno::kEnotconn;
    }
    out = s->peer;
    return ep_errno::kOk;
}

std::size_t
EpClient::RecvAvailable(std::uint32_t id) const
{
    const EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        return 0;
    }
    return s->type == EpSockType::Dgram ? s->datagramBytes : s->recvBuf.size();
}

std::size_t
EpClient::SendSpace(std::uint32_t id) const
{
    const EpClientSocket* s = FindApp(id);
    if (s == nullptr || s->state == EpClientSocketState::Error || s->shutWr)
    {
        return 0;
    }
    if (s->type == EpSockType::Dgram)
    {
        // Real space: what is left of the datagram queue, at most one EP message's worth.
        std::size_t room = m_config.datagramSendBufferBytes > m_datagramQueued
                               ? m_config.datagramSendBufferBytes - m_datagramQueued
                               : 0;
        return EpMaxDatagramPayload(std::min(room, m_config.maxMessageSize));
    }
    std::uint64_t used = s->unsent.size() + s->inFlight;
    return used >= m_config.sendBufferBytes
               ? 0
               : m_config.sendBufferBytes - static_cast<std::size_t>(used);
}

std::optional<EpClientSocketState>
EpClient::GetState(std::uint32_t id) const
{
    const EpClientSocket* s = FindApp(id);
    if (s == nullptr)
    {
        return std::nullopt;
    }
    return s->state;
}

std::int32_t
EpClient::GetSocketError(std::uint32_t id) const
{
    const EpClientSocket* s = FindApp(id);
    return s == nullptr ? ep_errno::kEbadf : s->error;
}

std::size_t
EpClient::OpenSocketCount() const
{
    return static_cast<std::size_t>(std::count_if(
        m_sockets.begin(), m_sockets.end(), [](const auto& kv) { return !kv.second.appClosed; }));
}

std::vector<std::uint32_t>
EpClient::ListSockets() const
{
    std::vector<std::uint32_t> ids;
    for (const auto& kv : m_sockets)
    {
        if (!kv.second.appClosed)
        {
            ids.push_back(kv.first);
        }
    }
    return ids;
}

// --- driver side ---

std::optional<EpOutgoing>
EpClient::PollOutgoing()
{
    if (m_out.empty())
    {
        return std::nullopt;
    }
    EpOutgoing o = std::move(m_out.front());
    m_out.pop_front();
    if (o.bytes.size() > 1 && o.bytes[1] == static_cast<std::uint8_t>(EpType::SendTo))
    {
        m_datagramQueued -= std::min(m_datagramQueued, o.bytes.size());
        // Wake the sockets SendTo refused, as a UDP socket's buffer draining would.
        std::set<std::uint32_t> blocked;
        blocked.swap(m_datagramBlocked);
        for (std::uint32_t id : blocked)
        {
            if (FindApp(id) != nullptr)
            {
                EmitSimple(id, EpClientEvent::Kind::Writable, 0, 0);
            }
        }
    }
    return o;
}

std::optional<TimePoint>
EpClient::NextDeadline() const
{
    std::optional<TimePoint> next;
    for (const auto& [id, s] : m_sockets)
    {
        if (s.holdPartial && !s.unsent.empty())
        {
            TimePoint t = s.holdSince + m_config.coalesceDelay;
            if (!next || t < *next)
            {
                next = t;
            }
        }
    }
    return next;
}

void
EpClient::HandleDeadline(TimePoint now)
{
    m_now = std::max(m_now, now);
    for (auto& [id, s] : m_sockets)
    {
        if (s.holdPartial && s.holdSince + m_config.coalesceDelay <= now)
        {
            s.holdPartial = false;
            if (!s.appClosed && !s.unsent.empty())
            {
                Pump(s); // only partial chunks were held, so this never finishes a close
            }
        }
    }
}

bool
EpClient::HasOutgoing() const
{
    return !m_out.empty();
}

std::optional<EpClientEvent>
EpClient::PollEvent()
{
    if (m_events.empty())
    {
        return std::nullopt;
    }
    EpClientEvent e = m_events.front();
    m_events.pop_front();
    return e;
}

const EpClientStats&
EpClient::GetStats() const
{
    return m_stats;
}

const EpClientConfig&
EpClient::GetConfig() const
{
    return m_config;
}

// --- internals ---

EpClientSocket*
EpClient::Find(std::uint32_t id)
{
    auto it = m_sockets.find(id);
    return it == m_sockets.end() ? nullptr : &it->second;
}

const EpClientSocket*
EpClient::Find(std::uint32_t id) const
{
    auto it = m_sockets.find(id);
    return it == m_sockets.end() ? nullptr : &it->second;
}

EpClientSocket*
EpClient::FindApp(std::uint32_t id)
{
    EpClientSocket* s = Find(id);
    return s != nullptr && !s->appClosed ? s : nullptr;
}

const EpClientSocket*
EpClient::FindApp(std::uint32_t id) const
{
    const EpClientSocket* s = Find(id);
    return s != nullptr && !s->appClosed ? s : nullptr;
}

std::uint32_t
EpClient::AllocateId()
{
    // Monotonic, so a closed id is not reused while the server may still be closing it.
    for (;;)
    {
        std::uint32_t id = m_nextId++;
        if (m_nextId >= kServerRsockBase)
        {
            m_nextId = 1;
        }
        if (m_sockets.find(id) == m_sockets.end())
        {
            return id;
        }
    }
}

std::uint32_t
EpClient::NextRequestId()
{
    std::uint32_t id = m_nextRequest++;
    if (m_nextRequest == 0)
    {
        m_nextRequest = 1; // 0 means "no response expected"
    }
    return id;
}

void
EpClient::Queue(const EpMessage& m, LhpChannel channel)
{
    EpOutgoing o;
    o.channel = channel;
    EncodeEpMessage(m, o.bytes);
    if (m.type == EpType::SendTo)
    {
        m_datagramQueued += o.bytes.size();
    }
    m_out.push_back(std::move(o));
    m_stats.messagesSent++;
}

void
EpClient::Emit(const EpClientEvent& e)
{
    using K = EpClientEvent::Kind;
    if (m_events.size() >= m_config.maxQueuedEvents &&
        (e.kind == K::Readable || e.kind == K::Writable))
    {
        // Bound: merge into this socket's last queued event if it is of the same kind (the
        // socket's events keep their order; the value is the sum).
        for (auto it = m_events.rbegin(); it != m_events.rend(); ++it)
        {
            if (it->rsockId != e.rsockId || it->kind == K::Registered)
            {
                continue;
            }
            if (it->kind == e.kind)
            {
                it->value += e.value;
                m_stats.eventsMerged++;
                return;
            }
            break;
        }
    }
    m_events.push_back(e);
}

void
EpClient::EmitSimple(std::uint32_t id, EpClientEvent::Kind k, std::int32_t error, std::int64_t v)
{
    EpClientEvent e;
    e.rsockId = id;
    e.kind = k;
    e.error = error;
    e.value = v;
    const EpClientSocket* s = Find(id);
    if (s != nullptr)
    {
        e.local = s->local;
        e.peer = s->peer;
    }
    Emit(e);
}

std::uint32_t
EpClient::SendRequest(EpClientSocket& s, EpMessage m, LhpChannel channel)
{
    m.rsockId = s.id;
    m.requestId = NextRequestId();
    PendingRequest pr;
    pr.rsockId = s.id;
    pr.op = m.type;
    pr.creating = !s.onServer;
    if (pr.creating)
    {
        // Lazy socket(): the create rides on the first real call (paper §4.3).
        m.flags |= kEpFlagCreate;
        m.sockType = s.type;
        s.onServer = true;
        if (s.state == EpClientSocketState::Fresh)
        {
            s.state = EpClientSocketState::Open;
        }
    }
    m_pending[m.requestId] = pr;
    Queue(m, channel);
    return m.requestId;
}

std::int32_t
EpClient::CheckUsable(const EpClientSocket& s) const
{
    if (s.state == EpClientSocketState::Error)
    {
        return s.error;
    }
    if (!m_linkUp)
    {
        return ep_errno::kEnetdown;
    }
    return ep_errno::kOk;
}

std::int32_t
EpClient::RequestRoom()
{
    if (m_pending.size() >= m_config.maxPendingRequests)
    {
        m_stats.requestsRefused++;
        return kEpEnobufs;
    }
    return ep_errno::kOk;
}

void
EpClient::MaybeReturnCredit(EpClientSocket& s, bool force)
{
    // Batched: the server keeps >= recvWindow - threshold of window, so it never stalls,
    // while a reader that keeps up does not cost one Credit message per Data message.
    if (s.unreported == 0 || !s.onServer || !m_linkUp || s.state == EpClientSocketState::Error ||
        (!force && s.unreported < m_creditThreshold))
    {
        return;
    }
    EpMessage m;
    m.type = EpType::Credit;
    m.rsockId = s.id;
    m.value = static_cast<std::uint32_t>(s.unreported);
    s.unreported = 0;
    Queue(m);
    m_stats.creditsSent++;
}

void
EpClient::FlushPartial()
{
    for (auto& [id, s] : m_sockets)
    {
        if (s.holdPartial)
        {
            s.holdPartial = false;
            if (!s.appClosed && !s.unsent.empty())
            {
                Pump(s); // only partial chunks were held, so this never finishes a close
            }
        }
    }
}

bool
EpClient::Pump(EpClientSocket& s)
{
    bool flushable =
        s.type == EpSockType::Stream && m_linkUp &&
        (s.state == EpClientSocketState::Connected || s.state == EpClientSocketState::Connecting);
    if (flushable)
    {
        // Only while the application's write turn is open; a Credit arriving later must not
        // leave a held chunk behind.
        const bool holdPartial = s.holdPartial && !s.shutWr && !s.appClosed;
        while (!s.unsent.empty() && s.sendAllowance > 0)
        {
            std::size_t n = std::min<std::uint64_t>({s.unsent.size(), s.sendAllowance, m_chunk});
            if (holdPartial && n == s.unsent.size() && n < m_chunk)
            {
                break; // more writes may follow in this turn; FlushPartial sends the rest
            }
            EpMessage m;
            m.type = EpType::Data;
            m.rsockId = s.id;
            m.payload = TakeFront(s.unsent, n);
            s.inFlight += n;
            s.sendAllowance -= n;
            // The application is blocked on a full send buffer and this is the last chunk
            // for now: ask for Credit without the server's batching, which a buffer below
            // its threshold would never reach.
            const bool lastForNow = s.unsent.empty() || s.sendAllowance == 0;
            if (lastForNow && s.unsent.size() + s.inFlight >= m_config.sendBufferBytes)
            {
                m.flags = kEpFlagCreditWanted;
            }
            Queue(m);
            m_stats.bytesSent += n;
        }
        if (s.unsent.empty())
        {
            s.holdPartial = false; // nothing held: no deadline
        }
        if (s.unsent.empty() && s.shutWr && !s.shutWrSent && !s.appClosed)
        {
            EpMessage m;
            m.type = EpType::Shutdown;
            m.rsockId = s.id;
            m.how = ep_shutdown::kWrite;
            Queue(m);
            s.shutWrSent = true;
        }
    }
    if (s.appClosed && (s.unsent.empty() || !flushable))
    {
        if (s.onServer && m_linkUp)
        {
            EpMessage m;
            m.type = EpType::Close;
            m.rsockId = s.id;
            Queue(m);
        }
        return true;
    }
    return false;
}

void
EpClient::Erase(std::uint32_t id)
{
    if (m_sockets.erase(id) > 0)
    {
        EpClientEvent e;
        e.rsockId = id;
        e.kind = EpClientEvent::Kind::Closed;
        Emit(e);
    }
}

void
EpClient::FailSocket(EpClientSocket& s, std::int32_t error)
{
    s.state = EpClientSocketState::Error;
    s.error = error;
    s.unsent.clear();
    s.inFlight = 0;
    s.sendAllowance = 0;
}

} // namespace resoa
