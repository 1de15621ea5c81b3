/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_ACTIVE_FTP_CONTROL_H
#define RESOA_ACTIVE_FTP_CONTROL_H

#include "ns3/inet-socket-address.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief The control channel of the active-FTP application pair: CRLF-terminated lines,
 * optionally encrypted with a keystream so middleboxes cannot read or rewrite them (as
 * FTPS would be to an ALG).
 *
 * Each direction has its own keystream position; both ends must agree on the key.
 */
class FtpControlChannel
{
  public:
    FtpControlChannel(bool encrypt, uint64_t key);

    /// Bytes to put on the wire for `line` (CRLF appended).
    std::vector<uint8_t> Encode(const std::string& line);
    /// Feeds received bytes; complete lines come out of NextLine().
    void Feed(const uint8_t* data, size_t len);
    std::optional<std::string> NextLine();

  private:
    bool m_encrypt;
    uint64_t m_key;
    uint64_t m_txOffset = 0;
    uint64_t m_rxOffset = 0;
    std::string m_rxBuffer;
};

/// "PORT h1,h2,h3,h4,p1,p2" argument for an IPv4 address and port.
std::string FormatFtpPort(const InetSocketAddress& a);
/// Parses the argument of PORT; nullopt if malformed.
std::optional<InetSocketAddress> ParseFtpPort(const std::string& arg);

} // namespace ns3

#endif // RESOA_ACTIVE_FTP_CONTROL_H
