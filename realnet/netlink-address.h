/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_NETLINK_ADDRESS_H
#define RESOA_REALNET_NETLINK_ADDRESS_H

#include <cstdint>
#include <string>

namespace resoa
{
namespace realnet
{

/**
 * \brief Puts IPv4 addresses on an interface and takes them off again (rtnetlink
 * RTM_NEWADDR / RTM_DELADDR), as `ip address add|del` does, synchronously (the kernel's ACK
 * is awaited; a few microseconds).
 *
 * resoa-serverd uses it for the addresses it leases by DHCP on its clients' behalf. Both
 * calls need CAP_NET_ADMIN, so a serverd with DHCP keeps that capability after its
 * privilege drop.
 */
class NetlinkAddress
{
  public:
    /// \throws std::system_error ENODEV if \p interface does not exist
    explicit NetlinkAddress(const std::string& interface);

    /**
     * Adds \p address (host order) with \p prefixLength (1..32) to the interface.
     * \return false if the interface already had it (it is then not ours to remove)
     * \throws std::system_error with the kernel's errno (EPERM without CAP_NET_ADMIN)
     */
    bool Add(std::uint32_t address, int prefixLength);
    /**
     * Removes \p address from the interface.
     * \return false if it was not there (EADDRNOTAVAIL)
     * \throws std::system_error with the kernel's errno
     */
    bool Remove(std::uint32_t address, int prefixLength);

    int GetInterfaceIndex() const
    {
        return m_index;
    }

  private:
    /// One request; \p noChange is the errno that means "already so". \return false for it
    bool Change(std::uint16_t type,
                std::uint16_t flags,
                std::uint32_t address,
                int prefixLength,
                int noChange,
                const char* verb);
    /// Sends one request and waits for its ACK. \return the kernel's errno (0 = done)
    int Request(std::uint16_t type, std::uint16_t flags, std::uint32_t address, int prefixLength);

    std::string m_interface;
    int m_index = 0;
    std::uint32_t m_sequence = 0;
};

/// \return the prefix length of a netmask in host order (255.255.255.0 -> 24; 0 -> 32)
int PrefixLengthOf(std::uint32_t mask);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_NETLINK_ADDRESS_H
