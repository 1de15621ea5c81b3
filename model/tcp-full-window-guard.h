/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_TCP_FULL_WINDOW_GUARD_H
#define RESOA_TCP_FULL_WINDOW_GUARD_H

#include "ns3/ptr.h"

#include <cstdint>

namespace ns3
{

class Socket;

/**
 * \ingroup resoa
 * \brief Works around the ns-3 3.37 segfault of a TCP sender whose bytes in the sent list
 * exactly fill the peer's receive window while SACKed or lost bytes keep its pipe below it.
 *
 * The crash: TcpTxBuffer::NextSeg, rule (2) of RFC 6675, offers unsent data whenever
 * `m_sentSize <= rWnd` and bounds the segment by `rWnd - m_sentSize`. With `m_sentSize ==
 * rWnd` that bound is 0, so NextSeg returns an empty range [seq, seq). TcpSocketBase::
 * SendPendingData still has window (its AvailableWindow counts the pipe, which leaves out
 * SACKed and lost bytes, not the sent list), calls SendDataPacket(seq, 0), and
 * TcpTxBuffer::CopyFromSequence returns nullptr for a zero size, which TcpRateLinux::SkbSent
 * dereferences. A sender gets there when it is limited by the peer's window during SACK
 * recovery: rule (2) itself first cuts a segment to the window's last byte, and the next
 * round of the send loop crashes. ReSoA downloads hit it because the ReSoA server's TCP
 * closes its window when the wireless client lags (backpressure), and large buffers make
 * the host's sender reach that window during recovery.
 *
 * The guard replaces the receiver-window callback of a socket's TcpTxBuffer (the only input
 * of that comparison; TcpSocketBase sets it in its constructors and nowhere else) with one
 * that returns the peer's window unchanged, except when the sent list fills it exactly:
 * then it returns one byte less, so NextSeg reports "no receiver window", as it does when the
 * sent list exceeds the window, and the sender waits for the next ACK. Every other answer of
 * NextSeg is unchanged, i.e. the guard turns the `<=` into a `<`.
 *
 * Protect each TCP socket, including every socket a listener accepts (TcpSocketBase::Fork
 * gives the child a fresh, unguarded callback). The guard holds a raw pointer to the socket
 * inside the socket's own TcpTxBuffer, as TcpSocketBase does, so it creates no reference
 * cycle. It can be switched off process-wide with the global value
 * "ResoaTcpFullWindowGuard" (e.g. `--ResoaTcpFullWindowGuard=false`), to reproduce the crash.
 */
class TcpFullWindowGuard
{
  public:
    /**
     * Protects `socket` if it is an ns-3 TcpSocketBase and the guard is enabled.
     * \param socket the socket (any type; non-TCP sockets are skipped)
     * \return whether the socket is now protected
     */
    static bool Protect(Ptr<Socket> socket);

    /// \return whether the global value "ResoaTcpFullWindowGuard" enables the guard
    static bool IsEnabled();

    /**
     * \return how often, in this process, a protected socket's NextSeg met a sent list that
     *         exactly filled the peer's window (each a crash without the guard if the send
     *         loop still had window)
     */
    static uint64_t GetFullWindowHits();
};

} // namespace ns3

#endif // RESOA_TCP_FULL_WINDOW_GUARD_H
