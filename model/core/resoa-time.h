/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_TIME_H
#define RESOA_TIME_H

#include <chrono>

namespace resoa
{

/// Time in the sans-I/O core: nanoseconds since an arbitrary epoch chosen by the driver.
/// Every engine takes `now` as an argument; none reads a clock.
using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::nanoseconds;

} // namespace resoa

#endif // RESOA_TIME_H
