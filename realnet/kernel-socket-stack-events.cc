/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
// KernelSocketStack: epoll callbacks turned into the sink's events. Every delivery may
// release or create sockets (the server calls back into the stack), so a socket is looked
// up again by its handle after each one.
#include "kernel-errno.h"
#include "kernel-socket-stack.h"
#include "socket-address.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace resoa
{
namespace realnet
{

namespace
{

/// The socket's pending error (SO_ERROR), which reading clears; 0 if none.
int
TakeSocketError(int fd)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
    {
        return errno;
    }
    return err;
}

} // namespace

void
KernelSocketStack::OnEvents(EpHandle h, std::uint32_t events)
{
    m_stats.wakeups++;
    Socket* s = Find(h);
    if (s == nullptr)
    {
        m_stats.staleEvents++; // released (and maybe its fd reused): never delivered
        return;
    }
    if (s->connecting)
    {
        if ((events & (EventLoop::kWritable | EventLoop::kError)) != 0)
        {
            OnConnectEvent(*s);
        }
    }
    else if (s->listening)
    {
        if ((events & EventLoop::kReadable) != 0)
        {
            OnListenerEvent(h);
        }
    }
    else if (s->type == EpSockType::Dgram)
    {
        OnDatagramEvent(h, events);
    }
    else
    {
        OnStreamEvent(h, events);
    }
    if (Socket* after = Find(h))
    {
        UpdateWatch(*after);
    }
}

void
KernelSocketStack::OnConnectEvent(Socket& s)
{
    const EpHandle h = s.handle;
    const int err = TakeSocketError(s.fd.Get());
    s.connecting = false;
    if (err == 0)
    {
        s.connected = true;
    }
    else
    {
        s.hangup = true; // a failed TCP socket reports EPOLLHUP from now on
    }
    UpdateWatch(s);
    if (m_sink == nullptr)
    {
        return;
    }
    m_stats.eventsDelivered++;
    if (err == 0)
    {
        m_sink->OnConnected(h);
    }
    else
    {
        m_sink->OnConnectFailed(h, ToEpErrno(err)); // ECONNREFUSED, ETIMEDOUT, ...
    }
}

void
KernelSocketStack::OnListenerEvent(EpHandle h)
{
    for (std::size_t i = 0; i < m_config.maxAcceptsPerEvent; ++i)
    {
        Socket* listener = Find(h);
        if (listener == nullptr || !listener->listening || !listener->readInterest)
        {
            return; // released, or interest went off during the last delivery
        }
        const int family = listener->family;
        const int fd =
            ::accept4(listener->fd.Get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
        {
            const int err = errno;
            if (err == EMFILE || err == ENFILE)
            {
                DropOneConnection(listener->fd.Get());
                continue;
            }
            if (err == ECONNABORTED || err == EPROTO || err == EPERM)
            {
                continue; // that connection is gone (or refused by a firewall); next one
            }
            return; // EAGAIN: the queue is empty; ENOBUFS/ENOMEM: try next round
        }
        if (m_sink == nullptr)
        {
            ::close(fd); // nobody to own it
            m_stats.acceptsDropped++;
            continue;
        }
        Socket& accepted = Adopt(fd, EpSockType::Stream, family);
        accepted.connected = true;
        accepted.pristine = false;
        const EpHandle newHandle = accepted.handle;
        try
        {
            UpdateWatch(accepted); // registered for errors; input waits for read interest
        }
        catch (const std::system_error&)
        {
            Abort(newHandle);
            m_stats.acceptsDropped++;
            continue;
        }
        m_stats.accepted++;
        m_stats.eventsDelivered++;
        m_sink->OnIncomingConnection(h, newHandle);
    }
}

void
KernelSocketStack::DropOneConnection(int listenerFd)
{
    // The classic spare-fd trick: a listener that cannot accept stays readable and a
    // level-triggered loop would spin, so give up the spare fd, accept and reset.
    m_spareFd.Reset();
    const int fd = ::accept4(listenerFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0)
    {
        const linger reset{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
        ::close(fd);
        m_stats.acceptsDropped++;
    }
    m_spareFd.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

void
KernelSocketStack::OnDatagramEvent(EpHandle h, std::uint32_t events)
{
    Socket* s = Find(h);
    if ((events & EventLoop::kError) != 0)
    {
        const int err = TakeSocketError(s->fd.Get());
        if (err == 0)
        {
            s->hangup = true; // shut down both ways: EPOLLHUP would repeat
        }
        else if (m_sink != nullptr)
        {
            m_stats.eventsDelivered++;
            m_sink->OnError(h, ToEpErrno(err)); // e.g. ECONNREFUSED (ICMP); the socket lives on
        }
    }
    if ((events & EventLoop::kReadable) == 0)
    {
        return;
    }
    for (std::size_t i = 0; i < m_config.maxDatagramsPerEvent; ++i)
    {
        s = Find(h);
        if (s == nullptr || !s->readInterest || m_sink == nullptr)
        {
            return;
        }
        sockaddr_storage from{};
        socklen_t fromLen = sizeof(from);
        const ssize_t n = ::recvfrom(s->fd.Get(),
                                     m_datagramBuffer.data(),
                                     m_datagramBuffer.size(),
                                     MSG_DONTWAIT,
                                     reinterpret_cast<sockaddr*>(&from),
                                     &fromLen);
        if (n < 0)
        {
            const int err = errno;
            if (err != EAGAIN && err != EINTR)
            {
                m_stats.eventsDelivered++;
                m_sink->OnError(h, ToEpErrno(err));
            }
            return;
        }
        m_stats.datagramsReceived++;
        m_stats.eventsDelivered++;
        m_sink->OnDatagram(h,
                           FromKernelAddress(reinterpret_cast<const sockaddr*>(&from), fromLen),
                           m_datagramBuffer.data(),
                           static_cast<std::size_t>(n));
    }
}

void
KernelSocketStack::OnStreamEvent(EpHandle h, std::uint32_t events)
{
    Socket* s = Find(h);
    if ((events & EventLoop::kError) != 0)
    {
        // EPOLLERR (a RST, a timeout) or EPOLLHUP (both directions closed). Either way
        // epoll reports it whatever the interest, so the socket stops being registered
        // for errors alone (UpdateWatch).
        s->hangup = true;
        const int err = TakeSocketError(s->fd.Get());
        if (err != 0)
        {
            UpdateWatch(*s);
            if (m_sink != nullptr)
            {
                m_stats.eventsDelivered++;
                m_sink->OnError(h, ToEpErrno(err));
            }
            return;
        }
    }
    if (m_sink == nullptr)
    {
        return;
    }
    if ((events & EventLoop::kReadable) != 0 && s->readInterest)
    {
        m_stats.eventsDelivered++;
        m_sink->OnReadable(h); // data or the peer's FIN: the server Reads
    }
    else if (s->hangup && !s->peerClosedReported)
    {
        s->peerClosedReported = true;
        m_stats.eventsDelivered++;
        m_sink->OnPeerClosed(h);
    }
    s = Find(h);
    if (s != nullptr && s->wantWritable && ((events & EventLoop::kWritable) != 0 || s->hangup))
    {
        s->wantWritable = false;
        UpdateWatch(*s);
        m_stats.eventsDelivered++;
        m_sink->OnWritable(h);
    }
}

} // namespace realnet
} // namespace resoa
