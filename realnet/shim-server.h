/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_SHIM_SERVER_H
#define RESOA_REALNET_SHIM_SERVER_H

#include "ep-client.h"
#include "event-loop.h"
#include "log.h"
#include "pair-pump.h"
#include "shim-protocol.h"
#include "unique-fd.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/**
 * \brief resoa-clientd's side of the shim protocol (shim-protocol.h): the UNIX socket the
 * LD_PRELOAD shims connect to, their requests turned into EpClient calls, and one PairPump
 * per exported socket.
 *
 * A request the engine answers at once is replied to at once; one that needs the server
 * (bind, listen, blocking connect, socket options) waits on its connection until the
 * engine's event arrives (OnClientEvent). A connection is the shim of one thread; it may
 * have one request outstanding. The socket file is made world-writable: every local user may
 * use ReSoA, as every local user may use the kernel's IP stack.
 */
class ShimServer
{
  public:
    /**
     * Binds and listens on \p path (its parent directory is created, a stale socket file
     * replaced), and watches it in \p loop.
     * \throws std::system_error
     */
    ShimServer(EventLoop& loop, EpClient& client, Logger& log, const std::string& path);
    ~ShimServer();

    ShimServer(const ShimServer&) = delete;
    ShimServer& operator=(const ShimServer&) = delete;

    /// Routes one EpClient event (not Registered) to its pump and its waiting request.
    void OnClientEvent(const EpClientEvent& event);
    /// Moves bytes for every socket that had an event since the last Step (its pair end was
    /// ready, the engine reported on it, or the shim asked about it), updates their epoll
    /// interest, and drops finished ones. Pumps run until they would block, so a socket with
    /// no event has nothing to do: stepping only these keeps a round O(active sockets), not
    /// O(open sockets).
    void Step(TimePoint now);

    std::size_t GetSocketCount() const;
    std::size_t GetConnectionCount() const;
    const std::string& GetPath() const;

  private:
    struct Waiting
    {
        ShimType type = ShimType::Status;
        std::uint32_t socketId = 0;
        std::uint32_t requestId = 0;
    };

    struct Connection
    {
        UniqueFd fd;
        std::optional<Waiting> waiting;
    };

    void OnListenReadable();
    void OnConnectionReadable(int fd);
    void Handle(Connection& c, const ShimMessage& request);
    void Reply(Connection& c, ShimMessage reply, int fd = -1);
    void DropConnection(int fd);
    /// A socketpair for socket \p id; our end goes to a new pump. \return the app's end
    UniqueFd AddPump(std::uint32_t id, EpSockType type);
    PairPump* Find(std::uint32_t id);
    void ConnectRequest(Connection& c, const ShimMessage& request, ShimMessage& reply);
    void AcceptRequest(Connection& c, const ShimMessage& request);
    /// A Resolve request (shim-resolve.h): EpClient::Resolve, answered by its event.
    /// \return false if the request is malformed (the connection is then dropped)
    bool ResolveRequest(Connection& c, const std::vector<std::uint8_t>& bytes);
    /// Replies to a waiting Resolve with the engine's Resolved event (or an errno).
    void ReplyResolved(Connection& c, std::int32_t error, const EpClientEvent* event);

    EventLoop& m_loop;
    EpClient& m_client;
    Logger& m_log;
    std::string m_path;
    UniqueFd m_listen;
    std::map<int, Connection> m_connections;
    std::map<std::uint32_t, std::unique_ptr<PairPump>> m_pumps;
    std::map<std::uint32_t, std::uint32_t> m_interest; //!< interest set in the loop, by id
    std::set<std::uint32_t> m_dirty;     //!< pumps to step: had an event since the last Step
    std::set<std::uint32_t> m_pipelined; //!< option requests answered before the server did
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_SHIM_SERVER_H
