/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * realnet-load selftest: every mode against an in-process server on loopback (the ctest
 * smoke test; no root, no namespaces).
 */
#ifndef RESOA_BENCH_LOAD_SELFTEST_H
#define RESOA_BENCH_LOAD_SELFTEST_H

namespace resoa
{
namespace bench
{

/// Runs the checks, prints one line each. \return 0 if all passed, else 1
int RunSelfTest();

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_LOAD_SELFTEST_H
