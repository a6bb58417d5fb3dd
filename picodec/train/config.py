"""Typed training configuration: stage 1 (rate + MSE) and stage 2 (perceptual)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path


def geometric(lo: float, hi: float, n: int) -> tuple[float, ...]:
    """``n`` values from ``lo`` to ``hi`` with a constant ratio."""
    return tuple(lo * (hi / lo) ** (i / (n - 1)) for i in range(n))


STAGES = ("mse", "perceptual")
LOSS_WEIGHTS = ("w_msssim", "w_tiling", "w_text", "w_gan", "w_lpips")

LevelWeight = float | tuple[float, ...]
"""A loss weight: one value for every quality level, or one value per level."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on; saved with each checkpoint.

    The loss of a batch at quality level l is  bpp + lambdas[l] · 255² · D, where D is
    the MSE in stage 1 ("mse") and MSE plus the weighted terms of train.losses in stage 2
    ("perceptual", which starts from ``init``, normally the stage-1 model).
    The learning rate is ``lr`` until ``decay_from`` (a fraction of the run), then falls
    along a cosine to ``lr_min`` at its end. The run ends after ``steps`` steps or, where
    ``minutes`` is set, after that much training time (summed over resumed calls), whichever
    comes first; the schedule follows whichever is further along, so a time-boxed run (a
    lent GPU, a batch job's wall-clock limit) still ends on its decay.
    """

    data: str = "../shared/data/train"
    out: str = "runs/stage1"
    patch: int = 256
    batch: int = 8
    levels: int = 8
    lambdas: tuple[float, ...] = field(default_factory=lambda: geometric(0.0009, 0.08, 8))
    steps: int = 20000
    minutes: float = 0.0  # training-time budget of the run (0: none; see above)
    lr: float = 3e-4
    lr_min: float = 1e-5
    level_lr_scale: float = 10.0  # the level-conditioning gains learn this much faster
    decay_from: float = 0.8
    clip_grad: float = 1.0
    checkpoint_every: int = 250
    keep_every: int = 0  # also keep checkpoint-STEP.safetensors every this many steps (0: never)
    seed: int = 0
    device: str = "cpu"
    threads: int = 0  # torch CPU threads; 0 keeps torch's default
    init: str = ""    # weights file to start from when there is no checkpoint yet
    compile: bool = False  # torch.compile the model: ~1.5x faster steps after a ~1.5 min warm-up
    balance_levels: bool = False  # divide each level's loss by its running mean (train.trainer)
    bf16: bool = False  # the float networks in bfloat16 autocast (rates stay float32)
    workers: int = 0  # processes that cut crops ahead of the step (0: in the training process)

    # stage 2 (perceptual); the weights multiply terms of D (see train.losses), and each
    # is one number or a list with one number per level (see ``weight``)
    stage: str = "mse"
    w_msssim: LevelWeight = 0.02
    w_tiling: LevelWeight = 0.1
    w_text: LevelWeight = 0.1
    w_gan: LevelWeight = 0.002
    text_gan_scale: float = 0.1  # the GAN term's weight on patches with text
    gan_warmup: int = 200  # steps over which the GAN weight ramps from 0 to w_gan
    d_lr: float = 1e-4
    text_fraction: float = 0.3  # share of crops that get painted text
    w_lpips: LevelWeight = 0.0  # LPIPS needs weights picodec cannot ship (see eval.lpips):
    lpips_backbone: str = ""  # torchvision AlexNet weights
    lpips_linear: str = ""  # LPIPS v0.1 linear heads (alex.pth)
    mask_cache: str = "runs/text-masks"  # detector masks of the training images
    fonts: str = ""  # folder of .ttf/.otf fonts for painted text ("": the system's)

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}, not '{self.stage}'")
        if len(self.lambdas) != self.levels:
            raise ValueError(f"{len(self.lambdas)} lambdas given for {self.levels} levels")
        for name in LOSS_WEIGHTS:
            value = getattr(self, name)
            if isinstance(value, tuple) and len(value) != self.levels:
                raise ValueError(f"{name} has {len(value)} values for {self.levels} levels")
        if self.uses("w_lpips") and not (self.lpips_backbone and self.lpips_linear):
            raise ValueError("w_lpips needs lpips_backbone and lpips_linear weight files")
        if self.workers < 0:
            raise ValueError("workers must be 0 or more")
        if self.minutes < 0:
            raise ValueError("minutes must be 0 (no time budget) or more")
        if self.patch % 64:
            raise ValueError("patch must be a multiple of 64")

    def weight(self, name: str, level: int) -> float:
        """The loss weight ``name`` (one of LOSS_WEIGHTS) at quality level ``level``."""
        value = getattr(self, name)
        return value[level] if isinstance(value, tuple) else value

    def uses(self, name: str) -> bool:
        """Whether the loss weight ``name`` is positive at any level."""
        return any(self.weight(name, level) > 0 for level in range(self.levels))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def load(cls, path: str | Path, **overrides: object) -> TrainConfig:
        """Read a JSON config (a missing path gives the defaults), then apply overrides."""
        values: dict[str, object] = json.loads(Path(path).read_text()) if path else {}
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown config fields: {', '.join(sorted(unknown))}")
        for name in ("lambdas", *LOSS_WEIGHTS):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]
