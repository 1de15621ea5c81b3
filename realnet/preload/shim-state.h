/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * libresoa-preload.so: which fds are ReSoA sockets, and the control channel to clientd.
 */
#ifndef RESOA_PRELOAD_SHIM_STATE_H
#define RESOA_PRELOAD_SHIM_STATE_H

#include "shim-protocol.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>

namespace resoa
{
namespace preload
{

/// What the shim knows of one exported socket (the data itself lives in the socketpair).
struct SocketEntry
{
    std::uint32_t id = 0;
    std::uint8_t sockType = 0; //!< 1 stream, 2 datagram
    int family = AF_INET;      //!< as the application asked: addresses are rendered so
    ino_t inode = 0;           //!< the pair end's inode: a reused fd number is not ours
    bool listening = false;
    bool connected = false;
    std::size_t maxDatagram = 0;
    realnet::ShimAddress local; //!< last known, for when clientd forgot the socket
    realnet::ShimAddress peer;
};

/// The entry of \p fd, if \p fd is (still) a ReSoA socket.
bool LookupSocket(int fd, SocketEntry& out);
/// Records \p fd (its inode is read here).
void RememberSocket(int fd, SocketEntry entry);
/// Updates the entry of \p fd if it exists.
void UpdateSocket(int fd, const SocketEntry& entry);
void ForgetSocket(int fd);
/// dup, dup2, dup3, F_DUPFD: \p to names the same socket as \p from.
void CopySocket(int from, int to);

/// True if \p fd is one of the shim's control connections (the application must not
/// lose it by close or dup2; if it does, the shim notices and reconnects).
bool IsControlFd(int fd);
/// The application closed or replaced control fd \p fd.
void ForgetControlFd(int fd);

/**
 * One request, one reply, on this thread's control connection (opened on first use,
 * reopened after fork or after the application closed it). \p fd receives a passed fd
 * (or -1). \return false with errno set if clientd could not be reached (ENETDOWN)
 */
bool CallClientd(const realnet::ShimMessage& request,
                 realnet::ShimMessage& reply,
                 int* fd = nullptr);

/**
 * A read of \p len bytes on \p fd returned 0 (end of stream). If \p fd is a ReSoA stream
 * that clientd failed (its link died, the peer reset it), \return -1 with that errno, taken
 * as SO_ERROR would be; else 0. A socketpair cannot carry an errno, so without this a program
 * that never asks SO_ERROR would take a dead link for a complete stream.
 */
ssize_t StreamEnd(int fd, std::size_t len, int flags = 0);

/// Writes "resoa-preload: <message>" to stderr, sets errno = \p error. \return -1
int Fail(int error, const char* format, ...) __attribute__((format(printf, 2, 3)));

} // namespace preload
} // namespace resoa

#endif // RESOA_PRELOAD_SHIM_STATE_H
