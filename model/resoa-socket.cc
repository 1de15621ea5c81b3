/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "resoa-socket.h"

#include "ns3-ep-socket-stack.h"
#include "resoa-client.h"
#include "resoa-socket-errno.h"

#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/simulator.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ResoaSocket");
NS_OBJECT_ENSURE_REGISTERED(ResoaSocket);
NS_OBJECT_ENSURE_REGISTERED(ResoaTcpSocket);
NS_OBJECT_ENSURE_REGISTERED(ResoaUdpSocket);

namespace
{
/// The simulation clock as the sans-I/O core counts time.
resoa::TimePoint
CoreNow()
{
    return resoa::TimePoint(Simulator::Now().GetNanoSeconds());
}
} // namespace

TypeId
ResoaSocket::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ResoaSocket").SetParent<Socket>().SetGroupName("Resoa");
    return tid;
}

TypeId
ResoaTcpSocket::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ResoaTcpSocket")
                            .SetParent<ResoaSocket>()
                            .SetGroupName("Resoa")
                            .AddConstructor<ResoaTcpSocket>();
    return tid;
}

TypeId
ResoaUdpSocket::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ResoaUdpSocket")
                            .SetParent<ResoaSocket>()
                            .SetGroupName("Resoa")
                            .AddConstructor<ResoaUdpSocket>();
    return tid;
}

ResoaSocket::ResoaSocket()
    : m_id(0)
    , m_type(resoa::EpSockType::None)
    , m_errno(ERROR_NOTERROR)
    , m_closed(false)
    , m_shutdownRecv(false)
    , m_shutdownSend(false)
    , m_listening(false)
    , m_connecting(false)
    , m_allowBroadcast(false)
    , m_eofNotified(false)
{
    NS_LOG_FUNCTION(this);
}

ResoaSocket::~ResoaSocket()
{
    NS_LOG_FUNCTION(this);
}

void
ResoaSocket::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_client = nullptr;
    Socket::DoDispose();
}

void
ResoaSocket::Attach(Ptr<ResoaClient> client, uint32_t rsockId, resoa::EpSockType type)
{
    NS_LOG_FUNCTION(this << client << rsockId << static_cast<int>(type));
    m_client = client;
    m_id = rsockId;
    m_type = type;
}

uint32_t
ResoaSocket::GetRsockId() const
{
    return m_id;
}

bool
ResoaSocket::IsStream() const
{
    return m_type == resoa::EpSockType::Stream;
}

int
ResoaSocket::Fail(int32_t epErrno)
{
    m_errno = ResoaErrnoToSocket(epErrno);
    NS_LOG_LOGIC("socket " << m_id << " fails with errno " << epErrno << " (ns-3 " << m_errno
                           << ")");
    return -1;
}

Socket::SocketErrno
ResoaSocket::GetErrno() const
{
    return m_errno;
}

Socket::SocketType
ResoaSocket::GetSocketType() const
{
    return IsStream() ? NS3_SOCK_STREAM : NS3_SOCK_DGRAM;
}

Ptr<Node>
ResoaSocket::GetNode() const
{
    return m_client ? m_client->GetObject<Node>() : nullptr;
}

int
ResoaSocket::Bind(const Address& address)
{
    NS_LOG_FUNCTION(this << address);
    if (m_closed || !m_client)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
    if (!InetSocketAddress::IsMatchingType(address))
    {
        return Fail(resoa::ep_errno::kEinval);
    }
    resoa::EpAddress local = ResoaFromNs3Address(address);
    if (local.Ipv4HostOrder() == 0 && local.port == 0)
    {
        return 0; // an implicit bind: the server binds when the socket is first used
    }
    int32_t err = m_client->Engine().Bind(m_id, local);
    m_client->Pump();
    return err == 0 ? 0 : Fail(err);
}

int
ResoaSocket::Bind()
{
    NS_LOG_FUNCTION(this);
    return Bind(InetSocketAddress(Ipv4Address::GetAny(), 0));
}

