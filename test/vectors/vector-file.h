/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The .hex vector format of test/vectors/README.md: read by the core's vector tests and by
 * the realnet test that sends the vectors through the daemons' receive path, and written by
 * the capture test that turns daemon pcaps into vectors.
 */
#ifndef RESOA_TEST_VECTOR_FILE_H
#define RESOA_TEST_VECTOR_FILE_H

#include <cstdint>
#include <string>
#include <vector>

namespace resoa
{
namespace test
{

/// One parsed .hex file.
struct VectorFile
{
    std::string expect;              //!< text after "# expect:"
    std::vector<std::uint8_t> bytes; //!< the frame or message
};

/// Parses \p text; \return an error message, or "" on success.
std::string ParseVector(const std::string& text, VectorFile& out);

/// \return the whole file at \p path ("" if it cannot be read)
std::string ReadVectorText(const std::string& path);

/// Names (file stems) of the .hex files directly in \p dir, sorted.
std::vector<std::string> ListVectorNames(const std::string& dir);

/**
 * Formats \p bytes as a vector file: \p comment lines (each prefixed "# "), the expect line,
 * then 16 bytes per line.
 */
std::string FormatVector(const std::vector<std::string>& comment,
                         const std::string& expect,
                         const std::vector<std::uint8_t>& bytes);

} // namespace test
} // namespace resoa

#endif // RESOA_TEST_VECTOR_FILE_H
