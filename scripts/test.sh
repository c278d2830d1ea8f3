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

# The app embeds ui/dist, so the web UI is built (and its own tests run)
# before anything compiles src-tauri.
scripts/app-test.sh --ui-only

step "cargo clippy (workspace, all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (workspace)"
cargo test --workspace --locked

# The server again on PostgreSQL + S3, two instances behind nginx with real
# devices, migrate, and the scale benchmark's smoke run.
scripts/scale-test.sh

# The app end to end in the real webview under Xvfb, and its launch
# benchmark in quick mode.
scripts/app-test.sh --skip-ui

step "benchmarks, quick smoke mode"
cargo bench --locked -p debrief-cli --bench library -- --quick
cargo bench --locked -p debrief-capture --bench capture -- --quick
cargo bench --locked -p debrief-media --bench record -- --quick
cargo bench --locked -p debrief-server --bench upload --bench changes -- --quick
cargo bench --locked -p debrief-sync --bench sync -- --quick

echo "all tests passed" >&2
