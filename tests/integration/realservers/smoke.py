#!/usr/bin/python3
"""Hand check of a running postfix.sh / exim.sh instance (not run by ctest).

    smoke.py WORKDIR SUBMISSION_PORT TLS_PORT [LOG_FILE_NAME]

Submits over STARTTLS and implicit TLS with AUTH PLAIN (non-ASCII password), checks the EHLO
keywords, the 550 for refused@example.net, a 5 MB message, SMTPUTF8 to jörg@example.net, a
raw BDAT ... LAST session, reads every message back from WORKDIR/maildir/new/ and compares it
with what was sent. Prints what it saw; exits 1 on the first failure."""
import base64, difflib, glob, os, socket, smtplib, ssl, sys, time, uuid

WORK, PORT, TLSPORT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
HERE = os.path.dirname(os.path.abspath(__file__))
CA = os.path.join(HERE, "..", "..", "support", "certs", "ca.pem")
USER, PASSWORD = "alice@example.org", "pässwörd-ü-7"
WANT = ["PIPELINING", "CHUNKING", "SMTPUTF8", "SIZE", "8BITMIME", "AUTH"]
ctx = ssl.create_default_context(cafile=CA)


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        sys.exit(1)


def message(to, size=0, subject="smoke"):
    mid = "<%s@outpost.test>" % uuid.uuid4()
    head = ("From: Alice <alice@example.org>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n"
            "Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            % (", ".join(to), subject, mid))
    body = "Grüße, 8-bit body ✓\r\n.leading dot line\r\ntrailing space \r\n"
    line = "0123456789" * 7 + "abcd\r\n"
    body += line * (size // len(line))
    return mid, (head + body).encode("utf-8")


def stored(mid, timeout=20):
    """The file in maildir/new/ that holds Message-ID mid, as bytes."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for f in glob.glob(os.path.join(WORK, "maildir", "new", "*")):
            with open(f, "rb") as fh:
                data = fh.read()
            if mid.encode() in data:
                return f, data
        time.sleep(0.1)
    return None, None


def compare(mid, sent, show=False):
    f, data = stored(mid)
    check(f is not None, "stored in maildir/new/: %s" % (f and os.path.basename(f)))
    crlf = data.replace(b"\n", b"\r\n")
    check(crlf.endswith(sent), "stored bytes (LF -> CRLF) end with exactly the submitted bytes")
    trace = crlf[: len(crlf) - len(sent)].decode("utf-8", "replace")
    names = {l.split(":")[0].lower() for l in trace.split("\r\n") if l and not l[0].isspace()}
    check(names <= {"return-path", "delivered-to", "x-original-to", "received", "envelope-to"},
          "only trace headers added: %s" % sorted(names))
    if show:
        print("---- diff sent -> stored")
        sys.stdout.writelines(difflib.unified_diff(
            sent.decode().replace("\r\n", "\n").splitlines(True),
            data.decode().splitlines(True), "sent", os.path.basename(f), n=1))
        print("----")
    return data


def ehlo_lines(s):
    s.ehlo("client.example")
    return s.ehlo_resp.decode()


# 1. submission port: STARTTLS, AUTH only after it
s = smtplib.SMTP("127.0.0.1", PORT, timeout=30)
before = ehlo_lines(s)
print("EHLO before STARTTLS (port %d):\n  250-" % PORT + "\n  250-".join(before.splitlines()))
check("STARTTLS" in before and "AUTH" not in before, "STARTTLS offered, AUTH not offered before TLS")
code, _ = s.mail("alice@example.org")
print("MAIL before STARTTLS ->", code, _.decode())
s.rset() if code == 250 else None
s.starttls(context=ctx)
after = ehlo_lines(s)
print("EHLO after STARTTLS:\n  250-" + "\n  250-".join(after.splitlines()))
for k in WANT:
    check(k in after, "offers %s" % k)
check("PLAIN" in after and "LOGIN" in after, "AUTH PLAIN LOGIN")
try:
    s.login(USER, "wrong")
    check(False, "wrong password refused")
except smtplib.SMTPAuthenticationError as e:
    check(e.smtp_code == 535, "wrong password -> %d %s" % (e.smtp_code, e.smtp_error.decode()))
token = base64.b64encode(("\0%s\0%s" % (USER, PASSWORD)).encode()).decode()
code, text = s.docmd("AUTH", "PLAIN " + token)  # smtplib.login() encodes as ASCII
check(code == 235, "AUTH PLAIN with the non-ASCII password -> %d %s" % (code, text.decode()))
rcpts = ["bob@example.net", "refused@example.net", "carol@example.com"]
mid, msg = message(rcpts)
refused = s.sendmail("alice@example.org", rcpts, msg)
print("3 recipients ->", refused)
check(list(refused) == ["refused@example.net"] and refused["refused@example.net"][0] == 550,
      "refused@example.net got 550, the others accepted")
data = compare(mid, msg, show=True)
mid, msg = message(["big@example.net"], size=5 * 1024 * 1024, subject="5 MB")
t = time.time()
s.sendmail("alice@example.org", ["big@example.net"], msg, mail_options=["SIZE=%d" % len(msg)])
check(True, "5 MB message accepted (%.1f s)" % (time.time() - t))
compare(mid, msg)
mid, msg = message(["jörg@example.net"], subject="utf8")
s.sendmail("alice@example.org", ["jörg@example.net"], msg, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
check(True, "SMTPUTF8 message to jörg@example.net accepted")
f_data = compare(mid, msg)
check("jörg@example.net".encode() in f_data.split(b"\n\n")[0], "Delivered-To/Received names jörg@example.net")
s.quit()

# 2. implicit TLS port, raw commands with BDAT LAST
def raw_session(sock, label):
    f = sock.makefile("rb")

    def reply():
        lines = []
        while True:
            l = f.readline().decode()
            lines.append(l.rstrip("\r\n"))
            if l[3:4] != "-":
                return lines

    def cmd(c, data=b""):
        sock.sendall(c.encode() + b"\r\n" + data)
        r = reply()
        print("  C: %s%s\n  S: %s" % (c[:60], " + %d bytes" % len(data) if data else "", "\n     ".join(r)))
        return int(r[-1][:3])

    return reply, cmd


sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", TLSPORT), 30), server_hostname="localhost")
print("raw session, implicit TLS port %d (%s):" % (TLSPORT, sock.version()))
reply, cmd = raw_session(sock, "tls")
print("  S: " + reply()[0])
check(cmd("EHLO client.example") == 250, "EHLO")
check(cmd("AUTH PLAIN " + token) == 235, "AUTH PLAIN")
check(cmd("MAIL FROM:<alice@example.org>") == 250, "MAIL")
check(cmd("RCPT TO:<bdat@example.net>") == 250, "RCPT")
mid, msg = message(["bdat@example.net"], subject="bdat")
check(cmd("BDAT %d LAST" % len(msg), msg) == 250, "BDAT %d LAST" % len(msg))
check(cmd("QUIT") == 221, "QUIT")
sock.close()
compare(mid, msg)

# 3. the same on the submission port after STARTTLS, BDAT in two chunks
plain = socket.create_connection(("127.0.0.1", PORT), 30)
reply, cmd = raw_session(plain, "plain")
print("raw session, STARTTLS port %d:" % PORT)
print("  S: " + reply()[0])
cmd("EHLO client.example")
check(cmd("STARTTLS") == 220, "STARTTLS")
sock = ctx.wrap_socket(plain, server_hostname="localhost")
reply, cmd = raw_session(sock, "tls")
cmd("EHLO client.example")
check(cmd("AUTH PLAIN " + token) == 235, "AUTH PLAIN")
cmd("MAIL FROM:<alice@example.org>")
cmd("RCPT TO:<bdat2@example.net>")
mid, msg = message(["bdat2@example.net"], subject="bdat2")
check(cmd("BDAT %d" % 100, msg[:100]) == 250, "BDAT 100")
check(cmd("BDAT %d LAST" % (len(msg) - 100), msg[100:]) == 250, "BDAT rest LAST")
check(cmd("QUIT") == 221, "QUIT")
sock.close()
compare(mid, msg)

# 4. no relaying without AUTH
sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", TLSPORT), 30), server_hostname="localhost")
reply, cmd = raw_session(sock, "tls")
print("unauthenticated session, implicit TLS:")
reply()
cmd("EHLO client.example")
cmd("MAIL FROM:<alice@example.org>")
code = cmd("RCPT TO:<bob@example.net>")
check(code >= 500, "RCPT without AUTH refused (%d)" % code)
cmd("QUIT")
sock.close()
# 5. one write with MAIL, RCPT and BDAT LAST (PIPELINING), then QUIT
sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", TLSPORT), 30), server_hostname="localhost")
reply, cmd = raw_session(sock, "tls")
print("pipelined session, implicit TLS:")
reply()
cmd("EHLO client.example")
check(cmd("AUTH PLAIN " + token) == 235, "AUTH PLAIN")
mid, msg = message(["pipe@example.net"], subject="pipelined")
sock.sendall(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<pipe@example.net>\r\nBDAT %d LAST\r\n" % len(msg) + msg)
codes = [reply() for _ in range(3)]
print("  C: MAIL + RCPT + BDAT %d LAST in one write\n  S: %s" % (len(msg), "\n     ".join(sum(codes, []))))
check([int(c[-1][:3]) for c in codes] == [250, 250, 250], "pipelined MAIL, RCPT, BDAT LAST -> 250 250 250")
check(cmd("QUIT") == 221, "QUIT")
sock.close()
compare(mid, msg)

# 6. the log: nothing bad so far, then a TLS error is visible
LOG = os.path.join(WORK, "postfix.log" if os.path.exists(os.path.join(WORK, "postfix.log")) else "exim.log")
time.sleep(0.5)
text = open(LOG, encoding="utf-8", errors="replace").read()
for bad in ("lost connection", "improper command pipelining", "synchronization error", "SMTP protocol"):
    check(bad not in text, "%s: no '%s'" % (os.path.basename(LOG), bad))
plain = socket.create_connection(("127.0.0.1", TLSPORT), 30)
plain.sendall(b"EHLO not-tls.example\r\n")
try:
    plain.recv(100)
except OSError:
    pass
plain.close()
time.sleep(0.5)
new = open(LOG, encoding="utf-8", errors="replace").read()[len(text):]
print("log after a plain-text client on the implicit TLS port:\n  " + "\n  ".join(new.splitlines()))
check("TLS" in new or "SSL" in new, "the TLS failure is logged")
print("all checks passed")
