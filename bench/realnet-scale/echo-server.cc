/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "echo-server.h"

#include "netns-fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

namespace resoa
{
namespace bench
{

EchoServer::EchoServer(const std::string& ns, const std::string& ipv4, std::uint16_t port)
{
    std::promise<int> ready;
    std::future<int> listener = ready.get_future();
    m_thread = std::thread(
        [this, ns, ipv4, port, &ready]
        {
            int fd = -1;
            try
            {
                if (!ns.empty())
                {
                    test::NetnsFixture::EnterNamespace(ns);
                }
                fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                int one = 1;
                ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                sockaddr_in a{};
                a.sin_family = AF_INET;
                a.sin_port = htons(port);
                ::inet_pton(AF_INET, ipv4.c_str(), &a.sin_addr);
                if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
                    ::listen(fd, 4096) != 0)
                {
                    throw std::runtime_error(std::string("echo server: ") + std::strerror(errno));
                }
            }
            catch (...)
            {
                if (fd >= 0)
                {
                    ::close(fd);
                }
                ready.set_exception(std::current_exception());
                return;
            }
            ready.set_value(fd);
            Run(fd);
        });
    try
    {
        listener.get();
    }
    catch (...)
    {
        m_thread.join();
        throw;
    }
}

EchoServer::~EchoServer()
{
    m_stop = true;
    m_thread.join();
}

std::uint64_t
EchoServer::Connections() const
{
    return m_connections;
}

std::uint64_t
EchoServer::Bytes() const
{
    return m_bytes;
}

void
EchoServer::Run(int listener)
{
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    std::map<int, std::vector<char>> pending; // bytes a full socket did not take yet
    std::set<int> open;
    std::vector<epoll_event> events(256);
    char buf[65536];
    while (!m_stop)
    {
        const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
        for (int i = 0; i < n; ++i)
        {
            const int fd = events[i].data.fd;
            if (fd == listener)
            {
                for (int c; (c = ::accept4(
                                 listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;)
                {
                    int one = 1;
                    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    epoll_event ce{};
                    ce.events = EPOLLIN;
                    ce.data.fd = c;
                    ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                    open.insert(c);
                    ++m_connections;
                }
                continue;
            }
            auto& out = pending[fd];
            bool closed = false;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            {
                const ssize_t got = ::read(fd, buf, sizeof(buf));
                if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
                {
                    closed = true;
                }
                else if (got > 0)
                {
                    out.insert(out.end(), buf, buf + got);
                }
            }
            if (!closed && !out.empty())
            {
                const ssize_t put = ::write(fd, out.data(), out.size());
                if (put > 0)
                {
                    m_bytes += static_cast<std::uint64_t>(put);
                    out.erase(out.begin(), out.begin() + put);
                }
                else if (put < 0 && errno != EAGAIN && errno != EINTR)
                {
                    closed = true;
                }
            }
            if (closed)
            {
                ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
                ::close(fd);
                open.erase(fd);
                pending.erase(fd);
                continue;
            }
            // Wait for room while bytes are pending (and read no more meanwhile).
            epoll_event ce{};
            ce.events = out.empty() ? EPOLLIN : EPOLLOUT;
            ce.data.fd = fd;
            ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ce);
            if (out.empty())
            {
                pending.erase(fd);
            }
        }
    }
    for (int fd : open)
    {
        ::close(fd);
    }
    ::close(ep);
    ::close(listener);
}

} // namespace bench
} // namespace resoa
