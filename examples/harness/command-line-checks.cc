/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "command-line-checks.h"

#include "ns3/inet-socket-address.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace ns3
{
namespace cli
{

/// CommandLine exits with status 1 on an option given without a value (`--bytes`,
/// `--bytes=`); catch that first so every bad value ends the same way.
bool
RequireValues(int argc, char* argv[])
{
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        const bool option = a.rfind("--", 0) == 0 && a != "--help" && a.rfind("--Print", 0) != 0;
        if (option && (a.find('=') == std::string::npos || a.back() == '='))
        {
            std::cerr << "error: " << a << " needs a value (--name=value)\n";
            return false;
        }
    }
    return true;
}

/// Strict unsigned integer in [lo, hi]: no sign, no junk, no overflow (CommandLine's own
/// parser wraps "-1" and exits with status 1 on junk, so values arrive here as text).
bool
ParseUnsigned(
    const std::string& name, const std::string& text, uint64_t lo, uint64_t hi, uint64_t& out)
{
    char* end = nullptr;
    errno = 0;
    unsigned long long v = text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))
                               ? 0
                               : std::strtoull(text.c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || errno == ERANGE || v < lo || v > hi)
    {
        std::cerr << "error: --" << name << " must be an integer in [" << lo << ", " << hi
                  << "], got '" << text << "'\n";
        return false;
    }
    out = v;
    return true;
}

/// Strict finite number in [lo, hi).
bool
ParseFraction(const std::string& name, const std::string& text, double lo, double hi, double& out)
{
    char* end = nullptr;
    double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
    if (end == nullptr || *end != '\0' || !std::isfinite(v) || v < lo || v >= hi)
    {
        std::cerr << "error: --" << name << " must be a number in [" << lo << ", " << hi
                  << "), got '" << text << "'\n";
        return false;
    }
    out = v;
    return true;
}

bool
ParseFlag(const std::string& name, const std::string& text, bool& out)
{
    if (text == "1" || text == "true" || text == "yes")
    {
        out = true;
        return true;
    }
    if (text == "0" || text == "false" || text == "no")
    {
        out = false;
        return true;
    }
    std::cerr << "error: --" << name << " must be 0/1/true/false, got '" << text << "'\n";
    return false;
}

std::string
Show(const Address& a)
{
    if (!InetSocketAddress::IsMatchingType(a))
    {
        return "(none)";
    }
    InetSocketAddress i = InetSocketAddress::ConvertFrom(a);
    std::ostringstream os;
    os << i.GetIpv4() << ":" << i.GetPort();
    return os.str();
}

} // namespace cli
} // namespace ns3
