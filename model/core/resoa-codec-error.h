/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_CODEC_ERROR_H
#define RESOA_CODEC_ERROR_H

#include <cstdint>

namespace resoa
{

/**
 * \brief Outcome of decoding an LHP frame or an EP message.
 *
 * The decoders never assert, never throw and never read past the buffer they are given;
 * every malformed input maps to one of these values.
 */
enum class DecodeError : std::uint8_t
{
    Ok = 0,        //!< decoded, every byte consumed
    Truncated,     //!< the buffer ends before the header or a declared field
    BadVersion,    //!< version field is not one this decoder speaks
    UnknownType,   //!< type field names no known frame/message
    Oversized,     //!< a declared length exceeds the protocol maximum
    TrailingBytes, //!< bytes left over after the declared length
    BadField,      //!< a field holds a value outside its domain (family, channel, ...)
};

/// Human-readable name of a DecodeError, for logs and error messages.
const char* ToString(DecodeError e);

} // namespace resoa

#endif // RESOA_CODEC_ERROR_H
