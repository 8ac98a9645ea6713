#!/usr/bin/env bash
# Requests per second of document metadata and of 100 kB downloads on the
# embedded default (one node, SQLite and blob files), and on PostgreSQL
# with an S3 bucket (s3s-fs) with one node and with three nodes, measured in
# one run on this machine with wrk. Three nodes share this machine's cores,
# so their figure says what the shared database and bucket cost, not what
# three machines would serve.
#   scripts/bench-nodes.sh [SECONDS] [CONNECTIONS]
# Needs wrk (installed if missing), PostgreSQL on 127.0.0.1:5432 (database
# test, trust) and s3s-fs (as ./scripts/test installs it).
set -euo pipefail
secs="${1:-10}"
conns="${2:-48}"
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
s3s="${RAMPART_S3S_FS:-/var/tmp/rampart-tools/bin/s3s-fs}"
[ -x "$s3s" ] || cargo install --quiet s3s-fs@0.14.1 --features binary --root /var/tmp/rampart-tools
cargo build --quiet --release --manifest-path "$root/Cargo.toml" --bin rampart
bin="${CARGO_TARGET_DIR:-$root/target}/release/rampart"
work="$(mktemp -d)"
schema="bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export RAMPART_LOG=warn
# The serving path, not containment: the bench account's budgets and score
# thresholds are lifted (every request is still authenticated, authorized,
# assessed and audited).
lifted='[guard.budgets.accounts."bench@example.org"]
downloads_per_minute = 100000000
downloads_per_hour = 100000000
downloads_per_day = 100000000
bytes_per_minute = 1000000000000000
bytes_per_hour = 1000000000000000
bytes_per_day = 1000000000000000
metadata_views_per_hour = 100000000
list_pages_per_hour = 100000000
[guard.scoring]
step_up_at = 4000000000
throttle_at = 4000000000
suspend_at = 4000000000
regularity_min_gaps = 4000000000'
printf '%s\n' "$lifted" >"$work/embedded.toml"
psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE SCHEMA $schema"
mkdir -p "$work/bucket/rampart"
"$s3s" --host 127.0.0.1 --port 18199 --access-key bench --secret-key bench-secret "$work/bucket" >/dev/null 2>&1 &
pids+=($!)
cat >"$work/postgres.toml" <<TOML
[store]
database = "postgres://postgres@127.0.0.1:5432/test?options=-csearch_path%3D$schema"
blobs = "s3://rampart/bench"
[store.s3]
endpoint = "http://127.0.0.1:18199"
region = "us-east-1"
access_key_id = "bench"
secret_access_key = "bench-secret"
allow_http = true
$lifted
TOML
head -c 100000 /dev/urandom >"$work/doc.bin"
mkdir -p "$work/in" && mv "$work/doc.bin" "$work/in/doc.bin"
# Sets up an install ($1: config, $2: data dir); prints "TOKEN ID".
setup() {
  local config="$1" data="$2"
  "$bin" admin --config "$config" --data "$data" portal add bench "Bench" 2>/dev/null
  "$bin" admin --config "$config" --data "$data" community add bench docs "Docs" 2>/dev/null
  "$bin" admin --config "$config" --data "$data" user add --email bench@example.org --name Bench --nation NOR >/dev/null 2>&1
  "$bin" admin --config "$config" --data "$data" member add bench/docs bench@example.org reader 2>/dev/null
  local token id
  token="$("$bin" admin --config "$config" --data "$data" token add --email bench@example.org 2>/dev/null)"
  id="$("$bin" import "$work/in" --config "$config" --data "$data" --community bench/docs 2>/dev/null | cut -f1)"
  echo "$token $id"
}
serve() { # config data port
  "$bin" serve --config "$1" --data "$2" --listen "127.0.0.1:$3" >"$2.log" 2>&1 &
  pids+=($!)
}
wait_up() { for _ in $(seq 50); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return; sleep 0.2; done; echo "node on $1 did not start" >&2; exit 1; }
# wrk against every port given, at once, the connections split between
# them; prints the summed requests/s and the worst p99.
run() {
  local name="$1" path="$2"; shift 2
  local n=$# i=0 outs=()
  for port in "$@"; do
    wrk -t1 -c$((conns / n)) -d"${secs}s" --latency -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$port$path" >"$work/wrk.$i" &
    outs+=($!); i=$((i + 1))
  done
  wait "${outs[@]}"
  cat "$work"/wrk.* | awk -v name="$name" '
    /Requests\/sec/ {rps += $2}
    $1=="99%" {v=$2; ms=v+0; if (v ~ /us$/) ms=ms/1000; else if (v ~ /s$/ && v !~ /ms$/) ms=ms*1000; if (ms>p99) p99=ms}
    /Non-2xx/ {bad += $NF}
    END {printf "%-44s %9.0f req/s   worst p99 %7.1f ms   non-2xx %d\n", name, rps, p99, bad}'
  rm -f "$work"/wrk.*
}
echo "wrk ${secs}s, $conns connections in all, on $(nproc) cores"
read -r token id < <(setup "$work/embedded.toml" "$work/e")
serve "$work/embedded.toml" "$work/e" 18190; wait_up 18190
run "embedded, 1 node: metadata" "/api/v1/documents/$id" 18190
run "embedded, 1 node: 100 kB content" "/api/v1/documents/$id/content" 18190
kill "${pids[-1]}"; unset 'pids[-1]'
read -r token id < <(setup "$work/postgres.toml" "$work/n0")
for i in 1 2; do mkdir -m 700 "$work/n$i" && cp -rp "$work/n0/keys" "$work/n$i/keys"; done
serve "$work/postgres.toml" "$work/n0" 18191; wait_up 18191
run "PostgreSQL + S3, 1 node: metadata" "/api/v1/documents/$id" 18191
run "PostgreSQL + S3, 1 node: 100 kB content" "/api/v1/documents/$id/content" 18191
serve "$work/postgres.toml" "$work/n1" 18192
serve "$work/postgres.toml" "$work/n2" 18193
wait_up 18192; wait_up 18193
run "PostgreSQL + S3, 3 nodes: metadata" "/api/v1/documents/$id" 18191 18192 18193
run "PostgreSQL + S3, 3 nodes: 100 kB content" "/api/v1/documents/$id/content" 18191 18192 18193
