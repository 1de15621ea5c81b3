/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * EpServer against the EpSocketStack contract a kernel driver keeps (handles never reused,
 * read interest, EOF and errors from Read and Send), and the bounds a hostile client
 * probed: Closing sockets, credit, backpressure, socket buffers, queued datagrams.
 */
#include "ep-server.h"

#include "core/ep-server-rig.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

namespace resoa
{
namespace test
{
namespace
{

using std::chrono::seconds;

std::size_t
CountType(const std::vector<Sent>& out, EpType t)
{
    return static_cast<std::size_t>(
        std::count_if(out.begin(), out.end(), [t](const Sent& s) { return s.msg.type == t; }));
}

// --- 1. handles ---

TEST(EpStackContract, HandlesAreNeverReusedAndStaleEventsAreIgnored)
{
    Rig r;
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h1 = r.Connect(1, 1);
    ASSERT_NE(h1, kEpInvalidHandle);
    r.Send(1, Msg(EpType::Close, 1));
    r.Run();
    ASSERT_TRUE(r.stack.Find(h1)->released);

    // The kernel hands out the same descriptor again; the generation makes a new handle.
    EpHandle h2 = r.Connect(1, 2);
    ASSERT_NE(h2, kEpInvalidHandle);
    EXPECT_EQ(FakeSocketStack::FdOf(h2), FakeSocketStack::FdOf(h1));
    EXPECT_NE(h2, h1);

    // Events a driver had queued for the old socket arrive now: all ignored, counted.
    r.Send(1, Credit(2, 4000));
    r.stack.PeerWrite(h2, Bytes("for socket 2"));
    const std::uint64_t before = r.server.GetStats().staleStackEvents;
    r.server.OnReadable(h1);
    r.server.OnWritable(h1);
    r.server.OnPeerClosed(h1);
    r.server.OnError(h1, ep_errno::kEconnreset);
    r.server.OnConnected(h1);
    EXPECT_EQ(r.server.GetStats().staleStackEvents, before + 5);
    std::vector<Sent> out = r.Run();
    EXPECT_EQ(CountType(out, EpType::Error), 0u);
    EXPECT_EQ(CountType(out, EpType::Eof), 0u);
    EXPECT_EQ(Payload(out), Bytes("for socket 2"));
    EXPECT_FALSE(r.stack.Find(h2)->released);
    EXPECT_EQ(r.stack.DoubleReleases(), 0u);
    EXPECT_EQ(r.stack.InterestOnReleased(), 0u);
}

// --- 2. read interest ---

TEST(EpStackContract, ReadInterestFollowsCredit)
{
    Rig r;
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    EXPECT_FALSE(r.stack.Find(h)->readInterest); // no credit yet: do not poll
    r.stack.PeerWrite(h, Pattern(5000, 1));
    EXPECT_TRUE(r.Run().empty());
    EXPECT_EQ(r.stack.Find(h)->readCalls, 0u); // the held readable event never reached it

    r.Send(1, Credit(1, 3000));
    std::vector<Sent> out = r.Run();
    EXPECT_EQ(Payload(out).size(), 3000u);
    EXPECT_FALSE(r.stack.Find(h)->readInterest); // zero credit: off again
    EXPECT_FALSE(r.Info(1, 1)->readInterest);
    const std::size_t reads = r.stack.Find(h)->readCalls;
    r.stack.PeerWrite(h, Pattern(100, 2)); // more data at zero credit: no spinning
    r.Run();
    EXPECT_EQ(r.stack.Find(h)->readCalls, reads);

    r.Send(1, Credit(1, 1000));
    out = r.Run();
    EXPECT_EQ(Payload(out).size(), 1000u);
    EXPECT_FALSE(r.stack.Find(h)->readInterest);

    // Credit with nothing left to read: interest stays on, waiting for the peer.
    r.Send(1, Credit(1, 3000));
    out = r.Run();
    EXPECT_EQ(Payload(out).size(), 1100u);
    EXPECT_TRUE(r.stack.Find(h)->readInterest);
    r.stack.PeerWrite(h, Pattern(2500, 3)); // reported while on; read up to the credit
    out = r.Run();
    EXPECT_EQ(Payload(out).size(), 1900u);
    EXPECT_FALSE(r.stack.Find(h)->readInterest); // zero credit again: off
    EXPECT_EQ(r.stack.RedundantInterestCalls(), 0u);
}

TEST(EpStackContract, ReadInterestOffAfterEofAndForClosingSockets)
{
    Rig r;
    r.stack.SetBuffers(65536, 10);
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    r.Send(1, Credit(1, 4000));
    r.Run();
    EXPECT_TRUE(r.stack.Find(h)->readInterest);
    r.stack.PeerClose(h, false); // EPOLLIN; read() returns 0
    std::vector<Sent> out = r.Run();
    EXPECT_EQ(CountType(out, EpType::Eof), 1u);
    EXPECT_FALSE(r.stack.Find(h)->readInterest); // EOF is readable forever: stop polling

    EpHandle h2 = r.Connect(1, 2);
    r.Send(1, Credit(2, 4000));
    r.Send(1, Data(2, Pattern(100, 3))); // 10 fit TCP's send buffer
    r.Send(1, Msg(EpType::Close, 2));
    r.Run();
    ASSERT_EQ(r.Info(1, 2)->state, EpServerSocketState::Closing);
    EXPECT_FALSE(r.stack.Find(h2)->readInterest);
    EXPECT_EQ(r.stack.RedundantInterestCalls(), 0u);
}

// --- 3. Read and Send report EOF and errors ---

TEST(EpStackContract, EofReportedOnlyByReadFollowsTheData)
{
    Rig r;
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    std::vector<std::uint8_t> data = Pattern(2500, 5);
    r.stack.PeerWrite(h, data);
    r.stack.PeerClose(h, false); // no OnPeerClosed: a kernel's read() returning 0
    r.Send(1, Credit(1, 4000));
    std::vector<Sent> out = r.Run();
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back().msg.type, EpType::Eof);
    EXPECT_EQ(CountType(out, EpType::Eof), 1u);
    EXPECT_EQ(Payload(out), data);
    r.server.OnPeerClosed(h); // a late event as well: still one Eof
    r.server.OnReadable(h);
    EXPECT_TRUE(r.Run().empty());
}

TEST(EpStackContract, ConnectionResetSeenByReadGoesAfterTheData)
{
    Rig r;
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    r.stack.PeerWrite(h, Pattern(500, 6));
    r.stack.Find(h)->readError = ep_errno::kEconnreset; // after the 500 bytes
    r.Send(1, Credit(1, 4000));
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].msg.type, EpType::Data);
    EXPECT_EQ(out[0].msg.payload.size(), 500u);
    EXPECT_EQ(out[1].msg.type, EpType::Error);
    EXPECT_EQ(out[1].msg.error, ep_errno::kEconnreset);
    EXPECT_TRUE(r.stack.Find(h)->released);
    EXPECT_TRUE(r.server.ListSockets().empty());
    EXPECT_EQ(r.server.GetStats().stackErrors, 1u);
    r.Send(1, Data(1, Bytes("late")));
    r.Send(1, Msg(EpType::Close, 1));
    r.Run();
    EXPECT_EQ(r.stack.DoubleReleases(), 0u);
}

