/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_SOCKET_ERRNO_H
#define RESOA_SOCKET_ERRNO_H

#include "ns3/socket.h"

#include <cstdint>

namespace ns3
{

/**
 * \ingroup resoa
 * Maps an ns-3 socket error to the Linux errno carried by EP messages.
 */
int32_t ResoaErrnoFromSocket(Socket::SocketErrno e);

/**
 * \ingroup resoa
 * Maps an EP errno to the closest ns-3 socket error (ERROR_NOTERROR for 0).
 */
Socket::SocketErrno ResoaErrnoToSocket(int32_t epErrno);

} // namespace ns3

#endif // RESOA_SOCKET_ERRNO_H
