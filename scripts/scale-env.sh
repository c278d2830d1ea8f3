#!/usr/bin/env bash
# Run a command with a private PostgreSQL cluster and an S3-compatible
# server (s3s-fs) started for it, both on free loopback ports in a
# temporary folder, and everything stopped and removed afterwards.
#
# Usage: scripts/scale-env.sh [--durable] COMMAND [ARGS...]
#
# The command sees:
#   DEBRIEF_TEST_DATABASE_URL  postgres://debrief@127.0.0.1:PORT/postgres (superuser,
#                              trust auth on loopback: tests create a database each)
#   DEBRIEF_TEST_MEDIA_URL     s3://debrief-test, an existing bucket (the server's
#                              tests create a bucket each; others use prefixes)
#   AWS_ENDPOINT_URL, AWS_ALLOW_HTTP, AWS_REGION, AWS_ACCESS_KEY_ID,
#   AWS_SECRET_ACCESS_KEY      the S3 server and its (checked) credentials
#   DEBRIEF_TEST_NGINX         Debian's nginx binary, for load-balancer tests
#   DEBRIEF_TEST_SCALE_DIR     the temporary folder (logs of both servers)
# Tests run PostgreSQL with fsync off (nothing here must survive a power
# cut, and it saves minutes); --durable keeps PostgreSQL's defaults, as
# the benchmarks do, so figures compare durable setups.
#
# Debian's postgresql and nginx come from scripts/setup.sh; s3s-fs is built
# once with cargo into ~/.cache/debrief/tools (pinned, --locked).
set -euo pipefail
cd "$(dirname "$0")/.."

durable=0
if [ "${1:-}" = "--durable" ]; then
  durable=1
  shift
fi
[ $# -gt 0 ] || { echo "usage: scripts/scale-env.sh [--durable] COMMAND [ARGS...]" >&2; exit 2; }

TOOLS="${DEBRIEF_TOOLS_DIR:-$HOME/.cache/debrief/tools}"
S3S_VERSION=0.14.1
s3s_bin="$TOOLS/bin/s3s-fs"
if ! [ -x "$s3s_bin" ] || ! "$s3s_bin" --version 2>/dev/null | grep -q "$S3S_VERSION"; then
  echo "scale-env: building s3s-fs $S3S_VERSION into $TOOLS (once)" >&2
  # Its own target dir, so the project's build cache is untouched.
  CARGO_TARGET_DIR="$TOOLS/build" cargo install s3s-fs --version "$S3S_VERSION" --locked \
    --features binary --root "$TOOLS" --quiet
  rm -rf "$TOOLS/build"
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pg_bin/initdb" ] || { echo "error: PostgreSQL is not installed (run scripts/setup.sh)" >&2; exit 1; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx_bin" ] || { echo "error: nginx is not installed (run scripts/setup.sh)" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

work=$(mktemp -d "${TMPDIR:-/tmp}/debrief-scale.XXXXXX")
chmod 755 "$work"
pg_pid=""
s3_pid=""
# PostgreSQL refuses to run as root; then it runs as the postgres user.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  as_pg=(runuser -u postgres --)
fi

cleanup() {
  local rc=$?
  if [ -n "$s3_pid" ]; then kill "$s3_pid" 2>/dev/null || true; wait "$s3_pid" 2>/dev/null || true; fi
  if [ -f "$work/pg/postmaster.pid" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ $rc -ne 0 ] && [ -z "${DEBRIEF_KEEP_SCALE_DIR:-}" ]; then
    for log in "$work/pg.log" "$work/s3.log"; do
      [ -s "$log" ] && { echo "--- last lines of $log" >&2; tail -n 20 "$log" >&2; }
    done
  fi
  if [ -z "${DEBRIEF_KEEP_SCALE_DIR:-}" ]; then rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT INT TERM

# PostgreSQL: a private cluster, loopback only, trust auth for its one user.
pg_port=$(free_port)
mkdir -p "$work/pg" "$work/pg-socket"
if [ ${#as_pg[@]} -gt 0 ]; then chown postgres "$work/pg" "$work/pg-socket"; touch "$work/pg.log"; chown postgres "$work/pg.log"; fi
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg" -U debrief --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
{
  echo "listen_addresses = '127.0.0.1'"
  echo "port = $pg_port"
  echo "unix_socket_directories = '$work/pg-socket'"
  echo "max_connections = 400"
  echo "shared_buffers = 128MB"
  if [ $durable = 0 ]; then
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
  fi
} >> "$work/pg/postgresql.conf"
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -t 60 start >/dev/null
pg_pid=$(head -1 "$work/pg/postmaster.pid")

# S3: s3s-fs with credentials it checks (a wrong key is refused).
s3_port=$(free_port)
# One shared bucket (s3s-fs keeps a bucket as a folder of its root); tests
# that need buckets of their own create them through the S3 API.
mkdir -p "$work/s3/debrief-test"
export AWS_ACCESS_KEY_ID="debrief-test-key"
export AWS_SECRET_ACCESS_KEY="debrief-test-secret-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
"$s3s_bin" --host 127.0.0.1 --port "$s3_port" --access-key "$AWS_ACCESS_KEY_ID" \
  --secret-key "$AWS_SECRET_ACCESS_KEY" "$work/s3" > "$work/s3.log" 2>&1 &
s3_pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null; then break; fi
  sleep 0.1
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$s3_port"
export AWS_ALLOW_HTTP=true
export AWS_REGION=us-east-1
export DEBRIEF_TEST_DATABASE_URL="postgres://debrief@127.0.0.1:$pg_port/postgres"
export DEBRIEF_TEST_MEDIA_URL="s3://debrief-test"
export DEBRIEF_TEST_NGINX="$nginx_bin"
export DEBRIEF_TEST_SCALE_DIR="$work"
echo "scale-env: PostgreSQL (pid $pg_pid) on 127.0.0.1:$pg_port, s3s-fs on 127.0.0.1:$s3_port, in $work" >&2
"$@"
