/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Small helpers shared by the realnet tests.
 */
#ifndef RESOA_TEST_REALNET_TEST_UTIL_H
#define RESOA_TEST_REALNET_TEST_UTIL_H

#include "packet-link.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace resoa
{
namespace test
{

/**
 * Receives from \p link until \p count frames have arrived or \p timeout has passed
 * (waiting with poll, so a test never spins).
 * \return every frame received, in arrival order
 */
std::vector<realnet::ReceivedFrame> ReceiveFrames(realnet::PacketLink& link,
                                                  std::size_t count,
                                                  std::chrono::milliseconds timeout);

/**
 * Runs \p body in a forked child (for steps that cannot be undone, such as dropping
 * privileges) and returns what it returned: "" for success, else a failure message. An
 * exception or a crash in the child becomes a message too.
 */
std::string RunInChild(const std::function<std::string()>& body);

/// \return how often \p text occurs in \p log
int Count(const std::string& log, const std::string& text);
/// \return the value of `field=` on the last line of \p log that contains \p key, or ""
std::string Field(const std::string& log, const std::string& key, const std::string& field);

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_REALNET_TEST_UTIL_H
