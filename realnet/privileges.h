/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_PRIVILEGES_H
#define RESOA_REALNET_PRIVILEGES_H

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/// \return "CAP_NET_RAW" for 13, "cap_41" for a number this file has no name for
std::string CapabilityName(int capability);

/// \return the number of "CAP_NET_RAW" / "cap_net_raw" / "net_raw", or nullopt
std::optional<int> ParseCapability(const std::string& name);

/// \return the calling thread's effective capabilities, as a bit mask (bit n = capability n)
std::uint64_t GetEffectiveCapabilities();

/// \return the calling thread's permitted capabilities, as a bit mask
std::uint64_t GetPermittedCapabilities();

/// What DropPrivileges did.
struct PrivilegeDrop
{
    std::string user;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<int> kept;           //!< effective and permitted after the drop
    bool boundingSetReduced = false; //!< false if CAP_SETPCAP was missing

    /// \return e.g. "running as nobody (uid 65534, gid 65534) with CAP_NET_RAW"
    std::string Describe() const;
};

/**
 * \brief Becomes \p user, keeping only the capabilities in \p keep.
 *
 * The daemons start as root (or with file capabilities), open their raw socket, and then
 * run as an unprivileged user holding CAP_NET_RAW only (plus CAP_NET_BIND_SERVICE for a
 * serverd that lets clients bind low ports, and CAP_NET_ADMIN for a serverd that leases its
 * clients' addresses by DHCP: it adds and removes them on its public interface). Steps: drop every
 * other capability from the bounding set (no exec can regain one), clear ambient capabilities, set
 * the groups to the user's primary group, setresgid, PR_SET_KEEPCAPS + setresuid, then capset(2) so
 * the permitted and effective sets are exactly \p keep. Raw syscalls: libcap is not needed.
 *
 * setresuid/setresgid apply to every thread, but capset only to the caller: call this
 * before starting threads.
 * \throws std::system_error: ENOENT for an unknown user, EPERM if a kept capability is not
 * held now or a step is refused; the process must then exit, as it may be half-dropped
 */
PrivilegeDrop DropPrivileges(const std::string& user, const std::vector<int>& keep);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_PRIVILEGES_H
