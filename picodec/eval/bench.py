"""``picodec bench``: sweep codecs over a folder of images with real files and metrics.

    (codec, image) tasks ─► worker processes ─► per point: encode ─► bytes ─► decode
                                                           └► metrics, timing, a crop
    every finished point is cached as JSON: an interrupted run resumes where it stopped.

Results file (one JSON schema for every tool that reads it):
    {"version": 1, "data": …, "codecs": {name: {"settings", "points"}}, "metrics": […],
     "notes": […], "records": [{codec, image, point, bytes, bpp, encode_s, decode_s,
                                 <metric>: value, …}, …]}
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
from PIL import Image

from picodec.eval import codecs
from picodec.eval.artifacts import MASK_VERSION, has_seams, seam_error, seam_excess, text_mae, text_mask
from picodec.eval.metrics import butteraugli, flip, lpips, ms_ssim, psnr, psnr_y, ssimulacra2
from picodec.imageio import IMAGE_SUFFIXES

RESULTS_VERSION = 1
CROP = 256
DEFAULT_CODECS = ("picodec", "jpeg", "webp", "avif", "jxl", "heic")
HIGHER_IS_BETTER = {"psnr": True, "psnr_y": True, "ms_ssim": True, "ssimulacra2": True,
                    "butteraugli": False, "butteraugli_p3": False, "flip": False, "lpips": False,
                    "text_mae": False, "seam_error": False, "seam_excess": False}
SEAM_TILE = 256  # seams are measured on this grid (picodec@256 has its seams there)
SEAM_METRICS = {"seam_error", "seam_excess"}
PER_IMAGE_METRICS = {"text_mae"} | SEAM_METRICS  # recorded only where text / seams exist
TEXT_MASKS = f"text-v{MASK_VERSION}"  # cache folder of the detector's masks
RECORD_FIELDS = ("codec", "image", "point", "bytes", "bpp", "encode_s", "decode_s", "text_mask")


def available_metrics(lpips_weights: tuple[str, str] | None = None) -> tuple[list[str], list[str]]:
    """(metrics this machine can compute, notes on the ones it cannot)."""
    tiny = np.zeros((16, 16, 3), np.uint8)
    names, notes = ["psnr", "psnr_y", "ms_ssim"], []
    try:
        ssimulacra2(tiny, tiny)
        names.append("ssimulacra2")
    except ImportError:
        notes.append("ssimulacra2 skipped: pip install 'picodec[bench]'")
    try:
        flip(tiny, tiny)
        names.append("flip")
    except ImportError:
        notes.append("FLIP skipped: pip install flip-evaluator")
    try:
        butteraugli(tiny, tiny)
        names += ["butteraugli", "butteraugli_p3"]
    except (FileNotFoundError, OSError) as err:
        notes.append(f"butteraugli skipped: {err}")
    try:
        text_mask(tiny)
        names.append("text_mae")
    except ImportError:
        notes.append("text_mae skipped: pip install rapidocr-onnxruntime (PP-OCRv4 detector)")
    names += ["seam_error", "seam_excess"]
    notes.append(f"seam_error: low-frequency error step across a {SEAM_TILE}-px grid "
                 f"(picodec@{SEAM_TILE} has its tile seams there; other codecs show their "
                 "background level); seam_excess: the same minus its value on the lines "
                 "halfway between (what the seams add)")
    if lpips_weights:
        small = np.zeros((64, 64, 3), np.uint8)  # AlexNet's smallest comfortable input
        lpips(small, small, lpips_weights)  # bad weight files fail here, before any work
        names.append("lpips")
    else:
        notes.append("LPIPS not computed: its AlexNet weights cannot be downloaded here; "
                     "give your own with --lpips BACKBONE LINEAR")
    notes.append("DISTS/FID need backbone weights that cannot be downloaded here; not computed")
    return names, notes


def center_crop(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    top, left = max(0, (h - CROP) // 2), max(0, (w - CROP) // 2)
    return rgb[top:top + CROP, left:left + CROP]


def _measure(rgb: np.ndarray, decoded: np.ndarray, metrics: list[str],
             mask: np.ndarray | None, lpips_weights: tuple[str, str] | None) -> dict[str, float]:
    """The asked-for ``metrics`` of one decoded image (per-image ones only where they apply)."""
    compute: dict[str, Callable[[], float | None]] = {
        "psnr": lambda: psnr(rgb, decoded), "psnr_y": lambda: psnr_y(rgb, decoded),
        "ms_ssim": lambda: ms_ssim(rgb, decoded), "ssimulacra2": lambda: ssimulacra2(rgb, decoded),
        "flip": lambda: flip(rgb, decoded), "seam_error": lambda: seam_error(rgb, decoded, SEAM_TILE),
        "seam_excess": lambda: seam_excess(rgb, decoded, SEAM_TILE),
        "lpips": lambda: lpips(rgb, decoded, lpips_weights) if lpips_weights else None,
        "text_mae": lambda: text_mae(rgb, decoded, mask) if mask is not None else None}
    values = {m: compute[m]() for m in metrics if m in compute}
    if "butteraugli" in metrics:
        values["butteraugli"], values["butteraugli_p3"] = butteraugli(rgb, decoded)
    return {k: (v if math.isfinite(v) else 100.0) for k, v in values.items() if v is not None}


SINGLE_THREADED = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                           "MKL_NUM_THREADS")}


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)


def _pool(jobs: int) -> ProcessPoolExecutor:
    """Spawned workers whose numerical libraries each use one thread (one job per core):
    forked workers would inherit multi-threaded pools and fight over the cores. The
    variables are set in this process's environment, which only its children read."""
    import multiprocessing

    os.environ.update(SINGLE_THREADED)
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init)


