#!/usr/bin/env bash
# Build and launch the Debrief app (release build). With no display, it
# runs under xvfb-run (invisible; use --smoke to get a screenshot).
# Usage: scripts/run-app.sh [--demo] [--smoke SECONDS]
#   --demo           use the demo library in ./.demo-data (a sample video is
#                    made with ffmpeg and imported the first time)
#   --smoke SECONDS  quit after SECONDS and save a screenshot of the screen to
#                    artifacts/app/run-app.png (needs imagemagick)
# The library is DEBRIEF_DATA_DIR if set, else the platform's app-data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

demo=false
smoke=
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) demo=true; shift ;;
    --smoke) smoke=${2:?--smoke needs a number of seconds}; shift 2 ;;
    *) echo "usage: scripts/run-app.sh [--demo] [--smoke SECONDS]" >&2; exit 2 ;;
  esac
done

# The web UI is embedded in the binary: build it first (npm ci only when
# the lock changed, as in app-test.sh).
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd ui && npx vite build --logLevel warn)
cargo build --release --locked -q -p debrief-app -p debrief-cli
app="$CARGO_TARGET_DIR/release/debrief-app"

if $demo; then
  export DEBRIEF_DATA_DIR="$PWD/.demo-data"
  sample="$DEBRIEF_DATA_DIR/samples/Compliance questions.mp4"
  if [ ! -f "$sample" ]; then
    mkdir -p "$(dirname "$sample")"
    ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30:duration=6 -f lavfi -i sine=frequency=440:duration=6 \
      -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -movflags +faststart "$sample"
  fi
  if [ -z "$("$CARGO_TARGET_DIR/release/debrief" list --limit 1 --json | tr -d '[:space:][]')" ]; then
    "$CARGO_TARGET_DIR/release/debrief" import "$sample" --tag compliance --tag "Objection Handling" >/dev/null
  fi
  echo "run-app: demo library in $DEBRIEF_DATA_DIR" >&2
fi

if [ -z "$smoke" ]; then
  if [ -n "${DISPLAY:-}" ]; then exec "$app"; fi
  echo "run-app: no DISPLAY; running under xvfb-run (nothing will be visible)" >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$app"
fi

# Smoke run: start, wait, screenshot, stop.
mkdir -p artifacts/app
shot="$PWD/artifacts/app/run-app.png"
runner=(bash -c '"$0" & pid=$!; sleep "$1"; import -window root "$2"; kill "$pid"; wait "$pid" 2>/dev/null || true' "$app" "$smoke" "$shot")
if [ -n "${DISPLAY:-}" ]; then "${runner[@]}"; else xvfb-run -a -s "-screen 0 1280x800x24" "${runner[@]}"; fi
echo "run-app: screenshot in $shot" >&2
