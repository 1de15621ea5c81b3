/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The ReSoA server's own TCP settings (TcpMinRto, TcpClockGranularity, TcpDelAckTimeout,
 * TcpCongestionControl), apart from the process-wide defaults a baseline in the same
 * simulation uses: a NewReno-with-200-ms-MinRto baseline must not change the server's TCP.
 */
#include "ns3/applications-module.h"
#include "ns3/internet-module.h"

#include "sim/resoa-scenario.h"
#include <gtest/gtest.h>

namespace resoa_test
{
namespace
{

TEST(ResoaServerTcp, AttributesReachTheServersSockets)
{
    ScenarioOptions o;
    o.configure = [](ResoaHelper& h)
    {
        h.SetServerAttribute("TcpMinRto", TimeValue(MilliSeconds(333)));
        h.SetServerAttribute("TcpClockGranularity", TimeValue(MilliSeconds(7)));
        h.SetServerAttribute("TcpDelAckTimeout", TimeValue(MilliSeconds(41)));
        h.SetServerAttribute("TcpCongestionControl", StringValue("ns3::TcpCubic"));
    };
    ResoaScenario sc(o);
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 9));
    sinkHelper.Install(sc.net.host);
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(sc.net.hostAddress, 9));
    bulk.SetAttribute("MaxBytes", UintegerValue(3000000));
    bulk.Install(sc.net.stas.Get(0)).Start(Seconds(0.5));
    Ptr<Socket> serverSide;
    Simulator::Schedule(Seconds(1.0),
                        [&]()
                        {
                            for (const auto& info : sc.server->GetEngine()->ListSockets())
                            {
                                serverSide = sc.server->GetStack()->GetSocket(info.handle);
                            }
                        });
    Simulator::Stop(Seconds(2));
    Simulator::Run();
    ASSERT_TRUE(serverSide);
    TimeValue minRto;
    TimeValue granularity;
    TimeValue delAck;
    serverSide->GetAttribute("MinRto", minRto);
    serverSide->GetAttribute("ClockGranularity", granularity);
    serverSide->GetAttribute("DelAckTimeout", delAck);
    EXPECT_EQ(minRto.Get(), MilliSeconds(333));
    EXPECT_EQ(granularity.Get(), MilliSeconds(7));
    EXPECT_EQ(delAck.Get(), MilliSeconds(41));
    Ptr<TcpSocketBase> tcp = DynamicCast<TcpSocketBase>(serverSide);
    ASSERT_TRUE(tcp);
    PointerValue cc;
    tcp->GetAttribute("CongestionOps", cc);
    ASSERT_TRUE(cc.Get<TcpCongestionOps>());
    EXPECT_EQ(cc.Get<TcpCongestionOps>()->GetName(), "TcpCubic");
}

} // namespace
} // namespace resoa_test
