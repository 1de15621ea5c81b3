/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/). ShimServer: the shim's Resolve requests, answered
 * by resoa-serverd's resolver through EpClient::Resolve.
 */
#include "fd-passing.h"
#include "shim-resolve.h"
#include "shim-server.h"

#include <system_error>

namespace resoa
{
namespace realnet
{

bool
ShimServer::ResolveRequest(Connection& c, const std::vector<std::uint8_t>& bytes)
{
    ShimResolveRequest q;
    if (!DecodeShimResolveRequest(bytes.data(), bytes.size(), q))
    {
        return false;
    }
    std::uint32_t requestId = 0;
    const std::uint8_t flags = (q.flags & kShimResolveCanonName) != 0 ? kEpResolveCanonName : 0;
    const std::int32_t rc = m_client.Resolve(q.name, q.family, &requestId, flags);
    if (rc != ep_errno::kOk)
    {
        ReplyResolved(c, rc, nullptr); // e.g. ENETDOWN: no link to the server
        return true;
    }
    c.waiting = Waiting{ShimType::Resolve, 0, requestId};
    return true;
}

void
ShimServer::ReplyResolved(Connection& c, std::int32_t error, const EpClientEvent* event)
{
    ShimResolveReply r;
    r.error = error;
    if (event != nullptr && error == ep_errno::kOk)
    {
        for (const EpAddress& a : event->addresses)
        {
            ShimAddress s;
            s.family = a.family;
            s.addr = a.addr;
            r.addresses.push_back(s);
        }
        r.canonicalName = event->name;
    }
    const std::vector<std::uint8_t> bytes = EncodeShimResolveReply(r);
    try
    {
        SendFdMessage(c.fd.Get(), bytes);
    }
    catch (const std::system_error& e)
    {
        m_log.Debug(std::string("shim resolve reply: ") + e.what());
    }
}

} // namespace realnet
} // namespace resoa
