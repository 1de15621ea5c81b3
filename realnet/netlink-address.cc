/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "netlink-address.h"

#include "config-values.h"
#include "system-error.h"
#include "unique-fd.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace resoa
{
namespace realnet
{

namespace
{

/// Appends one rtattr carrying \p len bytes to the message in \p buf.
void
AddAttribute(nlmsghdr* h, std::size_t capacity, int type, const void* data, std::size_t len)
{
    const std::size_t at = NLMSG_ALIGN(h->nlmsg_len);
    const std::size_t size = RTA_LENGTH(len);
    if (at + RTA_ALIGN(size) > capacity)
    {
        ThrowErrno(EMSGSIZE, "netlink: request too large");
    }
    auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(h) + at);
    rta->rta_type = static_cast<unsigned short>(type);
    rta->rta_len = static_cast<unsigned short>(size);
    std::memcpy(RTA_DATA(rta), data, len);
    h->nlmsg_len = static_cast<std::uint32_t>(at + RTA_ALIGN(size));
}

} // namespace

NetlinkAddress::NetlinkAddress(const std::string& interface)
    : m_interface(interface)
    , m_index(static_cast<int>(::if_nametoindex(interface.c_str())))
{
    if (m_index == 0)
    {
        ThrowErrno(ENODEV, "netlink: no interface '" + interface + "'");
    }
}

int
NetlinkAddress::Request(std::uint16_t type,
                        std::uint16_t flags,
                        std::uint32_t address,
                        int prefixLength)
{
    // A socket per request: these are rare (one per lease and release) and a fresh socket
    // never holds a stale reply.
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd)
    {
        ThrowErrno(errno, "netlink: socket");
    }
    alignas(nlmsghdr) char buf[256] = {};
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    h->nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
    h->nlmsg_type = type;
    h->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    h->nlmsg_seq = ++m_sequence;
    auto* ifa = static_cast<ifaddrmsg*>(NLMSG_DATA(h));
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = static_cast<unsigned char>(prefixLength);
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = static_cast<unsigned>(m_index);
    const std::uint32_t net = htonl(address);
    AddAttribute(h, sizeof(buf), IFA_LOCAL, &net, sizeof(net));
    AddAttribute(h, sizeof(buf), IFA_ADDRESS, &net, sizeof(net));

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(
            fd.Get(), buf, h->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) <
        0)
    {
        ThrowErrno(errno, "netlink: send");
    }
    alignas(nlmsghdr) char reply[1024];
    for (;;)
    {
        const ssize_t n = ::recv(fd.Get(), reply, sizeof(reply), 0);
        if (n < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            ThrowErrno(errno, "netlink: receive");
        }
        int left = static_cast<int>(n);
        for (auto* r = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(r, left);
             r = NLMSG_NEXT(r, left))
        {
            if (r->nlmsg_seq == m_sequence && r->nlmsg_type == NLMSG_ERROR)
            {
                return -static_cast<const nlmsgerr*>(NLMSG_DATA(r))->error;
            }
        }
    }
}

bool
NetlinkAddress::Add(std::uint32_t address, int prefixLength)
{
    return Change(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, address, prefixLength, EEXIST, "adding");
}

bool
NetlinkAddress::Remove(std::uint32_t address, int prefixLength)
{
    return Change(RTM_DELADDR, 0, address, prefixLength, EADDRNOTAVAIL, "removing");
}

bool
NetlinkAddress::Change(std::uint16_t type,
                       std::uint16_t flags,
                       std::uint32_t address,
                       int prefixLength,
                       int noChange,
                       const char* verb)
{
    const int err = Request(type, flags, address, prefixLength);
    if (err == noChange)
    {
        return false;
    }
    if (err != 0)
    {
        ThrowErrno(err,
                   std::string("netlink: ") + verb + " " + FormatIpv4(address) + "/" +
                       std::to_string(prefixLength) + " on " + m_interface);
    }
    return true;
}

int
PrefixLengthOf(std::uint32_t mask)
{
    if (mask == 0)
    {
        return 32;
    }
    int n = 0;
    while (n < 32 && (mask & (0x80000000u >> n)) != 0)
    {
        ++n;
    }
    return n;
}

} // namespace realnet
} // namespace resoa
