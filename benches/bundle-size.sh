#!/usr/bin/env bash
# What each page makes a browser download before it is interactive: a release build
# (wasm-opt -Oz, erase_components), brotli-compressed as the server sends it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo leptos build --release --frontend-only --precompress >/dev/null
pkg=target/site/pkg
br() { [ -f "$1.br" ] || brotli -q 11 -k -f -o "$1.br" "$1"; stat -c %s "$1.br"; }
wasm=$(br "$pkg/vitrine.wasm"); js=$(br "$pkg/vitrine.js"); css=$(br "$pkg/vitrine.css")
gallery_js=$(brotli -q 11 -c public/gallery.js | wc -c)
signed_in=$((wasm + js + css)); public=$((css + gallery_js))
echo "First load, brotli (goal for signed-in pages: <= 160 KB, i.e. 163840 B)"
printf '  %-44s %8d B  (wasm %d + js %d + css %d)%s\n' "/library, /uploads, /collections, /collections/:id, /login" \
  "$signed_in" "$wasm" "$js" "$css" "$([ "$signed_in" -le 163840 ] && echo '  met' || echo '  NOT MET')"
printf '  %-44s %8d B  (css %d + gallery.js %d; no Wasm)\n' "/, /c/:slug (public, never hydrate)" "$public" "$css" "$gallery_js"
echo "  loaded later, when used: 0 B (one bundle: the app is not split)"
echo "  raw: wasm $(stat -c %s "$pkg/vitrine.wasm") B, js $(stat -c %s "$pkg/vitrine.js") B"
# Put the debug front end back for `make test`/`make run`, without compressed copies of the
# release build beside it (the server would skip them as older, but they are dead weight).
rm -f "$pkg"/*.br "$pkg"/*.gz
cargo leptos build --frontend-only >/dev/null
