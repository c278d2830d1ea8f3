#!/usr/bin/env bash
# Run Debrief. For now Debrief is the `debrief` command line; the app comes
# next. With arguments, they go to `debrief` (e.g. scripts/run.sh list).
# Without, a short demo: a sample debrief video is made, imported, tagged,
# searched and listed in a demo library under ./.demo-data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --release --locked -q -p debrief-cli
bin="$CARGO_TARGET_DIR/release/debrief"

if [ $# -gt 0 ]; then exec "$bin" "$@"; fi

data="$PWD/.demo-data"
export DEBRIEF_DATA_DIR="$data"
sample="$data/samples/Compliance questions.mp4"
if [ ! -f "$sample" ]; then
  mkdir -p "$data/samples"
  ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30:duration=6 -f lavfi -i sine=frequency=440:duration=6 \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -movflags +faststart "$sample"
fi
echo "\$ debrief import \"$sample\" --tag compliance --tag \"Objection Handling\""
id=$("$bin" import "$sample" --tag compliance --tag "Objection Handling" | tail -n 1)
echo "\$ debrief list --query compl"
"$bin" list --query compl
echo "\$ debrief show $id"
"$bin" show "$id"
echo "\$ debrief tags"
"$bin" tags
echo
echo "Demo library: $data (DEBRIEF_DATA_DIR). Try: scripts/run.sh --help"
