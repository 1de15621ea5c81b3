/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * resoa-lhp-relay: a two-port Ethernet relay that duplicates and reorders frames, for the
 * real-Linux integrity matrix (test/realnet/test-integrity-real.cc). nftables can drop frames
 * but cannot duplicate or reorder them, and tc netem is not available everywhere, so this
 * small program does it in user space: it bridges two interfaces (one AF_PACKET socket each)
 * in both directions, and with a seeded PRNG sends a chosen share of the frames twice and
 * holds another share back until later frames have overtaken them. Nothing is ever dropped
 * on purpose: a held frame is released after --reorder-depth later frames in its direction,
 * after --reorder-timeout-ms, or at exit. Frames of other EtherTypes pass unchanged.
 *
 * On SIGTERM or SIGINT it flushes what it holds and prints its counters, one line
 * "relay counters: ..." that the tests parse.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{

using Clock = std::chrono::steady_clock;

struct Options
{
    std::string ifaceA;
    std::string ifaceB;
    double duplicatePercent = 0;
    double reorderPercent = 0;
    int reorderDepth = 3;
    int reorderTimeoutMs = 10;
    std::uint64_t seed = 1;
    int etherType = 0x88B5; //!< only these frames are duplicated or reordered
};

const char* const kUsage =
    "usage: resoa-lhp-relay --interface-a IF --interface-b IF [options]\n"
    "Bridges two interfaces with AF_PACKET sockets, both directions. Frames of the chosen\n"
    "EtherType are duplicated and reordered at random; all other frames pass unchanged.\n"
    "Needs CAP_NET_RAW. Prints its counters on SIGTERM/SIGINT.\n"
    "  --interface-a IF         one side (e.g. the client's link)\n"
    "  --interface-b IF         the other side (e.g. the server's link)\n"
    "  --duplicate-percent P    send P % of the frames twice (0-100, default 0)\n"
    "  --reorder-percent P      hold P % of the frames back (0-100, default 0)\n"
    "  --reorder-depth N        a held frame goes out after N later frames (1-1000, default 3)\n"
    "  --reorder-timeout-ms T   ... or after T ms if fewer come (1-10000, default 10)\n"
    "  --seed S                 PRNG seed (unsigned 64-bit, default 1)\n"
    "  --ethertype X            the EtherType to disturb (hex 0x0600-0xffff, default 0x88b5)\n"
    "  --help                   this text\n";

/// Parses all of \p text as a number in [lo, hi]. \throws std::invalid_argument with \p name
double
ParseNumber(const std::string& name, const std::string& text, double lo, double hi, int base = 10)
{
    errno = 0;
    char* end = nullptr;
    const double value = base == 10 ? std::strtod(text.c_str(), &end)
                                    : static_cast<double>(std::strtoul(text.c_str(), &end, base));
    // strtoul accepts "-1" (as a huge value) and leading spaces: reject both up front.
    if (text.empty() || text[0] == '-' || text[0] == ' ' || *end != '\0' || errno != 0 ||
        !(value >= lo && value <= hi))
    {
        char range[64];
        if (base == 10)
        {
            std::snprintf(range, sizeof(range), "%g to %g", lo, hi);
        }
        else
        {
            std::snprintf(range,
                          sizeof(range),
                          "0x%04x to 0x%04x",
                          static_cast<unsigned>(lo),
                          static_cast<unsigned>(hi));
        }
        throw std::invalid_argument(name + " must be a number from " + range + ", not '" + text +
                                    "'");
    }
    return value;
}

Options
ParseOptions(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i)
    {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h")
        {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
        static const std::vector<std::string> kKnown = {"--interface-a",
                                                        "--interface-b",
                                                        "--duplicate-percent",
                                                        "--reorder-percent",
                                                        "--reorder-depth",
                                                        "--reorder-timeout-ms",
                                                        "--seed",
                                                        "--ethertype"};
        if (std::find(kKnown.begin(), kKnown.end(), arg) == kKnown.end())
        {
            throw std::invalid_argument("unknown option '" + arg + "'");
        }
        if (i + 1 >= argc)
        {
            throw std::invalid_argument(arg + " needs a value");
        }
        const std::string value = argv[++i];
        if (arg == "--interface-a")
        {
            o.ifaceA = value;
        }
        else if (arg == "--interface-b")
        {
            o.ifaceB = value;
        }
        else if (arg == "--duplicate-percent")
        {
            o.duplicatePercent = ParseNumber(arg, value, 0, 100);
        }
        else if (arg == "--reorder-percent")
        {
            o.reorderPercent = ParseNumber(arg, value, 0, 100);
        }
        else if (arg == "--reorder-depth")
        {
            o.reorderDepth = static_cast<int>(ParseNumber(arg, value, 1, 1000));
            if (std::to_string(o.reorderDepth) != value)
            {
                throw std::invalid_argument(arg + " must be a whole number, not '" + value + "'");
            }
        }
        else if (arg == "--reorder-timeout-ms")
        {
            o.reorderTimeoutMs = static_cast<int>(ParseNumber(arg, value, 1, 10000));
            if (std::to_string(o.reorderTimeoutMs) != value)
            {
                throw std::invalid_argument(arg + " must be a whole number, not '" + value + "'");
            }
        }
        else if (arg == "--seed")
        {
            if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
            {
                throw std::invalid_argument("--seed must be an unsigned number, not '" + value +
                                            "'");
            }
            errno = 0;
            o.seed = std::strtoull(value.c_str(), nullptr, 10);
            if (errno != 0)
            {
                throw std::invalid_argument("--seed is out of range: '" + value + "'");
            }
        }
        else // --ethertype (kKnown)
        {
            o.etherType = static_cast<int>(ParseNumber(arg, value, 0x0600, 0xffff, 16));
        }
    }
    if (o.ifaceA.empty() || o.ifaceB.empty())
    {
        throw std::invalid_argument("--interface-a and --interface-b are required");
    }
    if (o.ifaceA == o.ifaceB)
    {
        throw std::invalid_argument("--interface-a and --interface-b must differ");
    }
    for (const std::string& name : {o.ifaceA, o.ifaceB})
    {
        if (name.size() >= IFNAMSIZ || ::if_nametoindex(name.c_str()) == 0)
        {
            throw std::invalid_argument("no interface '" + name + "' here");
        }
    }
    return o;
}

/// An AF_PACKET socket that sees every frame arriving on \p iface and sends on it.
int
OpenPort(const std::string& iface)
{
    // Protocol 0 first, then bind with ETH_P_ALL: no frame of another interface slips in
    // between socket() and bind().
    const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0)
    {
        throw std::runtime_error("socket(AF_PACKET): " + std::string(std::strerror(errno)));
    }
    const int ifindex = static_cast<int>(::if_nametoindex(iface.c_str()));
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    {
        throw std::runtime_error("bind " + iface + ": " + std::strerror(errno));
    }
    // Frames for other MACs must reach us too (a veth filters nothing, a real NIC does).
    packet_mreq mreq{};
    mreq.mr_ifindex = ifindex;
    mreq.mr_type = PACKET_MR_PROMISC;
    ::setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq));
    // A virtio-net header in front of every frame carries a sender's unfinished checksum
    // (veth offloads it) and GSO: without it an IP frame would leave with a bad checksum.
    const int on = 1;
    if (::setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)) != 0)
    {
        throw std::runtime_error("PACKET_VNET_HDR on " + iface + ": " + std::strerror(errno));
    }