int
ResoaSocket::Bind6()
{
    NS_LOG_FUNCTION(this);
    return Fail(resoa::ep_errno::kEopnotsupp); // IPv6 is not exported yet
}

int
ResoaSocket::Close()
{
    NS_LOG_FUNCTION(this);
    if (m_closed || !m_client)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
    NS_LOG_INFO("socket " << m_id << " closed by the application");
    m_closed = true;
    Ptr<ResoaClient> client = m_client;
    client->Engine().Close(m_id);
    client->Forget(m_id);
    client->Pump();
    return 0;
}

int
ResoaSocket::ShutdownSend()
{
    NS_LOG_FUNCTION(this);
    if (m_closed || !m_client)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
    NS_LOG_INFO("socket " << m_id << " shuts down its sending side");
    m_shutdownSend = true;
    auto state = m_client->Engine().GetState(m_id);
    // Only a connection has a sending side on the server; elsewhere this is local.
    if (IsStream() && state &&
        (*state == resoa::EpClientSocketState::Connected ||
         *state == resoa::EpClientSocketState::Connecting))
    {
        m_client->Engine().Shutdown(m_id, resoa::ep_shutdown::kWrite);
        m_client->Pump();
    }
    return 0;
}

int
ResoaSocket::ShutdownRecv()
{
    NS_LOG_FUNCTION(this);
    if (m_closed || !m_client)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
    NS_LOG_INFO("socket " << m_id << " shuts down its receiving side");
    m_shutdownRecv = true;
    // The engine drops what it holds and tells the server (for a connection), which then
    // drains and drops its TCP data instead of pushing it here; the peer is never stalled.
    // A stream that is not connected has nothing to shut down on the server: local only.
    auto state = m_client->Engine().GetState(m_id);
    bool connection = state && (*state == resoa::EpClientSocketState::Connected ||
                                *state == resoa::EpClientSocketState::Connecting);
    if (!IsStream() || connection)
    {
        m_client->Engine().Shutdown(m_id, resoa::ep_shutdown::kRead);
        m_client->Pump();
    }
    return 0;
}

int
ResoaSocket::Connect(const Address& address)
{
    NS_LOG_FUNCTION(this << address);
    if (m_closed || !m_client)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
    if (!InetSocketAddress::IsMatchingType(address))
    {
        return Fail(resoa::ep_errno::kEinval);
    }
    resoa::EpAddress peer = ResoaFromNs3Address(address);
    int32_t err = m_client->Engine().Connect(m_id, peer);
    if (err != 0)
    {
        return Fail(err);
    }
    if (!IsStream())
    {
        m_defaultPeer = peer;
    }
    NS_LOG_INFO("socket " << m_id << " connecting to " << address);
    m_connecting = true;
    m_client->Pump();
    return 0;
}

int
ResoaSocket::Listen()
{
    NS_LOG_FUNCTION(this);
    if (m_closed || !m_client)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
    if (!IsStream())
    {
        return Fail(resoa::ep_errno::kEopnotsupp);
    }
    int32_t err = m_client->Engine().Listen(m_id, 128);
    if (err != 0)
    {
        return Fail(err);
    }
    NS_LOG_INFO("socket " << m_id << " listening");
    m_listening = true;
    m_client->Pump();
    return 0;
}

uint32_t
ResoaSocket::GetTxAvailable() const
{
    if (m_closed || !m_client)
    {
        return 0;
    }
    // Datagram: the room left in the client's datagram queue, at most one EP message's
    // payload (resoa::EpMaxDatagramPayload). Stream: the send buffer's free space.
    return static_cast<uint32_t>(
        std::min<std::size_t>(m_client->GetEngine().SendSpace(m_id), UINT32_MAX));
}

