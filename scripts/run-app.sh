#!/usr/bin/env bash
# Build and launch the Debrief app (release build) with a local team, so a
# newcomer can record, sync and watch within a minute:
#   - a `debrief-server` on 127.0.0.1 with its data in .demo-data/server
#     (team "Demo team"; the port is kept in .demo-data/server/port so the
#     device finds it again next time);
#   - this app's library in .demo-data/device, joined to that team with an
#     invite made on the spot (`debrief join`), with a sample video;
#   - a teammate's device (.demo-data/teammate, the CLI, a manager) that
#     shared a clip of its own, put it in the playbook and posted a
#     challenge, so the library, playbook, challenges and inbox have
#     something to show.
# The server stops when the app exits. With no display, the app runs under
# xvfb-run (invisible; use --smoke to get a screenshot).
# Usage: scripts/run-app.sh [--no-server] [--fresh] [--smoke SECONDS]
#   --no-server      just the app, on DEBRIEF_DATA_DIR if set, else the
#                    platform's app-data folder (no team, no samples)
#   --fresh          start the demo over (deletes .demo-data)
#   --smoke SECONDS  quit after SECONDS and save a screenshot of the screen to
#                    artifacts/app/run-app.png (needs imagemagick)
#   --demo           accepted for older instructions; the local team is the default
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

with_server=true
fresh=false
smoke=
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) shift ;;
    --no-server) with_server=false; shift ;;
    --fresh) fresh=true; shift ;;
    --smoke) smoke=${2:?--smoke needs a number of seconds}; shift 2 ;;
    *) echo "usage: scripts/run-app.sh [--no-server] [--fresh] [--smoke SECONDS]" >&2; exit 2 ;;
  esac
done

# The web UI is embedded in the binary: build it first (npm ci only when
# the lock changed, as in app-test.sh).
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd ui && npx vite build --logLevel warn)
cargo build --release --locked -q -p debrief-app -p debrief-cli -p debrief-server
bin="$CARGO_TARGET_DIR/release"
app="$bin/debrief-app"

server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap stop_server EXIT

sample() { # FILE SECONDS: a real H.264 + AAC MP4 with a test pattern and a tone
  [ -f "$1" ] && return
  mkdir -p "$(dirname "$1")"
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$2" -f lavfi -i "sine=frequency=440:duration=$2" \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -movflags +faststart "$1"
}

joined() { # DATA_DIR: whether that device belongs to a team
  "$bin/debrief" --data-dir "$1" status --json 2>/dev/null | grep -q '"joined": *true'
}

if $with_server; then
  demo="$PWD/.demo-data"
  $fresh && rm -rf "$demo"
  srv="$demo/server"
  device="$demo/device"
  mate="$demo/teammate"
  mkdir -p "$srv" "$device" "$mate"
  if [ ! -f "$srv/team" ]; then
    "$bin/debrief-server" --data-dir "$srv" team create "Demo team" >/dev/null
    echo "Demo team" >"$srv/team"
  fi
  # The first run picks a free port; later runs reuse it (the devices keep
  # the server's address).
  listen="127.0.0.1:$(cat "$srv/port" 2>/dev/null || echo 0)"
  log="$srv/serve.log"
  : >"$log"
  "$bin/debrief-server" --data-dir "$srv" serve --listen "$listen" >"$log" 2>"$srv/serve.err" &
  server_pid=$!
  url=
  for _ in $(seq 1 100); do
    url=$(grep -m1 -o 'http://127\.0\.0\.1:[0-9]*' "$log" || true)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "run-app: debrief-server did not start (see $srv/serve.err); if its port is taken, run with --fresh" >&2
    cat "$srv/serve.err" >&2 || true
    exit 1
  fi
  echo "${url##*:}" >"$srv/port"
  echo "run-app: team server $url (data in $srv)" >&2

  invite() { "$bin/debrief-server" --data-dir "$srv" invite --team "Demo team" --role "$1" | tail -n 1; }
  if ! joined "$device"; then
    "$bin/debrief" --data-dir "$device" join "$url" "$(invite admin)" --name "You" --device "this computer" >/dev/null
  fi
  if [ -z "$("$bin/debrief" --data-dir "$device" list --limit 1 --json | tr -d '[:space:][]')" ]; then
    sample "$demo/samples/Compliance questions.mp4" 6
    "$bin/debrief" --data-dir "$device" import "$demo/samples/Compliance questions.mp4" \
      --tag compliance --tag "Objection Handling" >/dev/null
  fi
  # A teammate (a manager) with a clip of their own in the playbook and a
  # challenge for the team, so every screen has something to show.
  if ! joined "$mate"; then
    "$bin/debrief" --data-dir "$mate" join "$url" "$(invite manager)" --name "Sam Rivera" --device "sam-phone" >/dev/null
    sample "$demo/samples/Handling the pricing objection.mp4" 8
    clip=$("$bin/debrief" --data-dir "$mate" import "$demo/samples/Handling the pricing objection.mp4" --tag pricing | tail -n 1)
    "$bin/debrief" --data-dir "$mate" sync --once >/dev/null
    "$bin/debrief" --data-dir "$mate" playbook add "$clip" --section Objections >/dev/null
    "$bin/debrief" --data-dir "$mate" challenge create --title "We already have a vendor" \
      --prompt "Record how you answer \"we already work with someone\": what you ask first, and how you earn a second meeting." \
      --max-length 2m >/dev/null
    "$bin/debrief" --data-dir "$mate" sync --once >/dev/null
  fi
  export DEBRIEF_DATA_DIR="$device"
  echo "run-app: this device's library in $device (joined to the Demo team)" >&2
fi

run_app() {
  if [ -n "${DISPLAY:-}" ]; then "$app"; return; fi
  echo "run-app: no DISPLAY; running under xvfb-run (nothing will be visible)" >&2
  xvfb-run -a -s "-screen 0 1280x800x24" "$app"
}

if [ -z "$smoke" ]; then
  # Not `exec`: the trap stops the server when the app exits.
  run_app
  exit
fi

# Smoke run: start, wait, screenshot, stop.
mkdir -p artifacts/app
shot="$PWD/artifacts/app/run-app.png"
runner=(bash -c '"$0" & pid=$!; sleep "$1"; import -window root "$2"; kill "$pid"; wait "$pid" 2>/dev/null || true' "$app" "$smoke" "$shot")
if [ -n "${DISPLAY:-}" ]; then "${runner[@]}"; else xvfb-run -a -s "-screen 0 1280x800x24" "${runner[@]}"; fi
echo "run-app: screenshot in $shot" >&2
