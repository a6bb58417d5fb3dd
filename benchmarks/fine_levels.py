"""Levels in tenths (picodec.levels): does the rate rise smoothly, and what do the targets gain?

    python benchmarks/fine_levels.py code --out runs/fine/kodak-perceptual.jsonl [--shard 0/2]
        [--tenths FIRST LAST]
    python benchmarks/fine_levels.py report runs/fine/kodak-perceptual*.jsonl

``code`` writes every tenth of a level 0, 0.1, … 7 of every photo as a real ``.pico`` file
and records its bytes, PSNR and SSIMULACRA2 (one JSON line per file; ``--shard i/n`` takes
every n-th photo, so that n processes share the work; ``--tenths 50 60`` codes only those
tenths, to redo the records of a changed part of the ladder). ``report`` reads the records and
prints, per photo set:

- how often a tenth costs fewer bytes or scores lower than the tenth below it (the
  search of ``--max-size`` and ``--min-quality`` assumes neither happens);
- per step between two whole levels, how far the tenths' scores lie above (or below) the
  straight line from one whole level to the next in (log bytes, score);
- ``--min-quality``: the bytes the encoder's search (``picodec.search``, run over the
  recorded files) picks over tenths and over whole levels, for each target, and those of
  the lowest single whole level that brings every photo to the target, and how many tries
  the search over tenths took (bisection takes 6 or 7);
- ``--max-size``: how full the files picked over tenths and over whole levels are, for each
  budget in bits per pixel, and the search's tries.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

import picodec
from picodec import search
from picodec.eval.metrics import psnr, ssimulacra2
from picodec.eval.rd import load_rgb

TENTHS = 71  # 0, 0.1, … 7


def code(data: Path, out: Path, model: str, shard: str, tenths: range) -> None:
    index, count = (int(part) for part in shard.split("/"))
    photos = sorted(data.glob("*.png"))[index::count]
    with out.open("a") as records:
        for photo in photos:
            rgb = load_rgb(photo)
            for tenth in tenths:
                level = tenth / 10
                file = picodec.encode(rgb, level=level, model=model)
                decoded = np.asarray(picodec.decode(file).convert("RGB"))
                record = {"image": photo.name, "tenth": tenth, "bytes": len(file),
                          "pixels": rgb.shape[0] * rgb.shape[1], "psnr": psnr(rgb, decoded),
                          "ssimulacra2": ssimulacra2(rgb, decoded)}
                records.write(json.dumps(record) + "\n")
                records.flush()


def _pick(points: dict[int, dict], grid: list[int], target: float, size: bool) -> search.Found[dict]:
    """The encoder's search over the recorded files at ``grid``'s tenths: the highest whose
    bytes fit ``target`` (``size``), or the lowest that scores ``target`` on SSIMULACRA2."""
    def value(record: dict) -> float:
        return 8 * record["bytes"] / record["pixels"] if size else record["ssimulacra2"]

    shape = search.BITS_PER_PIXEL if size else search.SSIMULACRA2
    goal = 8 * target / points[0]["pixels"] if size else target
    return search.search(lambda i: (value(points[grid[i]]), points[grid[i]]), len(grid), goal, shape,
                         highest=size)


def _photos(files: list[Path]) -> dict[str, dict[int, dict]]:
    """The records of each photo with every tenth recorded, by tenth."""
    per_image: dict[str, dict[int, dict]] = defaultdict(dict)
    for file in files:
        for line in file.read_text().splitlines():
            record = json.loads(line)
            per_image[record["image"]][record["tenth"]] = record
    return {name: points for name, points in per_image.items() if len(points) == TENTHS}


def shape(files: list[Path]) -> None:
    """Print the mean photo's curves of ``picodec.search``: log bits per pixel and
    SSIMULACRA2 at every tenth, averaged over the photos of every records file (one file
    per model), and held where they would fall (SSIMULACRA2 falls at level 2, where the
    scale changes)."""
    photos = [points for file in files for points in _photos([file]).values()]
    curves = {"BITS_PER_PIXEL": ([np.log(8 * p[t]["bytes"] / p[t]["pixels"]) for t in range(TENTHS)]
                                 for p in photos),
              "SSIMULACRA2": ([p[t]["ssimulacra2"] for t in range(TENTHS)] for p in photos)}
    for name, rows in curves.items():
        mean = np.maximum.accumulate(np.mean(list(rows), axis=0))  # a shape never falls
        values = [f"{round(v, 2) + 0.0:.2f}" for v in mean]  # + 0.0: no "-0.00"
        lines = ",\n    ".join(", ".join(values[i:i + 10]) for i in range(0, TENTHS, 10))
        print(f"{name} = Shape(log={name == 'BITS_PER_PIXEL'}, curve=(\n    {lines}))")


def report(files: list[Path], targets: list[float], budgets: list[float]) -> None:
    per_image = _photos(files)
    tenths, wholes = list(range(TENTHS)), list(range(0, TENTHS, 10))
    steps = len(per_image) * (TENTHS - 1)
    cheaper = sum(p[t + 1]["bytes"] < p[t]["bytes"] for p in per_image.values() for t in range(TENTHS - 1))
    worse = sum(p[t + 1]["ssimulacra2"] < p[t]["ssimulacra2"]
                for p in per_image.values() for t in range(TENTHS - 1))
    ratios = [p[t + 1]["bytes"] / p[t]["bytes"] for p in per_image.values() for t in range(TENTHS - 1)]
    print(f"{len(per_image)} photos, levels 0-7 in tenths: {steps} steps of a tenth, "
          f"{cheaper} of them cost fewer bytes than the tenth below, {worse} score lower on "
          f"SSIMULACRA2; bytes per step: median x{np.median(ratios):.3f}, largest x{max(ratios):.3f}\n")

    print("| levels | bytes, next level / this | tenths above the line: SSIMULACRA2 | PSNR, dB |")
    print("|---|---|---|---|")
    for low in range(0, TENTHS - 1, 10):
        growth, above = [], {"ssimulacra2": [], "psnr": []}
        for p in per_image.values():
            a, b = p[low], p[low + 10]
            growth.append(b["bytes"] / a["bytes"])
            for t in range(low + 1, low + 10):
                share = np.log(p[t]["bytes"] / a["bytes"]) / np.log(b["bytes"] / a["bytes"])
                for metric, values in above.items():
                    values.append(p[t][metric] - (a[metric] + share * (b[metric] - a[metric])))
        print(f"| {low // 10}–{low // 10 + 1} | x{np.mean(growth):.2f} | "
              f"{np.mean(above['ssimulacra2']):+.2f} | {np.mean(above['psnr']):+.3f} |")

    print("\n| SSIMULACRA2 target | one level for all photos: level, bytes | --min-quality over "
          "whole levels, bytes | over tenths, bytes | tenths save against one level | against "
          "whole levels | photos no level brings there | missed by the search (tenths) | tries "
          "(tenths) |")
    print("|---|---|---|---|---|---|---|---|---|")
    all_tries: dict[str, list[int]] = {"quality": [], "size": []}
    for target in targets:
        def good(record, target=target):
            return record["ssimulacra2"] >= target

        whole = sum(_pick(p, wholes, target, size=False).file["bytes"] for p in per_image.values())
        found = [_pick(p, tenths, target, size=False) for p in per_image.values()]
        fine = sum(f.file["bytes"] for f in found)
        unreachable = sum(not any(good(r) for r in p.values()) for p in per_image.values())
        missed = sum(f.file["ssimulacra2"] < target for f in found) - unreachable
        fixed = next((t for t in wholes if all(good(p[t]) for p in per_image.values())), None)
        if fixed is None:
            one, saved = "none", ""
        else:
            fixed_bytes = sum(p[fixed]["bytes"] for p in per_image.values())
            one, saved = f"{fixed // 10}, {fixed_bytes:,}", f"{1 - fine / fixed_bytes:.1%}"
        all_tries["quality"] += [f.tries for f in found]
        print(f"| {target:g} | {one} | {whole:,} | {fine:,} | {saved} | {1 - fine / whole:.1%} | "
              f"{unreachable} | {missed} | {np.mean([f.tries for f in found]):.1f} |")

    print("\n| budget, bpp | files filled, whole levels | filled, tenths | photos that fit no level "
          "| tries (tenths) |")
    print("|---|---|---|---|---|")
    for bpp in budgets:
        fills: dict[str, list[float]] = {"whole": [], "tenths": []}
        misses, tries = 0, []
        for p in per_image.values():
            budget = bpp * p[0]["pixels"] / 8
            for name, grid in (("whole", wholes), ("tenths", tenths)):
                fit = _pick(p, grid, budget, size=True)
                if name == "tenths":
                    tries.append(fit.tries)
                if not fit.met:
                    misses += name == "whole"
                else:
                    fills[name].append(fit.file["bytes"] / budget)
        print(f"| {bpp:g} | {np.mean(fills['whole']):.1%} (lowest {min(fills['whole']):.1%}) | "
              f"{np.mean(fills['tenths']):.1%} (lowest {min(fills['tenths']):.1%}) | {misses} | "
              f"{np.mean(tries):.1f} |")
        all_tries["size"] += tries
    print("\nTries of the search over tenths, all targets and budgets above: "
          + "; ".join(f"{name} {np.mean(n):.2f} on average, at most {max(n)}, more than 7 (bisection's "
                      f"most) {sum(k > 7 for k in n)} of {len(n)} times" for name, n in all_tries.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step", required=True)
    p = steps.add_parser("code", help="code every tenth of every photo, record bytes and scores")
    p.add_argument("--data", type=Path, default=Path("../shared/data/kodak"))
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--model", default="perceptual")
    p.add_argument("--shard", default="0/1", help="i/n: every n-th photo from the i-th")
    p.add_argument("--tenths", type=int, nargs=2, default=[0, TENTHS - 1], metavar=("FIRST", "LAST"))
    p = steps.add_parser("report", help="tables from the records")
    p.add_argument("records", type=Path, nargs="+")
    p.add_argument("--targets", type=float, nargs="+", default=[30, 40, 50, 60, 70])
    p.add_argument("--budgets", type=float, nargs="+", default=[0.15, 0.3, 0.5, 0.8])
    p = steps.add_parser("shape", help="the mean photo's curves for picodec.search")
    p.add_argument("records", type=Path, nargs="+", help="one records file per model")
    args = parser.parse_args(argv)
    if args.step == "code":
        first, last = args.tenths
        code(args.data, args.out, args.model, args.shard, range(first, last + 1))
    elif args.step == "shape":
        shape(args.records)
    else:
        report(args.records, args.targets, args.budgets)


if __name__ == "__main__":
    main()
