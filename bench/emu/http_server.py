#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""python -m http.server with a chosen TCP congestion control on the listening socket.

    http_server.py ADDRESS PORT DIRECTORY [CC]

Accepted connections inherit a congestion control set with setsockopt(TCP_CONGESTION) on the
listener. A namespace may only make the algorithms of the host's
net.ipv4.tcp_allowed_congestion_control its default (sysctl), but root (CAP_NET_ADMIN) may
set any available one per socket: so the kernel TCP sender of bench-emu.py runs Cubic, as a
Linux server does by default, without touching the host's settings.
"""
import functools
import http.server
import socket
import sys


class Server(http.server.ThreadingHTTPServer):
    congestion_control = ""

    def server_bind(self):
        if self.congestion_control:
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION,
                                   self.congestion_control.encode())
        super().server_bind()


def main(argv):
    address, port, directory = argv[0], int(argv[1]), argv[2]
    Server.congestion_control = argv[3] if len(argv) > 3 else ""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    with Server((address, port), handler) as httpd:
        cc = httpd.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
        print("Serving HTTP on %s port %d, congestion control %s" % (
            address, port, cc.split(b"\0")[0].decode()), flush=True)
        httpd.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