TEST(EpStackContract, QuietResetSeenBySendAndPipeErrors)
{
    Rig r;
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    r.stack.PeerReset(h, false); // no event: only Read/Send will say so
    r.Send(1, Data(1, Bytes("hello")));
    std::vector<Sent> out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Error);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEconnreset);
    EXPECT_TRUE(r.stack.Find(h)->released);

    EpHandle h2 = r.Connect(1, 2);
    r.stack.InjectSendError(h2, ep_errno::kEpipe);
    r.Send(1, Data(2, Bytes("hello")));
    out = r.Run();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg.type, EpType::Error);
    EXPECT_EQ(out[0].msg.error, ep_errno::kEpipe);
    EXPECT_TRUE(r.stack.Find(h2)->released);
    EXPECT_EQ(r.server.GetStats().stackErrors, 2u);
}

TEST(EpStackContract, SendErrorOnClosingSocketReleasesSilently)
{
    Rig r;
    r.stack.SetBuffers(65536, 10);
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    r.Send(1, Data(1, Pattern(100, 7)));
    r.Send(1, Msg(EpType::Close, 1));
    r.Run();
    ASSERT_EQ(r.Info(1, 1)->state, EpServerSocketState::Closing);
    r.stack.InjectSendError(h, ep_errno::kEpipe);
    r.stack.PeerRead(h, 10); // OnWritable: the retry fails
    std::vector<Sent> out = r.Run();
    EXPECT_TRUE(out.empty()); // the client closed it: nobody to tell
    EXPECT_TRUE(r.stack.Find(h)->released);
    EXPECT_FALSE(r.server.NextDeadline().has_value());
}

