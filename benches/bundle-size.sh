#!/usr/bin/env bash
# The hydrate bundle as users download it: a release build (wasm-opt -Oz), brotli-compressed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo leptos build --release --frontend-only --precompress >/dev/null
pkg=target/site/pkg
for f in "$pkg"/vitrine.wasm "$pkg"/vitrine.js; do
  [ -f "$f.br" ] || brotli -q 11 -k -f -o "$f.br" "$f"
done
wasm=$(stat -c %s "$pkg/vitrine.wasm"); wasm_br=$(stat -c %s "$pkg/vitrine.wasm.br")
js=$(stat -c %s "$pkg/vitrine.js"); js_br=$(stat -c %s "$pkg/vitrine.js.br")
echo "Hydrate bundle (release, wasm-opt): wasm ${wasm} B raw, ${wasm_br} B brotli; js ${js} B raw, ${js_br} B brotli"
echo "  total brotli: $(( (wasm_br + js_br) / 1024 )) KiB (goal <= 200 KB)"
# Put the debug front end back for `make test`/`make run`, without stale compressed copies
# that a server could prefer over it.
rm -f "$pkg"/*.br "$pkg"/*.gz
cargo leptos build --frontend-only >/dev/null
