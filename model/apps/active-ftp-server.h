/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_ACTIVE_FTP_SERVER_H
#define RESOA_ACTIVE_FTP_SERVER_H

#include "active-ftp-control.h"

#include "ns3/application.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"

#include <map>
#include <memory>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief The server half of the active-mode FTP pair.
 *
 * It accepts control connections, answers `PORT h1,h2,h3,h4,p1,p2` with 200 and
 * `RETR name` with 150 and the file size, then *opens the data connection itself* to the
 * address the client put in PORT, sends FileSize pattern bytes and closes it; 226 follows on
 * the control channel, or 425 if the data connection could not be opened. That is what makes
 * active FTP the classic NAT problem: the address travels in the payload.
 */
class ActiveFtpServer : public Application
{
  public:
    /// Trace signature of PeerSeen: the control connection's peer and the PORT address.
    typedef void (*PeerTracedCallback)(const Address& controlPeer, const Address& portAddress);

    static TypeId GetTypeId();
    ActiveFtpServer();
    ~ActiveFtpServer() override;

    /// Data connections opened and completed / failed so far.
    uint32_t GetTransfersDone() const;
    uint32_t GetTransfersFailed() const;
    /// The control peer and PORT address of the last RETR (what this side sees).
    Address GetLastControlPeer() const;
    Address GetLastPortAddress() const;

  protected:
    void DoDispose() override;

  private:
    struct Session
    {
        Ptr<Socket> control;
        std::unique_ptr<FtpControlChannel> channel;
        Address port;
        Ptr<Socket> data;
        uint64_t sent = 0;
    };

    void StartApplication() override;
    void StopApplication() override;
    void HandleAccept(Ptr<Socket> s, const Address& from);
    void HandleControlRead(Ptr<Socket> s);
    void HandleLine(Session& session, const std::string& line);
    void Reply(Session& session, const std::string& line);
    void StartData(Ptr<Socket> control);
    void FillData(Ptr<Socket> control);
    void DataFailed(Ptr<Socket> control);

    uint16_t m_port;
    uint64_t m_fileSize;
    bool m_encrypt;
    uint64_t m_key;
    Ptr<Socket> m_listener;
    std::map<Ptr<Socket>, Session> m_sessions;
    uint32_t m_done;
    uint32_t m_failed;
    Address m_lastControlPeer;
    Address m_lastPort;
    TracedCallback<const Address&, const Address&> m_peerTrace;
};

} // namespace ns3

#endif // RESOA_ACTIVE_FTP_SERVER_H
