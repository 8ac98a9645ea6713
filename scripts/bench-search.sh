#!/usr/bin/env bash
# Issue-23 search benchmark (prints figures; not part of `cargo test`).
#
# Builds `rampart` and `rampart-bench` in release, generates (once, cached
# under $BENCH_DIR) an install of $VERSIONS indexed versions through the
# upload path's indexing (match index and search row in one transaction),
# then measures in one run:
#   - search latency, p50/p99, per kind of query (rampart-bench search),
#     against a community listing page measured the same way (reference);
#   - indexing throughput at upload (from the generator's log) and by
#     `rampart reindex` over the same install.
#
# Usage: scripts/bench-search.sh   (env: VERSIONS=100000 QUERIES=200
#   BENCH_DIR=/var/tmp/rampart-bench CARGO_TARGET_DIR)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSIONS=${VERSIONS:-100000}
QUERIES=${QUERIES:-200}
BASE=${BENCH_DIR:-/var/tmp/rampart-bench}
WORK=$BASE/search-v$VERSIONS
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$CARGO_TARGET_DIR/release
export RAMPART_LOG=${RAMPART_LOG:-warn}
[ -n "${SKIP_BUILD:-}" ] || (cd "$ROOT" && nice -n 10 cargo build --release -p rampart -p rampart-bench)
mkdir -p "$WORK"
cd "$WORK"
if [ ! -s generate.log ] || ! grep -q "^corpus:" generate.log; then
    rm -rf data dump
    echo "generating $VERSIONS versions in $WORK (cached for later runs)" >&2
    "$BIN/rampart-bench" generate --data data --dump dump \
        --versions "$VERSIONS" --files 30 --dump-mb 5 2>&1 | tee generate.log >&2
fi
echo "== indexing at upload"
grep "^corpus:" generate.log
"$BIN/rampart-bench" search --data data --queries "$QUERIES"
echo "== indexing by rampart reindex"
start=$(date +%s.%N)
"$BIN/rampart" reindex --data data 2>&1 | tail -1
end=$(date +%s.%N)
python3 -c "print(f'reindex: {$VERSIONS / ($end - $start):.0f} versions/s')"
