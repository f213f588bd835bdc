#!/usr/bin/python3
"""Servers for the account-discovery tests, on loopback only.

  discovery_servers.py https CERT KEY PATH=FILE [PATH=FILE ...]
      An HTTPS server on 127.0.0.1 and a free port (printed first): GET of PATH (the part of the
      URL before any '?') answers FILE's content as application/xml, anything else 404.
  discovery_servers.py dns ADDRESS NAME=PRIORITY,WEIGHT,PORT,TARGET [...]
      A DNS server on ADDRESS:53 (UDP; needs root) answering SRV queries for each NAME with its
      record (several records for one NAME are allowed); other names get NXDOMAIN. Prints
      "ready" once listening.
"""
import http.server
import socket
import ssl
import struct
import sys


def https(cert, key, routes):
    table = {}
    for r in routes:
        path, _, file = r.partition("=")
        with open(file, "rb") as f:
            table[path] = f.read()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = table.get(self.path.split("?", 1)[0])
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def read_name(data, pos):
    labels = []
    while data[pos] != 0:
        n = data[pos]
        labels.append(data[pos + 1:pos + 1 + n].decode(errors="replace"))
        pos += 1 + n
    return ".".join(labels), pos + 1


def dns(address, specs):
    records = {}
    for s in specs:
        name, _, value = s.partition("=")
        prio, weight, port, target = value.split(",")
        records.setdefault(name.lower().rstrip("."), []).append(
            (int(prio), int(weight), int(port), target))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    print("ready", flush=True)
    while True:
        data, peer = sock.recvfrom(4096)
        if len(data) < 12:
            continue
        qid, flags, qd = struct.unpack(">HHH", data[:6])
        name, pos = read_name(data, 12)
        qtype, qclass = struct.unpack(">HH", data[pos:pos + 4])
        question = data[12:pos + 4]
        found = records.get(name.lower()) if qtype == 33 else None
        rcode = 0 if found else 3
        answers = b""
        for prio, weight, port, target in found or []:
            rdata = struct.pack(">HHH", prio, weight, port) + encode_name(target)
            answers += b"\xc0\x0c" + struct.pack(">HHIH", 33, 1, 60, len(rdata)) + rdata
        header = struct.pack(">HHHHHH", qid, 0x8180 | rcode, 1, len(found or []), 0, 0)
        sock.sendto(header + question + answers, peer)


if __name__ == "__main__":
    if sys.argv[1] == "https":
        https(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif sys.argv[1] == "dns":
        dns(sys.argv[2], sys.argv[3:])
    else:
        sys.exit("usage: see the docstring")
