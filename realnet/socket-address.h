/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_SOCKET_ADDRESS_H
#define RESOA_REALNET_SOCKET_ADDRESS_H

#include "ep-message.h"

#include <sys/socket.h>

#include <cstdint>

namespace resoa
{
namespace realnet
{

/**
 * \brief An EpAddress as the kernel takes it, for a socket of one address family.
 *
 * - family 4 on an AF_INET socket: sockaddr_in.
 * - family 4 on an AF_INET6 socket: sockaddr_in6 with the IPv4-mapped address
 *   ::ffff:a.b.c.d (Linux's dual-stack sockets speak IPv4 that way).
 * - family 6 on an AF_INET6 socket: sockaddr_in6 (flow info and scope id 0, so link-local
 *   peers are not reachable: EP carries no interface).
 * - family 0: sockaddr with sa_family AF_UNSPEC (connect(2) on a datagram socket then
 *   dissolves its association).
 * Anything else (family 6 on an AF_INET socket, an unknown family) has no form: `length`
 * stays 0.
 */
struct KernelAddress
{
    sockaddr_storage storage{};
    socklen_t length = 0; //!< 0: not convertible

    const sockaddr* Get() const
    {
        return reinterpret_cast<const sockaddr*>(&storage);
    }
};

/// \p address for a socket of \p socketFamily (AF_INET or AF_INET6); see KernelAddress.
KernelAddress ToKernelAddress(const EpAddress& address, int socketFamily);

/**
 * The EpAddress of a kernel address: AF_INET as family 4, AF_INET6 as family 6 except
 * IPv4-mapped addresses, which are family 4 (so a dual-stack socket reports IPv4 peers as
 * IPv4). Anything else, or \p length too short, is family 0.
 */
EpAddress FromKernelAddress(const sockaddr* address, socklen_t length);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_SOCKET_ADDRESS_H
