/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "config-parser.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace resoa
{
namespace realnet
{

namespace
{

bool
IsBlank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

std::string
Trim(const std::string& text)
{
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && IsBlank(text[begin]))
    {
        ++begin;
    }
    while (end > begin && IsBlank(text[end - 1]))
    {
        --end;
    }
    return text.substr(begin, end - begin);
}

/// Cuts a comment: '#' at the start or after a blank.
std::string
StripComment(const std::string& line)
{
    for (std::size_t i = 0; i < line.size(); ++i)
    {
        if (line[i] == '#' && (i == 0 || IsBlank(line[i - 1])))
        {
            return line.substr(0, i);
        }
    }
    return line;
}

} // namespace

std::vector<ConfigSetting>
ParseConfigText(const std::string& text, const std::string& sourceName)
{
    std::vector<ConfigSetting> settings;
    std::istringstream lines(text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number)
    {
        const std::string content = Trim(StripComment(line));
        if (content.empty())
        {
            continue;
        }
        const std::string origin = sourceName + ":" + std::to_string(number);
        const std::size_t equals = content.find('=');
        const std::string key = equals == std::string::npos ? "" : Trim(content.substr(0, equals));
        if (key.empty() || key.find_first_of(" \t") != std::string::npos)
        {
            throw ConfigError(origin + ": expected 'key = value', got '" + content + "'");
        }
        settings.push_back({key, Trim(content.substr(equals + 1)), origin});
    }
    return settings;
}

std::vector<ConfigSetting>
ReadConfigFile(const std::string& path)
{
    std::ifstream file(path);
    if (!file)
    {
        throw ConfigError(path + ": cannot read config file: " + std::strerror(errno));
    }
    std::ostringstream text;
    text << file.rdbuf();
    return ParseConfigText(text.str(), path);
}

CommandLine
ParseCommandLine(int argc, const char* const* argv)
{
    CommandLine result;
    for (int i = 1; i < argc; ++i)
    {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h")
        {
            result.help = true;
            continue;
        }
        if (arg == "--check-config")
        {
            result.checkConfig = true;
            continue;
        }
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
        {
            throw ConfigError("unexpected argument '" + arg + "' (options are --key=value)");
        }
        std::string key = arg.substr(2);
        std::string value;
        const std::size_t equals = key.find('=');
        if (equals != std::string::npos)
        {
            value = key.substr(equals + 1);
            key = key.substr(0, equals);
        }
        else if (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0)
        {
            value = argv[++i];
        }
        else
        {
            throw ConfigError("--" + key + ": missing value");
        }
        if (key == "config")
        {
            result.configFile = value;
            continue;
        }
        result.settings.push_back({key, value, "--" + key});
    }
    return result;
}

} // namespace realnet
} // namespace resoa
