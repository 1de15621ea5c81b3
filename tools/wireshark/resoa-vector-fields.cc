/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The C++ side of the Wireshark dissector test (tools/wireshark/run-test.py).
 *
 * It builds one list of Ethernet frames from the golden vectors in test/vectors (the LHP
 * vectors as they are, the EP vectors wrapped in LHP Data frames, padded frames, a few frames
 * made with the encoders, and deterministic mutations of all of them), and then either
 *  - `pcap DIR OUT`: writes them to a classic pcap (LINKTYPE_ETHERNET), or
 *  - `pcap-daemon DIR OUT`: the same through realnet::PcapWriter, the daemons' writer
 *    (only when built with resoa-realnet), or
 *  - `fields DIR [always|heuristic|never]`: decodes each with the core's decoders
 *    (DecodeLhpFrame, DecodeConnectParams, DecodeEpMessage) and prints, frame by frame, the
 *    fields and the Info line tools/wireshark/resoa.lua must show, in tshark's PDML `show`
 *    format; the argument is the dissector's "Data payloads as EP" preference, or
 *  - `errnames`: prints glibc's errno names (strerrorname_np) and the EAI codes, which the
 *    dissector's ep.error value string must match.
 *
 * Output of `fields`: one line per item, "frame<TAB>name<TAB>value". Names starting with '#'
 * are not fields: #label (where the frame comes from), #lhp_error / #connect_error /
 * #ep_error (the DecodeError name, "Ok", or "-" when that part is not decoded), #info.
 */
#include "ep-message.h"
#include "lhp-frame.h"
#include "resoa-codec-error.h"

