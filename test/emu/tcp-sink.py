#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""A real TCP server for the emulation tests (examples/resoa-emu-real-internet).

Saves what each connection sends to DIR/conn-IP-PORT.bin and logs one line per connection
with the peer address it saw, the byte count and the SHA-256.

    tcp-sink.py [--framed] ADDRESS PORT DIR

--framed: the client sends an 8-byte big-endian length N, then N bytes; the sink saves the N
bytes, answers "ok N SHA256\\n" and then waits for the client to close. Without it, it saves
everything up to the client's FIN.
"""
import hashlib
import socket
import sys
import threading
import time


def read_exactly(conn, n):
    data = bytearray()
    while len(data) < n:
        chunk = conn.recv(min(65536, n - len(data)))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def serve(conn, peer, outdir, framed):
    digest = hashlib.sha256()
    total = 0
    start = time.monotonic()
    want = None
    if framed:
        header = read_exactly(conn, 8)
        want = int.from_bytes(header, "big") if len(header) == 8 else 0
    with open(f"{outdir}/conn-{peer[0]}-{peer[1]}.bin", "wb") as out:
        while want is None or total < want:
            data = conn.recv(65536 if want is None else min(65536, want - total))
            if not data:
                break
            out.write(data)
            digest.update(data)
            total += len(data)
    seconds = time.monotonic() - start
    if framed:
        conn.sendall(f"ok {total} {digest.hexdigest()}\n".encode())
        while conn.recv(65536):
            pass
    conn.close()
    print(f"conn from {peer[0]}:{peer[1]} bytes {total} sha256 {digest.hexdigest()} "
          f"seconds {seconds:.3f}", flush=True)


def main():
    args = sys.argv[1:]
    framed = "--framed" in args
    args = [a for a in args if a != "--framed"]
    address, port, outdir = args[0], int(args[1]), args[2]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(64)
    print(f"listening on {address}:{port}", flush=True)
    while True:
        conn, peer = listener.accept()
        threading.Thread(target=serve, args=(conn, peer, outdir, framed), daemon=True).start()


if __name__ == "__main__":
    main()
