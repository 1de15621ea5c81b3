/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Frames captured from the real daemons (test/vectors/captured/, written by the realnet
 * test GoldenVectors.FramesCapturedFromBothDaemonsDecodeInTheCore) decode in the core's
 * codec: the LHP frame, and the EP message inside each Data frame, byte for byte both ways.
 */
#include "ep-message.h"
#include "lhp-frame.h"

#include "vectors/vector-file.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

namespace resoa
{
namespace
{

const std::string kCapturedDir = std::string(RESOA_VECTOR_DIR) + "/captured";

TEST(CapturedVectors, DecodeAndReEncodeByteForByte)
{
    const std::vector<std::string> names = test::ListVectorNames(kCapturedDir);
    ASSERT_GE(names.size(), 10u) << "no captured vectors in " << kCapturedDir;
    std::set<LhpFrameType> lhpTypes;
    std::set<EpType> epTypes;
    for (const std::string& name : names)
    {
        test::VectorFile v;
        ASSERT_EQ(test::ParseVector(test::ReadVectorText(kCapturedDir + "/" + name + ".hex"), v),
                  "")
            << name;
        ASSERT_EQ(v.expect, "Ok") << name;
        LhpFrame f;
        ASSERT_EQ(DecodeLhpFrame(v.bytes.data(), v.bytes.size(), f), DecodeError::Ok) << name;
        EXPECT_EQ(EncodeLhpFrame(f), v.bytes) << name;
        lhpTypes.insert(f.type);
        // The file name says what the frame is; the decoder must agree.
        std::string type = ToString(f.type);
        std::transform(type.begin(),
                       type.end(),
                       type.begin(),
                       [](char c)
                       { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
        EXPECT_NE(name.find("-lhp-" + type), std::string::npos)
            << name << " decodes as " << ToString(f.type);
        if (f.type == LhpFrameType::Data)
        {
            EpMessage m;
            ASSERT_EQ(DecodeEpMessage(f.payload.data(), f.payload.size(), m), DecodeError::Ok)
                << name;
            EXPECT_EQ(EncodeEpMessage(m), f.payload) << name;
            epTypes.insert(m.type);
        }
    }
    EXPECT_GE(lhpTypes.size(), 5u); // Connect, Accept, Data, Ack, Close at least
    EXPECT_GE(epTypes.size(), 8u);
}

} // namespace
} // namespace resoa
