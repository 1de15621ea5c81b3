/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_SYSTEM_ERROR_H
#define RESOA_REALNET_SYSTEM_ERROR_H

#include <string>
#include <system_error>

namespace resoa
{
namespace realnet
{

/**
 * \brief Throws std::system_error for errno value \p err.
 *
 * realnet reports OS failures as std::system_error: code().value() is the errno (so a caller
 * can tell ENODEV from EPERM) and what() is "<what>: <strerror>", one line for the log.
 */
[[noreturn]] inline void
ThrowErrno(int err, const std::string& what)
{
    throw std::system_error(err, std::generic_category(), what);
}

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_SYSTEM_ERROR_H
