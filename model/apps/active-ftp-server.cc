/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "active-ftp-server.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/stream-pattern.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/uinteger.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ActiveFtpServer");
NS_OBJECT_ENSURE_REGISTERED(ActiveFtpServer);

TypeId
ActiveFtpServer::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ActiveFtpServer")
            .SetParent<Application>()
            .SetGroupName("Resoa")
            .AddConstructor<ActiveFtpServer>()
            .AddAttribute("Port",
                          "Control port.",
                          UintegerValue(21),
                          MakeUintegerAccessor(&ActiveFtpServer::m_port),
                          MakeUintegerChecker<uint16_t>())
            .AddAttribute("FileSize",
                          "Bytes sent for every RETR (pattern content, seeded by Key).",
                          UintegerValue(100000),
                          MakeUintegerAccessor(&ActiveFtpServer::m_fileSize),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("EncryptControl",
                          "Encrypt the control channel (opaque to ALGs, as FTPS).",
                          BooleanValue(false),
                          MakeBooleanAccessor(&ActiveFtpServer::m_encrypt),
                          MakeBooleanChecker())
            .AddAttribute("Key",
                          "Control-channel key and file-content seed.",
                          UintegerValue(0x5eed),
                          MakeUintegerAccessor(&ActiveFtpServer::m_key),
                          MakeUintegerChecker<uint64_t>())
            .AddTraceSource("PeerSeen",
                            "A RETR: the control connection's peer and the PORT address.",
                            MakeTraceSourceAccessor(&ActiveFtpServer::m_peerTrace),
                            "ns3::ActiveFtpServer::PeerTracedCallback");
    return tid;
}

ActiveFtpServer::ActiveFtpServer()
    : m_port(21)
    , m_fileSize(100000)
    , m_encrypt(false)
    , m_key(0x5eed)
    , m_done(0)
    , m_failed(0)
{
}

ActiveFtpServer::~ActiveFtpServer() = default;

void
ActiveFtpServer::DoDispose()
{
    m_sessions.clear();
    m_listener = nullptr;
    Application::DoDispose();
}

uint32_t
ActiveFtpServer::GetTransfersDone() const
{
    return m_done;
}

uint32_t
ActiveFtpServer::GetTransfersFailed() const
{
    return m_failed;
}

Address
ActiveFtpServer::GetLastControlPeer() const
{
    return m_lastControlPeer;
}

Address
ActiveFtpServer::GetLastPortAddress() const
{
    return m_lastPort;
}

void
ActiveFtpServer::StartApplication()
{
    m_listener = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
    m_listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), m_port));
    m_listener->Listen();
    m_listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                  MakeCallback(&ActiveFtpServer::HandleAccept, this));
}

void
ActiveFtpServer::StopApplication()
{
    if (m_listener)
    {
        m_listener->Close();
    }
    for (auto& [s, session] : m_sessions)
    {
        s->Close();
    }
    m_sessions.clear();
}

void
ActiveFtpServer::HandleAccept(Ptr<Socket> s, const Address& from)
{
    NS_LOG_INFO("control connection from " << InetSocketAddress::ConvertFrom(from).GetIpv4());
    Session& session = m_sessions[s];
    session.control = s;
    session.channel = std::make_unique<FtpControlChannel>(m_encrypt, m_key);
    s->SetRecvCallback(MakeCallback(&ActiveFtpServer::HandleControlRead, this));
    Reply(session, "220 resoa ftp ready");
}

void
ActiveFtpServer::Reply(Session& session, const std::string& line)
{
    std::vector<uint8_t> bytes = session.channel->Encode(line);
    session.control->Send(bytes.data(), bytes.size(), 0);
}

void
ActiveFtpServer::HandleControlRead(Ptr<Socket> s)
{
    auto it = m_sessions.find(s);
    if (it == m_sessions.end())
    {
        return;
    }
    while (Ptr<Packet> p = s->Recv())
    {
        if (p->GetSize() == 0)
        {
            break;
        }
        std::vector<uint8_t> bytes(p->GetSize());
        p->CopyData(bytes.data(), bytes.size());
        it->second.channel->Feed(bytes.data(), bytes.size());
    }
    while (auto line = it->second.channel->NextLine())
    {
        HandleLine(it->second, *line);
    }
}

void
ActiveFtpServer::HandleLine(Session& session, const std::string& line)
{
    NS_LOG_INFO("control: " << line);
    if (line.rfind("PORT ", 0) == 0)
    {
        auto port = ParseFtpPort(line.substr(5));
        if (!port)
        {
            Reply(session, "501 bad PORT");
            return;
        }
        session.port = *port;
        Reply(session, "200 PORT ok");
    }
    else if (line.rfind("RETR", 0) == 0)
    {
        if (session.port.IsInvalid())
        {
            Reply(session, "503 PORT first");
            return;
        }
        session.control->GetPeerName(m_lastControlPeer);
        m_lastPort = session.port;
        m_peerTrace(m_lastControlPeer, m_lastPort);
        Reply(session, "150 " + std::to_string(m_fileSize) + " bytes");
        StartData(session.control);
    }
    else if (line == "QUIT")
    {
        Reply(session, "221 bye");
        session.control->Close();
    }
    else
    {
        Reply(session, "502 not implemented");
    }
}

void
ActiveFtpServer::StartData(Ptr<Socket> control)
{
    Session& session = m_sessions[control];
    session.sent = 0;
    session.data = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
    session.data->Bind();
    session.data->SetConnectCallback(
        Callback<void, Ptr<Socket>>([this, control](Ptr<Socket>) { FillData(control); }),
        Callback<void, Ptr<Socket>>([this, control](Ptr<Socket>) { DataFailed(control); }));
    session.data->SetSendCallback(Callback<void, Ptr<Socket>, uint32_t>(
        [this, control](Ptr<Socket>, uint32_t) { FillData(control); }));
    session.data->SetCloseCallbacks(
        MakeNullCallback<void, Ptr<Socket>>(),
        Callback<void, Ptr<Socket>>([this, control](Ptr<Socket>) { DataFailed(control); }));
    if (session.data->Connect(session.port) != 0)
    {
        DataFailed(control); // e.g. no route to a private address
    }
}

void
ActiveFtpServer::FillData(Ptr<Socket> control)
{
    auto it = m_sessions.find(control);
    if (it == m_sessions.end() || !it->second.data)
    {
        return;
    }
    Session& session = it->second;
    std::vector<uint8_t> chunk;
    while (session.sent < m_fileSize)
    {
        uint32_t n =
            std::min<uint64_t>({1448, m_fileSize - session.sent, session.data->GetTxAvailable()});
        if (n == 0)
        {
            return; // the send callback resumes
        }
        chunk.resize(n);
        for (uint32_t i = 0; i < n; ++i)
        {
            chunk[i] = resoa::PatternByte(m_key, session.sent + i);
        }
        int sent = session.data->Send(chunk.data(), n, 0);
        if (sent <= 0)
        {
            return;
        }
        session.sent += sent;
    }
    session.data->Close();
    session.data = nullptr;
    ++m_done;
    Reply(session, "226 transfer complete");
}

void
ActiveFtpServer::DataFailed(Ptr<Socket> control)
{
    auto it = m_sessions.find(control);
    if (it == m_sessions.end() || !it->second.data)
    {
        return;
    }
    NS_LOG_INFO("data connection to " << InetSocketAddress::ConvertFrom(it->second.port).GetIpv4()
                                      << " failed");
    it->second.data = nullptr;
    ++m_failed;
    Reply(it->second, "425 can't open data connection");
}

} // namespace ns3
