# shellcheck shell=bash
# Sourced by postfix.sh, exim.sh and dovecot.sh: arguments, the cache of unpacked packages, and the last
# step, serve.py (readiness line, signals, clean-up).

RS_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RS_ROOT_DIR=$(cd "$RS_SRC/../../.." && pwd)
RS_CACHE=${OUTPOST_REALSERVERS:-$RS_ROOT_DIR/build/realservers}
# shellcheck disable=SC2034 # used by postfix.sh and exim.sh
RS_ROOT=$RS_CACHE/root
# shellcheck disable=SC2034 # used by dovecot.sh
RS_IMAP_ROOT=$RS_CACHE/imap/root
# shellcheck disable=SC2034 # used by dovecot-submission.sh
RS_SUBMISSION_ROOT=$RS_CACHE/submission/root
# Which package set rs_check_args fetches (fetch.sh): smtp, imap for dovecot.sh, submission
# for dovecot-submission.sh.
RS_FETCH_SET=${RS_FETCH_SET:-smtp}
# shellcheck disable=SC2034
RS_CERT=${OUTPOST_RS_CERT:-$RS_SRC/../certs/localhost.pem}
# shellcheck disable=SC2034
RS_KEY=${OUTPOST_RS_KEY:-$RS_SRC/../certs/localhost.key}
# shellcheck disable=SC2034
RS_USER=alice@example.org
# shellcheck disable=SC2034
RS_PASSWORD='pässwörd-ü-7'
RS_NAME=${0##*/}

rs_fail() {
    echo "$RS_NAME: $*" >&2
    exit 1
}

rs_check_args() { # WORKDIR PORT PORT
    [ $# -eq 3 ] || { echo "usage: $RS_NAME WORKDIR PORT TLS_PORT" >&2; exit 64; }
    local p
    for p in "$2" "$3"; do
        if ! [[ $p =~ ^[0-9]+$ ]] || [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then
            rs_fail "bad port: $p"
        fi
    done
    [ "$2" != "$3" ] || rs_fail "the two ports must differ"
    for p in "$2" "$3"; do
        ! rs_listening "$p" || rs_fail "127.0.0.1:$p is already in use"
    done
    [ "$(id -u)" = 0 ] || rs_fail "must run as root (the servers switch users)"
    mkdir -p "$1" || rs_fail "cannot create $1"
    # The servers' unprivileged processes (uid mail) must reach WORKDIR.
    chmod 755 "$1"
    WORKDIR=$(cd "$1" && pwd)
    "$RS_SRC/fetch.sh" "$RS_CACHE" "$RS_FETCH_SET" || exit 1
}

# rs_can_reach USER PATH: whether USER may enter PATH (every parent needs x for it).
rs_can_reach() {
    setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups test -x "$2" 2>/dev/null
}

# rs_listening PORT: whether something listens on 127.0.0.1:PORT or 0.0.0.0:PORT.
rs_listening() {
    awk -v p="$(printf ':%04X' "$1")" \
        '($2 == "0100007F" p || $2 == "00000000" p) && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp
}

# rs_run_server OUTFILE PORT PORT -- COMMAND...: becomes serve.py (see there), which starts
# COMMAND, prints `ready` when both ports listen and stops everything on SIGTERM.
rs_run_server() {
    local out=$1 p1=$2 p2=$3
    shift 4
    RS_NAME=$RS_NAME exec /usr/bin/python3 "$RS_SRC/serve.py" "$WORKDIR" "$out" "$p1,$p2" -- "$@"
}
