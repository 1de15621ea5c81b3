/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of `./resoa bench realnet-scale` (bench/realnet-scale/README.md).
 */
#ifndef RESOA_BENCH_RAW_ETHERNET_H
#define RESOA_BENCH_RAW_ETHERNET_H

#include "mac-address.h"
#include "unique-fd.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace resoa
{
namespace bench
{

/// One LHP frame as it crossed the wire: both MACs and everything after the Ethernet header.
struct EthernetFrame
{
    realnet::MacAddress destination{};
    realnet::MacAddress source{};
    std::vector<std::uint8_t> payload;
};

/**
 * \brief An AF_PACKET SOCK_RAW socket on one interface for EtherType 0x88B5 that writes its
 * own Ethernet header, so one socket speaks for any number of source MACs: a load generator
 * that is many stations at once.
 *
 * The interface is put in promiscuous mode (a veth delivers frames to other MACs anyway; a
 * real NIC would filter them). Sends are batched (sendmmsg) and a frame the kernel has no
 * room for is dropped and counted: the LHP ARQ repairs it, as it repairs any loss.
 */
class RawEthernet
{
  public:
    /// \throws std::system_error (EPERM without CAP_NET_RAW, ENODEV, ...)
    explicit RawEthernet(const std::string& interfaceName);

    int GetFd() const;

    /// Queues one frame; Flush() sends what is queued.
    void Queue(const realnet::MacAddress& destination,
               const realnet::MacAddress& source,
               const std::uint8_t* data,
               std::size_t size);
    /// Sends every queued frame (sendmmsg batches). \return frames the kernel refused
    std::size_t Flush();

    /// Takes up to \p maxFrames waiting frames without blocking (ours excluded).
    /// \return how many are now in \p frames (which is reused)
    std::size_t Receive(std::vector<EthernetFrame>& frames, std::size_t maxFrames);

    std::uint64_t framesSent = 0;
    std::uint64_t framesDropped = 0; //!< refused by the kernel on send
    std::uint64_t framesReceived = 0;

  private:
    realnet::UniqueFd m_fd;
    int m_ifIndex = 0;
    std::vector<std::vector<std::uint8_t>> m_queue;
    std::size_t m_queued = 0;
    std::vector<std::uint8_t> m_rxBuffer;
};

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_RAW_ETHERNET_H
