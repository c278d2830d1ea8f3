#!/usr/bin/env bash
# Build and test the Debrief app (src-tauri + ui):
#   1. the web UI: npm ci (when the lock changed), typecheck, vitest, vite build
#      (ui/dist is what the Tauri build embeds, so this runs before any cargo
#      build of the workspace that includes src-tauri);
#   2. the app, the CLI, the team server and the seeding example (debug build);
#   3. tauri-driver (cargo install, pinned, cached outside the clone);
#   4. the end-to-end tests in the real webview under Xvfb (tests/e2e);
#   5. the launch and recording benchmarks in quick mode (figures printed,
#      never a failure).
# Usage: scripts/app-test.sh [--ui-only | --skip-ui] [--bench-full]
#   --ui-only     only step 1 (enough for `cargo clippy/test --workspace`)
#   --skip-ui     steps 2-5 only (test.sh ran step 1 already)
#   --bench-full  benchmarks only, on a release build (what users run): the
#                 launch benchmark with 10k clips and 5 launches, and the
#                 recording benchmark over 30 s (no end-to-end tests)
# Screenshots of every screen (390x844 and 1280x800) land in artifacts/app/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

ui_only=false
skip_ui=false
bench_mode=--quick
for arg in "$@"; do
  case "$arg" in
    --ui-only) ui_only=true ;;
    --skip-ui) skip_ui=true ;;
    --bench-full) bench_mode= ;;
    *) echo "usage: scripts/app-test.sh [--ui-only | --skip-ui] [--bench-full]" >&2; exit 2 ;;
  esac
done

step() { printf '\n=== app: %s\n' "$*" >&2; }
need() {
  command -v "$1" >/dev/null || { echo "error: $1 not found ($2)" >&2; exit 1; }
}
need node "install Node.js 20 or newer"
need npm "install Node.js 20 or newer"

# npm ci wipes node_modules; skip it when the installed tree matches the lock.
npm_ci() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

if ! $skip_ui; then
  step "ui: install, typecheck, unit tests, build"
  npm_ci ui
  (cd ui && npm run --silent typecheck && npx vitest run && npx vite build --logLevel warn)
fi
if $ui_only; then exit 0; fi

need Xvfb "Debian package xvfb"
need WebKitWebDriver "Debian package webkit2gtk-driver"
need ffmpeg "Debian package ffmpeg"

profile=debug
[ -z "$bench_mode" ] && profile=release
step "cargo build ($profile): app, CLI, team server, seeding example"
# One invocation, so they share one feature resolution (and one build of
# Tauri) instead of rebuilding it per target.
cargo build --locked -q -p debrief-app -p debrief-cli -p debrief-server --bins --examples \
  $([ "$profile" = release ] && echo --release)

step "tauri-driver 2.1.0"
tools="${DEBRIEF_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/debrief/tools}"
driver="$tools/bin/tauri-driver"
if [ ! -x "$driver" ] || ! "$driver" --help 2>&1 | grep -q "tauri-driver"; then
  cargo install --locked --quiet tauri-driver --version 2.1.0 --root "$tools"
fi

# Hard links to what was just built: a build of another checkout sharing
# CARGO_TARGET_DIR replaces the files under debug/, not these.
bins="$(mktemp -d "$CARGO_TARGET_DIR/e2e-bins.XXXXXX")"
trap 'rm -rf "$bins"' EXIT
for b in debrief-app debrief debrief-server examples/seed_library; do
  ln -f "$CARGO_TARGET_DIR/$profile/$b" "$bins/" 2>/dev/null || cp "$CARGO_TARGET_DIR/$profile/$b" "$bins/"
done
export DEBRIEF_APP_BIN="$bins/debrief-app"
export DEBRIEF_CLI_BIN="$bins/debrief"
export DEBRIEF_SERVER_BIN="$bins/debrief-server"
export DEBRIEF_SEED_BIN="$bins/seed_library"
export TAURI_DRIVER="$driver"
export BENCH_BUILD="$profile" # printed with the benchmark figures

npm_ci tests/e2e
if [ -n "$bench_mode" ]; then
  step "end-to-end tests in the real webview (screenshots: artifacts/app/)"
  rm -rf artifacts/app
  (cd tests/e2e && npm test --silent)
fi

step "benchmark: launch to first library paint ${bench_mode:-(full, release build)}"
(cd tests/e2e && node bench-launch.mjs $bench_mode)

step "benchmark: recording 720p30 with the live preview ${bench_mode:-(full, release build)}"
(cd tests/e2e && node bench-record.mjs $bench_mode)
