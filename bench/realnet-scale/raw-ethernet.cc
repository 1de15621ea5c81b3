/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "raw-ethernet.h"

#include "lhp-frame.h"
#include "system-error.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace resoa
{
namespace bench
{

namespace
{
constexpr std::size_t kHeader = 14;
constexpr std::size_t kBatch = 64;
constexpr std::size_t kSlot = 9216 + kHeader; //!< jumbo frames fit
} // namespace

RawEthernet::RawEthernet(const std::string& interfaceName)
    : m_fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(kLhpEtherType)))
{
    if (!m_fd)
    {
        realnet::ThrowErrno(errno, "RawEthernet: AF_PACKET socket");
    }
    m_ifIndex = static_cast<int>(::if_nametoindex(interfaceName.c_str()));
    if (m_ifIndex == 0)
    {
        realnet::ThrowErrno(ENODEV, "RawEthernet: no interface '" + interfaceName + "'");
    }
    sockaddr_ll a{};
    a.sll_family = AF_PACKET;
    a.sll_protocol = htons(kLhpEtherType);
    a.sll_ifindex = m_ifIndex;
    if (::bind(m_fd.Get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
    {
        realnet::ThrowErrno(errno, "RawEthernet: bind " + interfaceName);
    }
    packet_mreq mr{};
    mr.mr_ifindex = m_ifIndex;
    mr.mr_type = PACKET_MR_PROMISC;
    ::setsockopt(m_fd.Get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
    // A thousand stations' worth of small frames at once (acks, keepalives): a big buffer.
    int size = 32 << 20;
    if (::setsockopt(m_fd.Get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
    {
        ::setsockopt(m_fd.Get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    }
    if (::setsockopt(m_fd.Get(), SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
    {
        ::setsockopt(m_fd.Get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    }
    m_rxBuffer.resize(kBatch * kSlot);
}

int
RawEthernet::GetFd() const
{
    return m_fd.Get();
}

void
RawEthernet::Queue(const realnet::MacAddress& destination,
                   const realnet::MacAddress& source,
                   const std::uint8_t* data,
                   std::size_t size)
{
    if (m_queued == m_queue.size())
    {
        m_queue.emplace_back();
    }
    std::vector<std::uint8_t>& f = m_queue[m_queued++];
    f.resize(kHeader + size);
    std::memcpy(f.data(), destination.data(), 6);
    std::memcpy(f.data() + 6, source.data(), 6);
    f[12] = kLhpEtherType >> 8;
    f[13] = kLhpEtherType & 0xff;
    if (size > 0)
    {
        std::memcpy(f.data() + kHeader, data, size);
    }
}

std::size_t
RawEthernet::Flush()
{
    std::size_t refused = 0;
    std::vector<iovec> iov(kBatch);
    std::vector<mmsghdr> msgs(kBatch);
    for (std::size_t at = 0; at < m_queued;)
    {
        const std::size_t n = std::min(kBatch, m_queued - at);
        for (std::size_t i = 0; i < n; ++i)
        {
            iov[i] = {m_queue[at + i].data(), m_queue[at + i].size()};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int sent = ::sendmmsg(m_fd.Get(), msgs.data(), static_cast<unsigned>(n), 0);
        if (sent <= 0)
        {
            ++refused; // EAGAIN/ENOBUFS: drop the frame, the ARQ repairs it
            ++at;
            continue;
        }
        framesSent += static_cast<std::uint64_t>(sent);
        at += static_cast<std::size_t>(sent);
    }
    framesDropped += refused;
    m_queued = 0;
    return refused;
}

std::size_t
RawEthernet::Receive(std::vector<EthernetFrame>& frames, std::size_t maxFrames)
{
    std::size_t count = 0;
    std::vector<iovec> iov(kBatch);
    std::vector<sockaddr_ll> from(kBatch);
    std::vector<mmsghdr> msgs(kBatch);
    while (count < maxFrames)
    {
        const std::size_t want = std::min(kBatch, maxFrames - count);
        for (std::size_t i = 0; i < want; ++i)
        {
            iov[i] = {m_rxBuffer.data() + i * kSlot, kSlot};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_ll);
        }
        const int got =
            ::recvmmsg(m_fd.Get(), msgs.data(), static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
        if (got <= 0)
        {
            break;
        }
        for (int i = 0; i < got; ++i)
        {
            const std::size_t len = msgs[i].msg_len;
            if (from[i].sll_pkttype == PACKET_OUTGOING || len < kHeader ||
                (msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
            {
                continue;
            }
            if (frames.size() <= count)
            {
                frames.emplace_back();
            }
            EthernetFrame& f = frames[count++];
            const std::uint8_t* p = m_rxBuffer.data() + static_cast<std::size_t>(i) * kSlot;
            std::memcpy(f.destination.data(), p, 6);
            std::memcpy(f.source.data(), p + 6, 6);
            f.payload.assign(p + kHeader, p + len);
            ++framesReceived;
        }
        if (static_cast<std::size_t>(got) < want)
        {
            break;
        }
    }
    return count;
}

} // namespace bench
} // namespace resoa
