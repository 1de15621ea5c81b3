/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/). Shared by resoa-clientd and libresoa-preload.so,
 * so, like shim-protocol.h, it includes no core header and throws nothing.
 */
#ifndef RESOA_REALNET_SHIM_RESOLVE_H
#define RESOA_REALNET_SHIM_RESOLVE_H

#include "shim-protocol.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace resoa
{
namespace realnet
{

/**
 * \brief The shim's name-resolution request (ShimType::Resolve) and clientd's reply.
 *
 * Resolve carries a name, and its reply a list of addresses, so it does not fit the
 * fixed-size ShimMessage: it has this format of its own, in one fd-passing frame (no fd), and
 * DecodeShimMessage refuses type Resolve. Network byte order, exact lengths:
 * \verbatim
 * request:  0 u8 version (kShimVersion)   1 u8 type (ShimType::Resolve)   2 u8 flags (0)
 *           3 u8 family (0 any, 4 IPv4, 6 IPv6)   4 u8 resolveFlags (bit 0: canonical name)
 *           5 u8 nameLen (1..255)   6 name (no NUL byte)
 * reply:    0 u8 version   1 u8 type (Resolve)   2 u8 flags (kShimFlagReply)
 *           3 u8 count (0..kShimMaxResolved; 0 exactly when error is not 0)
 *           4 i32 error (0; < 0: getaddrinfo's EAI_* code, glibc numbers; > 0: an errno)
 *           8 count x address (19 bytes as in ShimMessage: family 4 or 6, port 0)
 *           then u8 canonLen (0 when error is not 0), canonical name (no NUL byte)
 * \endverbatim
 * clientd answers through EpClient::Resolve, i.e. with resoa-serverd's resolver; the reply
 * comes when the server answered (or the link died: ENETDOWN).
 */
constexpr std::size_t kShimMaxResolved = 16;
constexpr std::size_t kShimMaxName = 255;
constexpr std::uint8_t kShimResolveCanonName = 0x01;

/// A decoded Resolve request.
struct ShimResolveRequest
{
    std::uint8_t family = 0;
    std::uint8_t flags = 0; //!< kShimResolveCanonName
    std::string name;
};

/// A decoded Resolve reply.
struct ShimResolveReply
{
    std::int32_t error = 0;
    std::vector<ShimAddress> addresses;
    std::string canonicalName;
};

/// True if \p data is a frame of the Resolve format (version and type), valid or not.
bool IsShimResolve(const std::uint8_t* data, std::size_t len);

/// Encodes a request; false (nothing written) if the name or fields are out of range.
bool EncodeShimResolveRequest(const ShimResolveRequest& r, std::vector<std::uint8_t>& out);
/// Strict decode of a request (exact length, known fields, non-empty NUL-free name).
bool DecodeShimResolveRequest(const std::uint8_t* data, std::size_t len, ShimResolveRequest& r);

/// Encodes a reply. Addresses beyond kShimMaxResolved and name bytes beyond kShimMaxName
/// are cut; an error reply carries neither.
std::vector<std::uint8_t> EncodeShimResolveReply(const ShimResolveReply& r);
/// Strict decode of a reply.
bool DecodeShimResolveReply(const std::uint8_t* data, std::size_t len, ShimResolveReply& r);

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_SHIM_RESOLVE_H
