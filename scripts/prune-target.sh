#!/usr/bin/env bash
# Keep the shared build directory from filling the disk: every clone path
# and feature set leaves its own copy of each crate in target/*/deps, and
# nothing ever deletes the old ones. This keeps the newest six builds of
# every crate (cargo rebuilds anything it misses) and drops incremental
# caches. Runs from .ci/run when the directory passes DEBRIEF_TARGET_MAX_GB
# (default 40). Usage: scripts/prune-target.sh [TARGET_DIR]
set -euo pipefail
target=${1:-${CARGO_TARGET_DIR:?set CARGO_TARGET_DIR or pass the directory}}
for profile in debug release; do
  deps="$target/$profile/deps"
  [ -d "$deps" ] || continue
  rm -rf "$target/$profile/incremental"
  # "mtime name-hash" per file; the newest six hashes per crate name stay (a crate can have several live builds: features, host vs target).
  find "$deps" -maxdepth 1 -type f -printf '%T@ %f\n' |
    sed -nE 's/^([0-9.]+) (lib)?(.+)-([0-9a-f]{16})(\..*)?$/\1 \3 \4/p' |
    sort -k2,2 -k1,1nr |
    awk '{ if (!seen[$2 " " $3]++) { n[$2]++; if (n[$2] > 6) print $2 "-" $3 } }' |
    sort -u | while read -r stem; do
      rm -f "$deps/$stem" "$deps/$stem".* "$deps/lib$stem".*
    done
done
du -sh "$target" >&2