#ifdef PACKET_IGNORE_OUTGOING
    // Our own sends on this port would come back as PACKET_OUTGOING; the pkttype check in
    // the loop covers kernels without this option.
    ::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &on, sizeof(on));
#endif
    // Room for a burst while the other side is busy: a full buffer would be loss we did not
    // ask for. FORCE passes net.core.rmem_max (we have CAP_NET_ADMIN as root).
    const int bytes = 4 << 20;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0)
    {
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    }
    return fd;
}

/// What a port reads and writes: a struct virtio_net_hdr (10 bytes; its header is not valid
/// C++, and the relay copies it without looking inside), then the Ethernet frame.
constexpr std::size_t kVnetHeader = 10;

struct Held
{
    std::vector<std::uint8_t> frame; //!< with its virtio_net_hdr
    int framesToWait;                //!< later frames still to overtake it
    Clock::time_point deadline;
    bool overtaken = false;
};

/// One direction: frames read from `in` go out on `out`.
struct Direction
{
    int in;
    int out;
    std::deque<Held> held; //!< in order of arrival
};

struct Counters
{
    unsigned long received = 0;   //!< frames read from either port
    unsigned long forwarded = 0;  //!< frames written, copies included
    unsigned long duplicated = 0; //!< extra copies written
    unsigned long reordered = 0;  //!< held frames that later frames overtook
    unsigned long delayed = 0;    //!< held frames released by timeout with none overtaking
    unsigned long passed = 0;     //!< frames of other EtherTypes, passed unchanged
    unsigned long sendErrors = 0;
};

