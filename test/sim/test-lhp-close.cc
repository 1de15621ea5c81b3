/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * LHP close over Ethernet (CSMA) when the peer's Close|Response is lost: the side that
 * retired the connection must answer the retransmitted Close, so both end Closed, not Dead.
 */
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/lhp-helper.h"
#include "ns3/network-module.h"

#include <gtest/gtest.h>

using namespace ns3;

namespace
{

/// Drops the first `count` LHP Close|Response frames a device receives (Ethernet framing).
class DropCloseResponse : public ErrorModel
{
  public:
    uint32_t count = 1;
    uint32_t dropped = 0;

  private:
    bool DoCorrupt(Ptr<Packet> p) override
    {
        uint8_t b[17] = {};
        if (p->GetSize() < sizeof(b))
        {
            return false;
        }
        p->CopyData(b, sizeof(b));
        // 14-byte Ethernet header, then LHP: version, type (5 = Close), flags (2 = response).
        bool closeResponse = b[12] == 0x88 && b[13] == 0xB5 && b[15] == 5 && (b[16] & 0x02);
        if (closeResponse && dropped < count)
        {
            ++dropped;
            return true;
        }
        return false;
    }

    void DoReset() override
    {
    }
};

TEST(LhpClose, LostCloseResponseStillEndsClosed)
{
    NodeContainer nodes(2);
    CsmaHelper csma;
    NetDeviceContainer devs = csma.Install(nodes);
    Ptr<DropCloseResponse> drop = CreateObject<DropCloseResponse>();
    devs.Get(0)->SetAttribute("ReceiveErrorModel", PointerValue(drop));

    LhpHelper lhp;
    Ptr<LhpProtocol> client = lhp.Install(devs.Get(0));
    Ptr<LhpProtocol> server = lhp.Install(devs.Get(1));
    server->SetAttribute("AcceptIncoming", BooleanValue(true));
    std::vector<LhpProtocol::ConnectionEvent> clientEvents;
    client->SetConnectionCallback(
        Callback<void, LhpProtocol::Handle, LhpProtocol::ConnectionEvent, const Address&>(
            [&](LhpProtocol::Handle, LhpProtocol::ConnectionEvent ev, const Address&)
            { clientEvents.push_back(ev); }));
    LhpProtocol::Handle h = 0;
    Simulator::Schedule(MilliSeconds(10),
                        [&]() { h = client->Connect(devs.Get(1)->GetAddress()); });
    Simulator::Schedule(MilliSeconds(100), [&]() { client->Close(h); });
    Simulator::Stop(Seconds(20));
    Simulator::Run();

    EXPECT_EQ(drop->dropped, 1u) << "the first Close|Response must have been lost";
    ASSERT_EQ(clientEvents.size(), 2u);
    EXPECT_EQ(clientEvents[0], LhpProtocol::CONNECTION_UP);
    EXPECT_EQ(clientEvents[1], LhpProtocol::CONNECTION_CLOSED);
    Simulator::Destroy();
}

} // namespace
