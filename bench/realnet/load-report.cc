/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "load-report.h"

#include <algorithm>
#include <cstdio>

namespace resoa
{
namespace bench
{

namespace
{

std::string
Number(double value)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%.6g", value);
    return text;
}

/// JSON string escaping for the few characters our texts can hold.
std::string
Quoted(const std::string& text)
{
    std::string out = "\"";
    for (char c : text)
    {
        if (c == '"' || c == '\\')
        {
            out += '\\';
        }
        out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
    return out + "\"";
}

std::string
Array(const std::vector<double>& values)
{
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i)
    {
        out += (i ? "," : "") + Number(values[i]);
    }
    return out + "]";
}

std::string
Errors(const ErrorCounts& errors)
{
    std::string out = "{";
    for (const auto& [what, count] : errors)
    {
        out += (out.size() > 1 ? "," : "") + Quoted(what) + ":" + std::to_string(count);
    }
    return out + "}";
}

/// The \p q quantile (0..1) of \p values, nearest rank; 0 if empty.
double
Quantile(std::vector<double> values, double q)
{
    if (values.empty())
    {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(rank, values.size() - 1)];
}

} // namespace

std::string
ToJson(const BulkResult& r, bool upload, double cpuSeconds)
{
    const double gbps = r.seconds > 0 ? static_cast<double>(r.bytes) * 8 / r.seconds / 1e9 : 0;
    return std::string("{\"mode\":\"bulk\",\"direction\":") + (upload ? "\"up\"" : "\"down\"") +
           ",\"ok\":" + (r.ok ? "true" : "false") + ",\"error\":" + Quoted(r.error) +
           ",\"bytes\":" + std::to_string(r.bytes) + ",\"seconds\":" + Number(r.seconds) +
           ",\"gbps\":" + Number(gbps) + ",\"connect_us\":" + Number(r.connectSeconds * 1e6) +
           ",\"cpu_seconds\":" + Number(cpuSeconds) + "}";
}

std::string
ToJson(const LatencyResult& r)
{
    return std::string("{\"mode\":\"latency\",\"count\":") + std::to_string(r.firstByteUs.size()) +
           ",\"seconds\":" + Number(r.seconds) +
           ",\"first_byte_p50_us\":" + Number(Quantile(r.firstByteUs, 0.5)) +
           ",\"first_byte_p99_us\":" + Number(Quantile(r.firstByteUs, 0.99)) +
           ",\"errors\":" + Errors(r.errors) + ",\"connect_us\":" + Array(r.connectUs) +
           ",\"first_byte_us\":" + Array(r.firstByteUs) + "}";
}

std::string
ToJson(const RpsResult& r, int parallel)
{
    const double rps = r.seconds > 0 ? static_cast<double>(r.completed) / r.seconds : 0;
    return std::string("{\"mode\":\"rps\",\"parallel\":") + std::to_string(parallel) +
           ",\"completed\":" + std::to_string(r.completed) + ",\"seconds\":" + Number(r.seconds) +
           ",\"rps\":" + Number(rps) + ",\"latency_p50_us\":" + Number(Quantile(r.latencyUs, 0.5)) +
           ",\"latency_p99_us\":" + Number(Quantile(r.latencyUs, 0.99)) +
           ",\"errors\":" + Errors(r.errors) + "}";
}

} // namespace bench
} // namespace resoa
