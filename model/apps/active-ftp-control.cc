/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "active-ftp-control.h"

#include "ns3/stream-pattern.h"

#include <sstream>

namespace ns3
{

FtpControlChannel::FtpControlChannel(bool encrypt, uint64_t key)
    : m_encrypt(encrypt)
    , m_key(key)
{
}

std::vector<uint8_t>
FtpControlChannel::Encode(const std::string& line)
{
    std::string text = line + "\r\n";
    std::vector<uint8_t> out(text.begin(), text.end());
    if (m_encrypt)
    {
        for (auto& b : out)
        {
            b ^= resoa::PatternByte(m_key, m_txOffset++);
        }
    }
    return out;
}

void
FtpControlChannel::Feed(const uint8_t* data, size_t len)
{
    for (size_t i = 0; i < len; ++i)
    {
        uint8_t b = data[i];
        if (m_encrypt)
        {
            b ^= resoa::PatternByte(m_key, m_rxOffset++);
        }
        m_rxBuffer.push_back(static_cast<char>(b));
    }
}

std::optional<std::string>
FtpControlChannel::NextLine()
{
    size_t end = m_rxBuffer.find("\r\n");
    if (end == std::string::npos)
    {
        return std::nullopt;
    }
    std::string line = m_rxBuffer.substr(0, end);
    m_rxBuffer.erase(0, end + 2);
    return line;
}

std::string
FormatFtpPort(const InetSocketAddress& a)
{
    uint8_t ip[4];
    a.GetIpv4().Serialize(ip);
    std::ostringstream os;
    os << int(ip[0]) << ',' << int(ip[1]) << ',' << int(ip[2]) << ',' << int(ip[3]) << ','
       << (a.GetPort() >> 8) << ',' << (a.GetPort() & 0xFF);
    return os.str();
}

std::optional<InetSocketAddress>
ParseFtpPort(const std::string& arg)
{
    std::istringstream is(arg);
    int v[6];
    char comma;
    for (int i = 0; i < 6; ++i)
    {
        if (!(is >> v[i]) || v[i] < 0 || v[i] > 255)
        {
            return std::nullopt;
        }
        if (i < 5 && (!(is >> comma) || comma != ','))
        {
            return std::nullopt;
        }
    }
    uint8_t ip[4] = {uint8_t(v[0]), uint8_t(v[1]), uint8_t(v[2]), uint8_t(v[3])};
    return InetSocketAddress(Ipv4Address::Deserialize(ip), uint16_t((v[4] << 8) | v[5]));
}

} // namespace ns3
