#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Both ends of the fault tests (test-faults.cc). One line per event, flushed at once, so the
test can wait for it and time it.

Internet side (plain sockets):
  serve HOST PORT idle                 accept; hold each connection; report how it ended
  serve HOST PORT source FILE RATE     send FILE to each connection at RATE bytes/s (0: as
                                       fast as TCP takes it), then FIN; report progress
  serve HOST PORT sink DIR             write each connection's bytes to DIR/sink-N.bin
  udp HOST PORT                        receive datagrams and print them

Client side (run under resoa-run):
  fetch HOST PORT OUT [SLEEP]          connect, sleep SLEEP s, read to EOF/error into OUT
  send HOST PORT FILE RATE             connect, send FILE at RATE bytes/s, FIN, wait for EOF
  connect HOST PORT                    one blocking connect: connect=ok|ERRNO t=seconds
  hold HOST IDLEPORT SOURCEPORT UDPPORT LISTENPORT
                                       open an idle and a downloading TCP connection, a UDP
                                       socket and a listener, then read the download until
                                       it ends
"""
import errno
import os
import select
import socket
import sys
import threading
import time

T0 = time.monotonic()


def say(text):
    print("%s t=%.3f" % (text, time.monotonic() - T0), flush=True)


def errname(e):
    return errno.errorcode.get(e, str(e)) if e else "0"


def so_error(s):
    try:
        return errname(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
    except OSError as e:
        return "getsockopt-" + errname(e.errno)


def wait_end(conn, n):
    """Reads (and drops) until the peer's FIN or RST; reports which."""
    try:
        while True:
            if not conn.recv(65536):
                say("end conn=%d kind=FIN" % n)
                return
    except ConnectionResetError:
        say("end conn=%d kind=RST" % n)
    except OSError as e:
        say("end conn=%d kind=%s" % (n, errname(e.errno)))


def serve_source(conn, n, path, rate):
    data = open(path, "rb").read()
    sent = 0
    last = 0.0
    start = time.monotonic()
    chunk = 65536 if rate == 0 else max(1024, rate // 100)
    conn.setblocking(False)  # progress is reported while TCP pushes back
    try:
        while sent < len(data):
            if rate:
                due = start + sent / rate
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
            # select also wakes on the peer's FIN/RST, so a dead peer is seen while sending.
            r, w, _ = select.select([conn], [conn], [], 0.1)
            if r:
                if not conn.recv(65536):
                    say("end conn=%d kind=FIN sent=%d" % (n, sent))
                    return
            if w:
                try:
                    sent += conn.send(data[sent:sent + chunk])
                except BlockingIOError:
                    pass
            if time.monotonic() - last >= 0.1:
                last = time.monotonic()
                say("progress conn=%d sent=%d" % (n, sent))
        say("progress conn=%d sent=%d" % (n, sent))
        conn.shutdown(socket.SHUT_WR)
        say("done conn=%d sent=%d" % (n, sent))
        conn.setblocking(True)
        wait_end(conn, n)
    except ConnectionResetError:
        say("end conn=%d kind=RST sent=%d" % (n, sent))
    except OSError as e:
        say("end conn=%d kind=%s sent=%d" % (n, errname(e.errno), sent))


def serve_sink(conn, n, folder):
    got = 0
    with open(os.path.join(folder, "sink-%d.bin" % n), "wb") as out:
        try:
            while True:
                b = conn.recv(65536)
                if not b:
                    break
                out.write(b)
                got += len(b)
        except OSError as e:
            say("end conn=%d kind=%s got=%d" % (n, errname(e.errno), got))
            return
    say("end conn=%d kind=FIN got=%d" % (n, got))
    conn.close()


def serve(host, port, mode, args):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(16)
    say("listening %s:%d" % (host, port))
    n = 0
    while True:
        conn, peer = ls.accept()
        n += 1
        say("accepted conn=%d peer=%s:%d" % (n, peer[0], peer[1]))
        if mode == "idle":
            target, targs = wait_end, (conn, n)
        elif mode == "source":
            target, targs = serve_source, (conn, n, args[0], int(args[1]))
        else:
            target, targs = serve_sink, (conn, n, args[0])
        threading.Thread(target=target, args=targs, daemon=True).start()


def udp(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, port))
    say("listening udp %s:%d" % (host, port))
    while True:
        data, peer = s.recvfrom(65535)
        say("datagram from=%s:%d bytes=%d" % (peer[0], peer[1], len(data)))


