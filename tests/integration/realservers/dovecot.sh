#!/usr/bin/env bash
# dovecot.sh WORKDIR IMAP_PORT IMAPS_PORT — a real Dovecot 2.3 IMAP server (Debian 12's
# dovecot-core and dovecot-imapd, unpacked by fetch.sh into $OUTPOST_REALSERVERS, never
# installed) on 127.0.0.1:
#   IMAP_PORT   STARTTLS offered; LOGIN/AUTHENTICATE only after it (LOGINDISABLED before)
#   IMAPS_PORT  implicit TLS
# Users (passwd-file, PLAIN and LOGIN): alice@example.org / pässwörd-ü-7 and
# full@example.org (same password) whose quota (1 KiB) makes every APPEND fail with
# NO [OVERQUOTA]. Maildir under WORKDIR/home/USER/Maildir, messages stored with CRLF exactly as
# appended (mail_save_crlf). Log: WORKDIR/dovecot.log.
# Environment:
#   DOVECOT_SENT=special-use (default)  mailboxes Sent (\Sent), Archive (\Archive), Drafts,
#                                       Trash (\Trash), SPECIAL-USE offered
#   DOVECOT_SENT=name                   only "Sent Items" (no special-use attribute) and
#                                       Archive; SPECIAL-USE and LIST-EXTENDED not offered
#   DOVECOT_LITERAL_PLUS=no             LITERAL+ not offered after login: synchronizing literals
# Prints `ready` when both ports listen; SIGTERM stops it. See README.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rs_check_args "$@"
PORT=$2
TLS_PORT=$3
W=$WORKDIR
R=$RS_ROOT
SENT=${DOVECOT_SENT:-special-use}
LITERAL_PLUS=${DOVECOT_LITERAL_PLUS:-yes}
case $SENT in special-use | name) ;; *) rs_fail "DOVECOT_SENT must be special-use or name" ;; esac
case $LITERAL_PLUS in yes | no) ;; *) rs_fail "DOVECOT_LITERAL_PLUS must be yes or no" ;; esac

# Users that exist on Debian without any mail package: mail owns the mailboxes and runs the
# internal services (Dovecot's own users dovecot/dovenull are made by its postinst, which
# never ran), nobody runs the login processes.
OWNER=mail
OWNER_UID=$(id -u $OWNER) || rs_fail "no user $OWNER"
OWNER_GID=$(id -g $OWNER)
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
# The TLS key, readable by root (the config process) only.
install -m 600 "$RS_CERT" "$W/tls.pem"
install -m 600 "$RS_KEY" "$W/tls.key"

# passwd-file: user:password:uid:gid:gecos:home:shell:extra fields (userdb_ for the userdb).
{
    printf '%s:{PLAIN}%s:%s:%s::%s::userdb_quota_rule=*:storage=100M\n' \
        "$RS_USER" "$RS_PASSWORD" "$OWNER_UID" "$OWNER_GID" "$W/home/$RS_USER"
    printf '%s:{PLAIN}%s:%s:%s::%s::userdb_quota_rule=*:storage=1K\n' \
        "full@example.org" "$RS_PASSWORD" "$OWNER_UID" "$OWNER_GID" "$W/home/full@example.org"
} >"$W/passwd"
chown $OWNER: "$W/passwd" # read by the auth process, which runs as mail
chmod 600 "$W/passwd"

if [ "$SENT" = special-use ]; then
    MAILBOXES='  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Archive {
    special_use = \Archive
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }'
else
    MAILBOXES='  mailbox "Sent Items" {
    auto = subscribe
  }
  mailbox Archive {
    auto = subscribe
  }'
fi
# The capabilities after login. Dovecot 2.3 cannot remove one from its list ("+" only adds),
# so a variant gives the whole list: Dovecot's own, less what the variant takes away.
CAPS="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES"
CAPS+=" THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN"
CAPS+=" NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES"
CAPS+=" WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW"
CAPS+=" STATUS=SIZE SAVEDATE SPECIAL-USE LITERAL+ NOTIFY QUOTA"
if [ "$SENT" = name ]; then
    CAPS=${CAPS/ SPECIAL-USE/}
    CAPS=${CAPS/ LIST-EXTENDED/}
fi
if [ "$LITERAL_PLUS" = no ]; then
    CAPS=${CAPS/ LITERAL+/}
fi

cat >"$W/dovecot.conf" <<EOF2
# Written by $RS_NAME; a test instance, see tests/integration/realservers/README.md.
base_dir = $W/run
state_dir = $W/state
instance_name = outpost-$PORT
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes
default_login_user = nobody
default_internal_user = $OWNER
default_internal_group = $OWNER
first_valid_uid = 1
log_path = $W/dovecot.log
auth_verbose = yes
login_log_format_elements = user=<%u> method=%m rip=%r lip=%l mpid=%e %c session=<%{session}>

ssl = yes
ssl_cert = <$W/tls.pem
ssl_key = <$W/tls.key
disable_plaintext_auth = yes
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $W/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $W/passwd
}

mail_location = maildir:~/Maildir
mail_save_crlf = yes
namespace inbox {
  inbox = yes
  separator = /
$MAILBOXES
}
mail_plugins = \$mail_plugins quota
protocol imap {
  mail_plugins = \$mail_plugins imap_quota
  imap_capability = $CAPS
}
plugin {
  quota = count:User quota
  quota_vsizes = yes
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $TLS_PORT
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
EOF2
chmod 644 "$W/dovecot.conf"

# Dovecot runs its helpers (doveconf, the services, the SSL module) from compiled-in paths
# under /usr: inside a mount namespace of its own, the unpacked /usr is laid over the real one
# (an overlay, read-only), so nothing outside this process tree sees it.
OVERLAY="mount -t overlay outpost-dovecot -o lowerdir=$R/usr:/usr /usr"
unshare -m --propagation private sh -c "$OVERLAY && exec /usr/bin/doveconf -c '$W/dovecot.conf' -n" \
    >"$W/doveconf.out" 2>&1 || rs_fail "dovecot rejects $W/dovecot.conf: $(tail -1 "$W/doveconf.out")"

# -F: the master in the foreground (it stays this script's child, which serve.py needs).
rs_run_server "$W/dovecot.out" "$PORT" "$TLS_PORT" -- \
    unshare -m --propagation private sh -c "$OVERLAY && exec /usr/sbin/dovecot -F -c '$W/dovecot.conf'"
