"""Keep what a GPU call returned, so that the next call, in whatever session is lent one,
goes on from it instead of starting again from the stage-1 model.

    files_at/models/gpu*.safetensors ─► float weights (net.*) as float16 ─┐
    files_at/gpu*.csv, gpu.json ─► steps and seed of the call ────────────┴─► training/gpu/resume/

A lent task has one call of about 7 training minutes, and the text loss's cut at equal bits
was still growing after session 24's 6,700 steps, so the pair must add up over calls.
``training/gpu/resume/`` is committed: ignored folders have not always outlived a session.
Each call starts a fresh Adam and discriminator from these weights (as session 24's calls
did) and draws its crops with the next seed. run.sh reads the folder; pack.py leaves room
for it in what travels.

    .venv/bin/python training/gpu/keep.py FILES_AT
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from safetensors.torch import load_file, save_file

from picodec.train.checkpoint import read_metadata

ARMS = ("gpu", "gpu-notext")  # as run.sh names them
RESUME = Path("training/gpu/resume")
HISTORY = "history.json"


def halved(source: Path, target: Path) -> None:
    """The float weights a stage-2 ``init`` needs (``net.*``) in float16, with the metadata."""
    tensors = {k: v.half() if v.is_floating_point() else v
               for k, v in load_file(str(source)).items() if k.startswith("net.")}
    save_file(tensors, str(target), metadata=read_metadata(source))


def last_step(log: Path) -> int:
    """The steps of a training log up to its last row (rows every 10 steps: up to 9 short)."""
    with log.open() as f:
        rows = list(csv.DictReader(f))
    return int(rows[-1]["step"]) + 1 if rows else 0


def keep(returned: Path, resume: Path = RESUME) -> dict:
    """Store the returned pair in ``resume`` and add the call to its history."""
    history_path = resume / HISTORY
    history = json.loads(history_path.read_text()) if history_path.exists() else {"calls": []}
    config = json.loads((returned / "gpu.json").read_text())
    resume.mkdir(parents=True, exist_ok=True)
    for arm in ARMS:
        halved(returned / "models" / f"{arm}.safetensors", resume / f"{arm}.safetensors")
    history["calls"].append({"seed": config["seed"], "batch": config["batch"],
                             "steps": {arm: last_step(returned / f"{arm}.csv") for arm in ARMS}})
    history["next_seed"] = config["seed"] + 1
    history["steps"] = {arm: sum(c["steps"][arm] for c in history["calls"]) for arm in ARMS}
    history_path.write_text(json.dumps(history, indent=1) + "\n")
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("returned", type=Path, help="the folder a GPU call's files came back in")
    args = parser.parse_args()
    history = keep(args.returned)
    print(f"{RESUME}: {len(history['calls'])} calls, steps {history['steps']}; "
          "commit it, then pack.py and run.sh go on from it")


if __name__ == "__main__":
    main()
