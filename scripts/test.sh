#!/usr/bin/env bash
# Run every Debrief test: formatting, lints, unit/integration/end-to-end
# tests, and every benchmark in quick smoke mode (so they cannot rot).
# Installs what is missing first. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

step() { printf '\n=== %s\n' "$*" >&2; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (workspace, all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (workspace)"
cargo test --workspace --locked

step "benchmarks, quick smoke mode"
cargo bench --locked -p debrief-cli --bench library -- --quick
cargo bench --locked -p debrief-capture --bench capture -- --quick
cargo bench --locked -p debrief-server --bench upload --bench changes -- --quick

echo "all tests passed" >&2
