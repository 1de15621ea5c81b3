/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#include "shim-server.h"

#include "fd-passing.h"
#include "shim-resolve.h"
#include "system-error.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace resoa
{
namespace realnet
{
namespace
{

EpAddress
ToEp(const ShimAddress& a)
{
    EpAddress e;
    e.family = a.family;
    e.addr = a.addr;
    e.port = a.port;
    return e;
}

ShimAddress
ToShim(const EpAddress& e)
{
    ShimAddress a;
    a.family = e.family;
    a.addr = e.addr;
    a.port = e.family == 0 ? 0 : e.port;
    if (a.family == 4)
    {
        std::fill(a.addr.begin() + 4, a.addr.end(), 0);
    }
    return a;
}

/// The Waiting request an engine event answers, if it answers one.
bool
Answers(const EpClientEvent& e, ShimType type, std::uint32_t socketId, std::uint32_t requestId)
{
    switch (e.kind)
    {
        case EpClientEvent::Kind::BindDone:
            return type == ShimType::Bind && socketId == e.rsockId;
        case EpClientEvent::Kind::ListenDone:
            return type == ShimType::Listen && socketId == e.rsockId;
        case EpClientEvent::Kind::ConnectDone:
            return type == ShimType::Connect && socketId == e.rsockId;
        case EpClientEvent::Kind::RequestDone:
            return (type == ShimType::SetSockOpt || type == ShimType::GetSockOpt) &&
                   requestId == e.requestId;
        case EpClientEvent::Kind::Resolved:
            return type == ShimType::Resolve && requestId == e.requestId;
        default:
            return false;
    }
}

/**
 * Boolean options that the server cannot refuse on a live TCP socket (TCP_NODELAY,
 * SO_KEEPALIVE, SO_REUSEADDR set to 0 or 1): the shim gets its answer at once while the request
 * travels, which saves a round trip over the last hop per connection (curl sets TCP_NODELAY between
 * connect and its first byte). The server still applies them in order, so a later
 * getsockopt sees the value; a refusal the server sends anyway is logged.
 */
bool
IsPipelinedOption(const ShimMessage& q)
{
    using namespace ep_sockopt;
    const bool boolean = q.value == 0 || q.value == 1;
    return q.type == ShimType::SetSockOpt && boolean &&
           ((q.level == kLevelTcp && q.option == kTcpNoDelay) ||
            (q.level == kLevelSocket && (q.option == kKeepAlive || q.option == kReuseAddr)));
}

} // namespace

ShimServer::ShimServer(EventLoop& loop, EpClient& client, Logger& log, const std::string& path)
    : m_loop(loop)
    , m_client(client)
    , m_log(log)
    , m_path(path)
{
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(sun.sun_path))
    {
        ThrowErrno(ENAMETOOLONG, "unix-socket " + path);
    }
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    std::string::size_type slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0)
    {
        ::mkdir(path.substr(0, slash).c_str(), 0755); // EEXIST is fine; bind reports the rest
    }
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
    {
        ::unlink(path.c_str()); // left by a clientd that did not exit cleanly
    }
    m_listen.Reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!m_listen)
    {
        ThrowErrno(errno, "socket(AF_UNIX)");
    }
    if (::bind(m_listen.Get(), reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0)
    {
        ThrowErrno(errno, "bind " + path);
    }
    ::chmod(path.c_str(), 0666);
    if (::listen(m_listen.Get(), 128) != 0)
    {
        ThrowErrno(errno, "listen " + path);
    }
    m_loop.Watch(
        m_listen.Get(), EventLoop::kReadable, [this](std::uint32_t) { OnListenReadable(); });
}

ShimServer::~ShimServer()
{
    for (auto& [fd, c] : m_connections)
    {
        m_loop.Unwatch(fd);
    }
    for (auto& [id, p] : m_pumps)
    {
        m_loop.Unwatch(p->GetFd());
    }
    m_loop.Unwatch(m_listen.Get());
    ::unlink(m_path.c_str());
}

std::size_t
ShimServer::GetSocketCount() const
{
    return m_pumps.size();
}

