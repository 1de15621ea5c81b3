/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A minimal ReSoA client for namespace tests: LhpEndpoint + EpLhpSession + EpClient over a
 * PacketLink, driven by the calling thread on its own EventLoop (what resoa-clientd's loop
 * will do, without the UNIX-socket side).
 */
#ifndef RESOA_TEST_LHP_TEST_CLIENT_H
#define RESOA_TEST_LHP_TEST_CLIENT_H

#include "ep-client.h"
#include "ep-lhp-session.h"
#include "event-loop.h"
#include "lhp-endpoint.h"
#include "mac-address.h"
#include "netns-fixture.h"
#include "packet-link.h"

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

namespace resoa
{
namespace test
{

/// The namespaces of an LhpTestClient and of the server it talks to.
struct LhpTestNet
{
    std::string client;
    std::string server;
};

/**
 * Adds a "client" and a "server" namespace to \p fixture, joined by a veth named `lhp0` at
 * both ends, with \p clientMac and \p serverMac.
 */
LhpTestNet AddLhpTestNet(NetnsFixture& fixture,
                         const realnet::MacAddress& clientMac,
                         const realnet::MacAddress& serverMac);

class LhpTestClient
{
  public:
    /// A client on \p link (opened by the caller, e.g. in the client namespace) that will
    /// talk to \p server.
    LhpTestClient(realnet::PacketLink& link,
                  const realnet::MacAddress& server,
                  EpClientConfig clientConfig = {});
    ~LhpTestClient();

    /// Opens the LHP connection to the server.
    void Connect();
    /// One round: waits up to \p waitMs for frames or the timer, then moves everything
    /// between link, endpoint, session and client.
    void Turn(int waitMs = 5);
    /// Turns until \p done() or \p timeout. \return done()
    bool RunUntil(const std::function<bool()>& done,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// The first event of \p kind for \p id so far.
    std::optional<EpClientEvent> FindEvent(std::uint32_t id, EpClientEvent::Kind kind) const;

    bool IsUp() const;
    bool IsDown() const; //!< the LHP link closed or died
    EpClient& Client();
    LhpEndpoint& Endpoint();

    std::vector<EpClientEvent> events; //!< every client event, in order

  private:
    void Process();

    realnet::PacketLink& m_link;
    realnet::MacAddress m_server;
    realnet::EventLoop m_loop;
    LhpEndpoint m_endpoint;
    EpClient m_client;
    EpLhpSession m_session;
    LhpHandle m_handle = kLhpNoHandle;
    bool m_up = false;
    bool m_down = false;
    std::vector<realnet::ReceivedFrame> m_frames;
};

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_LHP_TEST_CLIENT_H
