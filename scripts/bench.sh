#!/usr/bin/env bash
# Full benchmark runs; each prints its figures and the reference tool's in
# the same run. CI runs the same benches with --quick (scripts/test.sh).
# Usage: scripts/bench.sh [library|record|capture|server|sync|app]...   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(library record capture server sync app)
for w in "${which[@]}"; do
  printf '\n=== bench: %s\n' "$w" >&2
  case "$w" in
    library) cargo bench --locked -p debrief-cli --bench library ;;
    record) cargo bench --locked -p debrief-media --bench record ;;
    capture) cargo bench --locked -p debrief-capture --bench capture ;;
    server) cargo bench --locked -p debrief-server --bench upload --bench changes ;;
    sync) cargo bench --locked -p debrief-sync --bench sync ;;
    app) scripts/app-test.sh --bench-full ;;
    *) echo "usage: scripts/bench.sh [library|record|capture|server|sync|app]..." >&2; exit 2 ;;
  esac
done
