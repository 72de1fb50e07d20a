#!/bin/sh
# Scanner benchmark: reads per category and time to hit, cost per frame
# (wall time and callgrind instructions) and the live pipeline; Onboarder's
# decoder side by side with plain zbar and zxing-cpp (when built with it).
#   bench/scan/run.sh BENCH_SCAN [CODES_PER_CATEGORY]
set -u
bench=$1
codes=${2:-50}

echo "== Reads per category, time to hit ($codes codes per category) =="
# zbar's databar decoder (plain zbar has every symbology) prints warnings.
"$bench" detect "$codes" 2>/dev/null || echo "(a category misses a target: see the last column)"

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
