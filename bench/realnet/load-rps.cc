/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "load-clients.h"
#include "load-net.h"
#include "load-pattern.h"
#include "load-protocol.h"

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace resoa
{
namespace bench
{

namespace
{

/// After a failure a slot waits this long, so an instant error (ECONNREFUSED) cannot spin.
constexpr double kRetryDelay = 0.01;

struct Slot
{
    int fd = -1;
    bool connecting = false;
    double start = 0;   //!< socket() of the current request
    double retryAt = 0; //!< when fd == -1: when to open the next one
    std::size_t got = 0;
};

class RpsRun
{
  public:
    RpsRun(const sockaddr_in& to, int parallel, std::size_t request, std::size_t reply)
        : m_to(to)
        , m_request(EncodeReplyRequest(request, reply))
        , m_reply(reply)
        , m_slots(static_cast<std::size_t>(parallel))
        , m_buffer(LoadPattern::kMaxChunk)
        , m_epoll(::epoll_create1(EPOLL_CLOEXEC))
    {
    }

    ~RpsRun()
    {
        for (Slot& s : m_slots)
        {
            if (s.fd >= 0)
            {
                ::close(s.fd);
            }
        }
        ::close(m_epoll);
    }

    RpsResult Run(double seconds, double warmup)
    {
        const double begin = Now();
        m_windowStart = begin + warmup;
        const double end = m_windowStart + seconds;
        std::vector<epoll_event> events(m_slots.size());
        while (Now() < end)
        {
            for (Slot& s : m_slots)
            {
                if (s.fd < 0 && Now() >= s.retryAt)
                {
                    Open(s);
                }
            }
            const int n = ::epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()), 10);
            for (int i = 0; i < n; ++i)
            {
                auto* s = static_cast<Slot*>(events[i].data.ptr);
                if (s->connecting)
                {
                    Connected(*s);
                }
                else
                {
                    Read(*s, end);
                }
            }
        }
        m_result.seconds = end - m_windowStart;
        return m_result;
    }

  private:
    void Open(Slot& s)
    {
        s.start = Now();
        s.got = 0;
        s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s.fd < 0)
        {
            return Failed(s, "socket " + ErrnoName(errno));
        }
        const int one = 1;
        ::setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        const int rc = ::connect(s.fd, reinterpret_cast<const sockaddr*>(&m_to), sizeof(m_to));
        if (rc < 0 && errno != EINPROGRESS)
        {
            return Failed(s, "connect " + ErrnoName(errno));
        }
        epoll_event e{};
        e.events = EPOLLOUT;
        e.data.ptr = &s;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, s.fd, &e);
        s.connecting = true; // also when connect returned 0: EPOLLOUT fires at once
    }

    void Connected(Slot& s)
    {
        int error = 0;
        socklen_t length = sizeof(error);
        if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0)
        {
            error = errno;
        }
        if (error != 0)
        {
            return Failed(s, "connect " + ErrnoName(error));
        }
        const ssize_t n = ::send(s.fd, m_request.data(), m_request.size(), MSG_NOSIGNAL);
        if (n != static_cast<ssize_t>(m_request.size()))
        {
            return Failed(s, n < 0 ? "send " + ErrnoName(errno) : "short send");
        }
        s.connecting = false;
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.ptr = &s;
        ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, s.fd, &e);
    }

    void Read(Slot& s, double end)
    {
        for (;;)
        {
            const ssize_t n = ::read(s.fd, m_buffer.data(), m_buffer.size());
            if (n < 0)
            {
                if (errno != EAGAIN && errno != EINTR)
                {
                    Failed(s, "read " + ErrnoName(errno));
                }
                return;
            }
            if (n == 0)
            {
                break;
            }
            if (!Pattern().Matches(s.got, m_buffer.data(), n))
            {
                return Failed(s, "corrupt reply");
            }
            s.got += static_cast<std::size_t>(n);
        }
        if (s.got != m_reply)
        {
            return Failed(s, "short reply");
        }
        const double now = Now();
        if (now >= m_windowStart && now <= end)
        {
            ++m_result.completed;
            m_result.latencyUs.push_back((now - s.start) * 1e6);
        }
        Close(s, now);
    }

    void Failed(Slot& s, const std::string& why)
    {
        if (Now() >= m_windowStart)
        {
            ++m_result.errors[why];
        }
        Close(s, Now() + kRetryDelay);
    }

    void Close(Slot& s, double retryAt)
    {
        if (s.fd >= 0)
        {
            // Explicitly: close() leaves the set only if no other fd (a shim's dup) shares
            // the file, and a stale event would point at a reused slot.
            ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, s.fd, nullptr);
            ::close(s.fd);
        }
        s.fd = -1;
        s.retryAt = retryAt;
    }

    sockaddr_in m_to;
    std::vector<std::uint8_t> m_request;
    std::size_t m_reply;
    std::vector<Slot> m_slots;
    std::vector<std::uint8_t> m_buffer;
    int m_epoll;
    double m_windowStart = 0;
    RpsResult m_result;
};

} // namespace

RpsResult
RunRps(const sockaddr_in& to,
       int parallel,
       double seconds,
       double warmup,
       std::size_t request,
       std::size_t reply)
{
    return RpsRun(to, parallel, request, reply).Run(seconds, warmup);
}

} // namespace bench
} // namespace resoa