#ifdef RESOA_WITH_REALNET_PCAP
#include "pcap-writer.h"
#endif

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace
{

using namespace resoa;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kEthHeaderSize = 14;
constexpr std::size_t kEthMinFrame = 60;    // without FCS
constexpr std::size_t kEthMinFrameFcs = 64; // with FCS
constexpr std::uint32_t kWrapConnId = 0x0000abcd;

/// How the dissector treats LHP Data payloads (its "ep_payload" preference).
enum class EpMode
{
    Always,
    Heuristic,
    Never,
};

/// One frame of the capture: where it comes from and the bytes after the Ethernet header.
struct TestFrame
{
    std::string label;
    Bytes lhp;
};

// ---------------------------------------------------------------------------------------
// Vector files
// ---------------------------------------------------------------------------------------

int
HexDigit(char c)
{
    if (c >= '0' && c <= '9')
    {
        return c - '0';
    }
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/// The bytes of a .hex vector (test/vectors/README.md): '#' lines are comments.
Bytes
ReadVector(const fs::path& path)
{
    std::ifstream in(path);
    if (!in)
    {
        throw std::runtime_error("cannot read " + path.string());
    }
    Bytes out;
    std::string line;
    while (std::getline(in, line))
    {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#')
        {
            continue;
        }
        int high = -1;
        for (char c : line)
        {
            if (std::isspace(static_cast<unsigned char>(c)))
            {
                continue;
            }
            const int d = HexDigit(c);
            if (d < 0)
            {
                throw std::runtime_error("bad hex digit in " + path.string());
            }
            if (high < 0)
            {
                high = d;
            }
            else
            {
                out.push_back(static_cast<std::uint8_t>(high << 4 | d));
                high = -1;
            }
        }
        if (high >= 0)
        {
            throw std::runtime_error("odd number of hex digits on a line of " + path.string());
        }
    }
    return out;
}

/// Sorted *.hex files of `dir` whose name starts with `prefix`.
std::vector<fs::path>
VectorFiles(const fs::path& dir, const std::string& prefix)
{
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
    {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() == ".hex" && name.compare(0, prefix.size(), prefix) == 0)
        {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// ---------------------------------------------------------------------------------------
// The frame list
// ---------------------------------------------------------------------------------------

/// Wraps EP bytes in an LHP Data frame, as EpLhpSession hands one message per SDU to LHP:
/// SendTo/RecvFrom on the semi-reliable channel, everything else on the reliable one.
class Wrapper
{
  public:
    Bytes Wrap(const Bytes& ep)
    {
        const bool datagram =
            ep.size() > 1 && (ep[1] == static_cast<std::uint8_t>(EpType::SendTo) ||
                              ep[1] == static_cast<std::uint8_t>(EpType::RecvFrom));
        LhpFrame f;
        f.type = LhpFrameType::Data;
        f.channel = datagram ? LhpChannel::SemiReliable : LhpChannel::Reliable;
        f.connId = kWrapConnId;
        f.seq = m_seq[datagram ? 1 : 0]++;
        if (m_count++ % 3 == 0)
        {
            // Every third frame piggybacks an ack with a SACK bitmap.
            f.flags = kFlagAck;
            f.ack = 500 + m_count;
            f.sack = 0x80000005u;
            f.window = 64;
        }
        f.payload = ep;
        return EncodeLhpFrame(f);
    }

  private:
    std::uint32_t m_seq[2] = {1, 1};
    std::uint32_t m_count = 0;
};

Bytes
PadTo(Bytes b, std::size_t size, std::uint8_t fill)
{
    if (b.size() < size)
    {
        b.resize(size, fill);
    }
    return b;
}

/// A few EP messages made by the encoder, for cases the vectors lack.
std::vector<std::pair<std::string, EpMessage>>
EncodedMessages()
{
    std::vector<std::pair<std::string, EpMessage>> out;
    EpAddress v6;
    v6.family = 6;
    for (std::size_t i = 0; i < 16; ++i)
    {
        v6.addr[i] = static_cast<std::uint8_t>(i == 0 ? 0xfe : (i == 1 ? 0x80 : i));
    }
    v6.port = 65535;

    EpMessage m;
    m.type = EpType::Accepted;
    m.rsockId = 9;
    m.value = kServerRsockBase + 7;
    m.local = v6;
    m.peer = EpAddress::Ipv4(0x0a000001, 1);
    out.emplace_back("encoded Accepted, IPv6 local", m);

    m = EpMessage{};
    m.type = EpType::Response;
    m.rsockId = 4;
    m.requestId = 0xffffffffu;
    m.local = EpAddress::Ipv4(0xc0000201, 5353);
    m.intValue = -7;
    out.emplace_back("encoded Response, local only, negative value", m);

    m = EpMessage{};
    m.type = EpType::Register;
    m.addrMode = EpAddrMode::NTo1;
    out.emplace_back("encoded Register, empty name", m);

    m = EpMessage{};
    m.type = EpType::Register;
    for (int c = 1; c <= 255; ++c)
    {
        m.name.push_back(static_cast<char>(c));
    }
    out.emplace_back("encoded Register, name of every byte but NUL", m);

    m = EpMessage{};
    m.type = EpType::Registered;
    m.addrMode = EpAddrMode::OneTo1;
    m.ipv4 = 0xcb007163;
    m.socketLimit = 1024;
    out.emplace_back("encoded Registered, 1-to-1", m);

    m = EpMessage{};
    m.type = EpType::SetSockOpt;
    m.rsockId = 6;
    m.requestId = 40;
    m.level = 41;
    m.option = 26;
    m.intValue = 1;
    out.emplace_back("encoded SetSockOpt outside the subset", m);

    m = EpMessage{};
    m.type = EpType::Shutdown;
    m.rsockId = 6;
    m.how = 2;
    out.emplace_back("encoded Shutdown rdwr", m);

    m = EpMessage{};
    m.type = EpType::Resolve;
    m.requestId = 3;
    m.name = "example.org";
    out.emplace_back("encoded Resolve any, no canonical name", m);

    m = EpMessage{};
    m.type = EpType::Resolved;
    m.requestId = 3;
    v6.port = 0;
    m.addresses = {v6, EpAddress::Ipv4(0x5db8d822, 0), v6};
    out.emplace_back("encoded Resolved, three addresses, no canonical name", m);

    m = EpMessage{};
    m.type = EpType::Resolved;
    m.requestId = 4;
    m.error = 110;
    out.emplace_back("encoded Resolved, errno ETIMEDOUT", m);

    m = EpMessage{};
    m.type = EpType::Data;
    m.rsockId = 6;
    out.emplace_back("encoded Data, empty", m);

    m = EpMessage{};
    m.type = EpType::Error;
    m.rsockId = kServerRsockBase + 1;
    m.error = 4242;
    out.emplace_back("encoded Error, unnamed errno", m);

    m = EpMessage{};
    m.type = EpType::Data;
    m.rsockId = 6;
    m.payload.resize(kLhpMaxPayload - kEpHeaderSize);
    for (std::size_t i = 0; i < m.payload.size(); ++i)
    {
        m.payload[i] = static_cast<std::uint8_t>(i * 7);
    }
    out.emplace_back("encoded Data filling a 9000-byte LHP payload", m);
    return out;
}

/// Deterministic pseudo-random numbers (a 64-bit LCG), so the capture never changes.
class Lcg
{
  public:
    std::uint32_t Next()
    {
        m_state = m_state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<std::uint32_t>(m_state >> 33);
    }

    std::uint32_t Below(std::uint32_t n)
    {
        return n == 0 ? 0 : Next() % n;
    }

  private:
    std::uint64_t m_state = 0x5eed0f0e0e0a11ull;
};

void
SetU16(Bytes& b, std::size_t at, std::uint16_t v)
{
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

void
SetU32(Bytes& b, std::size_t at, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
    {
        b[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
    }
}

/// One mutation of a frame: a byte changed anywhere or in the EP header or body, a cut, or
/// bytes appended (with or without fixing the LHP and EP length fields).
Bytes
Mutate(Bytes b, Lcg& rng, std::string& what)
{
    const std::uint32_t op = rng.Below(6);
    const bool hasEp = b.size() >= kLhpHeaderSize + kEpHeaderSize && b[1] == 1;
    if (op == 0 || b.size() < 2)
    {
        const std::size_t at = rng.Below(static_cast<std::uint32_t>(
            std::max<std::size_t>(std::min<std::size_t>(b.size(), kLhpHeaderSize), 1)));
        b.resize(std::max(b.size(), at + 1));
        b[at] =
            static_cast<std::uint8_t>(rng.Below(4) == 0 ? rng.Next() : b[at] ^ 1u << rng.Below(8));
        what = "LHP header byte " + std::to_string(at);
    }
    else if (op == 1 && hasEp)
    {
        const std::size_t at = kLhpHeaderSize + rng.Below(kEpHeaderSize);
        b[at] = static_cast<std::uint8_t>(rng.Below(2) == 0 ? rng.Below(4)
                                                            : b[at] ^ 1u << rng.Below(8));
        what = "EP header byte " + std::to_string(at - kLhpHeaderSize);
    }
    else if (op == 2 && b.size() > kLhpHeaderSize + kEpHeaderSize)
    {
        const std::size_t body = kLhpHeaderSize + kEpHeaderSize;
        const std::size_t at = body + rng.Below(static_cast<std::uint32_t>(b.size() - body));
        b[at] = static_cast<std::uint8_t>(rng.Below(3) == 0 ? rng.Next() : rng.Below(8));
        what = "EP body byte " + std::to_string(at - body);
    }
    else if (op == 3)
    {
        // At least one byte: Wireshark hands no empty payload to an EtherType dissector.
        b.resize(1 + rng.Below(static_cast<std::uint32_t>(b.size() - 1)));
        what = "cut to " + std::to_string(b.size()) + " bytes";
    }
    else
    {
        // Append bytes; op 4 also fixes the LHP length (and, with EP inside, the EP body
        // length half of the time), so the extra bytes reach the EP decoder.
        const std::size_t n = 1 + rng.Below(6);
        for (std::size_t i = 0; i < n; ++i)
        {
            b.push_back(static_cast<std::uint8_t>(rng.Below(2) == 0 ? 0 : rng.Next()));
        }
        what = "appended " + std::to_string(n) + " bytes";
        if (op == 4 && b.size() >= kLhpHeaderSize)
        {
            SetU16(b, 22, static_cast<std::uint16_t>(b.size() - kLhpHeaderSize));
            what += ", LHP length fixed";
            if (hasEp && rng.Below(2) == 0)
            {
                SetU32(b,
                       kLhpHeaderSize + 12,
                       static_cast<std::uint32_t>(b.size() - kLhpHeaderSize - kEpHeaderSize));
                what += ", EP body length fixed";
            }
        }
    }
    return b;
}

std::vector<TestFrame>
BuildFrames(const fs::path& dir)
{
    std::vector<TestFrame> frames;
    Wrapper wrapper;
    for (const auto& p : VectorFiles(dir, "lhp-"))
    {
        frames.push_back({p.filename().string(), ReadVector(p)});
    }
    for (const auto& p : VectorFiles(dir, "bad-lhp-"))
    {
        frames.push_back({p.filename().string(), ReadVector(p)});
    }
    for (const auto& p : VectorFiles(dir, "ep-"))
    {
        frames.push_back({p.filename().string() + " in LHP Data", wrapper.Wrap(ReadVector(p))});
    }
    for (const auto& p : VectorFiles(dir, "bad-ep-"))
    {
        frames.push_back({p.filename().string() + " in LHP Data", wrapper.Wrap(ReadVector(p))});
    }
    if (frames.empty())
    {
        throw std::runtime_error("no vectors in " + dir.string());
    }
    for (const auto& [label, m] : EncodedMessages())
    {
        frames.push_back({label + " in LHP Data", wrapper.Wrap(EncodeEpMessage(m))});
    }

    // Ethernet padding (frames of 60 bytes), zero and not.
    const std::size_t minLhp = kEthMinFrame - kEthHeaderSize;
    const Bytes keepalive = ReadVector(dir / "lhp-keepalive.hex");
    frames.push_back({"lhp-keepalive.hex padded to 60 bytes", PadTo(keepalive, minLhp, 0)});
    frames.push_back({"lhp-close.hex padded with 0xa5 bytes",
                      PadTo(ReadVector(dir / "lhp-close.hex"), minLhp, 0xa5)});
    frames.push_back({"ep-close.hex in LHP Data padded to 60 bytes",
                      PadTo(wrapper.Wrap(ReadVector(dir / "ep-close.hex")), minLhp, 0)});
    frames.push_back(
        {"lhp-keepalive.hex in a 61-byte frame (not padding)", PadTo(keepalive, minLhp + 1, 0)});

    // Frames the codec accepts but the link refuses, and bad connect parameters.
    LhpFrame f;
    f.type = LhpFrameType::Connect;
    f.connId = 0x11223344;
    f.payload = {0x05, 0xa8, 0x00, 0x40, 0xca, 0xfe, 0xf0};
    frames.push_back({"LHP Connect with 7 bytes of params", EncodeLhpFrame(f)});
    f.type = LhpFrameType::Accept;
    f.payload = {0x00, 0x00, 0x00, 0x40, 0xca, 0xfe, 0xf0, 0x0d, 0x01};
    frames.push_back({"LHP Accept with 9 bytes of params", EncodeLhpFrame(f)});
    f.payload.pop_back();
    frames.push_back({"LHP Accept with max_payload 0", EncodeLhpFrame(f)});
    f = LhpFrame{};
    f.type = LhpFrameType::Ack;
    f.flags = kFlagAck | kFlagResponse;
    f.channel = LhpChannel::SemiReliable;
    f.connId = 7;
    f.ack = 0xfffffffeu;
    f.sack = 0xffffffffu;
    f.window = 65535;
    f.payload = {1, 2, 3};
    frames.push_back({"LHP Ack with a payload and a wrapping SACK", EncodeLhpFrame(f)});
    f = LhpFrame{};
    f.type = LhpFrameType::Data;
    f.connId = 1;
    frames.push_back({"LHP Data without payload", EncodeLhpFrame(f)});

    // Mutations of everything above: the dissector and the core must agree on each.
    Lcg rng;
    const std::size_t base = frames.size();
    for (std::size_t i = 0; i < 3 * base; ++i)
    {
        const TestFrame& from = frames[rng.Below(static_cast<std::uint32_t>(base))];
        std::string what;
        Bytes b = Mutate(from.lhp, rng, what);
        frames.push_back({"mutated " + from.label + ": " + what, std::move(b)});
    }
    return frames;
}

// ---------------------------------------------------------------------------------------
// pcap
// ---------------------------------------------------------------------------------------

void
PutLe32(std::ostream& out, std::uint32_t v)
{
    const char b[4] = {static_cast<char>(v),
                       static_cast<char>(v >> 8),
                       static_cast<char>(v >> 16),
                       static_cast<char>(v >> 24)};
    out.write(b, 4);
}

void
PutLe16(std::ostream& out, std::uint16_t v)
{
    const char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
    out.write(b, 2);
}

int
WritePcap(const fs::path& dir, const std::string& path)
{
    const std::vector<TestFrame> frames = BuildFrames(dir);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    // Classic pcap global header: microseconds, version 2.4, snaplen 65535, Ethernet.
    PutLe32(out, 0xa1b2c3d4);
    PutLe16(out, 2);
    PutLe16(out, 4);
    PutLe32(out, 0);
    PutLe32(out, 0);
    PutLe32(out, 65535);
    PutLe32(out, 1);
    const std::uint8_t eth[kEthHeaderSize] = {
        0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, kLhpEtherType >> 8, kLhpEtherType & 0xff};
    std::uint32_t n = 0;
    for (const TestFrame& f : frames)
    {
        const auto len = static_cast<std::uint32_t>(kEthHeaderSize + f.lhp.size());
        PutLe32(out, 1700000000 + n / 1000);
        PutLe32(out, (n % 1000) * 1000);
        PutLe32(out, len);
        PutLe32(out, len);
        out.write(reinterpret_cast<const char*>(eth), kEthHeaderSize);
        out.write(reinterpret_cast<const char*>(f.lhp.data()),
                  static_cast<std::streamsize>(f.lhp.size()));
        n++;
    }
    out.close();
    if (!out)
    {
        std::cerr << "cannot write " << path << "\n";
        return 1;
    }
    std::cerr << "wrote " << n << " frames to " << path << "\n";
    return 0;
}

#ifdef RESOA_WITH_REALNET_PCAP
/// The same capture written by the daemons' own pcap writer (realnet::PcapWriter).
int
WriteDaemonPcap(const fs::path& dir, const std::string& path)
{
    const std::vector<TestFrame> frames = BuildFrames(dir);
    const realnet::MacAddress dst = {0x02, 0, 0, 0, 0, 0x02};
    const realnet::MacAddress src = {0x02, 0, 0, 0, 0, 0x01};
    realnet::PcapWriter writer(path, realnet::PcapFlush::Manual);
    std::int64_t n = 0;
    for (const TestFrame& f : frames)
    {
        const auto t = std::chrono::seconds(1700000000) + std::chrono::milliseconds(n++);
        if (!writer.WriteFrame(dst, src, f.lhp.data(), f.lhp.size(), t))
        {
            break;
        }
    }
    if (!writer.Flush() || writer.GetError() != 0)
    {
        std::cerr << "PcapWriter failed on " << path << ": " << std::strerror(writer.GetError())
                  << "\n";
        return 1;
    }
    std::cerr << "PcapWriter wrote " << writer.GetFrameCount() << " frames to " << path << "\n";
    return 0;
}
#endif

// ---------------------------------------------------------------------------------------
// Expected fields, in tshark's PDML `show` format
// ---------------------------------------------------------------------------------------

std::string
Hex(std::uint32_t v, int digits)
{
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%0*x", digits, v);
    return buf;
}

/// FT_BYTES: "61:62:63".
std::string
ByteString(const std::uint8_t* p, std::size_t n)
{
    std::string s;
    char buf[4];
    for (std::size_t i = 0; i < n; ++i)
    {
        std::snprintf(buf, sizeof(buf), i == 0 ? "%02x" : ":%02x", p[i]);
        s += buf;
    }
    return s;
}

/// A name in the Info column: printable ASCII kept, every other byte shown as '.'.
std::string
InfoString(const std::string& s)
{
    std::string out = s;
    for (char& c : out)
    {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e)
        {
            c = '.';
        }
    }
    return out;
}

std::string
Ipv4String(const std::uint8_t* p)
{
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, p, buf, sizeof(buf));
    return buf;
}

std::string
Ipv4HostOrder(std::uint32_t v)
{
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24),
                               static_cast<std::uint8_t>(v >> 16),
                               static_cast<std::uint8_t>(v >> 8),
                               static_cast<std::uint8_t>(v)};
    return Ipv4String(b);
}

std::string
Ipv6String(const std::uint8_t* p)
{
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, p, buf, sizeof(buf));
    return buf;
}

std::uint32_t
U32(const std::uint8_t* p)
{
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

std::uint16_t
U16(const std::uint8_t* p)
{
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

/// "ECONNREFUSED", "EAI_NONAME", or the number.
std::string
ErrorName(std::int32_t e)
{
    switch (e)
    {
        case 0:
            return "OK";
        case ep_resolve::kEaiNoname:
            return "EAI_NONAME";
        case ep_resolve::kEaiAgain:
            return "EAI_AGAIN";
        case ep_resolve::kEaiFail:
            return "EAI_FAIL";
        case ep_resolve::kEaiNodata:
            return "EAI_NODATA";
        case ep_resolve::kEaiFamily:
            return "EAI_FAMILY";
        case ep_resolve::kEaiAddrfamily:
            return "EAI_ADDRFAMILY";
        case ep_resolve::kEaiMemory:
            return "EAI_MEMORY";
    }
    const char* name = e > 0 ? strerrorname_np(e) : nullptr;
    return name != nullptr ? name : std::to_string(e);
}

/// Collects the lines of one frame.
class FrameOut
{
  public:
    explicit FrameOut(std::size_t number)
        : m_number(number)
    {
    }

    void Put(const std::string& name, const std::string& value)
    {
        std::cout << m_number << '\t' << name << '\t' << value << '\n';
    }

    void Put(const std::string& name, std::uint32_t value)
    {
        Put(name, std::to_string(value));
    }

    void PutInt(const std::string& name, std::int32_t value)
    {
        Put(name, std::to_string(value));
    }

    void PutBool(const std::string& name, bool value)
    {
        Put(name, value ? "1" : "0");
    }

  private:
    std::size_t m_number;
};

const char* const kChannelShort[] = {"reliable", "semi-reliable"};

/// The LHP header fields as the wire has them (also for frames the decoder rejects).
void
PutLhpHeader(FrameOut& o, const std::uint8_t* p)
{
    o.Put("lhp.version", p[0]);
    o.Put("lhp.type", p[1]);
    o.Put("lhp.flags", Hex(p[2], 2));
    o.PutBool("lhp.flags.ack", (p[2] & kFlagAck) != 0);
    o.PutBool("lhp.flags.response", (p[2] & kFlagResponse) != 0);
    o.Put("lhp.flags.reserved", Hex((p[2] & 0xfc) >> 2, 2));
    o.Put("lhp.channel", p[3]);
    o.Put("lhp.conn_id", Hex(U32(p + 4), 8));
    o.Put("lhp.seq", U32(p + 8));
    o.Put("lhp.ack", U32(p + 12));
    o.Put("lhp.sack", Hex(U32(p + 16), 8));
    o.Put("lhp.window", U16(p + 20));
    o.Put("lhp.length", U16(p + 22));
}

/// The same fields from a decoded frame (the codec's view).
void
PutLhpFrame(FrameOut& o, const LhpFrame& f)
{
    o.Put("lhp.version", f.version);
    o.Put("lhp.type", static_cast<std::uint32_t>(f.type));
    o.Put("lhp.flags", Hex(f.flags, 2));
    o.PutBool("lhp.flags.ack", f.HasAck());
    o.PutBool("lhp.flags.response", (f.flags & kFlagResponse) != 0);
    o.Put("lhp.flags.reserved", Hex((f.flags & 0xfc) >> 2, 2));
    o.Put("lhp.channel", static_cast<std::uint32_t>(f.channel));
    o.Put("lhp.conn_id", Hex(f.connId, 8));
    o.Put("lhp.seq", f.seq);
    o.Put("lhp.ack", f.ack);
    o.Put("lhp.sack", Hex(f.sack, 8));
    if (f.HasAck())
    {
        for (std::uint32_t i = 0; i < 32; ++i)
        {
            if ((f.sack >> i) & 1u)
            {
                o.Put("lhp.sack.seq", f.ack + 1 + i); // modulo 2^32
            }
        }
    }
    o.Put("lhp.window", f.window);
    o.Put("lhp.length", static_cast<std::uint32_t>(f.payload.size()));
}

/// The LHP part of the Info column of a good frame.
std::string
LhpInfo(const LhpFrame& f)
{
    std::string s = std::string("LHP ") + ToString(f.type);
    const char* ch = kChannelShort[static_cast<int>(f.channel)];
    switch (f.type)
    {
        case LhpFrameType::Data:
        case LhpFrameType::Forward:
            s += " seq=" + std::to_string(f.seq) + " ch=" + ch;
            break;
        case LhpFrameType::Ack:
            s += std::string(" ch=") + ch;
            break;
        default:
            s += " conn=" + Hex(f.connId, 8);
            if (f.flags & kFlagResponse)
            {
                s += " response";
            }
    }
    if (f.HasAck())
    {
        s += " ack=" + std::to_string(f.ack);
        if (f.sack != 0)
        {
            s += " sack=" + Hex(f.sack, 8);
        }
        s += " win=" + std::to_string(f.window);
    }
    return s;
}

/// Prints an EpAddress under `role` and returns its Info text.
std::string
PutAddress(FrameOut& o, const std::string& role, const EpAddress& a)
{
    const std::string p = "ep." + role + ".";
    o.Put(p + "family", a.family);
    if (a.family == 0)
    {
        return "none";
    }
    o.Put(p + "port", a.port);
    if (a.family == 4)
    {
        o.Put(p + "ipv4", Ipv4String(a.addr.data()));
        return Ipv4String(a.addr.data()) + ":" + std::to_string(a.port);
    }
    o.Put(p + "ipv6", Ipv6String(a.addr.data()));
    return "[" + Ipv6String(a.addr.data()) + "]:" + std::to_string(a.port);
}

std::string
SockoptName(std::uint16_t level, std::uint16_t option)
{
    if (level == 1)
    {
        switch (option)
        {
            case 2:
                return "SO_REUSEADDR";
            case 6:
                return "SO_BROADCAST";
            case 7:
                return "SO_SNDBUF";
            case 8:
                return "SO_RCVBUF";
            case 9:
                return "SO_KEEPALIVE";
        }
    }
    if (level == 6 && option == 1)
    {
        return "TCP_NODELAY";
    }
    return "level=" + std::to_string(level) + " option=" + std::to_string(option);
}

void
PutData(FrameOut& o, const Bytes& payload)
{
    if (!payload.empty())
    {
        o.Put("ep.data", ByteString(payload.data(), payload.size()));
    }
    o.Put("ep.data_length", static_cast<std::uint32_t>(payload.size()));
}

void
PutName(FrameOut& o, const std::string& lenField, const std::string& field, const std::string& n)
{
    o.Put(lenField, static_cast<std::uint32_t>(n.size()));
    if (!n.empty())
    {
        // Compared as raw bytes (PDML `value`): lowercase hex without separators.
        std::string hex = ByteString(reinterpret_cast<const std::uint8_t*>(n.data()), n.size());
        hex.erase(std::remove(hex.begin(), hex.end(), ':'), hex.end());
        o.Put(field, hex);
    }
}

const char* const kAddrMode[] = {"n-to-1", "1-to-1"};
const char* const kSockType[] = {"none", "stream", "dgram"};
const char* const kHow[] = {"rd", "wr", "rdwr"};

/// Prints the body fields of a decoded message and returns the body's Info text.
std::string
PutEpBody(FrameOut& o, const EpMessage& m)
{
    std::string s;
    switch (m.type)
    {
        case EpType::Register:
            o.Put("ep.addrmode", static_cast<std::uint32_t>(m.addrMode));
            o.Put("ep.requested_ipv4", Ipv4HostOrder(m.ipv4));
            PutName(o, "ep.name_length", "ep.name", m.name);
            s = " name=\"" + InfoString(m.name) +
                "\" mode=" + kAddrMode[static_cast<int>(m.addrMode)];
            if (m.ipv4 != 0)
            {
                s += " ipv4=" + Ipv4HostOrder(m.ipv4);
            }
            return s;
        case EpType::Registered:
            o.PutInt("ep.error", m.error);
            o.Put("ep.addrmode", static_cast<std::uint32_t>(m.addrMode));
            o.Put("ep.public_ipv4", Ipv4HostOrder(m.ipv4));
            o.Put("ep.socket_limit", m.socketLimit);
            if (m.error != 0)
            {
                return " error=" + ErrorName(m.error);
            }
            return std::string(" mode=") + kAddrMode[static_cast<int>(m.addrMode)] +
                   " ipv4=" + Ipv4HostOrder(m.ipv4) + " limit=" + std::to_string(m.socketLimit);
        case EpType::Socket:
        case EpType::Close:
        case EpType::Eof:
            return "";
        case EpType::Bind:
            return " local=" + PutAddress(o, "local", m.local);
        case EpType::Listen:
            o.Put("ep.backlog", m.value);
            return " backlog=" + std::to_string(m.value);
        case EpType::Accepted:
        {
            o.Put("ep.new_rsockid", m.value);
            PutAddress(o, "local", m.local);
            const std::string peer = PutAddress(o, "peer", m.peer);
            return " new=" + std::to_string(m.value) + " peer=" + peer;
        }
        case EpType::Connect:
            return " -> " + PutAddress(o, "peer", m.peer);
        case EpType::Response:
        {
            o.PutInt("ep.error", m.error);
            const std::string local = PutAddress(o, "local", m.local);
            const std::string peer = PutAddress(o, "peer", m.peer);
            o.PutInt("ep.value", m.intValue);
            s = m.error != 0 ? " error=" + ErrorName(m.error) : " ok";
            if (m.local.family != 0)
            {
                s += " local=" + local;
            }
            if (m.peer.family != 0)
            {
                s += " peer=" + peer;
            }
            if (m.intValue != 0)
            {
                s += " value=" + std::to_string(m.intValue);
            }
            return s;
        }
        case EpType::Data:
            PutData(o, m.payload);
            return " len=" + std::to_string(m.payload.size());
        case EpType::Credit:
            o.Put("ep.credit", m.value);
            return " bytes=" + std::to_string(m.value);
        case EpType::Shutdown:
            o.Put("ep.how", m.how);
            return std::string(" how=") + kHow[m.how];
        case EpType::SetSockOpt:
            o.Put("ep.sockopt.level", m.level);
            o.Put("ep.sockopt.option", m.option);
            o.PutInt("ep.sockopt.value", m.intValue);
            return " " + SockoptName(m.level, m.option) + " value=" + std::to_string(m.intValue);
        case EpType::GetSockOpt:
            o.Put("ep.sockopt.level", m.level);
            o.Put("ep.sockopt.option", m.option);
            return " " + SockoptName(m.level, m.option);
        case EpType::SendTo:
        case EpType::RecvFrom:
        {
            const std::string peer = PutAddress(o, "peer", m.peer);
            PutData(o, m.payload);
            return std::string(m.type == EpType::SendTo ? " -> " : " <- ") + peer +
                   " len=" + std::to_string(m.payload.size());
        }
        case EpType::Error:
            o.PutInt("ep.error", m.error);
            return " error=" + ErrorName(m.error);
        case EpType::Resolve:
            o.Put("ep.resolve.family", m.family);
            o.Put("ep.resolve.flags", Hex(m.resolveFlags, 2));
            o.PutBool("ep.resolve.flags.canonname", (m.resolveFlags & kEpResolveCanonName) != 0);
            o.Put("ep.resolve.flags.reserved", Hex((m.resolveFlags & 0xfe) >> 1, 2));
            PutName(o, "ep.name_length", "ep.name", m.name);
            s = " name=\"" + InfoString(m.name) +
                "\" family=" + (m.family == 4 ? "ipv4" : (m.family == 6 ? "ipv6" : "any"));
            if (m.resolveFlags & kEpResolveCanonName)
            {
                s += " canon";
            }
            return s;
        case EpType::Resolved:
            o.PutInt("ep.error", m.error);
            o.Put("ep.resolved.count", static_cast<std::uint32_t>(m.addresses.size()));
            for (const EpAddress& a : m.addresses)
            {
                PutAddress(o, "addr", a);
            }
            PutName(o, "ep.canon_name_length", "ep.canon_name", m.name);
            if (m.error != 0)
            {
                return " error=" + ErrorName(m.error);
            }
            s = " addrs=" + std::to_string(m.addresses.size());
            if (!m.name.empty())
            {
                s += " canon=\"" + InfoString(m.name) + "\"";
            }
            return s;
    }
    return "";
}

/// The EP header fields as the wire has them (also for messages the decoder rejects).
void
PutEpHeader(FrameOut& o, const std::uint8_t* p)
{
    o.Put("ep.version", p[0]);
    o.Put("ep.type", p[1]);
    o.Put("ep.flags", Hex(p[2], 2));
    o.PutBool("ep.flags.create", (p[2] & kEpFlagCreate) != 0);
    o.PutBool("ep.flags.credit_wanted", (p[2] & kEpFlagCreditWanted) != 0);
    o.Put("ep.flags.reserved", Hex((p[2] & 0xfc) >> 2, 2));
    o.Put("ep.socktype", p[3]);
    o.Put("ep.rsockid", U32(p + 4));
    o.Put("ep.request_id", U32(p + 8));
    o.Put("ep.body_length", U32(p + 12));
}

/// The EP prefix of the Info column: type, rsock, request (and, for a good message, the
/// header flags).
std::string
EpInfoPrefix(std::uint8_t type, std::uint32_t rsockId, std::uint32_t requestId)
{
    std::string s = std::string("EP ") + ToString(static_cast<EpType>(type));
    if (rsockId != 0)
    {
        s += " rsock=" + std::to_string(rsockId);
    }
    if (requestId != 0)
    {
        s += " req=" + std::to_string(requestId);
    }
    return s;
}

/// Decodes one SDU as EP; prints its fields and returns its Info text.
std::string
PutEp(FrameOut& o, const Bytes& sdu)
{
    EpMessage m;
    const DecodeError e = DecodeEpMessage(sdu.data(), sdu.size(), m);
    o.Put("#ep_error", ToString(e));
    if (e == DecodeError::Ok)
    {
        // The codec's view: header values from the decoded struct, the body length as the
        // encoder computes it.
        o.Put("ep.version", kEpVersion);
        o.Put("ep.type", static_cast<std::uint32_t>(m.type));
        o.Put("ep.flags", Hex(m.flags, 2));
        o.PutBool("ep.flags.create", (m.flags & kEpFlagCreate) != 0);
        o.PutBool("ep.flags.credit_wanted", (m.flags & kEpFlagCreditWanted) != 0);
        o.Put("ep.flags.reserved", Hex((m.flags & 0xfc) >> 2, 2));
        o.Put("ep.socktype", static_cast<std::uint32_t>(m.sockType));
        o.Put("ep.rsockid", m.rsockId);
        o.Put("ep.request_id", m.requestId);
        o.Put("ep.body_length", static_cast<std::uint32_t>(EpEncodedSize(m) - kEpHeaderSize));
        std::string s = EpInfoPrefix(static_cast<std::uint8_t>(m.type), m.rsockId, m.requestId);
        if (m.flags & kEpFlagCreate)
        {
            s += std::string(" +create(") + kSockType[static_cast<int>(m.sockType)] + ")";
        }
        if (m.flags & kEpFlagCreditWanted)
        {
            s += " +credit-wanted";
        }
        return s + PutEpBody(o, m);
    }
    o.Put("ep.decode_error", ToString(e));
    const std::string suffix = std::string(" [Malformed: ") + ToString(e) + "]";
    if (sdu.size() < kEpHeaderSize)
    {
        return "EP" + suffix;
    }
    PutEpHeader(o, sdu.data());
    if (e == DecodeError::BadVersion || e == DecodeError::UnknownType)
    {
        return "EP" + suffix;
    }
    return EpInfoPrefix(sdu[1], U32(&sdu[4]), U32(&sdu[8])) + suffix;
}

/// The dissector's "heuristic" test for EP in a Data SDU.
bool
LooksLikeEp(const Bytes& sdu)
{
    return sdu.size() >= kEpHeaderSize && sdu[0] == kEpVersion && sdu[1] >= 1 &&
           sdu[1] <= kEpTypeMax && U32(&sdu[12]) == sdu.size() - kEpHeaderSize;
}

/// Everything the dissector must show for one frame, decoded by the core.
void
PutFrame(std::size_t number, const TestFrame& tf, EpMode mode)
{
    FrameOut o(number);
    o.Put("#label", tf.label);
    const Bytes& b = tf.lhp;
    LhpFrame f;
    DecodeError e = DecodeLhpFrame(b.data(), b.size(), f);
    std::size_t padding = 0;
    if (e == DecodeError::TrailingBytes)
    {
        // Ethernet padding: what a driver trims with LhpFramedLength. Only a frame of the
        // padded minimum size whose LHP part was short enough can have it.
        const std::size_t framed = LhpFramedLength(b.data(), b.size());
        const std::size_t frameLen = kEthHeaderSize + b.size();
        if (frameLen >= kEthMinFrame && frameLen <= kEthMinFrameFcs &&
            kEthHeaderSize + framed < kEthMinFrame)
        {
            e = DecodeLhpFrame(b.data(), framed, f);
            padding = b.size() - framed;
        }
    }
    o.Put("#lhp_error", ToString(e));
    if (e != DecodeError::Ok)
    {
        o.Put("#connect_error", "-");
        o.Put("#ep_error", "-");
        o.Put("lhp.decode_error", ToString(e));
        const std::string suffix = std::string(" [Malformed: ") + ToString(e) + "]";
        if (b.size() < kLhpHeaderSize)
        {
            o.Put("#info", "LHP" + suffix);
            return;
        }
        PutLhpHeader(o, b.data());
        const bool named = e != DecodeError::BadVersion && e != DecodeError::UnknownType;
        o.Put("#info",
              (named ? std::string("LHP ") + ToString(static_cast<LhpFrameType>(b[1])) : "LHP") +
                  suffix);
        return;
    }
    PutLhpFrame(o, f);
    if (padding > 0)
    {
        o.Put("lhp.padding", ByteString(b.data() + b.size() - padding, padding));
    }
    std::string info = LhpInfo(f);
    std::string connectError = "-";
    std::string epError = "-";
    if (f.type == LhpFrameType::Connect || f.type == LhpFrameType::Accept)
    {
        LhpConnectParams p;
        const DecodeError pe = DecodeConnectParams(f.payload.data(), f.payload.size(), p);
        connectError = ToString(pe);
        if (pe == DecodeError::Ok)
        {
            o.Put("lhp.connect.max_payload", p.maxPayload);
            o.Put("lhp.connect.window", p.window);
            o.Put("lhp.connect.nonce", Hex(p.nonce, 8));
            info += " max_payload=" + std::to_string(p.maxPayload) +
                    " win=" + std::to_string(p.window) + " nonce=" + Hex(p.nonce, 8);
        }
        else
        {
            o.Put("lhp.connect.decode_error", ToString(pe));
            info += std::string(" [Malformed: ") + ToString(pe) + "]";
        }
    }
    else if (!f.payload.empty())
    {
        const bool ep =
            f.type == LhpFrameType::Data &&
            (mode == EpMode::Always || (mode == EpMode::Heuristic && LooksLikeEp(f.payload)));
        if (ep)
        {
            info += " | " + PutEp(o, f.payload);
            epError.clear();
        }
        else
        {
            o.Put("lhp.payload", ByteString(f.payload.data(), f.payload.size()));
        }
    }
    o.Put("#connect_error", connectError);
    if (!epError.empty())
    {
        o.Put("#ep_error", epError);
    }
    o.Put("#info", info);
}

int
PrintFields(const fs::path& dir, EpMode mode)
{
    const std::vector<TestFrame> frames = BuildFrames(dir);
    for (std::size_t i = 0; i < frames.size(); ++i)
    {
        PutFrame(i + 1, frames[i], mode); // tshark numbers frames from 1
    }
    return 0;
}

int
PrintErrorNames()
{
    for (std::int32_t e = -10; e <= 133; ++e)
    {
        const std::string name = ErrorName(e);
        if (name != std::to_string(e))
        {
            std::cout << e << '\t' << name << '\n';
        }
    }
    return 0;
}

int
Usage()
{
    std::cerr << "usage: resoa-vector-fields pcap VECTOR_DIR OUT.pcap\n"
                 "       resoa-vector-fields pcap-daemon VECTOR_DIR OUT.pcap (realnet's "
                 "PcapWriter)\n"
                 "       resoa-vector-fields fields VECTOR_DIR [always|heuristic|never]\n"
                 "       resoa-vector-fields errnames\n";
    return 2;
}

} // namespace

int
main(int argc, char** argv)
{
    try
    {
        const std::string cmd = argc > 1 ? argv[1] : "";
        if (cmd == "pcap" && argc == 4)
        {
            return WritePcap(argv[2], argv[3]);
        }
#ifdef RESOA_WITH_REALNET_PCAP
        if (cmd == "pcap-daemon" && argc == 4)
        {
            return WriteDaemonPcap(argv[2], argv[3]);
        }
#endif
        if (cmd == "fields" && (argc == 3 || argc == 4))
        {
            const std::string m = argc == 4 ? argv[3] : "always";
            if (m != "always" && m != "heuristic" && m != "never")
            {
                return Usage();
            }
            const EpMode mode = m == "always"      ? EpMode::Always
                                : m == "heuristic" ? EpMode::Heuristic
                                                   : EpMode::Never;
            return PrintFields(argv[2], mode);
        }
        if (cmd == "errnames" && argc == 2)
        {
            return PrintErrorNames();
        }
        return Usage();
    }
    catch (const std::exception& ex)
    {
        std::cerr << "resoa-vector-fields: " << ex.what() << "\n";
        return 1;
    }
}
