/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_PAIR_PUMP_H
#define RESOA_REALNET_PAIR_PUMP_H

#include "ep-client.h"
#include "shim-protocol.h"
#include "unique-fd.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace resoa
{
namespace realnet
{

/**
 * \brief Moves one exported socket's bytes between clientd's end of its socketpair and the
 * EpClient: the application's read/write/poll work on the other end, natively.
 *
 * No protocol logic: credit, EOF order and errors are EpClient's; this only maps them onto
 * a socketpair, and never blocks.
 *  - App to EP: read from the pair only while EpClient::SendSpace > 0 (stream: what it
 *    takes; datagram: a whole datagram of the largest size), so a slow server makes the
 *    application's write block, as a full TCP send buffer would. EOF -> Shutdown(write).
 *  - EP to app: Recv only when the previous chunk has gone into the pair, so credit returns
 *    to the server at the pace the application reads (plus the pair's own buffer).
 *    EOF -> shutdown(SHUT_WR) of our end after the data. A failed socket (reset, link down)
 *    shuts our end both ways (the application reads EOF, writes get EPIPE) and leaves the
 *    errno for SO_ERROR (TakeError).
 *  - Lifetime: once the application's end is shut both ways (every fd closed, or both
 *    directions finished) and what it wrote was forwarded, the remote socket is closed
 *    (EpClient::Close) and Finished() turns true: the owner then drops the pump.
 *  - Non-blocking connect: reading is paused from the Connect request on; the shim fills
 *    the pair with filler bytes (so its fd is not writable) and reports how many; once the
 *    connect is done and the count is known, exactly that many bytes are discarded.
 *  - Listener: one doorbell byte per accepted connection makes the application's fd
 *    readable; the shim reads it in accept().
 *  - Datagram: while unconnected each datagram carries a shim header (ShimDatagramHeader).
 */
class PairPump
{
  public:
    PairPump(EpClient& client, std::uint32_t id, EpSockType type, UniqueFd end);

    int GetFd() const;
    std::uint32_t GetId() const;
    EpSockType GetType() const;

    /// A Connect request was accepted by EpClient: drop what the pair held (a write before
    /// connect has no meaning) and pause reading until the connect is done.
    void OnConnectStarted(bool expectFiller);
    /// The shim wrote \p bytes of filler (non-blocking connect).
    void OnFiller(std::size_t bytes);
    /// A connected datagram socket carries bare datagrams from now on.
    void SetConnectedDatagram();
    /// An accepted connection: established from the start.
    void SetConnected();
    /// The application called listen().
    void SetListening();
    /// The application shut down reading: it reads EOF from now on.
    void ShutdownRead();
    /// epoll reported hang-up or an error on our end.
    void OnHangup();
    /// Routes one EpClient event for this socket.
    void OnEvent(const EpClientEvent& event);
    /// SO_ERROR: the pending error, cleared.
    int TakeError();

    /// Moves what can move both ways. \return the epoll interest wanted now
    std::uint32_t Step(TimePoint now);
    /// True once the remote socket is closed and the pump can be dropped.
    bool Finished() const;
    /// True after a hang-up: epoll would report it every round, so the owner stops watching.
    bool HungUp() const;

  private:
    void StepToApp();
    void StepFromApp(TimePoint now);
    void FromAppStream(TimePoint now);
    void FromAppDatagram();
    void Fail(int error);
    void DiscardFiller();
    void ShutOurWrite();
    bool ReadAllowed() const;

    EpClient& m_client;
    std::uint32_t m_id;
    EpSockType m_type;
    UniqueFd m_end;

    bool m_connecting = false;
    bool m_fillerKnown = true;
    std::size_t m_filler = 0;
    bool m_connected = false;
    bool m_listening = false;
    bool m_headerMode = true;
    bool m_hup = false;
    bool m_appEof = false;    //!< read EOF from the application
    bool m_ourShutWr = false; //!< the application reads EOF
    bool m_failed = false;
    bool m_finished = false;
    int m_error = 0;
    std::size_t m_doorbells = 0;
    std::vector<std::uint8_t> m_toApp; //!< taken from EpClient, not yet in the pair
    std::size_t m_toAppOffset = 0;
    std::vector<std::uint8_t> m_buffer;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_PAIR_PUMP_H
