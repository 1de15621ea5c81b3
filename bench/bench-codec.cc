/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Codec throughput: encode and decode of the frames and messages that dominate a transfer
 * (full-size LHP data frame, standalone ack, EP Data chunk) and of a typical control message
 * (EP Connect). Buffers are reused across iterations, as the link and EP engines do.
 */
#include "ep-message.h"
#include "lhp-frame.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

namespace
{

using namespace resoa;

constexpr std::size_t kLhpDataPayload = 1448; // Ethernet MTU minus IP/TCP-sized headroom
constexpr std::size_t kEpDataPayload = 1400;

LhpFrame
DataFrame()
{
    LhpFrame f;
    f.type = LhpFrameType::Data;
    f.flags = kFlagAck;
    f.channel = LhpChannel::Reliable;
    f.connId = 0x11223344;
    f.seq = 123456;
    f.ack = 654321;
    f.sack = 0x0000000F;
    f.window = 64;
    f.payload.assign(kLhpDataPayload, 0xA5);
    return f;
}

LhpFrame
AckFrame()
{
    LhpFrame f = DataFrame();
    f.type = LhpFrameType::Ack;
    f.payload.clear();
    return f;
}

EpMessage
DataMessage()
{
    EpMessage m;
    m.type = EpType::Data;
    m.rsockId = 6;
    m.payload.assign(kEpDataPayload, 0x5A);
    return m;
}

EpMessage
ConnectMessage()
{
    EpMessage m;
    m.type = EpType::Connect;
    m.flags = kEpFlagCreate;
    m.sockType = EpSockType::Stream;
    m.rsockId = 6;
    m.requestId = 21;
    m.peer = EpAddress::Ipv4(0x5DB8D822, 80);
    return m;
}

/// Reports frames/s as items and wire bytes/s.
void
Account(benchmark::State& state, std::size_t wireBytes)
{
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wireBytes));
}

void
EncodeLhp(benchmark::State& state, const LhpFrame& f)
{
    std::vector<std::uint8_t> out;
    out.reserve(kLhpHeaderSize + kLhpMaxPayload);
    for (auto _ : state)
    {
        out.clear();
        EncodeLhpFrame(f, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    Account(state, out.size());
}

void
DecodeLhp(benchmark::State& state, const LhpFrame& f)
{
    const std::vector<std::uint8_t> wire = EncodeLhpFrame(f);
    LhpFrame g;
    for (auto _ : state)
    {
        const DecodeError e = DecodeLhpFrame(wire.data(), wire.size(), g);
        benchmark::DoNotOptimize(e);
        benchmark::DoNotOptimize(g.payload.data());
        benchmark::ClobberMemory();
    }
    if (!(g == f))
    {
        state.SkipWithError("decoded frame differs");
    }
    Account(state, wire.size());
}

void
EncodeEp(benchmark::State& state, const EpMessage& m)
{
    std::vector<std::uint8_t> out;
    out.reserve(kEpHeaderSize + kEpMaxBody);
    for (auto _ : state)
    {
        out.clear();
        EncodeEpMessage(m, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    Account(state, out.size());
}

void
DecodeEp(benchmark::State& state, const EpMessage& m)
{
    const std::vector<std::uint8_t> wire = EncodeEpMessage(m);
    EpMessage d;
    for (auto _ : state)
    {
        const DecodeError e = DecodeEpMessage(wire.data(), wire.size(), d);
        benchmark::DoNotOptimize(e);
        benchmark::DoNotOptimize(d.payload.data());
        benchmark::ClobberMemory();
    }
    if (!(d == m))
    {
        state.SkipWithError("decoded message differs");
    }
    Account(state, wire.size());
}

void
BM_LhpDataEncode(benchmark::State& state)
{
    EncodeLhp(state, DataFrame());
}

void
BM_LhpDataDecode(benchmark::State& state)
{
    DecodeLhp(state, DataFrame());
}

void
BM_LhpAckEncode(benchmark::State& state)
{
    EncodeLhp(state, AckFrame());
}

void
BM_LhpAckDecode(benchmark::State& state)
{
    DecodeLhp(state, AckFrame());
}

void
BM_EpDataEncode(benchmark::State& state)
{
    EncodeEp(state, DataMessage());
}

void
BM_EpDataDecode(benchmark::State& state)
{
    DecodeEp(state, DataMessage());
}

void
BM_EpConnectEncode(benchmark::State& state)
{
    EncodeEp(state, ConnectMessage());
}

void
BM_EpConnectDecode(benchmark::State& state)
{
    DecodeEp(state, ConnectMessage());
}

BENCHMARK(BM_LhpDataEncode);
BENCHMARK(BM_LhpDataDecode);
BENCHMARK(BM_LhpAckEncode);
BENCHMARK(BM_LhpAckDecode);
BENCHMARK(BM_EpDataEncode);
BENCHMARK(BM_EpDataDecode);
BENCHMARK(BM_EpConnectEncode);
BENCHMARK(BM_EpConnectDecode);

} // namespace

BENCHMARK_MAIN();
