"""``picodec arena build``: a blind pairwise study from a bench run.

    results.json + its cache (crops of every decoded image, and of the originals)
        │
        ├─ conditions: "original" and every (codec, point) with a crop
        ├─ pairs per image: each condition against the nearest-bpp condition of every other
        │  codec, against the next point of its own codec, and the top points against the
        │  original — so every (codec, level) meets the others across the bpp range
        ├─ screening: colour plates; artefact checks and planted pairs (near-lossless vs
        │  heavily compressed, known answer)
        └─ STUDY_DIR/images/<random token>.png — names say nothing about codec or level

study.json holds the private map from tokens to (image, condition); the server never sends
it. Conditions are named "codec@point", the original "original".
"""

from __future__ import annotations

import itertools
import json
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from picodec.arena.screening import colour_plate

STUDY_VERSION = 1
ORIGINAL = "original"
PLATES = (3, 5, 8, 2)  # digits of the colour plates shown in screening
ARTEFACT_CHECKS = 4


def condition(codec: str, point: int) -> str:
    return f"{codec}@{point}"


def _load_results(path: Path) -> tuple[dict[str, Any], Path]:
    if path.is_dir():
        candidates = sorted(path.glob("*.json"))
        if len(candidates) != 1:
            raise ValueError(f"{path} should hold exactly one bench results file")
        path = candidates[0]
    try:
        results = json.loads(path.read_text())
        cache = Path(results["cache"])
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"{path} is not a bench results file ({err})") from err
    if not cache.is_absolute() and not cache.exists():
        cache = path.parent / cache
    if not cache.is_dir():
        raise ValueError(f"the bench cache {cache} is missing: rerun picodec bench")
    return results, cache


def select_pairs(bpp: dict[str, float], top: int = 2) -> list[tuple[str, str]]:
    """Pairs for one image from each condition's bpp (the original has none)."""
    by_codec: dict[str, list[str]] = {}
    for c in sorted(bpp, key=bpp.__getitem__):
        by_codec.setdefault(c.rsplit("@", 1)[0], []).append(c)
    pairs: set[tuple[str, str]] = set()
    for codec, ladder in by_codec.items():
        pairs.update(itertools.pairwise(ladder))
        pairs.update((c, ORIGINAL) for c in ladder[-top:])
        for c in ladder:
            for other, rungs in by_codec.items():
                if other != codec:
                    nearest = min(rungs, key=lambda r: abs(np.log(bpp[r] / bpp[c])))
                    first, second = sorted((c, nearest))
                    pairs.add((first, second))
    return sorted(pairs)


def build(results_path: str | Path, out: str | Path, codecs: list[str] | None = None,
          images: int | None = None) -> dict[str, object]:
    """Write the study folder; returns the study description."""
    results, cache = _load_results(Path(results_path))
    records = [r for r in results["records"] if codecs is None or r["codec"] in codecs]
    names = sorted({str(r["image"]) for r in records})[:images]
    if not names:
        raise ValueError("no images in the results for these codecs")
    out = Path(out)
    if out.exists():
        raise ValueError(f"{out} exists: choose a new study folder")
    work = out.with_name(f".{out.name}.partial")  # renamed into place when complete
    shutil.rmtree(work, ignore_errors=True)
    folder = work / "images"
    folder.mkdir(parents=True)
    files: dict[str, dict[str, str]] = {}

    def add(source: Path | Image.Image, image: str, cond: str) -> str:
        token = secrets.token_hex(12)
        target = folder / f"{token}.png"
        if isinstance(source, Image.Image):
            source.save(target)
        else:  # re-save: drops any metadata the source PNG carries
            with Image.open(source) as im:
                im.convert("RGB").save(target)
        files[token] = {"image": image, "condition": cond}
        return token

    tokens: dict[tuple[str, str], str] = {}
    bpp_of: dict[str, dict[str, float]] = {}
    pairs: list[dict[str, str]] = []
    checks: list[dict[str, str]] = []
    for name in names:
        stem = Path(name).stem
        tokens[name, ORIGINAL] = add(cache / "original" / f"{stem}.png", name, ORIGINAL)
        bpp: dict[str, float] = {}
        for r in records:
            crop = cache / str(r["codec"]) / f"{stem}-{r['point']}.png"
            if r["image"] == name and crop.exists():
                c = condition(r["codec"], r["point"])
                bpp[c] = float(r["bpp"])
                tokens[name, c] = add(crop, name, c)
        bpp_of[name] = bpp
        for a, b in select_pairs(bpp):
            pairs.append({"image": name, "a": a, "b": b})
        for codec in sorted({c.rsplit("@", 1)[0] for c in bpp}):  # its lowest rate: plain artefacts
            lowest = min((c for c in bpp if c.rsplit("@", 1)[0] == codec), key=bpp.__getitem__)
            checks.append({"image": name, "good": ORIGINAL, "bad": lowest})
    conditions = [*sorted({c for b in bpp_of.values() for c in b}), ORIGINAL]
    plates = [{"token": add(colour_plate(d, seed=i), "plate", str(d)), "digit": str(d)}
              for i, d in enumerate(PLATES)]
    study = {
        "version": STUDY_VERSION, "results": str(results_path), "images": names,
        "conditions": {c: {"bpp": float(np.mean([b[c] for b in bpp_of.values() if c in b]))
                           if c != ORIGINAL else None} for c in conditions},
        "bpp": bpp_of, "tokens": {f"{i}|{c}": t for (i, c), t in tokens.items()},
        "files": files, "pairs": pairs, "checks": checks, "plates": plates,
        "artefact_checks": ARTEFACT_CHECKS,
    }
    (work / "study.json").write_text(json.dumps(study, indent=1))
    work.rename(out)
    return study


@dataclass(frozen=True)
class Study:
    """A built study, as the server and the scorer read it."""

    folder: Path
    images: list[str]
    conditions: dict[str, float | None]  # condition -> mean bpp (None for the original)
    tokens: dict[str, str]  # "image|condition" -> image token
    files: dict[str, dict[str, str]]  # token -> {"image", "condition"}
    pairs: list[dict[str, str]]  # {"image", "a", "b"}
    checks: list[dict[str, str]]  # {"image", "good", "bad"}
    plates: list[dict[str, str]]  # {"token", "digit"}
    artefact_checks: int

    def token(self, image: str, cond: str) -> str:
        return self.tokens[f"{image}|{cond}"]


def load(study_dir: str | Path) -> Study:
    folder = Path(study_dir)
    path = folder / "study.json"
    if not path.exists():
        raise ValueError(f"{study_dir} is not a study folder (no study.json)")
    data = json.loads(path.read_text())
    if data.get("version") != STUDY_VERSION:
        raise ValueError(f"{path}: study version {data.get('version')} is not {STUDY_VERSION}")
    return Study(folder, data["images"], {c: v["bpp"] for c, v in data["conditions"].items()},
                 data["tokens"], data["files"], data["pairs"], data["checks"], data["plates"],
                 int(data["artefact_checks"]))