TEST(EpStackContract, SendEagainKeepsDataForOnWritable)
{
    Rig r;
    r.stack.SetBuffers(65536, 100);
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    std::vector<std::uint8_t> data = Pattern(250, 8);
    r.Send(1, Data(1, data));
    r.Run();
    EXPECT_EQ(r.Info(1, 1)->pendingBytes, 150u);
    const std::size_t calls = r.stack.Find(h)->sendCalls;
    r.server.OnWritable(h); // spurious: the buffer is still full, kEagain, nothing lost
    EXPECT_EQ(r.stack.Find(h)->sendCalls, calls + 1);
    EXPECT_EQ(r.Info(1, 1)->pendingBytes, 150u);
    for (int i = 0; i < 3; ++i)
    {
        r.stack.PeerRead(h, 100);
        r.Run();
    }
    EXPECT_EQ(r.stack.Find(h)->peerReceived, data);
}

// --- 6a. Closing sockets ---

TEST(EpBounds, ClosingSocketsCountTowardTheLimitAndLingerAtMostClosingTimeout)
{
    EpServerConfig cfg = Rig::Default();
    cfg.socketLimit = 4;
    cfg.closingTimeout = seconds(60);
    Rig r(cfg);
    r.stack.SetBuffers(65536, 100); // the web server never reads: 100 bytes and TCP is full
    ASSERT_EQ(r.Register(1).error, 0);
    // The hostile loop: connect, send a window's worth, close, repeat.
    const TimePoint t0 = seconds(1000);
    std::size_t refused = 0;
    std::vector<EpHandle> handles;
    for (std::uint32_t id = 1; id <= 300; ++id)
    {
        std::vector<Sent> out;
        TimePoint now = t0 + seconds(id % 10);
        EpHandle h = r.Connect(1, id, now, &out);
        if (h == kEpInvalidHandle)
        {
            ASSERT_EQ(out.size(), 1u);
            EXPECT_EQ(out[0].msg.error, ep_errno::kEmfile);
            refused++;
            continue;
        }
        handles.push_back(h);
        r.Send(1, Data(id, Pattern(4000, id)), now);
        r.Send(1, Msg(EpType::Close, id), now);
        r.Run();
    }
    EXPECT_EQ(handles.size(), 4u);
    EXPECT_EQ(refused, 296u);
    std::size_t held = 0;
    for (const EpServerSocketInfo& i : r.server.ListSockets())
    {
        EXPECT_EQ(i.state, EpServerSocketState::Closing);
        held += i.pendingBytes;
    }
    EXPECT_LE(held, 4u * cfg.clientWindowBytes); // memory: bounded by the limit

    ASSERT_TRUE(r.server.NextDeadline().has_value());
    EXPECT_EQ(*r.server.NextDeadline(), t0 + seconds(1) + seconds(60));
    r.server.HandleDeadline(t0 + seconds(60));
    EXPECT_EQ(r.server.ListSockets().size(), 4u); // not yet
    r.server.HandleDeadline(t0 + seconds(70));
    EXPECT_TRUE(r.server.ListSockets().empty());
    EXPECT_FALSE(r.server.NextDeadline().has_value());
    EXPECT_EQ(r.server.GetStats().closingTimeouts, 4u);
    for (EpHandle h : handles)
    {
        EXPECT_TRUE(r.stack.Find(h)->aborted); // RST: the data will never be read
    }
    EXPECT_NE(r.Connect(1, 1000, t0 + seconds(70)), kEpInvalidHandle); // room again
}