int
ResoaSocket::Send(Ptr<Packet> p, uint32_t flags)
{
    NS_LOG_FUNCTION(this << p << flags);
    if (!IsStream())
    {
        if (m_defaultPeer.family == 0)
        {
            return Fail(resoa::ep_errno::kEnotconn);
        }
        return SendTo(p, flags, ResoaToNs3Address(m_defaultPeer));
    }
    if (m_closed || !m_client)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
    if (m_shutdownSend)
    {
        return Fail(resoa::ep_errno::kEshutdown);
    }
    uint32_t size = p->GetSize();
    // As ns-3's TCP: a send that does not fit whole is refused; the application waits for
    // the send callback.
    if (size > GetTxAvailable())
    {
        NS_LOG_LOGIC("socket " << m_id << ": " << size << " B do not fit " << GetTxAvailable()
                               << " B of send space");
        m_errno = ERROR_MSGSIZE;
        return -1;
    }
    std::vector<uint8_t> bytes(size);
    p->CopyData(bytes.data(), size);
    const bool more = (flags & MSG_MORE_FLAG) != 0;
    resoa::EpIoResult r = m_client->Engine().Send(m_id, bytes.data(), size, CoreNow(), more);
    m_client->NoteWrite();
    m_client->Pump();
    if (r.error != 0)
    {
        return Fail(r.error);
    }
    return static_cast<int>(r.bytes);
}

int
ResoaSocket::SendTo(Ptr<Packet> p, uint32_t flags, const Address& toAddress)
{
    NS_LOG_FUNCTION(this << p << flags << toAddress);
    if (IsStream())
    {
        return Send(p, flags); // the address of a stream is its peer
    }
    if (m_closed || !m_client)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
    if (!InetSocketAddress::IsMatchingType(toAddress))
    {
        return Fail(resoa::ep_errno::kEinval);
    }
    std::vector<uint8_t> bytes(p->GetSize());
    p->CopyData(bytes.data(), bytes.size());
    resoa::EpIoResult r =
        m_client->Engine().SendTo(m_id, ResoaFromNs3Address(toAddress), bytes.data(), bytes.size());
    m_client->Pump();
    if (r.error != 0)
    {
        return Fail(r.error);
    }
    NotifyDataSent(p->GetSize());
    return static_cast<int>(p->GetSize());
}

uint32_t
ResoaSocket::GetRxAvailable() const
{
    return m_client && !m_closed ? m_client->GetEngine().RecvAvailable(m_id) : 0;
}

Ptr<Packet>
ResoaSocket::Recv(uint32_t maxSize, uint32_t flags)
{
    NS_LOG_FUNCTION(this << maxSize << flags);
    Address from;
    return RecvFrom(maxSize, flags, from);
}

Ptr<Packet>
ResoaSocket::RecvFrom(uint32_t maxSize, uint32_t flags, Address& fromAddress)
{
    NS_LOG_FUNCTION(this << maxSize << flags);
    if (m_closed || !m_client)
    {
        Fail(resoa::ep_errno::kEbadf);
        return nullptr;
    }
    resoa::EpReadResult r = m_client->Engine().Recv(m_id, maxSize);
    m_client->Pump(); // returns credit to the server
    if (!r.data.empty() || (!IsStream() && r.error == 0))
    {
        if (IsStream())
        {
            GetPeerName(fromAddress);
        }
        else
        {
            fromAddress = ResoaToNs3Address(r.from);
        }
        return Create<Packet>(r.data.data(), r.data.size());
    }
    if (r.eof)
    {
        NS_LOG_LOGIC("socket " << m_id << " reads the end of stream");
        GetPeerName(fromAddress);
        return Create<Packet>(); // end of stream, as ns-3's TCP signals it
    }
    Fail(r.error == 0 ? resoa::ep_errno::kEagain : r.error);
    return nullptr;
}

int
ResoaSocket::GetSockName(Address& address) const
{
    resoa::EpAddress a;
    if (!m_client || m_client->GetEngine().GetSockName(m_id, a) != 0)
    {
        address = InetSocketAddress(Ipv4Address::GetAny(), 0);
        return 0;
    }
    address = ResoaToNs3Address(a);
    return 0;
}

