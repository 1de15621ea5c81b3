/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Test and bench support: one way to start a program inside a network namespace in the
 * background and to stop it again (program-rig's Background, realnet-scale's DaemonProcess).
 */
#ifndef RESOA_TEST_SPAWN_IN_NAMESPACE_H
#define RESOA_TEST_SPAWN_IN_NAMESPACE_H

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace resoa
{
namespace test
{

/**
 * Starts `ip netns exec NS ARGV...` as the leader of a new session (so a signal to its
 * process group reaches its children too), stdin from /dev/null, stdout and stderr to
 * \p logPath (truncated). `ip` execs the program, so the pid is the program's.
 * \return the child's pid (-1 if fork failed)
 */
pid_t SpawnInNamespace(const std::string& ns,
                       const std::vector<std::string>& argv,
                       const std::string& logPath);

/**
 * Reaps \p pid if it has exited, without waiting; then SIGKILLs what its process group left
 * behind. \return true if it had exited, with its exit code in \p status (-1 if a signal
 * ended it)
 */
bool ReapIfExited(pid_t pid, int& status);

/**
 * SIGTERM to \p pid's process group, SIGKILL after \p grace, reaped either way.
 * \return its exit code, -1 if a signal ended it
 */
int StopProcessGroup(pid_t pid, std::chrono::milliseconds grace);

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_SPAWN_IN_NAMESPACE_H
