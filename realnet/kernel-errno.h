/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_KERNEL_ERRNO_H
#define RESOA_REALNET_KERNEL_ERRNO_H

#include "ep-engine-types.h"
#include "ep-message.h"

#include <cerrno>
#include <cstdint>

namespace resoa
{
namespace realnet
{

/*
 * EP carries Linux errno numbers on the wire (ep_errno), so a kernel errno is its own EP
 * value. These checks make the identity a compile-time fact rather than an assumption.
 */
static_assert(EPERM == ep_errno::kEperm && EBADF == ep_errno::kEbadf, "errno numbering");
static_assert(EAGAIN == ep_errno::kEagain && EWOULDBLOCK == ep_errno::kEagain, "errno numbering");
static_assert(ENOMEM == ep_errno::kEnomem && EACCES == ep_errno::kEacces, "errno numbering");
static_assert(EINVAL == ep_errno::kEinval && EMFILE == ep_errno::kEmfile, "errno numbering");
static_assert(EPIPE == ep_errno::kEpipe && ENOTSOCK == ep_errno::kEnotsock, "errno numbering");
static_assert(EMSGSIZE == ep_errno::kEmsgsize, "errno numbering");
static_assert(EPROTONOSUPPORT == ep_errno::kEprotonosupport, "errno numbering");
static_assert(EOPNOTSUPP == ep_errno::kEopnotsupp, "errno numbering");
static_assert(EADDRINUSE == ep_errno::kEaddrinuse, "errno numbering");
static_assert(EADDRNOTAVAIL == ep_errno::kEaddrnotavail, "errno numbering");
static_assert(ENETDOWN == ep_errno::kEnetdown && ENETUNREACH == ep_errno::kEnetunreach,
              "errno numbering");
static_assert(ECONNABORTED == ep_errno::kEconnaborted, "errno numbering");
static_assert(ECONNRESET == ep_errno::kEconnreset && EISCONN == ep_errno::kEisconn,
              "errno numbering");
static_assert(ENOTCONN == ep_errno::kEnotconn && ESHUTDOWN == ep_errno::kEshutdown,
              "errno numbering");
static_assert(ETIMEDOUT == ep_errno::kEtimedout && ECONNREFUSED == ep_errno::kEconnrefused,
              "errno numbering");
static_assert(EHOSTUNREACH == ep_errno::kEhostunreach, "errno numbering");
static_assert(EDESTADDRREQ == kEpEdestaddrreq && ENOPROTOOPT == kEpEnoprotoopt, "errno numbering");
static_assert(EALREADY == kEpEalready && ENOBUFS == kEpEnobufs, "errno numbering");
static_assert(EINPROGRESS == kEpEinprogress, "errno numbering");

/**
 * \brief A kernel errno as an ep_errno: the same number (see the checks above), except 0,
 * which would read as success and becomes kEinval (a failed call must fail).
 */
inline std::int32_t
ToEpErrno(int err)
{
    return err != 0 ? static_cast<std::int32_t>(err) : ep_errno::kEinval;
}

/**
 * \brief socket(2)/accept4(2)'s errno as the EP create error. EpServer promises "no socket
 * left behind" only for kEmfile, kEnomem, kEprotonosupport and kEperm (EpIsCreateFailure),
 * so the kernel's other create failures are folded into those: ENFILE (system table full)
 * -> kEmfile, ENOBUFS -> kEnomem, EAFNOSUPPORT / ESOCKTNOSUPPORT -> kEprotonosupport,
 * EACCES -> kEperm (LSM refusal).
 */
inline std::int32_t
ToEpCreateErrno(int err)
{
    switch (err)
    {
        case EMFILE:
        case ENFILE:
            return ep_errno::kEmfile;
        case EPROTONOSUPPORT:
        case EAFNOSUPPORT:
        case ESOCKTNOSUPPORT:
            return ep_errno::kEprotonosupport;
        case EPERM:
        case EACCES:
            return ep_errno::kEperm;
        default:
            return ep_errno::kEnomem;
    }
}

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_KERNEL_ERRNO_H
