#!/usr/bin/env bash
# Full benchmark runs. Usage: scripts/bench.sh [library|server]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
which=${1:-all}
if [ "$which" = all ] || [ "$which" = library ]; then
  cargo bench --locked -p debrief-cli --bench library
fi
if [ "$which" = all ] || [ "$which" = server ]; then
  cargo bench --locked -p debrief-server --bench upload --bench changes
fi
