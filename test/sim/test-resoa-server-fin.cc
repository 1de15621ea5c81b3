/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A client's shutdown(SHUT_WR) must reach the Internet peer as a FIN. ns-3 3.37's
 * TcpSocketBase::ShutdownSend sends the FIN at once only with an empty tx buffer; with every
 * byte sent but not yet acked it waits for a later data segment that never comes, so the FIN
 * was lost whenever the client shut down right after its last write (found by the emulation
 * example with a real Linux peer). Ns3EpSocketStack defers ShutdownSend until the buffer is
 * empty.
 */
#include "resoa-scenario.h"

#include "ns3/internet-module.h"

#include <gtest/gtest.h>

using namespace ns3;
using namespace resoa_test;

namespace
{

/// The Internet host's side: accepts one connection, counts bytes, notes the FIN.
struct Sink
{
    Ptr<Socket> listener;
    Ptr<Socket> accepted;
    uint64_t received = 0;
    bool fin = false;
    Time finAt;

    void Start(Ptr<Node> node, uint16_t port)
    {
        listener = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
        listener->Listen();
        listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                    Callback<void, Ptr<Socket>, const Address&>(
                                        [this](Ptr<Socket> c, const Address&)
                                        {
                                            accepted = c;
                                            c->SetRecvCallback(Callback<void, Ptr<Socket>>(
                                                [this](Ptr<Socket> r)
                                                {
                                                    while (Ptr<Packet> p = r->Recv())
                                                    {
                                                        received += p->GetSize();
                                                    }
                                                }));
                                            c->SetCloseCallbacks(
                                                Callback<void, Ptr<Socket>>(
                                                    [this](Ptr<Socket>)
                                                    {
                                                        fin = true;
                                                        finAt = Simulator::Now();
                                                    }),
                                                MakeNullCallback<void, Ptr<Socket>>());
                                        }));
    }
};

class ResoaServerFin : public ::testing::TestWithParam<uint32_t>
{
};

TEST_P(ResoaServerFin, ShutdownAfterTheLastWriteReachesThePeerAsFin)
{
    const uint32_t bytes = GetParam();
    ResoaScenario s;
    Sink sink;
    sink.Start(s.net.host, 7000);
    Ptr<Socket> client;
    uint32_t written = 0;
    Time shutdownAt;
    auto fill = [&]()
    {
        std::vector<uint8_t> buf(1000, 0x5a);
        while (written < bytes && client->GetTxAvailable() > 0)
        {
            uint32_t n = std::min<uint32_t>({bytes - written, 1000u, client->GetTxAvailable()});
            int rc = client->Send(buf.data(), n, 0);
            if (rc <= 0)
            {
                break;
            }
            written += static_cast<uint32_t>(rc);
        }
        if (written == bytes && shutdownAt.IsZero())
        {
            shutdownAt = Simulator::Now();
            EXPECT_EQ(client->ShutdownSend(), 0); // right after the last write
        }
    };
    Simulator::Schedule(
        Seconds(0.5),
        [&]()
        {
            client = Socket::CreateSocket(s.net.stas.Get(0), TcpSocketFactory::GetTypeId());
            client->SetConnectCallback(Callback<void, Ptr<Socket>>([&](Ptr<Socket>) { fill(); }),
                                       MakeNullCallback<void, Ptr<Socket>>());
            client->SetSendCallback(
                Callback<void, Ptr<Socket>, uint32_t>([&](Ptr<Socket>, uint32_t) { fill(); }));
            client->Connect(InetSocketAddress(s.net.hostAddress, 7000));
        });
    Simulator::Stop(Seconds(10));
    Simulator::Run();

    EXPECT_EQ(written, bytes);
    EXPECT_EQ(sink.received, bytes);
    ASSERT_TRUE(sink.fin) << bytes << " bytes: the FIN never reached the Internet peer";
    EXPECT_LT((sink.finAt - shutdownAt).GetSeconds(), 1.0);
}

// Sizes that end at different points of the server's TCP flight (one segment, a few, many).
INSTANTIATE_TEST_SUITE_P(Sizes,
                         ResoaServerFin,
                         ::testing::Values(1000u, 1448u, 5000u, 20000u, 100000u, 300000u));

} // namespace
