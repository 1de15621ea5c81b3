/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "active-ftp-client.h"

#include "ns3/address.h"
#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/type-id.h"
#include "ns3/uinteger.h"

#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ActiveFtpClient");
NS_OBJECT_ENSURE_REGISTERED(ActiveFtpClient);

TypeId
ActiveFtpClient::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ActiveFtpClient")
            .SetParent<Application>()
            .SetGroupName("Resoa")
            .AddConstructor<ActiveFtpClient>()
            .AddAttribute("Remote",
                          "The FTP server's control address.",
                          AddressValue(),
                          MakeAddressAccessor(&ActiveFtpClient::m_remote),
                          MakeAddressChecker())
            .AddAttribute("DataPort",
                          "Port of the listening data socket announced in PORT.",
                          UintegerValue(20000),
                          MakeUintegerAccessor(&ActiveFtpClient::m_dataPort),
                          MakeUintegerChecker<uint16_t>(1))
            .AddAttribute("EncryptControl",
                          "Encrypt the control channel (opaque to ALGs, as FTPS).",
                          BooleanValue(false),
                          MakeBooleanAccessor(&ActiveFtpClient::m_encrypt),
                          MakeBooleanChecker())
            .AddAttribute("Key",
                          "Control-channel key and file-content seed (as the server's).",
                          UintegerValue(0x5eed),
                          MakeUintegerAccessor(&ActiveFtpClient::m_key),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("Protocol",
                          "Socket factory (ns3::ResoaTcpSocketFactory picks ReSoA on a "
                          "dual-stack node).",
                          TypeIdValue(TcpSocketFactory::GetTypeId()),
                          MakeTypeIdAccessor(&ActiveFtpClient::m_tid),
                          MakeTypeIdChecker());
    return tid;
}

ActiveFtpClient::ActiveFtpClient()
    : m_dataPort(20000)
    , m_encrypt(false)
    , m_key(0x5eed)
    , m_tid(TcpSocketFactory::GetTypeId())
{
}

ActiveFtpClient::~ActiveFtpClient() = default;

void
ActiveFtpClient::DoDispose()
{
    m_control = nullptr;
    m_listener = nullptr;
    m_data = nullptr;
    Application::DoDispose();
}

ActiveFtpClient::Result
ActiveFtpClient::GetResult() const
{
    return m_result;
}

void
ActiveFtpClient::StartApplication()
{
    m_channel = std::make_unique<FtpControlChannel>(m_encrypt, m_key);
    m_control = Socket::CreateSocket(GetNode(), m_tid);
    m_control->SetConnectCallback(MakeCallback(&ActiveFtpClient::ControlConnected, this),
                                  MakeCallback(&ActiveFtpClient::ControlFailed, this));
    m_control->SetRecvCallback(MakeCallback(&ActiveFtpClient::ControlRead, this));
    m_control->Bind();
    m_control->Connect(m_remote);
}

void
ActiveFtpClient::StopApplication()
{
    for (Ptr<Socket> s : {m_control, m_listener, m_data})
    {
        if (s)
        {
            s->Close();
        }
    }
    m_control = m_listener = m_data = nullptr;
}

void
ActiveFtpClient::Send(const std::string& line)
{
    std::vector<uint8_t> bytes = m_channel->Encode(line);
    m_control->Send(bytes.data(), bytes.size(), 0);
}

void
ActiveFtpClient::ControlConnected(Ptr<Socket> s)
{
    m_result.controlConnected = true;
    s->GetSockName(m_result.ownAddress);
    s->GetPeerName(m_result.controlPeer);
    InetSocketAddress own = InetSocketAddress::ConvertFrom(m_result.ownAddress);
    NS_LOG_INFO("control connected; getsockname = " << own.GetIpv4() << ":" << own.GetPort());

    m_listener = Socket::CreateSocket(GetNode(), m_tid);
    m_listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), m_dataPort));
    m_listener->Listen();
    m_listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                  MakeCallback(&ActiveFtpClient::DataAccepted, this));
    // The address this application believes is its own goes into the payload.
    Send("PORT " + FormatFtpPort(InetSocketAddress(own.GetIpv4(), m_dataPort)));
    Send("RETR file");
}

void
ActiveFtpClient::ControlFailed(Ptr<Socket> s)
{
    m_result.lastReply = "control connection failed";
}

void
ActiveFtpClient::ControlRead(Ptr<Socket> s)
{
    while (Ptr<Packet> p = s->Recv())
    {
        if (p->GetSize() == 0)
        {
            break;
        }
        std::vector<uint8_t> bytes(p->GetSize());
        p->CopyData(bytes.data(), bytes.size());
        m_channel->Feed(bytes.data(), bytes.size());
    }
    while (auto line = m_channel->NextLine())
    {
        NS_LOG_INFO("reply: " << *line);
        m_result.lastReply = *line;
        if (line->rfind("150 ", 0) == 0)
        {
            // Input from the network: parse without throwing; a garbled size stays 0.
            uint64_t size = 0;
            std::istringstream is(line->substr(4));
            if (is >> size)
            {
                m_result.announced = size;
            }
        }
    }
}

void
ActiveFtpClient::DataAccepted(Ptr<Socket> s, const Address& from)
{
    m_result.dataConnected = true;
    m_data = s;
    s->SetRecvCallback(MakeCallback(&ActiveFtpClient::DataRead, this));
    s->SetCloseCallbacks(Callback<void, Ptr<Socket>>([this](Ptr<Socket>) { Finish(); }),
                         Callback<void, Ptr<Socket>>([this](Ptr<Socket>) { Finish(); }));
}

void
ActiveFtpClient::DataRead(Ptr<Socket> s)
{
    while (Ptr<Packet> p = s->Recv())
    {
        if (p->GetSize() == 0)
        {
            break;
        }
        std::vector<uint8_t> bytes(p->GetSize());
        p->CopyData(bytes.data(), bytes.size());
        m_hash.Update(bytes.data(), bytes.size());
        m_result.received = m_hash.Bytes();
    }
    if (m_result.announced > 0 && m_result.received == m_result.announced)
    {
        Finish();
    }
}

void
ActiveFtpClient::Finish()
{
    m_result.received = m_hash.Bytes();
    m_result.complete = m_result.announced > 0 && m_result.received == m_result.announced &&
                        m_hash.Value() == resoa::PatternHash(m_key, m_result.announced);
}

} // namespace ns3