def read_to_end(s, out, name="fetch", use_read=False):
    """Reads until EOF or an error. Reports the end, SO_ERROR and the longest stall.
    use_read: os.read (libc read) instead of socket.recv (libc recv)."""
    got = 0
    stall = 0.0
    last = time.monotonic()
    reported = 0.0
    kind = "EOF"
    try:
        while True:
            b = os.read(s.fileno(), 65536) if use_read else s.recv(65536)
            now = time.monotonic()
            if not b:
                break
            stall = max(stall, now - last)
            if now - last >= 0.5:
                say("stall %s got=%d s=%.3f" % (name, got, now - last))
            last = now
            if out:
                out.write(b)
            got += len(b)
            if now - reported >= 0.1:
                reported = now
                say("progress %s got=%d" % (name, got))
    except OSError as e:
        kind = errname(e.errno)
    err = so_error(s)  # after a failed read: 0 (the read took the error), as with kernel TCP
    say("end %s kind=%s so_error=%s got=%d max_stall=%.3f" % (name, kind, err, got, stall))
    return kind == "EOF" and err == "0" and got > 0


def fetch(host, port, path, sleep, use_read=False):
    s = socket.create_connection((host, port))
    say("connected local=%s:%d" % s.getsockname())
    if sleep > 0:
        time.sleep(sleep)
        say("resuming")
    with open(path, "wb") as out:
        ok = read_to_end(s, out, use_read=use_read)
    return 0 if ok else 1


def send(host, port, path, rate):
    s = socket.create_connection((host, port))
    say("connected local=%s:%d" % s.getsockname())
    data = open(path, "rb").read()
    sent = 0
    start = time.monotonic()
    stall = 0.0
    chunk = max(1024, rate // 100) if rate else 65536
    while sent < len(data):
        if rate:
            due = start + sent / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
        before = time.monotonic()
        sent += s.send(data[sent:sent + chunk])
        stall = max(stall, time.monotonic() - before)
    s.shutdown(socket.SHUT_WR)
    say("sent bytes=%d max_stall=%.3f" % (sent, stall))
    rest = s.recv(1)
    say("end send kind=%s so_error=%s" % ("EOF" if not rest else "data", so_error(s)))
    return 0


def connect(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    start = time.monotonic()
    e = s.connect_ex((host, port))
    print("connect=%s t=%.3f" % ("ok" if e == 0 else errname(e), time.monotonic() - start),
          flush=True)
    return 0 if e == 0 else 1


def hold(host, idle_port, source_port, udp_port, listen_port):
    idle = socket.create_connection((host, idle_port))
    down = socket.create_connection((host, source_port))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"hello", (host, udp_port))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", listen_port))
    ls.listen(4)
    first = down.recv(65536)
    say("ready idle=%s:%d down=%s:%d got=%d" % (idle.getsockname() + down.getsockname() +
                                               (len(first),)))
    read_to_end(down, None, "down")
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "serve":
        serve(argv[2], int(argv[3]), argv[4], argv[5:])
    elif cmd == "udp":
        udp(argv[2], int(argv[3]))
    elif cmd == "fetch":
        return fetch(argv[2], int(argv[3]), argv[4], float(argv[5]) if len(argv) > 5 else 0,
                     len(argv) > 6 and argv[6] == "read")
    elif cmd == "send":
        return send(argv[2], int(argv[3]), argv[4], int(argv[5]))
    elif cmd == "connect":
        return connect(argv[2], int(argv[3]))
    elif cmd == "hold":
        return hold(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]))
    else:
        print("unknown command " + cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
