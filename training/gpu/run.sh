#!/usr/bin/env bash
# One call on a lent GPU: the TextFidelityLoss ablation pair, side by side until the
# config's time budget (`minutes`) ends, each exported into $OUT with its log.
#
#   here:    .venv/bin/python training/gpu/pack.py        once; writes .gpu/ (ignored)
#   device:  run(command="bash training/gpu/run.sh", carry=[".gpu"], timeout_s=600)
#   here:    .venv/bin/python training/gpu/keep.py <files_at>; commit training/gpu/resume
#            PICODEC_MODEL_PATH=<files_at>/models python benchmarks/ablation.py \
#              --models gpu,gpu-notext ...   (training/README.md)
#
# Environment: CONFIG (default training/gpu/text-ablation.json), OUT (default runs/gpu),
# and MINUTES, BATCH, WORKERS, DEVICE to override the config's fields.
set -euo pipefail
CONFIG=${CONFIG:-training/gpu/text-ablation.json}
OUT=${OUT:-runs/gpu}
RUNS=$(mktemp -d)
trap 'rm -rf "$RUNS"' EXIT
nvidia-smi -L 2>/dev/null || echo "no GPU seen"  # which card gave the step rate
mkdir -p "$OUT/models"
python3 -c "import constriction" 2>/dev/null ||
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .gpu/whl/*.whl
export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1
# each arm's config: the twin is the same run without the text loss; where an earlier call
# was kept (training/gpu/keep.py), both go on from its weights with the next seed
python3 - "$CONFIG" "$RUNS" <<'PY'
import json, sys
from pathlib import Path
cfg, runs, resume = json.load(open(sys.argv[1])), Path(sys.argv[2]), Path("training/gpu/resume")
if (resume / "history.json").exists():
    cfg["seed"] = json.loads((resume / "history.json").read_text())["next_seed"]
for arm, w_text in (("gpu", cfg["w_text"]), ("gpu-notext", 0.0)):
    init = resume / f"{arm}.safetensors"
    arm_cfg = {**cfg, "w_text": w_text, "init": str(init) if init.exists() else cfg["init"]}
    (runs / f"{arm}.json").write_text(json.dumps(arm_cfg, indent=1))
    print(arm, "from", arm_cfg["init"], "seed", arm_cfg["seed"])
PY
# worker processes hand batches over in /dev/shm (about 1 GB for the pair): where it is
# smaller, cut the crops in the training processes instead
shm_kb=$(df -k --output=avail /dev/shm 2>/dev/null | tail -n 1 || echo 0)
if [ -z "${WORKERS:-}" ] && [ "${shm_kb:-0}" -lt 2000000 ]; then
  WORKERS=0
  echo "note: /dev/shm has ${shm_kb:-0} kB free; crops are cut in the training processes"
fi
args=(${MINUTES:+--minutes "$MINUTES"} ${BATCH:+--batch "$BATCH"}
      ${WORKERS:+--workers "$WORKERS"} ${DEVICE:+--device "$DEVICE"})
pids=()
for arm in gpu gpu-notext; do
  python3 -m picodec train --config "$RUNS/$arm.json" --out "$RUNS/$arm" "${args[@]}" \
    >"$OUT/$arm.log" 2>&1 &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
for arm in gpu gpu-notext; do
  tail -c 600 "$OUT/$arm.log"; echo
  [ -f "$RUNS/$arm/checkpoint.safetensors" ] || continue
  cp "$RUNS/$arm/log.csv" "$OUT/$arm.csv"
  cp "$RUNS/$arm/config.json" "$OUT/$arm.json"
  python3 -m picodec export "$RUNS/$arm/checkpoint.safetensors" "$OUT/models/$arm.safetensors" \
    --name "$arm"
done
exit $failed
