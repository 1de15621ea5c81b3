/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "privileges.h"

#include "system-error.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace resoa
{
namespace realnet
{

namespace
{

struct CapabilityEntry
{
    int number;
    const char* name;
};

/// The capabilities a daemon may want to keep or report; others print as numbers.
constexpr CapabilityEntry kCapabilities[] = {
    {CAP_CHOWN, "CAP_CHOWN"},
    {CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE"},
    {CAP_KILL, "CAP_KILL"},
    {CAP_SETGID, "CAP_SETGID"},
    {CAP_SETUID, "CAP_SETUID"},
    {CAP_SETPCAP, "CAP_SETPCAP"},
    {CAP_NET_BIND_SERVICE, "CAP_NET_BIND_SERVICE"},
    {CAP_NET_BROADCAST, "CAP_NET_BROADCAST"},
    {CAP_NET_ADMIN, "CAP_NET_ADMIN"},
    {CAP_NET_RAW, "CAP_NET_RAW"},
    {CAP_SYS_ADMIN, "CAP_SYS_ADMIN"},
    {CAP_SYS_RESOURCE, "CAP_SYS_RESOURCE"},
};

int
Capget(__user_cap_data_struct (&data)[2])
{
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    return static_cast<int>(::syscall(SYS_capget, &header, data));
}

std::uint64_t
Combine(std::uint32_t low, std::uint32_t high)
{
    return static_cast<std::uint64_t>(high) << 32 | low;
}

/// Highest capability number the running kernel knows.
int
LastCapability()
{
    int last = 0; // the kernel may be older or newer than <linux/capability.h>
    while (::prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
    {
        ++last;
    }
    return last;
}

} // namespace

std::string
CapabilityName(int capability)
{
    for (const auto& entry : kCapabilities)
    {
        if (entry.number == capability)
        {
            return entry.name;
        }
    }
    return "cap_" + std::to_string(capability);
}

std::optional<int>
ParseCapability(const std::string& name)
{
    std::string upper;
    for (char c : name)
    {
        upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (upper.rfind("CAP_", 0) != 0)
    {
        upper = "CAP_" + upper;
    }
    for (const auto& entry : kCapabilities)
    {
        if (upper == entry.name)
        {
            return entry.number;
        }
    }
    return std::nullopt;
}

std::uint64_t
GetEffectiveCapabilities()
{
    __user_cap_data_struct data[2] = {};
    if (Capget(data) < 0)
    {
        return 0;
    }
    return Combine(data[0].effective, data[1].effective);
}

std::uint64_t
GetPermittedCapabilities()
{
    __user_cap_data_struct data[2] = {};
    if (Capget(data) < 0)
    {
        return 0;
    }
    return Combine(data[0].permitted, data[1].permitted);
}

std::string
PrivilegeDrop::Describe() const
{
    std::string text = "running as " + user + " (uid " + std::to_string(uid) + ", gid " +
                       std::to_string(gid) + ") with ";
    if (kept.empty())
    {
        text += "no capabilities";
    }
    for (std::size_t i = 0; i < kept.size(); ++i)
    {
        text += (i > 0 ? ", " : "") + CapabilityName(kept[i]);
    }
    if (!boundingSetReduced)
    {
        text += " (bounding set unchanged: CAP_SETPCAP was missing)";
    }
    return text;
}

PrivilegeDrop
DropPrivileges(const std::string& user, const std::vector<int>& keep)
{
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    const int rc = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc != 0 || found == nullptr)
    {
        ThrowErrno(rc != 0 ? rc : ENOENT, "privileges: no user '" + user + "'");
    }
    PrivilegeDrop result;
    result.user = user;
    result.uid = entry.pw_uid;
    result.gid = entry.pw_gid;

    std::uint64_t keepMask = 0;
    for (int cap : keep)
    {
        keepMask |= std::uint64_t{1} << cap;
    }
    const std::uint64_t missing = keepMask & ~GetPermittedCapabilities();
    for (int cap : keep)
    {
        if ((missing >> cap) & 1)
        {
            ThrowErrno(EPERM, "privileges: cannot keep " + CapabilityName(cap) + ": not held");
        }
    }

    // Bounding set: needs CAP_SETPCAP, which root has; without it the drop below still
    // holds, only exec of a file with capabilities could regain more.
    result.boundingSetReduced = true;
    const int last = LastCapability();
    for (int cap = 0; cap <= last; ++cap)
    {
        if (((keepMask >> cap) & 1) == 0 && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        {
            result.boundingSetReduced = false;
            break;
        }
    }
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

    if (::setgroups(1, &result.gid) < 0)
    {
        ThrowErrno(errno, "privileges: setgroups");
    }
    if (::setresgid(result.gid, result.gid, result.gid) < 0)
    {
        ThrowErrno(errno, "privileges: setresgid(" + std::to_string(result.gid) + ")");
    }
    // Without KEEPCAPS, leaving uid 0 clears the permitted set.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    {
        ThrowErrno(errno, "privileges: PR_SET_KEEPCAPS");
    }
    if (::setresuid(result.uid, result.uid, result.uid) < 0)
    {
        ThrowErrno(errno, "privileges: setresuid(" + std::to_string(result.uid) + ")");
    }
    ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);

    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    data[0].permitted = data[0].effective = static_cast<std::uint32_t>(keepMask);
    data[1].permitted = data[1].effective = static_cast<std::uint32_t>(keepMask >> 32);
    if (::syscall(SYS_capset, &header, data) < 0)
    {
        ThrowErrno(errno, "privileges: capset");
    }

    // Check rather than trust: report what the kernel says we hold.
    const std::uint64_t effective = GetEffectiveCapabilities();
    if (effective != keepMask || GetPermittedCapabilities() != keepMask ||
        ::getuid() != result.uid || ::geteuid() != result.uid || ::getgid() != result.gid)
    {
        ThrowErrno(EPERM, "privileges: the kernel did not apply the drop as asked");
    }
    for (int cap = 0; cap < 64; ++cap)
    {
        if ((effective >> cap) & 1)
        {
            result.kept.push_back(cap);
        }
    }
    return result;
}

} // namespace realnet
} // namespace resoa
