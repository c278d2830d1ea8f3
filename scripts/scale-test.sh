#!/usr/bin/env bash
# The team server scaled out, proven with real parts (scripts/scale-env.sh
# starts a private PostgreSQL and an S3-compatible server for the run):
#  1. the server's whole test suite again, every test server on its own
#     PostgreSQL database and S3 bucket instead of SQLite and a folder;
#  2. the deployment end to end (crates/cli/tests/scale.rs): two
#     debrief-server instances behind nginx, real `debrief` devices, an
#     upload split across instances, concurrent writers on both, an
#     instance killed mid-upload, and `migrate` from SQLite + folder;
#  3. the scale benchmark in smoke mode (--quick), unless --no-bench.
# Usage: scripts/scale-test.sh [--no-bench]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bench=1
[ "${1:-}" = "--no-bench" ] && bench=0

step() { printf '\n=== %s\n' "$*" >&2; }

run_all() {
  # The tests behind the feature are not built by `cargo clippy --workspace`.
  step "clippy with the live-backend tests"
  cargo clippy --locked -p debrief-server -p debrief-cli --features live-backends --all-targets -- -D warnings
  step "server tests on PostgreSQL + S3"
  cargo test --locked -p debrief-server --features live-backends --tests --no-fail-fast
  step "scaled-out deployment end to end (two instances, nginx, devices)"
  cargo test --locked -p debrief-cli --features live-backends --test scale -- --test-threads=1
  if [ "$bench" = 1 ]; then
    step "scale benchmark, quick smoke mode"
    cargo bench --locked -p debrief-server --bench scale -- --quick
  fi
}
export -f run_all step
export bench
# The services live as long as this one shell; any failure fails it.
scripts/scale-env.sh bash -c 'set -euo pipefail; run_all'
