#!/usr/bin/env bash
# Real-documents check of `rampart triage` (not part of `cargo test`).
#
# Indexes the Documentation/ text files of Debian's linux-doc-6.1 with
# `rampart import`, then triages the linux-doc-6.12 versions and prints the
# accuracy per expected verdict. Ground truth by path: same bytes in 6.1 →
# genuine; same path, other bytes (revised) → altered; path not in 6.1 but
# file name unique in 6.1 (moved) → genuine/altered via the old file
# (weak ground truth, shown separately); file name not in 6.1 (new) →
# unknown. Files under 50 words are skipped (as in the docmatch README).
#
# Usage: scripts/triage-linux-doc.sh [WORKDIR]   (RAMPART=path/to/rampart)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d /tmp/triage-linux-doc.XXXXXX)}
RAMPART=${RAMPART:-$ROOT/target/release/rampart}
if [ ! -x "$RAMPART" ]; then
    (cd "$ROOT" && cargo build --release --bin rampart)
fi
mkdir -p "$WORK" && cd "$WORK"
echo "work dir: $WORK" >&2

ls linux-doc-6.1_*.deb >/dev/null 2>&1 || apt-get download linux-doc-6.1
ls linux-doc-6.12_*.deb >/dev/null 2>&1 || apt-get download linux-doc-6.12

unpack() { # deb → dir of decompressed .rst/.txt with >= 50 words
    local deb=$1 out=$2
    [ -d "$out" ] && return
    rm -rf "pkg-$out" && mkdir -p "pkg-$out" "$out"
    dpkg-deb -x "$deb" "pkg-$out"
    local docs
    docs=$(find "pkg-$out" -type d -name Documentation | head -n 1)
    (cd "$docs" && find . -type f \( -name '*.rst.gz' -o -name '*.txt.gz' -o -name '*.rst' -o -name '*.txt' \)) |
    while read -r f; do
        local rel=${f#./} dest
        dest="$out/${rel%.gz}"
        mkdir -p "$(dirname "$dest")"
        case $f in *.gz) gzip -dc "$docs/$rel" >"$dest" ;; *) cp "$docs/$rel" "$dest" ;; esac
        [ "$(wc -w <"$dest")" -ge 50 ] || rm -f "$dest"
    done
    rm -rf "pkg-$out"
}
unpack linux-doc-6.1_*.deb old
unpack linux-doc-6.12_*.deb new
echo "old: $(find old -type f | wc -l) files, new: $(find new -type f | wc -l) files" >&2

DATA=$WORK/data
if [ ! -e "$DATA/rampart.db" ]; then
    export RAMPART_LOG=warn
    "$RAMPART" admin portal add kernel "Kernel" --data "$DATA" >/dev/null
    "$RAMPART" admin community add kernel docs "Documentation" --data "$DATA"
    start=$(date +%s)
    "$RAMPART" import old --community kernel/docs --data "$DATA" >import.log
    echo "import: $(( $(date +%s) - start )) s" >&2
fi

start=$(date +%s.%N)
RAMPART_LOG=warn "$RAMPART" triage new --data "$DATA" --json report.json --html report.html --quiet >summary.txt
end=$(date +%s.%N)
cat summary.txt | head -n 8
echo "triage wall time: $(echo "$end - $start" | bc) s"

python3 - <<'PY'
import json, os, collections
report = json.load(open("report.json"))
old = {}
names = collections.Counter()
for d, _, fs in os.walk("old"):
    for f in fs:
        p = os.path.join(d, f)
        old[os.path.relpath(p, "old")] = open(p, "rb").read()
        names[f] += 1
rows = collections.defaultdict(collections.Counter)
for item in report["items"]:
    rel = os.path.relpath(item["path"], "new")
    data = open(os.path.join("new", rel), "rb").read()
    if rel in old:
        truth = "unchanged" if old[rel] == data else "revised"
    elif names[os.path.basename(rel)] == 1:
        truth = "moved"
    elif names[os.path.basename(rel)] == 0:
        truth = "new"
    else:
        truth = "ambiguous"
    rows[truth][item["verdict"]] += 1
expected = {"unchanged": {"genuine"}, "revised": {"altered"},
            "moved": {"genuine", "altered"}, "new": {"unknown"}, "ambiguous": set()}
print(f"{'ground truth':<12} {'expected':<16} {'correct':>18}   got")
expected_names = {k: "/".join(sorted(v)) or "-" for k, v in expected.items()}
for truth in ["unchanged", "revised", "moved", "new", "ambiguous"]:
    c = rows[truth]
    n = sum(c.values())
    ok = sum(v for k, v in c.items() if k in expected[truth])
    pct = 100.0 * ok / n if n and expected[truth] else float("nan")
    got = ", ".join(f"{k} {v}" for k, v in c.most_common())
    print(f"{truth:<12} {expected_names[truth]:<16} {ok:>6}/{n:<5} = {pct:5.1f} %   {got}")
PY
