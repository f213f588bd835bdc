#!/usr/bin/env bash
# Builds Outpost's Debian package and checks it end to end on this (Debian 12) machine:
#   1. release build in build-deb/ (or $OUTPOST_DEB_BUILD_DIR), `cpack -G DEB`;
#   2. `apt-get install ./outpost_*.deb`, checks the package's metadata and dependencies;
#   3. the INSTALLED /usr/bin/outpost: --version, then, with no display and a temporary data
#      folder, queues one message and flushes it to a real SMTP server (aiosmtpd through
#      tests/integration/smtpd.py, plain, on 127.0.0.1) and checks it arrived;
#   4. desktop-file-validate, appstreamcli validate --no-net, the icon, the man page and the
#      mailto: handler registration of the installed files;
#   5. `apt-get remove -y outpost`, and checks that everything installed is gone.
# Exits 0 when all of that passed, non-zero (with a "ci-deb: FAIL ..." line) at the first
# failure. Needs root (apt-get, dpkg). Usage: bash installer/ci-deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SRC="$PWD"
BUILD="${OUTPOST_DEB_BUILD_DIR:-$SRC/build-deb}"
APP_ID="io.github.outpost.Outpost"
START=$(date +%s)

say() { echo "ci-deb: $*"; }
fail() {
  echo "ci-deb: FAIL $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || fail "run as root (it installs and removes a package)"

# ---- 0. what the build and the checks need ------------------------------------------------
bash tools/dev.sh deps
for tool in cmake ninja cpack dpkg-shlibdeps desktop-file-validate appstreamcli groff; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done
/usr/bin/python3 -c 'import aiosmtpd' || fail "python3-aiosmtpd is not installed"

VERSION=$(sed -n 's/^project(Outpost VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$VERSION" ] || fail "no project(Outpost VERSION ...) in CMakeLists.txt"
say "version $VERSION"

if [ -e /usr/bin/outpost ] && ! dpkg -S /usr/bin/outpost >/dev/null 2>&1; then
  fail "/usr/bin/outpost exists and belongs to no package; remove it first"
fi

WORK=$(mktemp -d)
SMTPD_PID=""
INSTALLED_BY_US=0
cleanup() {
  local rc=$?
  if [ -n "$SMTPD_PID" ]; then kill "$SMTPD_PID" 2>/dev/null || true; fi
  if [ "$INSTALLED_BY_US" = 1 ] && dpkg -s outpost >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -q outpost >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  if [ $rc = 0 ]; then
    say "PASS in $(($(date +%s) - START)) s"
  else
    echo "ci-deb: FAILED (exit $rc) after $(($(date +%s) - START)) s" >&2
  fi
  exit $rc
}
trap cleanup EXIT

# ---- 1. build and package -----------------------------------------------------------------
say "building in $BUILD"
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DOUTPOST_BUILD_TESTS=OFF >"$WORK/configure.log" 2>&1 || {
  cat "$WORK/configure.log"
  fail "cmake configure"
}
cmake --build "$BUILD" || fail "build"
rm -f "$BUILD"/outpost_*.deb
(cd "$BUILD" && cpack -G DEB) >"$WORK/cpack.log" 2>&1 || {
  cat "$WORK/cpack.log"
  fail "cpack -G DEB"
}
DEBS=("$BUILD"/outpost_*.deb)
if [ ${#DEBS[@]} != 1 ] || [ ! -f "${DEBS[0]}" ]; then
  fail "expected one outpost_*.deb in $BUILD, found: ${DEBS[*]}"
fi
DEB="${DEBS[0]}"
say "package $(basename "$DEB") ($(du -k "$DEB" | cut -f1) KiB)"

# The package's own metadata: name, version, and dependencies from dpkg-shlibdeps plus the
# plugins it cannot see.
[ "$(dpkg-deb -f "$DEB" Package)" = outpost ] || fail "package name"
[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION-1" ] || fail "package version $(dpkg-deb -f "$DEB" Version) != $VERSION-1"
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
say "Depends: $DEPENDS"
for dep in libqt6sql6-sqlite qt6-qpa-plugins libqt6svg6 libqt6core6 libqt6network6 libqt6sql6 \
  'libgmime-3.0-0' libqt6keychain1 libc6; do
  grep -Eq "(^|, )$dep( |,|$)" <<<"$DEPENDS" || fail "Depends lacks $dep"
done
if [ -f ui/CMakeLists.txt ]; then # the desktop app is in: shlibdeps must have seen Widgets
  grep -Eq "(^|, )libqt6widgets6( |,|$)" <<<"$DEPENDS" || fail "Depends lacks libqt6widgets6"
fi
dpkg-deb -c "$DEB" >"$WORK/contents"
for f in ./usr/bin/outpost "./usr/share/applications/$APP_ID.desktop" \
  "./usr/share/metainfo/$APP_ID.metainfo.xml" ./usr/share/icons/hicolor/scalable/apps/outpost.svg \
  ./usr/share/man/man1/outpost.1.gz ./usr/lib/systemd/user/outpost.service; do
  grep -q " $f\$" "$WORK/contents" || fail "package lacks $f"
done

# ---- 2. install ---------------------------------------------------------------------------
say "apt-get install $DEB"
INSTALLED_BY_US=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$DEB" >"$WORK/install.log" 2>&1 || {
  cat "$WORK/install.log"
  fail "apt-get install"
}
[ "$(dpkg-query -W -f='${Status} ${Version}' outpost)" = "install ok installed $VERSION-1" ] ||
  fail "dpkg does not list outpost $VERSION-1 as installed"
[ -x /usr/bin/outpost ] || fail "/usr/bin/outpost is not there"

# ---- 3. the installed binary ----------------------------------------------------------------
GOT=$(env -u DISPLAY -u WAYLAND_DISPLAY /usr/bin/outpost --version) || fail "outpost --version"
[ "$GOT" = "outpost $VERSION" ] || fail "outpost --version printed '$GOT', expected 'outpost $VERSION'"
say "$GOT"

/usr/bin/python3 "$SRC/tests/integration/smtpd.py" --spool "$WORK/spool" --events "$WORK/events.jsonl" \
  >"$WORK/smtpd.out" 2>"$WORK/smtpd.err" &
SMTPD_PID=$!
PORT=""
for _ in $(seq 1 200); do
  # (the background job may not have created smtpd.out yet: not an error under set -e)
  PORT=$(head -n1 "$WORK/smtpd.out" 2>/dev/null | tr -d '[:space:]' || true)
  [ -n "$PORT" ] && break
  kill -0 "$SMTPD_PID" 2>/dev/null || break
  sleep 0.1
done
[[ "$PORT" =~ ^[0-9]+$ ]] || {
  cat "$WORK/smtpd.err" >&2
  fail "aiosmtpd did not print its port"
}
say "aiosmtpd on 127.0.0.1:$PORT"

# Headless: no display, a home and data folder of its own, nothing from the caller's session.
mkdir -m 700 "$WORK/home" "$WORK/data"
run() {
  timeout 120 env -i PATH=/usr/bin:/bin HOME="$WORK/home" LANG=C.UTF-8 \
    XDG_RUNTIME_DIR="$WORK/home" /usr/bin/outpost --data-dir "$WORK/data" "$@"
}
SUBJECT="ci-deb $VERSION $$"
run account add local --host 127.0.0.1 --port "$PORT" --security none \
  --from alice@example.org >"$WORK/out" 2>&1 || {
  cat "$WORK/out"
  fail "outpost account add"
}
ID=$(run queue --account local --to bob@example.net --subject "$SUBJECT" \
  --body "Sent by the installed package." 2>"$WORK/err") || {
  cat "$WORK/err"
  fail "outpost queue"
}
[[ "$ID" =~ ^[0-9]+$ ]] || fail "outpost queue printed '$ID', not a message id"
set +e
run flush --verbose >"$WORK/flush.out" 2>"$WORK/flush.err"
RC=$?
set -e
[ $RC = 0 ] || {
  cat "$WORK/flush.out" "$WORK/flush.err"
  fail "outpost flush exited $RC"
}
# The server writes the message before it answers 250, so it is there once flush returned.
shopt -s nullglob
FILES=("$WORK"/spool/*.eml)
shopt -u nullglob
[ ${#FILES[@]} = 1 ] || fail "expected 1 delivered message, got ${#FILES[@]}"
grep -q "^Subject: $SUBJECT" "${FILES[0]}" || fail "the delivered message has not the subject '$SUBJECT'"
grep -q '"mail_from": "alice@example.org"' "$WORK/events.jsonl" || fail "envelope sender"
grep -q '"rcpt": \["bob@example.net"\]' "$WORK/events.jsonl" || fail "envelope recipient"
run list --json >"$WORK/list.json" || fail "outpost list"
/usr/bin/python3 - "$WORK/list.json" "$ID" <<'EOF' || fail "the message is not 'sent' in the outbox"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 1 and str(rows[0]["id"]) == sys.argv[2] and rows[0]["state"] == "sent", rows
EOF
say "message $ID delivered ($(basename "${FILES[0]}"))"

# ---- 3b. the background sender, started as the systemd user unit starts it -------------------
UNIT=/usr/lib/systemd/user/outpost.service
grep -q '^Type=notify$' "$UNIT" || fail "$UNIT is not Type=notify"
EXEC=$(sed -n 's/^ExecStart=//p' "$UNIT")
[ "$EXEC" = "/usr/bin/outpost daemon" ] || fail "$UNIT starts '$EXEC'"
# systemd's side of the readiness protocol: a datagram socket named by NOTIFY_SOCKET.
/usr/bin/python3 - "$WORK/notify" "$WORK/notify.log" <<'EOF2' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as log:
    while True:
        data = s.recv(4096)
        log.write(data + b"\n")
        if b"STOPPING=1" in data:
            break
EOF2
NOTIFY_PID=$!
for _ in $(seq 1 100); do [ -S "$WORK/notify" ] && break; sleep 0.1; done
timeout 120 env -i PATH=/usr/bin:/bin HOME="$WORK/home" LANG=C.UTF-8 XDG_RUNTIME_DIR="$WORK/home" \
  OUTPOST_DATA_DIR="$WORK/data" NOTIFY_SOCKET="$WORK/notify" $EXEC 2>"$WORK/daemon.err" &
DAEMON_PID=$!
for _ in $(seq 1 200); do grep -q '^READY=1' "$WORK/notify.log" 2>/dev/null && break; sleep 0.1; done
grep -q '^READY=1' "$WORK/notify.log" || {
  cat "$WORK/daemon.err"
  fail "outpost daemon did not tell systemd it is ready"
}
run queue --account local --to bob@example.net --subject "$SUBJECT daemon" \
  --body "Sent by the background sender." >/dev/null 2>"$WORK/err" || fail "outpost queue"
for _ in $(seq 1 300); do
  [ "$(grep -l "^Subject: $SUBJECT daemon" "$WORK"/spool/*.eml 2>/dev/null | wc -l)" = 1 ] && break
  sleep 0.1
done
[ "$(grep -l "^Subject: $SUBJECT daemon" "$WORK"/spool/*.eml 2>/dev/null | wc -l)" = 1 ] || {
  cat "$WORK/daemon.err"
  fail "outpost daemon did not send the queued message"
}
kill -TERM "$DAEMON_PID"
set +e
wait "$DAEMON_PID"
RC=$?
set -e
[ $RC = 0 ] || fail "outpost daemon exited $RC on SIGTERM"
wait "$NOTIFY_PID" 2>/dev/null || true
grep -q '^STOPPING=1' "$WORK/notify.log" || fail "outpost daemon did not tell systemd it stops"
say "outpost daemon (as $UNIT starts it) sent a queued message and stopped on SIGTERM"
kill "$SMTPD_PID" 2>/dev/null || true
wait "$SMTPD_PID" 2>/dev/null || true
SMTPD_PID=""

# ---- 4. desktop integration files, as installed -----------------------------------------------
DESKTOP="/usr/share/applications/$APP_ID.desktop"
METAINFO="/usr/share/metainfo/$APP_ID.metainfo.xml"
desktop-file-validate "$DESKTOP" || fail "desktop-file-validate $DESKTOP"
grep -qx 'Exec=outpost %u' "$DESKTOP" || fail "$DESKTOP: Exec is not 'outpost %u'"
grep -q '^MimeType=.*x-scheme-handler/mailto;' "$DESKTOP" || fail "$DESKTOP: no mailto MimeType"
appstreamcli validate --no-net "$METAINFO" || fail "appstreamcli validate $METAINFO"
grep -q "<id>$APP_ID</id>" "$METAINFO" || fail "metainfo id"
grep -q "<launchable type=\"desktop-id\">$APP_ID.desktop</launchable>" "$METAINFO" || fail "metainfo launchable"
grep -q "<release version=\"$VERSION\"" "$METAINFO" || fail "metainfo has no <release version=\"$VERSION\">"
/usr/bin/python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' \
  /usr/share/icons/hicolor/scalable/apps/outpost.svg || fail "the icon is not well-formed SVG"
# The man page formats without warnings and names the version.
zcat /usr/share/man/man1/outpost.1.gz >"$WORK/outpost.1"
grep -q "^\.TH OUTPOST 1 .*\"Outpost $VERSION\"" "$WORK/outpost.1" || fail "man page header"
if ! groff -man -ww -z "$WORK/outpost.1" 2>"$WORK/groff.err" || [ -s "$WORK/groff.err" ]; then
  cat "$WORK/groff.err"
  fail "the man page has groff warnings"
fi
grep -q 'sendmail' "$WORK/outpost.1" || fail "the man page does not list the commands"
# dpkg's trigger ran update-desktop-database: Outpost is now a mailto: handler.
grep -q "^x-scheme-handler/mailto=.*$APP_ID.desktop" /usr/share/applications/mimeinfo.cache ||
  fail "mimeinfo.cache does not list $APP_ID.desktop for x-scheme-handler/mailto"
say "desktop file, metainfo, icon, man page and mailto: registration OK"

# ---- 5. remove ------------------------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q outpost >"$WORK/remove.log" 2>&1 || {
  cat "$WORK/remove.log"
  fail "apt-get remove outpost"
}
INSTALLED_BY_US=0
[ ! -e /usr/bin/outpost ] || fail "/usr/bin/outpost is still there after removal"
for f in "$DESKTOP" "$METAINFO" /usr/share/icons/hicolor/scalable/apps/outpost.svg \
  /usr/share/man/man1/outpost.1.gz; do
  [ ! -e "$f" ] || fail "$f is still there after removal"
done
STATUS=$(dpkg-query -W -f='${Status}' outpost 2>/dev/null || true)
case "$STATUS" in "" | "unknown ok not-installed" | "deinstall ok not-installed") ;;
*) fail "dpkg status after removal: $STATUS" ;; esac
if grep -q "$APP_ID.desktop" /usr/share/applications/mimeinfo.cache 2>/dev/null; then
  fail "mimeinfo.cache still names $APP_ID.desktop after removal"
fi
say "removed cleanly"