TEST(EpBounds, ClosingSocketThatFinishesCancelsItsDeadline)
{
    Rig r;
    r.stack.SetBuffers(65536, 100);
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    r.Send(1, Data(1, Pattern(150, 1)), seconds(5));
    r.Send(1, Msg(EpType::Close, 1), seconds(5));
    r.Run();
    ASSERT_EQ(r.server.NextDeadline(), std::optional<TimePoint>(seconds(65)));
    r.stack.PeerRead(h, 100);
    r.Run();
    EXPECT_TRUE(r.stack.Find(h)->closed);
    EXPECT_FALSE(r.stack.Find(h)->aborted);
    EXPECT_FALSE(r.server.NextDeadline().has_value());
    r.server.HandleDeadline(seconds(100));
    EXPECT_EQ(r.server.GetStats().closingTimeouts, 0u);
}

// --- 6b. credit ---

TEST(EpBounds, CreditIsCappedAtTheClientsWindow)
{
    Rig r;
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    r.Send(1, Credit(1, 3000)); // the initial grant: the client's window
    for (int i = 0; i < 4; ++i)
    {
        r.Send(1, Credit(1, 0xFFFFFFFFu)); // hostile: 17 GB of credit
    }
    std::vector<Sent> out = r.Run();
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(r.Info(1, 1)->pushAllowance, 3000u);
    EXPECT_EQ(r.Info(1, 1)->clientRecvWindow, 3000u);
    EXPECT_EQ(r.server.GetStats().creditViolations, 4u);
    r.stack.PeerWrite(h, Pattern(20000, 2));
    out = r.Run();
    EXPECT_EQ(Payload(out).size(), 3000u);
    EXPECT_EQ(r.stack.Find(h)->totalRead, 3000u);
}

TEST(EpBounds, FirstCreditIsCappedAtMaxClientRecvWindow)
{
    EpServerConfig cfg = Rig::Default();
    cfg.maxClientRecvWindow = 8192;
    Rig r(cfg);
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    r.Send(1, Credit(1, 0xFFFFFFFFu));
    r.stack.PeerWrite(h, Pattern(20000, 3));
    std::vector<Sent> out = r.Run();
    EXPECT_EQ(Payload(out).size(), 8192u);
    EXPECT_EQ(r.Info(1, 1)->clientRecvWindow, 8192u);
    EXPECT_EQ(r.server.GetStats().creditViolations, 1u);
}

// --- 6c. backpressure ---

TEST(EpBounds, BackpressureStopsReadingUntilCleared)
{
    Rig r;
    ASSERT_EQ(r.Register(1).error, 0);
    r.Register(2);
    EpHandle h = r.Connect(1, 1);
    EpHandle other = r.Connect(2, 1);
    r.Send(1, Credit(1, 4000));
    r.Send(2, Credit(1, 4000));
    r.Run();
    r.server.SetSessionBackpressure(1, true);
    EXPECT_TRUE(r.server.GetSession(1)->backedUp);
    EXPECT_FALSE(r.stack.Find(h)->readInterest);
    EXPECT_TRUE(r.stack.Find(other)->readInterest); // only that client's sockets

    std::vector<std::uint8_t> data = Pattern(3000, 4);
    r.stack.PeerWrite(h, data);
    r.stack.PeerWrite(other, Pattern(10, 5));
    r.server.OnReadable(h); // delivered anyway (an edge-triggered driver): still nothing
    std::vector<Sent> out = r.Run();
    for (const Sent& s : out)
    {
        EXPECT_NE(s.session, 1u);
    }
    EXPECT_EQ(Payload(out).size(), 10u);
    EXPECT_EQ(r.stack.Find(h)->totalRead, 0u);

    r.server.SetSessionBackpressure(1, false);
    EXPECT_TRUE(r.stack.Find(h)->readInterest);
    out = r.Run();
    EXPECT_EQ(Payload(out), data);
    EXPECT_EQ(r.stack.RedundantInterestCalls(), 0u);
}

