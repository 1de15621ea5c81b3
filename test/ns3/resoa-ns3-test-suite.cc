/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * ns-3 TestSuite "resoa": what an ns-3 tree's test.py runs (the GoogleTest suites under
 * test/core and test/sim are the full set, run by ctest in the standalone build).
 */
#include "ns3/core-module.h"
#include "ns3/ep-message.h"
#include "ns3/lhp-bulk-transfer.h"
#include "ns3/lhp-frame.h"
#include "ns3/lhp-helper.h"
#include "ns3/lossy-wifi-helper.h"
#include "ns3/network-module.h"
#include "ns3/test.h"

using namespace ns3;

/// The wire codec round-trips an LHP data frame and an EP connect request.
class ResoaCodecTestCase : public TestCase
{
  public:
    ResoaCodecTestCase()
        : TestCase("LHP and EP codec round trip")
    {
    }

  private:
    void DoRun() override
    {
        resoa::LhpFrame f;
        f.type = resoa::LhpFrameType::Data;
        f.flags = resoa::kFlagAck;
        f.connId = 7;
        f.seq = 0xFFFFFFFEu;
        f.ack = 3;
        f.sack = 0x5;
        f.window = 64;
        f.payload = {1, 2, 3};
        std::vector<uint8_t> wire = resoa::EncodeLhpFrame(f);
        NS_TEST_ASSERT_MSG_EQ(wire.size(), resoa::kLhpHeaderSize + 3, "frame size");
        resoa::LhpFrame back;
        NS_TEST_ASSERT_MSG_EQ(int(resoa::DecodeLhpFrame(wire.data(), wire.size(), back)),
                              int(resoa::DecodeError::Ok),
                              "decode");
        NS_TEST_ASSERT_MSG_EQ((back == f), true, "frame round trip");

        resoa::EpMessage m;
        m.type = resoa::EpType::Connect;
        m.flags = resoa::kEpFlagCreate;
        m.sockType = resoa::EpSockType::Stream;
        m.rsockId = 1;
        m.requestId = 1;
        m.peer = resoa::EpAddress::Ipv4(0x0A000001, 80);
        std::vector<uint8_t> ep = resoa::EncodeEpMessage(m);
        resoa::EpMessage mb;
        NS_TEST_ASSERT_MSG_EQ(int(resoa::DecodeEpMessage(ep.data(), ep.size(), mb)),
                              int(resoa::DecodeError::Ok),
                              "decode");
        NS_TEST_ASSERT_MSG_EQ((mb == m), true, "message round trip");
    }
};

/// 300 kB over LHP on 802.11a with 20 % frame loss and 2 MAC attempts arrive intact.
class ResoaLhpWifiTestCase : public TestCase
{
  public:
    ResoaLhpWifiTestCase()
        : TestCase("LHP over lossy 802.11a delivers intact")
    {
    }

  private:
    void DoRun() override
    {
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(1);
        NodeContainer nodes;
        nodes.Create(2);
        LossyWifiHelper wifi;
        wifi.SetFrameLoss(0.2);
        wifi.SetMacRetries(2);
        NetDeviceContainer devices = wifi.Install(nodes.Get(0), NodeContainer(nodes.Get(1)));
        wifi.AssignStreams(devices, 1);
        LhpHelper lhp;
        Ptr<LhpProtocol> server = lhp.Install(devices.Get(0));
        Ptr<LhpProtocol> client = lhp.Install(devices.Get(1));
        Ptr<LhpBulkTransfer> t =
            Create<LhpBulkTransfer>(client, server, devices.Get(0)->GetAddress(), 300000, 3);
        t->SetStopWhenDone(true);
        t->Start(Seconds(0.5));
        Simulator::Stop(Seconds(30));
        Simulator::Run();
        LhpBulkTransfer::Result r = t->GetResult();
        Simulator::Destroy();
        NS_TEST_ASSERT_MSG_EQ(r.bytesDelivered, 300000, "bytes delivered");
        NS_TEST_ASSERT_MSG_EQ(r.intact, true, "content hash");
    }
};

/// The "resoa" suite.
class ResoaTestSuite : public TestSuite
{
  public:
    ResoaTestSuite()
        : TestSuite("resoa", UNIT)
    {
        AddTestCase(new ResoaCodecTestCase, TestCase::QUICK);
        AddTestCase(new ResoaLhpWifiTestCase, TestCase::QUICK);
    }
};

static ResoaTestSuite g_resoaTestSuite; //!< registers the suite
