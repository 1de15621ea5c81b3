/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The LHP clients a fuzz target plays against a server-role LhpEndpoint: a few peer MACs,
 * and per connection a mirror of the sequence numbers the endpoint has sent and expects, so
 * frames built from input fields are mostly in window and the fuzzer gets past the handshake
 * and into the ARQ quickly.
 */
#ifndef RESOA_FUZZ_LHP_PEERS_H
#define RESOA_FUZZ_LHP_PEERS_H

#include "fuzz-input.h"
#include "lhp-endpoint.h"
#include "lhp-frame.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace resoa
{
namespace fuzz
{

/// Ethernet's minimum payload: a NIC pads shorter frames with zeros up to it.
constexpr std::size_t kEthernetMinPayload = 46;

/// The fuzzing clients' side of every connection they opened.
class LhpPeers
{
  public:
    static constexpr std::size_t kPeers = 4;

    explicit LhpPeers(std::uint32_t initialSeq)
        : m_initialSeq(initialSeq)
    {
    }

    /// MAC 02:00:00:00:00:0N of peer i (locally administered, as the tests use).
    static LhpPeerAddress Peer(std::size_t i)
    {
        const std::uint8_t mac[6] = {0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(i + 1)};
        return LhpPeerAddress(mac, sizeof(mac));
    }

    /// Index of a peer address, or kPeers if it is none of ours.
    static std::size_t IndexOf(const LhpPeerAddress& a)
    {
        for (std::size_t i = 0; i < kPeers; ++i)
        {
            if (a == Peer(i))
            {
                return i;
            }
        }
        return kPeers;
    }

    /**
     * A well-formed frame from peer `peer`, its type and fields taken from the input.
     * `sdu`, if given, is the payload of a Data frame (the daemon target passes EP messages);
     * otherwise Data payloads come from the input. `forceData` builds a Data frame on the
     * reliable channel of an existing connection when there is one.
     */
    LhpFrame Build(FuzzInput& in,
                   std::size_t peer,
                   const std::vector<std::uint8_t>* sdu = nullptr,
                   bool forceData = false)
    {
        LhpFrame f;
        const std::uint8_t kind = forceData ? 1 : in.U8() % 10;
        f.connId = PickConnId(in, peer, kind == 0 || forceData);
        auto [it, fresh] = m_mirrors.try_emplace({peer, f.connId});
        Mirror& m = it->second;
        if (fresh)
        {
            m.nextSeq = {m_initialSeq, m_initialSeq};
            m.ackNext = {m_initialSeq, m_initialSeq};
        }
        switch (kind)
        {
            case 0: // Connect: a new nonce now and then makes it a restart
            {
                f.type = LhpFrameType::Connect;
                LhpConnectParams p;
                p.maxPayload = PickMaxPayload(in);
                p.window = static_cast<std::uint16_t>(in.Range(0, 40));
                p.nonce = static_cast<std::uint32_t>(in.Range(0, 3));
                if (p.nonce != m.nonce)
                {
                    m = Mirror{};
                    m.nonce = p.nonce;
                    m.nextSeq = {m_initialSeq, m_initialSeq};
                    m.ackNext = {m_initialSeq, m_initialSeq};
                }
                EncodeConnectParams(p, f.payload);
                break;
            }
            case 1:
            case 2:
            case 3:
            {
                f.type = LhpFrameType::Data;
                const std::size_t ch = forceData ? 0 : in.U8() & 1;
                f.channel = static_cast<LhpChannel>(ch);
                f.seq = PickSeq(in, m.nextSeq[ch], true);
                MaybeAck(in, m, ch, f);
                if (sdu != nullptr)
                {
                    f.payload = *sdu;
                }
                else
                {
                    f.payload = in.Bytes(in.Range(0, 80));
                }
                break;
            }
            case 4:
            case 5:
            {
                f.type = LhpFrameType::Ack;
                const std::size_t ch = in.U8() & 1;
                f.channel = static_cast<LhpChannel>(ch);
                f.flags = kFlagAck;
                FillAck(in, m, ch, f);
                break;
            }
            case 6:
            {
                f.type = LhpFrameType::Close;
                const std::uint8_t mode = in.U8();
                f.flags = (mode & 1) != 0 ? kFlagResponse : 0;
                // A request carries the endpoint's nonce as its token; sometimes a wrong one
                // or none (a spoofer), or a response with a token (not allowed).
                if ((mode & 1) == 0 || mode >= 250)
                {
                    const std::uint32_t token = mode < 200 ? m.theirNonce : in.U32();
                    if (mode < 240 || mode >= 250)
                    {
                        PutU32(f.payload, token);
                    }
                }
                break;
            }
            case 7:
                f.type = LhpFrameType::Keepalive;
                f.flags = in.Bool() ? kFlagResponse : 0;
                break;
            case 8:
            {
                f.type = LhpFrameType::Forward;
                const std::size_t ch = in.U8() & 1;
                f.channel = static_cast<LhpChannel>(ch);
                f.seq = PickSeq(in, m.nextSeq[ch], false);
                break;
            }
            default: // Accept: a client never sends one to a server
            {
                f.type = LhpFrameType::Accept;
                LhpConnectParams p;
                p.maxPayload = PickMaxPayload(in);
                p.window = static_cast<std::uint16_t>(in.Range(0, 40));
                p.nonce = in.U8();
                EncodeConnectParams(p, f.payload);
                break;
            }
        }
        return f;
    }

    /// Records what the endpoint sent, so later acks and data fit its windows.
    void OnTransmit(const LhpPeerAddress& to, const LhpFrame& f)
    {
        const std::size_t peer = IndexOf(to);
        if (peer == kPeers)
        {
            return;
        }
        auto it = m_mirrors.find({peer, f.connId});
        if (it == m_mirrors.end())
        {
            return;
        }
        Mirror& m = it->second;
        const std::size_t ch = static_cast<std::size_t>(f.channel);
        if (f.type == LhpFrameType::Data && !SeqAfter(m.ackNext[ch], f.seq + 1))
        {
            m.ackNext[ch] = f.seq + 1;
        }
        if (f.type == LhpFrameType::Forward && SeqAfter(f.seq, m.ackNext[ch]))
        {
            m.ackNext[ch] = f.seq;
        }
        LhpConnectParams p;
        if (f.type == LhpFrameType::Accept &&
            DecodeConnectParams(f.payload.data(), f.payload.size(), p) == DecodeError::Ok)
        {
            m.theirNonce = p.nonce; // the token of this client's Close requests
        }
    }

    /// Ethernet as the daemons see it: sometimes zero-padded to 46 bytes, sometimes with
    /// other trailing bytes (a sloppy or hostile sender), which the endpoint must trim.
    static void Pad(FuzzInput& in, std::vector<std::uint8_t>& bytes)
    {
        switch (in.U8() % 4)
        {
            case 0:
                if (bytes.size() < kEthernetMinPayload)
                {
                    bytes.resize(kEthernetMinPayload, 0);
                }
                break;
            case 1:
            {
                const auto tail = in.Bytes(in.Range(1, 8));
                bytes.insert(bytes.end(), tail.begin(), tail.end());
                break;
            }
            default:
                break;
        }
    }

  private:
    struct Mirror
    {
        std::uint32_t nonce = 0xFFFFFFFFu;      //!< of the latest Connect (none yet)
        std::array<std::uint32_t, 2> nextSeq{}; //!< next seq this client sends, per channel
        std::array<std::uint32_t, 2> ackNext{}; //!< one past the endpoint's highest Data seq
        std::uint32_t theirNonce = 0;           //!< the endpoint's, from its Accept
    };

    static void PutU32(std::vector<std::uint8_t>& out, std::uint32_t v)
    {
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            out.push_back(static_cast<std::uint8_t>(v >> shift));
        }
    }

    std::uint32_t PickConnId(FuzzInput& in, std::size_t peer, bool connect)
    {
        const std::uint8_t mode = in.U8();
        // Mostly a connection this peer already opened, so frames reach a link.
        if (mode < 200 || connect)
        {
            std::vector<std::uint32_t> ids;
            for (const auto& kv : m_mirrors)
            {
                if (kv.first.first == peer)
                {
                    ids.push_back(kv.first.second);
                }
            }
            if (!ids.empty() && (mode % 4 != 0 || !connect))
            {
                return ids[mode % ids.size()];
            }
            return static_cast<std::uint32_t>(1 + mode % 6);
        }
        return mode == 255 ? 0 : in.U32(); // id 0 and arbitrary ids
    }

    std::uint32_t PickSeq(FuzzInput& in, std::uint32_t& next, bool advance)
    {
        const std::uint8_t mode = in.U8();
        if (mode < 160)
        {
            return advance ? next++ : next; // in order
        }
        if (mode < 210)
        {
            return next + static_cast<std::uint32_t>(in.Range(1, 40)); // ahead: a gap
        }
        if (mode < 250)
        {
            return next - static_cast<std::uint32_t>(in.Range(1, 40)); // a duplicate
        }
        return in.U32();
    }

    static std::uint16_t PickMaxPayload(FuzzInput& in)
    {
        static const std::uint16_t kChoices[] = {1476, 0, 1, 16, 64, 200, 1500, 9000};
        return kChoices[in.U8() % 8];
    }

    void MaybeAck(FuzzInput& in, Mirror& m, std::size_t ch, LhpFrame& f)
    {
        if (in.Bool())
        {
            f.flags |= kFlagAck;
            FillAck(in, m, ch, f);
        }
    }

    static void FillAck(FuzzInput& in, Mirror& m, std::size_t ch, LhpFrame& f)
    {
        const std::uint8_t mode = in.U8();
        if (mode < 160)
        {
            f.ack = m.ackNext[ch] - static_cast<std::uint32_t>(mode % 4);
        }
        else if (mode < 240)
        {
            f.ack = m.ackNext[ch] + static_cast<std::uint32_t>(mode % 40); // beyond what was sent
        }
        else
        {
            f.ack = in.U32();
        }
        f.sack = in.Bool() ? 0 : in.U32();
        f.window = static_cast<std::uint16_t>(in.Range(0, 40));
    }

    std::uint32_t m_initialSeq;
    std::map<std::pair<std::size_t, std::uint32_t>, Mirror> m_mirrors;
};

} // namespace fuzz
} // namespace resoa

#endif // RESOA_FUZZ_LHP_PEERS_H
