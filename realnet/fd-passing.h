/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_FD_PASSING_H
#define RESOA_REALNET_FD_PASSING_H

#include "unique-fd.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace resoa
{
namespace realnet
{

/// Largest message that FdMessage carries (the shim's requests and answers are small).
constexpr std::size_t kMaxFdMessageSize = 4096;

/// A message received over a UNIX stream socket, and the fd that came with it, if any.
struct FdMessage
{
    std::vector<std::uint8_t> bytes;
    UniqueFd fd; //!< empty if the sender attached none; CLOEXEC when present
};

/// What ReceiveFdMessage found.
enum class FdReceiveStatus
{
    Message,    //!< a whole message (and its fd) was read
    WouldBlock, //!< non-blocking socket and no message has started
    Closed,     //!< the peer closed the connection between messages
};

/**
 * \brief Sends \p size bytes and, when \p fd >= 0, a duplicate of \p fd (SCM_RIGHTS).
 *
 * A stream socket keeps no message boundaries, so each message goes out framed: a 4-byte
 * header (u16 length, u8 flags: bit 0 = an fd is attached, u8 0) and the bytes, the fd
 * riding on the header's first byte. Used by resoa-clientd to hand the LD_PRELOAD shim one
 * end of a socketpair per exported socket (DESIGN §5).
 *
 * On a non-blocking socket, EAGAIN before the first byte throws (nothing was sent: try
 * again when writable); once a message has started it is finished, waiting for room with
 * poll(2) for at most a second, so the stream never holds half a message.
 * \throws std::system_error (EMSGSIZE if \p size > kMaxFdMessageSize, EPIPE, EAGAIN, ...)
 */
void SendFdMessage(int socket, const std::uint8_t* data, std::size_t size, int fd = -1);

/// SendFdMessage for a vector.
void SendFdMessage(int socket, const std::vector<std::uint8_t>& bytes, int fd = -1);

/**
 * \brief Reads one message sent by SendFdMessage, and its fd (received with CLOEXEC set).
 *
 * Completes a started message the way SendFdMessage does.
 * \throws std::system_error: EPROTO for a malformed header, a missing or surplus fd, or EOF
 * inside a message; EMFILE if the fd could not be installed (the kernel truncated it)
 */
FdReceiveStatus ReceiveFdMessage(int socket, FdMessage& message);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_FD_PASSING_H
