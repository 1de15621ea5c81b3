/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_STACK_EVENT_SINK_H
#define RESOA_REALNET_STACK_EVENT_SINK_H

#include "ep-message.h"
#include "ep-server.h"
#include "ep-socket-stack.h"

#include <cstddef>
#include <cstdint>

namespace resoa
{
namespace realnet
{

/**
 * \brief Where KernelSocketStack reports socket events: the EpServer's stack-event
 * methods, as an interface (so a test can record them, and the stack does not depend on
 * one server object). EpServerSink forwards to an EpServer.
 */
class StackEventSink
{
  public:
    virtual ~StackEventSink() = default;

    virtual void OnConnected(EpHandle h) = 0;
    virtual void OnConnectFailed(EpHandle h, std::int32_t error) = 0;
    virtual void OnIncomingConnection(EpHandle listener, EpHandle newHandle) = 0;
    virtual void OnReadable(EpHandle h) = 0;
    virtual void OnWritable(EpHandle h) = 0;
    virtual void OnPeerClosed(EpHandle h) = 0;
    virtual void OnError(EpHandle h, std::int32_t error) = 0;
    virtual void OnDatagram(EpHandle h,
                            const EpAddress& from,
                            const std::uint8_t* data,
                            std::size_t len) = 0;
};

/// StackEventSink that calls the same methods of an EpServer.
class EpServerSink : public StackEventSink
{
  public:
    /// Forwards to \p server, which must outlive this sink.
    explicit EpServerSink(EpServer& server)
        : m_server(server)
    {
    }

    void OnConnected(EpHandle h) override
    {
        m_server.OnConnected(h);
    }

    void OnConnectFailed(EpHandle h, std::int32_t error) override
    {
        m_server.OnConnectFailed(h, error);
    }

    void OnIncomingConnection(EpHandle listener, EpHandle newHandle) override
    {
        m_server.OnIncomingConnection(listener, newHandle);
    }

    void OnReadable(EpHandle h) override
    {
        m_server.OnReadable(h);
    }

    void OnWritable(EpHandle h) override
    {
        m_server.OnWritable(h);
    }

    void OnPeerClosed(EpHandle h) override
    {
        m_server.OnPeerClosed(h);
    }

    void OnError(EpHandle h, std::int32_t error) override
    {
        m_server.OnError(h, error);
    }

    void OnDatagram(EpHandle h,
                    const EpAddress& from,
                    const std::uint8_t* data,
                    std::size_t len) override
    {
        m_server.OnDatagram(h, from, data, len);
    }

  private:
    EpServer& m_server;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_STACK_EVENT_SINK_H
