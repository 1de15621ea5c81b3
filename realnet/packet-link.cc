/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "packet-link.h"

#include "system-error.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace resoa
{
namespace realnet
{

namespace
{

/// Zeros for padding short frames: read-only, shared by every send.
const std::uint8_t kZeros[kEthernetMinFrameSize] = {};

bool
IsUsableName(const std::string& name)
{
    if (name.empty() || name.size() >= IFNAMSIZ)
    {
        return false;
    }
    return std::none_of(name.begin(),
                        name.end(),
                        [](char c)
                        { return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n'; });
}

/// ioctl on the interface; turns the kernel's errno into the documented messages.
void
InterfaceIoctl(int fd, unsigned long request, ifreq& ifr, const std::string& name, const char* what)
{
    if (::ioctl(fd, request, &ifr) < 0)
    {
        const int err = errno;
        if (err == ENODEV)
        {
            ThrowErrno(ENODEV, "PacketLink: no such interface '" + name + "'");
        }
        ThrowErrno(err, std::string("PacketLink: ") + what + " of '" + name + "'");
    }
}

} // namespace

PacketLink::PacketLink(const std::string& interfaceName, const PacketLinkOptions& options)
    : m_interfaceName(interfaceName)
    , m_options(options)
{
    if (!IsUsableName(interfaceName))
    {
        ThrowErrno(EINVAL, "PacketLink: '" + interfaceName + "' is not a valid interface name");
    }
    m_options.batchSize = std::max<std::size_t>(1, m_options.batchSize);

    // Protocol 0: the socket receives nothing until bind() names the interface and
    // EtherType, so no frame of another interface slips in between.
    m_fd.Reset(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!m_fd)
    {
        const int err = errno;
        if (err == EPERM || err == EACCES)
        {
            ThrowErrno(EPERM, "PacketLink: a raw packet socket needs CAP_NET_RAW");
        }
        ThrowErrno(err, "PacketLink: socket(AF_PACKET, SOCK_RAW)");
    }

    ifreq ifr{};
    std::memcpy(ifr.ifr_name, interfaceName.c_str(), interfaceName.size() + 1);
    InterfaceIoctl(m_fd.Get(), SIOCGIFINDEX, ifr, interfaceName, "index");
    m_ifIndex = ifr.ifr_ifindex;

    InterfaceIoctl(m_fd.Get(), SIOCGIFFLAGS, ifr, interfaceName, "flags");
    if ((ifr.ifr_flags & IFF_UP) == 0)
    {
        ThrowErrno(ENETDOWN, "PacketLink: interface '" + interfaceName + "' is down");
    }

    InterfaceIoctl(m_fd.Get(), SIOCGIFHWADDR, ifr, interfaceName, "hardware address");
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
    {
        ThrowErrno(EINVAL, "PacketLink: '" + interfaceName + "' is not an Ethernet interface");
    }
    std::memcpy(m_mac.data(), ifr.ifr_hwaddr.sa_data, m_mac.size());

    InterfaceIoctl(m_fd.Get(), SIOCGIFMTU, ifr, interfaceName, "MTU");
    m_mtu = static_cast<std::size_t>(ifr.ifr_mtu);

    // Needs CAP_NET_ADMIN to pass rmem_max; without it take what the sysctl allows.
    const int rcvbuf = m_options.receiveBufferBytes;
    if (rcvbuf > 0 &&
        ::setsockopt(m_fd.Get(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
    {
        ::setsockopt(m_fd.Get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }
    // Our own transmissions are of no interest (Linux >= 4.20; older kernels: filtered below).
    const int one = 1;
    ::setsockopt(m_fd.Get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));

    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(m_options.etherType);
    address.sll_ifindex = m_ifIndex;
    if (::bind(m_fd.Get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0)
    {
        const int err = errno;
        ThrowErrno(err, "PacketLink: bind to '" + interfaceName + "'");
    }

    // Room for a full-MTU frame plus header and a VLAN tag; anything longer is truncated
    // and counted.
    m_rxSlotSize = (m_mtu + kEthernetHeaderSize + 4 + 63) / 64 * 64;

    // Per-batch scratch, sized once so the frame path does not allocate.
    const std::size_t batch = m_options.batchSize;
    m_txHeaders.resize(batch);
    m_txIov.resize(batch * 3);
    m_txMsgs.resize(batch);
    m_rxIov.resize(batch);
    m_rxFrom.resize(batch);
    m_rxMsgs.resize(batch);
}

int
PacketLink::GetFd() const
{
    return m_fd.Get();
}

const MacAddress&
PacketLink::GetMac() const
{
    return m_mac;
}

std::size_t
PacketLink::GetMtu() const
{
    return m_mtu;
}

int
PacketLink::GetIfIndex() const
{
    return m_ifIndex;
}

const std::string&
PacketLink::GetInterfaceName() const
{
    return m_interfaceName;
}

const PacketLinkStats&
PacketLink::GetStats() const
{
    return m_stats;
}

bool
PacketLink::Send(const MacAddress& destination, const std::uint8_t* data, std::size_t size)
{
    const FrameView frame{destination, data, size};
    return SendBatch(&frame, 1) == 1;
}

std::size_t
PacketLink::SendBatch(const FrameView* frames, std::size_t count)
{
    const std::size_t batch = m_options.batchSize;
    auto& headers = m_txHeaders;
    auto& iov = m_txIov;
    auto& msgs = m_txMsgs;

    std::size_t sent = 0;
    while (sent < count)
    {
        const std::size_t n = std::min(count - sent, batch);
        for (std::size_t i = 0; i < n; ++i)
        {
            const FrameView& frame = frames[sent + i];
            if (frame.size > m_mtu)
            {
                if (i == 0)
                {
                    ThrowErrno(EMSGSIZE,
                               "PacketLink: " + std::to_string(frame.size) +
                                   "-byte payload exceeds the MTU of '" + m_interfaceName + "' (" +
                                   std::to_string(m_mtu) + ")");
                }
                break; // send what precedes it; the next call reports it
            }
            auto& header = headers[i];
            std::copy(frame.destination.begin(), frame.destination.end(), header.begin());
            std::copy(m_mac.begin(), m_mac.end(), header.begin() + 6);
            header[12] = static_cast<std::uint8_t>(m_options.etherType >> 8);
            header[13] = static_cast<std::uint8_t>(m_options.etherType & 0xff);

            // Header, payload and padding as separate iovecs: the payload is never copied.
            iovec* v = &iov[i * 3];
            v[0] = {header.data(), header.size()};
            v[1] = {const_cast<std::uint8_t*>(frame.data), frame.size};
            const std::size_t length = kEthernetHeaderSize + frame.size;
            const std::size_t pad = m_options.padToMinimum && length < kEthernetMinFrameSize
                                        ? kEthernetMinFrameSize - length
                                        : 0;
            v[2] = {const_cast<std::uint8_t*>(kZeros), pad};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = v;
            msgs[i].msg_hdr.msg_iovlen = pad > 0 ? 3 : 2;
        }
        int rc;
        do
        {
            rc = ::sendmmsg(m_fd.Get(), msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
        } while (rc < 0 && errno == EINTR);
        if (rc < 0)
        {
            const int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS)
            {
                return sent;
            }
            if (sent > 0)
            {
                return sent; // report the error on the caller's next attempt
            }
            ThrowErrno(err, "PacketLink: send on '" + m_interfaceName + "'");
        }
        sent += static_cast<std::size_t>(rc);
        m_stats.framesSent += static_cast<std::uint64_t>(rc);
        if (static_cast<std::size_t>(rc) < n)
        {
            return sent;
        }
    }
    return sent;
}

std::size_t
PacketLink::Receive(std::vector<ReceivedFrame>& frames, std::size_t maxFrames)
{
    const std::size_t batch = m_options.batchSize;
    if (m_rxBuffer.empty())
    {
        m_rxBuffer.assign(batch * m_rxSlotSize, 0); // on first use: a send-only link has none
    }
    auto& iov = m_rxIov;
    auto& from = m_rxFrom;
    auto& msgs = m_rxMsgs;

    std::size_t taken = 0;
    while (taken < maxFrames)
    {
        const std::size_t n = std::min(maxFrames - taken, batch);
        for (std::size_t i = 0; i < n; ++i)
        {
            iov[i] = {m_rxBuffer.data() + i * m_rxSlotSize, m_rxSlotSize};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
        }
        const int rc =
            ::recvmmsg(m_fd.Get(), msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
        if (rc < 0)
        {
            const int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR)
            {
                break;
            }
            frames.resize(taken);
            ThrowErrno(err, "PacketLink: receive on '" + m_interfaceName + "'");
        }
        for (int i = 0; i < rc; ++i)
        {
            const std::uint8_t* slot = m_rxBuffer.data() + i * m_rxSlotSize;
            const std::size_t length = msgs[i].msg_len;
            if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0)
            {
                ++m_stats.framesTruncated;
                continue;
            }
            const std::uint16_t etherType = static_cast<std::uint16_t>(slot[12] << 8 | slot[13]);
            if (length < kEthernetHeaderSize || from[i].sll_pkttype == PACKET_OUTGOING ||
                etherType != m_options.etherType)
            {
                ++m_stats.framesIgnored;
                continue;
            }
            if (frames.size() <= taken)
            {
                frames.resize(taken + 1);
            }
            ReceivedFrame& frame = frames[taken++];
            std::copy(slot + 6, slot + 12, frame.source.begin());
            frame.bytes.assign(slot + kEthernetHeaderSize, slot + length);
            ++m_stats.framesReceived;
        }
        if (static_cast<std::size_t>(rc) < n)
        {
            break; // the queue is empty
        }
    }
    frames.resize(taken);
    return taken;
}

std::uint64_t
PacketLink::TakeKernelDrops()
{
    tpacket_stats stats{};
    socklen_t length = sizeof(stats);
    if (::getsockopt(m_fd.Get(), SOL_PACKET, PACKET_STATISTICS, &stats, &length) < 0)
    {
        return 0;
    }
    return stats.tp_drops;
}

} // namespace realnet
} // namespace resoa
