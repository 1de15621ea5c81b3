/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Golden vectors (the .hex files in test/vectors): the byte-exact contract between the ns-3 model
 * and the Linux daemons. Each valid vector must decode to the struct built here field by field, and
 * that struct must encode to exactly the vector's bytes.
 */
#include "ep-message.h"
#include "lhp-frame.h"

#include "vectors/vector-file.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace resoa
{
namespace
{

namespace fs = std::filesystem;
using test::ListVectorNames;
using test::ParseVector;
using test::ReadVectorText;
using test::VectorFile;

/// Maps an expectation name back to the error (by ToString, so the names cannot drift).
bool
ParseExpect(const std::string& name, DecodeError& e)
{
    for (int i = 0; i <= static_cast<int>(DecodeError::BadField); ++i)
    {
        if (name == ToString(static_cast<DecodeError>(i)))
        {
            e = static_cast<DecodeError>(i);
            return true;
        }
    }
    return false;
}

/// Names (without .hex) of all vectors, sorted.
std::vector<std::string>
ListVectors()
{
    return ListVectorNames(RESOA_VECTOR_DIR);
}

std::string
ReadFile(const fs::path& p)
{
    return ReadVectorText(p.string());
}

bool
StartsWith(const std::string& s, const std::string& prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

bool
IsLhpVector(const std::string& name)
{
    return StartsWith(name, "lhp-") || StartsWith(name, "bad-lhp-");
}

bool
IsEpVector(const std::string& name)
{
    return StartsWith(name, "ep-") || StartsWith(name, "bad-ep-");
}

std::vector<std::uint8_t>
Bytes(const std::string& s)
{
    return std::vector<std::uint8_t>(s.begin(), s.end());
}

LhpFrame
Lhp(LhpFrameType type,
    std::uint8_t flags,
    LhpChannel channel,
    std::uint32_t connId,
    std::uint32_t seq,
    std::uint32_t ack,
    std::uint32_t sack,
    std::uint16_t window,
    std::vector<std::uint8_t> payload)
{
    LhpFrame f;
    f.type = type;
    f.flags = flags;
    f.channel = channel;
    f.connId = connId;
    f.seq = seq;
    f.ack = ack;
    f.sack = sack;
    f.window = window;
    f.payload = std::move(payload);
    return f;
}

std::vector<std::uint8_t>
Params(const LhpConnectParams& p)
{
    std::vector<std::uint8_t> out;
    EncodeConnectParams(p, out);
    return out;
}

const std::map<std::string, LhpConnectParams>&
ConnectParamsTable()
{
    static const std::map<std::string, LhpConnectParams> t = {
        {"lhp-connect", {1448, 64, 0xcafef00du}},
        {"lhp-accept", {1400, 128, 0x01020304u}},
    };
    return t;
}

const std::map<std::string, LhpFrame>&
LhpTable()
{
    using T = LhpFrameType;
    const auto rel = LhpChannel::Reliable;
    const auto semi = LhpChannel::SemiReliable;
    const auto& p = ConnectParamsTable();
    static const std::map<std::string, LhpFrame> t = {
        {"lhp-data", Lhp(T::Data, 0, rel, 0x01020304, 7, 0, 0, 32, Bytes("hello"))},
        {"lhp-data-ack",
         Lhp(T::Data,
             kFlagAck,
             semi,
             0xdeadbeef,
             65536,
             65534,
             0x80000005,
             256,
             {0x00, 0xff, 0x7f})},
        {"lhp-ack", Lhp(T::Ack, kFlagAck, rel, 42, 0, 100, 0x0b, 64, {})},
        {"lhp-connect",
         Lhp(T::Connect, 0, rel, 0x11223344, 0, 0, 0, 0, Params(p.at("lhp-connect")))},
        {"lhp-accept", Lhp(T::Accept, 0, rel, 0x11223344, 0, 0, 0, 0, Params(p.at("lhp-accept")))},
        {"lhp-close", Lhp(T::Close, 0, rel, 0x11223344, 0, 0, 0, 0, {0x01, 0x02, 0x03, 0x04})},
        {"lhp-close-response", Lhp(T::Close, kFlagResponse, rel, 0x11223344, 0, 0, 0, 0, {})},
        {"lhp-keepalive", Lhp(T::Keepalive, 0, rel, 5, 0, 0, 0, 0, {})},
        {"lhp-keepalive-response",
         Lhp(T::Keepalive, kFlagAck | kFlagResponse, rel, 5, 0, 9, 0, 16, {})},
        {"lhp-forward", Lhp(T::Forward, 0, semi, 0x0a0b0c0d, 1000, 0, 0, 0, {})},
    };
    return t;
}

EpMessage
Ep(EpType type,
   std::uint8_t flags,
   EpSockType sockType,
   std::uint32_t rsockId,
   std::uint32_t requestId)
{
    EpMessage m;
    m.type = type;
    m.flags = flags;
    m.sockType = sockType;
    m.rsockId = rsockId;
    m.requestId = requestId;
    return m;
}

EpAddress
V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint16_t port)
{
    return EpAddress::Ipv4(
        (std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d, port);
}

/// 2001:db8::<last> (the documentation prefix).
EpAddress
DocV6(std::uint8_t last, std::uint16_t port)
{
    EpAddress a;
    a.family = 6;
    a.addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
    a.port = port;
    return a;
}

std::map<std::string, EpMessage>
BuildEpTable()
{
    using T = EpType;
    const auto none = EpSockType::None;
    std::map<std::string, EpMessage> t;
    EpMessage m;

    m = Ep(T::Register, 0, none, 0, 0);
    m.addrMode = EpAddrMode::OneTo1;
    m.ipv4 = 0xc000020a; // 192.0.2.10
    m.name = "laptop";
    t["ep-register"] = m;

    m = Ep(T::Registered, 0, none, 0, 0);
    m.error = 0;
    m.addrMode = EpAddrMode::NTo1;
    m.ipv4 = 0xcb007101; // 203.0.113.1
    m.socketLimit = 64;
    t["ep-registered"] = m;

    m = Ep(T::Registered, 0, none, 0, 0);
    m.error = ep_errno::kEacces;
    t["ep-registered-refused"] = m;

    t["ep-socket"] = Ep(T::Socket, 0, EpSockType::Dgram, 3, 16);

    m = Ep(T::Bind, 0, none, 3, 17);
    m.local = V4(10, 0, 0, 2, 8080);
    t["ep-bind"] = m;

    m = Ep(T::Bind, kEpFlagCreate, EpSockType::Stream, 4, 18);
    m.local = DocV6(0x01, 443);
    t["ep-bind-create-ipv6"] = m;

    m = Ep(T::Listen, 0, none, 4, 19);
    m.value = 128;
    t["ep-listen"] = m;

    m = Ep(T::Accepted, 0, none, 4, 0);
    m.value = kServerRsockBase + 1;
    m.local = V4(203, 0, 113, 1, 80);
    m.peer = V4(198, 51, 100, 7, 51000);
    t["ep-accepted"] = m;

    m = Ep(T::Connect, 0, none, 5, 20);
    m.peer = V4(93, 184, 216, 34, 80);
    t["ep-connect"] = m;

    m = Ep(T::Connect, kEpFlagCreate, EpSockType::Stream, 6, 21);
    m.peer = V4(93, 184, 216, 34, 80);
    t["ep-connect-create"] = m;

    m = Ep(T::Response, 0, none, 6, 21);
    m.error = ep_errno::kOk;
    m.local = V4(203, 0, 113, 1, 40000);
    m.peer = V4(93, 184, 216, 34, 80);
    m.intValue = 0;
    t["ep-response"] = m;

    m = Ep(T::Response, 0, none, 5, 20);
    m.error = ep_errno::kEconnrefused;
    m.intValue = -1;
    t["ep-response-error"] = m;

    m = Ep(T::Data, 0, none, 6, 0);
    m.payload = Bytes("GET /\r\n");
    t["ep-data"] = m;

    m = Ep(T::Data, kEpFlagCreditWanted, none, 6, 0);
    m.payload = Bytes("tail");
    t["ep-data-credit-wanted"] = m;

    m = Ep(T::Credit, 0, none, 6, 0);
    m.value = 65536;
    t["ep-credit"] = m;

    m = Ep(T::Shutdown, 0, none, 6, 22);
    m.how = 1;
    t["ep-shutdown"] = m;

    t["ep-close"] = Ep(T::Close, 0, none, 6, 0);

    m = Ep(T::SetSockOpt, 0, none, 6, 23);
    m.level = 1;
    m.option = 9;
    m.intValue = 1;
    t["ep-setsockopt"] = m;

    m = Ep(T::GetSockOpt, 0, none, 6, 24);
    m.level = 6;
    m.option = 1;
    t["ep-getsockopt"] = m;

    m = Ep(T::SendTo, kEpFlagCreate, EpSockType::Dgram, 7, 0);
    m.peer = V4(192, 0, 2, 53, 53);
    m.payload = {0xde, 0xad};
    t["ep-sendto"] = m;

    m = Ep(T::RecvFrom, 0, none, 7, 0);
    m.peer = DocV6(0x53, 53);
    m.payload = {1, 2, 3};
    t["ep-recvfrom"] = m;

    m = Ep(T::Error, 0, none, 6, 0);
    m.error = ep_errno::kEconnreset;
    t["ep-error"] = m;

    t["ep-eof"] = Ep(T::Eof, 0, none, 6, 0);

    m = Ep(T::Resolve, 0, none, 0, 25);
    m.family = 4;
    m.resolveFlags = kEpResolveCanonName;
    m.name = "files.resoa.test";
    t["ep-resolve"] = m;

    m = Ep(T::Resolved, 0, none, 0, 25);
    m.addresses = {V4(198, 51, 100, 2, 0), DocV6(0x02, 0)};
    m.name = "files.resoa.test";
    t["ep-resolved"] = m;

    m = Ep(T::Resolved, 0, none, 0, 26);
    m.error = ep_resolve::kEaiNoname;
    t["ep-resolved-error"] = m;
    return t;
}

const std::map<std::string, EpMessage>&
EpTable()
{
    static const std::map<std::string, EpMessage> t = BuildEpTable();
    return t;
}

void
CheckLhpVector(const std::string& name, const VectorFile& v, DecodeError expect)
{
    LhpFrame decoded;
    const DecodeError got = DecodeLhpFrame(v.bytes.data(), v.bytes.size(), decoded);
    EXPECT_EQ(ToString(got), std::string(ToString(expect)));
    if (expect != DecodeError::Ok)
    {
        return;
    }
    const auto it = LhpTable().find(name);
    ASSERT_NE(it, LhpTable().end()) << "no expected frame in LhpTable() for " << name;
    const LhpFrame& want = it->second;
    EXPECT_TRUE(decoded == want) << "decoded frame differs from the table entry";
    EXPECT_EQ(EncodeLhpFrame(want), v.bytes) << "encoder output differs from the vector";
    EXPECT_EQ(LhpFramedLength(v.bytes.data(), v.bytes.size()), v.bytes.size());

    const auto params = ConnectParamsTable().find(name);
    if (params != ConnectParamsTable().end())
    {
        LhpConnectParams p;
        ASSERT_EQ(DecodeConnectParams(decoded.payload.data(), decoded.payload.size(), p),
                  DecodeError::Ok);
        EXPECT_EQ(p.maxPayload, params->second.maxPayload);
        EXPECT_EQ(p.window, params->second.window);
        EXPECT_EQ(p.nonce, params->second.nonce);
    }
}

void
CheckEpVector(const std::string& name, const VectorFile& v, DecodeError expect)
{
    EpMessage decoded;
    const DecodeError got = DecodeEpMessage(v.bytes.data(), v.bytes.size(), decoded);
    EXPECT_EQ(ToString(got), std::string(ToString(expect)));
    if (expect != DecodeError::Ok)
    {
        return;
    }
    const auto it = EpTable().find(name);
    ASSERT_NE(it, EpTable().end()) << "no expected message in EpTable() for " << name;
    const EpMessage& want = it->second;
    EXPECT_TRUE(decoded == want) << "decoded message differs from the table entry";
    EXPECT_EQ(EncodeEpMessage(want), v.bytes) << "encoder output differs from the vector";
    EXPECT_EQ(EpEncodedSize(want), v.bytes.size());

    // In a stream the same bytes must be recognised with another message glued behind.
    std::vector<std::uint8_t> stream = v.bytes;
    stream.insert(stream.end(), v.bytes.begin(), v.bytes.end());
    EpMessage first;
    std::size_t consumed = 0;
    ASSERT_EQ(DecodeEpMessagePrefix(stream.data(), stream.size(), first, consumed),
              DecodeError::Ok);
    EXPECT_EQ(consumed, v.bytes.size());
    EXPECT_TRUE(first == want);
}

class GoldenVector : public ::testing::TestWithParam<std::string>
{
};

TEST_P(GoldenVector, MatchesDocumentedLayout)
{
    const std::string name = GetParam();
    VectorFile v;
    const std::string parseError =
        ParseVector(ReadFile(fs::path(RESOA_VECTOR_DIR) / (name + ".hex")), v);
    ASSERT_EQ(parseError, "");
    DecodeError expect = DecodeError::Ok;
    ASSERT_TRUE(ParseExpect(v.expect, expect)) << "unknown expectation '" << v.expect << "'";
    ASSERT_EQ(StartsWith(name, "bad-"), expect != DecodeError::Ok)
        << "bad-* files must expect an error, the others Ok";
    if (IsLhpVector(name))
    {
        CheckLhpVector(name, v, expect);
    }
    else if (IsEpVector(name))
    {
        CheckEpVector(name, v, expect);
    }
    else
    {
        FAIL() << "vector name must start with lhp-, ep-, bad-lhp- or bad-ep-: " << name;
    }
}

std::string
VectorTestName(const ::testing::TestParamInfo<std::string>& info)
{
    std::string s = info.param;
    std::replace(s.begin(), s.end(), '-', '_');
    return s;
}

INSTANTIATE_TEST_SUITE_P(Files, GoldenVector, ::testing::ValuesIn(ListVectors()), VectorTestName);

TEST(GoldenVectors, EveryTableEntryHasAFile)
{
    const auto files = ListVectors();
    const std::set<std::string> have(files.begin(), files.end());
    for (const auto& [name, frame] : LhpTable())
    {
        EXPECT_EQ(have.count(name), 1u) << "missing " << name << ".hex";
    }
    for (const auto& [name, msg] : EpTable())
    {
        EXPECT_EQ(have.count(name), 1u) << "missing " << name << ".hex";
    }
    // Valid files without a table entry fail in GoldenVector; check the count here too.
    std::size_t valid = 0;
    for (const auto& n : files)
    {
        valid += StartsWith(n, "bad-") ? 0 : 1;
    }
    EXPECT_EQ(valid, LhpTable().size() + EpTable().size());
}

TEST(GoldenVectors, CoverEveryTypeAndEveryError)
{
    std::set<int> lhpTypes;
    std::set<int> epTypes;
    for (const auto& [name, frame] : LhpTable())
    {
        lhpTypes.insert(static_cast<int>(frame.type));
    }
    for (const auto& [name, msg] : EpTable())
    {
        epTypes.insert(static_cast<int>(msg.type));
    }
    EXPECT_EQ(lhpTypes.size(), 7u);
    EXPECT_EQ(epTypes.size(), std::size_t{kEpTypeMax});

    std::set<std::string> lhpErrors;
    std::set<std::string> epErrors;
    for (const auto& name : ListVectors())
    {
        VectorFile v;
        ASSERT_EQ(ParseVector(ReadFile(fs::path(RESOA_VECTOR_DIR) / (name + ".hex")), v), "");
        if (StartsWith(name, "bad-lhp-"))
        {
            lhpErrors.insert(v.expect);
        }
        else if (StartsWith(name, "bad-ep-"))
        {
            epErrors.insert(v.expect);
        }
    }
    const std::set<std::string> all = {
        "Truncated", "BadVersion", "UnknownType", "Oversized", "TrailingBytes", "BadField"};
    EXPECT_EQ(lhpErrors, all);
    EXPECT_EQ(epErrors, all);
}

TEST(GoldenVectors, ParserRejectsMalformedFiles)
{
    VectorFile v;
    EXPECT_EQ(ParseVector("# expect: Ok\n01 02\n", v), "");
    EXPECT_EQ(v.bytes, (std::vector<std::uint8_t>{0x01, 0x02}));
    EXPECT_EQ(v.expect, "Ok");
    EXPECT_EQ(ParseVector("# expect: Ok\n0102AbcD\n", v), "");
    EXPECT_EQ(v.bytes, (std::vector<std::uint8_t>{0x01, 0x02, 0xab, 0xcd}));
    EXPECT_NE(ParseVector("# expect: Ok\n01 0\n", v), "");
    EXPECT_NE(ParseVector("# expect: Ok\n01 zz\n", v), "");
    EXPECT_NE(ParseVector("01 02\n", v), "");
    EXPECT_NE(ParseVector("# expect: Ok\n# expect: Truncated\n01\n", v), "");
    DecodeError e = DecodeError::Ok;
    EXPECT_TRUE(ParseExpect("TrailingBytes", e));
    EXPECT_EQ(e, DecodeError::TrailingBytes);
    EXPECT_FALSE(ParseExpect("Trailing", e));
}

} // namespace
} // namespace resoa
