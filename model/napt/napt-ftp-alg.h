/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_NAPT_FTP_ALG_H
#define RESOA_NAPT_FTP_ALG_H

#include "napt-mapping-table.h"

#include "ns3/packet.h"
#include "ns3/tcp-header.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief The FTP application-level gateway of NaptRouting (active mode).
 *
 * On a control connection (TCP to port 21) it rewrites, in the client-to-server stream,
 * `PORT h1,h2,h3,h4,p1,p2` and `EPRT |1|a.b.c.d|port|` lines that name the client's private
 * address: the address becomes the NAT's public one and the port a public port the NAT maps
 * to the client's data endpoint, with an expectation that lets the server's data connection
 * in. The rewritten line has another length, so the ALG keeps per-connection corrections and
 * shifts every later client-to-server sequence number, and maps the server's acknowledgement
 * numbers and SACK blocks back, as Linux's nf_conntrack_ftp/nf_nat_ftp do.
 *
 * Limits (as real ALGs): a command split across two segments is not rewritten, and an
 * encrypted control channel (FTPS) cannot be read, so it passes unchanged and active FTP then
 * fails behind the NAT. Passive mode (227/229 replies) needs no ALG for a client behind NAT and
 * is not touched.
 */
class NaptFtpAlg
{
  public:
    /// Control port the ALG watches.
    static constexpr uint16_t CONTROL_PORT = 21;

    /**
     * Asked for the public port of a private data endpoint, admitting one connection from the
     * server's address; nullopt if the NAT has no port left.
     */
    using ExpectCallback =
        std::function<std::optional<uint16_t>(NaptEndpoint priv, Ipv4Address server)>;

    /// A control connection: the client's private endpoint and the server's endpoint.
    struct Connection
    {
        NaptEndpoint client; //!< private side
        NaptEndpoint server; //!< remote side

        /// Map key order.
        bool operator<(const Connection& o) const
        {
            return std::tie(client, server) < std::tie(o.client, o.server);
        }
    };

    /// \param expect how the ALG gets data mappings from its NAT
    explicit NaptFtpAlg(ExpectCallback expect);

    /**
     * A client-to-server segment (header still carries private addressing). Rewrites PORT/EPRT
     * lines and shifts the sequence number in `tcp`.
     * \return the payload to forward: `payload` itself, or a new packet if a line was rewritten
     */
    Ptr<Packet> Outbound(const Connection& c,
                         TcpHeader& tcp,
                         Ptr<Packet> payload,
                         Ipv4Address publicAddress);

    /// A server-to-client segment: maps its ack number and SACK blocks back.
    void Inbound(const Connection& c, TcpHeader& tcp);

    /// Drops the state of the client endpoint's control connections (its mapping expired).
    void Forget(NaptEndpoint client);

    /// Lines rewritten so far (retransmissions included).
    uint32_t GetRewrites() const;

  private:
    /// One rewritten line, in the client's original numbering.
    struct Correction
    {
        SequenceNumber32 lineStart; //!< first byte of the original line
        SequenceNumber32 lineEnd;   //!< one past its CRLF
        int32_t before = 0;         //!< cumulative length change before the line
        int32_t after = 0;          //!< ...and after it
        std::string text;           //!< the replacement (reused for retransmissions)
    };

    /// Length changes so far on one control connection.
    struct State
    {
        std::vector<Correction> corrections; //!< in stream order
    };

    std::optional<std::string> Rewrite(const std::string& line,
                                       const Connection& c,
                                       Ipv4Address publicAddress);
    static int32_t DeltaAt(const State& s, SequenceNumber32 seq);
    static SequenceNumber32 MapBack(const State& s, SequenceNumber32 seq);

    ExpectCallback m_expect;
    std::map<Connection, State> m_connections;
    uint32_t m_rewrites = 0;
};

/// Parses an EPRT argument (`|1|a.b.c.d|port|`, any delimiter); IPv4 only.
std::optional<NaptEndpoint> ParseFtpEprt(const std::string& arg);

} // namespace ns3

#endif // RESOA_NAPT_FTP_ALG_H
