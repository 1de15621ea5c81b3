/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "server-stats.h"

#include <sstream>

namespace resoa
{
namespace realnet
{

std::string
FormatServerStats(ServerLoop& server)
{
    const ServerLoopStats& loop = server.GetStats();
    const LhpEndpointStats& lhp = server.GetEndpoint().GetStats();
    const LhpStats links = server.GetEndpoint().GetTotalStats();
    const EpServerStats& ep = server.GetServer().GetStats();
    std::ostringstream s;
    s << "sessions=" << server.SessionCount() << " sessions_up=" << loop.sessionsUp
      << " sessions_down=" << loop.sessionsDown << " frames_rx=" << loop.framesReceived
      << " frames_tx=" << loop.framesSent << " frames_tx_dropped="
      << loop.framesDropped
      // LHP: what was dropped or refused, never acted on
      << " lhp_bad_frames=" << lhp.badFrames << " lhp_unknown_connection=" << lhp.unknownConnection
      << " lhp_bad_connects=" << lhp.badConnects
      << " lhp_admissions_refused=" << lhp.admissionsRefused
      << " lhp_restart_challenges=" << lhp.restartChallenges
      << " lhp_forged_connects=" << lhp.forgedConnects << " lhp_restarts=" << lhp.restarts
      << " lhp_stateless_close_replies=" << lhp.statelessCloseReplies
      << " lhp_forged_closes_open_links=" << links.forgedCloses
      << " lhp_retransmissions_open_links="
      << links.retransmissions
      // EP
      << " ep_decode_errors=" << ep.decodeErrors << " ep_unexpected=" << ep.unexpectedMessages
      << " ep_unknown_socket=" << ep.unknownSocket << " ep_not_registered=" << ep.notRegistered
      << " ep_registrations_denied=" << ep.registrationsDenied
      << " ep_sockets_created=" << ep.socketsCreated << " ep_sockets_closed=" << ep.socketsClosed
      << " ep_emfile=" << ep.limitRejected << " ep_window_violations=" << ep.windowViolations
      << " ep_credit_violations=" << ep.creditViolations
      << " ep_clients_refused=" << ep.clientsRefused
      << " ep_registrations_throttled=" << ep.registrationsThrottled
      << " ep_enobufs=" << ep.bufferRefused << " ep_datagrams_dropped=" << ep.datagramsDropped
      << " ep_bytes_from_clients=" << ep.bytesFromClients
      << " ep_bytes_to_clients=" << ep.bytesToClients;
    if (const DhcpAgent* dhcp = server.GetDhcp())
    {
        const DhcpAgentStats d = dhcp->GetStats();
        s << " dhcp_leases=" << dhcp->GetLeaseCount() << " dhcp_discovers=" << d.leases.discovers
          << " dhcp_requests=" << d.leases.requests << " dhcp_renewals=" << d.leases.renewals
          << " dhcp_releases=" << d.leases.releases << " dhcp_acks=" << d.leases.acks
          << " dhcp_naks=" << d.leases.naks << " dhcp_ignored=" << d.leases.ignored
          << " dhcp_undecodable=" << d.undecodable << " dhcp_unmatched=" << d.unmatched
          << " dhcp_send_errors=" << d.sendErrors;
    }
    return s.str();
}

} // namespace realnet
} // namespace resoa
