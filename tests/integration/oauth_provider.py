#!/usr/bin/python3
"""An OAuth 2.0 authorization server of our own for Outpost's tests, on 127.0.0.1 only.

Run with Debian's /usr/bin/python3 (standard library only). Serves HTTPS with --cert/--key
(tests/integration/certs/localhost.pem, signed by the test CA tests/support/certs/ca.pem),
or plain HTTP without them. Prints the chosen port on the first line of stdout, then serves
until killed.

Endpoints (RFC 6749 unless said otherwise):
  GET  /authorize   authorization endpoint (§4.1.1). A valid request consents at once with a
                    302 to redirect_uri carrying code and state. PKCE S256 (RFC 7636) is
                    required. An unknown client_id or a redirect_uri that is not an http
                    loopback URI (RFC 8252 §7.3) gets a 400 page and no redirect (§4.1.2.1).
                    Mode switches (POST /control): "deny" redirects with error=access_denied,
                    "hang" answers a page that never redirects (a browser left open).
  POST /token       token endpoint (§3.2): grant_type authorization_code (§4.1.3, with the
                    RFC 7636 §4.6 check of code_verifier; codes are single-use, expire after
                    60 s, and a code presented twice revokes what it issued, §4.1.2),
                    refresh_token (§6, a new refresh token on every use unless rotation is
                    off; the old one stops working) and the device code grant (RFC 8628
                    §3.4). Client authentication: client_id, and client_secret when the
                    server has one (§2.3.1, in the body).
  POST /device      device authorization endpoint (RFC 8628 §3.1, §3.2).
  POST /introspect  token introspection (RFC 7662), for a mail server that checks tokens
                    (Dovecot's oauth2 passdb): form "token=" (introspection_mode = post), or
                    GET with "Authorization: Bearer" (mode auth) or "?access_token=" (mode get).
  POST /revoke      token revocation (RFC 7009 §2.1): always 200.
  POST /control     JSON object; every key optional, applied in this order:
                      "reset": true             forget every code, token and counter
                      "authorize": "consent" | "deny" | "hang"
                      "rotate": bool            issue a new refresh token on refresh (true)
                      "access_ttl": seconds     lifetime of new access tokens (3600)
                      "expire_access": true     every access token issued so far expires now
                      "revoke_all": true        every refresh token (and access token) revoked
                      "device_script": [...]    answers to the next device polls before the
                                                outcome, e.g. ["authorization_pending",
                                                "slow_down"]
                      "device_outcome": "approve" | "deny" | "expired" | "pending"
                                                after the script: tokens, access_denied,
                                                expired_token, or pending for ever
                      "device_expires_in", "device_interval": seconds for new device codes
                      "device_approve": true    the user approves every device code waiting
                                                ("pending" outcome): the next poll gets tokens
                    Answers the state (as GET /control does).
  GET  /control     JSON: counters and what the server saw, for the test's assertions:
                    token_requests, grants (list of grant types, in order), authorize (the
                    last /authorize query), pkce (list of {"method", "verified"}), polls
                    (monotonic seconds of each device poll), revoked (count),
                    revocations (list of {"token_type_hint", "known"} per POST /revoke),
                    device_codes (count issued).
  Introspection of a refresh token (RFC 7662 §2.2, token_type_hint refresh_token or not)
  answers {"active": …, "token_type": "refresh_token"}: how a test sees it was revoked.
"""
import argparse
import base64
import hashlib
import http.server
import json
import secrets
import ssl
import sys
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--client-id", default="outpost-test-client")
parser.add_argument("--client-secret", default="")
parser.add_argument("--user", default="alice@example.org")
args = parser.parse_args()

lock = threading.Lock()
CODE_TTL = 60


def fresh_state():
    return {
        "authorize_mode": "consent",
        "rotate": True,
        "access_ttl": 3600,
        "device_script": [],
        "device_outcome": "approve",
        "device_expires_in": 600,
        "device_interval": 5,
        "codes": {},          # code -> {client_id, redirect_uri, challenge, scope, expires, used, issued}
        "access": {},         # token -> {expires, scope, revoked}
        "refresh": {},        # token -> {scope, active}
        "devices": {},        # device_code -> {expires, script, outcome, done}
        "counters": {"token_requests": 0, "grants": [], "authorize": None, "pkce": [],
                     "polls": [], "revoked": 0, "revocations": [], "device_codes": 0},
    }


state = fresh_state()


def s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def is_loopback_redirect(uri):
    try:
        u = urllib.parse.urlsplit(uri)
    except ValueError:
        return False
    return u.scheme == "http" and u.hostname in ("127.0.0.1", "::1", "localhost") \
        and not u.fragment


