#!/usr/bin/env bash
# Outpost developer entry point.
#   bash tools/dev.sh run    install what is missing, build, start the desktop app
#   bash tools/dev.sh test   install what is missing, build, run every test and quality gate (CI)
#   bash tools/dev.sh deps   only install the Debian packages
#   bash tools/dev.sh build  only configure and build (build/)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Debian 12 packages: build tools, Qt 6, GMime 3, QtKeychain, and what the tests start
# (aiosmtpd, openssl, Xvfb + trayer for the tray test, clang for fuzzing and sanitizers,
# DejaVu Sans for the README's screenshots).
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev libqt6sql6-sqlite libqt6svg6 qt6-qpa-plugins qt6-l10n-tools qt6-translations-l10n
  libgmime-3.0-dev qtkeychain-qt6-dev libgl-dev libsqlite3-dev
  python3 python3-aiosmtpd openssl fonts-dejavu-core
  xvfb xauth trayer x11-utils xdotool
  clang libclang-rt-14-dev clang-format
  dpkg-dev desktop-file-utils appstream
)
# What the real Postfix and Exim of the integration tests need installed (the servers
# themselves are only unpacked: tests/integration/realservers/README.md).
mapfile -t -O "${#PACKAGES[@]}" PACKAGES < <(grep -v '^#' tests/integration/realservers/packages.txt | grep .)

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

build() {
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
  cmake --build build
}

case "${1:-}" in
  deps) deps ;;
  build) deps; shift; build "$@" ;;
  run) deps; build; shift; exec ./build/app/outpost "$@" ;;
  test)
    deps
    build -DOUTPOST_WERROR=ON  # CI: compiler warnings are errors
    (cd build && ctest --output-on-failure -j2 --timeout 900)
    FUZZ_SECONDS=${FUZZ_SECONDS:-40} bash tests/quality.sh  # sanitizers, UI-off build, fuzzing, clang-format
    bash installer/ci-deb.sh        # the .deb: build, install, send one message, remove
    ;;
  *) echo "usage: bash tools/dev.sh run|test|deps|build" >&2; exit 64 ;;
esac
