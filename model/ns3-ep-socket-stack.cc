/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "ns3-ep-socket-stack.h"

#include "resoa-socket-errno.h"
#include "tcp-full-window-guard.h"

#include "ns3/boolean.h"
#include "ns3/ep-engine-types.h"
#include "ns3/ep-server.h"
#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/tcp-socket.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("Ns3EpSocketStack");

namespace
{
/// A read that frees space while the advertised window is below this forces a window update.
constexpr uint32_t kWindowUpdateBelow = 4 * 1448;
} // namespace

Address
ResoaToNs3Address(const resoa::EpAddress& a)
{
    if (a.family != 4)
    {
        return InetSocketAddress(Ipv4Address::GetAny(), 0);
    }
    return InetSocketAddress(Ipv4Address(a.Ipv4HostOrder()), a.port);
}

resoa::EpAddress
ResoaFromNs3Address(const Address& a)
{
    if (!InetSocketAddress::IsMatchingType(a))
    {
        return resoa::EpAddress{};
    }
    InetSocketAddress in = InetSocketAddress::ConvertFrom(a);
    return resoa::EpAddress::Ipv4(in.GetIpv4().Get(), in.GetPort());
}

Ns3EpSocketStack::Ns3EpSocketStack(Ptr<Node> node)
    : m_node(node)
{
}

Ns3EpSocketStack::~Ns3EpSocketStack()
{
    AbortAll();
}

void
Ns3EpSocketStack::SetServer(resoa::EpServer* server)
{
    m_server = server;
}

void
Ns3EpSocketStack::SetAfterEventCallback(std::function<void()> cb)
{
    m_afterEvent = std::move(cb);
}

void
Ns3EpSocketStack::SetSourceRouting(Ptr<ResoaSourceRouting> routing)
{
    m_sourceRouting = routing;
}

void
Ns3EpSocketStack::SetTcpConfigurator(std::function<void(Ptr<Socket>)> configure)
{
    m_tcpConfigurator = std::move(configure);
}

void
Ns3EpSocketStack::AbortAll()
{
    auto entries = std::move(m_entries);
    m_entries.clear();
    for (auto& [h, e] : entries)
    {
        e.socket->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                                    MakeNullCallback<void, Ptr<Socket>>());
        e.socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        e.socket->SetSendCallback(MakeNullCallback<void, Ptr<Socket>, uint32_t>());
        e.socket->Close();
    }
}

size_t
Ns3EpSocketStack::GetOpenSockets() const
{
    return m_entries.size();
}

Ptr<Socket>
Ns3EpSocketStack::GetSocket(resoa::EpHandle h) const
{
    return Find(h);
}

Ptr<Socket>
Ns3EpSocketStack::Find(resoa::EpHandle h) const
{
    auto it = m_entries.find(h);
    return it == m_entries.end() ? nullptr : it->second.socket;
}

template<typename F>
void
Ns3EpSocketStack::Defer(resoa::EpHandle h, F fn)
{
    Simulator::ScheduleNow(
        [this, h, fn]()
        {
            if (m_server && m_entries.count(h))
            {
                fn(*m_server);
                if (m_afterEvent)
                {
                    m_afterEvent();
                }
            }
        });
}

resoa::EpHandle
Ns3EpSocketStack::Adopt(Ptr<Socket> socket, resoa::EpSockType type)
{
    // A new number for every socket, never one a released socket had: an event still
    // deferred for an old handle can never reach a new socket.
    resoa::EpHandle h = m_next++;
    NS_LOG_LOGIC("socket " << socket << " is handle " << h);
    Entry e;
    e.socket = socket;
    e.type = type;
    m_entries[h] = e;
    if (type == resoa::EpSockType::Stream)
    {
        // Created and accepted sockets alike (an accepted one is a fork with a fresh,
        // unguarded transmit buffer): see TcpFullWindowGuard.
        TcpFullWindowGuard::Protect(socket);
    }
    Wire(h, socket);
    return h;
}

