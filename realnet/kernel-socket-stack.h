/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_KERNEL_SOCKET_STACK_H
#define RESOA_REALNET_KERNEL_SOCKET_STACK_H

#include "ep-server.h"
#include "ep-socket-stack.h"
#include "event-loop.h"
#include "stack-event-sink.h"
#include "unique-fd.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace resoa
{
namespace realnet
{

/// Bounds on the work one epoll event does (fairness between sockets in one round).
struct KernelSocketStackConfig
{
    std::size_t maxAcceptsPerEvent = 32;   //!< accept4 calls per readable listener event
    std::size_t maxDatagramsPerEvent = 64; //!< recvfrom calls per readable datagram event
    /// Close drains at most this much unread input before close(2) (see Close).
    std::size_t closeDrainLimit = 1u << 20;
};

/// Counters for logs and tests.
struct KernelSocketStackStats
{
    std::uint64_t socketsOpened = 0;   //!< Create and accepted connections
    std::uint64_t socketsReleased = 0; //!< Close and Abort
    std::uint64_t accepted = 0;        //!< connections handed to OnIncomingConnection
    std::uint64_t acceptsDropped = 0;  //!< accepted at EMFILE/ENFILE (spare fd) and reset
    std::uint64_t wakeups = 0;         //!< epoll callbacks for sockets of this stack
    std::uint64_t staleEvents = 0;     //!< callbacks for a handle no longer live (dropped)
    std::uint64_t eventsDelivered = 0; //!< calls made on the sink
    std::uint64_t datagramsReceived = 0;
    std::uint64_t reopenedIpv6 = 0;      //!< sockets turned AF_INET6 at their first IPv6 use
    std::uint64_t closeDrainedBytes = 0; //!< unread input dropped by Close (FIN, not RST)
};

/**
 * \brief EpSocketStack on the Linux kernel: non-blocking sockets driven by an EventLoop.
 *
 * **Handles** are `(generation << 32) | fd`, with a generation counted per fd from 1 (and
 * skipping 0 when it wraps after 2^32 sockets on one fd), so a handle is never 0 and no
 * two sockets get the same handle while a fd's counter does not wrap. Every method looks
 * the handle up and answers kEbadf (or does nothing) for one that is not live; every epoll
 * callback carries its handle too, and one for a released handle is dropped (staleEvents),
 * never delivered for the socket that reuses the fd. (The EventLoop already drops events
 * fetched for a removed watch; this is the second, handle-level guard.)
 *
 * **Families.** Create cannot know the family (EP's Socket carries none), so it opens an
 * AF_INET socket. The first Bind, Connect or SendTo with an IPv6 address on a socket that
 * has not been bound, connected or listened yet reopens it as AF_INET6 in place: a new
 * socket is dup3()ed onto the same fd, so the handle stays, and the options set so far
 * are applied again. An AF_INET6 socket takes IPv4 addresses as IPv4-mapped ones (Linux's
 * default dual stack) and reports them as IPv4. IPv6 on a socket already used for IPv4
 * fails with EAFNOSUPPORT, as it would for an application.
 *
 * **Events** (all from EventLoop callbacks, never from inside a method of this class, as
 * EpSocketStack requires; the sink may call back into the stack from them):
 *  - epoll interest per socket: EPOLLIN while read interest is on (listener, datagram
 *    socket, connected stream); EPOLLOUT while a connect is in progress or after Send
 *    took less than offered. A connected stream and a datagram socket stay registered with
 *    no interest so that errors (EPOLLERR) are seen; a stream that was never connected is
 *    not registered at all (Linux reports EPOLLHUP for it, which cannot be masked).
 *  - connect: EPOLLOUT or EPOLLERR, then SO_ERROR: OnConnected or OnConnectFailed(error).
 *  - listener readable with interest on: accept4(SOCK_NONBLOCK | SOCK_CLOEXEC), up to
 *    maxAcceptsPerEvent, each one OnIncomingConnection(listener, new handle), stopping as
 *    soon as interest goes off. At EMFILE/ENFILE one spare fd is given up to accept and
 *    reset the connection, so a full table never makes the listener spin.
 *  - datagram socket readable with interest on: recvfrom, up to maxDatagramsPerEvent, each
 *    one OnDatagram. A pending socket error (e.g. ECONNREFUSED from an ICMP port
 *    unreachable on a connected UDP socket) is OnError; the socket lives on.
 *  - connected stream readable with interest on: OnReadable; the server then Reads, and a
 *    peer's FIN is the eof of a Read (after all data). With interest off nothing is
 *    reported for input (level-triggered epoll would spin otherwise); data and FIN stay in
 *    the kernel until the server reads.
 *  - connected stream error (EPOLLERR, e.g. a RST): OnError(SO_ERROR), whatever the read
 *    interest. EPOLLHUP with no error (both directions closed): OnPeerClosed once, and
 *    then the socket stays registered only while it has interest (EPOLLHUP cannot be
 *    masked, so it would spin).
 *  - writable after a short Send: OnWritable once (also at EPOLLHUP, so the next Send
 *    sees the error).
 *
 * **Calls**: Send uses MSG_NOSIGNAL (EPIPE, never SIGPIPE); Read returns eof on recv's 0;
 * errno values are passed as ep_errno (identity, see kernel-errno.h; create failures are
 * folded into EpIsCreateFailure's set). Close is graceful: it drops input the server did
 * not read (up to closeDrainLimit) before close(2), because Linux answers the close of a
 * socket with unread input with a RST and throws away the data still to be sent; input
 * arriving after the close gets the kernel's usual RST. Abort sets SO_LINGER {1, 0} and
 * closes, so the peer gets a RST. Set/GetSockOpt pass the ep_sockopt subset through
 * (numbers are Linux's; getsockopt of SO_SNDBUF/SO_RCVBUF reports the kernel's doubled
 * value, as it does to any application); anything else is kEpEnoprotoopt.
 * GetSockName/GetPeerName report family 0 for an unbound / unconnected socket.
 *
 * A bind to a port below net.ipv4.ip_unprivileged_port_start without
 * CAP_NET_BIND_SERVICE returns the kernel's EACCES.
 */
class KernelSocketStack : public EpSocketStack
{
  public:
    /// A stack whose sockets are watched by \p loop (which must outlive it).
    explicit KernelSocketStack(EventLoop& loop, KernelSocketStackConfig config = {});
    /// Unwatches and closes every socket still open.
    ~KernelSocketStack() override;

    KernelSocketStack(const KernelSocketStack&) = delete;
    KernelSocketStack& operator=(const KernelSocketStack&) = delete;

    /// Reports events to \p sink (not owned; nullptr: events are dropped and counted).
    void SetSink(StackEventSink* sink);
    /// Reports events to \p server (through an owned EpServerSink).
    void AttachServer(EpServer& server);

    EpHandle Create(EpSockType type, std::int32_t& error) override;
    std::int32_t Bind(EpHandle h, const EpAddress& local) override;
    std::int32_t Listen(EpHandle h, std::uint32_t backlog) override;
    std::int32_t Connect(EpHandle h, const EpAddress& peer) override;
    EpIoResult Send(EpHandle h, const std::uint8_t* data, std::size_t len) override;
    EpReadResult Read(EpHandle h, std::size_t maxBytes) override;
    std::int32_t SendTo(EpHandle h,
                        const EpAddress& peer,
                        const std::uint8_t* data,
                        std::size_t len) override;
    std::int32_t ShutdownWrite(EpHandle h) override;
    void Close(EpHandle h) override;
    void Abort(EpHandle h) override;
    void SetReadInterest(EpHandle h, bool on) override;
    std::int32_t SetSockOpt(EpHandle h,
                            std::uint16_t level,
                            std::uint16_t option,
                            std::int32_t value) override;
    std::int32_t GetSockOpt(EpHandle h,
                            std::uint16_t level,
                            std::uint16_t option,
                            std::int32_t& value) override;
    EpAddress GetSockName(EpHandle h) override;
    EpAddress GetPeerName(EpHandle h) override;

    // --- inspection ---
    /// The kernel fd behind \p h, or -1 if \p h is not live.
    int GetFd(EpHandle h) const;
    /// Handles of the sockets open now.
    std::vector<EpHandle> LiveHandles() const;
    /// The epoll interest (EventLoop::kReadable / kWritable) registered for \p h, or
    /// nothing if it is not registered.
    std::optional<std::uint32_t> GetWatchInterest(EpHandle h) const;
    /// Counters.
    const KernelSocketStackStats& GetStats() const;

  private:
    struct Socket
    {
        EpHandle handle = kEpInvalidHandle;
        UniqueFd fd;
        EpSockType type = EpSockType::None;
        int family = 0;       //!< AF_INET or AF_INET6
        bool pristine = true; //!< never bound, connected or listening: may be reopened
        bool listening = false;
        bool connecting = false;
        bool connected = false;    //!< stream established (datagram: has a default peer)
        bool readInterest = false; //!< as the server set it
        bool wantWritable = false; //!< a Send was cut short: OnWritable when room frees
        bool hangup = false;       //!< EPOLLHUP or an error was seen: errors are not watched
        bool peerClosedReported = false;
        std::optional<std::uint32_t> watched; //!< interest registered with the loop
        /// Options set so far (level, option, value), applied again by Reopen.
        std::vector<std::tuple<int, int, int>> options;
    };

    Socket* Find(EpHandle h);
    const Socket* Find(EpHandle h) const;
    /// New handle for a just-opened \p fd (bumps the fd's generation).
    EpHandle NewHandle(int fd);
    /// Registers \p fd (just opened) as a socket of \p type and \p family.
    Socket& Adopt(int fd, EpSockType type, int family);
    /// Brings the epoll registration of \p s in line with its state.
    void UpdateWatch(Socket& s);
    /// Unwatches and closes \p s and forgets its handle.
    void Release(EpHandle h);
    /// Makes a pristine AF_INET socket AF_INET6 in place (same fd). 0 or an errno.
    std::int32_t Reopen(Socket& s, int family);
    /// Reopens \p s if \p address is IPv6 and \p s is a pristine AF_INET socket.
    std::int32_t FamilyFor(Socket& s, const EpAddress& address);

    void OnEvents(EpHandle h, std::uint32_t events);
    void OnConnectEvent(Socket& s);
    void OnListenerEvent(EpHandle h);
    void OnDatagramEvent(EpHandle h, std::uint32_t events);
    void OnStreamEvent(EpHandle h, std::uint32_t events);
    /// Accepts at EMFILE/ENFILE through the spare fd and resets the connection.
    void DropOneConnection(int listenerFd);

    EventLoop& m_loop;
    KernelSocketStackConfig m_config;
    StackEventSink* m_sink = nullptr;
    std::unique_ptr<EpServerSink> m_serverSink;
    std::unordered_map<int, Socket> m_sockets;           //!< live sockets by fd
    std::unordered_map<int, std::uint32_t> m_generation; //!< last generation used per fd
    UniqueFd m_spareFd;                                  //!< given up at EMFILE (accept)
    std::vector<std::uint8_t> m_datagramBuffer;
    KernelSocketStackStats m_stats;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_KERNEL_SOCKET_STACK_H
