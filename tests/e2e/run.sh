#!/usr/bin/env bash
# Browser test of the web UI: installs Chromium and playwright-core if they
# are missing, starts a real `rampart serve` on a random port with a fresh
# data dir, and runs the Playwright script against it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
  (cd "$here" && npm install --no-audit --no-fund --silent)
fi

# The integration-test build already produces the binary (with the same
# feature set), so this is a no-op after `cargo test`.
cargo test --quiet --manifest-path "$root/Cargo.toml" --no-run --test it 2>/dev/null
bin="${CARGO_TARGET_DIR:-$root/target}/debug/rampart"
data="$(mktemp -d)"
log="$data/serve.log"
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

export RAMPART_LOG=warn
"$bin" admin --data "$data" portal add alpha "Alpha portal" 2>/dev/null
"$bin" admin --data "$data" community add alpha ops "Operations" 2>/dev/null
otp="$("$bin" admin --data "$data" user add --email e2e@example.org --name "E2E User" --nation NOR 2>/dev/null)"
"$bin" admin --data "$data" member add alpha/ops e2e@example.org contributor 2>/dev/null
otp2="$("$bin" admin --data "$data" user add --email passkey@example.org --name "Passkey User" --nation NOR 2>/dev/null)"
member_otp="$("$bin" admin --data "$data" user add --email member@example.org --name "Maria Member-Example With A Long Name" --nation NOR 2>/dev/null)"
"$bin" admin --data "$data" member add alpha/ops member@example.org contributor 2>/dev/null
officer_otp="$("$bin" admin --data "$data" user add --email officer@example.org --name "Olaf Officer" --nation NOR --role security 2>/dev/null)"
admin_otp="$("$bin" admin --data "$data" user add --email admin@example.org --name "Ada Admin" --nation NOR --role admin 2>/dev/null)"

# Passkeys need a host name as relying party (an IP address cannot be a
# WebAuthn RP id) and the exact origin the browser uses, port included: the
# server gets a free port chosen here and public_url http://localhost:PORT.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
RAMPART_HTTP__PUBLIC_URL="http://localhost:$port" \
  "$bin" serve --data "$data" --listen "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  addr="$(sed -n 's/^Rampart is listening on \(http:\/\/[^ ]*\).*/\1/p' "$log")"
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { cat "$log"; echo "server did not start"; exit 1; }

BASE="http://localhost:$port" EMAIL="e2e@example.org" OTP="$otp" node --test "$here/upload.test.mjs"
BASE="http://localhost:$port" EMAIL="passkey@example.org" OTP="$otp2" node --test "$here/passkey.test.mjs"
# A triage report to lay out: two documents of ours, a dump holding a
# paraphrase of one (rewritten, with the model; unknown without it), an
# exact copy of the other under a long file name, and a file not ours.
triage="$data/triage"
mkdir -p "$triage/src" "$triage/dump"
cal="$root/calibration/rewrites"
cp "$cal/sources/01-wal.txt" "$cal/sources/02-atomiccommit.txt" "$triage/src/"
cp "$cal/positives/paraphrase/02-atomiccommit.txt" "$triage/dump/paraphrase.txt"
cp "$cal/sources/01-wal.txt" "$triage/dump/Write-ahead_logging_reference_copy_for_partner_review_final_v2.txt"
cp "$cal/negatives/unrelated/$(ls "$cal/negatives/unrelated" | head -n 1)" "$triage/dump/"
if [ -n "${RAMPART_MODEL_DIR:-}" ]; then export RAMPART_SEMANTIC__MODEL_DIR="$RAMPART_MODEL_DIR"; fi
"$bin" admin --data "$triage/d" portal add alpha "Alpha portal" 2>/dev/null
"$bin" admin --data "$triage/d" community add alpha ops "Operations" 2>/dev/null
"$bin" import "$triage/src" --community alpha/ops --data "$triage/d" >/dev/null 2>&1
"$bin" reindex --data "$triage/d" >/dev/null 2>&1
"$bin" triage "$triage/dump" --data "$triage/d" --html "$triage/report.html" --quiet >/dev/null
unset RAMPART_SEMANTIC__MODEL_DIR

BASE="http://localhost:$port" TRIAGE_REPORT="$triage/report.html" MEMBER_OTP="$member_otp" OFFICER_OTP="$officer_otp" ADMIN_OTP="$admin_otp" \
  SHOTS="${SHOTS:-${CARGO_TARGET_DIR:-$root/target}/e2e-screenshots}" node --test "$here/layout.test.mjs"