TEST(EpBounds, BackpressureDropsDatagramsAndQueuedDatagramsAreBounded)
{
    EpServerConfig cfg = Rig::Default();
    cfg.maxQueuedDatagramBytes = 200;
    Rig r(cfg);
    ASSERT_EQ(r.Register(1).error, 0);
    EpMessage st = Msg(EpType::SendTo, 1, 9);
    st.flags = kEpFlagCreate;
    st.sockType = EpSockType::Dgram;
    st.peer = kRemote;
    st.payload = Bytes("ping");
    r.Send(1, st);
    r.Run();
    EpHandle h = r.HandleOf(1, 1);
    ASSERT_NE(h, kEpInvalidHandle);
    EXPECT_TRUE(r.stack.Find(h)->readInterest);

    // 73-byte RecvFrom messages: two fit 200 bytes, the rest is dropped until drained.
    for (int i = 0; i < 5; ++i)
    {
        r.stack.InjectDatagram(h, kRemote, Pattern(50, i));
    }
    r.stack.DeliverEvents();
    EXPECT_EQ(r.server.GetSession(1)->queuedDatagramBytes, 146u);
    EXPECT_EQ(r.server.GetStats().datagramsDropped, 3u);
    EXPECT_EQ(CountType(Drain(r.server), EpType::RecvFrom), 2u);
    EXPECT_EQ(r.server.GetSession(1)->queuedDatagramBytes, 0u);

    r.server.SetSessionBackpressure(1, true);
    EXPECT_FALSE(r.stack.Find(h)->readInterest);
    r.server.OnDatagram(h, kRemote, Pattern(10, 1).data(), 10); // delivered anyway: dropped
    EXPECT_EQ(r.server.GetStats().datagramsDropped, 4u);
    r.stack.InjectDatagram(h, kRemote, Pattern(10, 2)); // held by the stack meanwhile
    EXPECT_TRUE(r.Run().empty());
    r.server.SetSessionBackpressure(1, false);
    EXPECT_EQ(CountType(r.Run(), EpType::RecvFrom), 1u);
}

// --- 6d. socket buffers ---

TEST(EpBounds, SocketBuffersAreClampedAndNonPositiveRefused)
{
    Rig r;
    ASSERT_EQ(r.Register(1).error, 0);
    EpHandle h = r.Connect(1, 1);
    std::uint32_t req = 10;
    auto set = [&](std::uint16_t option, std::int32_t value)
    {
        EpMessage s = Msg(EpType::SetSockOpt, 1, req++);
        s.level = ep_sockopt::kLevelSocket;
        s.option = option;
        s.intValue = value;
        r.Send(1, s);
        std::vector<Sent> out = r.Run();
        EXPECT_EQ(out.size(), 1u);
        return out.empty() ? -1 : out[0].msg.error;
    };
    auto get = [&](std::uint16_t option)
    {
        EpMessage g = Msg(EpType::GetSockOpt, 1, req++);
        g.level = ep_sockopt::kLevelSocket;
        g.option = option;
        r.Send(1, g);
        std::vector<Sent> out = r.Run();
        EXPECT_EQ(out.size(), 1u);
        return out.empty() ? -1 : out[0].msg.intValue;
    };
    EXPECT_EQ(set(ep_sockopt::kRcvBuf, 0x7FFFFFFF), 0);
    EXPECT_EQ(get(ep_sockopt::kRcvBuf), 4 << 20);
    EXPECT_EQ(set(ep_sockopt::kSndBuf, 0x7FFFFFFF), 0);
    EXPECT_EQ(get(ep_sockopt::kSndBuf), 4 << 20);
    EXPECT_EQ(r.server.GetStats().sockOptsClamped, 2u);
    EXPECT_EQ(set(ep_sockopt::kRcvBuf, 0), ep_errno::kEinval);
    EXPECT_EQ(set(ep_sockopt::kSndBuf, -5), ep_errno::kEinval);
    EXPECT_EQ(get(ep_sockopt::kRcvBuf), 4 << 20); // unchanged by the refused calls
    EXPECT_EQ(set(ep_sockopt::kRcvBuf, 65536), 0);
    EXPECT_EQ(get(ep_sockopt::kRcvBuf), 65536);
    EXPECT_EQ((r.stack.Find(h)->options[{ep_sockopt::kLevelSocket, ep_sockopt::kRcvBuf}]), 65536);
}

} // namespace
} // namespace test
} // namespace resoa
