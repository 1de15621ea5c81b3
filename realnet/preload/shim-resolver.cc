/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: name resolution. glibc's resolver opens its sockets with internal
 * calls the shim cannot see, so on a host without IP it would fail (or, worse, ask a local
 * stub). The EP protocol has no resolver message yet, so names are answered here from
 * numeric addresses and /etc/hosts only, and anything else fails loudly.
 */
#include "shim-real.h"
#include "shim-state.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <strings.h>

#include <cstdio>
#include <cstring>
#include <string>

using resoa::preload::Fail;
using resoa::preload::Real;

namespace
{

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
    h.ai_flags |= AI_NUMERICHOST;
    int rc = Real().getaddrinfo(node, service, &h, result);
    if (rc == 0 || (hints != nullptr && (hints->ai_flags & AI_NUMERICHOST)))
    {
        return rc;
    }
    std::string address;
    if (HostsFile(node, h.ai_family, address))
    {
        return Real().getaddrinfo(address.c_str(), service, &h, result);
    }
    Fail(ENOENT,
         "cannot resolve \"%s\": resolving through resoa-serverd is not implemented yet "
         "(numeric addresses and /etc/hosts only)",
         node);
    return EAI_NONAME;
}

RESOA_EXPORT void
freeaddrinfo(addrinfo* list)
{
    Real().freeaddrinfo(list); // every list came from libc's getaddrinfo
}

RESOA_EXPORT hostent*
gethostbyname(const char* name)
{
    static thread_local hostent entry;
    static thread_local in_addr address;
    static thread_local char* addresses[2];
    static thread_local char* aliases[1];
    static thread_local char canonical[256];
    std::string text = name != nullptr ? name : "";
    if (inet_pton(AF_INET, text.c_str(), &address) != 1)
    {
        std::string found;
        if (name == nullptr || !HostsFile(name, AF_INET, found) ||
            inet_pton(AF_INET, found.c_str(), &address) != 1)
        {
            Fail(ENOENT,
                 "cannot resolve \"%s\": resolving through resoa-serverd is not implemented "
                 "yet (numeric addresses and /etc/hosts only)",
                 text.c_str());
            h_errno = HOST_NOT_FOUND;
            return nullptr;
        }
    }
    std::snprintf(canonical, sizeof(canonical), "%s", text.c_str());
    addresses[0] = reinterpret_cast<char*>(&address);
    addresses[1] = nullptr;
    aliases[0] = nullptr;
    entry.h_name = canonical;
    entry.h_aliases = aliases;
    entry.h_addrtype = AF_INET;
    entry.h_length = sizeof(in_addr);
    entry.h_addr_list = addresses;
    return &entry;
}
