#!/bin/sh
# Scanner benchmark: detection per category, cost per frame (wall time and
# callgrind instructions) and the live pipeline, side by side with plain zbar.
#   bench/scan/run.sh BENCH_SCAN SOURCE_ROOT
set -eu
bench=$1
root=$2
out=$root/bench/out/scan-corpus

if [ ! -f "$out/manifest.tsv" ]; then
  echo "Generating the corpus in $out (once)..."
  python3 "$root/bench/scan/gen-corpus.py" "$root/data/samples/labels.txt" "$out" --per-category 8
fi

echo "== Detection =="
"$bench" detect "$out/manifest.tsv" || echo "(a category is below its target)"

echo
echo "== Live strategies (how the default was chosen) =="
"$bench" strategies "$out/manifest.tsv"

echo
echo "== Cost per frame (wall time) =="
for f in scene-720p/00 empty-720p/00 scene-1080p/00 empty-1080p/00; do
  "$bench" cost "$out/$f.pgm" 34
done

echo
echo "== Cost per frame (callgrind instructions, only the decode call) =="
for f in scene-720p/00 empty-720p/00 scene-1080p/00 empty-1080p/00; do
  for mode in plain live; do
    # Live decoding spreads its passes over 34 frames (17 coarse passes
    # alternating with half-resolution ones): count a whole cycle.
    if [ $mode = live ]; then n=34; else n=2; fi
    log=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
      --toggle-collect=bench_decode "$bench" decode $mode "$out/$f.pgm" $n >/dev/null 2>"$log"
    ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$log")
    rm -f "$log"
    echo "  $f $mode: $((ir / n)) instructions per frame"
  done
done

echo
echo "== Live pipeline, 1280x720 at 30 fps, scanning on, 20 s =="
"$bench" live "$out/scene-720p/00.png" 20
