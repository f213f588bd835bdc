#!/usr/bin/python3
"""A real SMTP server for Outpost's integration tests: Debian's aiosmtpd on 127.0.0.1.

Run with /usr/bin/python3 (Debian's python3-aiosmtpd). Prints the chosen port on the first
line of stdout, then serves until killed. Every delivered message is written to
--spool as NNNN.eml (the bytes exactly as received), and every session event is appended
to --events as one JSON object per line:
  {"event": "connect"|"starttls"|"auth"|"quit"|"close"|"data", "conn": N, ...}
"close" carries "error": null for an orderly close (FIN, close_notify under TLS) or the
exception's name (ConnectionResetError, ...).

Options:
  --port N           port (default 0: any free port)
  --starttls         offer STARTTLS with --cert/--key, and require it before AUTH/MAIL
  --implicit-tls     TLS from the first byte (port 465 style)
  --auth USER:PASS   require AUTH (PLAIN/LOGIN) with these credentials
  --smtputf8         offer SMTPUTF8
  --data-delay-ms N  wait N ms after the end of data before taking the message and
                     answering (a slow server: makes a crash during a flush likely)
"""
import argparse
import asyncio
import itertools
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--spool", required=True)
parser.add_argument("--events", required=True)
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--starttls", action="store_true")
parser.add_argument("--implicit-tls", action="store_true")
parser.add_argument("--auth")
parser.add_argument("--smtputf8", action="store_true")
parser.add_argument("--data-delay-ms", type=int, default=0)
args = parser.parse_args()

os.makedirs(args.spool, exist_ok=True)
conn_ids = itertools.count(1)
msg_ids = itertools.count(1)


def log(**event):
    with open(args.events, "a") as f:
        f.write(json.dumps(event) + "\n")


class Handler:
    async def handle_DATA(self, server, session, envelope):
        if args.data_delay_ms:
            await asyncio.sleep(args.data_delay_ms / 1000.0)
        n = next(msg_ids)
        with open(os.path.join(args.spool, "%04d.eml" % n), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        log(event="data", conn=server.conn_id, mail_from=envelope.mail_from, rcpt=envelope.rcpt_tos, file="%04d.eml" % n)
        return "250 2.0.0 Ok: queued as %04d" % n


def authenticator(server, session, envelope, mechanism, auth_data):
    user, _, password = args.auth.partition(":")
    ok = auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok)


class LoggingSMTP(SMTP):
    def connection_made(self, transport):
        self.conn_id = next(conn_ids)
        log(event="connect", conn=self.conn_id)
        super().connection_made(transport)

    def connection_lost(self, exc):
        log(event="close", conn=self.conn_id, error=None if exc is None else type(exc).__name__)
        super().connection_lost(exc)

    async def smtp_STARTTLS(self, arg):
        log(event="starttls", conn=self.conn_id)
        return await super().smtp_STARTTLS(arg)

    async def smtp_AUTH(self, arg):
        log(event="auth", conn=self.conn_id, mechanism=(arg or "").split(" ")[0].upper())
        return await super().smtp_AUTH(arg)

    async def smtp_QUIT(self, arg):
        log(event="quit", conn=self.conn_id)
        return await super().smtp_QUIT(arg)


context = None
if args.cert:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)


def factory():
    kwargs = dict(hostname="localhost", enable_SMTPUTF8=args.smtputf8, decode_data=False)
    if args.auth:
        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=not args.implicit_tls)
    if args.starttls:
        kwargs.update(tls_context=context, require_starttls=True)
    return LoggingSMTP(Handler(), **kwargs)


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
server = loop.run_until_complete(loop.create_server(
    factory, "127.0.0.1", args.port, ssl=context if args.implicit_tls else None))
print(server.sockets[0].getsockname()[1], flush=True)
try:
    loop.run_forever()
except KeyboardInterrupt:
    pass
