#!/usr/bin/env bash
# Fuzzes the ticket parser and the FHIR normaliser with cargo-fuzz (libFuzzer), each for SECONDS (default 600), one
# after the other. Not part of scripts/test.sh: run it by hand, for minutes at a time.
#
#   scripts/fuzz.sh [SECONDS]
#
# Each run starts from the committed seeds in fuzz/corpus/<target>/ (read only) and grows its own corpus in
# fuzz/work/<target>/ (ignored by git). A crash stops the run with a non-zero exit and leaves the input in
# fuzz/artifacts/<target>/; replay it with `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <file>`.
#
# cargo-fuzz passes nightly-only flags to rustc (-Zsanitizer=address, sanitizer-coverage); RUSTC_BOOTSTRAP=1 lets the
# stable toolchain accept them (stable's rust-std ships the AddressSanitizer runtime on x86_64 Linux). Where ASan is
# not available, FUZZ_SANITIZER=none runs without it. Builds use their own target dir (fuzz/target).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
sanitizer="${FUZZ_SANITIZER:-address}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

for target in ticket_parse fhir_normalise; do
    echo "=== fuzz: $target for ${seconds} s (sanitizer: $sanitizer)"
    mkdir -p "fuzz/work/$target" "fuzz/artifacts/$target"
    # Release build with debug assertions and overflow checks (cargo-fuzz's default): an overflow is a crash.
    cargo fuzz run --sanitizer "$sanitizer" --debug-assertions "$target" "fuzz/work/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -dict="fuzz/dict/$target.dict" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1
done
echo "=== fuzz: no crash in ${seconds} s per target"
