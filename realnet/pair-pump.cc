/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#include "pair-pump.h"

#include "event-loop.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace resoa
{
namespace realnet
{
namespace
{
constexpr std::size_t kChunk = 65536;
constexpr int kIoFlags = MSG_DONTWAIT | MSG_NOSIGNAL;
} // namespace

PairPump::PairPump(EpClient& client, std::uint32_t id, EpSockType type, UniqueFd end)
    : m_client(client)
    , m_id(id)
    , m_type(type)
    , m_end(std::move(end))
    , m_buffer(kChunk + kShimDatagramHeaderSize)
{
}

int
PairPump::GetFd() const
{
    return m_end.Get();
}

std::uint32_t
PairPump::GetId() const
{
    return m_id;
}

EpSockType
PairPump::GetType() const
{
    return m_type;
}

void
PairPump::OnConnectStarted(bool expectFiller)
{
    // Bytes written before connect() would have failed on TCP: they must not precede the
    // filler, whose count is all clientd knows of it.
    while (::recv(m_end.Get(), m_buffer.data(), m_buffer.size(), kIoFlags) > 0)
    {
    }
    m_connecting = true;
    m_fillerKnown = !expectFiller;
    m_filler = 0;
}

void
PairPump::OnFiller(std::size_t bytes)
{
    m_filler += bytes;
    m_fillerKnown = true;
}

void
PairPump::SetConnectedDatagram()
{
    m_headerMode = false;
}

void
PairPump::SetConnected()
{
    m_connected = true;
}

void
PairPump::SetListening()
{
    m_listening = true;
}

void
PairPump::ShutdownRead()
{
    ShutOurWrite();
    m_toApp.clear();
    m_toAppOffset = 0;
}

void
PairPump::OnHangup()
{
    m_hup = true;
}

void
PairPump::OnEvent(const EpClientEvent& event)
{
    switch (event.kind)
    {
        case EpClientEvent::Kind::ConnectDone:
            m_connecting = false;
            if (event.error != 0)
            {
                Fail(event.error);
            }
            else
            {
                m_connected = true;
            }
            break;
        case EpClientEvent::Kind::Error:
        {
            auto state = m_client.GetState(m_id);
            if (m_type == EpSockType::Stream || (state && *state == EpClientSocketState::Error))
            {
                Fail(event.error);
            }
            else
            {
                m_error = event.error; // a datagram socket's errors are pending, not fatal
            }
            break;
        }
        case EpClientEvent::Kind::Accepted:
            ++m_doorbells;
            break;
        default:
            break; // Readable, Writable, Eof: Step looks at the engine itself
    }
}

int
PairPump::TakeError()
{
    return std::exchange(m_error, 0);
}

bool
PairPump::Finished() const
{
    return m_finished;
}

bool
PairPump::HungUp() const
{
    return m_hup;
}

void
PairPump::Fail(int error)
{
    m_failed = true;
    m_connecting = false;
    m_error = error;
    // The application reads EOF and learns the errno from SO_ERROR; its end stays open
    // until it closes it, so the hang-up still tells us when.
    ShutOurWrite();
}

void
PairPump::ShutOurWrite()
{
    if (!m_ourShutWr)
    {
        ::shutdown(m_end.Get(), SHUT_WR);
        m_ourShutWr = true;
    }
}

void
PairPump::DiscardFiller()
{
    while (m_filler > 0)
    {
        ssize_t n =
            ::recv(m_end.Get(), m_buffer.data(), std::min(m_filler, m_buffer.size()), kIoFlags);
        if (n <= 0)
        {
            return; // not all there yet: the next Step goes on
        }
        m_filler -= static_cast<std::size_t>(n);
    }
}

bool
PairPump::ReadAllowed() const
{
    if (m_connecting || !m_fillerKnown || m_filler > 0)
    {
        return false;
    }
    if (m_hup || m_failed || m_type == EpSockType::Dgram)
    {
        return true;
    }
    return m_connected;
}

std::uint32_t
PairPump::Step(TimePoint now)
{
    if (m_finished)
    {
        return 0;
    }
    if (!m_connecting && m_fillerKnown)
    {
        DiscardFiller();
    }
    if (!m_hup)
    {
        StepToApp();
    }
    StepFromApp(now);
    if (m_hup && m_appEof && !m_finished)
    {
        m_client.Close(m_id);
        m_finished = true;
    }
    if (m_finished || m_hup)
    {
        return 0;
    }
    std::uint32_t interest = 0;
    if (m_toAppOffset < m_toApp.size())
    {
        interest |= EventLoop::kWritable;
    }
    if (ReadAllowed() && !m_appEof)
    {
        std::size_t space = m_client.SendSpace(m_id);
        bool room = m_type == EpSockType::Stream
                        ? space > 0
                        : space >= EpMaxDatagramPayload(m_client.GetConfig().maxMessageSize);
        if (room || m_failed || (m_type == EpSockType::Stream && m_listening))
        {
            interest |= EventLoop::kReadable;
        }
    }
    return interest;
}

void
PairPump::StepToApp()
{
    for (;;)
    {
        if (m_toAppOffset < m_toApp.size())
        {
            ssize_t n = ::send(m_end.Get(),
                               m_toApp.data() + m_toAppOffset,
                               m_toApp.size() - m_toAppOffset,
                               kIoFlags);
            if (n < 0)
            {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                {
                    return; // the application has not read yet: wait for writability
                }
                m_toApp.clear(); // it closed its end: nobody will read this
                m_toAppOffset = 0;
                return;
            }
            // A datagram goes in whole (SOCK_SEQPACKET) or not at all.
            m_toAppOffset +=
                m_type == EpSockType::Stream ? static_cast<std::size_t>(n) : m_toApp.size();
            continue;
        }
        m_toApp.clear();
        m_toAppOffset = 0;
        if (m_ourShutWr)
        {
            return;
        }
        if (m_listening)
        {
            if (m_doorbells == 0)
            {
                return;
            }
            m_toApp.assign(m_doorbells, 'A');
            m_doorbells = 0;
            continue;
        }
        if (m_type == EpSockType::Stream)
        {
            if (!m_connected)
            {
                return;
            }
            EpReadResult r = m_client.Recv(m_id, kChunk);
            if (!r.data.empty())
            {
                m_toApp = std::move(r.data);
                continue; // an EOF after these bytes is reported again by the next Recv
            }
            if (r.eof)
            {
                ShutOurWrite();
            }
            else if (r.error != ep_errno::kEagain && r.error != 0)
            {
                Fail(r.error);
            }
            return;
        }
        if (m_client.RecvAvailable(m_id) == 0)
        {
            return;
        }
        EpReadResult r = m_client.Recv(m_id, kChunk);
        if (r.error != 0)
        {
            m_error = r.error == ep_errno::kEagain ? m_error : r.error;
            return;
        }
        if (m_headerMode)
        {
            ShimAddress from;
            from.family = r.from.family;
            from.addr = r.from.addr;
            from.port = r.from.port;
            m_toApp.resize(kShimDatagramHeaderSize + r.data.size());
            EncodeShimDatagramHeader(from, m_toApp.data());
            std::copy(r.data.begin(), r.data.end(), m_toApp.begin() + kShimDatagramHeaderSize);
        }
        else
        {
            m_toApp = std::move(r.data);
        }
    }
}

void
PairPump::StepFromApp(TimePoint now)
{
    if (m_finished || m_appEof || !ReadAllowed())
    {
        return;
    }
    if (m_type == EpSockType::Stream)
    {
        FromAppStream(now);
    }
    else
    {
        FromAppDatagram();
    }
}

void
PairPump::FromAppStream(TimePoint now)
{
    bool forward = m_connected && !m_failed && !m_listening;
    for (;;)
    {
        std::size_t want = kChunk;
        if (forward)
        {
            want = std::min(want, m_client.SendSpace(m_id));
            if (want == 0)
            {
                return; // no credit: the application's writes back up in the pair
            }
        }
        ssize_t n = ::recv(m_end.Get(), m_buffer.data(), want, kIoFlags);
        if (n > 0)
        {
            if (forward)
            {
                EpIoResult r =
                    m_client.Send(m_id, m_buffer.data(), static_cast<std::size_t>(n), now);
                if (r.error != 0)
                {
                    forward = false; // e.g. EPIPE: what follows is dropped, as TCP would
                }
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        {
            return;
        }
        // EOF, or ECONNRESET (the application closed with data unread): its side is done.
        m_appEof = true;
        if (n < 0)
        {
            m_hup = true;
        }
        if (!m_hup && forward)
        {
            m_client.Shutdown(m_id, ep_shutdown::kWrite);
        }
        return;
    }
}

void
PairPump::FromAppDatagram()
{
    const std::size_t largest = EpMaxDatagramPayload(m_client.GetConfig().maxMessageSize);
    for (;;)
    {
        if (m_client.SendSpace(m_id) < largest && !m_hup)
        {
            return; // the next datagram might not fit: leave it in the pair
        }
        ssize_t n = ::recv(m_end.Get(), m_buffer.data(), m_buffer.size(), kIoFlags | MSG_TRUNC);
        if (n < 0)
        {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            {
                m_appEof = m_hup = true;
            }
            return;
        }
        if (n == 0 && !m_hup)
        {
            // SOCK_SEQPACKET reads 0 both for an empty record and, forever, once the
            // application closed or shut down its end; the hang-up event may not have been
            // handled yet this round. Ask the socket, or this loop would spin.
            pollfd p{m_end.Get(), POLLRDHUP, 0};
            if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLRDHUP)) != 0)
            {
                m_hup = (p.revents & POLLHUP) != 0;
                m_appEof = true; // its side is done; it may still read (SHUT_WR)
                return;
            }
        }
        if (n == 0 && m_hup)
        {
            m_appEof = true; // a hang-up turns an empty read into the end
            return;
        }
        std::size_t len = static_cast<std::size_t>(n);
        if (len > m_buffer.size())
        {
            m_error = ep_errno::kEmsgsize;
            continue;
        }
        EpIoResult r;
        if (!m_headerMode)
        {
            r = m_client.Send(m_id, m_buffer.data(), len);
        }
        else
        {
            ShimAddress to;
            if (!DecodeShimDatagramHeader(m_buffer.data(), len, to))
            {
                m_error = ep_errno::kEinval; // not from the shim (a write() on it): dropped
                continue;
            }
            const std::uint8_t* payload = m_buffer.data() + kShimDatagramHeaderSize;
            std::size_t size = len - kShimDatagramHeaderSize;
            if (to.family == 0)
            {
                r = m_client.Send(m_id, payload, size);
            }
            else
            {
                EpAddress peer;
                peer.family = to.family;
                peer.addr = to.addr;
                peer.port = to.port;
                r = m_client.SendTo(m_id, peer, payload, size);
            }
        }
        if (r.error != 0)
        {
            m_error = r.error; // UDP reports send errors later, on the next call
        }
    }
}

} // namespace realnet
} // namespace resoa
