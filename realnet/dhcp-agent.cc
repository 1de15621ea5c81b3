/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "dhcp-agent.h"

#include "config-values.h"
#include "system-error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace resoa
{
namespace realnet
{

UniqueFd
DhcpAgent::OpenSocket(const std::string& interface)
{
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd)
    {
        ThrowErrno(errno, "dhcp: socket");
    }
    const int on = 1;
    if (::setsockopt(fd.Get(), SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) < 0 ||
        ::setsockopt(fd.Get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
    {
        ThrowErrno(errno, "dhcp: setsockopt");
    }
    // Replies and broadcasts from the public link only, and sends out of it.
    if (::setsockopt(fd.Get(),
                     SOL_SOCKET,
                     SO_BINDTODEVICE,
                     interface.c_str(),
                     static_cast<socklen_t>(interface.size())) < 0)
    {
        ThrowErrno(errno, "dhcp: SO_BINDTODEVICE " + interface);
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(kDhcpClientPort);
    local.sin_addr.s_addr = htonl(INADDR_ANY);
    if (::bind(fd.Get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) < 0)
    {
        ThrowErrno(errno, "dhcp: bind to UDP port 68 on " + interface);
    }
    return fd;
}

DhcpAgent::DhcpAgent(EventLoop& loop, UniqueFd socket, DhcpAgentConfig config, Logger* log)
    : m_loop(loop)
    , m_socket(std::move(socket))
    , m_config(std::move(config))
    , m_log(log)
    , m_netlink(m_config.interface)
    , m_xid(std::random_device{}())
{
    m_loop.Watch(m_socket.Get(), EventLoop::kReadable, [this](std::uint32_t) { OnReadable(); });
}

DhcpAgent::~DhcpAgent()
{
    m_outcome = nullptr;
    const TimePoint now = EventLoop::Now();
    while (!m_leases.empty())
    {
        Release(m_leases.begin()->first, now);
    }
    m_loop.Unwatch(m_socket.Get());
}

void
DhcpAgent::SetOutcomeCallback(OutcomeCallback callback)
{
    m_outcome = std::move(callback);
}

void
DhcpAgent::Acquire(std::uint64_t key, const MacAddress& mac, TimePoint now)
{
    Release(key, now);
    DhcpLeaseConfig c;
    std::copy(mac.begin(), mac.end(), c.mac.begin());
    c.xid = std::uniform_int_distribution<std::uint32_t>(1, 0xFFFFFFFEu)(m_xid);
    c.sendClientId = m_config.sendClientId;
    c.retransmit = m_config.retransmit;
    c.acquireTimeout = m_config.acquireTimeout;
    Entry& e = m_leases[key];
    e.lease = std::make_unique<DhcpLease>(c);
    e.lease->Start(now);
    std::vector<Outcome> outcomes;
    Pump(key, outcomes);
    Report(outcomes);
}

void
DhcpAgent::Release(std::uint64_t key, TimePoint now)
{
    auto it = m_leases.find(key);
    if (it == m_leases.end())
    {
        return;
    }
    Entry& e = it->second;
    RemoveAddress(e);
    // A client that reconnected holds the same MAC's lease in its new session: giving it
    // back would take the new session's address away.
    const bool shared = MacHeldElsewhere(key, e.lease->GetConfig().mac);
    e.lease->Release(now);
    while (auto bytes = e.lease->PollOutgoing())
    {
        if (!shared)
        {
            Send(*bytes);
        }
    }
    if (m_log != nullptr)
    {
        m_log->Info(
            "dhcp: released the lease of session " + std::to_string(key) +
            (shared ? " (its MAC is leased again by a newer session: no DHCPRELEASE)" : ""));
    }
    m_stats.leases += e.lease->GetStats();
    m_leases.erase(it);
}

bool
DhcpAgent::MacHeldElsewhere(std::uint64_t key, const std::array<std::uint8_t, 6>& mac) const
{
    for (const auto& [other, e] : m_leases)
    {
        if (other != key && e.lease->GetConfig().mac == mac)
        {
            return true;
        }
    }
    return false;
}

void
DhcpAgent::OnReadable()
{
    std::uint8_t buf[1500];
    std::vector<Outcome> outcomes;
    for (;;)
    {
        const ssize_t n = ::recv(m_socket.Get(), buf, sizeof(buf), 0);
        if (n < 0)
        {
            break; // EAGAIN: all read (other errors: the next readable event retries)
        }
        DhcpMessage m;
        if (DecodeDhcp(buf, static_cast<std::size_t>(n), m) != DecodeError::Ok)
        {
            m_stats.undecodable++;
            continue;
        }
        const TimePoint now = EventLoop::Now();
        bool matched = false;
        for (auto& [key, e] : m_leases)
        {
            if (e.lease->OnMessage(m, now))
            {
                matched = true;
                Pump(key, outcomes);
                break;
            }
        }
        if (!matched)
        {
            m_stats.unmatched++;
        }
    }
    Report(outcomes);
}

void
DhcpAgent::Send(const std::vector<std::uint8_t>& bytes)
{
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(kDhcpServerPort);
    to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
    if (::sendto(m_socket.Get(),
                 bytes.data(),
                 bytes.size(),
                 0,
                 reinterpret_cast<sockaddr*>(&to),
                 sizeof(to)) < 0)
    {
        m_stats.sendErrors++;
        if (m_log != nullptr)
        {
            m_log->LogLimited(
                LogLevel::Warning, "dhcp-send", std::string("dhcp: send: ") + std::strerror(errno));
        }
    }
}

void
DhcpAgent::Pump(std::uint64_t key, std::vector<Outcome>& outcomes)
{
    Entry& e = m_leases.at(key);
    while (auto bytes = e.lease->PollOutgoing())
    {
        if (m_log != nullptr && bytes->size() > 242)
        {
            m_log->Debug("dhcp: session " + std::to_string(key) + ": sending " +
                         ToString(static_cast<DhcpType>((*bytes)[242])));
        }
        Send(*bytes);
    }
    while (auto ev = e.lease->PollEvent())
    {
        if (ev->kind == DhcpLeaseEvent::Kind::Bound)
        {
            e.prefixLength = PrefixLengthOf(e.lease->GetSubnetMask());
            e.added = ev->address;
            if (!AddAddress(e))
            {
                // A lease the kernel cannot carry is no lease: give it back, report none.
                e.lease->Release(EventLoop::Now());
                while (auto release = e.lease->PollOutgoing())
                {
                    Send(*release);
                }
                outcomes.push_back({key,
                                    {DhcpLeaseEvent::Kind::Failed,
                                     DhcpLeaseEvent::Reason::None,
                                     ev->address,
                                     ev->expiry}});
                continue;
            }
        }
        else if (ev->kind == DhcpLeaseEvent::Kind::Lost)
        {
            RemoveAddress(e);
        }
        outcomes.push_back({key, *ev});
    }
    const DhcpLease::State s = e.lease->GetState();
    if (s == DhcpLease::State::Failed || s == DhcpLease::State::Expired ||
        s == DhcpLease::State::Released)
    {
        m_stats.leases += e.lease->GetStats();
        m_leases.erase(key); // final: nothing left to do for this key
    }
}

void
DhcpAgent::Report(const std::vector<Outcome>& outcomes)
{
    for (const Outcome& o : outcomes)
    {
        if (m_log != nullptr)
        {
            static const char* const kKinds[] = {"bound", "renewed", "failed", "lost"};
            static const char* const kReasons[] = {"", " (timeout)", " (NAK)", " (expired)"};
            m_log->Info("dhcp: session " + std::to_string(o.key) + ": " +
                        kKinds[static_cast<int>(o.event.kind)] +
                        kReasons[static_cast<int>(o.event.reason)] + " " +
                        FormatIpv4(o.event.address));
        }
        if (m_outcome)
        {
            m_outcome(o.key, o.event); // may Acquire or Release: nothing of ours used after
        }
    }
}

std::optional<TimePoint>
DhcpAgent::NextDeadline() const
{
    std::optional<TimePoint> due;
    for (const auto& entry : m_leases)
    {
        if (auto d = entry.second.lease->NextDeadline(); d && (!due || *d < *due))
        {
            due = d;
        }
    }
    return due;
}

void
DhcpAgent::HandleDeadline(TimePoint now)
{
    std::vector<std::uint64_t> due;
    for (const auto& [key, e] : m_leases)
    {
        if (auto d = e.lease->NextDeadline(); d && *d <= now)
        {
            due.push_back(key);
        }
    }
    std::vector<Outcome> outcomes;
    for (std::uint64_t key : due)
    {
        m_leases.at(key).lease->HandleDeadline(now);
        Pump(key, outcomes);
    }
    Report(outcomes);
}

bool
DhcpAgent::AddAddress(Entry& e)
{
    if (m_addressUsers[e.added]++ > 0)
    {
        return true; // another of our leases put it there already
    }
    try
    {
        if (!m_netlink.Add(e.added, e.prefixLength))
        {
            // Configured by someone else: usable, but not ours to remove.
            m_addressUsers.erase(e.added);
            e.added = 0;
        }
        return true;
    }
    catch (const std::system_error& err)
    {
        m_addressUsers.erase(e.added);
        e.added = 0;
        if (m_log != nullptr)
        {
            m_log->Error(std::string("dhcp: ") + err.what());
        }
        return false;
    }
}

void
DhcpAgent::RemoveAddress(Entry& e)
{
    if (e.added == 0)
    {
        return;
    }
    const std::uint32_t a = std::exchange(e.added, 0);
    auto it = m_addressUsers.find(a);
    if (it != m_addressUsers.end() && --it->second > 0)
    {
        return;
    }
    m_addressUsers.erase(a);
    try
    {
        m_netlink.Remove(a, e.prefixLength);
    }
    catch (const std::system_error& err)
    {
        if (m_log != nullptr)
        {
            m_log->Error(std::string("dhcp: ") + err.what());
        }
    }
}

std::uint32_t
DhcpAgent::GetAddress(std::uint64_t key) const
{
    auto it = m_leases.find(key);
    return it == m_leases.end() ? 0 : it->second.lease->GetAddress();
}

std::size_t
DhcpAgent::GetLeaseCount() const
{
    return m_leases.size();
}

DhcpAgentStats
DhcpAgent::GetStats() const
{
    DhcpAgentStats s = m_stats;
    for (const auto& entry : m_leases)
    {
        s.leases += entry.second.lease->GetStats();
    }
    return s;
}

} // namespace realnet
} // namespace resoa
