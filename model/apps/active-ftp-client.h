/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef RESOA_ACTIVE_FTP_CLIENT_H
#define RESOA_ACTIVE_FTP_CLIENT_H

#include "active-ftp-control.h"

#include "ns3/application.h"
#include "ns3/socket.h"
#include "ns3/stream-pattern.h"

#include <memory>

namespace ns3
{

/**
 * \ingroup resoa
 * \brief The client half of the active-mode FTP pair: an unmodified socket application.
 *
 * It connects the control channel, asks its socket for its own address (getsockname), opens
 * a listening data socket on DataPort, sends `PORT <own address>,<DataPort>` and `RETR`,
 * then accepts the server's data connection and checks the file (size and content hash).
 * Over ReSoA getsockname yields the server's public address, so this works with no ALG;
 * behind NAT it yields a private address.
 */
class ActiveFtpClient : public Application
{
  public:
    /// How the transfer ended.
    struct Result
    {
        bool controlConnected = false;
        bool dataConnected = false;
        bool complete = false;  //!< every announced byte arrived with the right hash
        uint64_t announced = 0; //!< size from the 150 reply
        uint64_t received = 0;
        std::string lastReply; //!< e.g. "226 transfer complete" or "425 ..."
        Address ownAddress;    //!< getsockname of the control socket (sent in PORT)
        Address controlPeer;   //!< getpeername of the control socket
    };

    static TypeId GetTypeId();
    ActiveFtpClient();
    ~ActiveFtpClient() override;

    Result GetResult() const;

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void ControlConnected(Ptr<Socket> s);
    void ControlFailed(Ptr<Socket> s);
    void ControlRead(Ptr<Socket> s);
    void DataAccepted(Ptr<Socket> s, const Address& from);
    void DataRead(Ptr<Socket> s);
    void Send(const std::string& line);
    void Finish();

    Address m_remote;
    uint16_t m_dataPort;
    bool m_encrypt;
    uint64_t m_key;
    TypeId m_tid;
    Ptr<Socket> m_control;
    Ptr<Socket> m_listener;
    Ptr<Socket> m_data;
    std::unique_ptr<FtpControlChannel> m_channel;
    resoa::StreamHash m_hash;
    Result m_result;
};

} // namespace ns3

#endif // RESOA_ACTIVE_FTP_CLIENT_H