std::size_t
ShimServer::GetConnectionCount() const
{
    return m_connections.size();
}

const std::string&
ShimServer::GetPath() const
{
    return m_path;
}

void
ShimServer::OnListenReadable()
{
    for (;;)
    {
        int fd = ::accept4(m_listen.Get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
        {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            {
                m_log.LogLimited(LogLevel::Warning,
                                 "shim-accept",
                                 std::string("shim accept: ") + std::strerror(errno));
            }
            return;
        }
        Connection& c = m_connections[fd];
        c.fd.Reset(fd);
        m_loop.Watch(
            fd, EventLoop::kReadable, [this, fd](std::uint32_t) { OnConnectionReadable(fd); });
    }
}

void
ShimServer::DropConnection(int fd)
{
    m_loop.Unwatch(fd);
    m_connections.erase(fd); // sockets live on: they belong to the pairs, not to the shim
}

void
ShimServer::OnConnectionReadable(int fd)
{
    auto it = m_connections.find(fd);
    if (it == m_connections.end())
    {
        return;
    }
    try
    {
        FdMessage message;
        FdReceiveStatus status = ReceiveFdMessage(fd, message);
        if (status == FdReceiveStatus::WouldBlock)
        {
            return;
        }
        if (status == FdReceiveStatus::Message && !message.fd &&
            IsShimResolve(message.bytes.data(), message.bytes.size()) && !it->second.waiting)
        {
            if (!ResolveRequest(it->second, message.bytes))
            {
                m_log.LogLimited(LogLevel::Warning, "shim-bad", "shim sent a bad request");
                DropConnection(fd);
            }
            return;
        }
        ShimMessage request;
        if (status == FdReceiveStatus::Closed ||
            !DecodeShimMessage(message.bytes.data(), message.bytes.size(), request) ||
            (request.flags & kShimFlagReply) != 0 || it->second.waiting)
        {
            if (status != FdReceiveStatus::Closed)
            {
                m_log.LogLimited(LogLevel::Warning, "shim-bad", "shim sent a bad request");
            }
            DropConnection(fd);
            return;
        }
        Handle(it->second, request);
    }
    catch (const std::system_error& e)
    {
        m_log.LogLimited(LogLevel::Warning, "shim-io", std::string("shim: ") + e.what());
        DropConnection(fd);
    }
}

void
ShimServer::Reply(Connection& c, ShimMessage reply, int fd)
{
    reply.flags = kShimFlagReply;
    std::uint8_t bytes[kShimMessageSize];
    EncodeShimMessage(reply, bytes);
    try
    {
        SendFdMessage(c.fd.Get(), bytes, sizeof(bytes), fd);
    }
    catch (const std::system_error& e)
    {
        // The process died while waiting; its sockets go when their pairs hang up.
        m_log.Debug(std::string("shim reply: ") + e.what());
    }
}

PairPump*
ShimServer::Find(std::uint32_t id)
{
    auto it = m_pumps.find(id);
    return it == m_pumps.end() ? nullptr : it->second.get();
}

UniqueFd
ShimServer::AddPump(std::uint32_t id, EpSockType type)
{
    int fds[2];
    int kind = type == EpSockType::Stream ? SOCK_STREAM : SOCK_SEQPACKET;
    if (::socketpair(AF_UNIX, kind | SOCK_CLOEXEC, 0, fds) != 0)
    {
        return UniqueFd();
    }
    UniqueFd app(fds[1]);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK); // ours only: the application chooses for its end
    auto pump = std::make_unique<PairPump>(m_client, id, type, UniqueFd(fds[0]));
    PairPump* p = pump.get();
    m_pumps[id] = std::move(pump);
    m_interest[id] = 0;
    m_dirty.insert(id);
    m_loop.Watch(fds[0],
                 0,
                 [this, p, id](std::uint32_t events)
                 {
                     if (events & EventLoop::kError)
                     {
                         p->OnHangup();
                     }
                     m_dirty.insert(id);
                 });
    return app;
}