void
Ns3EpSocketStack::Wire(resoa::EpHandle h, Ptr<Socket> socket)
{
    socket->SetConnectCallback(
        Callback<void, Ptr<Socket>>(
            [this, h](Ptr<Socket>)
            {
                auto it = m_entries.find(h);
                if (it != m_entries.end())
                {
                    it->second.connected = true;
                }
                Defer(h, [h](resoa::EpServer& s) { s.OnConnected(h); });
            }),
        Callback<void, Ptr<Socket>>(
            [this, h](Ptr<Socket> s)
            {
                int32_t err = ResoaErrnoFromSocket(s->GetErrno());
                if (err == resoa::ep_errno::kOk || err == resoa::ep_errno::kEinval)
                {
                    err = resoa::ep_errno::kEconnrefused;
                }
                Defer(h, [h, err](resoa::EpServer& srv) { srv.OnConnectFailed(h, err); });
            }));
    socket->SetCloseCallbacks(
        Callback<void, Ptr<Socket>>(
            [this, h](Ptr<Socket>)
            {
                // ns-3 reports an in-sequence FIN here; unread data stays readable.
                auto it = m_entries.find(h);
                if (it != m_entries.end())
                {
                    it->second.peerClosed = true;
                }
                Defer(h, [h](resoa::EpServer& s) { s.OnPeerClosed(h); });
            }),
        Callback<void, Ptr<Socket>>(
            [this, h](Ptr<Socket>)
            {
                auto it = m_entries.find(h);
                if (it != m_entries.end())
                {
                    it->second.error = resoa::ep_errno::kEconnreset;
                }
                Defer(h, [h](resoa::EpServer& s) { s.OnError(h, resoa::ep_errno::kEconnreset); });
            }));
    socket->SetSendCallback(Callback<void, Ptr<Socket>, uint32_t>(
        [this, h](Ptr<Socket> s, uint32_t)
        {
            auto it = m_entries.find(h);
            if (it != m_entries.end() && it->second.shutdownPending && TxBufferEmpty(s))
            {
                it->second.shutdownPending = false;
                s->ShutdownSend(); // now the FIN goes out at once
            }
            Defer(h, [h](resoa::EpServer& srv) { srv.OnWritable(h); });
        }));
    socket->SetAcceptCallback(
        Callback<bool, Ptr<Socket>, const Address&>([](Ptr<Socket>, const Address&)
                                                    { return true; }),
        Callback<void, Ptr<Socket>, const Address&>(
            [this, h](Ptr<Socket> s, const Address&)
            {
                resoa::EpHandle child = Adopt(s, resoa::EpSockType::Stream);
                m_entries[child].connected = true;
                Defer(h, [h, child](resoa::EpServer& srv) { srv.OnIncomingConnection(h, child); });
            }));
    auto it = m_entries.find(h);
    if (it != m_entries.end() && it->second.type == resoa::EpSockType::Dgram)
    {
        socket->SetRecvCallback(Callback<void, Ptr<Socket>>(
            [this, h](Ptr<Socket> s)
            {
                auto e = m_entries.find(h);
                if (e != m_entries.end() && e->second.readInterest)
                {
                    DrainDatagrams(h, s);
                }
                // else: they wait in the UDP socket's buffer (dropped beyond RcvBufSize).
            }));
    }
    else
    {
        socket->SetRecvCallback(Callback<void, Ptr<Socket>>(
            [this, h](Ptr<Socket>)
            {
                auto e = m_entries.find(h);
                if (e != m_entries.end() && e->second.readInterest)
                {
                    Defer(h, [h](resoa::EpServer& s) { s.OnReadable(h); });
                }
            }));
    }
}

void
Ns3EpSocketStack::DrainDatagrams(resoa::EpHandle h, Ptr<Socket> socket)
{
    Address from;
    while (Ptr<Packet> p = socket->RecvFrom(from))
    {
        std::vector<uint8_t> bytes(p->GetSize());
        p->CopyData(bytes.data(), bytes.size());
        resoa::EpAddress src = ResoaFromNs3Address(from);
        NS_LOG_LOGIC("handle " << h << " datagram of " << bytes.size() << " B from " << from);
        Defer(h,
              [h, src, bytes](resoa::EpServer& srv)
              { srv.OnDatagram(h, src, bytes.data(), bytes.size()); });
    }
}

void
Ns3EpSocketStack::SetReadInterest(resoa::EpHandle h, bool on)
{
    NS_LOG_FUNCTION(this << h << on);
    auto it = m_entries.find(h);
    if (it == m_entries.end() || it->second.readInterest == on)
    {
        return;
    }
    it->second.readInterest = on;
    if (!on)
    {
        return;
    }
    Ptr<Socket> s = it->second.socket;
    if (it->second.type == resoa::EpSockType::Dgram)
    {
        DrainDatagrams(h, s); // only schedules engine calls
    }
    else if (s->GetRxAvailable() > 0 || it->second.peerClosed)
    {
        Defer(h, [h](resoa::EpServer& srv) { srv.OnReadable(h); });
    }
}

