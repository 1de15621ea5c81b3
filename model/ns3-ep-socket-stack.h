/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_NS3_EP_SOCKET_STACK_H
#define RESOA_NS3_EP_SOCKET_STACK_H

#include "resoa-source-routing.h"

#include "ns3/address.h"
#include "ns3/ep-socket-stack.h"
#include "ns3/node.h"
#include "ns3/ptr.h"
#include "ns3/socket.h"

#include <functional>
#include <map>

namespace resoa
{
class EpServer;
}

namespace ns3
{

/**
 * \ingroup resoa
 * \brief The ReSoA server's view of its node's TCP/IP stack: resoa::EpSocketStack over ns-3
 * TCP and UDP sockets.
 *
 * Socket callbacks are turned into the EpServer's On* calls, always from a fresh simulator
 * event (ScheduleNow), so the engine is never re-entered from inside one of its own calls.
 *
 * Contract details (EpSocketStack): handles count up from 1 in a 64-bit counter that is
 * never reset, so no handle is ever reused, and a deferred event for a released handle is
 * dropped. Read interest gates OnReadable and OnDatagram: with it off, TCP data and UDP
 * datagrams stay in the ns-3 socket's buffer (UDP drops beyond its RcvBufSize, as a kernel
 * would); turning it on reports what waits. Accepts are reported whatever the interest (ns-3
 * accepts in the TCP stack itself). Read reports EOF after a normal close and
 * kEconnreset after an error close; Send reports kEagain, kEpipe (after ShutdownSend) and
 * kEconnreset.
 */
class Ns3EpSocketStack : public resoa::EpSocketStack
{
  public:
    explicit Ns3EpSocketStack(Ptr<Node> node);
    ~Ns3EpSocketStack() override;

    /// The engine that hears about socket events. Must be set before any call.
    void SetServer(resoa::EpServer* server);
    /// Called after every engine call the stack made from a socket event, so the owner can
    /// drain the engine's outgoing messages.
    void SetAfterEventCallback(std::function<void()> cb);
    /// Routing decorator used to connect from a bound address (1-to-1 mode); may be null.
    void SetSourceRouting(Ptr<ResoaSourceRouting> routing);
    /// Runs on every TCP socket this stack creates (the server's own TCP settings, apart from
    /// the process-wide defaults that baselines in the same simulation use). Accepted
    /// connections inherit the listener's settings.
    void SetTcpConfigurator(std::function<void(Ptr<Socket>)> configure);
    /// Closes every socket still open (server stop or crash).
    void AbortAll();
    /// Open sockets, for tests.
    size_t GetOpenSockets() const;
    /// The ns-3 socket behind a handle (nullptr if none), for tests.
    Ptr<Socket> GetSocket(resoa::EpHandle h) const;

    // resoa::EpSocketStack
    resoa::EpHandle Create(resoa::EpSockType type, std::int32_t& error) override;
    std::int32_t Bind(resoa::EpHandle h, const resoa::EpAddress& local) override;
    std::int32_t Listen(resoa::EpHandle h, std::uint32_t backlog) override;
    std::int32_t Connect(resoa::EpHandle h, const resoa::EpAddress& peer) override;
    resoa::EpIoResult Send(resoa::EpHandle h, const std::uint8_t* data, std::size_t len) override;
    resoa::EpReadResult Read(resoa::EpHandle h, std::size_t maxBytes) override;
    std::int32_t SendTo(resoa::EpHandle h,
                        const resoa::EpAddress& peer,
                        const std::uint8_t* data,
                        std::size_t len) override;
    std::int32_t ShutdownWrite(resoa::EpHandle h) override;
    void Close(resoa::EpHandle h) override;
    void Abort(resoa::EpHandle h) override;
    void SetReadInterest(resoa::EpHandle h, bool on) override;
    std::int32_t SetSockOpt(resoa::EpHandle h,
                            std::uint16_t level,
                            std::uint16_t option,
                            std::int32_t value) override;
    std::int32_t GetSockOpt(resoa::EpHandle h,
                            std::uint16_t level,
                            std::uint16_t option,
                            std::int32_t& value) override;
    resoa::EpAddress GetSockName(resoa::EpHandle h) override;
    resoa::EpAddress GetPeerName(resoa::EpHandle h) override;

  private:
    struct Entry
    {
        Ptr<Socket> socket;
        resoa::EpSockType type = resoa::EpSockType::None;
        bool connected = false;
        Ipv4Address boundAddress = Ipv4Address::GetAny();
        bool readInterest = false;    //!< the server wants OnReadable/OnDatagram
        bool peerClosed = false;      //!< normal close seen: Read reports eof when drained
        int32_t error = 0;            //!< error close seen: Read and Send fail with it
        bool shutdownPending = false; //!< ShutdownWrite waits for an empty tx buffer
    };
    /// True when \p s holds no unacked data (ns-3's ShutdownSend only sends a FIN then).
    static bool TxBufferEmpty(Ptr<Socket> s);

    resoa::EpHandle Adopt(Ptr<Socket> socket, resoa::EpSockType type);
    void Wire(resoa::EpHandle h, Ptr<Socket> socket);
    Ptr<Socket> Find(resoa::EpHandle h) const;
    /// Runs `fn` on the engine in a new event, if `h` is still open then.
    template<typename F>
    void Defer(resoa::EpHandle h, F fn);
    void Release(resoa::EpHandle h);
    /// Datagram socket: hands every queued datagram to the engine (deferred).
    void DrainDatagrams(resoa::EpHandle h, Ptr<Socket> socket);

    Ptr<Node> m_node;
    resoa::EpServer* m_server = nullptr;
    std::function<void()> m_afterEvent;
    std::function<void(Ptr<Socket>)> m_tcpConfigurator;
    Ptr<ResoaSourceRouting> m_sourceRouting;
    std::map<resoa::EpHandle, Entry> m_entries;
    resoa::EpHandle m_next = 1; //!< never reset: handles are never reused
};

/// EP address (IPv4) to an ns-3 InetSocketAddress; family 0 gives 0.0.0.0:0.
Address ResoaToNs3Address(const resoa::EpAddress& a);
/// ns-3 InetSocketAddress to an EP address (family 0 for anything else).
resoa::EpAddress ResoaFromNs3Address(const Address& a);

} // namespace ns3

#endif // RESOA_NS3_EP_SOCKET_STACK_H
