#!/usr/bin/env bash
# Request rate of document metadata and content next to nginx serving a
# static file of the same size, on this machine, with wrk.
#   scripts/bench-download.sh [SECONDS] [CONNECTIONS]
# Needs wrk and nginx (Debian: apt-get install wrk nginx); installs them if
# it can. Prints one line per target: requests/s and latency percentiles.
set -euo pipefail
secs="${1:-15}"
conns="${2:-32}"
root="$(cd "$(dirname "$0")/.." && pwd)"
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null)
done
cargo build --quiet --release --manifest-path "$root/Cargo.toml" --bin rampart
bin="${CARGO_TARGET_DIR:-$root/target}/release/rampart"
work="$(mktemp -d)"
cleanup() { kill "${rpid:-}" 2>/dev/null || true; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export RAMPART_LOG=warn
data="$work/data"
# This measures the serving path, not containment: the bench account's
# budgets and score thresholds are lifted so that every request is served
# (each one is still authenticated, authorized, assessed and audited).
cat >"$work/rampart.toml" <<TOML
[guard.budgets.accounts."bench@example.org"]
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
regularity_min_gaps = 4000000000
TOML
"$bin" admin --data "$data" portal add bench "Bench" 2>/dev/null
"$bin" admin --data "$data" community add bench docs "Docs" 2>/dev/null
"$bin" admin --data "$data" user add --email bench@example.org --name Bench --nation NOR >/dev/null 2>&1
"$bin" admin --data "$data" member add bench/docs bench@example.org reader 2>/dev/null
token="$("$bin" admin --data "$data" token add --email bench@example.org 2>/dev/null)"
head -c 100000 /dev/urandom >"$work/doc.bin"
mkdir -p "$work/in" "$work/in-text" && mv "$work/doc.bin" "$work/in/doc.bin"
id="$("$bin" import "$work/in" --data "$data" --community bench/docs 2>/dev/null | cut -f1)"
# A real 100 kB text, watermarked per download (the .bin above is not
# markable, so it measures the path without marking).
for _ in 1 2 3; do cat /usr/share/common-licenses/GPL-3; done | head -c 100000 >"$work/in-text/doc.txt"
text_id="$("$bin" import "$work/in-text" --data "$data" --community bench/docs 2>/dev/null | cut -f1)"
"$bin" serve --data "$data" --config "$work/rampart.toml" --listen 127.0.0.1:18181 >"$work/serve.log" 2>&1 &
rpid=$!
sleep 1
meta="$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:18181/api/v1/documents/$id")"
mkdir -p "$work/www"
printf '%s' "$meta" >"$work/www/meta.json"
cp "$work/in/doc.bin" "$work/www/doc.bin"
cp "$work/in-text/doc.txt" "$work/www/doc.txt"
# nginx workers run unprivileged: let them read what they serve.
chmod 755 "$work" && chmod -R a+rX "$work/www"
cat >"$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:18182; root $work/www; }
}
NGINX
nginx -c "$work/nginx.conf"
sleep 0.5
run() {
  local name="$1"; shift
  local out
  out="$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$@")"
  printf '%-34s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$name" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" \
    "$(awk '$1=="99%" {print $2}' <<<"$out")" \
    "$(awk '/Non-2xx/ {print $NF}' <<<"$out" | grep . || echo 0)"
}
echo "wrk -t2 -c$conns -d${secs}s on $(nproc) cores; metadata ${#meta} bytes, content 100000 bytes"
run "rampart GET /documents/{id}" -H "Authorization: Bearer $token" "http://127.0.0.1:18181/api/v1/documents/$id"
run "nginx static (same size)" "http://127.0.0.1:18182/meta.json"
run "rampart GET /documents/{id}/content" -H "Authorization: Bearer $token" "http://127.0.0.1:18181/api/v1/documents/$id/content"
run "nginx static 100 kB" "http://127.0.0.1:18182/doc.bin"
run "rampart content, text, watermarked" -H "Authorization: Bearer $token" "http://127.0.0.1:18181/api/v1/documents/$text_id/content"
run "nginx static 100 kB text" "http://127.0.0.1:18182/doc.txt"
