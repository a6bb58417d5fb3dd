#!/usr/bin/env bash
# Re-measure everything in docs/results after the weights of a shipped model change.
#
#   bash benchmarks/refresh_results.sh MODEL [CACHE]
#
# Every shipped model is benched; the reference codecs' points and those of the other
# models stay in CACHE (they did not change); MODEL's are redone.
# Then: the per-level table against JPEG, BD-rate tables against every anchor, the plots and
# report, the speed figures and the golden bitstream. The model card needs its training run:
# python benchmarks/model_card.py --model MODEL --run RUN --kodak ... --speed ...
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=$1
CACHE=${2:-runs/kodak_full.cache}
KODAK=../shared/data/kodak
OUT=docs/results
SHIPPED=$(python -c "from picodec import weights; print(','.join(f'picodec-{m}' for m in weights.available()))")
CODECS=$SHIPPED,jpeg,jpegli,webp,avif,avif-slow,jxl,heic

rm -rf "$CACHE/picodec-$MODEL"
picodec bench "$KODAK" --codecs "$CODECS" --out "$OUT/kodak.json" --cache "$CACHE"
python benchmarks/kodak_vs_jpeg.py --model "$MODEL" --results "$OUT/kodak.json"
for anchor in avif webp jxl jpeg; do
  picodec bdrate "$OUT/kodak.json" --anchor "$anchor" > "$OUT/bdrate_vs_$anchor.md"
done
picodec plot "$OUT/kodak.json" --out "$OUT/report"
python benchmarks/speed.py > "$OUT/speed.json"
python -m tests.golden.regenerate
