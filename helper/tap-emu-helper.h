/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_TAP_EMU_HELPER_H
#define RESOA_TAP_EMU_HELPER_H

#include "ns3/fd-net-device-helper.h"
#include "ns3/fd-net-device.h"
#include "ns3/ipv4-address.h"
#include "ns3/mac48-address.h"

#include <string>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief Creates a Linux tap device (optionally inside a named network namespace) and attaches
 * an FdNetDevice to it, with no helper binary.
 *
 * ns-3's TapFdNetDeviceHelper and TapBridge exec a "tap-creator" program; Debian's ns-3 3.37
 * packages carry its build-time path (/build/ns3-.../ns3.37-tap-creator), so both fail at
 * execlp. This helper does the creator's work in-process, before the simulation runs:
 *
 *  1. if a namespace is set, a short-lived thread joins it (setns(CLONE_NEWNET) on
 *     /run/netns/NAME; a thread, so the rest of the process stays where it was);
 *  2. opens /dev/net/tun and creates the tap with TUNSETIFF (IFF_TAP | IFF_NO_PI): the device
 *     is created in the namespace of the thread that asks, and the file descriptor keeps
 *     working from any namespace;
 *  3. sets its MAC address, MTU and (if given) an IPv4 address, and brings it up, with ioctls
 *     on a socket opened in that namespace;
 *  4. creates the FdNetDevice (FdNetDeviceHelper::InstallPriv, DIX encapsulation, the tap's
 *     MTU) and hands it the descriptor.
 *
 * It needs CAP_NET_ADMIN (TUNSETIFF), and CAP_SYS_ADMIN to join another namespace; without
 * them, or without /dev/net/tun, Install stops the program with NS_FATAL_ERROR and the reason
 * (TryInstall returns the reason instead). No external command is run and nothing blocks once
 * the simulation runs: FdNetDevice reads the tap in its own thread and schedules each frame
 * into the simulator.
 *
 * Cleanup: the tap is not persistent, so the kernel removes it when its last descriptor
 * closes: when the FdNetDevice stops (Simulator::Destroy disposes it, which closes the fd) or
 * when the process exits, whichever comes first; a crash cannot leak it. The descriptor is
 * close-on-exec, so programs the process starts do not keep the tap alive.
 *
 * The kernel side of the tap is the real host's network interface. Its MAC address is what
 * the host uses as Ethernet source (SetTapMacAddress; default: a random locally administered
 * address, readable with GetTapMacAddress after Install). The FdNetDevice itself keeps an
 * address of its own (ns-3 allocates one), like the far end of a cable.
 *
 * Run the simulation in real time with EnableRealtime() (RealtimeSimulatorImpl and
 * ChecksumEnabled). Pcap: EnablePcap from FdNetDeviceHelper works on the devices made here.
 */
class TapEmuHelper : public FdNetDeviceHelper
{
  public:
    TapEmuHelper();

    /**
     * \param name the tap's interface name (at most 15 characters); default "emu%d", which
     *        the kernel numbers
     */
    void SetTapName(const std::string& name);
    /**
     * \param ns the network namespace to create the tap in: a name from `ip netns` (its
     *        /run/netns/ entry) or an absolute path to a namespace file (/proc/PID/ns/net);
     *        "" (the default) is the process's own namespace
     */
    void SetNamespace(const std::string& ns);
    /// \param mac the tap's kernel-side MAC address (the real host's)
    void SetTapMacAddress(Mac48Address mac);
    /// Lets the kernel choose a random MAC for the tap again (the default).
    void SetRandomTapMacAddress();
    /// \param mtu the tap's MTU and its FdNetDevice's (default 1500)
    void SetTapMtu(uint16_t mtu);
    /**
     * Gives the tap an IPv4 address (none by default: a pure-ReSoA client has none).
     * \param address the address
     * \param mask its network mask
     */
    void SetTapIpv4Address(Ipv4Address address, Ipv4Mask mask);
    /// Gives the tap no IPv4 address (the default).
    void ClearTapIpv4Address();

    /**
     * Like Install(Ptr<Node>), but returns null and sets `error` instead of aborting.
     * \param node the node to add the FdNetDevice to
     * \param error set to why it failed (unchanged on success)
     * \return the new device, or null
     */
    Ptr<FdNetDevice> TryInstall(Ptr<Node> node, std::string& error) const;

    /// \return the interface name the kernel gave the last tap made (e.g. "emu0")
    std::string GetTapName() const;
    /// \return the kernel-side MAC address of the last tap made
    Mac48Address GetTapMacAddress() const;

    /**
     * \return "" if this process can create taps in its own namespace (/dev/net/tun exists
     *         and CAP_NET_ADMIN is in the effective set), else the reason
     */
    static std::string CheckPrerequisites();

    /**
     * Selects the real-time simulator (SimulatorImplementationType =
     * ns3::RealtimeSimulatorImpl, best-effort synchronisation) and turns on ChecksumEnabled,
     * which emulation needs: real hosts check checksums. Call before any Simulator use.
     */
    static void EnableRealtime();

  protected:
    /// Creates the FdNetDevice and the tap (aborts with the reason on failure).
    Ptr<NetDevice> InstallPriv(Ptr<Node> node) const override;

  private:
    /// Opens the tap as configured; on failure returns -1 and sets `error`.
    int OpenTap(std::string& error) const;

    std::string m_tapName;
    std::string m_namespace;
    bool m_haveMac = false;
    Mac48Address m_tapMac;
    uint16_t m_mtu = 1500;
    bool m_haveIpv4 = false;
    Ipv4Address m_ipv4;
    Ipv4Mask m_ipv4Mask;
    mutable std::string m_lastName; //!< kernel's name of the last tap made
    mutable Mac48Address m_lastMac; //!< its MAC
};

} // namespace ns3

#endif // RESOA_TAP_EMU_HELPER_H
