#!/usr/bin/env bash
# Installs the .deb built by scripts/package.sh and launches it under Xvfb with a throwaway profile and keyring:
# passes when the installed program is on PATH, the desktop entry and icon are in place, and the window "Tessera"
# appears within 30 seconds. Needs root (dpkg) and the test packages (scripts/setup.sh test).
#   bash scripts/check-deb.sh [path/to/Tessera.deb]
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-$(ls -1t target/release/bundle/deb/*.deb | head -1)}
echo "==> installing $deb"
apt-get install -y -qq "./$deb" >/dev/null 2>&1 || apt-get install -y -qq "$deb" >/dev/null
command -v tessera-app >/dev/null || { echo "check-deb: tessera-app is not on PATH" >&2; exit 1; }
test -f /usr/share/applications/Tessera.desktop || { echo "check-deb: no desktop entry" >&2; exit 1; }
grep -q '^Exec=tessera-app' /usr/share/applications/Tessera.desktop || { echo "check-deb: desktop entry does not start tessera-app" >&2; exit 1; }
ls /usr/share/icons/hicolor/*/apps/tessera-app.png >/dev/null || { echo "check-deb: no icon" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
echo "==> launching the installed Tessera under Xvfb"
TESSERA_HOME="$profile" scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  tessera-app & app=$!
  for _ in $(seq 60); do
    if xwininfo -root -tree 2>/dev/null | grep -q "\"Tessera\""; then echo "==> the Tessera window is up"; kill $app; exit 0; fi
    sleep 0.5
  done
  kill $app 2>/dev/null; echo "check-deb: no Tessera window within 30 s" >&2; exit 1'
echo "PASS: the .deb installs and Tessera starts"
