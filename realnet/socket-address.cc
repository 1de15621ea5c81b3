/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "socket-address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace resoa
{
namespace realnet
{

KernelAddress
ToKernelAddress(const EpAddress& address, int socketFamily)
{
    KernelAddress out;
    if (address.family == 0)
    {
        out.storage.ss_family = AF_UNSPEC;
        out.length = sizeof(sockaddr);
        return out;
    }
    if (address.family == 4 && socketFamily == AF_INET)
    {
        auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(address.port);
        std::memcpy(&sin->sin_addr, address.addr.data(), 4); // already network order
        out.length = sizeof(sockaddr_in);
        return out;
    }
    if ((address.family == 4 || address.family == 6) && socketFamily == AF_INET6)
    {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(address.port);
        if (address.family == 4)
        {
            sin6->sin6_addr.s6_addr[10] = 0xff;
            sin6->sin6_addr.s6_addr[11] = 0xff;
            std::memcpy(&sin6->sin6_addr.s6_addr[12], address.addr.data(), 4);
        }
        else
        {
            std::memcpy(&sin6->sin6_addr, address.addr.data(), 16);
        }
        out.length = sizeof(sockaddr_in6);
        return out;
    }
    return out;
}

EpAddress
FromKernelAddress(const sockaddr* address, socklen_t length)
{
    EpAddress out;
    if (address == nullptr || length < static_cast<socklen_t>(sizeof(sa_family_t)))
    {
        return out;
    }
    if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in)))
    {
        sockaddr_in sin;
        std::memcpy(&sin, address, sizeof(sin));
        out.family = 4;
        std::memcpy(out.addr.data(), &sin.sin_addr, 4);
        out.port = ntohs(sin.sin_port);
        return out;
    }
    if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6)))
    {
        sockaddr_in6 sin6;
        std::memcpy(&sin6, address, sizeof(sin6));
        out.port = ntohs(sin6.sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr))
        {
            out.family = 4;
            std::memcpy(out.addr.data(), &sin6.sin6_addr.s6_addr[12], 4);
        }
        else
        {
            out.family = 6;
            std::memcpy(out.addr.data(), &sin6.sin6_addr, 16);
        }
        return out;
    }
    return out;
}

} // namespace realnet
} // namespace resoa
