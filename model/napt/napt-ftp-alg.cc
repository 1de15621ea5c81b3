/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "napt-ftp-alg.h"

#include "ns3/active-ftp-control.h"
#include "ns3/log.h"
#include "ns3/tcp-option-sack.h"

#include <cctype>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("NaptFtpAlg");

namespace
{

/// Case-insensitive "does `line` start with the 4-letter command `cmd` and a space".
bool
IsCommand(const std::string& line, const char* cmd)
{
    if (line.size() < 5 || line[4] != ' ')
    {
        return false;
    }
    for (int i = 0; i < 4; ++i)
    {
        if (std::toupper(static_cast<unsigned char>(line[i])) != cmd[i])
        {
            return false;
        }
    }
    return true;
}

} // namespace

std::optional<NaptEndpoint>
ParseFtpEprt(const std::string& arg)
{
    // <d>1<d>a.b.c.d<d>port<d>, with d any printable non-digit character (RFC 2428).
    if (arg.size() < 4 || std::isdigit(static_cast<unsigned char>(arg[0])) || arg[0] < 33 ||
        arg[0] > 126)
    {
        return std::nullopt;
    }
    char d = arg[0];
    std::vector<std::string> fields;
    size_t pos = 1;
    for (int i = 0; i < 3; ++i)
    {
        size_t next = arg.find(d, pos);
        if (next == std::string::npos)
        {
            return std::nullopt;
        }
        fields.push_back(arg.substr(pos, next - pos));
        pos = next + 1;
    }
    if (pos != arg.size() || fields[0] != "1")
    {
        return std::nullopt;
    }
    unsigned a[4];
    char dot[3];
    std::istringstream is(fields[1]);
    if (!(is >> a[0] >> dot[0] >> a[1] >> dot[1] >> a[2] >> dot[2] >> a[3]) || !is.eof() ||
        dot[0] != '.' || dot[1] != '.' || dot[2] != '.' || a[0] > 255 || a[1] > 255 || a[2] > 255 ||
        a[3] > 255)
    {
        return std::nullopt;
    }
    if (fields[2].empty() || fields[2].size() > 5 ||
        fields[2].find_first_not_of("0123456789") != std::string::npos)
    {
        return std::nullopt;
    }
    unsigned long port = std::stoul(fields[2]);
    if (port == 0 || port > 65535)
    {
        return std::nullopt;
    }
    return NaptEndpoint{Ipv4Address((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]),
                        uint16_t(port)};
}

NaptFtpAlg::NaptFtpAlg(ExpectCallback expect)
    : m_expect(std::move(expect))
{
}

uint32_t
NaptFtpAlg::GetRewrites() const
{
    return m_rewrites;
}

void
NaptFtpAlg::Forget(NaptEndpoint client)
{
    for (auto it = m_connections.begin(); it != m_connections.end();)
    {
        bool same =
            it->first.client.address == client.address && it->first.client.port == client.port;
        it = same ? m_connections.erase(it) : std::next(it);
    }
}

std::optional<std::string>
NaptFtpAlg::Rewrite(const std::string& line, const Connection& c, Ipv4Address publicAddress)
{
    bool eprt = IsCommand(line, "EPRT");
    if (!eprt && !IsCommand(line, "PORT"))
    {
        return std::nullopt;
    }
    std::optional<NaptEndpoint> data;
    if (eprt)
    {
        data = ParseFtpEprt(line.substr(5));
    }
    else if (auto a = ParseFtpPort(line.substr(5)))
    {
        data = NaptEndpoint{a->GetIpv4(), a->GetPort()};
    }
    // Only the client's own address: a PORT naming another host must not open a pinhole.
    if (!data || !(data->address == c.client.address))
    {
        return std::nullopt;
    }
    std::optional<uint16_t> port = m_expect(*data, c.server.address);
    if (!port)
    {
        return std::nullopt;
    }
    ++m_rewrites;
    if (eprt)
    {
        char d = line[5];
        std::ostringstream os;
        os << line.substr(0, 5) << d << '1' << d << publicAddress << d << *port << d;
        return os.str();
    }
    return line.substr(0, 5) + FormatFtpPort(InetSocketAddress(publicAddress, *port));
}

int32_t
NaptFtpAlg::DeltaAt(const State& s, SequenceNumber32 seq)
{
    int32_t delta = 0;
    for (const Correction& c : s.corrections)
    {
        if (c.lineEnd <= seq)
        {
            delta = c.after;
        }
        else if (c.lineStart < seq)
        {
            delta = c.before; // inside a rewritten line: only a resegmented retransmission
        }
    }
    return delta;
}