def issue_tokens(scope, with_refresh=True):
    """A new access token (and refresh token); returns the token response object."""
    access = "at-" + secrets.token_urlsafe(24)
    state["access"][access] = {"expires": time.time() + state["access_ttl"], "scope": scope,
                               "revoked": False}
    body = {"access_token": access, "token_type": "Bearer",
            "expires_in": state["access_ttl"], "scope": scope}
    if with_refresh:
        refresh = "rt-" + secrets.token_urlsafe(24)
        state["refresh"][refresh] = {"scope": scope, "active": True, "access": [access]}
        body["refresh_token"] = refresh
    return body


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "OutpostTestOAuth/1"

    def log_message(self, *a):
        pass

    # --- helpers -------------------------------------------------------------------------
    def reply(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def page(self, status, text):
        self.reply(status, ("<html><body>%s</body></html>" % text).encode(), "text/html")

    def error(self, code, description="", status=400):
        body = {"error": code}
        if description:
            body["error_description"] = description
        self.reply(status, body)

    def form(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8")
        if self.headers.get("Content-Type", "").split(";")[0].strip() == "application/json":
            return json.loads(raw or "{}")
        # RFC 6749 §3.2: a parameter sent twice is an invalid request.
        pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True)
        out = {}
        for k, v in pairs:
            if k in out:
                out["__duplicate__"] = k
            out[k] = v
        return out

    def client_ok(self, f):
        if f.get("client_id") != args.client_id:
            return False
        return not args.client_secret or f.get("client_secret") == args.client_secret

    # --- GET ------------------------------------------------------------------------------
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/authorize":
            return self.authorize(dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)))
        if url.path == "/control":
            with lock:
                return self.reply(200, state["counters"])
        if url.path == "/introspect":
            auth = self.headers.get("Authorization", "")
            token = auth[7:] if auth.startswith("Bearer ") else \
                dict(urllib.parse.parse_qsl(url.query)).get("access_token", "")
            return self.introspect(token)
        if url.path == "/activate":
            return self.page(200, "Enter the code shown by your device.")
        self.reply(404, {"error": "not_found"})

    def authorize(self, q):
        with lock:
            state["counters"]["authorize"] = q
            mode = state["authorize_mode"]
        redirect = q.get("redirect_uri", "")
        # §4.1.2.1: never redirect to an unverified client or URI.
        if q.get("client_id") != args.client_id:
            return self.page(400, "unknown client")
        if not is_loopback_redirect(redirect):
            return self.page(400, "redirect_uri is not a loopback URI")
        if mode == "hang":
            return self.page(200, "Please sign in (this page never finishes).")
        params = {}
        if q.get("response_type") != "code":
            params["error"] = "unsupported_response_type"
        elif q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            params = {"error": "invalid_request", "error_description": "PKCE S256 required"}
        elif mode == "deny":
            params = {"error": "access_denied", "error_description": "The user said no"}
        else:
            code = "code-" + secrets.token_urlsafe(18)
            with lock:
                state["codes"][code] = {
                    "client_id": q["client_id"], "redirect_uri": redirect,
                    "challenge": q["code_challenge"], "scope": q.get("scope", ""),
                    "expires": time.time() + CODE_TTL, "used": False, "issued": []}
            params["code"] = code
        if "state" in q:
            params["state"] = q["state"]
        sep = "&" if "?" in redirect else "?"
        location = redirect + sep + urllib.parse.urlencode(params)
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # --- POST -----------------------------------------------------------------------------
    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        try:
            f = self.form()
        except (ValueError, UnicodeDecodeError):
            return self.error("invalid_request", "malformed body")
        if path == "/control":
            return self.control(f)
        if "__duplicate__" in f:
            return self.error("invalid_request", "parameter sent twice: " + f["__duplicate__"])
        if path == "/token":
            return self.token(f)
        if path == "/device":
            return self.device(f)
        if path == "/introspect":
            return self.introspect(f.get("token", ""))
        if path == "/revoke":
            return self.revoke(f)
        self.reply(404, {"error": "not_found"})

    def token(self, f):
        with lock:
            state["counters"]["token_requests"] += 1
            grant = f.get("grant_type", "")
            state["counters"]["grants"].append(grant)
            if not self.client_ok(f):
                return self.error("invalid_client", "unknown client or wrong secret", 401)
            if grant == "authorization_code":
                return self.code_grant(f)
            if grant == "refresh_token":
                return self.refresh_grant(f)
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                return self.device_grant(f)
            return self.error("unsupported_grant_type")

    def code_grant(self, f):
        c = state["codes"].get(f.get("code", ""))
        if c is None or c["expires"] < time.time():
            return self.error("invalid_grant", "unknown or expired code")
        if c["used"]:
            # §4.1.2: a code used twice revokes every token issued from it.
            for rt in c["issued"]:
                revoke_refresh(rt)
            return self.error("invalid_grant", "code already used")
        c["used"] = True
        verifier = f.get("code_verifier", "")
        verified = bool(verifier) and s256(verifier) == c["challenge"]
        state["counters"]["pkce"].append({"method": "S256", "verified": verified,
                                          "verifier_length": len(verifier)})
        if not verified:
            return self.error("invalid_grant", "PKCE verification failed")
        if f.get("redirect_uri") != c["redirect_uri"]:
            return self.error("invalid_grant", "redirect_uri differs from the authorization")
        body = issue_tokens(c["scope"])
        c["issued"].append(body["refresh_token"])
        return self.reply(200, body)

    def refresh_grant(self, f):
        old = f.get("refresh_token", "")
        r = state["refresh"].get(old)
        if r is None or not r["active"]:
            return self.error("invalid_grant", "refresh token revoked, used or unknown")
        if state["rotate"]:
            r["active"] = False
            body = issue_tokens(r["scope"])
        else:
            body = issue_tokens(r["scope"], with_refresh=False)
            r["access"].append(body["access_token"])
        return self.reply(200, body)

    def device(self, f):
        with lock:
            if not self.client_ok(f):
                return self.error("invalid_client", "unknown client", 401)
            code = "dc-" + secrets.token_urlsafe(18)
            state["counters"]["device_codes"] += 1
            state["devices"][code] = {
                "expires": time.time() + state["device_expires_in"],
                "script": list(state["device_script"]), "outcome": state["device_outcome"],
                "scope": f.get("scope", ""), "done": False}
            host, port = self.server.server_address[:2]
            scheme = "https" if args.cert else "http"
            base = "%s://%s:%d/activate" % (scheme, host, port)
            return self.reply(200, {
                "device_code": code, "user_code": "WDJB-MJHT",
                "verification_uri": base,
                "verification_uri_complete": base + "?user_code=WDJB-MJHT",
                "expires_in": state["device_expires_in"],
                "interval": state["device_interval"]})

    def device_grant(self, f):
        d = state["devices"].get(f.get("device_code", ""))
        state["counters"]["polls"].append(time.monotonic())
        if d is None or d["done"]:
            return self.error("invalid_grant", "unknown or used device code")
        if d["expires"] < time.time():
            return self.error("expired_token")
        if d["script"]:
            return self.error(d["script"].pop(0))
        outcome = d["outcome"]
        if outcome == "pending":
            return self.error("authorization_pending")
        d["done"] = True
        if outcome == "deny":
            return self.error("access_denied")
        if outcome == "expired":
            return self.error("expired_token")
        return self.reply(200, issue_tokens(d["scope"]))

    def introspect(self, token):
        with lock:
            r = state["refresh"].get(token)
            if r is not None:
                return self.reply(200, {"active": r["active"], "token_type": "refresh_token"})
            a = state["access"].get(token)
            if a is None or a["revoked"] or a["expires"] < time.time():
                return self.reply(200, {"active": False})
            return self.reply(200, {
                "active": True, "scope": a["scope"], "client_id": args.client_id,
                "username": args.user, "email": args.user, "sub": args.user,
                "token_type": "Bearer", "exp": int(a["expires"])})

    def revoke(self, f):
        with lock:
            if not self.client_ok(f):
                return self.error("invalid_client", "unknown client", 401)
            token = f.get("token", "")
            state["counters"]["revocations"].append({
                "token_type_hint": f.get("token_type_hint", ""),
                "known": token in state["refresh"] or token in state["access"]})
            if token in state["refresh"]:
                revoke_refresh(token)
            elif token in state["access"]:
                state["access"][token]["revoked"] = True
                state["counters"]["revoked"] += 1
            return self.reply(200, b"", "text/plain")

    def control(self, f):
        global state
        with lock:
            if f.get("reset"):
                state = fresh_state()
            if "authorize" in f:
                state["authorize_mode"] = f["authorize"]
            if "rotate" in f:
                state["rotate"] = bool(f["rotate"])
            if "access_ttl" in f:
                state["access_ttl"] = int(f["access_ttl"])
            if f.get("expire_access"):
                for a in state["access"].values():
                    a["expires"] = 0
            if f.get("revoke_all"):
                for rt in list(state["refresh"]):
                    revoke_refresh(rt)
            for key in ("device_script", "device_outcome", "device_expires_in",
                        "device_interval"):
                if key in f:
                    state[key] = f[key]
            if f.get("device_approve"):
                for d in state["devices"].values():
                    if not d["done"] and d["outcome"] == "pending":
                        d["outcome"] = "approve"
            return self.reply(200, state["counters"])


def revoke_refresh(rt):
    """RFC 7009 §2.1: revoking a refresh token also revokes its access tokens."""
    r = state["refresh"].get(rt)
    if r is None:
        return
    if r["active"]:
        state["counters"]["revoked"] += 1
    r["active"] = False
    for at in r.get("access", []):
        if at in state["access"]:
            state["access"][at]["revoked"] = True


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
