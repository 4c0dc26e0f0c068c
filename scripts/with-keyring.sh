#!/usr/bin/env bash
# Runs a command with a real Secret Service: a private D-Bus session with an unlocked gnome-keyring whose data
# lives in a throwaway folder. Usage: scripts/with-keyring.sh COMMAND [ARGS...]
set -euo pipefail
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "with-keyring: $tool is missing; run scripts/setup.sh test" >&2; exit 1; }
done
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
export XDG_DATA_HOME="$data" TESSERA_KEYCHAIN_TESTS=1
exec dbus-run-session -- bash -c 'echo -n tessera-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' with-keyring "$@"
