/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: sockaddr <-> the shim protocol's address.
 */
#include "shim-address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace resoa
{
namespace preload
{

bool
FromSockaddr(const sockaddr* address, socklen_t length, realnet::ShimAddress& out)
{
    out = realnet::ShimAddress{};
    if (address == nullptr || length < static_cast<socklen_t>(sizeof(sa_family_t)))
    {
        return false;
    }
    if (address->sa_family == AF_UNSPEC)
    {
        return true;
    }
    if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in)))
    {
        const auto* in = reinterpret_cast<const sockaddr_in*>(address);
        out.family = 4;
        std::memcpy(out.addr.data(), &in->sin_addr, 4);
        out.port = ntohs(in->sin_port);
        return true;
    }
    if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6)))
    {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
        out.port = ntohs(in6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
        {
            out.family = 4;
            std::memcpy(out.addr.data(), in6->sin6_addr.s6_addr + 12, 4);
        }
        else
        {
            out.family = 6;
            std::memcpy(out.addr.data(), in6->sin6_addr.s6_addr, 16);
        }
        return true;
    }
    return false;
}

void
ToSockaddr(const realnet::ShimAddress& address, int socketFamily, sockaddr* out, socklen_t* length)
{
    if (out == nullptr || length == nullptr)
    {
        return;
    }
    sockaddr_storage full{};
    socklen_t size;
    if (socketFamily == AF_INET6)
    {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&full);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(address.port);
        if (address.family == 4)
        {
            in6->sin6_addr.s6_addr[10] = 0xff;
            in6->sin6_addr.s6_addr[11] = 0xff;
            std::memcpy(in6->sin6_addr.s6_addr + 12, address.addr.data(), 4);
        }
        else if (address.family == 6)
        {
            std::memcpy(in6->sin6_addr.s6_addr, address.addr.data(), 16);
        }
        size = sizeof(sockaddr_in6);
    }
    else
    {
        auto* in = reinterpret_cast<sockaddr_in*>(&full);
        in->sin_family = AF_INET;
        in->sin_port = htons(address.port);
        if (address.family == 4)
        {
            std::memcpy(&in->sin_addr, address.addr.data(), 4);
        }
        size = sizeof(sockaddr_in);
    }
    std::memcpy(out, &full, std::min(size, *length));
    *length = size;
}

} // namespace preload
} // namespace resoa
