"""Training data: every photo of a folder decoded once into memory, served as random crops.

    sampler.batch(size) ─► batches(sampler, …) ─► next(stream) ─► training step
                           workers 0: cut in the training process, between steps
                           workers N: cut in N processes, prefetched while the GPU works
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from picodec.imageio import IMAGE_SUFFIXES


def list_images(folder: str | Path) -> list[Path]:
    """All image files below ``folder``, sorted for a reproducible order."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"training data folder not found: {root}")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"no images in {root}")
    return files


class CropSampler:
    """Random ``patch``x``patch`` crops with random flips from images held in memory."""

    def __init__(self, folder: str | Path, patch: int, seed: int) -> None:
        self.paths: list[Path] = []
        self.images: list[np.ndarray] = []
        for path in list_images(folder):
            with Image.open(path) as im:
                array = np.asarray(im.convert("RGB"))
            if min(array.shape[:2]) >= patch:
                self.paths.append(path)
                self.images.append(array)
        if not self.images:
            raise ValueError(f"no image in {folder} is at least {patch} px on its short side")
        self.patch = patch
        self.rng = np.random.default_rng(seed)

    def reseed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def boxes(self, size: int) -> list[tuple[int, int, int, bool]]:
        """``size`` random crops as (image index, top, left, mirrored)."""
        out = []
        for i in self.rng.integers(len(self.images), size=size):
            image = self.images[i]
            top = int(self.rng.integers(image.shape[0] - self.patch + 1))
            left = int(self.rng.integers(image.shape[1] - self.patch + 1))
            out.append((int(i), top, left, bool(self.rng.random() < 0.5)))
        return out

    def cut(self, array: np.ndarray, box: tuple[int, int, int, bool]) -> np.ndarray:
        """The crop ``box`` of ``array`` (an image or a mask of the same size)."""
        _, top, left, mirrored = box
        crop = array[top:top + self.patch, left:left + self.patch]
        return crop[:, ::-1] if mirrored else crop

    def batch(self, size: int) -> torch.Tensor:
        """A float batch [size, 3, patch, patch] in [0, 1]."""
        crops = [self.cut(self.images[box[0]], box).transpose(2, 0, 1) for box in self.boxes(size)]
        return to_tensor(crops)


def to_tensor(crops: list[np.ndarray]) -> torch.Tensor:
    """uint8 [3, H, W] arrays -> a float batch in [0, 1]."""
    return torch.from_numpy(np.stack(crops).astype(np.float32) / 255.0)


Batch = TypeVar("Batch", covariant=True)


class Sampler(Protocol[Batch]):
    """What ``batches`` draws from: a seedable source of random batches."""

    def reseed(self, seed: int) -> None: ...

    def batch(self, size: int) -> Batch: ...


class _Endless(IterableDataset, Generic[Batch]):
    """``sampler.batch(size)`` forever; each worker process reseeds its own copy."""

    def __init__(self, sampler: Sampler[Batch], size: int, seed: int) -> None:
        self.sampler, self.size, self.seed = sampler, size, seed

    def __iter__(self) -> Iterator[Batch]:
        worker = get_worker_info()
        self.sampler.reseed(self.seed + (worker.id * 7919 if worker else 0))
        while True:
            yield self.sampler.batch(self.size)


def batches(sampler: Sampler[Batch], size: int, seed: int, workers: int = 0,
            pin_memory: bool = False) -> Iterator[Batch]:
    """An endless stream of ``size``-batches from ``sampler``, its randomness from ``seed``.

    With ``workers`` > 0 the batches are cut in that many forked processes (each with its
    own seed) that keep a few batches ready: on a GPU the crops and painted text then no
    longer hold up the step. Workers 0 reproduces the in-process stream of ``seed`` exactly.
    """
    stream = _Endless(sampler, size, seed)
    if workers == 0:
        return iter(stream)
    return iter(DataLoader(stream, batch_size=None, num_workers=workers, prefetch_factor=4,
                           pin_memory=pin_memory, persistent_workers=True))
