#!/usr/bin/env bash
# Opens Tessera's window on a fresh, empty profile: the welcome screen, where "Try the demo network" starts a trust
# broker and six hospitals inside the app (made-up people; one hospital down tonight, one that asks you to confirm
# the patient) and signs you in through your browser and the broker's consent page. Without a display it says so
# in one line and runs the headless equivalent, `tessera demo`, instead. (Your own profile: `cargo run --bin
# tessera-app`.)
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
cargo build --quiet --bin tessera-app

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
echo "==> starting Tessera on a fresh profile (close the window to end; the profile is removed afterwards)"
TESSERA_HOME="$profile" target/debug/tessera-app "$@"