Counters g_counters;

void
Send(int fd, const std::vector<std::uint8_t>& frame)
{
    if (::send(fd, frame.data(), frame.size(), 0) == static_cast<ssize_t>(frame.size()))
    {
        ++g_counters.forwarded;
    }
    else
    {
        ++g_counters.sendErrors;
    }
}

void
Release(Direction& d, const Held& h)
{
    Send(d.out, h.frame);
    ++(h.overtaken ? g_counters.reordered : g_counters.delayed);
}

/// Sends \p frame out of \p d and lets every held frame count it as one that overtook it.
void
SendAndAge(Direction& d, const std::vector<std::uint8_t>& frame)
{
    Send(d.out, frame);
    for (auto it = d.held.begin(); it != d.held.end();)
    {
        it->overtaken = true;
        if (--it->framesToWait <= 0)
        {
            Release(d, *it);
            it = d.held.erase(it);
        }
        else
        {
            ++it;
        }
    }
}

void
ReleaseExpired(Direction& d, Clock::time_point now, bool all)
{
    for (auto it = d.held.begin(); it != d.held.end();)
    {
        if (all || it->deadline <= now)
        {
            Release(d, *it);
            it = d.held.erase(it);
        }
        else
        {
            ++it;
        }
    }
}

volatile sig_atomic_t g_stop = 0;

void
OnStop(int)
{
    g_stop = 1;
}

void
PrintCounters()
{
    std::printf("relay counters: received=%lu forwarded=%lu duplicated=%lu reordered=%lu "
                "delayed=%lu passed=%lu send_errors=%lu\n",
                g_counters.received,
                g_counters.forwarded,
                g_counters.duplicated,
                g_counters.reordered,
                g_counters.delayed,
                g_counters.passed,
                g_counters.sendErrors);
    std::fflush(stdout);
}

