/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of the resoa sans-I/O core: plain C++17, no ns-3 and no OS include.
 */
#ifndef RESOA_WIRE_BUFFER_H
#define RESOA_WIRE_BUFFER_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace resoa
{

/**
 * \brief Appends big-endian (network order) integers and raw bytes to a byte vector.
 *
 * Byte-by-byte shifts instead of htonl() keep the core free of OS headers and make the output
 * independent of the host's endianness.
 */
class ByteWriter
{
  public:
    /// Writes append to `out`; existing content is kept.
    explicit ByteWriter(std::vector<std::uint8_t>& out)
        : m_out(out)
    {
    }

    /// Reserves room for `n` more bytes, so a known-size encoding allocates at most once.
    /// Grows geometrically: appending many messages to one buffer stays linear in time.
    void Reserve(std::size_t n)
    {
        const std::size_t need = m_out.size() + n;
        if (need > m_out.capacity())
        {
            m_out.reserve(need > 2 * m_out.capacity() ? need : 2 * m_out.capacity());
        }
    }

    /// Appends one byte.
    void WriteU8(std::uint8_t v)
    {
        m_out.push_back(v);
    }

    /// Appends a 16-bit value, most significant byte first.
    void WriteU16(std::uint16_t v)
    {
        std::uint8_t* p = Grow(2);
        p[0] = static_cast<std::uint8_t>(v >> 8);
        p[1] = static_cast<std::uint8_t>(v);
    }

    /// Appends a 32-bit value, most significant byte first.
    void WriteU32(std::uint32_t v)
    {
        std::uint8_t* p = Grow(4);
        p[0] = static_cast<std::uint8_t>(v >> 24);
        p[1] = static_cast<std::uint8_t>(v >> 16);
        p[2] = static_cast<std::uint8_t>(v >> 8);
        p[3] = static_cast<std::uint8_t>(v);
    }

    /// Two's complement, as the wire carries errno values and socket option values.
    void WriteI32(std::int32_t v)
    {
        WriteU32(static_cast<std::uint32_t>(v));
    }

    /// Appends `n` raw bytes from `data` (which may be null when `n` is 0).
    void WriteBytes(const std::uint8_t* data, std::size_t n)
    {
        if (n != 0)
        {
            m_out.insert(m_out.end(), data, data + n);
        }
    }

  private:
    /// Extends the buffer by `n` bytes (one size check per field, not per byte).
    std::uint8_t* Grow(std::size_t n)
    {
        const std::size_t old = m_out.size();
        m_out.resize(old + n);
        return m_out.data() + old;
    }

    std::vector<std::uint8_t>& m_out; //!< destination buffer
};

/**
 * \brief Reads big-endian integers and byte runs from [data, data+len) without ever reading
 * past the end.
 *
 * A read that does not fit returns false, leaves the position unchanged and sets a sticky
 * failure flag, so a decoder may chain several reads and test Ok() once.
 */
class ByteReader
{
  public:
    /// Reads from [data, data+len); `data` may be null when `len` is 0.
    ByteReader(const std::uint8_t* data, std::size_t len)
        : m_data(data)
        , m_len(len)
    {
    }

    /// Bytes not yet consumed.
    std::size_t Remaining() const
    {
        return m_len - m_pos;
    }

    /// Bytes consumed so far.
    std::size_t Position() const
    {
        return m_pos;
    }

    /// False once any read has failed.
    bool Ok() const
    {
        return !m_failed;
    }

    /// Reads one byte.
    bool ReadU8(std::uint8_t& v)
    {
        if (!Need(1))
        {
            return false;
        }
        v = m_data[m_pos];
        m_pos += 1;
        return true;
    }

    /// Reads a big-endian 16-bit value.
    bool ReadU16(std::uint16_t& v)
    {
        if (!Need(2))
        {
            return false;
        }
        const std::uint8_t* p = m_data + m_pos;
        v = static_cast<std::uint16_t>((p[0] << 8) | p[1]);
        m_pos += 2;
        return true;
    }

    /// Reads a big-endian 32-bit value.
    bool ReadU32(std::uint32_t& v)
    {
        if (!Need(4))
        {
            return false;
        }
        const std::uint8_t* p = m_data + m_pos;
        v = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
            std::uint32_t{p[3]};
        m_pos += 4;
        return true;
    }

    /// Reads a big-endian two's-complement 32-bit value.
    bool ReadI32(std::int32_t& v)
    {
        std::uint32_t u = 0;
        if (!ReadU32(u))
        {
            return false;
        }
        // Modular conversion: defined since C++20 and what g++/clang do in C++17.
        v = static_cast<std::int32_t>(u);
        return true;
    }

    /// Copies `n` bytes into `dst`.
    bool ReadInto(std::uint8_t* dst, std::size_t n)
    {
        if (!Need(n))
        {
            return false;
        }
        if (n != 0)
        {
            std::memcpy(dst, m_data + m_pos, n);
        }
        m_pos += n;
        return true;
    }

    /// Consumes `n` bytes and points `view` at them (no copy; valid as long as the input).
    bool ReadView(std::size_t n, const std::uint8_t*& view)
    {
        if (!Need(n))
        {
            return false;
        }
        view = m_data + m_pos;
        m_pos += n;
        return true;
    }

  private:
    /// True if `n` more bytes are available; otherwise records the failure.
    bool Need(std::size_t n)
    {
        if (m_failed || n > m_len - m_pos)
        {
            m_failed = true;
            return false;
        }
        return true;
    }

    const std::uint8_t* m_data; //!< start of the input
    std::size_t m_len;          //!< input length
    std::size_t m_pos = 0;      //!< bytes consumed
    bool m_failed = false;      //!< sticky: a read did not fit
};

} // namespace resoa

#endif // RESOA_WIRE_BUFFER_H
