/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Part of resoa's Linux drivers (realnet/).
 */
#ifndef RESOA_REALNET_UNIQUE_FD_H
#define RESOA_REALNET_UNIQUE_FD_H

#include <unistd.h>

#include <utility>

namespace resoa
{
namespace realnet
{

/**
 * \brief Owns one file descriptor and closes it once.
 *
 * Every fd the daemons open lives in one of these, so an exception between open and the end
 * of a constructor never leaks a descriptor (the daemons run for months).
 */
class UniqueFd
{
  public:
    UniqueFd() = default;

    /// Takes ownership of \p fd (-1 = none).
    explicit UniqueFd(int fd)
        : m_fd(fd)
    {
    }

    ~UniqueFd()
    {
        Reset();
    }

    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    UniqueFd(UniqueFd&& other) noexcept
        : m_fd(other.Release())
    {
    }

    UniqueFd& operator=(UniqueFd&& other) noexcept
    {
        if (this != &other)
        {
            Reset(other.Release());
        }
        return *this;
    }

    /// \return the fd, still owned (-1 if none)
    int Get() const
    {
        return m_fd;
    }

    /// \return true if an fd is owned
    explicit operator bool() const
    {
        return m_fd >= 0;
    }

    /// Gives up ownership. \return the fd (-1 if none)
    int Release()
    {
        return std::exchange(m_fd, -1);
    }

    /// Closes the owned fd, if any, and takes \p fd instead.
    void Reset(int fd = -1)
    {
        if (m_fd >= 0)
        {
            ::close(m_fd);
        }
        m_fd = fd;
    }

  private:
    int m_fd = -1;
};

} // namespace realnet
} // namespace resoa

#endif // RESOA_REALNET_UNIQUE_FD_H
