"""Image ↔ tiles ↔ model ↔ container: the one place they meet.

    encode:  image ─► 8-bit RGB ─► (resize) ─► tile grid ─► model.compress_tile ─► .pico bytes
                  └─► alpha plane, if any ─► picodec.alpha.pack ──────────────────┘
    decode:  .pico bytes ─► header + checked payloads ─► model.decompress_tile ─► stitch
             ─► (resize back) ─► image (+ picodec.alpha.unpack)

The top quality levels code the image enlarged, the bottom two reduced (``picodec.resample``).

Tiles are independent, so they are coded in parallel (one thread per tile, each running
torch single-threaded): the pixels do not depend on the number of threads.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from PIL import Image

from picodec import alpha, colour, container, imageio, levels, resample, search, tiling, weights
from picodec.errors import PicodecError
from picodec.metadata import Metadata, exif_tag_names

if TYPE_CHECKING:  # torch is imported with the first model, so that reading headers is quick
    from picodec.model.runtime import CodecModel


def _workers(n_tiles: int, threads: int | None) -> int:
    """Threads for ``n_tiles`` tiles: ``threads``, or the cores this process may run on
    (fewer than the machine's under taskset or a CI runner's affinity)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(n_tiles, threads or usable or 1))


T = TypeVar("T")
R = TypeVar("R")


def _map_tiles(function: Callable[[T], R], items: list[T], threads: int | None) -> list[R]:
    """Run ``function`` over tiles: ``threads`` workers, torch single-threaded inside each."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        workers = _workers(len(items), threads)
        if workers == 1:
            return [function(item) for item in items]
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(function, items))
    finally:
        torch.set_num_threads(previous)


def _check_level(model: CodecModel, level: float, what: str = "level") -> None:
    """A level must lie in the model's range, in hundredths (``picodec.levels``)."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
        raise PicodecError(f"{what} must be a number, not {level!r}")
    if not 0 <= level <= model.levels - 1:
        raise PicodecError(f"{what} {level:g} out of range (0 to {model.levels - 1} for model "
                           f"'{model.name}')")
    try:
        levels.to_steps(level)
    except ValueError as err:
        raise PicodecError(f"{err} (levels go in hundredths: 4, 4.01, … 4.99, 5)") from err


DEFAULT_LEVEL = 4
SEARCH_STEP = levels.STEPS // 10  # a size or quality target is met to a tenth of a level
REFINE_STEPS = (0, 20, 80)  # gradient steps per tile at each effort (picodec.model.refine)


