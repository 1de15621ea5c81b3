/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "kernel-memory.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace resoa
{
namespace bench
{

const char* const kSocketSlabCaches[5] = {
    "TCP", "sock_inode_cache", "filp", "dentry", "eventpoll_epi"};

KernelSample
SampleKernel(pid_t pid)
{
    KernelSample s;
    // "name active_objs num_objs objsize ...": slabinfo is system-wide and root-only.
    std::ifstream slab("/proc/slabinfo");
    std::string line;
    while (std::getline(slab, line))
    {
        std::istringstream in(line);
        std::string name;
        SlabCache c;
        long total = 0;
        if (!(in >> name >> c.activeObjects >> total >> c.objectBytes))
        {
            continue; // the two header lines
        }
        s.slabReadable = true;
        for (const char* want : kSocketSlabCaches)
        {
            if (name == want)
            {
                s.slabs[name] = c;
            }
        }
    }
    // /proc/PID/net is the namespace of PID: serverd's, not ours.
    std::ifstream sockstat("/proc/" + std::to_string(pid) + "/net/sockstat");
    while (std::getline(sockstat, line))
    {
        if (line.rfind("TCP:", 0) != 0)
        {
            continue;
        }
        std::istringstream in(line.substr(4));
        std::string key;
        long value = 0;
        while (in >> key >> value)
        {
            if (key == "inuse")
            {
                s.tcpInUse = value;
            }
            else if (key == "mem")
            {
                s.tcpMemPages = value;
            }
        }
    }
    return s;
}

namespace
{

/// \return where /sys/kernel/slab/NAME points ("" if it is a cache of its own)
std::string
SlabLinkTarget(const std::string& name)
{
    char target[256];
    const std::string path = "/sys/kernel/slab/" + name;
    const ssize_t n = ::readlink(path.c_str(), target, sizeof(target) - 1);
    return n > 0 ? std::string(target, n) : std::string();
}

} // namespace

std::vector<std::string>
MergedCaches(const std::string& cache)
{
    std::vector<std::string> out;
    const std::string target = SlabLinkTarget(cache);
    if (target.empty())
    {
        return out;
    }
    // A merged cache is a symlink to ":A-0000128" (say); every name linking there shares it.
    DIR* dir = ::opendir("/sys/kernel/slab");
    if (!dir)
    {
        return out;
    }
    while (const dirent* e = ::readdir(dir))
    {
        const std::string name = e->d_name;
        if (name != cache && name[0] != ':' && SlabLinkTarget(name) == target)
        {
            out.push_back(name);
        }
    }
    ::closedir(dir);
    std::sort(out.begin(), out.end());
    return out;
}

long
SlabDeltaBytes(const KernelSample& before, const KernelSample& after, const std::string& cache)
{
    const auto b = before.slabs.find(cache);
    const auto a = after.slabs.find(cache);
    if (b == before.slabs.end() || a == after.slabs.end())
    {
        return 0;
    }
    return (a->second.activeObjects - b->second.activeObjects) * a->second.objectBytes;
}

} // namespace bench
} // namespace resoa