resoa::EpHandle
Ns3EpSocketStack::Create(resoa::EpSockType type, std::int32_t& error)
{
    TypeId factory;
    if (type == resoa::EpSockType::Stream)
    {
        factory = TcpSocketFactory::GetTypeId();
    }
    else if (type == resoa::EpSockType::Dgram)
    {
        factory = UdpSocketFactory::GetTypeId();
    }
    else
    {
        error = resoa::ep_errno::kEprotonosupport;
        return resoa::kEpInvalidHandle;
    }
    Ptr<Socket> socket = Socket::CreateSocket(m_node, factory);
    if (!socket)
    {
        error = resoa::ep_errno::kEnomem;
        return resoa::kEpInvalidHandle;
    }
    if (type == resoa::EpSockType::Stream && m_tcpConfigurator)
    {
        m_tcpConfigurator(socket);
    }
    error = resoa::ep_errno::kOk;
    return Adopt(socket, type);
}

std::int32_t
Ns3EpSocketStack::Bind(resoa::EpHandle h, const resoa::EpAddress& local)
{
    auto it = m_entries.find(h);
    if (it == m_entries.end())
    {
        return resoa::ep_errno::kEbadf;
    }
    Ptr<Socket> s = it->second.socket;
    int rc = local.family == 0 ? s->Bind() : s->Bind(ResoaToNs3Address(local));
    if (rc != 0)
    {
        return ResoaErrnoFromSocket(s->GetErrno());
    }
    if (local.family == 4)
    {
        it->second.boundAddress = Ipv4Address(local.Ipv4HostOrder());
    }
    return resoa::ep_errno::kOk;
}

std::int32_t
Ns3EpSocketStack::Listen(resoa::EpHandle h, std::uint32_t backlog)
{
    Ptr<Socket> s = Find(h);
    if (!s)
    {
        return resoa::ep_errno::kEbadf;
    }
    return s->Listen() == 0 ? resoa::ep_errno::kOk : ResoaErrnoFromSocket(s->GetErrno());
}

std::int32_t
Ns3EpSocketStack::Connect(resoa::EpHandle h, const resoa::EpAddress& peer)
{
    auto it = m_entries.find(h);
    if (it == m_entries.end())
    {
        return resoa::ep_errno::kEbadf;
    }
    Ptr<Socket> s = it->second.socket;
    // ns-3's TCP takes the local address from the route on connect; keep the bound one.
    bool hinted = m_sourceRouting && it->second.boundAddress != Ipv4Address::GetAny();
    if (hinted)
    {
        m_sourceRouting->SetSourceHint(it->second.boundAddress);
    }
    int rc = s->Connect(ResoaToNs3Address(peer));
    if (hinted)
    {
        m_sourceRouting->SetSourceHint(Ipv4Address::GetAny());
    }
    if (rc != 0)
    {
        return ResoaErrnoFromSocket(s->GetErrno());
    }
    if (it->second.type == resoa::EpSockType::Dgram)
    {
        return resoa::ep_errno::kOk; // a UDP "connect" only sets the default peer
    }
    return resoa::kEpEinprogress;
}

resoa::EpIoResult
Ns3EpSocketStack::Send(resoa::EpHandle h, const std::uint8_t* data, std::size_t len)
{
    resoa::EpIoResult r;
    auto it = m_entries.find(h);
    if (it == m_entries.end())
    {
        r.error = resoa::ep_errno::kEbadf;
        return r;
    }
    if (it->second.error != 0)
    {
        r.error = it->second.error;
        return r;
    }
    Ptr<Socket> s = it->second.socket;
    uint32_t room = s->GetTxAvailable();
    uint32_t n = static_cast<uint32_t>(std::min<std::size_t>(len, room));
    if (n == 0)
    {
        r.error = len > 0 ? resoa::ep_errno::kEagain : resoa::ep_errno::kOk;
        return r;
    }
    int sent = s->Send(data, n, 0);
    if (sent < 0)
    {
        Socket::SocketErrno e = s->GetErrno();
        // A connection that can no longer send: EPIPE, as send(2) says after a shutdown.
        r.error = e == Socket::ERROR_SHUTDOWN || e == Socket::ERROR_NOTCONN
                      ? resoa::ep_errno::kEpipe
                      : ResoaErrnoFromSocket(e);
        if (r.error == resoa::ep_errno::kOk)
        {
            r.error = resoa::ep_errno::kEagain;
        }
        NS_LOG_LOGIC("handle " << h << " send failed: errno " << r.error);
        return r;
    }
    r.bytes = static_cast<std::size_t>(sent);
    if (r.bytes == 0)
    {
        r.error = resoa::ep_errno::kEagain;
    }
    return r;
}

