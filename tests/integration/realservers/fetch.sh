#!/usr/bin/env bash
# fetch.sh CACHE_DIR [smtp|imap|submission] — downloads Debian 12's mail servers with `apt-get download`
# and unpacks them with `dpkg -x`, never installing them (installing would take over the
# machine's mail system). Two independent sets, each with its own folder and stamp, so adding
# one never invalidates (or swaps out from under a running server) the other:
#   smtp (default)  postfix, exim4-daemon-light, sasl2-bin   into CACHE_DIR/root
#   imap            dovecot-core, dovecot-imapd              into CACHE_DIR/imap/root
#   submission      dovecot-core, dovecot-submissiond, dovecot-imapd into CACHE_DIR/submission/root
# The shared libraries they need are ordinary packages listed in packages.txt beside this
# script (tools/dev.sh deps installs them). Idempotent: the set's .fetched stamp records what
# was unpacked; a second run does nothing. Concurrent runs (tests started together) wait for
# each other (flock on CACHE_DIR/.fetch.lock). Prints one line saying why on failure and exits
# non-zero.
set -euo pipefail

CACHE=${1:-}
SET=${2:-smtp}
if [ -z "$CACHE" ]; then
    echo "usage: $0 CACHE_DIR [smtp|imap|submission]" >&2
    exit 64
fi
case $SET in
smtp)
    PKGS=(postfix exim4-daemon-light sasl2-bin)
    DEST=$CACHE
    WANT="packages: ${PKGS[*]} (format 3: exim4 patched)"
    CHECK=(usr/lib/postfix/sbin/master usr/sbin/exim4)
    ;;
imap)
    PKGS=(dovecot-core dovecot-imapd)
    DEST=$CACHE/imap
    WANT="packages: ${PKGS[*]} (format 1)"
    CHECK=(usr/sbin/dovecot usr/bin/doveconf usr/lib/dovecot/imap usr/lib/dovecot/imap-login)
    ;;
submission)
    PKGS=(dovecot-core dovecot-submissiond dovecot-imapd)
    DEST=$CACHE/submission
    WANT="packages: ${PKGS[*]} (format 1)"
    CHECK=(usr/sbin/dovecot usr/bin/doveconf usr/lib/dovecot/submission
        usr/lib/dovecot/submission-login usr/lib/dovecot/imap usr/lib/dovecot/imap-login)
    ;;
*)
    echo "usage: $0 CACHE_DIR [smtp|imap|submission]" >&2
    exit 64
    ;;
esac
STAMP=$DEST/.fetched

fetched() {
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] || return 1
    local f
    for f in "${CHECK[@]}"; do
        [ -x "$DEST/root/$f" ] || return 1
    done
}
fetched && exit 0

fail() {
    echo "fetch.sh: $*" >&2
    exit 1
}
command -v apt-get >/dev/null || fail "apt-get not found (Debian 12 needed)"
command -v dpkg >/dev/null || fail "dpkg not found (Debian 12 needed)"

mkdir -p "$DEST" || fail "cannot create $DEST"
CACHE=$(cd "$CACHE" && pwd)
DEST=$(cd "$DEST" && pwd)
STAMP=$DEST/.fetched
exec 9>"$CACHE/.fetch.lock"
flock 9
fetched && exit 0 # another run did it while we waited
DL=$DEST/debs
rm -rf "$DL" "$DEST/root.new"
mkdir -p "$DL" "$DEST/root.new"

# apt-get download writes into the current folder; as root it may warn that _apt cannot
# read it ("Download is performed unsandboxed"): harmless.
download() { (cd "$DL" && apt-get download -q "${PKGS[@]}") >"$DEST/apt.log" 2>&1; }
if ! download; then
    SUDO=
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -q >>"$DEST/apt.log" 2>&1 || fail "apt-get update failed (see $DEST/apt.log)"
    download || fail "apt-get download ${PKGS[*]} failed: $(grep -m1 -E '^E:' "$DEST/apt.log" || tail -1 "$DEST/apt.log")"
fi
for p in "${PKGS[@]}"; do
    debs=("$DL/${p}"_*.deb)
    deb=${debs[0]}
    [ -f "$deb" ] || fail "apt-get download did not produce ${p}_*.deb"
    dpkg -x "$deb" "$DEST/root.new" || fail "dpkg -x $deb failed"
done
if [ "$SET" = smtp ]; then
    # exim4 looks up its compiled-in user Debian-exim (EXIM_USER=ref:Debian-exim) before it
    # reads any configuration and gives up if it does not exist, i.e. when exim4-base was never
    # installed. Our copy asks for `mail` instead (the same 12 bytes, NUL-padded), which exists
    # on every Debian. It is no longer setuid root either: we only ever run it as root.
    EXIM=$DEST/root.new/usr/sbin/exim4
    [ -f "$EXIM" ] || fail "exim4 missing after unpacking"
    /usr/bin/python3 - "$EXIM" <<'PY' || fail "could not patch exim4's compiled-in user"
import sys
path = sys.argv[1]
data = open(path, "rb").read()
old, new = b"Debian-exim\0", b"mail".ljust(12, b"\0")
if data.count(old) != 1:
    sys.exit("exim4: expected one 'Debian-exim' string, found %d" % data.count(old))
open(path, "wb").write(data.replace(old, new))
PY
    chmod 0755 "$EXIM"
fi
rm -rf "$DEST/root"
mv "$DEST/root.new" "$DEST/root"
rm -rf "$DL"
for f in "${CHECK[@]}"; do
    [ -x "$DEST/root/$f" ] || fail "$f missing after unpacking"
done
echo "$WANT" >"$STAMP"
