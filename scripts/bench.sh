#!/usr/bin/env bash
# Full benchmark runs; each prints its figures and the reference tool's in
# the same run. CI runs the same benches with --quick (scripts/test.sh).
# Usage: scripts/bench.sh [library|record|capture|server|scale|sync|app]...   (default: all)
# scale: PostgreSQL + S3 + nginx (started by scripts/scale-env.sh), 1 vs 2
# instances and SQLite for reference; `scripts/bench.sh scale --quick` is
# the smoke run (scripts/scale-test.sh runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
which=()
quick=()
for a in "$@"; do
  if [ "$a" = --quick ]; then quick=(-- --quick); else which+=("$a"); fi
done
[ ${#which[@]} -gt 0 ] || which=(library record capture server scale sync app)
for w in "${which[@]}"; do
  printf '\n=== bench: %s\n' "$w" >&2
  case "$w" in
    library) cargo bench --locked -p debrief-cli --bench library ;;
    record) cargo bench --locked -p debrief-media --bench record ;;
    capture) cargo bench --locked -p debrief-capture --bench capture ;;
    server) cargo bench --locked -p debrief-server --bench upload --bench changes ;;
    scale) scripts/scale-env.sh --durable cargo bench --locked -p debrief-server --bench scale "${quick[@]}" ;;
    sync) cargo bench --locked -p debrief-sync --bench sync ;;
    app) scripts/app-test.sh --bench-full ;;
    *) echo "usage: scripts/bench.sh [library|record|capture|server|scale|sync|app]..." >&2; exit 2 ;;
  esac
done