def encode(image: imageio.ImageLike, level: float | None = None, model: str | CodecModel | None = None,
           threads: int | None = None, tile: int | None = None, max_bytes: int | None = None,
           min_quality: float | None = None, keep_icc: bool = True, keep_exif: bool = True,
           keep_xmp: bool = True, effort: int = 0) -> bytes:
    """Compress an image (PIL image, numpy array or path) to ``.pico`` bytes.

    ``level`` defaults to ``DEFAULT_LEVEL``; it goes in hundredths (4.5 lies between 4 and
    5, ``picodec.levels``). ``max_bytes`` picks the level instead: the highest one whose file
    fits. ``min_quality`` picks the lowest level whose decoded image scores at least that
    SSIMULACRA2 (``picodec.eval.metrics``; 90 is visually lossless, 70 high quality, 50
    medium) against the input, or the top level, with a warning, when none does. Both
    search the levels in tenths (``picodec.search``: about 3-4 encodes, and decodes for the
    quality; the rate and the quality rise with the level). ``tile`` overrides the tile
    size (``tiling.choose_tile``). A colour profile other than sRGB is stored unless
    ``keep_icc`` is false (``picodec.colour``); transparency is stored losslessly
    (``picodec.alpha``); EXIF and XMP are stored unless ``keep_exif`` or ``keep_xmp`` is
    false (``picodec.metadata``).
    ``effort`` above 0 refines each tile's latents by gradient descent
    (``picodec.model.refine``, ``REFINE_STEPS``): slower, better at the same size. A size or
    quality search runs without it; its result is then refined and kept where it still fits
    or still scores enough.
    """
    codec = weights.load(model or weights.DEFAULT_MODEL) if model is None or isinstance(model, str) else model
    if sum(choice is not None for choice in (level, max_bytes, min_quality)) > 1:
        raise PicodecError("give one of a level, a size limit or a quality, not several")
    if max_bytes is None and min_quality is None:
        _check_level(codec, DEFAULT_LEVEL if level is None else level)
    if min_quality is not None and not min_quality <= 100:
        raise PicodecError(f"quality {min_quality:g} out of range (SSIMULACRA2 is at most 100)")
    pixels = imageio.load(image, imageio.Keep(keep_icc, keep_exif, keep_xmp))
    rgb = pixels.rgb
    plane = b"" if pixels.alpha is None else alpha.pack(pixels.alpha)
    if tile is not None and not 64 <= tile <= 4096:
        raise PicodecError(f"tile size {tile} out of range (64 to 4096)")
    if not 0 <= effort < len(REFINE_STEPS):
        raise PicodecError(f"effort {effort} out of range (0 to {len(REFINE_STEPS) - 1})")

    def encode_at(steps: int, refine_steps: int = 0) -> bytes:
        return encode_rung(codec, pixels, plane, steps, resample.rung(steps, codec.levels, *rgb.shape[:2]),
                           tile, threads, refine_steps)

    def refined(data: bytes, good: Callable[[bytes], bool]) -> bytes:
        """``data`` coded again at the effort, where that file is ``good`` too."""
        if not effort:
            return data
        again = encode_at(levels.to_steps(container.unpack_header(data)[0].level), REFINE_STEPS[effort])
        return again if good(again) else data

    tenths = (codec.levels - 1) * levels.STEPS // SEARCH_STEP + 1
    if max_bytes is not None:
        area = rgb.shape[0] * rgb.shape[1]  # pixels

        def bpp_at(tenth: int) -> tuple[float, bytes]:
            data = encode_at(tenth * SEARCH_STEP)
            return 8 * len(data) / area, data

        fit = search.search(bpp_at, tenths, 8 * max_bytes / area, search.BITS_PER_PIXEL, highest=True)
        if not fit.met:
            raise PicodecError(f"cannot fit in {max_bytes} bytes (the lowest level needs "
                               f"{len(fit.file)}{_metadata_share(fit.file)})")
        return refined(fit.file, lambda d: len(d) <= max_bytes)
    if min_quality is None:
        return encode_at(levels.to_steps(DEFAULT_LEVEL if level is None else level), REFINE_STEPS[effort])
    score = _ssimulacra2_or_error()

    def quality_of(data: bytes) -> float:
        return score(rgb, np.asarray(decode(data, threads, codec).convert("RGB")))

    def quality_at(tenth: int) -> tuple[float, bytes]:
        data = encode_at(tenth * SEARCH_STEP)
        return quality_of(data), data

    good = search.search(quality_at, tenths, min_quality, search.SSIMULACRA2, highest=False)
    if not good.met:
        warnings.warn(f"no level reaches SSIMULACRA2 {min_quality:g}; "
                      f"coded at the top level, {codec.levels - 1}", stacklevel=2)
        return refined(good.file, lambda _: True)
    return refined(good.file, lambda d: quality_of(d) >= min_quality)


def encode_rung(codec: CodecModel, pixels: imageio.Pixels, plane: bytes, steps: int,
                rung: tuple[int, Fraction], tile: int | None = None, threads: int | None = None,
                refine_steps: int = 0) -> bytes:
    """The file of quality level ``steps`` (in hundredths) coded at one rung of a ladder:
    the network at the model level ``rung[0]`` (in hundredths) on the image scaled by
    ``rung[1]``; ``plane`` is the packed alpha plane (``picodec.alpha``). ``encode`` takes
    the rung from ``resample.rung``; benchmarks/ladder.py tries others."""
    rgb = pixels.rgb
    model_level, scale = levels.from_steps(rung[0]), rung[1]
    height, width = resample.coded_size(rgb.shape[0], rgb.shape[1], scale)
    coded = rgb if (height, width) == rgb.shape[:2] else resample.to_coded(rgb, height, width)
    size = tile or tiling.choose_tile(height, width)

    def compress(t: tiling.Tile) -> bytes:
        picture = None
        if refine_steps and coded is not rgb:
            from picodec.model.refine import picture_of

            picture = picture_of(rgb, t, height, width)
        return codec.compress_tile(tiling.extract(coded, t), model_level, refine_steps,
                                   (t.offset_y, t.offset_x, t.height, t.width), picture)

    payloads = _map_tiles(compress, tiling.grid(height, width, size), threads)
    header = container.Header(model_id=codec.id, width=rgb.shape[1], height=rgb.shape[0],
                              channels=pixels.channels, level=levels.from_steps(steps), tile=size,
                              margin=tiling.MARGIN, icc=pixels.icc, alpha=plane,
                              exif=pixels.metadata.exif, xmp=pixels.metadata.xmp,
                              model_level=model_level, coded_width=width, coded_height=height)
    return container.pack(header, payloads)


def _metadata_share(data: bytes) -> str:
    """How much of a file its EXIF and XMP take, for a message; "" when it has none."""
    header, payloads = container.unpack(data)
    bare = container.pack(replace(header, exif=b"", xmp=b""), payloads)
    if len(bare) == len(data):
        return ""
    return f", {len(data) - len(bare)} of them EXIF and XMP, which --ignore-exif/--ignore-xmp leave out"


