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
#include "server-selector.h"
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
    /// Wait once every server failed since the last registration (with one server: after
    /// each failure); ServerSelectorConfig::backoffMin.
    Duration reconnectMin{ServerSelectorConfig{}.backoffMin};
    Duration reconnectMax{ServerSelectorConfig{}.backoffMax}; //!< the backoff doubles up to this
    Duration closeTimeout{std::chrono::seconds(1)};           //!< SIGTERM: wait for Close this long
    PacketLinkOptions link;                                   //!< e.g. padding in tests
};

/**
 * \brief resoa-clientd's loop: the driver of one LhpEndpoint (client role), one
 * EpLhpSession and one EpClient over a PacketLink to the server's MAC, plus the ShimServer.
 *
 * With several servers (`server-mac` lists them) a ServerSelector picks the one to use: the
 * start by `server-selection` (hash of this client's MAC, or the first), then, on a dead or
 * closed link or a refused registration, the next in list order, at once within a round and
 * after the backoff once every server failed since the last registration. Only frames from
 * the server in use are fed to the endpoint.
 *
 * The glue is model/resoa-client.cc's: the link's Up registers (OnLinkUp, Register), Dead
 * or Closed resets the session and fails the sockets (Reset, OnLinkDown), every delivery
 * goes to OnMessage, SendSpace events resume the session, and PumpClientOutgoing runs after
 * each step while the link is up. One timer serves the endpoint's deadline, the engine's
 * coalescing deadline and the reconnect wait (the selector's: doubling from reconnectMin to
 * reconnectMax between rounds, reset by a successful registration).
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
    /// The MAC of the server in use (or being connected to).
    const MacAddress& CurrentServer() const;

  private:
    void StartConnect();
    void OnFrames();
    void OnTimer();
    void AfterRound();
    bool DrainEndpoint(TimePoint now);
    void OnLinkUp();
    void OnLinkLost(const char* why);
    void OnRegistered(const EpClientEvent& e);
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
    ServerSelector m_selector;
    std::vector<ReceivedFrame> m_frames;
    std::vector<std::uint8_t> m_tx;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_CLIENT_LOOP_H
