/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of `./resoa bench realnet-scale` (bench/realnet-scale/README.md): the kernel's own
 * memory for sockets, which no process's RSS shows.
 */
#ifndef RESOA_BENCH_KERNEL_MEMORY_H
#define RESOA_BENCH_KERNEL_MEMORY_H

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace resoa
{
namespace bench
{

/// The slab caches a TCP socket with an epoll registration takes objects from: the socket
/// itself, its inode, its file, its dentry and its epoll item.
extern const char* const kSocketSlabCaches[5];

/// One /proc/slabinfo line.
struct SlabCache
{
    long activeObjects = 0;
    long objectBytes = 0; //!< objsize
};

/// The kernel's socket memory at one moment.
struct KernelSample
{
    bool slabReadable = false;              //!< /proc/slabinfo could be read (root, SLUB)
    std::map<std::string, SlabCache> slabs; //!< kSocketSlabCaches only; system-wide
    long tcpInUse = -1;    //!< /proc/PID/net/sockstat "TCP: inuse": the process's namespace
    long tcpMemPages = -1; //!< ... "TCP: mem": buffer pages charged to TCP, all namespaces
};

/// \return the slab caches and the TCP line of \p pid's namespace's sockstat now
KernelSample SampleKernel(pid_t pid);

/// \return the other caches SLUB merged with \p cache (its /sys/kernel/slab aliases, sorted):
/// their objects are counted in \p cache's slabinfo line, e.g. TCP's bind buckets in
/// eventpoll_epi's when both are 128 bytes. Empty if it is not merged or sysfs cannot tell.
std::vector<std::string> MergedCaches(const std::string& cache);

/// \return the bytes in \p cache's active objects that \p after has more than \p before
long SlabDeltaBytes(const KernelSample& before,
                    const KernelSample& after,
                    const std::string& cache);

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_KERNEL_MEMORY_H
