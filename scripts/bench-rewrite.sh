#!/usr/bin/env bash
# Issue-25 benchmark: what the semantic matcher costs triage (prints
# figures; not part of `cargo test`).
#
# On the install and dump of scripts/bench-triage.sh (generated once and
# cached under $BENCH_DIR), fills the passage index (`rampart-bench
# passages`: $REAL versions embedded for real, which gives the index build
# rate, the rest with as many random passages each), then measures with
# /usr/bin/time -v, on a warm page cache, `rampart triage` over the whole
# dump with the matcher off and on, and prints their ratio (goal: on ≤ 1.5 ×
# off), both peak RSS (goal ≤ 1 GiB) and what the model called rewritten
# (the dump holds no rewrite: every `rewritten` is a false one).
#
# Usage: scripts/bench-rewrite.sh   (env: VERSIONS=10000 FILES=3000 DUMP_MB=1000
#   REAL=5 BENCH_DIR=/var/tmp/rampart-bench CARGO_TARGET_DIR)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSIONS=${VERSIONS:-10000}
FILES=${FILES:-3000}
DUMP_MB=${DUMP_MB:-1000}
REAL=${REAL:-5}
BASE=${BENCH_DIR:-/var/tmp/rampart-bench}
WORK=$BASE/v$VERSIONS-f$FILES-mb$DUMP_MB
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$CARGO_TARGET_DIR/release
export RAMPART_LOG=${RAMPART_LOG:-warn}
MODEL=$(bash "$ROOT/scripts/fetch-model.sh")

[ -n "${SKIP_BUILD:-}" ] || (cd "$ROOT" && nice -n 10 cargo build --release -p rampart -p rampart-bench)
[ -x /usr/bin/time ] || apt-get install -y time

mkdir -p "$WORK"
cd "$WORK"
if [ ! -s dump.truth.json ]; then
    rm -rf data dump subsets
    echo "generating $VERSIONS versions and a $FILES-file dump in $WORK (cached for later runs)" >&2
    nice -n 10 "$BIN/rampart-bench" generate --data data --dump dump \
        --versions "$VERSIONS" --files "$FILES" --dump-mb "$DUMP_MB" 2>&1 | tee generate.log >&2
fi
if [ ! -s passages.log ]; then
    "$BIN/rampart-bench" passages --data data --model "$MODEL" --real "$REAL" | tee passages.log
fi
cat dump/* >/dev/null # warm page cache

measure() {
    local label=$1
    shift
    echo "running: $label" >&2
    /usr/bin/time -v -o "time-$label.txt" "$@" >"out-$label.txt" 2>"err-$label.txt" || {
        echo "$label failed:" >&2
        tail -n 20 "err-$label.txt" >&2
        exit 1
    }
}
measure semantic-off "$BIN/rampart" triage dump --data data --json report-off.json --quiet
RAMPART_SEMANTIC__MODEL_DIR=$MODEL measure semantic-on "$BIN/rampart" triage dump --data data --json report-on.json --quiet

python3 - <<'PY'
import json, re
def timing(label):
    text = open(f"time-{label}.txt").read()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (.*)", text).group(1).strip()
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return secs, rss / 1024
off, on = timing("semantic-off"), timing("semantic-on")
r_off, r_on = json.load(open("report-off.json")), json.load(open("report-on.json"))
print()
print(open("passages.log").read().strip())
print(f"triage, matcher off: {off[0]:8.1f} s, peak RSS {off[1]:7.1f} MiB; summary {r_off['summary']}")
print(f"triage, matcher on:  {on[0]:8.1f} s, peak RSS {on[1]:7.1f} MiB; summary {r_on['summary']}")
ratio = on[0] / off[0]
print(f"goal on <= 1.5 x off: ratio {ratio:.2f}  {'MET' if ratio <= 1.5 else 'NOT MET'}")
print(f"goal peak RSS <= 1 GiB: {on[1]:.0f} MiB  {'MET' if on[1] <= 1024 else 'NOT MET'}")
changed = [(a['path'], a['verdict'], b['verdict']) for a, b in zip(r_off['items'], r_on['items']) if a['verdict'] != b['verdict']]
print(f"verdicts the matcher changed: {len(changed)} (the dump holds no rewrite){': ' + str(changed[:5]) if changed else ''}")
for n in r_on["notes"]:
    if "semantic" in n:
        print("note:", n)
PY
