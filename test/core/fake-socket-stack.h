/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * An in-memory TCP/IP stack for EpServer tests: a fake "Internet" with remote listeners,
 * TCP-like buffers of settable size, EOF, resets and datagrams. Header-only.
 */
#ifndef RESOA_TEST_FAKE_SOCKET_STACK_H
#define RESOA_TEST_FAKE_SOCKET_STACK_H

#include "ep-engine-types.h"
#include "ep-server.h"
#include "ep-socket-stack.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace resoa
{
namespace test
{

/**
 * \brief EpSocketStack over plain containers.
 *
 * Each stream socket has a receive buffer (`rx`, Internet to server socket, capped at
 * rcvBuf: a full rx is TCP's closed window, so PeerWrite takes less) and a send buffer
 * (`tx`, capped at sndBuf; the Internet peer drains it with PeerRead). Stack events are
 * queued and run by DeliverEvents(), never from inside an EpSocketStack call, as the
 * interface requires. Released sockets stay in the table (released = true) for inspection,
 * and their queued events are dropped.
 */
class FakeSocketStack : public EpSocketStack
{
  public:
    struct Sock
    {
        EpSockType type = EpSockType::None;
        EpAddress local;
        EpAddress peer;
        bool bound = false;
        bool listening = false;
        bool connecting = false;
        bool connected = false;
        bool shutWr = false;
        bool released = false;
        bool aborted = false;
        bool closed = false;
        bool txBlocked = false; //!< a Send was cut short: OnWritable when the peer drains
        std::size_t rcvBuf = 0;
        std::size_t sndBuf = 0;
        std::deque<std::uint8_t> rx;
        std::deque<std::uint8_t> tx;
        std::vector<std::uint8_t> peerReceived; //!< what the Internet peer has read
        std::uint64_t totalRead = 0;            //!< bytes the server read from rx
        std::size_t maxReadRequest = 0;
        std::size_t readCalls = 0;
        std::map<std::pair<std::uint16_t, std::uint16_t>, std::int32_t> options;
    };

    struct SentDatagram
    {
        EpHandle handle;
        EpAddress from;
        EpAddress to;
        std::vector<std::uint8_t> data;
    };

    explicit FakeSocketStack(std::uint32_t serverIpv4)
        : m_serverIp(serverIpv4)
    {
        m_owned.insert(serverIpv4);
    }

    void AttachServer(EpServer* server)
    {
        m_server = server;
    }

    /// An address the stack owns (1-to-1 pool addresses).
    void AddLocalAddress(std::uint32_t ip)
    {
        m_owned.insert(ip);
    }

    /// An Internet server: connects to it succeed.
    void AddRemoteListener(const EpAddress& a)
    {
        m_remoteListeners.push_back(a);
    }

    /// TCP buffer sizes of sockets created from now on.
    void SetBuffers(std::size_t rcvBuf, std::size_t sndBuf)
    {
        m_rcvBuf = rcvBuf;
        m_sndBuf = sndBuf;
    }

    /// After this many more creates, Create fails (kEnomem).
    void SetCreateBudget(std::size_t n)
    {
        m_createBudget = n;
    }

    // --- EpSocketStack ---

    EpHandle Create(EpSockType type, std::int32_t& error) override
    {
        if (m_createBudget == 0)
        {
            error = ep_errno::kEnomem;
            return kEpInvalidHandle;
        }
        m_createBudget--;
        EpHandle h = m_nextHandle++;
        Sock s;
        s.type = type;
        s.rcvBuf = m_rcvBuf;
        s.sndBuf = m_sndBuf;
        m_socks.emplace(h, std::move(s));
        error = 0;
        return h;
    }

    std::int32_t Bind(EpHandle h, const EpAddress& local) override
    {
        Sock* s = Live(h);
        if (s == nullptr)
        {
            return ep_errno::kEbadf;
        }
        if (s->bound)
        {
            return ep_errno::kEinval;
        }
        std::uint32_t ip = local.family == 4 ? local.Ipv4HostOrder() : 0;
        if (ip != 0 && m_owned.count(ip) == 0)
        {
            return ep_errno::kEaddrnotavail;
        }
        std::uint16_t port = local.port;
        if (port == 0)
        {
            port = m_nextPort++;
        }
        else if (PortInUse(h, port))
        {
            return ep_errno::kEaddrinuse;
        }
        s->local = EpAddress::Ipv4(ip, port);
        s->bound = true;
        return 0;
    }

    std::int32_t Listen(EpHandle h, std::uint32_t /*backlog*/) override
    {
        Sock* s = Live(h);
        if (s == nullptr || s->type != EpSockType::Stream)
        {
            return ep_errno::kEopnotsupp;
        }
        AutoBind(*s);
        s->listening = true;
        return 0;
    }

    std::int32_t Connect(EpHandle h, const EpAddress& peer) override
    {
        Sock* s = Live(h);
        if (s == nullptr)
        {
            return ep_errno::kEbadf;
        }
        AutoBind(*s);
        s->peer = peer;
        if (s->type == EpSockType::Dgram)
        {
            s->connected = true;
            return 0;
        }
        s->connecting = true;
        bool reachable = std::find(m_remoteListeners.begin(), m_remoteListeners.end(), peer) !=
                         m_remoteListeners.end();
        Later(h,
              [this, h, reachable]()
              {
                  Sock& c = m_socks.at(h);
                  c.connecting = false;
                  if (reachable)
                  {
                      c.connected = true;
                      m_server->OnConnected(h);
                  }
                  else
                  {
                      m_server->OnConnectFailed(h, ep_errno::kEconnrefused);
                  }
              });
        return kEpEinprogress;
    }

    std::size_t Send(EpHandle h, const std::uint8_t* data, std::size_t len) override
    {
        Sock* s = Live(h);
        if (s == nullptr || !s->connected || s->shutWr)
        {
            return 0;
        }
        std::size_t space = s->sndBuf > s->tx.size() ? s->sndBuf - s->tx.size() : 0;
        std::size_t n = std::min(space, len);
        s->tx.insert(s->tx.end(), data, data + n);
        if (n < len)
        {
            s->txBlocked = true;
        }
        return n;
    }

    std::vector<std::uint8_t> Read(EpHandle h, std::size_t maxBytes) override
    {
        Sock* s = Live(h);
        if (s == nullptr)
        {
            return {};
        }
        s->readCalls++;
        s->maxReadRequest = std::max(s->maxReadRequest, maxBytes);
        std::size_t n = std::min(maxBytes, s->rx.size());
        std::vector<std::uint8_t> out(s->rx.begin(), s->rx.begin() + static_cast<long>(n));
        s->rx.erase(s->rx.begin(), s->rx.begin() + static_cast<long>(n));
        s->totalRead += n;
        return out;
    }

    std::int32_t SendTo(EpHandle h,
                        const EpAddress& peer,
                        const std::uint8_t* data,
                        std::size_t len) override
    {
        Sock* s = Live(h);
        if (s == nullptr || s->type != EpSockType::Dgram)
        {
            return ep_errno::kEopnotsupp;
        }
        AutoBind(*s);
        m_datagrams.push_back(SentDatagram{h, SockName(*s), peer, {data, data + len}});
        return 0;
    }

    std::int32_t ShutdownWrite(EpHandle h) override
    {
        Sock* s = Live(h);
        if (s == nullptr)
        {
            return ep_errno::kEbadf;
        }
        s->shutWr = true;
        return 0;
    }

    void Close(EpHandle h) override
    {
        Sock* s = Live(h);
        if (s != nullptr)
        {
            s->released = true;
            s->closed = true;
        }
        else
        {
            m_doubleReleases++;
        }
    }

    void Abort(EpHandle h) override
    {
        Sock* s = Live(h);
        if (s != nullptr)
        {
            s->released = true;
            s->aborted = true;
        }
        else
        {
            m_doubleReleases++;
        }
    }

    std::int32_t SetSockOpt(EpHandle h,
                            std::uint16_t level,
                            std::uint16_t option,
                            std::int32_t value) override
    {
        Sock* s = Live(h);
        if (s == nullptr)
        {
            return ep_errno::kEbadf;
        }
        s->options[{level, option}] = value;
        return 0;
    }

    std::int32_t GetSockOpt(EpHandle h,
                            std::uint16_t level,
                            std::uint16_t option,
                            std::int32_t& value) override
    {
        Sock* s = Live(h);
        if (s == nullptr)
        {
            return ep_errno::kEbadf;
        }
        auto it = s->options.find({level, option});
        if (it != s->options.end())
        {
            value = it->second;
        }
        else if (level == ep_sockopt::kLevelSocket && option == ep_sockopt::kRcvBuf)
        {
            value = static_cast<std::int32_t>(s->rcvBuf);
        }
        else
        {
            value = 0;
        }
        return 0;
    }

    EpAddress GetSockName(EpHandle h) override
    {
        Sock* s = Find(h);
        return s == nullptr ? EpAddress{} : SockName(*s);
    }

    EpAddress GetPeerName(EpHandle h) override
    {
        Sock* s = Find(h);
        return s == nullptr || !s->connected ? EpAddress{} : s->peer;
    }

    // --- the Internet side ---

    /// The remote peer writes; only what fits the socket's receive buffer is taken.
    std::size_t PeerWrite(EpHandle h, const std::uint8_t* data, std::size_t len)
    {
        Sock* s = Live(h);
        if (s == nullptr || !s->connected)
        {
            return 0;
        }
        std::size_t space = s->rcvBuf > s->rx.size() ? s->rcvBuf - s->rx.size() : 0;
        std::size_t n = std::min(space, len);
        if (n > 0)
        {
            s->rx.insert(s->rx.end(), data, data + n);
            Later(h, [this, h]() { m_server->OnReadable(h); });
        }
        return n;
    }

    std::size_t PeerWrite(EpHandle h, const std::vector<std::uint8_t>& data)
    {
        return PeerWrite(h, data.data(), data.size());
    }

    /// The remote peer reads up to maxBytes of what the server sent.
    std::vector<std::uint8_t> PeerRead(EpHandle h, std::size_t maxBytes)
    {
        Sock* s = Find(h);
        if (s == nullptr)
        {
            return {};
        }
        std::size_t n = std::min(maxBytes, s->tx.size());
        std::vector<std::uint8_t> out(s->tx.begin(), s->tx.begin() + static_cast<long>(n));
        s->tx.erase(s->tx.begin(), s->tx.begin() + static_cast<long>(n));
        s->peerReceived.insert(s->peerReceived.end(), out.begin(), out.end());
        if (n > 0 && s->txBlocked && !s->released)
        {
            s->txBlocked = false;
            Later(h, [this, h]() { m_server->OnWritable(h); });
        }
        return out;
    }

    /// The remote peer sends FIN.
    void PeerClose(EpHandle h)
    {
        Later(h, [this, h]() { m_server->OnPeerClosed(h); });
    }

    /// The remote peer resets the connection.
    void PeerReset(EpHandle h)
    {
        Later(h,
              [this, h]()
              {
                  m_socks.at(h).connected = false;
                  m_server->OnError(h, ep_errno::kEconnreset);
              });
    }

    /// A connection from `from` to the local port: OnIncomingConnection if someone listens.
    EpHandle InjectIncoming(std::uint16_t port, const EpAddress& from)
    {
        EpHandle listener = kEpInvalidHandle;
        for (auto& [h, s] : m_socks)
        {
            if (!s.released && s.listening && s.local.port == port)
            {
                listener = h;
            }
        }
        if (listener == kEpInvalidHandle)
        {
            return kEpInvalidHandle;
        }
        EpHandle nh = m_nextHandle++;
        Sock s;
        s.type = EpSockType::Stream;
        s.rcvBuf = m_rcvBuf;
        s.sndBuf = m_sndBuf;
        s.bound = true;
        s.connected = true;
        std::uint32_t ip = m_socks.at(listener).local.Ipv4HostOrder();
        s.local = EpAddress::Ipv4(ip != 0 ? ip : m_serverIp, port);
        s.peer = from;
        m_socks.emplace(nh, std::move(s));
        Later(listener, [this, listener, nh]() { m_server->OnIncomingConnection(listener, nh); });
        return nh;
    }

    /// A datagram from `from` arrives at socket h.
    void InjectDatagram(EpHandle h, const EpAddress& from, std::vector<std::uint8_t> data)
    {
        Later(h,
              [this, h, from, data]() { m_server->OnDatagram(h, from, data.data(), data.size()); });
    }

    /// Runs the queued stack events (each may queue more). Returns how many ran.
    std::size_t DeliverEvents()
    {
        std::size_t n = 0;
        while (!m_events.empty())
        {
            auto [h, fn] = std::move(m_events.front());
            m_events.pop_front();
            if (!m_socks.at(h).released)
            {
                fn();
                n++;
            }
        }
        return n;
    }

    // --- inspection ---

    Sock* Find(EpHandle h)
    {
        auto it = m_socks.find(h);
        return it == m_socks.end() ? nullptr : &it->second;
    }

    /// Handles not yet released.
    std::vector<EpHandle> LiveHandles() const
    {
        std::vector<EpHandle> out;
        for (const auto& [h, s] : m_socks)
        {
            if (!s.released)
            {
                out.push_back(h);
            }
        }
        return out;
    }

    /// Every handle ever created, released or not.
    std::vector<EpHandle> AllHandles() const
    {
        std::vector<EpHandle> out;
        for (const auto& kv : m_socks)
        {
            out.push_back(kv.first);
        }
        return out;
    }

    /// The live connected stream socket whose peer is `peer`, or 0.
    EpHandle HandleByPeer(const EpAddress& peer) const
    {
        for (const auto& [h, s] : m_socks)
        {
            if (!s.released && s.connected && s.peer == peer)
            {
                return h;
            }
        }
        return kEpInvalidHandle;
    }

    const std::vector<SentDatagram>& Datagrams() const
    {
        return m_datagrams;
    }

    std::size_t DoubleReleases() const
    {
        return m_doubleReleases;
    }

    std::size_t SocketCount() const
    {
        return m_socks.size();
    }

  private:
    Sock* Live(EpHandle h)
    {
        Sock* s = Find(h);
        return s == nullptr || s->released ? nullptr : s;
    }

    void Later(EpHandle h, std::function<void()> fn)
    {
        m_events.emplace_back(h, std::move(fn));
    }

    void AutoBind(Sock& s)
    {
        if (!s.bound)
        {
            s.local = EpAddress::Ipv4(0, m_nextPort++);
            s.bound = true;
        }
    }

    EpAddress SockName(const Sock& s) const
    {
        if (!s.bound)
        {
            return {};
        }
        // A socket bound to the wildcard reports the address it actually uses.
        if (s.local.Ipv4HostOrder() == 0 && (s.connected || s.connecting || !s.listening))
        {
            return EpAddress::Ipv4(m_serverIp, s.local.port);
        }
        return s.local;
    }

    bool PortInUse(EpHandle self, std::uint16_t port) const
    {
        for (const auto& [h, s] : m_socks)
        {
            if (h != self && !s.released && s.bound && s.local.port == port)
            {
                return true;
            }
        }
        return false;
    }

    std::uint32_t m_serverIp;
    EpServer* m_server = nullptr;
    std::set<std::uint32_t> m_owned;
    std::vector<EpAddress> m_remoteListeners;
    std::size_t m_rcvBuf = 65536;
    std::size_t m_sndBuf = 65536;
    std::size_t m_createBudget = static_cast<std::size_t>(-1);
    EpHandle m_nextHandle = 100;
    std::uint16_t m_nextPort = 40000;
    std::map<EpHandle, Sock> m_socks;
    std::deque<std::pair<EpHandle, std::function<void()>>> m_events;
    std::vector<SentDatagram> m_datagrams;
    std::size_t m_doubleReleases = 0;
};

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_FAKE_SOCKET_STACK_H
