#!/usr/bin/env bash
# Runs Tessera: sets up the machine, builds the UI and opens the desktop window. Without a display it says so in
# one line and runs the headless equivalent, `tessera demo`, instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): running the headless demo, 'tessera demo', instead."
  cargo build --quiet -p tessera
  if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    echo "No desktop keychain is running either: the demo uses a throwaway gnome-keyring (scripts/with-keyring.sh)."
    scripts/setup.sh test >/dev/null
    exec scripts/with-keyring.sh target/debug/tessera demo "$@"
  fi
  exec target/debug/tessera demo "$@"
fi
echo "==> building the UI"
npm --prefix ui run --silent build >/dev/null
echo "==> starting Tessera"
exec cargo run --quiet --bin tessera-app "$@"