void
ShimServer::Handle(Connection& c, const ShimMessage& q)
{
    ShimMessage r;
    r.type = q.type;
    r.socketId = q.socketId;
    m_dirty.insert(q.socketId); // whatever the shim asks may change what its pump can do
    PairPump* pump = Find(q.socketId);
    bool needsSocket = q.type != ShimType::Socket && q.type != ShimType::Status;
    if (needsSocket && pump == nullptr && q.type != ShimType::GetError)
    {
        r.error = ep_errno::kEbadf;
        Reply(c, r);
        return;
    }
    switch (q.type)
    {
        case ShimType::Socket:
        {
            EpSockType type = q.sockType == 1   ? EpSockType::Stream
                              : q.sockType == 2 ? EpSockType::Dgram
                                                : EpSockType::None;
            EpSocketResult s = m_client.Create(type);
            if (s.error != 0)
            {
                r.error = s.error;
                break;
            }
            UniqueFd app = AddPump(s.id, type);
            if (!app)
            {
                r.error = errno;
                m_client.Close(s.id);
                break;
            }
            r.socketId = s.id;
            r.sockType = q.sockType;
            r.value = static_cast<std::int32_t>(
                EpMaxDatagramPayload(m_client.GetConfig().maxMessageSize));
            Reply(c, r, app.Get());
            return;
        }
        case ShimType::Bind:
            r.error = m_client.Bind(q.socketId, ToEp(q.local));
            if (r.error == 0)
            {
                c.waiting = Waiting{q.type, q.socketId, 0};
                return;
            }
            break;
        case ShimType::Listen:
            r.error = m_client.Listen(q.socketId, static_cast<std::uint32_t>(std::max(q.value, 1)));
            if (r.error == 0)
            {
                c.waiting = Waiting{q.type, q.socketId, 0};
                return;
            }
            break;
        case ShimType::Connect:
            ConnectRequest(c, q, r);
            if (c.waiting)
            {
                return;
            }
            break;
        case ShimType::ConnectFiller:
            pump->OnFiller(static_cast<std::size_t>(std::max(q.value, 0)));
            break;
        case ShimType::Accept:
            AcceptRequest(c, q);
            return;
        case ShimType::GetSockName:
        {
            EpAddress a;
            r.error = m_client.GetSockName(q.socketId, a);
            r.local = ToShim(a);
            break;
        }
        case ShimType::GetPeerName:
        {
            EpAddress a;
            r.error = m_client.GetPeerName(q.socketId, a);
            r.peer = ToShim(a);
            break;
        }
        case ShimType::GetError:
            r.value = pump ? pump->TakeError() : 0;
            break;
        case ShimType::SetSockOpt:
        case ShimType::GetSockOpt:
        {
            std::uint32_t requestId = 0;
            r.error = q.type == ShimType::SetSockOpt
                          ? m_client.SetSockOpt(q.socketId, q.level, q.option, q.value, &requestId)
                          : m_client.GetSockOpt(q.socketId, q.level, q.option, &requestId);
            if (r.error == 0 && pump->GetType() == EpSockType::Stream && IsPipelinedOption(q))
            {
                m_pipelined.insert(requestId);
                break; // answered now: see IsPipelinedOption
            }
            if (r.error == 0)
            {
                c.waiting = Waiting{q.type, q.socketId, requestId};
                return;
            }
            break;
        }
        case ShimType::Shutdown:
        {
            auto state = m_client.GetState(q.socketId);
            if (pump->GetType() == EpSockType::Stream &&
                (!state || *state != EpClientSocketState::Connected))
            {
                r.error = ep_errno::kEnotconn;
                break;
            }
            if (q.value == 0 || q.value == 2) // SHUT_RD, SHUT_RDWR; the shim shuts writing itself
            {
                m_client.Shutdown(q.socketId, ep_shutdown::kRead);
                pump->ShutdownRead();
            }
            break;
        }
        case ShimType::Status:
            r.error = m_client.IsRegistered() ? 0 : ep_errno::kEnetdown;
            r.local = ToShim(EpAddress::Ipv4(m_client.GetPublicIpv4(), 0));
            if (!m_client.IsRegistered())
            {
                r.local = ShimAddress{};
            }
            r.value = m_client.GetSocketLimit();
            break;
        case ShimType::Resolve: // never decoded as a fixed-size message (own format)
            r.error = ep_errno::kEinval;
            break;
    }
    Reply(c, r);
}

