#!/usr/bin/env bash
# exim.sh WORKDIR PORT TLS_PORT — a real Exim 4.96 (Debian 12's exim4-daemon-light, unpacked
# by fetch.sh into $OUTPOST_REALSERVERS, never installed) on 127.0.0.1:
#   PORT      STARTTLS offered, AUTH PLAIN/LOGIN offered only after it
#   TLS_PORT  implicit TLS (tls_on_connect_ports)
# One user alice@example.org / pässwörd-ü-7; relaying only after AUTH; every recipient is
# accepted and delivered into WORKDIR/maildir/new/ except refused@example.net (550 5.1.1 at
# RCPT); the RCPT reply for slow@example.net comes after 5 s. Log: WORKDIR/exim.log.
# Prints `ready` when both ports listen; SIGTERM stops it.
# See README.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rs_check_args "$@"
PORT=$2
TLS_PORT=$3
W=$WORKDIR
R=$RS_ROOT
EXIM=$R/usr/sbin/exim4

# Exim runs as `mail` (fetch.sh patched its compiled-in Debian-exim to mail): spool, log and
# the delivered files belong to it.
OWNER=mail
id $OWNER >/dev/null || rs_fail "no user $OWNER"
rs_can_reach $OWNER "$W" || rs_fail "user $OWNER cannot reach $W (a parent folder is not world-searchable)"
if [ -f "$W/server.pid" ] && kill -0 "$(cat "$W/server.pid")" 2>/dev/null; then
    rs_fail "a server already runs in $W (pid $(cat "$W/server.pid"))"
fi

mkdir -p "$W/spool" "$W/maildir"/{new,cur,tmp}
# The connection processes run as mail and read the key only at STARTTLS: a copy they can read.
install -o $OWNER -g $OWNER -m 600 "$RS_CERT" "$W/tls.pem"
install -o $OWNER -g $OWNER -m 600 "$RS_KEY" "$W/tls.key"
chown $OWNER: "$W/spool" "$W/maildir" "$W/maildir"/{new,cur,tmp}
chmod 750 "$W/spool"
# log_file_path must contain %s: the main log is exim-main.log (exim.log links to it), the
# panic log exim-panic.log; no reject log (rejections are in the main log too).
touch "$W/exim-main.log" "$W/exim-panic.log"
chown $OWNER: "$W/exim-main.log" "$W/exim-panic.log"
chmod 644 "$W/exim-main.log" "$W/exim-panic.log"
ln -sfn exim-main.log "$W/exim.log"

# The password appears in the expansion strings below: it holds none of $ { } \ " :
PASSWORD=$RS_PASSWORD
cat >"$W/exim.conf" <<EOF
# Written by $RS_NAME; a test instance, see tests/integration/realservers/README.md.
exim_path = $EXIM
exim_user = $OWNER
exim_group = $OWNER
never_users = root
keep_environment =
primary_hostname = localhost
qualify_domain = localhost
spool_directory = $W/spool
log_file_path = $W/exim-%s.log
pid_file_path = $W/exim.pid
log_selector = +smtp_connection +smtp_protocol_error +smtp_syntax_error +smtp_incomplete_transaction \\
  +tls_cipher +tls_peerdn +received_recipients +incoming_port +pipelining +deliver_time \\
  +delivery_size +outgoing_port
write_rejectlog = false
check_spool_space = 0
check_log_space = 0

# 127.0.0.1 only, no DNS, no ident.
local_interfaces = <; 127.0.0.1
daemon_smtp_ports = $PORT : $TLS_PORT
tls_on_connect_ports = $TLS_PORT
disable_ipv6 = true
host_lookup =
helo_lookup_domains =
rfc1413_hosts =
rfc1413_query_timeout = 0s
smtp_banner = \$primary_hostname ESMTP Exim \$version_number

tls_advertise_hosts = *
tls_certificate = $W/tls.pem
tls_privatekey = $W/tls.key
auth_advertise_hosts = \${if eq{\$tls_in_cipher}{}{}{*}}
pipelining_advertise_hosts = *
chunking_advertise_hosts = *
smtputf8_advertise_hosts = *
dsn_advertise_hosts = *
accept_8bitmime = true
message_size_limit = 50M
smtp_accept_max = 100
smtp_accept_queue_per_connection = 0

# Delivery right after reception, in that process, as mail: Exim never re-executes itself.
deliver_drop_privilege = true
queue_only = false
timeout_frozen_after = 1d

acl_smtp_mail = acl_check_mail
acl_smtp_rcpt = acl_check_rcpt

begin acl

# Like Postfix's smtpd_tls_security_level = encrypt.
acl_check_mail:
  deny    condition  = \${if eq{\$tls_in_cipher}{}}
          message    = 530 5.7.0 Must issue a STARTTLS command first
  accept

acl_check_rcpt:
  # A server that takes its time: the reply to RCPT TO:<slow@example.net> comes after 5 s
  # (tests pause the server inside that window, while the reply is outstanding).
  warn    recipients = slow@example.net
          delay      = 5s
  deny    recipients = refused@example.net
          message    = 550 5.1.1 <\$local_part@\$domain>: Recipient address rejected: no such user
  accept  authenticated = *
  deny    message    = 554 5.7.1 <\$local_part@\$domain>: Relay access denied

begin routers

everything:
  driver = accept
  transport = maildir

begin transports

maildir:
  driver = appendfile
  directory = $W/maildir
  maildir_format = true
  create_directory = true
  user = $OWNER
  group = $OWNER
  mode = 0600
  return_path_add = true
  envelope_to_add = true
  delivery_date_add = false
  message_prefix =
  message_suffix =
  check_string =
  escape_string =

begin retry

*   *   F,1m,1m

begin authenticators

PLAIN:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and {{eq{\$auth2}{$RS_USER}}{eq{\$auth3}{$PASSWORD}}}}
  server_set_id = \$auth2

LOGIN:
  driver = plaintext
  public_name = LOGIN
  server_prompts = <| Username: | Password:
  server_condition = \${if and {{eq{\$auth1}{$RS_USER}}{eq{\$auth2}{$PASSWORD}}}}
  server_set_id = \$auth1
EOF
chmod 644 "$W/exim.conf"
"$EXIM" -C "$W/exim.conf" -bV >"$W/exim.check" 2>&1 ||
    rs_fail "exim rejects $W/exim.conf: $(grep -v '^$' "$W/exim.check" | tail -1)"

# -bdf: the daemon in the foreground (it stays this script's child, which serve.py needs).
rs_run_server "$W/exim.out" "$PORT" "$TLS_PORT" -- "$EXIM" -C "$W/exim.conf" -bdf
