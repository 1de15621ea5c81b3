/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_CONFIG_SCHEMA_H
#define RESOA_REALNET_CONFIG_SCHEMA_H

#include "config-parser.h"
#include "config-values.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/**
 * \brief The keys of one daemon's config struct T: how to set, print and explain each one.
 *
 * One table drives the file, the flags, --help and --check-config, so a key cannot be
 * accepted by one and unknown to another.
 */
template<typename T>
class ConfigSchema
{
  public:
    /// Parses a value into the config. \throws BadValue saying what was expected
    using Setter = std::function<void(T& config, const std::string& value)>;
    /// Prints the key's current value in a form the setter accepts.
    using Getter = std::function<std::string(const T& config)>;

    /// Adds a key. \p valueHelp names the value in --help ("NAME", "LIST OF MAC").
    void Add(std::string key, std::string valueHelp, std::string help, Setter set, Getter get)
    {
        m_keys.push_back({std::move(key),
                          std::move(valueHelp),
                          std::move(help),
                          std::move(set),
                          std::move(get)});
    }

    /**
     * Applies \p settings in order; a later setting of a key replaces an earlier one.
     * \throws ConfigError naming the origin and key, for an unknown key or a bad value
     */
    void Apply(T& config, const std::vector<ConfigSetting>& settings) const
    {
        for (const ConfigSetting& setting : settings)
        {
            // A flag's origin already names the key ("--pcap"); a file line's does not.
            const std::string where = setting.origin.rfind("--", 0) == 0
                                          ? setting.origin
                                          : setting.origin + ": " + setting.key;
            const Key* key = Find(setting.key);
            if (key == nullptr)
            {
                throw ConfigError(where + ": unknown key (see --help)");
            }
            try
            {
                key->set(config, setting.value);
            }
            catch (const BadValue& e)
            {
                throw ConfigError(where + ": bad value '" + setting.value + "': " + e.what());
            }
        }
    }

    /// \return every key as a `key = value` line, in schema order (a valid config file)
    std::string Format(const T& config) const
    {
        std::string text;
        for (const Key& key : m_keys)
        {
            text += key.name + " = " + key.get(config) + "\n";
        }
        return text;
    }

    /// \return one help line per key, with its default taken from \p defaults
    std::string Help(const T& defaults) const
    {
        std::string text;
        for (const Key& key : m_keys)
        {
            std::string flag = "  --" + key.name + " " + key.valueHelp;
            flag.resize(std::max<std::size_t>(flag.size() + 1, 36), ' ');
            const std::string value = key.get(defaults);
            text += flag + key.help + (value.empty() ? "" : " [" + value + "]") + "\n";
        }
        return text;
    }

  private:
    struct Key
    {
        std::string name;
        std::string valueHelp;
        std::string help;
        Setter set;
        Getter get;
    };

    const Key* Find(const std::string& name) const
    {
        for (const Key& key : m_keys)
        {
            if (key.name == name)
            {
                return &key;
            }
        }
        return nullptr;
    }

    std::vector<Key> m_keys;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_CONFIG_SCHEMA_H
