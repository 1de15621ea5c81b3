/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * realnet-load's output: one JSON object per run on stdout, which bench-realnet.py parses.
 */
#ifndef RESOA_BENCH_LOAD_REPORT_H
#define RESOA_BENCH_LOAD_REPORT_H

#include "load-clients.h"

#include <string>

namespace resoa
{
namespace bench
{

std::string ToJson(const BulkResult& r, bool upload, double cpuSeconds);
std::string ToJson(const LatencyResult& r);
std::string ToJson(const RpsResult& r, int parallel);

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_LOAD_REPORT_H
