/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * fd passing over a UNIX stream socket (SCM_RIGHTS), as clientd hands the shim its sockets.
 */
#include "fd-passing.h"
#include "unique-fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <string>
#include <system_error>

namespace resoa
{
namespace test
{
namespace
{

using realnet::FdMessage;
using realnet::FdReceiveStatus;
using realnet::ReceiveFdMessage;
using realnet::SendFdMessage;
using realnet::UniqueFd;

struct SocketPair
{
    explicit SocketPair(int flags = 0)
    {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0, fds), 0);
        a.Reset(fds[0]);
        b.Reset(fds[1]);
    }
    UniqueFd a;
    UniqueFd b;
};

std::vector<std::uint8_t>
Bytes(const std::string& text)
{
    return {text.begin(), text.end()};
}

int
ErrorOf(const std::function<void()>& action)
{
    try
    {
        action();
    }
    catch (const std::system_error& e)
    {
        return e.code().value();
    }
    return 0;
}

TEST(FdPassing, ReceivedFdWorksAndIsCloexec)
{
    SocketPair control; // clientd <-> shim
    // The exported socket: clientd keeps one end and passes the other. Made without
    // CLOEXEC, so a CLOEXEC flag on the received fd is the receiver's doing.
    int plain[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, plain), 0);
    UniqueFd plainA(plain[0]);
    UniqueFd plainB(plain[1]);

    SendFdMessage(control.a.Get(), Bytes("socket 7"), plainB.Get());
    plainB.Reset(); // the sender's copy is gone; only the passed one remains

    FdMessage message;
    ASSERT_EQ(ReceiveFdMessage(control.b.Get(), message), FdReceiveStatus::Message);
    EXPECT_EQ(message.bytes, Bytes("socket 7"));
    ASSERT_TRUE(message.fd);
    const int flags = ::fcntl(message.fd.Get(), F_GETFD);
    ASSERT_GE(flags, 0);
    EXPECT_TRUE(flags & FD_CLOEXEC) << "received fds must not leak into exec'd programs";

    // Write through the received fd, read on the other end, and back.
    ASSERT_EQ(::write(message.fd.Get(), "ping", 4), 4);
    char buffer[8] = {};
    ASSERT_EQ(::read(plainA.Get(), buffer, sizeof(buffer)), 4);
    EXPECT_EQ(std::string(buffer, 4), "ping");
    ASSERT_EQ(::write(plainA.Get(), "pong", 4), 4);
    ASSERT_EQ(::read(message.fd.Get(), buffer, sizeof(buffer)), 4);
    EXPECT_EQ(std::string(buffer, 4), "pong");
}

TEST(FdPassing, MessagesKeepTheirBoundariesAndTheirFds)
{
    SocketPair control;
    int pipeFds[2];
    ASSERT_EQ(::pipe(pipeFds), 0);
    UniqueFd readEnd(pipeFds[0]);
    UniqueFd writeEnd(pipeFds[1]);

    // Three messages written before any is read: the stream must not merge them.
    SendFdMessage(control.a.Get(), Bytes("first"), writeEnd.Get());
    SendFdMessage(control.a.Get(), Bytes(""), -1);
    const std::vector<std::uint8_t> big(realnet::kMaxFdMessageSize, 0xab);
    SendFdMessage(control.a.Get(), big, readEnd.Get());

    FdMessage m;
    ASSERT_EQ(ReceiveFdMessage(control.b.Get(), m), FdReceiveStatus::Message);
    EXPECT_EQ(m.bytes, Bytes("first"));
    EXPECT_TRUE(m.fd);
    ASSERT_EQ(ReceiveFdMessage(control.b.Get(), m), FdReceiveStatus::Message);
    EXPECT_TRUE(m.bytes.empty());
    EXPECT_FALSE(m.fd);
    ASSERT_EQ(ReceiveFdMessage(control.b.Get(), m), FdReceiveStatus::Message);
    EXPECT_EQ(m.bytes, big);
    EXPECT_TRUE(m.fd);
}

TEST(FdPassing, WouldBlockAndClosed)
{
    SocketPair control(SOCK_NONBLOCK);
    FdMessage m;
    EXPECT_EQ(ReceiveFdMessage(control.b.Get(), m), FdReceiveStatus::WouldBlock);
    control.a.Reset();
    EXPECT_EQ(ReceiveFdMessage(control.b.Get(), m), FdReceiveStatus::Closed);
}

TEST(FdPassing, SendingToAClosedPeerIsEpipeNotSigpipe)
{
    SocketPair control;
    control.b.Reset();
    EXPECT_EQ(ErrorOf([&] { SendFdMessage(control.a.Get(), Bytes("x"), -1); }), EPIPE);
}

TEST(FdPassing, OversizedMessageIsRefused)
{
    SocketPair control;
    const std::vector<std::uint8_t> tooBig(realnet::kMaxFdMessageSize + 1);
    EXPECT_EQ(ErrorOf([&] { SendFdMessage(control.a.Get(), tooBig, -1); }), EMSGSIZE);
}

TEST(FdPassing, MalformedStreamsAreEproto)
{
    FdMessage m;
    {
        SocketPair control; // unknown flag bit
        const std::uint8_t header[] = {0, 1, 0x80, 0, 'x'};
        ASSERT_EQ(::write(control.a.Get(), header, sizeof(header)), 5);
        EXPECT_EQ(ErrorOf([&] { ReceiveFdMessage(control.b.Get(), m); }), EPROTO);
    }
    {
        SocketPair control; // announces an fd that is not there
        const std::uint8_t header[] = {0, 0, 1, 0};
        ASSERT_EQ(::write(control.a.Get(), header, sizeof(header)), 4);
        EXPECT_EQ(ErrorOf([&] { ReceiveFdMessage(control.b.Get(), m); }), EPROTO);
    }
    {
        SocketPair control; // peer closes inside a message
        const std::uint8_t header[] = {0, 10, 0, 0, 'a', 'b'};
        ASSERT_EQ(::write(control.a.Get(), header, sizeof(header)), 6);
        control.a.Reset();
        EXPECT_EQ(ErrorOf([&] { ReceiveFdMessage(control.b.Get(), m); }), EPROTO);
    }
}

} // namespace
} // namespace test
} // namespace resoa
