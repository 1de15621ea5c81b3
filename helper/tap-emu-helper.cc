/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "tap-emu-helper.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/global-value.h"
#include "ns3/log.h"
#include "ns3/string.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("TapEmuHelper");

namespace
{

/// "what: strerror(errno)", with a hint for the privilege errors.
std::string
ErrnoMessage(const std::string& what, int err)
{
    std::string msg = what + ": " + std::strerror(err);
    if (err == EPERM || err == EACCES)
    {
        msg += " (creating a tap needs CAP_NET_ADMIN, joining a namespace CAP_SYS_ADMIN: run as "
               "root)";
    }
    return msg;
}

/// Closes a descriptor when it goes out of scope.
struct FdCloser
{
    int fd = -1;

    ~FdCloser()
    {
        if (fd >= 0)
        {
            ::close(fd);
        }
    }
};

/// The ioctl request for a socket, with an error message on failure.
bool
IfIoctl(int sock, unsigned long request, ifreq& ifr, const char* what, std::string& error)
{
    if (::ioctl(sock, request, &ifr) < 0)
    {
        error = ErrnoMessage(std::string(what) + " on " + ifr.ifr_name, errno);
        return false;
    }
    return true;
}

} // namespace

TapEmuHelper::TapEmuHelper()
    : m_tapName("emu%d")
{
}

void
TapEmuHelper::SetTapName(const std::string& name)
{
    NS_ABORT_MSG_IF(name.empty() || name.size() >= IFNAMSIZ,
                    "TapEmuHelper: tap name '" << name << "' must have 1 to " << IFNAMSIZ - 1
                                               << " characters");
    m_tapName = name;
}

void
TapEmuHelper::SetNamespace(const std::string& ns)
{
    m_namespace = ns;
}

void
TapEmuHelper::SetTapMacAddress(Mac48Address mac)
{
    m_haveMac = true;
    m_tapMac = mac;
}

void
TapEmuHelper::SetRandomTapMacAddress()
{
    m_haveMac = false;
}

void
TapEmuHelper::SetTapMtu(uint16_t mtu)
{
    NS_ABORT_MSG_IF(mtu < 68, "TapEmuHelper: MTU " << mtu << " is below IPv4's minimum of 68");
    m_mtu = mtu;
}

void
TapEmuHelper::SetTapIpv4Address(Ipv4Address address, Ipv4Mask mask)
{
    m_haveIpv4 = true;
    m_ipv4 = address;
    m_ipv4Mask = mask;
}

void
TapEmuHelper::ClearTapIpv4Address()
{
    m_haveIpv4 = false;
}

std::string
TapEmuHelper::GetTapName() const
{
    return m_lastName;
}

Mac48Address
TapEmuHelper::GetTapMacAddress() const
{
    return m_lastMac;
}

std::string
TapEmuHelper::CheckPrerequisites()
{
    if (::access("/dev/net/tun", F_OK) != 0)
    {
        return "/dev/net/tun does not exist (load the tun module, or give the container the "
               "device)";
    }
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
    {
        if (line.rfind("CapEff:", 0) == 0)
        {
            const unsigned long long caps = std::stoull(line.substr(7), nullptr, 16);
            const unsigned capNetAdmin = 12;
            if ((caps & (1ULL << capNetAdmin)) == 0)
            {
                return "CAP_NET_ADMIN is not in the effective capability set (run as root)";
            }
            return "";
        }
    }
    return "";
}

void
TapEmuHelper::EnableRealtime()
{
    GlobalValue::Bind("SimulatorImplementationType", StringValue("ns3::RealtimeSimulatorImpl"));
    GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));
}

