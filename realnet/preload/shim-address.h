/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: sockaddr <-> the shim protocol's address.
 */
#ifndef RESOA_PRELOAD_SHIM_ADDRESS_H
#define RESOA_PRELOAD_SHIM_ADDRESS_H

#include "shim-protocol.h"

#include <sys/socket.h>

namespace resoa
{
namespace preload
{

/**
 * AF_INET as family 4; AF_INET6 as family 6, except IPv4-mapped addresses, which are
 * family 4 (a dual-stack application talks IPv4 that way); AF_UNSPEC as family 0.
 * \return false for anything else or a short \p length
 */
bool FromSockaddr(const sockaddr* address, socklen_t length, realnet::ShimAddress& out);

/**
 * Writes \p address as a socket of \p socketFamily shows it (IPv4 on AF_INET6 as
 * ::ffff:a.b.c.d; family 0 as the wildcard address, port 0), truncated to *\p length as
 * getsockname(2) does; *\p length becomes the full size.
 */
void ToSockaddr(const realnet::ShimAddress& address,
                int socketFamily,
                sockaddr* out,
                socklen_t* length);

} // namespace preload
} // namespace resoa

#endif // RESOA_PRELOAD_SHIM_ADDRESS_H
