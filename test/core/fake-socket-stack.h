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
 *
 * Like a kernel: handles are (generation << 32) | fd, where fd is the lowest free
 * descriptor (reused at once, as the kernel does) and the generation grows with every
 * socket, so no handle is ever reused. Input events (OnReadable, OnDatagram,
 * OnIncomingConnection) are held while the socket's read interest is off and delivered
 * once it is on again, as a level-triggered epoll loop would. Read reports EOF and errors;
 * Send reports kEagain, kEpipe and injected errors.
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
        bool txBlocked = false;          //!< a Send was cut short: OnWritable when the peer drains
        bool peerFin = false;            //!< the peer sent FIN: Read reports eof once rx is empty
        bool readInterest = false;       //!< as the server last set it (starts off)
        std::size_t interestChanges = 0; //!< SetReadInterest calls
        std::int32_t readError = 0;      //!< the next Read fails with this
        std::int32_t sendError = 0;      //!< the next Send fails with this
        std::size_t sendCalls = 0;
        std::deque<std::function<void()>> held; //!< input events waiting for read interest
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
        EpHandle h = NewHandle();
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

    EpIoResult Send(EpHandle h, const std::uint8_t* data, std::size_t len) override
    {
        EpIoResult r;
        Sock* s = Live(h);
        if (s == nullptr)
        {
            r.error = ep_errno::kEbadf;
            return r;
        }
        s->sendCalls++;
        if (s->sendError != 0)
        {
            r.error = s->sendError;
            // Linux: the first send after a reset says ECONNRESET, later ones EPIPE.
            s->sendError = s->sendError == ep_errno::kEconnreset ? ep_errno::kEpipe : s->sendError;
            return r;
        }
        if (s->shutWr)
        {
            r.error = ep_errno::kEpipe;
            return r;
        }
        if (!s->connected)
        {
            r.error = ep_errno::kEnotconn;
            return r;
        }
        std::size_t space = s->sndBuf > s->tx.size() ? s->sndBuf - s->tx.size() : 0;
        std::size_t n = std::min(space, len);
        s->tx.insert(s->tx.end(), data, data + n);
        if (n < len)
        {
            s->txBlocked = true;
        }
        if (n == 0 && len > 0)
        {
            r.error = ep_errno::kEagain;
        }
        r.bytes = n;
        return r;
    }

    EpReadResult Read(EpHandle h, std::size_t maxBytes) override
    {
        EpReadResult r;
        Sock* s = Live(h);
        if (s == nullptr)
        {
            r.error = ep_errno::kEbadf;
            return r;
        }
        s->readCalls++;
        s->maxReadRequest = std::max(s->maxReadRequest, maxBytes);
        std::size_t n = std::min(maxBytes, s->rx.size());
        if (n == 0 && s->readError != 0)
        {
            r.error = s->readError;
            s->readError = 0;
            return r;
        }
        r.data.assign(s->rx.begin(), s->rx.begin() + static_cast<long>(n));
        s->rx.erase(s->rx.begin(), s->rx.begin() + static_cast<long>(n));
        s->totalRead += n;
        if (n == 0)
        {
            if (s->peerFin)
            {
                r.eof = true;
            }
            else
            {
                r.error = ep_errno::kEagain;
            }
        }
        return r;
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

    void SetReadInterest(EpHandle h, bool on) override
    {
        Sock* s = Live(h);
        if (s == nullptr)
        {
            m_interestOnReleased++;
            return;
        }
        if (s->readInterest == on)
        {
            m_redundantInterest++; // the server promises to call only on a change
        }
        s->readInterest = on;
        s->interestChanges++;
        if (on)
        {
            // What a level-triggered loop would report now: held input, in order.
            while (!s->held.empty())
            {
                Later(h, std::move(s->held.front()), true);
                s->held.pop_front();
            }
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
            Later(
                h, [this, h]() { m_server->OnReadable(h); }, true);
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

    /// The remote peer sends FIN: Read reports eof after the data. With `notify`, also
    /// OnPeerClosed (as ns-3 does); without, only an input event (epoll's EPOLLIN), and the
    /// server learns of the FIN by reading.
    void PeerClose(EpHandle h, bool notify = true)
    {
        Sock* s = Find(h);
        if (s != nullptr)
        {
            s->peerFin = true;
        }
        if (notify)
        {
            Later(h, [this, h]() { m_server->OnPeerClosed(h); });
        }
        else
        {
            Later(
                h, [this, h]() { m_server->OnReadable(h); }, true);
        }
    }

    /// The remote peer resets the connection. With `notify`, OnError (as ns-3 does);
    /// without, only the next Read or Send fails with kEconnreset (as a kernel socket).
    void PeerReset(EpHandle h, bool notify = true)
    {
        Sock* s = Find(h);
        if (s == nullptr)
        {
            return;
        }
        if (!notify)
        {
            s->rx.clear();
            s->readError = ep_errno::kEconnreset;
            s->sendError = ep_errno::kEconnreset;
            return;
        }
        Later(h,
              [this, h]()
              {
                  m_socks.at(h).connected = false;
                  m_server->OnError(h, ep_errno::kEconnreset);
              });
    }

    /// The next Send on h fails with `error` (e.g. kEpipe).
    void InjectSendError(EpHandle h, std::int32_t error)
    {
        Find(h)->sendError = error;
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
        EpHandle nh = NewHandle();
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
        Later(
            listener,
            [this, listener, nh]() { m_server->OnIncomingConnection(listener, nh); },
            true);
        return nh;
    }

    /// A datagram from `from` arrives at socket h.
    void InjectDatagram(EpHandle h, const EpAddress& from, std::vector<std::uint8_t> data)
    {
        Later(
            h,
            [this, h, from, data]() { m_server->OnDatagram(h, from, data.data(), data.size()); },
            true);
    }

    /// Runs the queued stack events (each may queue more). Returns how many ran.
    std::size_t DeliverEvents()
    {
        std::size_t n = 0;
        while (!m_events.empty())
        {
            Event ev = std::move(m_events.front());
            m_events.pop_front();
            Sock& s = m_socks.at(ev.handle);
            if (s.released)
            {
                continue;
            }
            if (ev.input && !s.readInterest)
            {
                s.held.push_back(std::move(ev.fn)); // not polled for input: wait
                continue;
            }
            ev.fn();
            n++;
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

    /// SetReadInterest calls that changed nothing (the server should make none).
    std::size_t RedundantInterestCalls() const
    {
        return m_redundantInterest;
    }

    /// SetReadInterest calls on released handles (the server should make none).
    std::size_t InterestOnReleased() const
    {
        return m_interestOnReleased;
    }

    /// The descriptor part of a handle (the low 32 bits).
    static std::uint32_t FdOf(EpHandle h)
    {
        return static_cast<std::uint32_t>(h & 0xFFFFFFFFu);
    }

  private:
    Sock* Live(EpHandle h)
    {
        Sock* s = Find(h);
        return s == nullptr || s->released ? nullptr : s;
    }

    struct Event
    {
        EpHandle handle;
        std::function<void()> fn;
        bool input; //!< needs read interest (EPOLLIN)
    };

    void Later(EpHandle h, std::function<void()> fn, bool input = false)
    {
        m_events.push_back(Event{h, std::move(fn), input});
    }

    /// Lowest free descriptor (from 3, as a kernel would hand out), new generation.
    EpHandle NewHandle()
    {
        std::set<std::uint32_t> used;
        for (const auto& [h, s] : m_socks)
        {
            if (!s.released)
            {
                used.insert(FdOf(h));
            }
        }
        std::uint32_t fd = 3;
        while (used.count(fd) != 0)
        {
            fd++;
        }
        return (static_cast<EpHandle>(++m_generation) << 32) | fd;
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
    std::uint32_t m_generation = 0;
    std::uint16_t m_nextPort = 40000;
    std::map<EpHandle, Sock> m_socks;
    std::deque<Event> m_events;
    std::vector<SentDatagram> m_datagrams;
    std::size_t m_doubleReleases = 0;
    std::size_t m_redundantInterest = 0;
    std::size_t m_interestOnReleased = 0;
};

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_FAKE_SOCKET_STACK_H
