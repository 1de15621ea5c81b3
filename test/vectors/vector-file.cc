/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "vector-file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace resoa
{
namespace test
{
namespace
{

std::string
Trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
    {
        return "";
    }
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

int
HexDigit(char c)
{
    if (c >= '0' && c <= '9')
    {
        return c - '0';
    }
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f')
    {
        return c - 'a' + 10;
    }
    return -1;
}

} // namespace

std::string
ParseVector(const std::string& text, VectorFile& out)
{
    std::istringstream in(text);
    std::string line;
    std::string digits;
    int expectLines = 0;
    while (std::getline(in, line))
    {
        const std::string t = Trim(line);
        if (!t.empty() && t[0] == '#')
        {
            const std::string tag = "# expect:";
            if (t.compare(0, tag.size(), tag) == 0)
            {
                out.expect = Trim(t.substr(tag.size()));
                ++expectLines;
            }
            continue;
        }
        for (char c : t)
        {
            if (std::isspace(static_cast<unsigned char>(c)))
            {
                continue;
            }
            if (HexDigit(c) < 0)
            {
                return std::string("not a hex digit: '") + c + "'";
            }
            digits += c;
        }
    }
    if (expectLines != 1)
    {
        return "need exactly one '# expect:' line, found " + std::to_string(expectLines);
    }
    if (digits.size() % 2 != 0)
    {
        return "odd number of hex digits";
    }
    out.bytes.clear();
    for (std::size_t i = 0; i < digits.size(); i += 2)
    {
        out.bytes.push_back(
            static_cast<std::uint8_t>(HexDigit(digits[i]) * 16 + HexDigit(digits[i + 1])));
    }
    return "";
}

std::string
ReadVectorText(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::vector<std::string>
ListVectorNames(const std::string& dir)
{
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    {
        if (entry.path().extension() == ".hex")
        {
            names.push_back(entry.path().stem().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string
FormatVector(const std::vector<std::string>& comment,
             const std::string& expect,
             const std::vector<std::uint8_t>& bytes)
{
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (const std::string& c : comment)
    {
        out += "# " + c + "\n";
    }
    out += "# expect: " + expect + "\n";
    for (std::size_t i = 0; i < bytes.size(); ++i)
    {
        out += kHex[bytes[i] >> 4];
        out += kHex[bytes[i] & 0x0f];
        out += (i % 16 == 15 || i + 1 == bytes.size()) ? "\n" : " ";
    }
    return out;
}

} // namespace test
} // namespace resoa
