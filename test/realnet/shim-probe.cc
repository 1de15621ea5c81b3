/*
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * A small program the end-to-end tests run under libresoa-preload.so: it prints what the
 * socket API shows an application, one `key=value` line each.
 *   shim-probe HOST PORT CLOSED_PORT
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace
{

sockaddr_in
Address(const char* host, const char* port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(std::atoi(port)));
    inet_pton(AF_INET, host, &a.sin_addr);
    return a;
}

void
Print(const char* key, const sockaddr_in& a)
{
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a.sin_addr, text, sizeof(text));
    std::printf("%s=%s:%u\n", key, text, ntohs(a.sin_port));
}

/// Non-blocking connect, poll for writability, SO_ERROR: what curl and browsers do.
int
ConnectNonBlocking(const sockaddr_in& to, int& fd)
{
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
    {
        return errno;
    }
    if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) == 0)
    {
        return 0;
    }
    if (errno != EINPROGRESS)
    {
        return errno;
    }
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, 10000) != 1)
    {
        return ETIMEDOUT;
    }
    int error = -1;
    socklen_t len = sizeof(error);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    return error;
}

} // namespace

int
main(int argc, char** argv)
{
    if (argc < 4)
    {
        std::fprintf(stderr, "usage: shim-probe HOST PORT CLOSED_PORT\n");
        return 2;
    }
    int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    std::printf("raw=%s\n", raw < 0 ? strerrorname_np(errno) : "opened");

    int fd = -1;
    int error = ConnectNonBlocking(Address(argv[1], argv[2]), fd);
    std::printf("connect=%s\n", error == 0 ? "ok" : strerrorname_np(error));
    if (error == 0)
    {
        sockaddr_in local{};
        sockaddr_in peer{};
        socklen_t len = sizeof(local);
        getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
        len = sizeof(peer);
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len);
        Print("local", local);
        Print("peer", peer);
        int type = 0;
        len = sizeof(type);
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
        std::printf("type=%s\n", type == SOCK_STREAM ? "stream" : "other");
        // Answered at once by clientd (pipelined), applied by the server in order: a
        // getsockopt right after sees it.
        int on = 1;
        int set = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
        int nodelay = -1;
        len = sizeof(nodelay);
        int got = getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
        std::printf("nodelay=%d/%d/%d\n", set, got, nodelay);
    }
    close(fd);
    int refused = -1;
    error = ConnectNonBlocking(Address(argv[1], argv[3]), refused);
    std::printf("closed-port=%s\n", error == 0 ? "ok" : strerrorname_np(error));
    close(refused);

    // A datagram travels in one EP message (one LHP frame): 1453 bytes fit the default
    // 1476-byte message with its IPv4 address, one more is EMSGSIZE at once.
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to = Address(argv[1], argv[2]);
    std::vector<char> datagram(1454, 'x');
    ssize_t n = sendto(udp, datagram.data(), 1453, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    std::printf("udp-1453=%s\n", n == 1453 ? "ok" : strerrorname_np(errno));
    n = sendto(udp, datagram.data(), 1454, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    std::printf("udp-1454=%s\n", n == 1454 ? "ok" : strerrorname_np(errno));
    // Not pipelined on a datagram socket: the server's refusal reaches the caller.
    int on = 1;
    int set = setsockopt(udp, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    std::printf("udp-nodelay=%s\n", set == 0 ? "ok" : strerrorname_np(errno));
    close(udp);
    return 0;
}
