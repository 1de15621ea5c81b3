/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_COMMAND_LINE_CHECKS_H
#define RESOA_COMMAND_LINE_CHECKS_H

#include "ns3/address.h"

#include <cstdint>
#include <string>

namespace ns3
{
/**
 * \ingroup resoa
 * Strict command-line value checks for the examples and benchmarks. ns-3's CommandLine wraps
 * "-1" into a huge unsigned value and exits with status 1 on junk, so programs take values as
 * text and check them here; each check prints a clear message naming the option and returns
 * false (the program then exits with status 2).
 */
namespace cli
{

/// Fails on an option given without a value (`--bytes`, `--bytes=`).
bool RequireValues(int argc, char* argv[]);
/// Unsigned integer in [lo, hi]: no sign, no junk, no overflow.
bool ParseUnsigned(
    const std::string& name, const std::string& text, uint64_t lo, uint64_t hi, uint64_t& out);
/// Finite number in [lo, hi).
bool ParseFraction(
    const std::string& name, const std::string& text, double lo, double hi, double& out);
/// 0/1/true/false/yes/no.
bool ParseFlag(const std::string& name, const std::string& text, bool& out);

/// "a.b.c.d:port" for an InetSocketAddress, "(none)" otherwise (for examples' output).
std::string Show(const Address& a);

} // namespace cli
} // namespace ns3

#endif // RESOA_COMMAND_LINE_CHECKS_H
