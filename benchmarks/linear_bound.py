"""The best a linear transform with M numbers per 16x16 block can do: the latent's bound.

    python benchmarks/linear_bound.py ../shared/data/train ../shared/data/kodak --keep 96 128 192

A latent of M channels at 1/16 carries M numbers per 16x16x3 block of pixels. PCA of such
blocks, fitted once on the training photos and applied to every test image with no
quantisation at all, is the best *linear* transform of that size. A nonlinear transform can
beat it in principle, but a small, briefly trained one sits at or under it: if the bound at
M is below a rival's PSNR at the top level's bpp, the latent has to grow.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

SUFFIXES = {".png", ".jpg", ".jpeg"}


def blocks(path: Path, side: int) -> np.ndarray:
    """The image's whole side x side x 3 blocks as rows of a [N, side²·3] array in [0, 1]."""
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64) / 255
    h, w = (a.shape[0] // side) * side, (a.shape[1] // side) * side
    a = a[:h, :w].reshape(h // side, side, w // side, side, 3)
    return a.transpose(0, 2, 1, 3, 4).reshape(-1, side * side * 3)


def fit_pca(paths: list[Path], side: int, per_image: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and principal directions (strongest first) of blocks sampled from ``paths``."""
    rng = np.random.default_rng(seed)
    sample = []
    for path in paths:
        b = blocks(path, side)
        sample.append(b[rng.choice(len(b), min(per_image, len(b)), replace=False)])
    x = np.concatenate(sample)
    mean = x.mean(axis=0)
    _, vectors = np.linalg.eigh(np.cov((x - mean).T))
    return mean, vectors[:, ::-1]


def psnr_kept(path: Path, mean: np.ndarray, basis: np.ndarray, side: int) -> float:
    """PSNR of the image rebuilt from its first ``basis.shape[1]`` components, to 8 bits."""
    b = blocks(path, side)
    rebuilt = np.clip(np.round(((b - mean) @ basis @ basis.T + mean) * 255), 0, 255) / 255
    return float(10 * np.log10(1 / np.mean((rebuilt - b) ** 2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path, help="folder of training photos (searched recursively)")
    parser.add_argument("test", type=Path, help="folder of test images")
    parser.add_argument("--keep", type=int, nargs="+", default=[96, 128, 160, 192, 256])
    parser.add_argument("--side", type=int, default=16, help="block side (16: the latent's stride)")
    parser.add_argument("--every", type=int, default=4, help="use every n-th training photo")
    parser.add_argument("--per-image", type=int, default=400, help="blocks sampled per photo")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    train = sorted(p for p in args.train.rglob("*") if p.suffix.lower() in SUFFIXES)[::args.every]
    test = sorted(p for p in args.test.iterdir() if p.suffix.lower() in SUFFIXES)
    mean, vectors = fit_pca(train, args.side, args.per_image, args.seed)
    print(f"PCA of {args.side}x{args.side}x3 blocks from {len(train)} photos; "
          f"mean PSNR over {len(test)} test images, no quantisation:")
    print("| numbers per block | PSNR, dB |\n|---|---|")
    for k in args.keep:
        scores = [psnr_kept(p, mean, vectors[:, :k], args.side) for p in test]
        print(f"| {k} | {np.mean(scores):.2f} |")


if __name__ == "__main__":
    main()
