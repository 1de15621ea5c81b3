/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "fd-passing.h"

#include "system-error.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace resoa
{
namespace realnet
{

namespace
{

constexpr std::size_t kHeaderSize = 4;
constexpr std::uint8_t kFlagFd = 0x01;
constexpr int kMidMessageWaitMs = 1000;

/// Waits for \p events on \p socket in the middle of a message.
void
WaitFor(int socket, short events, const char* what)
{
    pollfd p{socket, events, 0};
    int rc;
    do
    {
        rc = ::poll(&p, 1, kMidMessageWaitMs);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0)
    {
        ThrowErrno(ETIMEDOUT, std::string("fd passing: ") + what + " stalled mid-message");
    }
    if (rc < 0)
    {
        ThrowErrno(errno, std::string("fd passing: poll while ") + what);
    }
}

/// Receives exactly \p size bytes of a started message.
void
ReadRest(int socket, std::uint8_t* data, std::size_t size)
{
    std::size_t done = 0;
    while (done < size)
    {
        const ssize_t n = ::recv(socket, data + done, size - done, 0);
        if (n > 0)
        {
            done += static_cast<std::size_t>(n);
        }
        else if (n == 0)
        {
            ThrowErrno(EPROTO, "fd passing: connection closed inside a message");
        }
        else if (errno == EAGAIN || errno == EWOULDBLOCK)
        {
            WaitFor(socket, POLLIN, "receiving");
        }
        else if (errno != EINTR)
        {
            ThrowErrno(errno, "fd passing: recv");
        }
    }
}

} // namespace

void
SendFdMessage(int socket, const std::uint8_t* data, std::size_t size, int fd)
{
    if (size > kMaxFdMessageSize)
    {
        ThrowErrno(EMSGSIZE, "fd passing: message of " + std::to_string(size) + " bytes");
    }
    std::vector<std::uint8_t> frame(kHeaderSize + size);
    frame[0] = static_cast<std::uint8_t>(size >> 8);
    frame[1] = static_cast<std::uint8_t>(size & 0xff);
    frame[2] = fd >= 0 ? kFlagFd : 0;
    if (size > 0)
    {
        std::memcpy(frame.data() + kHeaderSize, data, size);
    }

    iovec iov{frame.data(), frame.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0)
    {
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }

    // MSG_NOSIGNAL: a vanished peer is EPIPE, not a SIGPIPE that kills the daemon.
    ssize_t n;
    do
    {
        n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
    {
        ThrowErrno(errno, "fd passing: sendmsg");
    }
    // The fd went with the first byte; the rest is plain data.
    std::size_t done = static_cast<std::size_t>(n);
    while (done < frame.size())
    {
        n = ::send(socket, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
        if (n > 0)
        {
            done += static_cast<std::size_t>(n);
        }
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
            WaitFor(socket, POLLOUT, "sending");
        }
        else if (n < 0 && errno != EINTR)
        {
            ThrowErrno(errno, "fd passing: send");
        }
    }
}

void
SendFdMessage(int socket, const std::vector<std::uint8_t>& bytes, int fd)
{
    SendFdMessage(socket, bytes.data(), bytes.size(), fd);
}

FdReceiveStatus
ReceiveFdMessage(int socket, FdMessage& message)
{
    message.bytes.clear();
    message.fd.Reset();

    std::uint8_t header[kHeaderSize];
    iovec iov{header, kHeaderSize};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    // Room for several fds, so a misbehaving peer's surplus is seen (and closed), not
    // silently truncated.
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);

    ssize_t n;
    do
    {
        n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
    {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
        {
            return FdReceiveStatus::WouldBlock;
        }
        ThrowErrno(errno, "fd passing: recvmsg");
    }
    if (n == 0)
    {
        return FdReceiveStatus::Closed;
    }

    // Take ownership of every fd that arrived before any check can throw.
    std::vector<UniqueFd> fds;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c))
    {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        {
            const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i)
            {
                int received;
                std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                fds.emplace_back(received);
            }
        }
    }
    if ((msg.msg_flags & MSG_CTRUNC) != 0)
    {
        ThrowErrno(EMFILE, "fd passing: the passed fd was lost (control data truncated)");
    }
    if (static_cast<std::size_t>(n) < kHeaderSize)
    {
        ReadRest(socket, header + n, kHeaderSize - static_cast<std::size_t>(n));
    }

    const std::size_t size = static_cast<std::size_t>(header[0]) << 8 | header[1];
    const bool wantFd = (header[2] & kFlagFd) != 0;
    if (size > kMaxFdMessageSize || (header[2] & ~kFlagFd) != 0 || header[3] != 0)
    {
        ThrowErrno(EPROTO, "fd passing: malformed message header");
    }
    if (fds.size() != (wantFd ? 1u : 0u))
    {
        ThrowErrno(EPROTO,
                   "fd passing: expected " + std::to_string(wantFd ? 1 : 0) + " fd, got " +
                       std::to_string(fds.size()));
    }
    message.bytes.resize(size);
    ReadRest(socket, message.bytes.data(), size);
    if (wantFd)
    {
        message.fd = std::move(fds.front());
    }
    return FdReceiveStatus::Message;
}

} // namespace realnet
} // namespace resoa
