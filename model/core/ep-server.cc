/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "ep-server.h"

#include <algorithm>
#include <limits>

namespace resoa
{

const char*
ToString(EpServerSocketState s)
{
    switch (s)
    {
        case EpServerSocketState::Open:
            return "Open";
        case EpServerSocketState::Connecting:
            return "Connecting";
        case EpServerSocketState::Connected:
            return "Connected";
        case EpServerSocketState::Listening:
            return "Listening";
        case EpServerSocketState::Closing:
            return "Closing";
    }
    return "?";
}

EpServer::EpServer(EpServerConfig config, EpSocketStack& stack)
    : m_config(std::move(config))
    , m_stack(stack)
{
    constexpr std::size_t maxWindow = std::numeric_limits<std::uint32_t>::max();
    m_config.clientWindowBytes = std::clamp<std::size_t>(m_config.clientWindowBytes, 1, maxWindow);
    m_config.maxMessageSize = std::max<std::size_t>(m_config.maxMessageSize, kEpHeaderSize + 1);
    m_chunk = EpDataChunk(m_config.maxMessageSize);
    m_creditThreshold =
        m_config.creditThreshold != 0 ? m_config.creditThreshold : m_config.clientWindowBytes / 4;
    m_creditThreshold = std::clamp<std::size_t>(m_creditThreshold, 1, m_config.clientWindowBytes);
    m_config.maxClientRecvWindow =
        std::clamp<std::size_t>(m_config.maxClientRecvWindow, 1, maxWindow);
    m_config.maxSocketBuffer = std::max<std::int32_t>(m_config.maxSocketBuffer, 1);
    m_config.closingTimeout = std::max(m_config.closingTimeout, Duration{0});
    m_config.resolveTimeout = std::max(m_config.resolveTimeout, Duration{0});
}

void
EpServer::SetAdmissionHook(EpAdmissionHook hook)
{
    m_admission = std::move(hook);
}

void
EpServer::SetCallPolicy(EpCallPolicy policy)
{
    m_policy = std::move(policy);
}

void
EpServer::SetResolver(EpResolverHook resolver)
{
    m_resolver = std::move(resolver);
}

// --- sessions ---

void
EpServer::OnSessionUp(std::uint64_t sessionId)
{
    if (m_sessions.count(sessionId) != 0)
    {
        OnSessionDown(sessionId); // a reused id is a new client: forget the old one
    }
    Session s;
    s.id = sessionId;
    m_sessions.emplace(sessionId, std::move(s));
}

void
EpServer::OnSessionDown(std::uint64_t sessionId)
{
    auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
    {
        return;
    }
    Session& s = it->second;
    for (auto& [rsockId, sock] : s.sockets)
    {
        m_byHandle.erase(sock.handle);
        if (sock.closingDeadline)
        {
            m_closingDeadlines.erase({*sock.closingDeadline, sessionId, rsockId});
        }
        bool connection =
            sock.type == EpSockType::Stream && (sock.state == EpServerSocketState::Connected ||
                                                sock.state == EpServerSocketState::Connecting ||
                                                sock.state == EpServerSocketState::Closing);
        // The client is gone: its connections are reset rather than left to time out.
        if (connection)
        {
            m_stack.Abort(sock.handle);
        }
        else
        {
            m_stack.Close(sock.handle);
        }
        m_stats.socketsClosed++;
    }
    if (s.poolAddress)
    {
        m_poolInUse.erase(s.publicIpv4);
    }
    if (s.registered)
    {
        --m_registeredClients;
    }
    for (const auto& [requestId, pr] : s.resolving)
    {
        m_resolveDeadlines.erase({pr.deadline, sessionId, requestId}); // late answers: stale
    }
    m_sessions.erase(it);
    m_out.erase(std::remove_if(m_out.begin(),
                               m_out.end(),
                               [sessionId](const EpServerOutgoing& o)
                               { return o.sessionId == sessionId; }),
                m_out.end());
}

void
EpServer::OnMessage(std::uint64_t sessionId, const std::vector<std::uint8_t>& bytes)
{
    OnMessage(sessionId, bytes.data(), bytes.size());
}

void
EpServer::OnMessage(std::uint64_t sessionId, const std::vector<std::uint8_t>& bytes, TimePoint now)
{
    OnMessage(sessionId, bytes.data(), bytes.size(), now);
}

void
EpServer::OnMessage(std::uint64_t sessionId,
                    const std::uint8_t* data,
                    std::size_t len,
                    TimePoint now)
{
    m_now = std::max(m_now, now);
    OnMessage(sessionId, data, len);
}

void
EpServer::OnMessage(std::uint64_t sessionId, const std::uint8_t* data, std::size_t len)
{
    m_stats.messagesReceived++;
    Session* s = FindSession(sessionId);
    if (s == nullptr)
    {
        m_stats.unknownSession++;
        return;
    }
    EpMessage m;
    if (data == nullptr || DecodeEpMessage(data, len, m) != DecodeError::Ok)
    {
        m_stats.decodeErrors++;
        return;
    }
    switch (m.type)
    {
        case EpType::Register:
            HandleRegister(*s, m);
            return;
        case EpType::Resolve:
            HandleResolve(*s, m);
            return;
        case EpType::Resolved:
        case EpType::Registered:
        case EpType::Accepted:
        case EpType::Response:
        case EpType::RecvFrom:
        case EpType::Error:
        case EpType::Eof:
            m_stats.unexpectedMessages++; // server-to-client types: never answered (no loops)
            return;
        default:
            break;
    }
    if (!s->registered)
    {
        m_stats.notRegistered++;
        Fail(sessionId, m, ep_errno::kEperm);
        return;
    }
    bool creating = (m.flags & kEpFlagCreate) != 0 || m.type == EpType::Socket;
    EpServerSocket* sock = nullptr;
    if (creating)
    {
        std::int32_t error = 0;
        sock = CreateSocket(*s, m, error);
        if (sock == nullptr)
        {
            Fail(sessionId, m, error);
            return;
        }
        if (m.type == EpType::Socket)
        {
            Respond(sessionId, m, ep_errno::kOk);
            return;
        }
    }
    else
    {
        sock = FindSocket(*s, m.rsockId);
        if (sock == nullptr || sock->state == EpServerSocketState::Closing)
        {
            // Also normal for messages racing with a server-side close: no reply without an id.
            m_stats.unknownSocket++;
            Respond(sessionId, m, ep_errno::kEbadf);
            return;
        }
    }
    HandleSocketCall(*s, *sock, m, creating);
}

std::optional<EpServerOutgoing>
EpServer::PollOutgoing()
{
    if (m_out.empty())
    {
        return std::nullopt;
    }
    EpServerOutgoing o = std::move(m_out.front());
    m_out.pop_front();
    if (o.bytes.size() > 1 && o.bytes[1] == static_cast<std::uint8_t>(EpType::RecvFrom))
    {
        Session* s = FindSession(o.sessionId);
        if (s != nullptr)
        {
            s->queuedDatagramBytes -= std::min(s->queuedDatagramBytes, o.bytes.size());
        }
    }
    return o;
}

void
EpServer::SetSessionBackpressure(std::uint64_t sessionId, bool backedUp)
{
    Session* s = FindSession(sessionId);
    if (s == nullptr || s->backedUp == backedUp)
    {
        return;
    }
    s->backedUp = backedUp;
    std::vector<std::uint32_t> ids;
    for (const auto& kv : s->sockets)
    {
        ids.push_back(kv.first);
    }
    for (std::uint32_t id : ids)
    {
        // Looked up again each time: a read error may release sockets along the way.
        EpServerSocket* sock = FindSocket(*s, id);
        if (sock != nullptr)
        {
            PumpRead(*sock); // reads within credit when cleared; sets the read interest
        }
    }
}

std::optional<TimePoint>
EpServer::NextDeadline() const
{
    std::optional<TimePoint> due;
    if (!m_closingDeadlines.empty())
    {
        due = std::get<0>(*m_closingDeadlines.begin());
    }
    if (!m_resolveDeadlines.empty())
    {
        const TimePoint r = std::get<0>(*m_resolveDeadlines.begin());
        due = due ? std::min(*due, r) : r;
    }
    return due;
}

void
EpServer::HandleDeadline(TimePoint now)
{
    m_now = std::max(m_now, now);
    while (!m_closingDeadlines.empty() && std::get<0>(*m_closingDeadlines.begin()) <= now)
    {
        auto [when, sessionId, rsockId] = *m_closingDeadlines.begin();
        m_closingDeadlines.erase(m_closingDeadlines.begin());
        Session* s = FindSession(sessionId);
        EpServerSocket* sock = s != nullptr ? FindSocket(*s, rsockId) : nullptr;
        if (sock == nullptr || sock->state != EpServerSocketState::Closing)
        {
            continue;
        }
        // The peer has not taken the client's last data in closingTimeout: give up (RST).
        sock->closingDeadline.reset();
        m_stats.closingTimeouts++;
        Release(*s, rsockId, true);
    }
    while (!m_resolveDeadlines.empty() && std::get<0>(*m_resolveDeadlines.begin()) <= now)
    {
        auto [when, sessionId, requestId] = *m_resolveDeadlines.begin();
        m_resolveDeadlines.erase(m_resolveDeadlines.begin());
        Session* s = FindSession(sessionId);
        if (s == nullptr || s->resolving.erase(requestId) == 0)
        {
            continue;
        }
        // The resolver did not answer in resolveTimeout: temporary failure, as glibc's
        // resolver reports a DNS server that does not answer.
        m_stats.resolutionsTimedOut++;
        SendResolved(sessionId, requestId, ep_resolve::kEaiAgain);
    }
}

// --- name resolution ---

void
EpServer::HandleResolve(Session& s, const EpMessage& m)
{
    if (m.requestId == 0)
    {
        m_stats.unexpectedMessages++; // nothing could carry the answer
        return;
    }
    if (!s.registered)
    {
        m_stats.notRegistered++;
        SendResolved(s.id, m.requestId, ep_errno::kEperm);
        return;
    }
    if (!m_resolver)
    {
        m_stats.resolutionsUnsupported++;
        SendResolved(s.id, m.requestId, ep_resolve::kEaiFail);
        return;
    }
    if (s.resolving.count(m.requestId) != 0)
    {
        m_stats.unexpectedMessages++; // a repeated id: the first one's answer will come
        return;
    }
    if (s.resolving.size() >= m_config.maxPendingResolutions)
    {
        m_stats.resolutionsRefused++;
        SendResolved(s.id, m.requestId, ep_resolve::kEaiAgain);
        return;
    }
    PendingResolution pr;
    pr.deadline = m_now + m_config.resolveTimeout;
    pr.family = m.family;
    pr.flags = m.resolveFlags;
    s.resolving[m.requestId] = pr;
    m_resolveDeadlines.insert({pr.deadline, s.id, m.requestId});
    m_stats.resolutionsStarted++;
    EpResolveRequest r;
    r.sessionId = s.id;
    r.requestId = m.requestId;
    r.name = m.name;
    r.family = m.family;
    r.flags = m.resolveFlags;
    m_resolver(r); // may answer at once through OnResolved: the state above is complete
}

void
EpServer::OnResolved(std::uint64_t sessionId,
                     std::uint32_t requestId,
                     std::int32_t error,
                     const std::vector<EpAddress>& addresses,
                     const std::string& canonicalName)
{
    Session* s = FindSession(sessionId);
    if (s == nullptr || s->resolving.count(requestId) == 0)
    {
        m_stats.staleResolutions++;
        return;
    }
    auto it = s->resolving.find(requestId);
    const PendingResolution pr = it->second;
    s->resolving.erase(it);
    m_resolveDeadlines.erase({pr.deadline, sessionId, requestId});
    if (!ep_resolve::IsValid(error))
    {
        error = ep_resolve::kEaiFail;
    }
    std::vector<EpAddress> out;
    std::string name;
    if (error == ep_resolve::kOk)
    {
        for (EpAddress a : addresses)
        {
            if ((a.family != 4 && a.family != 6) || (pr.family != 0 && a.family != pr.family))
            {
                continue;
            }
            a.port = 0;
            if (a.family == 4)
            {
                std::fill(a.addr.begin() + 4, a.addr.end(), 0);
            }
            if (std::find(out.begin(), out.end(), a) == out.end() &&
                out.size() < kEpMaxResolvedAddresses)
            {
                out.push_back(a);
            }
        }
        if (out.empty())
        {
            error = ep_resolve::kEaiNoname;
        }
        else if ((pr.flags & kEpResolveCanonName) != 0)
        {
            name = canonicalName.substr(0, std::min(canonicalName.find('\0'), kEpMaxName));
        }
    }
    SendResolved(sessionId, requestId, error, std::move(out), std::move(name));
}

void
EpServer::SendResolved(std::uint64_t id,
                       std::uint32_t requestId,
                       std::int32_t error,
                       std::vector<EpAddress> addresses,
                       std::string name)
{
    EpMessage r;
    r.type = EpType::Resolved;
    r.requestId = requestId;
    r.error = error;
    if (error == ep_resolve::kOk)
    {
        r.addresses = std::move(addresses);
        r.name = std::move(name);
        // One message is one LHP SDU: a small maxMessageSize costs the name, then addresses.
        if (EpEncodedSize(r) > m_config.maxMessageSize)
        {
            r.name.clear();
        }
        while (r.addresses.size() > 1 && EpEncodedSize(r) > m_config.maxMessageSize)
        {
            r.addresses.pop_back();
        }
    }
    m_stats.resolutionsAnswered++;
    Queue(id, r);
}

bool
EpServer::HasOutgoing() const
{
    return !m_out.empty();
}

// --- registration ---

void
EpServer::HandleRegister(Session& s, const EpMessage& m)
{
    EpMessage r;
    r.type = EpType::Registered;
    r.requestId = m.requestId;
    if (s.awaitingAddress)
    {
        return; // the provider's answer will reply to the first Register
    }
    if (s.registered)
    {
        // Idempotent: a repeated Register gets the registration it already has.
        r.addrMode = s.addrMode;
        r.ipv4 = s.publicIpv4;
        r.socketLimit = s.socketLimit;
        Queue(s.id, r);
        return;
    }
    if (std::int32_t refused = AdmitRegistration(); refused != 0)
    {
        r.addrMode = m.addrMode;
        r.error = refused;
        Queue(s.id, r);
        return;
    }
    EpRegistration reg;
    reg.sessionId = s.id;
    reg.requestedMode = m.addrMode;
    reg.requestedIpv4 = m.ipv4;
    reg.name = m.name;
    EpAdmission adm = m_admission ? m_admission(reg) : EpAdmission{};
    // The hook may choose the mode itself (per client); then nothing falls back.
    const bool chosen = adm.mode.has_value();
    const EpAddrMode asked = chosen ? *adm.mode : m.addrMode;
    const std::uint32_t wantedIpv4 = chosen ? adm.ipv4 : m.ipv4;
    r.addrMode = asked;
    if (adm.error == 0 && chosen &&
        !(asked == EpAddrMode::OneTo1 ? m_config.allowOneTo1 : m_config.allowNTo1))
    {
        adm.error = ep_errno::kEacces;
    }
    if (adm.error != 0)
    {
        m_stats.registrationsDenied++;
        r.error = adm.error;
        Queue(s.id, r);
        return;
    }

    auto freePool = [this](std::uint32_t wanted) -> std::optional<std::uint32_t>
    {
        for (std::uint32_t a : m_config.addressPool)
        {
            if ((wanted == 0 || a == wanted) && m_poolInUse.count(a) == 0)
            {
                return a;
            }
        }
        return std::nullopt;
    };

    // Mixed mode = both allowed: each client gets what it asks for (or what the hook chose).
    // A mode the server does not offer falls back to the other unless the hook chose it;
    // Registered tells the client what it got.
    std::int32_t error = 0;
    EpAddrMode mode = EpAddrMode::NTo1;
    std::optional<std::uint32_t> poolAddr;
    bool wantOwn = asked == EpAddrMode::OneTo1;
    if (wantOwn && m_config.allowOneTo1 && m_addressProvider)
    {
        // The driver obtains the address (e.g. a DHCP lease); OnAddressAssigned answers.
        s.awaitingAddress = std::make_pair(
            m.requestId, adm.socketLimit != 0 ? adm.socketLimit : m_config.socketLimit);
        s.name = m.name;
        EpAddressRequest req;
        req.sessionId = s.id;
        req.requestedIpv4 = wantedIpv4;
        m_addressProvider(req); // may answer at once: the state above is complete
        return;
    }
    if (wantOwn && m_config.allowOneTo1)
    {
        poolAddr = freePool(wantedIpv4);
        if (poolAddr)
        {
            mode = EpAddrMode::OneTo1;
        }
        else if (chosen || wantedIpv4 != 0 || !m_config.allowNTo1)
        {
            error = ep_errno::kEaddrnotavail;
        }
    }
    else if (!m_config.allowNTo1)
    {
        poolAddr = m_config.allowOneTo1 ? freePool(0) : std::nullopt;
        if (poolAddr)
        {
            mode = EpAddrMode::OneTo1;
        }
        else
        {
            error = m_config.allowOneTo1 ? ep_errno::kEaddrnotavail : ep_errno::kEacces;
        }
    }
    if (error != 0)
    {
        m_stats.registrationsDenied++;
        r.error = error;
        Queue(s.id, r);
        return;
    }
    s.name = m.name;
    const bool fromPool = mode == EpAddrMode::OneTo1;
    CompleteRegistration(s,
                         m.requestId,
                         mode,
                         fromPool ? *poolAddr : m_config.serverIpv4,
                         fromPool,
                         adm.socketLimit != 0 ? adm.socketLimit : m_config.socketLimit);
}

std::int32_t
EpServer::AdmitRegistration()
{
    if (m_registeredClients >= m_config.maxClients)
    {
        m_stats.clientsRefused++;
        return ep_errno::kEconnrefused;
    }
    if (m_config.registrationsPerSecond <= 0)
    {
        return 0;
    }
    // Token bucket: registrationBurst at once, then registrationsPerSecond.
    const double burst = std::max<double>(1, m_config.registrationBurst);
    if (!m_tokensAt)
    {
        m_registrationTokens = burst;
    }
    else if (m_now > *m_tokensAt)
    {
        const double seconds = std::chrono::duration<double>(m_now - *m_tokensAt).count();
        m_registrationTokens =
            std::min(burst, m_registrationTokens + seconds * m_config.registrationsPerSecond);
    }
    m_tokensAt = m_now;
    if (m_registrationTokens < 1)
    {
        m_stats.registrationsThrottled++;
        return ep_errno::kEconnrefused;
    }
    m_registrationTokens -= 1;
    return 0;
}

bool
EpServer::BufferFits(const Session& s, std::size_t bytes) const
{
    return bytes <= m_config.maxClientBufferBytes &&
           s.bufferReserved <= m_config.maxClientBufferBytes - bytes;
}

bool
EpServer::ReserveBuffer(Session& s, EpServerSocket& sock, std::size_t bytes)
{
    if (!BufferFits(s, bytes))
    {
        m_stats.bufferRefused++;
        return false;
    }
    s.bufferReserved += bytes;
    sock.bufferReserved += bytes;
    return true;
}

// --- socket calls ---

EpServerSocket*
EpServer::CreateSocket(Session& s, const EpMessage& m, std::int32_t& error)
{
    if (m.rsockId == 0 || m.rsockId >= kServerRsockBase || s.sockets.count(m.rsockId) != 0)
    {
        m_stats.unexpectedMessages++;
        error = ep_errno::kEinval;
        return nullptr;
    }
    if (m.sockType != EpSockType::Stream && m.sockType != EpSockType::Dgram)
    {
        error = ep_errno::kEprotonosupport;
        return nullptr;
    }
    if (s.sockets.size() >= s.socketLimit)
    {
        m_stats.limitRejected++;
        error = ep_errno::kEmfile;
        return nullptr;
    }
    // A stream socket holds up to clientWindowBytes of the client's data on the server.
    const std::size_t window = m.sockType == EpSockType::Stream ? m_config.clientWindowBytes : 0;
    if (!BufferFits(s, window))
    {
        m_stats.bufferRefused++;
        error = ep_errno::kEnobufs;
        return nullptr;
    }
    std::int32_t stackError = 0;
    EpHandle h = m_stack.Create(m.sockType, stackError);
    if (h == kEpInvalidHandle)
    {
        // Keep the promise that a create failure leaves no socket and says so.
        error = EpIsCreateFailure(stackError) ? stackError : ep_errno::kEnomem;
        return nullptr;
    }
    EpServerSocket sock;
    sock.sessionId = s.id;
    sock.rsockId = m.rsockId;
    sock.type = m.sockType;
    sock.handle = h;
    m_byHandle[h] = SocketKey{s.id, m.rsockId};
    m_stats.socketsCreated++;
    EpServerSocket& created = s.sockets.emplace(m.rsockId, std::move(sock)).first->second;
    ReserveBuffer(s, created, window); // checked above
    UpdateReadInterest(created);       // datagram sockets want input from the start
    return &created;
}

void
EpServer::HandleSocketCall(Session& s, EpServerSocket& sock, const EpMessage& m, bool created)
{
    std::int32_t rc = 0;
    std::uint32_t id = sock.rsockId;
    switch (m.type)
    {
        case EpType::Bind:
            rc = DoBind(s, sock, m);
            break;
        case EpType::Listen:
            rc = DoListen(s, sock, m);
            break;
        case EpType::Connect:
            rc = DoConnect(s, sock, m);
            break;
        case EpType::Data:
            DoData(s, sock, m);
            return;
        case EpType::Credit:
            if (sock.type != EpSockType::Stream)
            {
                m_stats.unexpectedMessages++;
                return;
            }
            HandleCredit(sock, m.value);
            return;
        case EpType::Shutdown:
            DoShutdown(sock, m);
            return;
        case EpType::Close:
            DoClose(s, sock);
            return;
        case EpType::SetSockOpt:
        {
            std::int32_t value = m.intValue;
            rc = ep_sockopt::IsSupported(m.level, m.option) ? ep_errno::kOk : kEpEnoprotoopt;
            const bool buffer =
                m.level == ep_sockopt::kLevelSocket &&
                (m.option == ep_sockopt::kSndBuf || m.option == ep_sockopt::kRcvBuf);
            if (rc == 0 && buffer)
            {
                // As Linux clamps to wmem_max/rmem_max: no client sizes the server's memory.
                if (value <= 0)
                {
                    rc = ep_errno::kEinval;
                }
                else if (value > m_config.maxSocketBuffer)
                {
                    value = m_config.maxSocketBuffer;
                    m_stats.sockOptsClamped++;
                }
            }
            // What the client sets counts against its buffer budget (a smaller value
            // gives some back).
            std::size_t* held = nullptr;
            if (rc == 0 && buffer)
            {
                held =
                    m.option == ep_sockopt::kSndBuf ? &sock.sndbufReserved : &sock.rcvbufReserved;
                const std::size_t want = static_cast<std::size_t>(value);
                if (want > *held && !ReserveBuffer(s, sock, want - *held))
                {
                    rc = ep_errno::kEnobufs;
                    held = nullptr;
                }
            }
            if (rc == 0)
            {
                rc = m_stack.SetSockOpt(sock.handle, m.level, m.option, value);
            }
            if (held != nullptr)
            {
                const std::size_t want = static_cast<std::size_t>(value);
                const std::size_t keep = rc == 0 ? want : *held; // failed: give it back
                const std::size_t taken = std::max(want, *held);
                s.bufferReserved -= taken - keep;
                sock.bufferReserved -= taken - keep;
                *held = keep;
            }
            Respond(s.id, m, rc);
            break;
        }
        case EpType::GetSockOpt:
        {
            std::int32_t value = 0;
            rc = ep_sockopt::IsSupported(m.level, m.option)
                     ? m_stack.GetSockOpt(sock.handle, m.level, m.option, value)
                     : kEpEnoprotoopt;
            Respond(s.id, m, rc, {}, {}, rc == 0 ? value : 0);
            break;
        }
        case EpType::SendTo:
            rc = DoSendTo(s, sock, m);
            break;
        default:
            m_stats.unexpectedMessages++;
            rc = ep_errno::kEinval;
            Respond(s.id, m, rc);
            break;
    }
    // A creating call answered with a "no socket" error must leave no socket behind.
    if (created && EpIsCreateFailure(rc))
    {
        Release(s, id, false);
    }
}

std::int32_t
EpServer::CheckLocal(const Session& s, EpAddress& local) const
{
    if (local.family == 0)
    {
        local = EpAddress::Ipv4(0, local.port);
    }
    if (local.family != 4)
    {
        return ep_errno::kOk; // IPv6 goes to the stack as asked
    }
    std::uint32_t ip = local.Ipv4HostOrder();
    if (ip == 0)
    {
        if (s.addrMode == EpAddrMode::OneTo1)
        {
            // The client's own address, so its sockets never use the server's.
            local = EpAddress::Ipv4(s.publicIpv4, local.port);
        }
        return ep_errno::kOk;
    }
    return ip == s.publicIpv4 ? ep_errno::kOk : ep_errno::kEaddrnotavail;
}

std::int32_t
EpServer::ImplicitBind(const Session& s, EpServerSocket& sock)
{
    if (s.addrMode != EpAddrMode::OneTo1 || sock.bound)
    {
        return ep_errno::kOk;
    }
    std::int32_t rc = m_stack.Bind(sock.handle, EpAddress::Ipv4(s.publicIpv4, 0));
    sock.bound = rc == ep_errno::kOk;
    return rc;
}

std::int32_t
EpServer::Policy(const Session& s, EpType op, const EpAddress& a) const
{
    return m_policy ? m_policy(s.id, op, a) : ep_errno::kOk;
}

std::int32_t
EpServer::DoBind(Session& s, EpServerSocket& sock, const EpMessage& m)
{
    EpAddress local = m.local;
    std::int32_t rc = sock.bound ? ep_errno::kEinval : CheckLocal(s, local);
    if (rc == 0)
    {
        rc = Policy(s, EpType::Bind, local);
    }
    if (rc == 0)
    {
        rc = m_stack.Bind(sock.handle, local);
    }
    sock.bindError = rc;
    sock.bound = rc == 0;
    Respond(s.id, m, rc, rc == 0 ? m_stack.GetSockName(sock.handle) : EpAddress{});
    return rc;
}

std::int32_t
EpServer::DoListen(Session& s, EpServerSocket& sock, const EpMessage& m)
{
    std::int32_t rc = sock.bindError;
    if (sock.type != EpSockType::Stream)
    {
        rc = ep_errno::kEopnotsupp;
    }
    else if (sock.state != EpServerSocketState::Open &&
             sock.state != EpServerSocketState::Listening)
    {
        rc = ep_errno::kEinval;
    }
    if (rc == 0)
    {
        rc = ImplicitBind(s, sock);
    }
    if (rc == 0)
    {
        rc = Policy(s, EpType::Listen, m_stack.GetSockName(sock.handle));
    }
    if (rc == 0)
    {
        rc = m_stack.Listen(sock.handle, m.value);
    }
    if (rc == 0)
    {
        sock.state = EpServerSocketState::Listening;
        UpdateReadInterest(sock); // incoming connections
    }
    Respond(s.id, m, rc, rc == 0 ? m_stack.GetSockName(sock.handle) : EpAddress{});
    return rc;
}

std::int32_t
EpServer::DoConnect(Session& s, EpServerSocket& sock, const EpMessage& m)
{
    std::int32_t rc = sock.bindError;
    switch (sock.state)
    {
        case EpServerSocketState::Connecting:
            rc = kEpEalready;
            break;
        case EpServerSocketState::Listening:
            rc = ep_errno::kEinval;
            break;
        case EpServerSocketState::Connected:
            if (sock.type == EpSockType::Stream)
            {
                rc = ep_errno::kEisconn;
            }
            break;
        default:
            break;
    }
    if (rc == 0)
    {
        rc = ImplicitBind(s, sock);
    }
    if (rc == 0)
    {
        rc = Policy(s, EpType::Connect, m.peer);
    }
    if (rc == 0)
    {
        rc = m_stack.Connect(sock.handle, m.peer);
    }
    if (rc == 0 || rc == kEpEinprogress)
    {
        sock.connectRequest = m.requestId;
        sock.state = EpServerSocketState::Connecting;
        if (rc == 0)
        {
            FinishConnect(sock);
        }
        return ep_errno::kOk;
    }
    Respond(s.id, m, rc);
    return rc;
}

void
EpServer::FinishConnect(EpServerSocket& sock)
{
    sock.state = EpServerSocketState::Connected;
    EpMessage r;
    r.type = EpType::Response;
    r.rsockId = sock.rsockId;
    r.requestId = sock.connectRequest;
    r.local = m_stack.GetSockName(sock.handle);
    r.peer = m_stack.GetPeerName(sock.handle);
    sock.connectRequest = 0;
    Queue(sock.sessionId, r);
    if (sock.type == EpSockType::Stream)
    {
        // Initial grant: the client may now send up to the window we buffer for it.
        sock.clientAllowance = m_config.clientWindowBytes;
        SendCredit(sock, m_config.clientWindowBytes);
        if (FlushPending(sock)) // a Shutdown(write) that came while connecting
        {
            PumpRead(sock); // a Credit that came while connecting; sets the read interest
        }
    }
}

void
EpServer::DoData(Session& s, EpServerSocket& sock, const EpMessage& m)
{
    if (sock.type != EpSockType::Stream || sock.shutWrRequested ||
        (sock.state != EpServerSocketState::Connected &&
         sock.state != EpServerSocketState::Connecting))
    {
        m_stats.unexpectedMessages++;
        return;
    }
    std::size_t n = m.payload.size();
    if (n > sock.clientAllowance)
    {
        // A client ignoring its credit could exhaust our memory: drop the connection.
        m_stats.windowViolations++;
        EpMessage e;
        e.type = EpType::Error;
        e.rsockId = sock.rsockId;
        e.error = ep_errno::kEnomem;
        Queue(s.id, e);
        Release(s, sock.rsockId, true);
        return;
    }
    sock.clientAllowance -= n;
    sock.bytesFromClient += n;
    m_stats.bytesFromClients += n;
    sock.pending.insert(sock.pending.end(), m.payload.begin(), m.payload.end());
    sock.lastDataShort = n < m_chunk;
    sock.creditWanted = sock.creditWanted || (m.flags & kEpFlagCreditWanted) != 0;
    FlushPending(sock);
}

void
EpServer::DoShutdown(EpServerSocket& sock, const EpMessage& m)
{
    if (sock.type != EpSockType::Stream)
    {
        return; // datagram shutdown is the client's own business
    }
    if (m.how == ep_shutdown::kRead || m.how == ep_shutdown::kBoth)
    {
        sock.shutRd = true;
        if (!PumpRead(sock))
        {
            return; // a read error released it
        }
    }
    if (m.how == ep_shutdown::kWrite || m.how == ep_shutdown::kBoth)
    {
        sock.shutWrRequested = true;
        FlushPending(sock);
    }
}

void
EpServer::DoClose(Session& s, EpServerSocket& sock)
{
    if (sock.type == EpSockType::Stream && sock.state == EpServerSocketState::Connected &&
        !sock.pending.empty())
    {
        // The stack still has to take the data; a peer that never reads gets closingTimeout.
        sock.state = EpServerSocketState::Closing;
        sock.closingDeadline = m_now + m_config.closingTimeout;
        m_closingDeadlines.insert({*sock.closingDeadline, s.id, sock.rsockId});
        UpdateReadInterest(sock);
        return;
    }
    Release(s, sock.rsockId, false);
}

std::int32_t
EpServer::DoSendTo(Session& s, EpServerSocket& sock, const EpMessage& m)
{
    std::int32_t rc = sock.type == EpSockType::Dgram ? ep_errno::kOk : ep_errno::kEopnotsupp;
    if (rc == 0)
    {
        rc = ImplicitBind(s, sock);
    }
    if (rc == 0)
    {
        rc = Policy(s, EpType::SendTo, m.peer);
    }
    if (rc == 0)
    {
        rc = m_stack.SendTo(sock.handle, m.peer, m.payload.data(), m.payload.size());
    }
    if (rc == 0)
    {
        m_stats.datagramsToInternet++;
    }
    else
    {
        m_stats.datagramsDropped++;
    }
    // Only the creating datagram asks for an answer; later errors are lost, as with UDP.
    Respond(s.id, m, rc, rc == 0 ? m_stack.GetSockName(sock.handle) : EpAddress{});
    return rc;
}

// --- inspection ---

const EpServerStats&
EpServer::GetStats() const
{
    return m_stats;
}

const EpServerConfig&
EpServer::GetConfig() const
{
    return m_config;
}

std::vector<EpServerSocketInfo>
EpServer::ListSockets() const
{
    std::vector<EpServerSocketInfo> out;
    for (const auto& [sid, s] : m_sessions)
    {
        for (const auto& [id, sock] : s.sockets)
        {
            EpServerSocketInfo i;
            i.sessionId = sid;
            i.rsockId = id;
            i.handle = sock.handle;
            i.type = sock.type;
            i.state = sock.state;
            i.pendingBytes = sock.pending.size();
            i.pushAllowance = sock.pushAllowance;
            i.clientAllowance = sock.clientAllowance;
            i.bytesFromStack = sock.bytesFromStack;
            i.bytesToClient = sock.bytesToClient;
            i.bytesToStack = sock.bytesToStack;
            i.clientRecvWindow = sock.clientRecvWindow;
            i.readInterest = sock.readInterest;
            out.push_back(i);
        }
    }
    return out;
}

std::optional<EpServerSessionInfo>
EpServer::GetSession(std::uint64_t sessionId) const
{
    auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
    {
        return std::nullopt;
    }
    const Session& s = it->second;
    EpServerSessionInfo i;
    i.registered = s.registered;
    i.addrMode = s.addrMode;
    i.publicIpv4 = s.publicIpv4;
    i.socketLimit = s.socketLimit;
    i.name = s.name;
    i.socketCount = s.sockets.size();
    i.backedUp = s.backedUp;
    i.queuedDatagramBytes = s.queuedDatagramBytes;
    i.pendingResolutions = s.resolving.size();
    return i;
}

std::size_t
EpServer::SessionCount() const
{
    return m_sessions.size();
}

// --- internals ---

EpServer::Session*
EpServer::FindSession(std::uint64_t id)
{
    auto it = m_sessions.find(id);
    return it == m_sessions.end() ? nullptr : &it->second;
}

EpServerSocket*
EpServer::FindSocket(Session& s, std::uint32_t rsockId)
{
    auto it = s.sockets.find(rsockId);
    return it == s.sockets.end() ? nullptr : &it->second;
}

EpServerSocket*
EpServer::FindByHandle(EpHandle h)
{
    auto it = m_byHandle.find(h);
    if (it == m_byHandle.end())
    {
        return nullptr;
    }
    Session* s = FindSession(it->second.sessionId);
    return s == nullptr ? nullptr : FindSocket(*s, it->second.rsockId);
}

void
EpServer::Queue(std::uint64_t sessionId, const EpMessage& m, LhpChannel ch)
{
    EpServerOutgoing o;
    o.sessionId = sessionId;
    o.channel = ch;
    EncodeEpMessage(m, o.bytes);
    m_out.push_back(std::move(o));
    m_stats.messagesSent++;
}

void
EpServer::Respond(std::uint64_t sessionId,
                  const EpMessage& request,
                  std::int32_t error,
                  const EpAddress& local,
                  const EpAddress& peer,
                  std::int32_t value)
{
    if (request.requestId == 0)
    {
        return;
    }
    EpMessage r;
    r.type = EpType::Response;
    r.rsockId = request.rsockId;
    r.requestId = request.requestId;
    r.error = error;
    r.local = local;
    r.peer = peer;
    r.intValue = value;
    Queue(sessionId, r);
}

void
EpServer::Fail(std::uint64_t sessionId, const EpMessage& request, std::int32_t error)
{
    if (request.requestId != 0)
    {
        Respond(sessionId, request, error);
    }
    else if ((request.flags & kEpFlagCreate) != 0 && request.rsockId != 0)
    {
        // A create without a request id (a foreign client) still learns it failed.
        EpMessage e;
        e.type = EpType::Error;
        e.rsockId = request.rsockId;
        e.error = error;
        Queue(sessionId, e);
    }
}

} // namespace resoa
