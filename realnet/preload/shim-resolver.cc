/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: name resolution by the server (paper §4, DESIGN §5). glibc's resolver
 * opens its sockets with internal calls the shim cannot see, so on a host without IP it would
 * fail (or, worse, ask a local stub). The order, as nsswitch's usual "files dns":
 *  1. numeric hosts: answered here (libc with AI_NUMERICHOST);
 *  2. this host's /etc/hosts (localhost and what an administrator put there);
 *  3. anything else: resoa-clientd asks resoa-serverd, which resolves with its own resolver
 *     (EP Resolve), and the answer's addresses get the service/port here, through libc's
 *     numeric getaddrinfo, so hints (socktype, AI_PASSIVE, AI_V4MAPPED...) keep their meaning.
 */
#include "fd-passing.h"
#include "shim-real.h"
#include "shim-resolve.h"
#include "shim-state.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

using resoa::preload::Fail;
using resoa::preload::Real;
using resoa::realnet::ShimAddress;
using resoa::realnet::ShimResolveReply;
using resoa::realnet::ShimResolveRequest;

namespace
{

constexpr const char* kDefaultSocket = "/run/resoa/clientd.sock";
/// clientd answers within the server's resolve timeout (10 s by default) or at link loss;
/// this bounds the wait if neither comes (e.g. a server without Resolve).
constexpr int kReplyTimeoutSeconds = 15;

/// The first address of \p name in /etc/hosts of \p family (AF_UNSPEC: IPv4 first).
bool
HostsFile(const char* name, int family, std::string& address)
{
    FILE* f = std::fopen("/etc/hosts", "re");
    if (f == nullptr)
    {
        return false;
    }
    std::string fallback;
    char line[1024];
    while (std::fgets(line, sizeof(line), f) != nullptr)
    {
        if (char* hash = std::strchr(line, '#'))
        {
            *hash = '\0';
        }
        char* save = nullptr;
        char* ip = strtok_r(line, " \t\r\n", &save);
        if (ip == nullptr)
        {
            continue;
        }
        bool v6 = std::strchr(ip, ':') != nullptr;
        for (char* n = strtok_r(nullptr, " \t\r\n", &save); n != nullptr;
             n = strtok_r(nullptr, " \t\r\n", &save))
        {
            if (strcasecmp(n, name) != 0)
            {
                continue;
            }
            if ((family == AF_INET && !v6) || (family == AF_INET6 && v6) ||
                (family == AF_UNSPEC && !v6))
            {
                address = ip;
                std::fclose(f);
                return true;
            }
            if (family == AF_UNSPEC && fallback.empty())
            {
                fallback = ip;
            }
        }
    }
    std::fclose(f);
    address = fallback;
    return !fallback.empty();
}

/**
 * One Resolve round trip on a connection of its own (resolution is rare; this keeps it
 * apart from the thread's control connection). \return 0, or an errno: ENETDOWN (clientd
 * unreachable), ETIMEDOUT (no reply in kReplyTimeoutSeconds), EPROTO (bad reply), EINVAL
 */
int
AskClientd(const ShimResolveRequest& request, ShimResolveReply& reply)
{
    std::vector<std::uint8_t> bytes;
    if (!resoa::realnet::EncodeShimResolveRequest(request, bytes))
    {
        return EINVAL;
    }
    const char* path = std::getenv("RESOA_CLIENTD_SOCKET");
    if (path == nullptr || *path == '\0')
    {
        path = kDefaultSocket;
    }
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
    int s = Real().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
    {
        return ENETDOWN;
    }
    int result = 0;
    if (Real().connect(s, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0)
    {
        Fail(ENETDOWN, "cannot reach resoa-clientd at %s: %s", path, std::strerror(errno));
        Real().close(s);
        return ENETDOWN;
    }
    timeval tv{};
    tv.tv_sec = kReplyTimeoutSeconds;
    Real().setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    Real().setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    try
    {
        resoa::realnet::SendFdMessage(s, bytes);
        resoa::realnet::FdMessage m;
        if (resoa::realnet::ReceiveFdMessage(s, m) != resoa::realnet::FdReceiveStatus::Message ||
            m.fd || !resoa::realnet::DecodeShimResolveReply(m.bytes.data(), m.bytes.size(), reply))
        {
            Fail(EPROTO, "resoa-clientd sent a bad resolve reply");
            result = EPROTO;
        }
    }
    catch (const std::system_error& e)
    {
        const int code = e.code().value();
        result = code == EAGAIN || code == EWOULDBLOCK ? ETIMEDOUT : ENETDOWN;
        Fail(result, "resolving \"%s\" through resoa-clientd: %s", request.name.c_str(), e.what());
    }
    Real().close(s);
    return result;
}

/// The server's answer for \p name, or an EAI_* code (with errno set for EAI_SYSTEM).
int
ResolveOnServer(const char* name, std::uint8_t family, bool canonical, ShimResolveReply& reply)
{
    ShimResolveRequest q;
    q.name = name;
    q.family = family;
    q.flags = canonical ? resoa::realnet::kShimResolveCanonName : 0;
    if (q.name.empty() || q.name.size() > resoa::realnet::kShimMaxName)
    {
        return EAI_NONAME;
    }
    const int rc = AskClientd(q, reply);
    if (rc != 0)
    {
        return EAI_AGAIN; // what glibc says when no name server answers
    }
    if (reply.error < 0)
    {
        return reply.error; // getaddrinfo's own codes (glibc numbers, checked in serverd)
    }
    if (reply.error > 0)
    {
        if (reply.error == ENETDOWN)
        {
            Fail(ENETDOWN, "cannot resolve \"%s\": no link to resoa-serverd", name);
            return EAI_AGAIN;
        }
        errno = reply.error;
        return EAI_SYSTEM;
    }
    return 0;
}

std::string
AddressText(const ShimAddress& a)
{
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.addr.data(), text, sizeof(text));
    return text;
}

int
HErrnoOf(int eai)
{
    switch (eai)
    {
        case EAI_NONAME:
            return HOST_NOT_FOUND;
        case EAI_AGAIN:
            return TRY_AGAIN;
        case EAI_NODATA:
        case EAI_ADDRFAMILY:
            return NO_DATA;
        default:
            return NO_RECOVERY;
    }
}

/// gethostbyname(2)'s answer for one family in thread-local storage.
hostent*
HostEntry(const char* name, int af)
{
    static thread_local hostent entry;
    static thread_local unsigned char addresses[resoa::realnet::kShimMaxResolved][16];
    static thread_local char* list[resoa::realnet::kShimMaxResolved + 1];
    static thread_local char* aliases[1];
    static thread_local char canonical[256];
    if (name == nullptr || (af != AF_INET && af != AF_INET6))
    {
        h_errno = NO_RECOVERY;
        return nullptr;
    }
    std::size_t n = 0;
    std::string canon = name;
    if (inet_pton(af, name, addresses[0]) == 1)
    {
        n = 1;
    }
    else
    {
        std::string found;
        if (HostsFile(name, af, found) && inet_pton(af, found.c_str(), addresses[0]) == 1)
        {
            n = 1;
        }
        else
        {
            ShimResolveReply reply;
            int rc = ResolveOnServer(name, af == AF_INET ? 4 : 6, true, reply);
            if (rc != 0)
            {
                h_errno = HErrnoOf(rc);
                return nullptr;
            }
            for (const ShimAddress& a : reply.addresses)
            {
                if (a.family == (af == AF_INET ? 4 : 6))
                {
                    std::memcpy(addresses[n++], a.addr.data(), af == AF_INET ? 4 : 16);
                }
            }
            if (n == 0)
            {
                h_errno = NO_DATA;
                return nullptr;
            }
            if (!reply.canonicalName.empty())
            {
                canon = reply.canonicalName;
            }
        }
    }
    std::snprintf(canonical, sizeof(canonical), "%s", canon.c_str());
    for (std::size_t i = 0; i < n; ++i)
    {
        list[i] = reinterpret_cast<char*>(addresses[i]);
    }
    list[n] = nullptr;
    aliases[0] = nullptr;
    entry.h_name = canonical;
    entry.h_aliases = aliases;
    entry.h_addrtype = af;
    entry.h_length = af == AF_INET ? 4 : 16;
    entry.h_addr_list = list;
    return &entry;
}

} // namespace

