/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "load-server.h"

#include "load-net.h"
#include "load-pattern.h"
#include "load-protocol.h"

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

namespace resoa
{
namespace bench
{

namespace
{

enum class State
{
    Header,   //!< reading the 16-byte request
    Sinking,  //!< reading and checking an upload until EOF
    Draining, //!< reading the rest of a Reply request
    Sourcing, //!< sending the pattern until the deadline
    Replying, //!< sending argA reply bytes
    Result,   //!< sending a sink's LoadResult
};

struct Conn
{
    int fd = -1;
    State state = State::Header;
    std::uint8_t header[LoadRequest::kSize] = {};
    std::size_t got = 0;
    LoadRequest request;
    std::uint64_t offset = 0; //!< bytes moved in the current state
    bool intact = true;
    double deadline = 0;
    std::array<std::uint8_t, LoadResult::kSize> result{};
};

/// Bounds the work per event, so a bulk transfer cannot starve the other connections.
constexpr int kBurst = 16;

class Server
{
  public:
    explicit Server(LoadServerStats* stats)
        : m_stats(stats)
        , m_buffer(LoadPattern::kMaxChunk)
    {
    }

    ~Server()
    {
        for (Conn* c : m_conns)
        {
            ::close(c->fd);
            delete c;
        }
        if (m_listener >= 0)
        {
            ::close(m_listener);
        }
        if (m_epoll >= 0)
        {
            ::close(m_epoll);
        }
    }

    bool Listen(const sockaddr_in& on, sockaddr_in* bound)
    {
        m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
        m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int one = 1;
        if (m_epoll < 0 || m_listener < 0 ||
            ::setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            ::bind(m_listener, reinterpret_cast<const sockaddr*>(&on), sizeof(on)) < 0 ||
            ::listen(m_listener, 4096) < 0)
        {
            return false;
        }
        socklen_t length = sizeof(*bound);
        ::getsockname(m_listener, reinterpret_cast<sockaddr*>(bound), &length);
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.ptr = nullptr; // the listener
        return ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listener, &e) == 0;
    }

    void Run(const std::atomic<bool>& stop)
    {
        std::vector<epoll_event> events(256);
        while (!stop.load())
        {
            const int n =
                ::epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()), 100);
            for (int i = 0; i < n; ++i)
            {
                auto* c = static_cast<Conn*>(events[i].data.ptr);
                if (!c)
                {
                    Accept();
                }
                else if (!Step(*c))
                {
                    Close(c); // only c's own event is in this batch, so no dangling pointer
                }
            }
        }
    }

