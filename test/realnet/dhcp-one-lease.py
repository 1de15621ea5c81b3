#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""A DHCP server for one test: it leases one address, once, for a few seconds, and then
answers nothing (renewals included), so the lease runs out. dnsmasq cannot do that: its
shortest lease is 2 minutes.

    dhcp-one-lease.py INTERFACE SERVER_IP ADDRESS LEASE_SECONDS

Prints "ready" once listening, then one line per message: "DISCOVER -> OFFER",
"REQUEST -> ACK", or "REQUEST ignored" once the lease is given.
"""
import socket
import struct
import sys

COOKIE = b"\x63\x82\x53\x63"
NAMES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 5: "ACK", 7: "RELEASE"}


def options(data):
    """The options after the cookie, as {code: bytes}."""
    found, i = {}, 240
    while i < len(data) and data[i] != 255:
        if data[i] == 0:
            i += 1
            continue
        length = data[i + 1]
        found[data[i]] = data[i + 2 : i + 2 + length]
        i += 2 + length
    return found


def reply(request, kind, server, address, lease):
    header = struct.pack(
        "!BBBB4sHH4s4s4s4s16s",
        2, 1, 6, 0,
        request[4:8],  # xid
        0, struct.unpack("!H", request[10:12])[0],  # secs, flags
        bytes(4), socket.inet_aton(address), socket.inet_aton(server), bytes(4),
        request[28:44],  # chaddr
    )
    opts = bytes([53, 1, kind])
    opts += bytes([54, 4]) + socket.inet_aton(server)
    opts += bytes([51, 4]) + struct.pack("!I", lease)
    opts += bytes([58, 4]) + struct.pack("!I", lease // 2)
    opts += bytes([1, 4]) + socket.inet_aton("255.255.255.0")
    message = header + bytes(64 + 128) + COOKIE + opts + b"\xff"
    return message + bytes(max(0, 300 - len(message)))


def main():
    interface, server, address, lease = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
    s.bind(("", 67))
    print("ready", flush=True)
    given = False
    while True:
        data, _ = s.recvfrom(2048)
        if len(data) < 241 or data[0] != 1 or data[236:240] != COOKIE:
            continue
        kind = options(data).get(53, b"\x00")[0]
        name = NAMES.get(kind, str(kind))
        if given or kind not in (1, 3):
            print(name, "ignored", flush=True)
            continue
        answer = 2 if kind == 1 else 5
        s.sendto(reply(data, answer, server, address, lease), ("255.255.255.255", 68))
        given = answer == 5
        print(name, "->", NAMES[answer], flush=True)


if __name__ == "__main__":
    main()
