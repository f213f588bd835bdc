#!/usr/bin/env bash
# dovecot-submission.sh WORKDIR PORT TLS_PORT — Dovecot 2.3's submission server (Debian 12's
# dovecot-core and dovecot-submissiond, unpacked by `fetch.sh CACHE submission` into
# CACHE/submission, never installed) on 127.0.0.1, taking OAuth 2.0 bearer tokens only:
#   PORT        STARTTLS offered; AUTH (XOAUTH2, OAUTHBEARER) only after it
#   TLS_PORT    implicit TLS
# Tokens are checked by Dovecot's oauth2 passdb against a token introspection endpoint
# (RFC 7662, POST "token="): tests/integration/oauth_provider.py's /introspect. A valid token
# names the user (its "username"); an inactive one is refused with the RFC 7628 error
# challenge. Accepted messages are relayed to a plain SMTP sink on 127.0.0.1.
# With DOVECOT_IMAP_PORTS it serves IMAP too, with the same tokens (AUTHENTICATE XOAUTH2 and
# OAUTHBEARER only, after TLS), each user's Maildir under WORKDIR/home/USER/Maildir with a
# Sent folder marked \Sent (RFC 6154): a provider that signs in to both with one token.
# Environment:
#   DOVECOT_INTROSPECT_URL   e.g. http://127.0.0.1:PORT/introspect (required)
#   DOVECOT_RELAY_PORT       the port of the SMTP sink the messages are relayed to (required)
#   DOVECOT_IMAP_PORTS       "PORT,TLS_PORT": IMAP with STARTTLS, and implicit TLS (optional)
# Log: WORKDIR/dovecot.log. Prints `ready` when every port listens; SIGTERM stops it.
set -euo pipefail
# shellcheck disable=SC2034 # read by common.sh: the package set to fetch
RS_FETCH_SET=submission
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rs_check_args "$@"
PORT=$2
TLS_PORT=$3
W=$WORKDIR
R=$RS_SUBMISSION_ROOT
INTROSPECT=${DOVECOT_INTROSPECT_URL:-}
RELAY_PORT=${DOVECOT_RELAY_PORT:-}
[ -n "$INTROSPECT" ] || rs_fail "DOVECOT_INTROSPECT_URL is not set"
[[ $RELAY_PORT =~ ^[0-9]+$ ]] || rs_fail "DOVECOT_RELAY_PORT is not a port"
IMAP_PORTS=${DOVECOT_IMAP_PORTS:-}
PROTOCOLS=submission
IMAP_SERVICE=
if [ -n "$IMAP_PORTS" ]; then
    [[ $IMAP_PORTS =~ ^[0-9]+,[0-9]+$ ]] || rs_fail "DOVECOT_IMAP_PORTS is not PORT,TLS_PORT"
    for p in ${IMAP_PORTS/,/ }; do
        ! rs_listening "$p" || rs_fail "127.0.0.1:$p is already in use"
    done
    PROTOCOLS="submission imap"
    IMAP_SERVICE="service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${IMAP_PORTS%,*}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${IMAP_PORTS#*,}
    ssl = yes
  }
  chroot =
}"
fi

OWNER=mail
OWNER_UID=$(id -u $OWNER) || rs_fail "no user $OWNER"
id nobody >/dev/null || rs_fail "no user nobody"
rs_can_reach $OWNER "$W" || rs_fail "user $OWNER cannot reach $W (a parent folder is not world-searchable)"
if [ -f "$W/server.pid" ] && kill -0 "$(cat "$W/server.pid")" 2>/dev/null; then
    rs_fail "a server already runs in $W (pid $(cat "$W/server.pid"))"
fi
command -v unshare >/dev/null || rs_fail "unshare not found (util-linux)"

mkdir -p "$W/run" "$W/state" "$W/home"
chmod 755 "$W/run"
chown $OWNER: "$W/home"
touch "$W/dovecot.log"
install -m 600 "$RS_CERT" "$W/tls.pem"
install -m 600 "$RS_KEY" "$W/tls.key"

# The oauth2 passdb: introspection only (no tokeninfo), the user from "username", a token
# that is not "active" refused.
cat >"$W/oauth2.conf.ext" <<EOF2
introspection_mode = post
introspection_url = $INTROSPECT
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 10000
EOF2
chmod 644 "$W/oauth2.conf.ext"

cat >"$W/dovecot.conf" <<EOF2
# Written by $RS_NAME; a test instance, see tests/integration/realservers/README.md.
base_dir = $W/run
state_dir = $W/state
instance_name = outpost-submission-$PORT
protocols = $PROTOCOLS
listen = 127.0.0.1
hostname = submission.test
shutdown_clients = yes
default_login_user = nobody
default_internal_user = $OWNER
default_internal_group = $OWNER
first_valid_uid = 1
log_path = $W/dovecot.log
auth_verbose = yes
auth_debug = yes

ssl = yes
ssl_cert = <$W/tls.pem
ssl_key = <$W/tls.key
disable_plaintext_auth = yes
auth_mechanisms = xoauth2 oauthbearer
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $W/oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=$OWNER_UID gid=$OWNER_UID home=$W/home/%u
}

# The submission service opens the user's mail storage (BURL) even when it only relays; IMAP
# serves it, with its Sent folder.
mail_location = maildir:~/Maildir
mail_save_crlf = yes
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
}

submission_relay_host = 127.0.0.1
submission_relay_port = $RELAY_PORT
submission_relay_trusted = yes
submission_relay_ssl = no

service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener submissions {
    address = 127.0.0.1
    port = $TLS_PORT
    ssl = yes
  }
  chroot =
}
service anvil {
  chroot =
}
$IMAP_SERVICE
EOF2
chmod 644 "$W/dovecot.conf"

# As dovecot.sh: the unpacked /usr laid over the real one in a mount namespace of its own.
OVERLAY="mount -t overlay outpost-dovecot -o lowerdir=$R/usr:/usr /usr"
unshare -m --propagation private sh -c "$OVERLAY && exec /usr/bin/doveconf -c '$W/dovecot.conf' -n" \
    >"$W/doveconf.out" 2>&1 || rs_fail "dovecot rejects $W/dovecot.conf: $(tail -1 "$W/doveconf.out")"

PORTS="$PORT,$TLS_PORT${IMAP_PORTS:+,$IMAP_PORTS}"
RS_NAME=$RS_NAME exec /usr/bin/python3 "$RS_SRC/serve.py" "$W" "$W/dovecot.out" "$PORTS" -- \
    unshare -m --propagation private sh -c "$OVERLAY && exec /usr/sbin/dovecot -F -c '$W/dovecot.conf'"