  private:
    void Accept()
    {
        for (;;)
        {
            const int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
            {
                return; // EAGAIN, or EMFILE: the backlog waits for a close
            }
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            auto* c = new Conn;
            c->fd = fd;
            epoll_event e{};
            e.events = EPOLLIN;
            e.data.ptr = c;
            ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &e);
            m_conns.push_back(c);
            ++m_stats->connections;
        }
    }

    void Close(Conn* c)
    {
        ::close(c->fd);
        m_conns.erase(std::find(m_conns.begin(), m_conns.end(), c));
        delete c;
    }

    void Want(Conn& c, std::uint32_t events)
    {
        epoll_event e{};
        e.events = events;
        e.data.ptr = &c;
        ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &e);
    }

    /// \return false when the connection is finished or broken (the caller closes it)
    bool Step(Conn& c)
    {
        switch (c.state)
        {
            case State::Header:
                return ReadHeader(c);
            case State::Sinking:
                return Sink(c);
            case State::Draining:
                return Drain(c);
            case State::Sourcing:
                return Source(c);
            case State::Replying:
                return Reply(c);
            case State::Result:
                return SendResult(c);
        }
        return false;
    }

    static bool Again()
    {
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }

    bool ReadHeader(Conn& c)
    {
        const ssize_t n = ::recv(c.fd, c.header + c.got, sizeof(c.header) - c.got, 0);
        if (n <= 0)
        {
            return n < 0 && Again();
        }
        c.got += static_cast<std::size_t>(n);
        if (c.got < sizeof(c.header))
        {
            return true;
        }
        const std::optional<LoadRequest> request = LoadRequest::Decode(c.header);
        if (!request)
        {
            ++m_stats->badRequests;
            return false;
        }
        c.request = *request;
        switch (request->op)
        {
            case LoadOp::Sink:
                c.state = State::Sinking;
                break;
            case LoadOp::Source:
                c.state = State::Sourcing;
                c.deadline = Now() + request->argA / 1000.0;
                Want(c, EPOLLOUT);
                break;
            case LoadOp::Reply:
                c.state = request->argB > 0 ? State::Draining : State::Replying;
                if (c.state == State::Replying)
                {
                    Want(c, EPOLLOUT);
                }
                break;
        }
        return true;
    }

    bool Sink(Conn& c)
    {
        for (int i = 0; i < kBurst; ++i)
        {
            const ssize_t n = ::recv(c.fd, m_buffer.data(), m_buffer.size(), 0);
            if (n < 0)
            {
                return Again();
            }
            if (n == 0)
            {
                m_stats->corruptSinks += c.intact ? 0 : 1;
                c.result = LoadResult{c.offset, c.intact}.Encode();
                c.state = State::Result;
                c.offset = 0;
                Want(c, EPOLLOUT);
                return true;
            }
            c.intact = c.intact && Pattern().Matches(c.offset, m_buffer.data(), n);
            c.offset += static_cast<std::uint64_t>(n);
            m_stats->sinkBytes += static_cast<std::uint64_t>(n);
        }
        return true;
    }

    bool Drain(Conn& c)
    {
        const std::size_t left = c.request.argB - c.offset;
        const ssize_t n = ::recv(c.fd, m_buffer.data(), std::min(left, m_buffer.size()), 0);
        if (n <= 0)
        {
            return n < 0 && Again();
        }
        c.offset += static_cast<std::uint64_t>(n);
        if (c.offset == c.request.argB)
        {
            c.state = State::Replying;
            c.offset = 0;
            Want(c, EPOLLOUT);
        }
        return true;
    }

    bool Source(Conn& c)
    {
        for (int i = 0; i < kBurst; ++i)
        {
            if (Now() >= c.deadline)
            {
                return false; // close: a FIN after the data already queued
            }
            const ssize_t n =
                ::send(c.fd, Pattern().At(c.offset), LoadPattern::kMaxChunk, MSG_NOSIGNAL);
            if (n < 0)
            {
                return Again();
            }
            c.offset += static_cast<std::uint64_t>(n);
            m_stats->sentBytes += static_cast<std::uint64_t>(n);
        }
        return true;
    }

    bool Reply(Conn& c)
    {
        while (c.offset < c.request.argA)
        {
            const std::size_t left =
                std::min<std::size_t>(c.request.argA - c.offset, LoadPattern::kMaxChunk);
            const ssize_t n = ::send(c.fd, Pattern().At(c.offset), left, MSG_NOSIGNAL);
            if (n < 0)
            {
                return Again();
            }
            c.offset += static_cast<std::uint64_t>(n);
            m_stats->sentBytes += static_cast<std::uint64_t>(n);
        }
        return false; // the server closes first, so TIME_WAIT stays on this side
    }

    bool SendResult(Conn& c)
    {
        const ssize_t n =
            ::send(c.fd, c.result.data() + c.offset, c.result.size() - c.offset, MSG_NOSIGNAL);
        if (n < 0)
        {
            return Again();
        }
        c.offset += static_cast<std::uint64_t>(n);
        return c.offset < c.result.size();
    }

    LoadServerStats* m_stats;
    std::vector<std::uint8_t> m_buffer;
    int m_epoll = -1;
    int m_listener = -1;
    std::vector<Conn*> m_conns;
};

} // namespace

bool
RunLoadServer(const sockaddr_in& listenOn,
              const std::atomic<bool>& stop,
              const std::function<void(const sockaddr_in&)>& onListening,
              LoadServerStats* stats)
{
    Server server(stats);
    sockaddr_in bound{};
    if (!server.Listen(listenOn, &bound))
    {
        return false;
    }
    onListening(bound);
    server.Run(stop);
    return true;
}

} // namespace bench
} // namespace resoa
