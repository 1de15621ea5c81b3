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

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ResoaSocket");
NS_OBJECT_ENSURE_REGISTERED(ResoaSocket);
NS_OBJECT_ENSURE_REGISTERED(ResoaTcpSocket);
NS_OBJECT_ENSURE_REGISTERED(ResoaUdpSocket);

namespace
{
/// Room for a datagram's EP header and address in one LHP SDU.
constexpr uint32_t kDatagramOverhead = resoa::kEpHeaderSize + 1 + 16 + 2;
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
    : m_id(0),
      m_type(resoa::EpSockType::None),
      m_errno(ERROR_NOTERROR),
      m_closed(false),
      m_shutdownRecv(false),
      m_shutdownSend(false),
      m_listening(false),
      m_connecting(false),
      m_allowBroadcast(false),
      m_eofNotified(false)
{
}

ResoaSocket::~ResoaSocket() = default;

void
ResoaSocket::DoDispose()
{
    m_client = nullptr;
    Socket::DoDispose();
}

void
ResoaSocket::Attach(Ptr<ResoaClient> client, uint32_t rsockId, resoa::EpSockType type)
{
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
    return Bind(InetSocketAddress(Ipv4Address::GetAny(), 0));
}

int
ResoaSocket::Bind6()
{
    return Fail(resoa::ep_errno::kEopnotsupp); // IPv6 is not exported yet
}

int
ResoaSocket::Close()
{
    if (m_closed || !m_client)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
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
    if (m_closed || !m_client)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
    m_shutdownSend = true;
    auto state = m_client->Engine().GetState(m_id);
    // Only a connection has a sending side on the server; elsewhere this is local.
    if (IsStream() && state && (*state == resoa::EpClientSocketState::Connected ||
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
    if (m_closed)
    {
        return Fail(resoa::ep_errno::kEbadf);
    }
    // Local: data that still arrives is read and dropped, so the server's credit keeps
    // flowing and its TCP never stalls on an application that will not read.
    m_shutdownRecv = true;
    return 0;
}

int
ResoaSocket::Connect(const Address& address)
{
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
    m_connecting = true;
    m_client->Pump();
    return 0;
}

int
ResoaSocket::Listen()
{
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
    if (!IsStream())
    {
        return m_client->GetEngine().GetConfig().maxMessageSize - kDatagramOverhead;
    }
    return m_client->GetEngine().SendSpace(m_id);
}

int
ResoaSocket::Send(Ptr<Packet> p, uint32_t flags)
{
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
        m_errno = ERROR_MSGSIZE;
        return -1;
    }
    std::vector<uint8_t> bytes(size);
    p->CopyData(bytes.data(), size);
    resoa::EpIoResult r = m_client->Engine().Send(m_id, bytes.data(), size);
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
    resoa::EpIoResult r = m_client->Engine().SendTo(m_id,
                                                    ResoaFromNs3Address(toAddress),
                                                    bytes.data(),
                                                    bytes.size());
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
    Address from;
    return RecvFrom(maxSize, flags, from);
}

Ptr<Packet>
ResoaSocket::RecvFrom(uint32_t maxSize, uint32_t flags, Address& fromAddress)
{
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
    int32_t err = m_client ? m_client->GetEngine().GetPeerName(m_id, a)
                           : resoa::ep_errno::kEbadf;
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
    using Kind = resoa::EpClientEvent::Kind;
    NS_LOG_LOGIC("socket " << m_id << " event " << resoa::ToString(e.kind) << " errno "
                           << e.error);
    switch (e.kind)
    {
    case Kind::ConnectDone:
        m_connecting = false;
        if (e.error == 0)
        {
            NotifyConnectionSucceeded();
        }
        else
        {
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
        if (m_shutdownRecv && IsStream())
        {
            while (m_client && m_client->Engine().Recv(m_id, UINT32_MAX).data.size() > 0)
            {
            }
            m_client->Pump();
        }
        else
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
            m_eofNotified = true;
            NotifyDataRecv(); // the application reads the end of stream (an empty packet)
            NotifyNormalClose();
        }
        break;
    case Kind::Error:
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
        break;
    }
}

} // namespace ns3