int
ResoaSocket::GetPeerName(Address& address) const
{
    resoa::EpAddress a;
    int32_t err = m_client ? m_client->GetEngine().GetPeerName(m_id, a) : resoa::ep_errno::kEbadf;
    if (err != 0)
    {
        const_cast<ResoaSocket*>(this)->m_errno = ResoaErrnoToSocket(err);
        return -1;
    }
    address = ResoaToNs3Address(a);
    return 0;
}

bool
ResoaSocket::SetAllowBroadcast(bool allowBroadcast)
{
    NS_LOG_FUNCTION(this << allowBroadcast);
    m_allowBroadcast = allowBroadcast;
    if (!IsStream() && m_client && !m_closed)
    {
        m_client->Engine().SetSockOpt(m_id,
                                      resoa::ep_sockopt::kLevelSocket,
                                      resoa::ep_sockopt::kBroadcast,
                                      allowBroadcast ? 1 : 0);
        m_client->Pump();
    }
    return true;
}

bool
ResoaSocket::GetAllowBroadcast() const
{
    return m_allowBroadcast;
}

void
ResoaSocket::AcceptPending()
{
    NS_LOG_FUNCTION(this);
    while (m_client && !m_closed)
    {
        resoa::EpSocketResult r = m_client->Engine().Accept(m_id);
        if (r.error != 0)
        {
            return;
        }
        Ptr<ResoaTcpSocket> child = CreateObject<ResoaTcpSocket>();
        child->Attach(m_client, r.id, resoa::EpSockType::Stream);
        m_client->Adopt(child);
        Address from;
        child->GetPeerName(from);
        NS_LOG_INFO("listener " << m_id << " accepts socket " << r.id << " from " << from);
        if (NotifyConnectionRequest(from))
        {
            NotifyNewConnectionCreated(child, from);
        }
        else
        {
            child->Close();
        }
    }
}

void
ResoaSocket::HandleEvent(const resoa::EpClientEvent& e)
{
    NS_LOG_FUNCTION(this << resoa::ToString(e.kind));
    using Kind = resoa::EpClientEvent::Kind;
    NS_LOG_LOGIC("socket " << m_id << " event " << resoa::ToString(e.kind) << " errno " << e.error);
    switch (e.kind)
    {
        case Kind::ConnectDone:
            m_connecting = false;
            if (e.error == 0)
            {
                NS_LOG_INFO("socket " << m_id << " connected");
                NotifyConnectionSucceeded();
            }
            else
            {
                NS_LOG_INFO("socket " << m_id << " connect failed: errno " << e.error);
                Fail(e.error);
                NotifyConnectionFailed();
            }
            break;
        case Kind::BindDone:
        case Kind::ListenDone:
            if (e.error != 0)
            {
                Fail(e.error);
                NotifyErrorClose();
            }
            break;
        case Kind::Accepted:
            AcceptPending();
            break;
        case Kind::Readable:
            if (!m_shutdownRecv) // after ShutdownRecv the engine drops what arrives
            {
                NotifyDataRecv();
            }
            break;
        case Kind::Writable:
            if (e.value > 0)
            {
                NotifyDataSent(static_cast<uint32_t>(e.value));
            }
            NotifySend(GetTxAvailable());
            break;
        case Kind::Eof:
            if (!m_eofNotified)
            {
                NS_LOG_INFO("socket " << m_id << " peer closed");
                m_eofNotified = true;
                NotifyDataRecv(); // the application reads the end of stream (an empty packet)
                NotifyNormalClose();
            }
            break;
        case Kind::Error:
            NS_LOG_INFO("socket " << m_id << " error: errno " << e.error);
            Fail(e.error);
            if (m_connecting)
            {
                m_connecting = false;
                NotifyConnectionFailed();
            }
            else
            {
                NotifyErrorClose();
            }
            break;
        case Kind::RequestDone:
        case Kind::Closed:
        case Kind::Registered:
        case Kind::Resolved: // ns-3 clients do not resolve through the server
            break;
    }
}

} // namespace ns3