SequenceNumber32
NaptFtpAlg::MapBack(const State& s, SequenceNumber32 seq)
{
    SequenceNumber32 out = seq;
    for (const Correction& c : s.corrections)
    {
        if (c.lineEnd + c.after <= seq)
        {
            out = seq - c.after;
        }
        else if (c.lineStart + c.before < seq)
        {
            out = c.lineStart; // part of a rewritten line: acknowledge none of it
        }
    }
    return out;
}

Ptr<Packet>
NaptFtpAlg::Outbound(const Connection& c,
                     TcpHeader& tcp,
                     Ptr<Packet> payload,
                     Ipv4Address publicAddress)
{
    if (tcp.GetFlags() & TcpHeader::SYN)
    {
        m_connections[c] = State{}; // a new control connection
        return payload;
    }
    auto it = m_connections.find(c);
    if (it == m_connections.end())
    {
        return payload; // opened before the ALG was watching: leave it alone
    }
    State& st = it->second;
    SequenceNumber32 seq = tcp.GetSequenceNumber();
    tcp.SetSequenceNumber(seq + DeltaAt(st, seq));
    uint32_t n = payload->GetSize();
    if (n < 5)
    {
        return payload;
    }
    std::string data(n, '\0');
    payload->CopyData(reinterpret_cast<uint8_t*>(&data[0]), n);

    std::string out;
    bool changed = false;
    size_t start = 0;
    while (start < n)
    {
        size_t eol = data.find("\r\n", start);
        if (eol == std::string::npos)
        {
            out.append(data, start, std::string::npos);
            break;
        }
        std::string line = data.substr(start, eol - start);
        SequenceNumber32 lineStart = seq + int32_t(start);
        SequenceNumber32 lineEnd = seq + int32_t(eol + 2);
        const Correction* known = nullptr;
        for (const Correction& k : st.corrections)
        {
            if (k.lineStart == lineStart && k.lineEnd == lineEnd)
            {
                known = &k;
            }
        }
        std::optional<std::string> text;
        if (known)
        {
            text = known->text; // a retransmission: the same bytes as the first time
            ++m_rewrites;
        }
        else if (st.corrections.empty() || st.corrections.back().lineEnd <= lineStart)
        {
            text = Rewrite(line, c, publicAddress);
            if (text)
            {
                Correction k;
                k.lineStart = lineStart;
                k.lineEnd = lineEnd;
                k.before = st.corrections.empty() ? 0 : st.corrections.back().after;
                k.after = k.before + int32_t(text->size()) - int32_t(line.size());
                k.text = *text;
                st.corrections.push_back(k);
                NS_LOG_INFO("rewrote \"" << line << "\" as \"" << *text << "\"; delta now "
                                         << k.after);
            }
        }
        out += text ? *text : line;
        out += "\r\n";
        changed = changed || text.has_value();
        start = eol + 2;
    }
    if (!changed)
    {
        return payload;
    }
    return Create<Packet>(reinterpret_cast<const uint8_t*>(out.data()), out.size());
}

void
NaptFtpAlg::Inbound(const Connection& c, TcpHeader& tcp)
{
    auto it = m_connections.find(c);
    if (it == m_connections.end() || it->second.corrections.empty() ||
        !(tcp.GetFlags() & TcpHeader::ACK))
    {
        return;
    }
    const State& st = it->second;
    tcp.SetAckNumber(MapBack(st, tcp.GetAckNumber()));
    if (!tcp.HasOption(TcpOption::SACK))
    {
        return;
    }
    // Options cannot be edited in place: rebuild the header with translated SACK blocks.
    TcpHeader h;
    h.SetSourcePort(tcp.GetSourcePort());
    h.SetDestinationPort(tcp.GetDestinationPort());
    h.SetSequenceNumber(tcp.GetSequenceNumber());
    h.SetAckNumber(tcp.GetAckNumber());
    h.SetFlags(tcp.GetFlags());
    h.SetWindowSize(tcp.GetWindowSize());
    h.SetUrgentPointer(tcp.GetUrgentPointer());
    for (const Ptr<const TcpOption>& option : tcp.GetOptionList())
    {
        Ptr<const TcpOptionSack> sack = DynamicCast<const TcpOptionSack>(option);
        if (!sack)
        {
            h.AppendOption(option);
            continue;
        }
        Ptr<TcpOptionSack> mapped = CreateObject<TcpOptionSack>();
        for (const auto& block : sack->GetSackList())
        {
            mapped->AddSackBlock({MapBack(st, block.first), MapBack(st, block.second)});
        }
        h.AppendOption(mapped);
    }
    tcp = h;
}

} // namespace ns3