def _ssimulacra2_or_error() -> Callable[[np.ndarray, np.ndarray], float]:
    """The SSIMULACRA2 metric, from the optional ``ssimulacra2`` package."""
    try:
        import ssimulacra2  # noqa: F401
    except ImportError as err:
        raise PicodecError("a target quality needs the ssimulacra2 package "
                           "(pip install 'picodec[quality]')") from err
    from picodec.eval.metrics import ssimulacra2 as metric

    return metric


@contextmanager
def _undecodable_is_corrupt() -> Iterator[None]:
    """The range decoder and the shape checks fail with these on a damaged payload."""
    try:
        yield
    except (ValueError, RuntimeError) as err:
        raise PicodecError(f"corrupt .pico file (tile payload undecodable: {err})") from err


def decode(data: bytes, threads: int | None = None, model: CodecModel | None = None) -> Image.Image:
    """Decompress ``.pico`` bytes to a PIL image (RGB, or L for grayscale sources; RGBA
    or LA where the source had transparency).

    A stored colour profile comes back as ``image.info["icc_profile"]``, EXIF and XMP as
    ``image.info["exif"]`` and ``image.info["xmp"]`` (``image.getexif()`` reads the former).
    """
    header, payloads = container.unpack(data)
    imageio.check_size(header.width, header.height)
    imageio.check_size(header.coded_width, header.coded_height)
    transparency = alpha.unpack(header.alpha, header.width, header.height) if header.alpha else None
    codec = model or weights.load_by_id(header.model_id)
    if model is not None and model.id != header.model_id:
        raise PicodecError("file was written by a different model")
    _check_level(codec, header.model_level, "model level")
    tiles = _coded_grid(header)
    out = np.empty((header.coded_height, header.coded_width, 3), dtype=np.uint8)

    def decode_tile(item: tuple[tiling.Tile, bytes]) -> None:
        tile, payload = item
        with _undecodable_is_corrupt():
            decoded = codec.decompress_tile(payload, tile.input_height, tile.input_width,
                                            header.model_level,
                                            header.version >= container.ESCAPES_SINCE)
        tiling.place(out, decoded, tile)

    _map_tiles(decode_tile, list(zip(tiles, payloads, strict=True)), threads)
    if header.resampled:
        out = resample.resize(out, header.height, header.width)
    return imageio.to_pil(out, header.channels, header.icc, transparency,
                          Metadata(header.exif, header.xmp))


def _coded_grid(header: container.Header) -> list[tiling.Tile]:
    return tiling.grid(header.coded_height, header.coded_width, header.tile, header.margin)


def info(data: bytes) -> dict[str, object]:
    """The header as a dict, without loading any network."""
    header, entries, _ = container.unpack_header(data)
    fields = header.as_dict()
    fields["model"] = weights.name_of(header.model_id)
    fields["colour_profile"] = colour.describe(header.icc)
    fields["exif_tags"] = exif_tag_names(header.exif) if header.exif else []
    fields["bytes"] = len(data)
    fields["bpp"] = 8 * len(data) / (header.width * header.height)
    fields["tile_bytes"] = [length for length, _ in entries]
    return fields


@dataclass(frozen=True)
class SymbolHashes:
    """``all``: SHA-256 of every tile's stages in turn (int64, C order); ``tiles``: per
    tile, the first 16 hex digits of each stage's own SHA-256."""

    all: str
    tiles: list[dict[str, str]]


def symbol_hashes(data: bytes) -> SymbolHashes:
    """SHA-256 hashes of the integer stages of decoding, tile by tile: the control points.

        payload ─► range decoder ─► ẑ ─► integer scale decoder ─► σ index ─► range decoder ─► s
                                    "z"                           "sigma"                    "s"

    No float arithmetic produces any of them, so they are the same on every machine and
    with every thread count; where two machines decode a file to different pixels, equal
    hashes put the difference in the float networks after them (context phases, synthesis).
    """
    header, payloads = container.unpack(data)
    codec = weights.load_by_id(header.model_id)
    _check_level(codec, header.model_level, "model level")
    tiles = _coded_grid(header)
    everything = hashlib.sha256()
    per_tile: list[dict[str, str]] = []
    for tile, payload in zip(tiles, payloads, strict=True):
        with _undecodable_is_corrupt():
            symbols = codec.decode_symbols(payload, tile.input_height, tile.input_width,
                                           header.model_level,
                                           header.version >= container.ESCAPES_SINCE)
        hashes = {}
        for stage, array in (("z", symbols.z), ("sigma", symbols.sigma), ("s", symbols.s)):
            raw = array.astype(np.int64).tobytes()
            everything.update(raw)
            hashes[stage] = hashlib.sha256(raw).hexdigest()[:16]
        per_tile.append(hashes)
    return SymbolHashes(everything.hexdigest(), per_tile)
