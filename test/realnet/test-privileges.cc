/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Dropping to an unprivileged user with only CAP_NET_RAW, in forked children (a drop cannot
 * be undone), and PacketLink's EPERM without CAP_NET_RAW.
 */
#include "netns-fixture.h"
#include "packet-link.h"
#include "privileges.h"
#include "realnet-test-util.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <system_error>

namespace resoa
{
namespace test
{
namespace
{

using namespace realnet;

/// "CapEff:\t0000000000002000" from /proc/self/status, as a number.
std::uint64_t
ProcCapabilities(const std::string& field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
    {
        if (line.rfind(field + ":", 0) == 0)
        {
            return std::stoull(line.substr(field.size() + 1), nullptr, 16);
        }
    }
    return ~std::uint64_t{0};
}

/// \return why the drop tests cannot run here, if they cannot. (GTEST_SKIP must be in the
/// test body itself: in a helper it would return from the helper only.)
std::optional<std::string>
DropSkipReason()
{
    if (::geteuid() != 0)
    {
        return "needs root to drop privileges";
    }
    if (::getpwnam("nobody") == nullptr)
    {
        return "no user 'nobody'";
    }
    return std::nullopt;
}

TEST(Privileges, CapabilityNames)
{
    EXPECT_EQ(CapabilityName(CAP_NET_RAW), "CAP_NET_RAW");
    EXPECT_EQ(CapabilityName(CAP_NET_BIND_SERVICE), "CAP_NET_BIND_SERVICE");
    EXPECT_EQ(ParseCapability("net_raw"), CAP_NET_RAW);
    EXPECT_EQ(ParseCapability("CAP_NET_BIND_SERVICE"), CAP_NET_BIND_SERVICE);
    EXPECT_EQ(ParseCapability("cap_net_admin"), CAP_NET_ADMIN);
    EXPECT_FALSE(ParseCapability("net_everything").has_value());
}

TEST(Privileges, DropToNobodyKeepsOnlyNetRaw)
{
    if (auto reason = DropSkipReason())
    {
        GTEST_SKIP() << *reason;
    }
    const std::string failure = RunInChild(
        []() -> std::string
        {
            const passwd* nobody = ::getpwnam("nobody");
            const uid_t uid = nobody->pw_uid;
            const gid_t gid = nobody->pw_gid;
            const PrivilegeDrop drop = DropPrivileges("nobody", {CAP_NET_RAW});
            const std::uint64_t netRaw = std::uint64_t{1} << CAP_NET_RAW;
            if (::getuid() != uid || ::geteuid() != uid || ::getgid() != gid || ::getegid() != gid)
            {
                return "uid/gid not changed";
            }
            gid_t groups[4];
            if (::getgroups(4, groups) != 1 || groups[0] != gid)
            {
                return "supplementary groups kept";
            }
            if (ProcCapabilities("CapEff") != netRaw || ProcCapabilities("CapPrm") != netRaw)
            {
                return "capabilities are not exactly CAP_NET_RAW";
            }
            if (ProcCapabilities("CapBnd") != netRaw)
            {
                return "bounding set not reduced";
            }
            if (drop.kept != std::vector<int>{CAP_NET_RAW} || !drop.boundingSetReduced)
            {
                return "wrong report: " + drop.Describe();
            }
            if (drop.Describe() != "running as nobody (uid " + std::to_string(uid) + ", gid " +
                                       std::to_string(gid) + ") with CAP_NET_RAW")
            {
                return "unexpected description: " + drop.Describe();
            }
            // What the capability is kept for: a raw packet socket still opens ...
            const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
            if (fd < 0)
            {
                return "no raw socket after the drop";
            }
            ::close(fd);
            // ... and root's other powers are gone.
            if (::setuid(0) == 0)
            {
                return "could become root again";
            }
            return "";
        });
    EXPECT_EQ(failure, "");
}

TEST(Privileges, KeepingNothingMakesPacketLinkEperm)
{
    if (auto reason = DropSkipReason())
    {
        GTEST_SKIP() << *reason;
    }
    const std::string failure = RunInChild(
        []() -> std::string
        {
            const PrivilegeDrop drop = DropPrivileges("nobody", {});
            if (GetEffectiveCapabilities() != 0 || !drop.kept.empty())
            {
                return "capabilities left: " + drop.Describe();
            }
            try
            {
                PacketLink link("lo");
                return "PacketLink opened without CAP_NET_RAW";
            }
            catch (const std::system_error& e)
            {
                if (e.code().value() != EPERM)
                {
                    return std::string("expected EPERM, got: ") + e.what();
                }
                if (std::string(e.what()).find("CAP_NET_RAW") == std::string::npos)
                {
                    return std::string("message does not name CAP_NET_RAW: ") + e.what();
                }
            }
            return "";
        });
    EXPECT_EQ(failure, "");
}

TEST(Privileges, UnknownUserOrUnheldCapabilityIsRefusedBeforeAnyChange)
{
    if (auto reason = DropSkipReason())
    {
        GTEST_SKIP() << *reason;
    }
    const std::string failure = RunInChild(
        []() -> std::string
        {
            try
            {
                DropPrivileges("resoa-no-such-user", {CAP_NET_RAW});
                return "unknown user accepted";
            }
            catch (const std::system_error& e)
            {
                if (e.code().value() != ENOENT)
                {
                    return std::string("expected ENOENT: ") + e.what();
                }
            }
            if (::getuid() != 0 || GetEffectiveCapabilities() == 0)
            {
                return "changed something before failing";
            }
            // Drop CAP_NET_BIND_SERVICE from this thread, then ask to keep it.
            DropPrivileges("root", {CAP_NET_RAW, CAP_SETUID, CAP_SETGID, CAP_SETPCAP});
            try
            {
                DropPrivileges("nobody", {CAP_NET_BIND_SERVICE});
                return "kept a capability that was not held";
            }
            catch (const std::system_error& e)
            {
                if (e.code().value() != EPERM ||
                    std::string(e.what()).find("CAP_NET_BIND_SERVICE") == std::string::npos)
                {
                    return std::string("expected EPERM naming the capability: ") + e.what();
                }
            }
            return "";
        });
    EXPECT_EQ(failure, "");
}

} // namespace
} // namespace test
} // namespace resoa
