#!/bin/sh
# Scanner benchmark: reads per category and time to hit, cost per frame
# (wall time and callgrind instructions) and the live pipeline; Onboarder's
# decoder side by side with plain zbar, zxing-cpp (when built with it) and
# zxing-cpp 3 as zxing-wasm (when npm and node are there).
#   bench/scan/run.sh BENCH_SCAN [CODES_PER_CATEGORY]
set -u
bench=$1
codes=${2:-50}
here=$(cd "$(dirname "$0")" && pwd)

# zxing-wasm is the benchmark's peer only: installed from npm into this
# git-ignored folder, never a dependency of the build, tests or product.
peer=$here/zxing-wasm
wasm_args=
if command -v node >/dev/null && command -v npm >/dev/null; then
  if [ ! -d "$peer/node_modules/zxing-wasm" ]; then
    mkdir -p "$peer"
    (cd "$peer" && npm install --no-audit --no-fund zxing-wasm@3 >/dev/null) ||
      echo "(zxing-wasm could not be installed from npm: its column stays empty)"
  fi
  if [ -d "$peer/node_modules/zxing-wasm" ]; then
    frames=$(mktemp -d)
    reads=$(mktemp)
    "$bench" dump "$frames" "$codes" &&
      node "$here/zxing-wasm-peer.mjs" "$peer" "$frames" >"$reads" &&
      wasm_args="--wasm $reads"
    rm -rf "$frames"
  fi
else
  echo "(node or npm not found: zxing-wasm's column stays empty)"
fi

echo "== Reads per category, time to hit ($codes codes per category) =="
# zbar's databar decoder (plain zbar has every symbology) prints warnings.
# shellcheck disable=SC2086
"$bench" detect $wasm_args "$codes" 2>/dev/null || echo "(a category misses a target: see the last column)"
[ -n "${reads:-}" ] && rm -f "$reads"

echo
echo "== Cost per frame (wall time) =="
"$bench" cost 34

echo
echo "== Cost per frame (callgrind instructions, only the decode call) =="
for f in scene-720p empty-720p scene-1080p empty-1080p; do
  for mode in plain zxing live; do
    # Live decoding spreads its passes over the frames: count a whole cycle.
    if [ $mode = live ]; then n=34; else n=2; fi
    log=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
      --toggle-collect=bench_decode "$bench" decode $mode $f $n >/dev/null 2>"$log"
    ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$log")
    rm -f "$log"
    echo "  $f $mode: $((ir / n)) instructions per frame"
  done
done

echo
echo "== Live pipeline, 1280x720 at 30 fps, scanning on, 20 s =="
"$bench" live 20
