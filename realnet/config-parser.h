/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_CONFIG_PARSER_H
#define RESOA_REALNET_CONFIG_PARSER_H

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/// A configuration mistake. what() is one line that names the file:line or flag, and the key.
class ConfigError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// One `key = value` setting and where it came from.
struct ConfigSetting
{
    std::string key;
    std::string value;
    std::string origin; //!< "serverd.conf:12" or "--interface", for error messages
};

/**
 * \brief Splits config file text into settings.
 *
 * One `key = value` per line; blanks around key and value are trimmed; '#' starts a comment
 * at the start of a line or after a blank (so a value cannot contain " #"); blank lines are
 * skipped. Keys are not checked here (the daemon's schema does that).
 * \param sourceName the file name used in origins and errors
 * \throws ConfigError "FILE:LINE: expected 'key = value'" for any other line
 */
std::vector<ConfigSetting> ParseConfigText(const std::string& text, const std::string& sourceName);

/// Reads \p path and parses it. \throws ConfigError if it cannot be read or parsed
std::vector<ConfigSetting> ReadConfigFile(const std::string& path);

/// What a daemon's command line asked for.
struct CommandLine
{
    std::optional<std::string> configFile; //!< --config FILE
    bool help = false;                     //!< --help or -h
    bool checkConfig = false;              //!< --check-config
    std::vector<ConfigSetting> settings;   //!< every other --key=value / --key value
};

/**
 * \brief Parses `--key=value`, `--key value`, `--config FILE`, `--help`, `-h` and
 * `--check-config`. Every key flag takes a value (booleans too: `--allow-listen=no`).
 * \throws ConfigError for a positional argument or a flag without its value
 */
CommandLine ParseCommandLine(int argc, const char* const* argv);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_CONFIG_PARSER_H