resoa::EpReadResult
Ns3EpSocketStack::Read(resoa::EpHandle h, std::size_t maxBytes)
{
    resoa::EpReadResult out;
    auto it = m_entries.find(h);
    if (it == m_entries.end())
    {
        out.error = resoa::ep_errno::kEbadf;
        return out;
    }
    Ptr<Socket> s = it->second.socket;
    if (maxBytes == 0)
    {
        out.error = resoa::ep_errno::kEagain;
        return out;
    }
    uint32_t cap = static_cast<uint32_t>(std::min<std::size_t>(maxBytes, 0x7FFFFFFF));
    Ptr<TcpSocket> tcp = DynamicCast<TcpSocket>(s);
    uint32_t bufSize = 0;
    bool windowWasSmall = false;
    if (tcp)
    {
        UintegerValue v;
        tcp->GetAttribute("RcvBufSize", v);
        bufSize = static_cast<uint32_t>(v.Get());
        windowWasSmall = bufSize - std::min(bufSize, s->GetRxAvailable()) < kWindowUpdateBelow;
    }
    Ptr<Packet> p = s->Recv(cap, 0);
    if (p && p->GetSize() > 0)
    {
        out.data.resize(p->GetSize());
        p->CopyData(out.data.data(), out.data.size());
        if (windowWasSmall)
        {
            // ns-3 3.37's TCP sends no window update when its application reads, and a peer
            // facing a window below one segment neither sends nor probes: the transfer would
            // stall for good. Growing the receive buffer makes TCP announce its window (it
            // "actively informs the other end" on a size increase). Grow by one byte: never
            // shrink it, since a shrinking window upsets ns-3's sender.
            tcp->SetAttribute("RcvBufSize", UintegerValue(bufSize + 1));
        }
        return out;
    }
    if (it->second.error != 0)
    {
        out.error = it->second.error;
    }
    else if (it->second.peerClosed)
    {
        out.eof = true; // FIN after all data, as read(2) returning 0
    }
    else
    {
        out.error = resoa::ep_errno::kEagain;
    }
    return out;
}

std::int32_t
Ns3EpSocketStack::SendTo(resoa::EpHandle h,
                         const resoa::EpAddress& peer,
                         const std::uint8_t* data,
                         std::size_t len)
{
    Ptr<Socket> s = Find(h);
    if (!s)
    {
        return resoa::ep_errno::kEbadf;
    }
    Ptr<Packet> p = ns3::Create<Packet>(data, len);
    int rc = peer.family == 0 ? s->Send(p) : s->SendTo(p, 0, ResoaToNs3Address(peer));
    return rc >= 0 ? resoa::ep_errno::kOk : ResoaErrnoFromSocket(s->GetErrno());
}

std::int32_t
Ns3EpSocketStack::ShutdownWrite(resoa::EpHandle h)
{
    Ptr<Socket> s = Find(h);
    if (!s)
    {
        return resoa::ep_errno::kEbadf;
    }
    Entry& e = m_entries.at(h);
    if (e.type == resoa::EpSockType::Stream && !TxBufferEmpty(s))
    {
        // ns-3 3.37's ShutdownSend sends the FIN at once only with an empty tx buffer; with
        // every byte sent but unacked it waits for a data segment that never comes, and the
        // FIN is lost. So wait until the buffer is empty (the send callback runs on each ack
        // that frees space), then shut down.
        e.shutdownPending = true;
        return resoa::ep_errno::kOk;
    }
    return s->ShutdownSend() == 0 ? resoa::ep_errno::kOk : ResoaErrnoFromSocket(s->GetErrno());
}

bool
Ns3EpSocketStack::TxBufferEmpty(Ptr<Socket> s)
{
    UintegerValue size;
    if (!s->GetAttributeFailSafe("SndBufSize", size))
    {
        return true; // not a TcpSocket: nothing to wait for
    }
    return s->GetTxAvailable() >= size.Get();
}

void
Ns3EpSocketStack::Release(resoa::EpHandle h)
{
    auto it = m_entries.find(h);
    if (it == m_entries.end())
    {
        return;
    }
    Ptr<Socket> s = it->second.socket;
    m_entries.erase(it);
    // The engine forgot this handle: late callbacks must not reach it.
    s->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
    s->SetSendCallback(MakeNullCallback<void, Ptr<Socket>, uint32_t>());
    s->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                         MakeNullCallback<void, Ptr<Socket>>());
}