RESOA_EXPORT int
getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** result)
{
    if (node == nullptr)
    {
        return Real().getaddrinfo(node, service, hints, result); // wildcard or loopback
    }
    addrinfo h{};
    if (hints != nullptr)
    {
        h = *hints;
    }
    // AI_ADDRCONFIG would drop IPv4 answers: a pure-ReSoA host has no IPv4 address.
    h.ai_flags &= ~AI_ADDRCONFIG;
    const bool wantCanonical = (h.ai_flags & AI_CANONNAME) != 0;
    h.ai_flags |= AI_NUMERICHOST;
    int rc = Real().getaddrinfo(node, service, &h, result);
    if (rc == 0 || rc != EAI_NONAME || (hints != nullptr && (hints->ai_flags & AI_NUMERICHOST)))
    {
        return rc;
    }
    std::string address;
    if (HostsFile(node, h.ai_family, address))
    {
        return Real().getaddrinfo(address.c_str(), service, &h, result);
    }
    std::uint8_t family = 0;
    switch (h.ai_family)
    {
        case AF_UNSPEC:
            break;
        case AF_INET:
            family = 4;
            break;
        case AF_INET6:
            family = (h.ai_flags & AI_V4MAPPED) != 0 ? 0 : 6;
            break;
        default:
            return EAI_FAMILY;
    }
    ShimResolveReply reply;
    rc = ResolveOnServer(node, family, wantCanonical, reply);
    if (rc != 0)
    {
        return rc;
    }
    // Each address through libc's numeric path: ports, socket types and V4MAPPED as libc
    // does them. glibc frees a list node by node, so the parts can be chained.
    addrinfo numeric = h;
    numeric.ai_flags &= ~AI_CANONNAME;
    addrinfo* head = nullptr;
    addrinfo** tail = &head;
    int last = EAI_NONAME;
    for (const ShimAddress& a : reply.addresses)
    {
        addrinfo* part = nullptr;
        int prc = Real().getaddrinfo(AddressText(a).c_str(), service, &numeric, &part);
        if (prc != 0)
        {
            last = prc;
            continue;
        }
        *tail = part;
        while (*tail != nullptr)
        {
            tail = &(*tail)->ai_next;
        }
    }
    if (head == nullptr)
    {
        return last;
    }
    if (wantCanonical)
    {
        head->ai_canonname =
            ::strdup(reply.canonicalName.empty() ? node : reply.canonicalName.c_str());
    }
    *result = head;
    return 0;
}

RESOA_EXPORT void
freeaddrinfo(addrinfo* list)
{
    Real().freeaddrinfo(list); // every node came from libc's getaddrinfo (chained above)
}

RESOA_EXPORT hostent*
gethostbyname(const char* name)
{
    return HostEntry(name, AF_INET);
}

RESOA_EXPORT hostent*
gethostbyname2(const char* name, int af)
{
    return HostEntry(name, af);
}