int
TapEmuHelper::OpenTap(std::string& error) const
{
    int tapFd = -1;
    std::string name;
    uint8_t mac[6] = {};
    std::string err;

    // All of it in one short-lived thread: setns() changes the calling thread's namespace
    // only, and the tap is created in the namespace of the thread that calls TUNSETIFF.
    auto work = [&]()
    {
        if (!m_namespace.empty())
        {
            const std::string path =
                m_namespace[0] == '/' ? m_namespace : "/run/netns/" + m_namespace;
            FdCloser ns{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
            if (ns.fd < 0)
            {
                err = ErrnoMessage("cannot open network namespace " + path, errno);
                return;
            }
            if (::setns(ns.fd, CLONE_NEWNET) < 0)
            {
                err = ErrnoMessage("cannot join network namespace " + path, errno);
                return;
            }
        }
        FdCloser tun{::open("/dev/net/tun", O_RDWR | O_CLOEXEC)};
        if (tun.fd < 0)
        {
            err = ErrnoMessage("cannot open /dev/net/tun", errno);
            return;
        }
        ifreq ifr{};
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        std::strncpy(ifr.ifr_name, m_tapName.c_str(), IFNAMSIZ - 1);
        if (::ioctl(tun.fd, TUNSETIFF, &ifr) < 0)
        {
            err = ErrnoMessage("cannot create tap " + m_tapName + " (TUNSETIFF)", errno);
            if (errno == EBUSY)
            {
                err += ": an interface of that name exists";
            }
            return;
        }
        name = ifr.ifr_name;

        FdCloser sock{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
        if (sock.fd < 0)
        {
            err = ErrnoMessage("cannot open a configuration socket", errno);
            return;
        }
        auto fresh = [&name]()
        {
            ifreq r{};
            std::strncpy(r.ifr_name, name.c_str(), IFNAMSIZ - 1);
            return r;
        };
        if (m_haveMac)
        {
            ifreq r = fresh();
            r.ifr_hwaddr.sa_family = ARPHRD_ETHER;
            m_tapMac.CopyTo(reinterpret_cast<uint8_t*>(r.ifr_hwaddr.sa_data));
            if (!IfIoctl(sock.fd, SIOCSIFHWADDR, r, "cannot set the MAC address", err))
            {
                return;
            }
        }
        ifreq r = fresh();
        if (!IfIoctl(sock.fd, SIOCGIFHWADDR, r, "cannot read the MAC address", err))
        {
            return;
        }
        std::memcpy(mac, r.ifr_hwaddr.sa_data, 6);
        r = fresh();
        r.ifr_mtu = m_mtu;
        if (!IfIoctl(sock.fd, SIOCSIFMTU, r, "cannot set the MTU", err))
        {
            return;
        }
        if (m_haveIpv4)
        {
            auto setAddress = [&](unsigned long request, uint32_t host, const char* what)
            {
                ifreq a = fresh();
                sockaddr_in sin{};
                sin.sin_family = AF_INET;
                sin.sin_addr.s_addr = htonl(host);
                std::memcpy(&a.ifr_addr, &sin, sizeof(sin));
                return IfIoctl(sock.fd, request, a, what, err);
            };
            if (!setAddress(SIOCSIFADDR, m_ipv4.Get(), "cannot set the IPv4 address") ||
                !setAddress(SIOCSIFNETMASK, m_ipv4Mask.Get(), "cannot set the IPv4 netmask"))
            {
                return;
            }
        }
        r = fresh();
        if (!IfIoctl(sock.fd, SIOCGIFFLAGS, r, "cannot read the interface flags", err))
        {
            return;
        }
        r.ifr_flags |= IFF_UP;
        if (!IfIoctl(sock.fd, SIOCSIFFLAGS, r, "cannot bring the interface up", err))
        {
            return;
        }
        tapFd = tun.fd;
        tun.fd = -1; // keep it open
    };
    std::thread thread(work);
    thread.join();

    if (tapFd < 0)
    {
        error = "TapEmuHelper: " + err;
        return -1;
    }
    m_lastName = name;
    m_lastMac.CopyFrom(mac);
    NS_LOG_INFO("tap " << name << " (" << m_lastMac << ") up in namespace "
                       << (m_namespace.empty() ? "(own)" : m_namespace) << ", fd " << tapFd);
    return tapFd;
}

Ptr<FdNetDevice>
TapEmuHelper::TryInstall(Ptr<Node> node, std::string& error) const
{
    const int fd = OpenTap(error);
    if (fd < 0)
    {
        return nullptr;
    }
    Ptr<FdNetDevice> device = FdNetDeviceHelper::InstallPriv(node)->GetObject<FdNetDevice>();
    NS_ABORT_MSG_IF(!device, "TapEmuHelper: the device factory did not make an FdNetDevice");
    // A tap without IFF_NO_PI would need DIXPI; ours carries plain Ethernet II frames, and
    // DIX passes any EtherType up as the protocol number (0x88B5 included).
    device->SetEncapsulationMode(FdNetDevice::DIX);
    device->SetMtu(m_mtu);
    device->SetIsBroadcast(true);
    device->SetIsMulticast(true);
    device->SetFileDescriptor(fd);
    return device;
}

Ptr<NetDevice>
TapEmuHelper::InstallPriv(Ptr<Node> node) const
{
    std::string error;
    Ptr<FdNetDevice> device = TryInstall(node, error);
    if (!device)
    {
        NS_FATAL_ERROR(error);
    }
    return device;
}

} // namespace ns3