void
Ns3EpSocketStack::Close(resoa::EpHandle h)
{
    Ptr<Socket> s = Find(h);
    Release(h);
    if (s)
    {
        s->Close();
    }
}

void
Ns3EpSocketStack::Abort(resoa::EpHandle h)
{
    Ptr<Socket> s = Find(h);
    Release(h);
    if (!s)
    {
        return;
    }
    // ns-3 has no SO_LINGER 0; a TCP socket's Close() with unread data sends RST, and so does
    // closing one whose peer is gone. Drain nothing, then close.
    s->Close();
}

std::int32_t
Ns3EpSocketStack::SetSockOpt(resoa::EpHandle h,
                             std::uint16_t level,
                             std::uint16_t option,
                             std::int32_t value)
{
    namespace o = resoa::ep_sockopt;
    Ptr<Socket> s = Find(h);
    if (!s)
    {
        return resoa::ep_errno::kEbadf;
    }
    if (!o::IsSupported(level, option))
    {
        return resoa::kEpEnoprotoopt;
    }
    Ptr<TcpSocket> tcp = DynamicCast<TcpSocket>(s);
    if (level == o::kLevelSocket && option == o::kBroadcast)
    {
        s->SetAllowBroadcast(value != 0);
    }
    else if (level == o::kLevelSocket && (option == o::kSndBuf || option == o::kRcvBuf) &&
             value <= 0)
    {
        return resoa::ep_errno::kEinval; // the engine refuses these first; be as strict
    }
    else if (tcp && level == o::kLevelSocket && option == o::kSndBuf)
    {
        tcp->SetAttribute("SndBufSize", UintegerValue(value));
    }
    else if (tcp && level == o::kLevelSocket && option == o::kRcvBuf)
    {
        tcp->SetAttribute("RcvBufSize", UintegerValue(value));
    }
    else if (tcp && level == o::kLevelTcp && option == o::kTcpNoDelay)
    {
        tcp->SetAttribute("TcpNoDelay", BooleanValue(value != 0));
    }
    // SO_REUSEADDR and SO_KEEPALIVE have no ns-3 counterpart: accepted, no effect.
    return resoa::ep_errno::kOk;
}

std::int32_t
Ns3EpSocketStack::GetSockOpt(resoa::EpHandle h,
                             std::uint16_t level,
                             std::uint16_t option,
                             std::int32_t& value)
{
    namespace o = resoa::ep_sockopt;
    Ptr<Socket> s = Find(h);
    if (!s)
    {
        return resoa::ep_errno::kEbadf;
    }
    if (!o::IsSupported(level, option))
    {
        return resoa::kEpEnoprotoopt;
    }
    Ptr<TcpSocket> tcp = DynamicCast<TcpSocket>(s);
    value = 0;
    if (level == o::kLevelSocket && option == o::kBroadcast)
    {
        value = s->GetAllowBroadcast() ? 1 : 0;
    }
    else if (tcp && option == o::kSndBuf && level == o::kLevelSocket)
    {
        UintegerValue v;
        tcp->GetAttribute("SndBufSize", v);
        value = static_cast<int32_t>(v.Get());
    }
    else if (tcp && option == o::kRcvBuf && level == o::kLevelSocket)
    {
        UintegerValue v;
        tcp->GetAttribute("RcvBufSize", v);
        value = static_cast<int32_t>(v.Get());
    }
    else if (tcp && level == o::kLevelTcp && option == o::kTcpNoDelay)
    {
        BooleanValue v;
        tcp->GetAttribute("TcpNoDelay", v);
        value = v.Get() ? 1 : 0;
    }
    return resoa::ep_errno::kOk;
}

resoa::EpAddress
Ns3EpSocketStack::GetSockName(resoa::EpHandle h)
{
    Ptr<Socket> s = Find(h);
    Address a;
    if (!s || s->GetSockName(a) != 0)
    {
        return resoa::EpAddress{};
    }
    return ResoaFromNs3Address(a);
}

resoa::EpAddress
Ns3EpSocketStack::GetPeerName(resoa::EpHandle h)
{
    Ptr<Socket> s = Find(h);
    Address a;
    if (!s || s->GetPeerName(a) != 0)
    {
        return resoa::EpAddress{};
    }
    return ResoaFromNs3Address(a);
}

} // namespace ns3