void
ShimServer::ConnectRequest(Connection& c, const ShimMessage& q, ShimMessage& r)
{
    PairPump* pump = Find(q.socketId);
    r.error = m_client.Connect(q.socketId, ToEp(q.peer));
    if (r.error != 0)
    {
        return;
    }
    bool nonBlocking =
        (q.flags & kShimFlagNonBlocking) != 0 && pump->GetType() == EpSockType::Stream;
    if (pump->GetType() == EpSockType::Dgram)
    {
        pump->SetConnectedDatagram(); // a UDP connect is quick: the shim always waits
    }
    pump->OnConnectStarted(nonBlocking);
    if (nonBlocking)
    {
        r.error = kEinprogressShim;
        return;
    }
    c.waiting = Waiting{ShimType::Connect, q.socketId, 0};
}

void
ShimServer::AcceptRequest(Connection& c, const ShimMessage& q)
{
    ShimMessage r;
    r.type = q.type;
    EpSocketResult s = m_client.Accept(q.socketId);
    if (s.error != 0)
    {
        r.error = s.error;
        Reply(c, r);
        return;
    }
    UniqueFd app = AddPump(s.id, EpSockType::Stream);
    if (!app)
    {
        r.error = errno;
        m_client.Close(s.id);
        Reply(c, r);
        return;
    }
    Find(s.id)->SetConnected();
    EpAddress local;
    EpAddress peer;
    m_client.GetSockName(s.id, local);
    m_client.GetPeerName(s.id, peer);
    r.socketId = s.id;
    r.sockType = 1;
    r.local = ToShim(local);
    r.peer = ToShim(peer);
    Reply(c, r, app.Get());
}

void
ShimServer::OnClientEvent(const EpClientEvent& e)
{
    if (e.kind == EpClientEvent::Kind::RequestDone && m_pipelined.erase(e.requestId) > 0)
    {
        if (e.error != 0)
        {
            m_log.LogLimited(LogLevel::Warning,
                             "pipelined-option",
                             "server refused a socket option already reported as set, socket " +
                                 std::to_string(e.rsockId) + ": errno " + std::to_string(e.error));
        }
        return;
    }
    if (PairPump* pump = Find(e.rsockId))
    {
        m_dirty.insert(e.rsockId);
        pump->OnEvent(e);
        if (e.kind == EpClientEvent::Kind::ListenDone && e.error == 0)
        {
            pump->SetListening();
        }
    }
    for (auto& [fd, c] : m_connections)
    {
        if (c.waiting && Answers(e, c.waiting->type, c.waiting->socketId, c.waiting->requestId))
        {
            if (c.waiting->type == ShimType::Resolve)
            {
                c.waiting.reset();
                ReplyResolved(c, e.error, &e);
                return;
            }
            ShimMessage r;
            r.type = c.waiting->type;
            r.socketId = e.rsockId;
            r.error = e.error;
            r.value = static_cast<std::int32_t>(e.value);
            r.local = ToShim(e.local);
            r.peer = ToShim(e.peer);
            c.waiting.reset();
            Reply(c, r);
            return;
        }
    }
}

void
ShimServer::Step(TimePoint now)
{
    std::set<std::uint32_t> work;
    work.swap(m_dirty);
    for (std::uint32_t id : work)
    {
        auto it = m_pumps.find(id);
        if (it == m_pumps.end())
        {
            continue;
        }
        PairPump& p = *it->second;
        std::uint32_t interest = p.Step(now);
        std::uint32_t& current = m_interest[it->first];
        if (p.Finished() || p.HungUp())
        {
            // A hang-up is level-triggered: once seen, the pump finishes without epoll.
            m_loop.Unwatch(p.GetFd());
        }
        else if (interest != current)
        {
            m_loop.SetInterest(p.GetFd(), interest);
            current = interest;
        }
        if (p.Finished())
        {
            m_interest.erase(it->first);
            m_pumps.erase(it);
        }
    }
}

} // namespace realnet
} // namespace resoa
