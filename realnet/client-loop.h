/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_CLIENT_LOOP_H
#define RESOA_REALNET_CLIENT_LOOP_H

#include "daemon-config.h"
#include "ep-client.h"
#include "ep-lhp-session.h"
#include "event-loop.h"
#include "lhp-endpoint.h"
#include "log.h"
#include "packet-link.h"
#include "pcap-writer.h"
#include "shim-server.h"

#include <memory>
#include <optional>
#include <vector>

namespace resoa
{
namespace realnet
{

/// Knobs of the client loop besides the config file.
struct ClientLoopOptions
{
    Duration reconnectMin{std::chrono::milliseconds(100)}; //!< first retry after a dead link
    Duration reconnectMax{std::chrono::seconds(5)};        //!< backoff doubles up to this
    Duration closeTimeout{std::chrono::seconds(1)};        //!< SIGTERM: wait for Close this long
    PacketLinkOptions link;                                //!< e.g. padding in tests
};

/**
 * \brief resoa-clientd's loop: the driver of one LhpEndpoint (client role), one
 * EpLhpSession and one EpClient over a PacketLink to the server's MAC, plus the ShimServer.
 *
 * The glue is model/resoa-client.cc's: the link's Up registers (OnLinkUp, Register), Dead
 * or Closed resets the session and fails the sockets (Reset, OnLinkDown), every delivery
 * goes to OnMessage, SendSpace events resume the session, and PumpClientOutgoing runs after
 * each step while the link is up. One timer serves the endpoint's deadline, the engine's
 * coalescing deadline and the reconnect backoff (doubling from reconnectMin to
 * reconnectMax, reset when a link comes up).
 */
class ClientLoop
{
  public:
    /// Opens the link and the shim socket. \throws std::system_error
    ClientLoop(const ClientConfig& config, Logger& log, ClientLoopOptions options = {});
    ~ClientLoop();

    /// Runs until Stop() (or SIGTERM/SIGINT, which close the link cleanly first).
    void Run();
    /// Closes the link in order (waiting at most closeTimeout), then makes Run return.
    void Stop();
    /// Applies what can change while running (log level); logs what needs a restart.
    void Reload(const ClientConfig& config);

    EventLoop& GetEventLoop();
    const EpClient& GetClient() const;
    bool IsLinkUp() const;

  private:
    void StartConnect();
    void OnFrames();
    void OnTimer();
    void AfterRound();
    bool DrainEndpoint(TimePoint now);
    void OnLinkUp();
    void OnLinkLost(const char* why);
    void Transmit(TimePoint now);
    void ArmTimer();

    ClientConfig m_config;
    Logger& m_log;
    ClientLoopOptions m_options;
    EventLoop m_loop;
    PacketLink m_link;
    LhpEndpoint m_endpoint;
    EpClient m_client;
    EpLhpSession m_session;
    std::unique_ptr<ShimServer> m_shim;
    std::unique_ptr<PcapWriter> m_pcap;
    LhpHandle m_handle = kLhpNoHandle;
    bool m_linkUp = false;
    bool m_stopping = false;
    std::optional<TimePoint> m_reconnectAt;
    std::optional<TimePoint> m_stopAt;
    Duration m_backoff;
    std::vector<ReceivedFrame> m_frames;
    std::vector<std::uint8_t> m_tx;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_CLIENT_LOOP_H
