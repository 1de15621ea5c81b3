/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#include "resoa-codec-error.h"

namespace resoa
{

const char*
ToString(DecodeError e)
{
    switch (e)
    {
        case DecodeError::Ok:
            return "Ok";
        case DecodeError::Truncated:
            return "Truncated";
        case DecodeError::BadVersion:
            return "BadVersion";
        case DecodeError::UnknownType:
            return "UnknownType";
        case DecodeError::Oversized:
            return "Oversized";
        case DecodeError::TrailingBytes:
            return "TrailingBytes";
        case DecodeError::BadField:
            return "BadField";
    }
    return "Unknown";
}

} // namespace resoa
