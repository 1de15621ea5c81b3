/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
// EpServer: completing a registration, and 1-to-1 addresses from a driver's provider
// (e.g. DHCP on the client's behalf) instead of the pool.
#include "ep-server.h"

namespace resoa
{

void
EpServer::SetAddressProvider(EpAddressProviderHook provider)
{
    m_addressProvider = std::move(provider);
}

bool
EpServer::AwaitsAddress(std::uint64_t sessionId) const
{
    auto it = m_sessions.find(sessionId);
    return it != m_sessions.end() && it->second.awaitingAddress.has_value();
}

void
EpServer::OnAddressAssigned(std::uint64_t sessionId,
                            std::uint32_t ipv4,
                            bool fallBackToNTo1,
                            std::int32_t error)
{
    Session* s = FindSession(sessionId);
    if (s == nullptr || !s->awaitingAddress)
    {
        return;
    }
    const auto [requestId, socketLimit] = *s->awaitingAddress;
    s->awaitingAddress.reset();
    if (ipv4 != 0)
    {
        CompleteRegistration(*s, requestId, EpAddrMode::OneTo1, ipv4, false, socketLimit);
        return;
    }
    if (fallBackToNTo1 && m_config.allowNTo1)
    {
        CompleteRegistration(
            *s, requestId, EpAddrMode::NTo1, m_config.serverIpv4, false, socketLimit);
        return;
    }
    m_stats.registrationsDenied++;
    EpMessage r;
    r.type = EpType::Registered;
    r.requestId = requestId;
    r.addrMode = EpAddrMode::OneTo1;
    r.error = error != 0 ? error : ep_errno::kEaddrnotavail;
    Queue(s->id, r);
}

void
EpServer::CompleteRegistration(Session& s,
                               std::uint32_t requestId,
                               EpAddrMode mode,
                               std::uint32_t ipv4,
                               bool fromPool,
                               std::uint16_t socketLimit)
{
    s.registered = true;
    ++m_registeredClients;
    s.addrMode = mode;
    s.poolAddress = fromPool;
    s.publicIpv4 = ipv4;
    if (s.poolAddress)
    {
        m_poolInUse.insert(s.publicIpv4);
    }
    s.socketLimit = socketLimit;
    EpMessage r;
    r.type = EpType::Registered;
    r.requestId = requestId;
    r.addrMode = s.addrMode;
    r.ipv4 = s.publicIpv4;
    r.socketLimit = s.socketLimit;
    Queue(s.id, r);
}

} // namespace resoa
