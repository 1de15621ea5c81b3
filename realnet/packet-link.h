/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_PACKET_LINK_H
#define RESOA_REALNET_PACKET_LINK_H

#include "lhp-frame.h"
#include "mac-address.h"
#include "unique-fd.h"

#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/// Size of an Ethernet II header (destination, source, EtherType).
constexpr std::size_t kEthernetHeaderSize = 14;
/// Smallest Ethernet frame without the FCS; NICs pad shorter ones with zeros.
constexpr std::size_t kEthernetMinFrameSize = 60;

/// How a PacketLink is opened.
struct PacketLinkOptions
{
    /// EtherType to send and to receive. Only tests change it.
    std::uint16_t etherType = kLhpEtherType;
    /// Pad outgoing frames with zeros to kEthernetMinFrameSize, as a real NIC does. veth and
    /// tap do not pad, so tests set this to make the receiver see what it sees on a wire.
    bool padToMinimum = false;
    /// Socket receive buffer in bytes (SO_RCVBUFFORCE, else SO_RCVBUF capped by rmem_max).
    /// Small frames cost ~1 KiB of buffer each, so the default 208 KiB holds only a few
    /// hundred: a burst of a full LHP window per client would overflow it.
    int receiveBufferBytes = 4 << 20;
    /// Most frames one Receive() or one sendmmsg() call handles.
    std::size_t batchSize = 64;
};

/// One frame taken from the link.
struct ReceivedFrame
{
    MacAddress source{};             //!< the sender's MAC
    std::vector<std::uint8_t> bytes; //!< everything after the Ethernet header, padding included
};

/// One frame to send. \p data must stay valid for the call only.
struct FrameView
{
    MacAddress destination{};
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
};

/// What went across a PacketLink, for logs and tests.
struct PacketLinkStats
{
    std::uint64_t framesSent = 0;
    std::uint64_t framesReceived = 0;
    std::uint64_t framesTruncated = 0; //!< larger than MTU + header: dropped
    std::uint64_t framesIgnored = 0;   //!< our own outgoing frames or a foreign EtherType
};

/**
 * \brief An AF_PACKET raw socket on one interface for one EtherType: the LHP's Ethernet.
 *
 * Frame I/O only: it knows MACs and bytes, never LHP. What it receives is what the wire
 * carried after the Ethernet header, so a frame padded by a NIC to 60 bytes arrives with its
 * zeros; the core cuts frames to the LHP length before decoding (DESIGN §5).
 *
 * The socket is non-blocking. The daemon watches GetFd() for readability in its epoll loop
 * and drains it with Receive(), which takes up to batchSize frames per recvmmsg(2) call;
 * SendBatch() uses sendmmsg(2). Both exist because per-frame syscalls cap a gigabit link.
 *
 * Errors are std::system_error with the errno in code().value():
 *  - EINVAL: not a usable interface name (empty, 16+ characters, '/' or whitespace), or not an
 *    Ethernet interface;
 *  - ENODEV: no such interface (in this network namespace);
 *  - EPERM: the process lacks CAP_NET_RAW;
 *  - ENETDOWN: the interface is administratively down (also possible later from Receive or
 *    Send, when someone takes the interface down under a running daemon);
 *  - EMSGSIZE: Send of a payload larger than the MTU.
 */
class PacketLink
{
  public:
    /**
     * Opens the socket and binds it to \p interfaceName and options.etherType.
     * \throws std::system_error (see the class comment)
     */
    explicit PacketLink(const std::string& interfaceName, const PacketLinkOptions& options = {});

    PacketLink(PacketLink&&) = default;
    PacketLink& operator=(PacketLink&&) = default;

    /// \return the socket, for epoll (readable = frames waiting, writable = room to send)
    int GetFd() const;
    /// \return the interface's MAC, the source of every frame sent
    const MacAddress& GetMac() const;
    /// \return the interface MTU: the largest payload Send accepts
    std::size_t GetMtu() const;
    /// \return the interface index
    int GetIfIndex() const;
    /// \return the interface name given to the constructor
    const std::string& GetInterfaceName() const;

    /**
     * Sends one frame to \p destination.
     * \return false if the kernel has no room now (EAGAIN/ENOBUFS): wait for writability
     * \throws std::system_error on EMSGSIZE, ENETDOWN and other errors
     */
    bool Send(const MacAddress& destination, const std::uint8_t* data, std::size_t size);

    /**
     * Sends \p count frames, in order, batchSize per sendmmsg(2).
     * \return how many were accepted; the rest (from that index on) were not sent
     * \throws std::system_error as Send, when not even the first frame of a batch went out
     */
    std::size_t SendBatch(const FrameView* frames, std::size_t count);

    /**
     * Takes up to \p maxFrames waiting frames (at most batchSize per recvmmsg call) without
     * blocking. \p frames is overwritten (pass the same vector each time to reuse it).
     * \return the number of frames now in \p frames (0 = none waiting)
     * \throws std::system_error on errors other than EAGAIN/EINTR (e.g. ENETDOWN)
     */
    std::size_t Receive(std::vector<ReceivedFrame>& frames, std::size_t maxFrames);

    /// \return counters since the link was opened
    const PacketLinkStats& GetStats() const;

    /// \return frames the kernel dropped (receive buffer full) since the last call
    std::uint64_t TakeKernelDrops();

  private:
    UniqueFd m_fd;
    std::string m_interfaceName;
    int m_ifIndex = 0;
    MacAddress m_mac{};
    std::size_t m_mtu = 0;
    PacketLinkOptions m_options;
    std::vector<std::uint8_t> m_rxBuffer; //!< batchSize slots of m_rxSlotSize bytes
    std::size_t m_rxSlotSize = 0;
    // recvmmsg/sendmmsg scratch (batchSize entries; pointers are rebuilt on every call, so a
    // moved PacketLink stays valid).
    std::vector<std::array<std::uint8_t, kEthernetHeaderSize>> m_txHeaders;
    std::vector<iovec> m_txIov;
    std::vector<mmsghdr> m_txMsgs;
    std::vector<iovec> m_rxIov;
    std::vector<sockaddr_ll> m_rxFrom;
    std::vector<mmsghdr> m_rxMsgs;
    PacketLinkStats m_stats;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_PACKET_LINK_H
