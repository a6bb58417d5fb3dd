#!/usr/bin/env bash
# Re-measure everything in docs/results after the weights of a shipped model change.
#
#   [CACHE=runs/kodak_full.cache] bash benchmarks/refresh_results.sh MODEL [MODEL ...]
#
# Every shipped model is benched; the reference codecs' points and those of the other
# models stay in CACHE (they did not change; a missing CACHE is seeded from the committed
# results by benchmarks/seed_cache.py); the named MODELs' are redone.
# Then: the per-level tables against JPEG, BD-rate tables against every anchor (and `mse`),
# the plots and report, the speed figures and the golden bitstream. The model cards need
# their training runs: python benchmarks/model_card.py --model MODEL --run RUN --kodak ...
# (--refresh instead of --run rewrites only the measured tables of an existing card;
# --against-mse docs/results/bdrate_vs_picodec-mse.md ends it with its BD-rate against mse).
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: bash benchmarks/refresh_results.sh MODEL [MODEL ...]" >&2; exit 2; }
cd "$(dirname "$0")/.."
# the committed tables have butteraugli columns: a machine without the tool would drop them
command -v butteraugli_main >/dev/null || { echo "butteraugli_main not found: apt install libjxl-devtools" >&2; exit 1; }
CACHE=${CACHE:-runs/kodak_full.cache}
KODAK=../shared/data/kodak
OUT=docs/results
SHIPPED=$(python -c "from picodec import weights; print(','.join(f'picodec-{m}' for m in weights.available()))")
CODECS=$SHIPPED,jpeg,jpegli,webp,avif,avif-slow,jxl,heic

[ -d "$CACHE" ] || python benchmarks/seed_cache.py --results "$OUT/kodak.json" --cache "$CACHE"
for model in "$@"; do rm -rf "$CACHE/picodec-$model"; done
picodec bench "$KODAK" --codecs "$CODECS" --out "$OUT/kodak.json" --cache "$CACHE"
for model in "$@"; do
  python benchmarks/kodak_vs_jpeg.py --model "$model" --results "$OUT/kodak.json"
done
for anchor in avif webp jxl jpeg picodec-mse; do
  picodec bdrate "$OUT/kodak.json" --anchor "$anchor" > "$OUT/bdrate_vs_$anchor.md"
done
picodec plot "$OUT/kodak.json" --out "$OUT/report"
python benchmarks/speed.py > "$OUT/speed.json"
for level in 0 7; do python benchmarks/speed.py --level $level > "$OUT/speed-level$level.json"; done
python -m tests.golden.regenerate
