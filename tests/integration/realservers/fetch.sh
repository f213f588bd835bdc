#!/usr/bin/env bash
# fetch.sh CACHE_DIR — downloads Debian 12's postfix, exim4-daemon-light, dovecot-core and
# dovecot-imapd with `apt-get download` and unpacks them with `dpkg -x` into CACHE_DIR/root,
# never installing them (installing would take over the machine's mail system). The shared libraries they need
# are ordinary packages listed in packages.txt beside this script (tools/dev.sh deps installs
# them). Idempotent: CACHE_DIR/.fetched records what was unpacked; a second run does nothing.
# Prints one line saying why on failure and exits non-zero.
set -euo pipefail

CACHE=${1:-}
if [ -z "$CACHE" ]; then
    echo "usage: $0 CACHE_DIR" >&2
    exit 64
fi
PKGS=(postfix exim4-daemon-light sasl2-bin dovecot-core dovecot-imapd)
STAMP=$CACHE/.fetched
WANT="packages: ${PKGS[*]} (format 4: exim4 patched)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] &&
    [ -x "$CACHE/root/usr/lib/postfix/sbin/master" ] && [ -x "$CACHE/root/usr/sbin/exim4" ] &&
    [ -x "$CACHE/root/usr/sbin/dovecot" ] && [ -x "$CACHE/root/usr/lib/dovecot/imap" ]; then
    exit 0
fi

fail() {
    echo "fetch.sh: $*" >&2
    exit 1
}
command -v apt-get >/dev/null || fail "apt-get not found (Debian 12 needed)"
command -v dpkg >/dev/null || fail "dpkg not found (Debian 12 needed)"

mkdir -p "$CACHE" || fail "cannot create $CACHE"
CACHE=$(cd "$CACHE" && pwd)
DL=$CACHE/debs
rm -rf "$DL" "$CACHE/root.new"
mkdir -p "$DL" "$CACHE/root.new"

# apt-get download writes into the current folder; as root it may warn that _apt cannot
# read it ("Download is performed unsandboxed"): harmless.
download() { (cd "$DL" && apt-get download -q "${PKGS[@]}") >"$CACHE/apt.log" 2>&1; }
if ! download; then
    SUDO=
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -q >>"$CACHE/apt.log" 2>&1 || fail "apt-get update failed (see $CACHE/apt.log)"
    download || fail "apt-get download ${PKGS[*]} failed: $(grep -m1 -E '^E:' "$CACHE/apt.log" || tail -1 "$CACHE/apt.log")"
fi
for p in "${PKGS[@]}"; do
    debs=("$DL/${p}"_*.deb)
    deb=${debs[0]}
    [ -f "$deb" ] || fail "apt-get download did not produce ${p}_*.deb"
    dpkg -x "$deb" "$CACHE/root.new" || fail "dpkg -x $deb failed"
done
# exim4 looks up its compiled-in user Debian-exim (EXIM_USER=ref:Debian-exim) before it reads
# any configuration and gives up if it does not exist, i.e. when exim4-base was never
# installed. Our copy asks for `mail` instead (the same 12 bytes, NUL-padded), which exists on
# every Debian. It is no longer setuid root either: we only ever run it as root.
EXIM=$CACHE/root.new/usr/sbin/exim4
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
rm -rf "$CACHE/root"
mv "$CACHE/root.new" "$CACHE/root"
rm -rf "$DL"
[ -x "$CACHE/root/usr/lib/postfix/sbin/master" ] || fail "postfix's master missing after unpacking"
[ -x "$CACHE/root/usr/sbin/exim4" ] || fail "exim4 missing after unpacking"
[ -x "$CACHE/root/usr/sbin/dovecot" ] || fail "dovecot missing after unpacking"
[ -x "$CACHE/root/usr/lib/dovecot/imap" ] || fail "dovecot's imap missing after unpacking"
echo "$WANT" >"$STAMP"