def run_task(codec_name: str, image: str, metrics: list[str], cache: str,
             lpips_weights: tuple[str, str] | None = None) -> list[dict[str, object]]:
    """Sweep one codec over one image, reusing cached points that have every metric asked for
    (and a text MAE from the current masks); records keep only the metrics asked for."""
    codec = codecs.get(codec_name)
    with Image.open(image) as im:
        rgb = np.asarray(im.convert("RGB"))
    mask_path = Path(cache) / TEXT_MASKS / f"{Path(image).stem}.png"
    mask = np.asarray(Image.open(mask_path)) > 0 if mask_path.exists() else None
    wanted_text = mask is not None and "text_mae" in metrics
    keep = set(RECORD_FIELDS) | set(metrics) - ({"text_mae"} if mask is None else set())
    seams = SEAM_METRICS if has_seams(*rgb.shape[:2], SEAM_TILE) else set()
    required = set(metrics) - PER_IMAGE_METRICS | set(metrics) & seams
    folder = Path(cache) / codec_name
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for point in codec.points:
        stem = folder / f"{Path(image).stem}-{point}"
        done = stem.with_suffix(".json")
        if done.exists():
            cached = json.loads(done.read_text())
            fresh_text = not wanted_text or cached.get("text_mask") == MASK_VERSION
            if required <= set(cached) and fresh_text:
                records.append({k: v for k, v in cached.items() if k in keep})
                continue
        t0 = time.perf_counter()
        data = codec.encode(rgb, point)
        t1 = time.perf_counter()
        decoded = codec.decode(data)
        t2 = time.perf_counter()
        record: dict[str, object] = {
            "codec": codec_name, "image": Path(image).name, "point": point, "bytes": len(data),
            "bpp": 8 * len(data) / (rgb.shape[0] * rgb.shape[1]),
            "encode_s": t1 - t0, "decode_s": t2 - t1, **_measure(rgb, decoded, metrics, mask, lpips_weights)}
        if wanted_text:
            record["text_mask"] = MASK_VERSION
        Image.fromarray(center_crop(decoded)).save(stem.with_suffix(".png"))
        tmp = done.with_suffix(".tmp")
        tmp.write_text(json.dumps(record))
        os.replace(tmp, done)
        records.append({k: v for k, v in record.items() if k in keep})
    return records


def bench(data_dir: str | Path, codec_names: list[str], out: str | Path, jobs: int | None = None,
          limit: int | None = None, progress: bool = True,
          cache: str | Path | None = None,
          lpips_weights: tuple[str, str] | None = None,
          only: list[str] | None = None) -> dict[str, object]:
    """Run the sweep and write the results file; returns its content.

    Finished points are kept in ``cache`` (default: beside ``out``, ``<out>.cache``).
    ``lpips_weights`` (AlexNet backbone, LPIPS linear heads) adds the LPIPS metric;
    ``only`` restricts the metrics to those named (e.g. the cheap ones for an ablation).
    """
    images = sorted(p for p in Path(data_dir).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if limit:
        images = images[:limit]
    if not images:
        raise FileNotFoundError(f"no images in {data_dir}")
    selected = [codecs.get(name) for name in codec_names]  # fail fast on unknown/missing codecs
    metrics, notes = available_metrics(lpips_weights)
    if only:
        unknown = set(only) - set(HIGHER_IS_BETTER)
        if unknown:
            raise ValueError(f"unknown metrics: {', '.join(sorted(unknown))}")
        wanted = set(only) | ({"butteraugli_p3"} if "butteraugli" in only else set())
        metrics = [m for m in metrics if m in wanted]
    out = Path(out)
    cache = Path(cache) if cache else out.with_suffix(".cache")
    for sub in ("original", TEXT_MASKS):
        (cache / sub).mkdir(parents=True, exist_ok=True)
    for image in images:
        with Image.open(image) as im:
            rgb = np.asarray(im.convert("RGB"))
        Image.fromarray(center_crop(rgb)).save(cache / "original" / f"{image.stem}.png")
        mask_path = cache / TEXT_MASKS / f"{image.stem}.png"
        no_text = mask_path.with_suffix(".none")  # the detector found nothing: not asked again
        if "text_mae" in metrics and not mask_path.exists() and not no_text.exists():
            mask = text_mask(rgb)
            if mask.any():
                Image.fromarray(mask.astype(np.uint8) * 255).save(mask_path)
            else:
                no_text.touch()

    tasks = [(c.name, str(i)) for c in selected for i in images]
    records: list[dict[str, object]] = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), desc="bench", unit="task")
    with _pool(jobs or os.cpu_count() or 1) as pool:
        futures = [pool.submit(run_task, name, image, metrics, str(cache), lpips_weights)
                   for name, image in tasks]
        for future in as_completed(futures):
            records.extend(future.result())
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    records.sort(key=lambda r: (str(r["codec"]), str(r["image"]), int(r["point"])))  # type: ignore[call-overload]
    results = {"version": RESULTS_VERSION, "data": str(data_dir), "images": [i.name for i in images],
               "codecs": {c.name: {"settings": c.settings, "points": list(c.points)} for c in selected},
               "metrics": metrics, "notes": notes, "cache": str(cache), "records": records}
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=1))
    os.replace(tmp, out)
    return results
