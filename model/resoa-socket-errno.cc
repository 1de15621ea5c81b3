/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "resoa-socket-errno.h"

#include "ns3/ep-engine-types.h"
#include "ns3/ep-message.h"

namespace ns3
{

namespace
{
constexpr int32_t kEnodev = 19;
constexpr int32_t kEafnosupport = 97;
} // namespace

int32_t
ResoaErrnoFromSocket(Socket::SocketErrno e)
{
    using namespace resoa::ep_errno;
    switch (e)
    {
        case Socket::ERROR_NOTERROR:
            return kOk;
        case Socket::ERROR_ISCONN:
            return kEisconn;
        case Socket::ERROR_NOTCONN:
            return kEnotconn;
        case Socket::ERROR_MSGSIZE:
            return kEmsgsize;
        case Socket::ERROR_AGAIN:
            return kEagain;
        case Socket::ERROR_SHUTDOWN:
            return kEshutdown;
        case Socket::ERROR_OPNOTSUPP:
            return kEopnotsupp;
        case Socket::ERROR_AFNOSUPPORT:
            return kEafnosupport;
        case Socket::ERROR_INVAL:
            return kEinval;
        case Socket::ERROR_BADF:
            return kEbadf;
        case Socket::ERROR_NOROUTETOHOST:
            return kEhostunreach;
        case Socket::ERROR_NODEV:
            return kEnodev;
        case Socket::ERROR_ADDRNOTAVAIL:
            return kEaddrnotavail;
        case Socket::ERROR_ADDRINUSE:
            return kEaddrinuse;
        default:
            return kEinval;
    }
}

Socket::SocketErrno
ResoaErrnoToSocket(int32_t epErrno)
{
    using namespace resoa::ep_errno;
    switch (epErrno)
    {
        case kOk:
            return Socket::ERROR_NOTERROR;
        case kEisconn:
            return Socket::ERROR_ISCONN;
        case kEnotconn:
        case kEpipe:
            return Socket::ERROR_NOTCONN;
        case kEmsgsize:
            return Socket::ERROR_MSGSIZE;
        case kEagain:
        case kEmfile:
        case kEnomem:
        case resoa::kEpEinprogress:
        case resoa::kEpEalready:
        case resoa::kEpEnobufs:
            return Socket::ERROR_AGAIN;
        case kEshutdown:
            return Socket::ERROR_SHUTDOWN;
        case kEopnotsupp:
        case kEprotonosupport:
        case resoa::kEpEnoprotoopt:
            return Socket::ERROR_OPNOTSUPP;
        case kEafnosupport:
            return Socket::ERROR_AFNOSUPPORT;
        case kEbadf:
        case kEnotsock:
            return Socket::ERROR_BADF;
        case kEhostunreach:
        case kEnetunreach:
        case kEnetdown:
        case kEconnrefused:
        case kEconnreset:
        case kEconnaborted:
        case kEtimedout:
            return Socket::ERROR_NOROUTETOHOST;
        case kEnodev:
            return Socket::ERROR_NODEV;
        case kEaddrnotavail:
            return Socket::ERROR_ADDRNOTAVAIL;
        case kEaddrinuse:
            return Socket::ERROR_ADDRINUSE;
        default:
            return Socket::ERROR_INVAL;
    }
}

} // namespace ns3
