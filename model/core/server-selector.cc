/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "server-selector.h"

#include <algorithm>

namespace resoa
{

ServerSelector::ServerSelector(std::size_t serverCount,
                               const std::vector<std::uint8_t>& clientAddress,
                               ServerSelectorConfig config)
    : m_config(config)
    , m_count(std::max<std::size_t>(serverCount, 1))
    , m_start(config.start == ServerStartPolicy::Hash ? HashIndex(clientAddress, m_count) : 0)
    , m_current(m_start)
    , m_backoff(config.backoffMin)
{
}

std::size_t
ServerSelector::Current() const
{
    return m_current;
}

std::size_t
ServerSelector::Count() const
{
    return m_count;
}

std::size_t
ServerSelector::StartIndex() const
{
    return m_start;
}

Duration
ServerSelector::OnFailure()
{
    std::size_t next = (m_current + 1) % m_count;
    if (next != m_current)
    {
        ++m_failovers;
    }
    m_current = next;
    if (++m_failedInRound < m_count)
    {
        return Duration::zero(); // servers of this round remain: try the next at once
    }
    m_failedInRound = 0;
    Duration wait = m_backoff;
    m_backoff = std::min(m_backoff * 2, m_config.backoffMax);
    return wait;
}

void
ServerSelector::OnRegistered()
{
    m_failedInRound = 0;
    m_backoff = m_config.backoffMin;
}

std::uint64_t
ServerSelector::GetFailoverCount() const
{
    return m_failovers;
}

Duration
ServerSelector::GetBackoff() const
{
    return m_backoff;
}

std::uint32_t
ServerSelector::Fnv1a32(const std::uint8_t* data, std::size_t len)
{
    std::uint32_t h = 2166136261u;
    for (std::size_t i = 0; i < len; ++i)
    {
        h ^= data[i];
        h *= 16777619u;
    }
    return h;
}

std::size_t
ServerSelector::HashIndex(const std::vector<std::uint8_t>& clientAddress, std::size_t serverCount)
{
    if (serverCount == 0)
    {
        return 0;
    }
    return Fnv1a32(clientAddress.data(), clientAddress.size()) % serverCount;
}

} // namespace resoa
