#!/usr/bin/env bash
# Installs everything Tessera needs on a fresh Debian or Ubuntu machine that has Rust and Node.js:
# system packages (apt, through sudo when not root), the UI's npm packages, and — for tests — tauri-driver and the npm
# packages of the oidc-provider fixture.
# Safe to run again: each step is skipped when already done.
#   scripts/setup.sh          build and run requirements
#   scripts/setup.sh test     also the test requirements (Xvfb, gnome-keyring, WebKitWebDriver, tauri-driver, the
#                             npm packages of the oidc-provider fixture in tests/fixtures/oidc-broker)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PACKAGES=(libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev
  libayatana-appindicator3-dev libxdo-dev libssl-dev libdbus-1-dev build-essential pkg-config file)
TEST_PACKAGES=(xvfb xauth x11-utils dbus dbus-x11 gnome-keyring libsecret-tools keyutils webkit2gtk-driver
  imagemagick xdotool curl)

packages=("${BUILD_PACKAGES[@]}")
[ "${1:-}" = test ] && packages+=("${TEST_PACKAGES[@]}")

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "==> installing the UI's npm packages"
  # `npm ci` refuses this lock file: the registry mirror here omits the other platforms' optional Tauri CLI
  # binaries from it. `npm install` follows the lock for everything it does list.
  npm --prefix ui install --no-audit --no-fund --loglevel=error
fi

fixture=tests/fixtures/oidc-broker
if [ "${1:-}" = test ] && { [ ! -d $fixture/node_modules ] || [ $fixture/package-lock.json -nt $fixture/node_modules/.package-lock.json ]; }; then
  echo "==> installing the oidc-provider test fixture's npm packages (interoperability test)"
  npm ci --prefix $fixture --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = test ] && ! command -v tauri-driver >/dev/null 2>&1; then
  echo "==> installing tauri-driver (WebDriver bridge for the end-to-end tests)"
  cargo install tauri-driver --version '^2' --locked --quiet
fi
