/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A real EpServer on KernelSocketStack + EventLoop, with an EpClient wired to it in memory
 * (no LHP), and small blocking-socket helpers for the Internet side of the tests.
 */
#ifndef RESOA_TEST_KERNEL_STACK_RIG_H
#define RESOA_TEST_KERNEL_STACK_RIG_H

#include "ep-client.h"
#include "ep-server.h"
#include "event-loop.h"
#include "kernel-socket-stack.h"
#include "unique-fd.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace resoa
{
namespace test
{

constexpr std::uint32_t kLoopbackIpv4 = 0x7F000001; // 127.0.0.1

/// 127.0.0.1:port as an EpAddress.
EpAddress Loopback(std::uint16_t port);

/// FNV-1a 64 over \p data, continuing from \p hash.
std::uint64_t Fnv1a(const std::uint8_t* data,
                    std::size_t len,
                    std::uint64_t hash = 0xcbf29ce484222325ULL);

/// \p n pseudo-random bytes from \p seed (xorshift), the same for the same seed.
std::vector<std::uint8_t> Pattern(std::size_t n, std::uint32_t seed);

/**
 * A blocking TCP (or UDP) socket on 127.0.0.1 with 10 s send/receive timeouts, so a test
 * thread blocked on it never hangs the run. \p port 0 = ephemeral.
 */
realnet::UniqueFd TestSocket(int type, std::uint16_t port = 0);
/// A TCP listener on 127.0.0.1 (ephemeral port).
realnet::UniqueFd TestListener();
/// The local port of \p fd.
std::uint16_t LocalPort(int fd);
/// A port on 127.0.0.1 nothing listens on (bound once, then released).
std::uint16_t UnusedPort();
/// Sets SO_LINGER {1, 0} and closes \p fd: the peer gets a RST.
void ResetAndClose(realnet::UniqueFd& fd);

/// What a blocking peer received: byte count, hash, and how the stream ended.
struct StreamResult
{
    std::uint64_t bytes = 0;
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    int endErrno = 0; //!< 0 = clean EOF, else recv's errno (ECONNRESET, EAGAIN at timeout)
};

/// Reads \p fd until EOF or an error.
StreamResult ReadToEnd(int fd);
/// Writes all of \p data; \return false on an error.
bool WriteAll(int fd, const std::vector<std::uint8_t>& data);

/**
 * EpServer over a KernelSocketStack, with one EpClient on session 1 wired in memory:
 * Exchange() hands every queued message across at once, in both directions.
 */
class ServerRig
{
  public:
    static constexpr std::uint64_t kSession = 1;

    /// Server config for loopback tests: the public address is 127.0.0.1.
    static EpServerConfig LoopbackServer();

    explicit ServerRig(EpClientConfig clientConfig = {},
                       EpServerConfig serverConfig = LoopbackServer());

    /// Moves every queued message both ways until none is left; collects client events.
    /// \return true if anything moved
    bool Exchange();
    /// Exchange, one loop round waiting at most \p waitMs, Exchange.
    void Turn(int waitMs = 5);
    /// Turns until \p done() or \p timeout. \return done()
    bool RunUntil(const std::function<bool()>& done,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Registers the client and runs until Registered.
    void Register();
    /// The first event of \p kind for \p id collected so far, if any.
    std::optional<EpClientEvent> FindEvent(std::uint32_t id, EpClientEvent::Kind kind) const;
    /// Runs until an event of \p kind for \p id arrives. \return it, if it did
    std::optional<EpClientEvent> WaitEvent(
        std::uint32_t id,
        EpClientEvent::Kind kind,
        std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Creates a stream socket and connects it to \p peer; \return its id and ConnectDone.
    std::pair<std::uint32_t, std::optional<EpClientEvent>> ConnectStream(const EpAddress& peer);
    /// The server socket of client socket \p id (ListSockets), if any.
    std::optional<EpServerSocketInfo> ServerSocket(std::uint32_t id) const;

    realnet::EventLoop loop;
    realnet::KernelSocketStack stack;
    EpServer server;
    EpClient client;
    std::vector<EpClientEvent> events; //!< every client event, in order
    std::vector<EpMessage> down;       //!< every server-to-client message (Data payload kept)
};

/**
 * The application side of a stream in a ServerRig: sends \p toSend (then shuts down its
 * writing side if \p shutdown), reads everything, and notes when Recv reported eof.
 */
class ClientStream
{
  public:
    ClientStream(ServerRig& rig, std::uint32_t id, std::vector<std::uint8_t> toSend, bool shutdown);
    /// One step of sending and receiving. \return true once eof was read and all was sent
    bool Step();
    /// Steps with the rig's turns until done or \p timeout. \return true if done
    bool Run(std::chrono::milliseconds timeout = std::chrono::seconds(30));

    std::uint64_t sent = 0;
    bool shutDone = false;
    StreamResult received; //!< bytes and hash read by Recv
    bool eof = false;
    std::int32_t error = 0; //!< a Recv error other than kEagain

  private:
    ServerRig& m_rig;
    std::uint32_t m_id;
    std::vector<std::uint8_t> m_toSend;
    bool m_shutdown;
};

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_KERNEL_STACK_RIG_H
