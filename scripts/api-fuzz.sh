#!/usr/bin/env bash
# The JSON API against its own OpenAPI document, under schemathesis: a real
# server on a loopback port with realistic data (a portal, a community, a
# few documents, a second account), every operation fuzzed with a bounded
# number of examples and a fixed seed, plus the stateful phase that follows
# the document's links. Fails on any server error, undocumented status,
# content type or body, or schema-valid request the server refuses.
#
#   scripts/api-fuzz.sh            (examples per operation: $FUZZ_EXAMPLES, default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/rampart-target}"
tools=/var/tmp/rampart-tools
st_version=4.32.5
if [ "$("$tools/st/bin/st" --version 2>/dev/null)" != "st, version $st_version" ]; then
  echo "== installing schemathesis $st_version into $tools/st (once)"
  python3 -m venv "$tools/st"
  "$tools/st/bin/pip" install --quiet "schemathesis==$st_version"
fi

cargo build --quiet --bin rampart
bin="$CARGO_TARGET_DIR/debug/rampart"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
data="$work/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The guard's budgets are raised so that a thousand requests from one token
# exercise the API rather than the guard (whose refusals are documented
# answers too, and tested elsewhere).
cat > "$work/rampart.toml" <<EOF
[http]
public_url = "http://localhost:$port"
[guard.budgets.reader]
downloads_per_minute = 100000
downloads_per_hour = 100000
downloads_per_day = 100000
bytes_per_minute = 100000000000
bytes_per_hour = 100000000000
bytes_per_day = 100000000000
distinct_documents_per_7_days = 1000
[guard.budgets.contributor]
downloads_per_minute = 100000
downloads_per_hour = 100000
downloads_per_day = 100000
bytes_per_minute = 100000000000
bytes_per_hour = 100000000000
bytes_per_day = 100000000000
distinct_documents_per_7_days = 1000
[guard.scoring]
step_up_at = 1000000
throttle_at = 1000000
suspend_at = 1000000
library_share_percent = 100
library_share_min_documents = 100000
EOF
admin() { "$bin" admin --data "$data" --config "$work/rampart.toml" "$@"; }
"$bin" serve --data "$data" --config "$work/rampart.toml" --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
admin portal add alpha "Alpha" >/dev/null
admin community add alpha ops "Operations" >/dev/null
admin user add --email ann@example.org --name "Ann Analyst" --nation NOR >/dev/null
admin user add --email bob@example.org --name "Bob Reader" --nation FRA >/dev/null
admin member add alpha/ops ann@example.org contributor >/dev/null
admin member add alpha/ops bob@example.org reader >/dev/null
admin user add --email sec@example.org --name "Sec Officer" --nation BEL --role security >/dev/null
admin user add --email adm@example.org --name "Adm Inistrator" --nation BEL --role admin >/dev/null
mkdir -p "$work/docs"
for i in 1 2 3; do
  printf 'Lessons learned %s\n\nConvoy timing, fuel and spare parts.\n' "$i" > "$work/docs/lessons-$i.txt"
done
"$bin" import "$work/docs" --community alpha/ops --data "$data" --config "$work/rampart.toml" >/dev/null
# One pass per kind of caller: a contributor over every operation, then a
# security officer and an administrator over the operations only they see
# (to anyone else those answer 404, by design).
fuzz() {
  local email=$1
  shift
  RAMPART_FUZZ_TOKEN=$(admin token add --email "$email" --name fuzz)
  export RAMPART_FUZZ_TOKEN
  echo "== schemathesis as $email"
  "$tools/st/bin/st" --config-file scripts/schemathesis.toml \
    run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,positive_data_acceptance \
    --max-examples "${FUZZ_EXAMPLES:-30}" \
    --seed 20261204 \
    --workers 1 \
    "$@"
}
fuzz ann@example.org
fuzz sec@example.org --include-tag security
fuzz adm@example.org --include-tag admin
