#!/usr/bin/env bash
# postfix.sh WORKDIR SUBMISSION_PORT SMTPS_PORT — a real Postfix 3.7 (Debian 12's package,
# unpacked by fetch.sh into $OUTPOST_REALSERVERS, never installed) on 127.0.0.1:
#   SUBMISSION_PORT  STARTTLS required, then AUTH PLAIN/LOGIN (Cyrus SASL, sasldb)
#   SMTPS_PORT       the same with implicit TLS
# One user alice@example.org / pässwörd-ü-7; relaying only after AUTH; every recipient is
# accepted and delivered into WORKDIR/maildir/new/ except refused@example.net (550 5.1.1 at
# RCPT); the RCPT reply for slow@example.net comes after 5 s. Log: WORKDIR/postfix.log.
# Prints `ready` when both ports listen; SIGTERM stops it.
# See README.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rs_check_args "$@"
SUB_PORT=$2
SMTPS_PORT=$3
W=$WORKDIR
R=$RS_ROOT

# Users that exist on Debian without any mail package (base-passwd): mail (mail_owner and the
# owner of the delivered files), the group nogroup (setgid_group, normally postdrop, used only
# by postdrop/postqueue, which we never run) and daemon (default_privs, used only by local(8)
# and pipe(8), which we do not run; Postfix refuses nobody there: its group is nogroup).
OWNER=mail
OWNER_UID=$(id -u $OWNER) || rs_fail "no user $OWNER"
OWNER_GID=$(id -g $OWNER)
getent group nogroup >/dev/null || rs_fail "no group nogroup"
id daemon >/dev/null || rs_fail "no user daemon"
rs_can_reach $OWNER "$W" || rs_fail "user $OWNER cannot reach $W (a parent folder is not world-searchable)"

if [ -f "$W/server.pid" ] && kill -0 "$(cat "$W/server.pid")" 2>/dev/null; then
    rs_fail "a server already runs in $W (pid $(cat "$W/server.pid"))"
fi

mkdir -p "$W/etc/sasl" "$W/queue" "$W/data" "$W/maildir"/{new,cur,tmp}
chown $OWNER: "$W/data" "$W/maildir" "$W/maildir"/{new,cur,tmp}
chmod 700 "$W/data"
for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
    mkdir -p "$W/queue/$d"
    chown $OWNER: "$W/queue/$d"
    chmod 700 "$W/queue/$d"
done
mkdir -p "$W/queue/maildrop" "$W/queue/public" "$W/queue/pid"
chown $OWNER:nogroup "$W/queue/maildrop" "$W/queue/public"
chmod 730 "$W/queue/maildrop"
chmod 710 "$W/queue/public"
touch "$W/postfix.log"

cat >"$W/etc/main.cf" <<EOF
# Written by $RS_NAME; a test instance, see tests/integration/realservers/README.md.
compatibility_level = 3.6
config_directory = $W/etc
queue_directory = $W/queue
data_directory = $W/data
meta_directory = $W/etc
command_directory = $R/usr/sbin
daemon_directory = $R/usr/lib/postfix/sbin
shlib_directory = $R/usr/lib/postfix
sendmail_path = $R/usr/sbin/sendmail
newaliases_path = $R/usr/bin/newaliases
mailq_path = $R/usr/bin/mailq
html_directory = no
manpage_directory = no
readme_directory = no
sample_directory = no
# The daemons get a clean environment: the unpacked shared libraries need this.
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME LD_LIBRARY_PATH=$R/usr/lib/postfix

mail_owner = $OWNER
setgid_group = nogroup
default_privs = daemon

myhostname = localhost
mydomain = localdomain
myorigin = \$myhostname
mydestination =
relay_domains =
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
biff = no
append_dot_mydomain = no

# No DNS anywhere.
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtp_host_lookup = native

# Logging through postlogd into one file.
maillog_file = $W/postfix.log
maillog_file_prefixes = $W
smtpd_tls_loglevel = 1

# Keep the submitted bytes: no header rewriting or added headers.
local_header_rewrite_clients =
remote_header_rewrite_domain =
always_add_missing_headers = no
smtputf8_enable = yes
message_size_limit = 52428800
mailbox_size_limit = 0
virtual_mailbox_limit = 0
in_flow_delay = 0
smtpd_error_sleep_time = 0

