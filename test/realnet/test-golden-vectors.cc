/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Golden vectors across stacks (issue 8, item 6):
 *  - frames the real daemons put on the wire (their --pcap files, while an unmodified curl
 *    fetches a file) decode in the core's codec, byte for byte, LHP and EP alike, and what one
 *    daemon sent is what the other received;
 *  - the committed vectors (the .hex files of test/vectors and the captured ones in
 *    test/vectors/captured/) cross a veth pair and decode in the daemons' receive path
 *    (PacketLink, then LhpEndpoint::Receive, which trims Ethernet padding first).
 * Set RESOA_CAPTURE_VECTORS_DIR to write one vector per kind of captured frame (that is how
 * test/vectors/captured/ was made).
 */
#include "ep-message.h"
#include "lhp-endpoint.h"
#include "lhp-frame.h"
#include "mac-address.h"
#include "netns-fixture.h"
#include "packet-link.h"
#include "pcap-reader.h"
#include "program-rig.h"
#include "realnet-test-util.h"

#include "vectors/vector-file.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace resoa
{
namespace test
{
namespace
{

using realnet::MacAddress;

constexpr std::size_t kEthernetHeader = 14;

/// One captured LHP frame, trimmed to its declared length, and what it carried.
struct CapturedFrame
{
    bool fromServer = false;
    std::vector<std::uint8_t> bytes;
    LhpFrame lhp;
    bool hasEp = false;
    EpMessage ep;
};

/// Decodes every record of a daemon's pcap with the core codec; fails the test on anything
/// that does not decode or does not re-encode to the same bytes.
std::vector<CapturedFrame>
DecodeCapture(const std::string& path, const MacAddress& serverMac)
{
    std::vector<CapturedFrame> frames;
    const PcapFile file = ReadPcap(path);
    EXPECT_EQ(file.error, "") << path;
    EXPECT_EQ(file.header.linkType, 1u) << path;
    for (std::size_t i = 0; i < file.records.size(); ++i)
    {
        const std::vector<std::uint8_t>& d = file.records[i].data;
        const std::string where = path + " record " + std::to_string(i);
        if (d.size() < kEthernetHeader || d[12] != 0x88 || d[13] != 0xb5)
        {
            ADD_FAILURE() << where << ": not an LHP frame";
            continue;
        }
        CapturedFrame f;
        f.fromServer = std::equal(serverMac.begin(), serverMac.end(), d.begin() + 6);
        f.bytes.assign(d.begin() + kEthernetHeader, d.end());
        const std::size_t framed = LhpFramedLength(f.bytes.data(), f.bytes.size());
        if (framed != 0 && framed < f.bytes.size())
        {
            f.bytes.resize(framed); // padding (none on veth, but a real NIC adds it)
        }
        const DecodeError e = DecodeLhpFrame(f.bytes.data(), f.bytes.size(), f.lhp);
        if (e != DecodeError::Ok)
        {
            ADD_FAILURE() << where << ": LHP " << ToString(e);
            continue;
        }
        EXPECT_EQ(EncodeLhpFrame(f.lhp), f.bytes) << where << ": LHP re-encodes differently";
        if (f.lhp.type == LhpFrameType::Data)
        {
            const DecodeError ee =
                DecodeEpMessage(f.lhp.payload.data(), f.lhp.payload.size(), f.ep);
            EXPECT_EQ(ee, DecodeError::Ok) << where << ": EP " << ToString(ee);
            f.hasEp = ee == DecodeError::Ok;
            if (f.hasEp)
            {
                EXPECT_EQ(EncodeEpMessage(f.ep), f.lhp.payload)
                    << where << ": EP re-encodes differently";
            }
        }
        frames.push_back(std::move(f));
    }
    return frames;
}

/// A name for the kind of a frame: who sent it, its LHP type and ack flag, its EP type.
std::string
KindOf(const CapturedFrame& f)
{
    std::string name = std::string(f.fromServer ? "serverd" : "clientd") + "-lhp-" +
                       ToString(f.lhp.type) + (f.lhp.HasAck() ? "-ack" : "");
    if ((f.lhp.flags & kFlagResponse) != 0)
    {
        name += "-response";
    }
    if (f.hasEp)
    {
        name += std::string("-ep-") + ToString(f.ep.type);
    }
    std::transform(name.begin(),
                   name.end(),
                   name.begin(),
                   [](char c)
                   { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    return name;
}

/// Writes one vector per kind of frame into \p dir (the first frame of each kind).
void
WriteCapturedVectors(const std::string& dir, const std::vector<CapturedFrame>& frames)
{
    std::set<std::string> written;
    for (const CapturedFrame& f : frames)
    {
        const std::string kind = KindOf(f);
        if (!written.insert(kind).second)
        {
            continue;
        }
        std::ofstream(dir + "/" + kind + ".hex")
            << FormatVector({"Captured from the real daemons (" +
                                 std::string(f.fromServer ? "resoa-serverd" : "resoa-clientd") +
                                 " --pcap) by realnet.GoldenVectors while curl fetched a file.",
                             "Kind: " + kind + ". Regenerate: see test/vectors/README.md."},
                            "Ok",
                            f.bytes);
    }
}

/// The bytes of frames sent by one side, as a multiset.
std::multiset<std::vector<std::uint8_t>>
SentBy(const std::vector<CapturedFrame>& frames, bool server)
{
    std::multiset<std::vector<std::uint8_t>> out;
    for (const CapturedFrame& f : frames)
    {
        if (f.fromServer == server)
        {
            out.insert(f.bytes);
        }
    }
    return out;
}

/// How many of \p received are not among \p sent (each sent frame matches once).
std::size_t
Unmatched(std::multiset<std::vector<std::uint8_t>> sent,
          const std::multiset<std::vector<std::uint8_t>>& received)
{
    std::size_t unmatched = 0;
    for (const auto& r : received)
    {
        auto it = sent.find(r);
        if (it == sent.end())
        {
            ++unmatched;
        }
        else
        {
            sent.erase(it);
        }
    }
    return unmatched;
}

TEST(GoldenVectors, FramesCapturedFromBothDaemonsDecodeInTheCore)
{
    if (auto why = ProgramRig::SkipReason({"curl", "python3"}))
    {
        GTEST_SKIP() << *why;
    }
    ProgramRig rig("golden");
    const std::string serverPcap = rig.Dir() + "/serverd.pcap";
    const std::string clientPcap = rig.Dir() + "/clientd.pcap";
    rig.StartServerd({"--pcap", serverPcap});
    ProgramRig::Client& client = rig.AddResoaClient({"--pcap", clientPcap});

    rig.Run(rig.internet, "mkdir -p " + rig.Dir() + "/www");
    WriteRandomFile(rig.Dir() + "/www/blob.bin", 300000, 11);
    auto http = rig.Start(rig.internet,
                          {"/usr/bin/python3",
                           "-u",
                           "-m",
                           "http.server",
                           "8080",
                           "--bind",
                           ProgramRig::kInternetAddress,
                           "--directory",
                           rig.Dir() + "/www"},
                          "http.log");
    ASSERT_TRUE(http->WaitFor("Serving HTTP")) << http->Log();
    const std::string got = rig.Dir() + "/got.bin";
    CommandResult curl = rig.RunResoa(client,
                                      "curl -sS -o " + got + " http://" +
                                          ProgramRig::kInternetAddress + ":8080/blob.bin");
    ASSERT_EQ(curl.exitCode, 0) << curl.output << rig.DaemonLogs();
    EXPECT_EQ(Sha256Of(got), Sha256Of(rig.Dir() + "/www/blob.bin"));
    // SIGTERM: clientd closes its link, serverd its sessions; both flush their pcaps.
    client.clientd->Stop();
    rig.serverd->Stop();

    const MacAddress serverMac = realnet::ParseMac(ProgramRig::kServerMac).value();
    const std::vector<CapturedFrame> atClient = DecodeCapture(clientPcap, serverMac);
    const std::vector<CapturedFrame> atServer = DecodeCapture(serverPcap, serverMac);
    ASSERT_GT(atClient.size(), 100u); // 300 kB of Data at least
    ASSERT_GT(atServer.size(), 100u);

    // What one daemon sent is what the other received, byte for byte (veth loses nothing
    // here; a frame or two may fall between a capture's start and the other's).
    const auto clientSent = SentBy(atClient, false);
    const auto serverGot = SentBy(atServer, false);
    const auto serverSent = SentBy(atServer, true);
    const auto clientGot = SentBy(atClient, true);
    EXPECT_EQ(Unmatched(clientSent, serverGot), 0u);
    EXPECT_EQ(Unmatched(serverSent, clientGot), 0u);
    EXPECT_GE(serverGot.size() + 2, clientSent.size());
    EXPECT_GE(clientGot.size() + 2, serverSent.size());

    // The capture covers the life of a connection, in LHP and in EP.
    std::set<LhpFrameType> lhpTypes;
    std::set<EpType> epUp;
    std::set<EpType> epDown;
    for (const CapturedFrame& f : atClient)
    {
        lhpTypes.insert(f.lhp.type);
        if (f.hasEp)
        {
            (f.fromServer ? epDown : epUp).insert(f.ep.type);
        }
    }
    for (LhpFrameType t : {LhpFrameType::Connect,
                           LhpFrameType::Accept,
                           LhpFrameType::Data,
                           LhpFrameType::Ack,
                           LhpFrameType::Close})
    {
        EXPECT_EQ(lhpTypes.count(t), 1u) << "no LHP " << ToString(t) << " captured";
    }
    for (EpType t : {EpType::Register, EpType::Connect, EpType::Data, EpType::Credit})
    {
        EXPECT_EQ(epUp.count(t), 1u) << "no EP " << ToString(t) << " from clientd";
    }
    for (EpType t : {EpType::Registered, EpType::Response, EpType::Data, EpType::Eof})
    {
        EXPECT_EQ(epDown.count(t), 1u) << "no EP " << ToString(t) << " from serverd";
    }

    if (const char* dir = std::getenv("RESOA_CAPTURE_VECTORS_DIR"))
    {
        WriteCapturedVectors(dir, atClient);
    }
}

/// Whether the daemons' receive path must take a committed vector: drivers trim to the
/// declared length (Ethernet padding), so trailing bytes are padding to them; every other
/// defect must be rejected with the vector's own error.
bool
AcceptedByTheDaemon(const std::string& expect)
{
    return expect == "Ok" || expect == "TrailingBytes";
}

struct SentVector
{
    std::string name;
    VectorFile vector;
    bool padded = false;
};

TEST(GoldenVectors, CommittedVectorsDecodeInTheDaemonsReceivePath)
{
    if (auto why = NetnsFixture::SkipReason())
    {
        GTEST_SKIP() << *why;
    }
    // Every LHP vector, hand-written and captured.
    std::vector<SentVector> vectors;
    for (const std::string& dir :
         {std::string(RESOA_VECTOR_DIR), std::string(RESOA_VECTOR_DIR) + "/captured"})
    {
        for (const std::string& name : ListVectorNames(dir))
        {
            if (name.find("lhp-") == std::string::npos)
            {
                continue; // EP messages travel inside LHP Data frames, not on their own
            }
            SentVector v;
            v.name = name;
            ASSERT_EQ(ParseVector(ReadVectorText(dir + "/" + name + ".hex"), v.vector), "") << name;
            vectors.push_back(v);
        }
    }
    ASSERT_GE(vectors.size(), 25u);
    // Valid frames also go out padded to Ethernet's minimum, as a real NIC sends them.
    const std::size_t count = vectors.size();
    for (std::size_t i = 0; i < count; ++i)
    {
        if (vectors[i].vector.expect == "Ok")
        {
            SentVector p = vectors[i];
            p.padded = true;
            vectors.push_back(p);
        }
    }

    NetnsFixture net;
    const std::string a = net.AddNamespace("ga");
    const std::string b = net.AddNamespace("gb");
    const MacAddress macA = {0x02, 0, 0, 0, 0x0a, 0x01};
    const MacAddress macB = {0x02, 0, 0, 0, 0x0a, 0x02};
    net.AddVeth(a, "lhp0", b, "lhp0", realnet::FormatMac(macA), realnet::FormatMac(macB));
    realnet::PacketLinkOptions pad;
    pad.padToMinimum = true;
    realnet::PacketLink plain = net.RunIn(a, [] { return realnet::PacketLink("lhp0"); });
    realnet::PacketLink padded = net.RunIn(a, [&] { return realnet::PacketLink("lhp0", pad); });
    realnet::PacketLink receiver = net.RunIn(b, [] { return realnet::PacketLink("lhp0"); });
    net.WaitUntilUp(a, "lhp0");
    net.WaitUntilUp(b, "lhp0");

    LhpEndpointConfig config;
    config.acceptIncoming = true;
    LhpEndpoint endpoint(config);
    const LhpPeerAddress peer(macA.data(), macA.size());
    std::size_t checked = 0;
    for (const SentVector& v : vectors)
    {
        realnet::PacketLink& out = v.padded ? padded : plain;
        ASSERT_TRUE(out.Send(macB, v.vector.bytes.data(), v.vector.bytes.size())) << v.name;
        const auto frames = ReceiveFrames(receiver, 1, std::chrono::milliseconds(2000));
        ASSERT_EQ(frames.size(), 1u) << v.name << (v.padded ? " (padded)" : "");
        const std::vector<std::uint8_t>& got = frames[0].bytes;
        EXPECT_EQ(frames[0].source, macA);
        if (v.padded)
        {
            EXPECT_GE(got.size() + kEthernetHeader, 60u) << v.name;
        }
        ASSERT_GE(got.size(), v.vector.bytes.size()) << v.name;
        EXPECT_TRUE(std::equal(v.vector.bytes.begin(), v.vector.bytes.end(), got.begin()))
            << v.name;
        const LhpRxResult r = endpoint.Receive(peer, got.data(), got.size(), TimePoint{});
        if (AcceptedByTheDaemon(v.vector.expect))
        {
            EXPECT_NE(r.outcome, LhpRxOutcome::Malformed) << v.name << ": " << ToString(r.error);
        }
        else
        {
            // The endpoint must reject it with the vector's own error.
            EXPECT_EQ(r.outcome, LhpRxOutcome::Malformed) << v.name;
            EXPECT_EQ(ToString(r.error), v.vector.expect) << v.name;
        }
        ++checked;
    }
    EXPECT_EQ(checked, vectors.size());
}

} // namespace
} // namespace test
} // namespace resoa
