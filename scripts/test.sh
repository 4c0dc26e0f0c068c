#!/usr/bin/env bash
# Runs every test and check, in order; the first failure stops the run with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
started=$SECONDS
stage() { echo; echo "=== stage: $1"; }

stage "setup"
scripts/setup.sh test

stage "ui build"
npm --prefix ui run --silent build >/dev/null

stage "cargo fmt --check"
cargo fmt --all --check

stage "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

stage "cargo test"
cargo test --workspace --quiet

stage "ui unit tests (vitest) and type check (svelte-check)"
npm --prefix ui test --silent
npm --prefix ui run --silent check

# Every cargo call below uses --workspace, so features unify the same way and nothing is compiled twice.
stage "keychain and wallet tests (gnome-keyring in a private D-Bus session, testbed on loopback)"
scripts/with-keyring.sh cargo test --workspace --quiet -- --ignored --skip e2e_

stage "end-to-end tests (the app under Xvfb with its own gnome-keyring, tauri-driver + WebKitWebDriver)"
scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" cargo test --workspace --quiet -- --ignored --test-threads 1 e2e_

echo
echo "ALL CHECKS PASSED: fmt, clippy, cargo test, vitest, keychain, end-to-end in $((SECONDS - started)) s"
