/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of `./resoa bench realnet-scale` (bench/realnet-scale/README.md).
 */
#ifndef RESOA_BENCH_SCALE_LOAD_H
#define RESOA_BENCH_SCALE_LOAD_H

#include "ep-client.h"
#include "ep-lhp-session.h"
#include "lhp-endpoint.h"
#include "mac-address.h"
#include "raw-ethernet.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

namespace resoa
{
namespace bench
{

/// What the load generator is.
struct ScaleLoadConfig
{
    std::size_t clients = 1000;        //!< ReSoA clients = LHP connections = registrations
    std::size_t connectionsPerMac = 4; //!< LHP connections per source MAC (serverd allows 4)
    std::size_t socketsPerClient = 10; //!< TCP sockets each client connects to the echo server
    EpAddress echo;                    //!< where the sockets connect
    std::size_t requestBytes = 64;     //!< one request: this many bytes, echoed back
    std::size_t maxHandshakes = 64;    //!< LHP connects + registrations in flight at once
    std::size_t maxConnects = 256;     //!< TCP connects in flight at once
    std::size_t mtu = 1500;            //!< of the interface: bounds LHP and EP sizes
    std::uint32_t seed = 1;            //!< MACs, connection ids, nonces, request bytes
    /// Set (e.g. by a SIGINT handler) to end the run: the next loop turn throws, so every
    /// destructor (serverd, namespaces) runs.
    const std::atomic<bool>* interrupted = nullptr;
};

/// Request latencies of one phase, in microseconds (send to the last echoed byte).
struct LatencySummary
{
    std::size_t requests = 0;   //!< completed and byte-exact
    std::size_t mismatches = 0; //!< completed with other bytes than were sent
    std::size_t failures = 0;   //!< not answered in time, or the socket failed
    double seconds = 0;         //!< wall time of the phase
    double p50 = 0;
    double p99 = 0;
    double max = 0;
    double PerSecond() const
    {
        return seconds > 0 ? requests / seconds : 0;
    }
};

/// Counters over the whole run.
struct ScaleLoadStats
{
    std::size_t registered = 0;
    std::size_t registerErrors = 0; //!< Registered with an errno
    std::size_t linksDown = 0;      //!< LHP connections that died or closed
    std::size_t linksClosed = 0;    //!< ... of them closed in order (Closed, not Dead)
    std::size_t socketsOpen = 0;    //!< TCP connects that succeeded
    std::size_t connectErrors = 0;  //!< Create/Connect refused or ConnectDone with an errno
    std::size_t socketErrors = 0;   //!< Error/Eof on an open socket
    std::map<std::int32_t, std::size_t> errnos; //!< every errno seen, with its count
};

/**
 * \brief Many ReSoA clients in one process, for load: `clients` LHP connections from
 * clients / connectionsPerMac source MACs over one RawEthernet, each with its own EpClient.
 *
 * Every protocol rule is the core's: one LhpEndpoint per MAC (its connections to the
 * server), one EpClient and EpLhpSession per connection, glued as resoa-clientd glues them.
 * This class only moves frames and time (one poll loop, one thread) and plays the
 * applications: register, connect sockets, send requests and check their echoes.
 *
 * Each phase runs the loop until it is done or its timeout passes; keepalives and acks go
 * on in every phase, so RunFor() is an idle period with every link alive.
 */
class ScaleLoad
{
  public:
    ScaleLoad(RawEthernet& link, const realnet::MacAddress& server, ScaleLoadConfig config);
    ~ScaleLoad();

    ScaleLoad(const ScaleLoad&) = delete;
    ScaleLoad& operator=(const ScaleLoad&) = delete;

    /// Opens every LHP connection and registers on it. \return clients registered
    std::size_t ConnectAndRegister(std::chrono::milliseconds timeout);
    /// Connects socketsPerClient TCP sockets per registered client. \return sockets open
    std::size_t OpenSockets(std::chrono::milliseconds timeout);
    /// Keeps every link alive for \p duration, doing nothing else.
    void RunFor(std::chrono::milliseconds duration);
    /// \p count requests one after another, each on a random open socket.
    LatencySummary Probe(std::size_t count, std::chrono::milliseconds timeout);
    /// Closed loop: every client keeps one request outstanding (its sockets in turn) for
    /// \p duration.
    LatencySummary Load(std::chrono::milliseconds duration);
    /// Closes every socket and every LHP connection in order. \return connections that
    /// closed in order (Closed, not Dead) within \p timeout
    std::size_t CloseAll(std::chrono::milliseconds timeout);

    const ScaleLoadStats& GetStats() const;
    /// MACs used (clients / connectionsPerMac, rounded up).
    std::size_t StationCount() const;

  private:
    struct Station;
    struct Socket
    {
        std::uint32_t id = 0;
        enum class State : std::uint8_t
        {
            Idle,
            Connecting,
            Open,
            Failed
        } state = State::Idle;
        bool busy = false; //!< a request is outstanding
        TimePoint sentAt{};
        std::uint64_t seq = 0;
        std::vector<std::uint8_t> expect;
        std::vector<std::uint8_t> got;
    };
    struct Conn
    {
        Station* station = nullptr;
        std::size_t index = 0;
        LhpHandle handle = kLhpNoHandle;
        std::unique_ptr<EpClient> client;
        std::unique_ptr<EpLhpSession> session;
        bool started = false;
        bool up = false;
        bool down = false;
        bool registered = false;
        bool settled = false; //!< registration answered or the link failed first
        std::vector<Socket> sockets;
        std::size_t nextSocket = 0; //!< round robin in Load
    };
    struct Station
    {
        realnet::MacAddress mac{};
        std::unique_ptr<LhpEndpoint> endpoint;
        std::vector<Conn*> conns;
        bool dirty = false;
    };
    enum class Mode : std::uint8_t
    {
        Idle,
        Probe,
        Load
    };

    /// One loop turn: wait up to \p maxWaitMs for frames or a deadline, then move everything.
    void Turn(int maxWaitMs);
    void Process(Station& s);
    void OnLinkEvent(Station& s, const LhpEndpointEvent& e);
    void OnClientEvent(Conn& c, const EpClientEvent& e);
    void OnReadable(Conn& c, Socket& k);
    void StartRequest(Conn& c, Socket& k);
    void Fail(Conn& c, Socket& k, std::int32_t error);
    Conn* FindConn(Station& s, LhpHandle h);
    Socket* FindSocket(Conn& c, std::uint32_t id);
    LatencySummary Summarize(double seconds);

    RawEthernet& m_link;
    LhpPeerAddress m_server;
    ScaleLoadConfig m_config;
    std::vector<std::unique_ptr<Station>> m_stations;
    std::vector<std::unique_ptr<Conn>> m_conns;
    std::unordered_map<std::uint64_t, Station*> m_byMac;
    std::vector<EthernetFrame> m_frames;
    TimePoint m_now{};
    std::size_t m_handshakes = 0; //!< in flight
    std::size_t m_connects = 0;   //!< in flight
    std::size_t m_outstanding = 0;
    Mode m_mode = Mode::Idle;
    std::vector<double> m_samples; //!< latencies of the current phase, microseconds
    std::size_t m_mismatches = 0;
    std::size_t m_failures = 0;
    ScaleLoadStats m_stats;
};

} // namespace bench
} // namespace resoa

#endif // RESOA_BENCH_SCALE_LOAD_H