int
Run(const Options& o)
{
    // SIGTERM/SIGINT stay blocked except inside ppoll, so a stop request is seen between
    // frames and never interrupts one half-handled.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    struct sigaction sa = {};
    sa.sa_handler = OnStop;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    sigset_t waitMask;
    ::sigprocmask(SIG_BLOCK, &stopSignals, &waitMask);
    sigdelset(&waitMask, SIGTERM);
    sigdelset(&waitMask, SIGINT);

    const int a = OpenPort(o.ifaceA);
    const int b = OpenPort(o.ifaceB);
    Direction dirs[2] = {{a, b, {}}, {b, a, {}}};
    std::mt19937_64 rng(o.seed);
    // Decisions in millionths, so a fraction like 0.5 % is exact enough and portable.
    std::uniform_int_distribution<std::uint32_t> draw(0, 999999);
    const auto dupBelow = static_cast<std::uint32_t>(o.duplicatePercent * 10000);
    const auto holdBelow = static_cast<std::uint32_t>(o.reorderPercent * 10000);
    const auto timeout = std::chrono::milliseconds(o.reorderTimeoutMs);

    std::printf("relay up: %s <-> %s, duplicate %.2f %%, reorder %.2f %% (depth %d, %d ms), "
                "seed %llu, ethertype 0x%04x\n",
                o.ifaceA.c_str(),
                o.ifaceB.c_str(),
                o.duplicatePercent,
                o.reorderPercent,
                o.reorderDepth,
                o.reorderTimeoutMs,
                static_cast<unsigned long long>(o.seed),
                o.etherType);
    std::fflush(stdout);

    std::vector<std::uint8_t> buf(kVnetHeader + 65536 + 64); // a GSO frame, at most 64 KiB
    while (!g_stop)
    {
        // Wake for the earliest held frame's deadline, else wait for frames or a signal.
        Clock::time_point now = Clock::now();
        timespec wait{1, 0};
        for (const Direction& d : dirs)
        {
            for (const Held& h : d.held)
            {
                const auto left = std::max(Clock::duration::zero(), h.deadline - now);
                const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
                if (ns < wait.tv_sec * 1000000000LL + wait.tv_nsec)
                {
                    wait = {static_cast<time_t>(ns / 1000000000),
                            static_cast<long>(ns % 1000000000)};
                }
            }
        }
        pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        const int n = ::ppoll(fds, 2, &wait, &waitMask);
        if (n < 0 && errno != EINTR)
        {
            std::perror("ppoll");
            return 1;
        }
        for (int i = 0; n > 0 && i < 2; ++i)
        {
            if (!(fds[i].revents & POLLIN))
            {
                continue;
            }
            Direction& d = dirs[i];
            // Drain what is queued, but not forever: the other direction needs its turn.
            for (int k = 0; k < 64; ++k)
            {
                sockaddr_ll from{};
                socklen_t fromLen = sizeof(from);
                const ssize_t len = ::recvfrom(d.in,
                                               buf.data(),
                                               buf.size(),
                                               MSG_DONTWAIT,
                                               reinterpret_cast<sockaddr*>(&from),
                                               &fromLen);
                if (len < 0)
                {
                    break;
                }
                if (from.sll_pkttype == PACKET_OUTGOING || len < ssize_t(kVnetHeader + 14))
                {
                    continue; // our own send on this port, or a runt
                }
                ++g_counters.received;
                std::vector<std::uint8_t> frame(buf.begin(), buf.begin() + len);
                const int type = (frame[kVnetHeader + 12] << 8) | frame[kVnetHeader + 13];
                if (type != o.etherType)
                {
                    ++g_counters.passed;
                    Send(d.out, frame);
                    continue;
                }
                const bool duplicate = draw(rng) < dupBelow;
                const bool hold = draw(rng) < holdBelow;
                if (duplicate)
                {
                    ++g_counters.duplicated;
                }
                if (hold)
                {
                    // A held duplicate: the first copy goes now and the second arrives late,
                    // which is the case a receiver most easily gets wrong.
                    if (duplicate)
                    {
                        SendAndAge(d, frame);
                    }
                    d.held.push_back({std::move(frame), o.reorderDepth, Clock::now() + timeout});
                    continue;
                }
                SendAndAge(d, frame);
                if (duplicate)
                {
                    SendAndAge(d, frame);
                }
            }
        }
        now = Clock::now();
        for (Direction& d : dirs)
        {
            ReleaseExpired(d, now, false);
        }
    }
    // Nothing held is lost at exit either.
    for (Direction& d : dirs)
    {
        ReleaseExpired(d, Clock::now(), true);
    }
    PrintCounters();
    return 0;
}

} // namespace

int
main(int argc, char** argv)
{
    Options o;
    try
    {
        o = ParseOptions(argc, argv);
    }
    catch (const std::invalid_argument& e)
    {
        std::fprintf(stderr, "resoa-lhp-relay: %s\n(see --help)\n", e.what());
        return 2;
    }
    try
    {
        return Run(o);
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "resoa-lhp-relay: %s\n", e.what());
        return 1;
    }
}