# Every domain goes to virtual(8) with one catch-all Maildir: WORKDIR/maildir/.
# virtual_mailbox_domains is empty so that every domain stays a remote one (relaying, which
# needs AUTH): by default it is \$virtual_mailbox_maps, and static: matches every domain.
default_transport = virtual
relay_transport = virtual
virtual_mailbox_domains =
virtual_mailbox_base = $W
virtual_mailbox_maps = static:maildir/
virtual_uid_maps = static:$OWNER_UID
virtual_gid_maps = static:$OWNER_GID
virtual_minimum_uid = $OWNER_UID

# TLS, SASL: AUTH only after TLS, relaying only for authenticated clients.
smtpd_tls_cert_file = $RS_CERT
smtpd_tls_key_file = $RS_KEY
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $W/etc/sasl
smtpd_sasl_local_domain =
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:$W/etc/recipients
# slow@example.net: the RCPT reply comes after 5 s (tests pause the server inside that window).
smtpd_restriction_classes = slow_reply
slow_reply = sleep 5, permit
smtpd_banner = \$myhostname ESMTP Postfix
disable_vrfy_command = yes
EOF

cat >"$W/etc/recipients" <<'EOF'
refused@example.net 550 5.1.1 no such user
slow@example.net slow_reply
EOF

# Extra smtpd services for tests that need a server which offers less: POSTFIX_EXTRA_SERVICES
# holds one line per service, "PORT name=value ...": each pair becomes `-o name=value`
# (e.g. smtpd_discard_ehlo_keywords=chunking,pipelining or smtpd_tls_wrappermode=yes), except
# sasl_mechs=MECH[,MECH] which gives the service its own Cyrus SASL mech_list.
EXTRA=""
EXTRA_PORTS=""
while read -r port opts; do
    [ -n "$port" ] || continue
    [[ $port =~ ^[0-9]+$ ]] || rs_fail "bad port in POSTFIX_EXTRA_SERVICES: $port"
    ! rs_listening "$port" || rs_fail "127.0.0.1:$port is already in use"
    EXTRA+="127.0.0.1:$port inet n - n - - smtpd"$'\n'"  -o syslog_name=postfix/port$port"$'\n'
    for o in $opts; do
        case $o in
        sasl_mechs=*)
            mechs=${o#sasl_mechs=}
            printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: %s\nsasldb_path: %s\n' \
                "${mechs//,/ }" "$W/sasldb2" >"$W/etc/sasl/smtpd$port.conf"
            EXTRA+="  -o smtpd_sasl_path=smtpd$port"$'\n'
            ;;
        *=*) EXTRA+="  -o $o"$'\n' ;;
        *) rs_fail "bad option in POSTFIX_EXTRA_SERVICES: $o" ;;
        esac
    done
    EXTRA_PORTS+=",$port"
done <<<"${POSTFIX_EXTRA_SERVICES:-}"

# chroot off everywhere (n); no pickup/local/smtp: nothing is submitted locally or relayed.
cat >"$W/etc/master.cf" <<EOF
$EXTRA
127.0.0.1:$SUB_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
: >"$W/etc/dynamicmaps.cf"

# Cyrus SASL: sasldb in WORKDIR. PLAIN's authcid alice@example.org is split at '@' into
# user alice, realm example.org: the entry must be stored with that realm.
cat >"$W/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $W/sasldb2
EOF
[ -x "$R/usr/sbin/saslpasswd2" ] || rs_fail "saslpasswd2 missing from $R (fetch.sh unpacks sasl2-bin)"
rm -f "$W/sasldb2"
printf '%s' "$RS_PASSWORD" | "$R/usr/sbin/saslpasswd2" -p -c -f "$W/sasldb2" -a smtpd -u "${RS_USER#*@}" "${RS_USER%@*}" ||
    rs_fail "saslpasswd2 failed"
chown root:$OWNER "$W/sasldb2"
chmod 640 "$W/sasldb2"

# Postfix re-reads main.cf (300 ms pauses) until its mtime is 2 s old ("let it cool down"):
# date the freshly written files back.
touch -d "@$(($(date +%s) - 60))" "$W/etc/main.cf" "$W/etc/master.cf" "$W/etc/recipients"

export LD_LIBRARY_PATH=$R/usr/lib/postfix${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export MAIL_CONFIG=$W/etc
rm -f "$W/data/master.lock" "$W/queue/pid/master.pid"
# master -d: stay in the foreground (a child of serve.py), still a session leader.
rs_run_server "$W/master.out" "$SUB_PORT" "$SMTPS_PORT$EXTRA_PORTS" -- \
    "$R/usr/lib/postfix/sbin/master" -d -c "$W/etc"
