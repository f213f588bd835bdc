#!/usr/bin/python3
"""A TLS SMTP server (implicit TLS) that ends TLS with close_notify and keeps TCP open.

Usage: closenotify.py CERT KEY [--at mail|idle]
Prints its port, then serves connections: greeting, EHLO, then at MAIL (or, with --at idle,
right after the EHLO reply) it sends close_notify and never sends a FIN: the client has to
take the close_notify as the end of the session (RFC 8446 §6.1) instead of waiting for a
timeout. Runs until killed.
"""
import socket
import ssl
import sys
import threading
import time


def serve(conn, ctx, at):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()
        return
    tls.sendall(b"220 localhost ESMTP close_notify test server\r\n")
    buf = b""
    while True:
        try:
            data = tls.recv(4096)
        except (ssl.SSLError, OSError):
            break
        if not data:
            break
        buf += data
        while b"\r\n" in buf:
            line, buf = buf.split(b"\r\n", 1)
            verb = line.split(b" ", 1)[0].upper()
            if verb == b"EHLO":
                tls.sendall(b"250-localhost\r\n250 8BITMIME\r\n")
                if at == "idle":
                    close_notify_only(tls)
                    return
            elif verb == b"MAIL":
                close_notify_only(tls)
                return
            elif verb == b"QUIT":
                tls.sendall(b"221 bye\r\n")
            else:
                tls.sendall(b"250 ok\r\n")


def close_notify_only(tls):
    """Sends close_notify and keeps the TCP connection open (no FIN) for a minute."""
    tls.setblocking(False)
    try:
        tls.unwrap()
    except (ssl.SSLWantReadError, ssl.SSLError, OSError):
        pass
    time.sleep(60)


def main():
    cert, key = sys.argv[1], sys.argv[2]
    at = "mail"
    if "--at" in sys.argv:
        at = sys.argv[sys.argv.index("--at") + 1]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, ctx, at), daemon=True).start()


if __name__ == "__main__":
    main()
