#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
#
# The "internet" FTP server of the realnet program tests (pyftpdlib). Anonymous user with
# read and write access to ROOT. Every PORT/EPRT/PASV/EPSV command is logged on stdout as
#   cmd=PORT peer=<control connection's remote address> announced=<address in the command>
# so a test can compare the address a client announced with the one the server sees.
#
#   ftp-server.py ADDRESS PORT ROOT [--tls CERTFILE]
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    address, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    tls = len(sys.argv) > 5 and sys.argv[4] == "--tls"
    base = TLS_FTPHandler if tls else FTPHandler

    class Handler(base):
        def ftp_PORT(self, line):
            parts = line.split(",")
            announced = ".".join(parts[:4]) if len(parts) == 6 else line
            print("cmd=PORT peer=%s announced=%s" % (self.remote_ip, announced), flush=True)
            return super().ftp_PORT(line)

        def ftp_EPRT(self, line):
            fields = line[1:].split(line[0]) if line else []
            announced = fields[1] if len(fields) > 2 else line
            print("cmd=EPRT peer=%s announced=%s" % (self.remote_ip, announced), flush=True)
            return super().ftp_EPRT(line)

        def ftp_PASV(self, line):
            print("cmd=PASV peer=%s" % self.remote_ip, flush=True)
            return super().ftp_PASV(line)

        def ftp_EPSV(self, line):
            print("cmd=EPSV peer=%s" % self.remote_ip, flush=True)
            return super().ftp_EPSV(line)

        def on_file_sent(self, file):
            print("sent=%s peer=%s" % (file, self.remote_ip), flush=True)

        def on_file_received(self, file):
            print("received=%s peer=%s" % (file, self.remote_ip), flush=True)

    authorizer = DummyAuthorizer()
    authorizer.add_anonymous(root, perm="elradfmw")
    Handler.authorizer = authorizer
    Handler.passive_ports = range(30000, 30100)
    if tls:
        Handler.certfile = sys.argv[5]
        Handler.tls_control_required = True
        Handler.tls_data_required = True
        # Clients resume the control channel's TLS session on the data channel; OpenSSL
        # refuses that ("session id context uninitialized", pyftpdlib then just closes the
        # data connection) unless the context has a session id.
        from OpenSSL import SSL
        context = SSL.Context(SSL.TLS_SERVER_METHOD)
        context.use_certificate_chain_file(sys.argv[5])
        context.use_privatekey_file(sys.argv[5])
        context.set_options(SSL.OP_NO_SSLv2 | SSL.OP_NO_SSLv3 | SSL.OP_NO_COMPRESSION)
        context.set_session_id(b"resoa-ftp-test")
        Handler.ssl_context = context

        class DataHandler(Handler.dtp_handler):
            # pyftpdlib 1.5 closes a data connection that is readable before the transfer
            # command arrives; curl sends its TLS ClientHello on the data connection before
            # RETR. Let the handshake proceed.
            def readable(self):
                return self._ssl_accepting or super().readable()

        Handler.dtp_handler = DataHandler
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    server = FTPServer((address, port), Handler)
    print("ftp-server ready on %s:%d%s" % (address, port, " (TLS)" if tls else ""), flush=True)
    server.serve_forever(timeout=0.5)


if __name__ == "__main__":
    main()
