#!/usr/bin/env bash
# Runs Tessera on the embedded demo network: sets up the machine, starts a trust broker and six hospitals on this
# computer (one of them down tonight), signs a demo caregiver in with the broker, and opens the desktop window on
# that demo profile — press "Connect to every hospital". Without a display it says so in one line and runs the
# headless equivalent, `tessera demo`, instead. (Your own profile: `cargo run --bin tessera-app`.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# Without a desktop session bus there is no keychain either: use a throwaway gnome-keyring for this run.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${TESSERA_RUN_IN_KEYRING:-}" ]; then
  echo "No desktop keychain is running: this run uses a throwaway gnome-keyring (scripts/with-keyring.sh)."
  scripts/setup.sh test >/dev/null
  export TESSERA_RUN_IN_KEYRING=1
  exec scripts/with-keyring.sh "$0" "$@"
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): running the headless demo, 'tessera demo', instead."
  cargo build --quiet -p tessera
  exec target/debug/tessera demo "$@"
fi

echo "==> building the UI and Tessera"
npm --prefix ui run --silent build >/dev/null
cargo build --quiet --workspace --bins

demo=$(mktemp -d)
trap 'kill "${network:-0}" 2>/dev/null || true; rm -rf "$demo"' EXIT
echo "==> starting the demo network (a trust broker and six hospitals on 127.0.0.1)"
target/debug/tessera-testbed --sites 6 --seed 2026 --faults 3=down --auto-approve --manifest "$demo/network.json" &
network=$!
for _ in $(seq 100); do [ -s "$demo/network.json" ] && break; sleep 0.1; done
broker=$(sed -E 's/.*"broker":"([^"]+)".*/\1/' "$demo/network.json")
echo "==> signing the demo caregiver in with the broker at $broker"
target/debug/tessera --home "$demo/profile" login --broker "$broker" --browser "curl -s -L -o /dev/null" >/dev/null
echo "==> starting Tessera (close the window to end the demo)"
TESSERA_HOME="$demo/profile" target/debug/tessera-app "$@"
