/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The EP server's world for the fuzz targets: a strict in-memory EpSocketStack whose answers
 * and events come from the fuzzer's input, a generator of structurally valid client
 * messages, a resolver that answers when the input says so, and the server's invariants.
 */
#ifndef RESOA_FUZZ_EP_WORLD_H
#define RESOA_FUZZ_EP_WORLD_H

#include "ep-engine-types.h"
#include "ep-message.h"
#include "ep-server.h"
#include "ep-socket-stack.h"
#include "fuzz-input.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace resoa
{
namespace fuzz
{

constexpr std::uint32_t kServerIp = 0xCB007101; // 203.0.113.1
constexpr std::uint32_t kPool1 = 0xCB00710A;
constexpr std::uint32_t kPool2 = 0xCB00710B;

/// Addresses clients and the Internet use: a web server, the server's own, wildcard, IPv6,
/// none, a port the call policy refuses, and one from the input.
inline EpAddress
PickAddress(FuzzInput& in)
{
    const std::uint8_t mode = in.U8();
    switch (mode % 8)
    {
        case 0:
        case 1:
            return EpAddress::Ipv4(0xC6336407, 80); // 198.51.100.7:80
        case 2:
            return EpAddress::Ipv4(mode < 128 ? kServerIp : kPool1, 8000 + (mode & 3));
        case 3:
            return EpAddress::Ipv4(0, mode & 1);
        case 4:
        {
            EpAddress a;
            a.family = 6;
            a.addr[15] = 1;
            a.port = 443;
            return a;
        }
        case 5:
            return EpAddress{};
        case 6:
            return EpAddress::Ipv4(0xC6336408, 25); // refused by the call policy
        default:
        {
            const std::uint32_t ip = in.U32();
            return EpAddress::Ipv4(ip, in.U16());
        }
    }
}

/// A client's rsockId: mostly one of a few small ids, sometimes an accepted one or any.
inline std::uint32_t
PickRsockId(FuzzInput& in)
{
    const std::uint8_t mode = in.U8();
    if (mode < 200)
    {
        return 1 + mode % 6;
    }
    if (mode < 245)
    {
        return kServerRsockBase + mode % 4;
    }
    return in.U32();
}

/// Payload bytes that do not use up the input (the fuzzer steers sizes, not contents).
inline std::vector<std::uint8_t>
Filler(std::size_t len, std::uint8_t seed)
{
    std::vector<std::uint8_t> v(len);
    for (std::size_t i = 0; i < len; ++i)
    {
        v[i] = static_cast<std::uint8_t>(seed + i * 7);
    }
    return v;
}

/// A payload size: mostly small, sometimes up to `big` (around the credit and chunk bounds).
inline std::size_t
PickSize(FuzzInput& in, std::size_t big)
{
    return in.Bool() ? in.Range(0, 64) : in.Range(0, big);
}

inline std::string
PickName(FuzzInput& in, std::size_t maxLen)
{
    const std::size_t len = in.Range(1, maxLen);
    std::string s(len, 'a');
    for (std::size_t i = 0; i < len; ++i)
    {
        s[i] = static_cast<char>('a' + (i * 5 + len) % 26);
    }
    return s;
}

/**
 * A structurally valid EP message a client could send (and now and then one only the server
 * sends), its fields from the input. Sizes stay below `maxSize` bytes where the type allows
 * (the daemon target sends each in one LHP SDU).
 */
inline EpMessage
BuildClientMessage(FuzzInput& in, std::size_t maxSize)
{
    static const EpType kTypes[] = {
        EpType::Register, EpType::Socket,   EpType::Bind,    EpType::Listen,     EpType::Connect,
        EpType::Connect,  EpType::Data,     EpType::Data,    EpType::Data,       EpType::Credit,
        EpType::Credit,   EpType::Shutdown, EpType::Close,   EpType::SetSockOpt, EpType::GetSockOpt,
        EpType::SendTo,   EpType::SendTo,   EpType::Resolve, EpType::Registered, EpType::Response,
        EpType::Accepted, EpType::RecvFrom, EpType::Error,   EpType::Eof,
    };
    EpMessage m;
    m.type = kTypes[in.U8() % (sizeof(kTypes) / sizeof(kTypes[0]))];
    m.rsockId = PickRsockId(in);
    m.requestId = in.Bool() ? static_cast<std::uint32_t>(in.Range(1, 20)) : 0;
    const std::uint8_t create = in.U8();
    if (create < 120 && m.type != EpType::Register && m.type != EpType::Resolve)
    {
        m.flags = kEpFlagCreate;
        m.sockType = static_cast<EpSockType>(1 + create % 2);
    }
    else if (create >= 250)
    {
        m.sockType = static_cast<EpSockType>(create % 3); // sockType without create
    }
    const std::size_t room = maxSize > kEpHeaderSize ? maxSize - kEpHeaderSize : 0;
    switch (m.type)
    {
        case EpType::Register:
            m.rsockId = in.U8() < 240 ? 0 : m.rsockId;
            m.addrMode = in.Bool() ? EpAddrMode::OneTo1 : EpAddrMode::NTo1;
            m.ipv4 = in.Bool() ? 0 : (in.Bool() ? kPool2 : in.U32());
            m.name = PickName(in, std::min<std::size_t>(kEpMaxName, room > 6 ? room - 6 : 1));
            break;
        case EpType::Socket:
            m.sockType = static_cast<EpSockType>(in.Range(0, 2));
            break;
        case EpType::Bind:
            m.local = PickAddress(in);
            break;
        case EpType::Listen:
            m.value = in.Range(0, 8);
            break;
        case EpType::Connect:
            m.peer = PickAddress(in);
            break;
        case EpType::Data:
            m.payload = Filler(PickSize(in, room), in.U8());
            if (in.U8() < 64)
            {
                m.flags |= kEpFlagCreditWanted;
            }
            break;
        case EpType::Credit:
            m.value = in.U8() < 230 ? static_cast<std::uint32_t>(in.Range(0, 20000)) : in.U32();
            break;
        case EpType::Shutdown:
            m.how = static_cast<std::uint8_t>(in.Range(0, 2));
            break;
        case EpType::SetSockOpt:
        case EpType::GetSockOpt:
        {
            static const std::uint16_t kOpts[][2] = {
                {1, 2}, {1, 6}, {1, 7}, {1, 8}, {1, 9}, {6, 1}, {1, 99}, {0, 7}};
            const auto& o = kOpts[in.U8() % 8];
            m.level = o[0];
            m.option = o[1];
            static const std::int32_t kValues[] = {0, 1, -1, 4096, 1 << 30, INT32_MIN};
            m.intValue = kValues[in.U8() % 6];
            break;
        }
        case EpType::SendTo:
        case EpType::RecvFrom:
            m.peer = PickAddress(in);
            m.payload = Filler(PickSize(in, room > 19 ? room - 19 : 0), in.U8());
            break;
        case EpType::Resolve:
            m.rsockId = 0;
            m.flags = 0;
            m.sockType = EpSockType::None;
            m.requestId = in.U8() < 240 ? static_cast<std::uint32_t>(in.Range(1, 20)) : 0;
            m.family = static_cast<std::uint8_t>(in.Range(0, 2) * 2 + (in.Bool() ? 0 : 0));
            m.family = m.family == 2 ? 4 : m.family;
            m.resolveFlags = in.Bool() ? kEpResolveCanonName : 0;
            m.name = PickName(in, std::min<std::size_t>(kEpMaxName, room > 3 ? room - 3 : 1));
            break;
        case EpType::Registered:
            m.socketLimit = in.U16();
            break;
        case EpType::Response:
            m.error = in.U8();
            break;
        case EpType::Accepted:
            m.value = in.U32();
            break;
        case EpType::Error:
            m.error = ep_errno::kEconnreset;
            break;
        default:
            break;
    }
    return m;
}

/**
 * \brief An EpSocketStack that checks the server's side of the contract and answers from the
 * input: every call must name a live handle (created by Create or handed over by
 * OnIncomingConnection, not yet released by Close or Abort), read interest changes only,
 * and nothing is read beyond maxBytes. Handles are never reused.
 */
class FuzzSocketStack : public EpSocketStack
{
  public:
    struct Sock
    {
        EpSockType type = EpSockType::None;
        bool connecting = false;
        bool connected = false;
        bool listening = false;
        bool shutWr = false;
        bool readInterest = false;
        bool fin = false;
        bool txBlocked = false;
        std::size_t rx = 0;      //!< bytes the Internet sent, not yet read
        std::size_t sndRoom = 0; //!< TCP send buffer room
        std::uint64_t readOffset = 0;
        std::int32_t readError = 0;
        std::int32_t sendError = 0;
        EpAddress local;
        EpAddress peer;
    };

    explicit FuzzSocketStack(FuzzInput& in)
        : m_in(in)
    {
    }

    // --- EpSocketStack ---

    EpHandle Create(EpSockType type, std::int32_t& error) override
    {
        FUZZ_REQUIRE(type == EpSockType::Stream || type == EpSockType::Dgram);
        if (m_in.U8() == 0xEE)
        {
            error = m_in.Bool() ? ep_errno::kEmfile : ep_errno::kEnomem;
            return kEpInvalidHandle;
        }
        error = 0;
        return Add(type, false);
    }

    std::int32_t Bind(EpHandle h, const EpAddress& local) override
    {
        Sock& s = Live(h);
        const std::uint8_t r = m_in.U8();
        if (r >= 240)
        {
            return r < 248 ? ep_errno::kEaddrinuse : ep_errno::kEaddrnotavail;
        }
        s.local = local;
        return 0;
    }

    std::int32_t Listen(EpHandle h, std::uint32_t /*backlog*/) override
    {
        Sock& s = Live(h);
        if (s.type != EpSockType::Stream)
        {
            return ep_errno::kEopnotsupp;
        }
        s.listening = true;
        return 0;
    }

    std::int32_t Connect(EpHandle h, const EpAddress& peer) override
    {
        Sock& s = Live(h);
        if (s.type == EpSockType::Dgram)
        {
            s.peer = peer;
            s.connected = true;
            return 0;
        }
        if (s.connecting)
        {
            return kEpEalready;
        }
        if (s.connected || s.listening)
        {
            return s.connected ? ep_errno::kEisconn : ep_errno::kEinval;
        }
        const std::uint8_t r = m_in.U8();
        if (r >= 230)
        {
            return r < 240 ? ep_errno::kEconnrefused : ep_errno::kEnetunreach;
        }
        s.peer = peer;
        s.connecting = true;
        return kEpEinprogress;
    }

    EpIoResult Send(EpHandle h, const std::uint8_t* data, std::size_t len) override
    {
        Sock& s = Live(h);
        FUZZ_REQUIRE(data != nullptr || len == 0);
        EpIoResult r;
        if (s.sendError != 0)
        {
            r.error = s.sendError;
            s.sendError = ep_errno::kEpipe;
            return r;
        }
        if (s.shutWr)
        {
            r.error = ep_errno::kEpipe;
            return r;
        }
        if (!s.connected)
        {
            r.error = ep_errno::kEnotconn;
            return r;
        }
        r.bytes = std::min(len, s.sndRoom);
        s.sndRoom -= r.bytes;
        if (r.bytes < len)
        {
            s.txBlocked = true;
        }
        if (r.bytes == 0 && len > 0)
        {
            r.error = ep_errno::kEagain;
        }
        return r;
    }

    EpReadResult Read(EpHandle h, std::size_t maxBytes) override
    {
        Sock& s = Live(h);
        EpReadResult r;
        const std::size_t n = std::min(maxBytes, s.rx);
        if (n == 0)
        {
            if (s.readError != 0)
            {
                r.error = s.readError;
                s.readError = 0;
            }
            else if (s.fin)
            {
                r.eof = true;
            }
            else
            {
                r.error = ep_errno::kEagain;
            }
            return r;
        }
        r.data = Filler(n, static_cast<std::uint8_t>(s.readOffset));
        s.rx -= n;
        s.readOffset += n;
        m_bytesRead += n;
        return r;
    }

    std::int32_t SendTo(EpHandle h,
                        const EpAddress& /*peer*/,
                        const std::uint8_t* /*data*/,
                        std::size_t /*len*/) override
    {
        Sock& s = Live(h);
        if (s.type != EpSockType::Dgram)
        {
            return ep_errno::kEopnotsupp;
        }
        return m_in.U8() >= 245 ? kEpEnobufs : 0;
    }

    std::int32_t ShutdownWrite(EpHandle h) override
    {
        Live(h).shutWr = true;
        return 0;
    }

    void Close(EpHandle h) override
    {
        Release(h);
    }

    void Abort(EpHandle h) override
    {
        Release(h);
    }

    void SetReadInterest(EpHandle h, bool on) override
    {
        Sock& s = Live(h);
        FUZZ_REQUIRE(s.readInterest != on); // "called only on a change"
        s.readInterest = on;
    }

    std::int32_t SetSockOpt(EpHandle h,
                            std::uint16_t level,
                            std::uint16_t option,
                            std::int32_t value) override
    {
        Live(h);
        FUZZ_REQUIRE(ep_sockopt::IsSupported(level, option));
        const bool buffer = level == ep_sockopt::kLevelSocket &&
                            (option == ep_sockopt::kSndBuf || option == ep_sockopt::kRcvBuf);
        // The server refuses values <= 0 and clamps to maxSocketBuffer before calling.
        FUZZ_REQUIRE(!buffer || (value > 0 && value <= m_maxSocketBuffer));
        return 0;
    }

    std::int32_t GetSockOpt(EpHandle h,
                            std::uint16_t /*level*/,
                            std::uint16_t /*option*/,
                            std::int32_t& value) override
    {
        Live(h);
        value = 4096;
        return 0;
    }

    EpAddress GetSockName(EpHandle h) override
    {
        const Sock& s = Live(h);
        return s.local.family != 0 ? s.local : EpAddress::Ipv4(kServerIp, 40000);
    }

    EpAddress GetPeerName(EpHandle h) override
    {
        const Sock& s = Live(h);
        return s.connected ? s.peer : EpAddress{};
    }

    // --- the Internet and the kernel, driven by the input ---

    void SetMaxSocketBuffer(std::int32_t v)
    {
        m_maxSocketBuffer = v;
    }

    /// One stack event for `server`, reported from outside any stack call, as required.
    void Event(EpServer& server)
    {
        const std::uint8_t kind = m_in.U8();
        if (kind % 16 == 15 && !m_released.empty())
        {
            // An event the driver had queued before the server released the handle.
            const EpHandle h = m_released[m_in.U8() % m_released.size()];
            switch (m_in.U8() % 5)
            {
                case 0:
                    server.OnReadable(h);
                    break;
                case 1:
                    server.OnWritable(h);
                    break;
                case 2:
                    server.OnConnected(h);
                    break;
                case 3:
                    server.OnError(h, ep_errno::kEconnreset);
                    break;
                default:
                {
                    // A connection accepted on a listener the server already released: the
                    // server owns the new handle and must release it.
                    const EpHandle nh = Add(EpSockType::Stream, true);
                    server.OnIncomingConnection(h, nh);
                    break;
                }
            }
            return;
        }
        if (m_socks.empty())
        {
            return;
        }
        auto it = m_socks.begin();
        std::advance(it, m_in.U8() % m_socks.size());
        const EpHandle h = it->first;
        Sock& s = it->second;
        switch (kind % 16)
        {
            case 0:
            case 1:
                if (s.connecting)
                {
                    s.connecting = false;
                    if (m_in.U8() < 200)
                    {
                        s.connected = true;
                        s.sndRoom = m_in.Range(0, 8000);
                        server.OnConnected(h);
                    }
                    else
                    {
                        server.OnConnectFailed(h, ep_errno::kEconnrefused);
                    }
                    return;
                }
                [[fallthrough]];
            case 2:
                if (s.listening)
                {
                    const EpHandle nh = Add(EpSockType::Stream, true);
                    server.OnIncomingConnection(h, nh);
                    return;
                }
                [[fallthrough]];
            case 3:
            case 4:
            case 5:
                if (s.type == EpSockType::Dgram)
                {
                    const EpAddress from = PickAddress(m_in);
                    const auto data = Filler(PickSize(m_in, 1600), kind);
                    server.OnDatagram(h, from, data.data(), data.size());
                    return;
                }
                if (s.connected)
                {
                    s.rx += PickSize(m_in, 6000);
                }
                server.OnReadable(h);
                return;
            case 6:
            case 7:
                s.sndRoom += m_in.Range(1, 6000);
                if (s.txBlocked)
                {
                    s.txBlocked = false;
                    server.OnWritable(h);
                }
                return;
            case 8:
                s.fin = true;
                if (m_in.Bool())
                {
                    server.OnPeerClosed(h);
                }
                else
                {
                    server.OnReadable(h);
                }
                return;
            case 9:
                if (m_in.Bool())
                {
                    s.connected = false;
                    server.OnError(h, ep_errno::kEconnreset);
                }
                else
                {
                    // As a kernel socket: only the next Read or Send says so.
                    s.rx = 0;
                    s.readError = ep_errno::kEconnreset;
                    s.sendError = ep_errno::kEconnreset;
                }
                return;
            case 10:
                server.OnError(h, m_in.Bool() ? ep_errno::kEtimedout : ep_errno::kEhostunreach);
                return;
            default:
                // Level-triggered wake-ups with nothing new.
                if (m_in.Bool())
                {
                    server.OnReadable(h);
                }
                else
                {
                    server.OnWritable(h);
                }
                return;
        }
    }

    /// Handles the server holds (live), in order.
    std::vector<EpHandle> LiveHandles() const
    {
        std::vector<EpHandle> v;
        for (const auto& kv : m_socks)
        {
            v.push_back(kv.first);
        }
        return v;
    }

    const Sock* Find(EpHandle h) const
    {
        auto it = m_socks.find(h);
        return it == m_socks.end() ? nullptr : &it->second;
    }

  private:
    EpHandle Add(EpSockType type, bool connected)
    {
        const EpHandle h = (static_cast<EpHandle>(++m_generation) << 32) | 3;
        Sock s;
        s.type = type;
        s.connected = connected;
        if (connected)
        {
            s.peer = EpAddress::Ipv4(0xC6336409, 50000);
            s.local = EpAddress::Ipv4(kServerIp, 8000);
            s.sndRoom = m_in.Range(0, 8000);
        }
        m_socks.emplace(h, s);
        return h;
    }

    Sock& Live(EpHandle h)
    {
        auto it = m_socks.find(h);
        FUZZ_REQUIRE(it != m_socks.end()); // never a released, unknown or invalid handle
        return it->second;
    }

    void Release(EpHandle h)
    {
        Live(h);
        m_socks.erase(h);
        if (m_released.size() < 64)
        {
            m_released.push_back(h);
        }
    }

    FuzzInput& m_in;
    std::map<EpHandle, Sock> m_socks; //!< live handles only
    std::vector<EpHandle> m_released;
    std::uint32_t m_generation = 0;
    std::int32_t m_maxSocketBuffer = 0;
    std::uint64_t m_bytesRead = 0;
};

/// An EpServerConfig with small bounds from the input, so every bound is reached.
inline EpServerConfig
PickServerConfig(FuzzInput& in, std::size_t maxMessageSize)
{
    using std::chrono::milliseconds;
    EpServerConfig c;
    c.serverIpv4 = kServerIp;
    c.allowOneTo1 = in.Bool();
    c.addressPool = {kPool1, kPool2};
    c.socketLimit = static_cast<std::uint16_t>(in.Range(1, 8));
    c.clientWindowBytes = in.Range(1, 8000);
    c.creditThreshold = in.Bool() ? 0 : in.Range(1, 4000);
    c.maxMessageSize = maxMessageSize;
    static const int kClosing[] = {0, 10, 1000, 60000};
    c.closingTimeout = milliseconds(kClosing[in.U8() % 4]);
    c.maxClientRecvWindow = in.Range(1, 20000);
    static const std::int32_t kBuffers[] = {1, 4096, 4 << 20};
    c.maxSocketBuffer = kBuffers[in.U8() % 3];
    c.maxQueuedDatagramBytes = in.Range(0, 5000);
    c.maxPendingResolutions = in.Range(0, 4);
    static const int kResolve[] = {0, 5, 1000};
    c.resolveTimeout = milliseconds(kResolve[in.U8() % 3]);
    return c;
}

/// The server's resolver: requests wait until the input answers them (or answers at once).
struct FuzzResolver
{
    struct Request
    {
        std::uint64_t sessionId;
        std::uint32_t requestId;
    };

    void Install(EpServer& server, bool synchronous)
    {
        server.SetResolver(
            [this, &server, synchronous](const EpResolveRequest& r)
            {
                FUZZ_REQUIRE(!r.name.empty() && r.name.size() <= kEpMaxName);
                if (synchronous)
                {
                    server.OnResolved(r.sessionId, r.requestId, ep_resolve::kEaiNoname, {});
                    return;
                }
                waiting.push_back(Request{r.sessionId, r.requestId});
            });
    }

    /// Answers one waiting request (or a made-up one: stale answers are harmless).
    void Answer(FuzzInput& in, EpServer& server)
    {
        Request r{in.Range(1, 4), static_cast<std::uint32_t>(in.Range(1, 20))};
        if (!waiting.empty() && in.U8() < 220)
        {
            const std::size_t i = in.U8() % waiting.size();
            r = waiting[i];
            waiting.erase(waiting.begin() + static_cast<std::ptrdiff_t>(i));
        }
        static const std::int32_t kErrors[] = {0, 0, 0, ep_resolve::kEaiNoname, -7, 5};
        const std::int32_t error = kErrors[in.U8() % 6];
        std::vector<EpAddress> addresses(in.Range(0, 20));
        for (EpAddress& a : addresses)
        {
            a = PickAddress(in);
        }
        const std::string canon = in.Bool() ? PickName(in, 255) : std::string();
        server.OnResolved(r.sessionId, r.requestId, error, addresses, canon);
    }

    std::vector<Request> waiting;
};

/// Every message the server hands the driver: decodable, within maxMessageSize, datagrams
/// (RecvFrom) alone on the semi-reliable channel.
inline void
CheckOutgoing(const EpServer& server, const EpServerOutgoing& o)
{
    EpMessage m;
    FUZZ_REQUIRE(DecodeEpMessage(o.bytes.data(), o.bytes.size(), m) == DecodeError::Ok);
    FUZZ_REQUIRE(o.bytes.size() <= server.GetConfig().maxMessageSize);
    FUZZ_REQUIRE((o.channel == LhpChannel::SemiReliable) == (m.type == EpType::RecvFrom));
    // Server-to-client types only.
    FUZZ_REQUIRE(m.type == EpType::Registered || m.type == EpType::Accepted ||
                 m.type == EpType::Response || m.type == EpType::Data || m.type == EpType::Credit ||
                 m.type == EpType::RecvFrom || m.type == EpType::Error || m.type == EpType::Eof ||
                 m.type == EpType::Resolved);
}

/// The server's bounds and its agreement with the stack, after every step.
inline void
CheckServer(const EpServer& server,
            const FuzzSocketStack& stack,
            const std::vector<std::uint64_t>& sessionIds)
{
    const EpServerConfig& cfg = server.GetConfig();
    for (std::uint64_t id : sessionIds)
    {
        const auto s = server.GetSession(id);
        if (!s)
        {
            continue;
        }
        FUZZ_REQUIRE(s->socketCount <= s->socketLimit);
        FUZZ_REQUIRE(s->registered || s->socketCount == 0);
        FUZZ_REQUIRE(s->queuedDatagramBytes <= cfg.maxQueuedDatagramBytes);
        FUZZ_REQUIRE(s->pendingResolutions <= cfg.maxPendingResolutions);
    }
    std::set<EpHandle> held;
    for (const EpServerSocketInfo& i : server.ListSockets())
    {
        FUZZ_REQUIRE(held.insert(i.handle).second); // one socket per handle
        const FuzzSocketStack::Sock* s = stack.Find(i.handle);
        FUZZ_REQUIRE(s != nullptr);                      // held handles are live
        FUZZ_REQUIRE(s->readInterest == i.readInterest); // told the stack what it wants
        FUZZ_REQUIRE(s->type == i.type);
        if (i.type == EpSockType::Stream)
        {
            // Client data the server buffers stays within the credit it granted.
            FUZZ_REQUIRE(i.pendingBytes + i.clientAllowance <= cfg.clientWindowBytes);
            // Data read for the client stays within its receive window.
            FUZZ_REQUIRE(i.clientRecvWindow <= cfg.maxClientRecvWindow);
            FUZZ_REQUIRE(i.pushAllowance <= i.clientRecvWindow);
            FUZZ_REQUIRE(i.bytesToClient <= i.bytesFromStack);
        }
        // Closing sockets and sockets of unregistered sessions read nothing.
        FUZZ_REQUIRE(i.state != EpServerSocketState::Closing || !i.readInterest);
    }
    // Every handle the stack gave the server is held or was released: no leaks.
    FUZZ_REQUIRE(held.size() == stack.LiveHandles().size());
}

} // namespace fuzz
} // namespace resoa

#endif // RESOA_FUZZ_EP_WORLD_H
