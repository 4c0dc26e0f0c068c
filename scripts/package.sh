#!/usr/bin/env bash
# Builds the release .deb of the desktop app (not part of the test run; a few minutes on two cores):
#   bash scripts/package.sh            → target/release/bundle/deb/Tessera_<version>_<arch>.deb
# The package installs /usr/bin/tessera-app, a desktop entry (Tessera, category Utility) and the icons, and depends
# on the WebKitGTK, GTK and D-Bus libraries it links. Check it with scripts/check-deb.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm --prefix ui run --silent build >/dev/null
# The Tauri CLI from the UI's npm packages (no cargo install needed); it reads tauri.conf.json beside Cargo.toml.
# The UI was built just above (Tauri would run its beforeBuildCommand from ui/, where `--prefix ui` is wrong).
ui/node_modules/.bin/tauri build --bundles deb --ci --config '{"build":{"beforeBuildCommand":""}}' "$@"
ls -1 target/release/bundle/deb/*.deb
