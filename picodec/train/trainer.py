"""Training: one quality level drawn per batch, the loss from the stage's objective.

    crops ─► objective.loss(model, level) ─► Adam ─► (stage 2: a discriminator step)
                      │
                      ├─ every ``checkpoint_every`` steps: checkpoint.safetensors (resumable)
                      └─ every ``keep_every`` steps: a copy, checkpoint-STEP.safetensors
                         (snapshots to fork a learning-rate decay from, or to compare)

The run ends after ``steps`` steps, or earlier once ``minutes`` of training time (kept in
the checkpoint across resumes) are spent; its learning-rate decay follows whichever comes
first (run_fraction), and the last step always writes a checkpoint.

Stage 1 ("mse"): loss = bpp + λ[level] · 255² · MSE on random crops; with
``balance_levels`` each level's loss is divided by its running mean (LevelBalance).
Stage 2 ("perceptual"): see train.perceptual.

Runs on CPU or CUDA; under ``torchrun`` each process trains on its own crops and gradients
are averaged with DDP (only rank 0 logs and writes checkpoints).
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from picodec.model.config import ModelConfig
from picodec.model.pico import PicoModel
from picodec.train.checkpoint import load_checkpoint, read_metadata, save_checkpoint
from picodec.train.config import TrainConfig
from picodec.train.data import CropSampler, batches
from picodec.train.perceptual import PerceptualObjective

CHECKPOINT = "checkpoint.safetensors"
BALANCE_KEY = "level_balance"
SECONDS_KEY = "trained_seconds"  # training time of all calls so far (for ``minutes``)
LOG_FIELDS = ["step", "level", "loss", "bpp", "psnr", "lr", "seconds"]
PERCEPTUAL_LOG_FIELDS = ["ms_ssim", "tiling", "text", "gan", "d_loss", "lpips"]


def run_fraction(cfg: TrainConfig, step: int, seconds: float) -> float:
    """How far the run is, from 0 to 1: its steps out of ``steps``, or, where ``minutes``
    sets a time budget and time runs out first, its training seconds out of that budget."""
    by_time = seconds / (60 * cfg.minutes) if cfg.minutes > 0 else 0.0
    return max(step / cfg.steps, by_time)


def learning_rate(cfg: TrainConfig, done: float) -> float:
    """Constant, then a cosine fall to ``lr_min`` over the last part of the run
    (``done``: run_fraction)."""
    if done < cfg.decay_from:
        return cfg.lr
    t = min(1.0, (done - cfg.decay_from) / max(1e-9, 1.0 - cfg.decay_from))
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * t))


def parameter_groups(model: PicoModel, cfg: TrainConfig) -> list[dict[str, object]]:
    """The quality-level gains get ``level_lr_scale`` x the learning rate: each is trained
    only on the batches of its own level, so at the common rate they separate slowly."""
    level = [p for name, p in model.named_parameters() if "gain" in name or "level_" in name]
    ids = {id(p) for p in level}
    rest = [p for p in model.parameters() if id(p) not in ids]
    return [{"params": rest, "lr_scale": 1.0, "lr": cfg.lr},
            {"params": level, "lr_scale": cfg.level_lr_scale, "lr": cfg.lr * cfg.level_lr_scale}]


def model_config(cfg: TrainConfig, ckpt: Path) -> ModelConfig:
    """The architecture: the checkpoint's when resuming, else the ``init`` file's, else the
    default one (so a widened ``init`` trains as the wider model)."""
    for path in (ckpt, Path(cfg.init) if cfg.init else None):
        if path is not None and path.exists():
            config = ModelConfig.from_json(read_metadata(path)["model_config"])
            if config.levels != cfg.levels:
                raise ValueError(f"{path} has {config.levels} levels, the config {cfg.levels}")
            return config
    return ModelConfig(levels=cfg.levels)


class LevelBalance:
    """Scale each level's loss by 1 / (running mean of that level's loss).

    λ spans 500x, so the raw losses span about 100x (level 0 ≈ 0.3, level 7 ≈ 30): Adam's
    moments then see almost only the top levels, and the shared transforms drift toward
    them while the low levels get worse. A constant factor per level leaves every level's
    own rate–distortion trade-off as it is and gives all levels a comparable pull.
    """

    DECAY = 0.99

    def __init__(self, levels: int, state: str = "", device: torch.device | None = None) -> None:
        values = json.loads(state) if state else [0.0] * levels
        self.means = torch.tensor(values, dtype=torch.float64, device=device)

    def weight(self, level: int, loss: torch.Tensor) -> torch.Tensor:
        """Update the level's running mean with ``loss``; 1 / that mean (on the loss's device,
        so the step never waits for the GPU)."""
        mean = self.means[level]
        loss = loss.detach().to(self.means.dtype)
        self.means[level] = torch.where(mean == 0, loss, self.DECAY * mean + (1 - self.DECAY) * loss)
        return (1 / self.means[level]).to(torch.float32)

    def state(self) -> str:
        return json.dumps(self.means.tolist())


def _distributed() -> tuple[int, int]:
    if "WORLD_SIZE" not in os.environ:
        return 0, 1
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size()


def _agreed(seconds: float, world: int, device: torch.device) -> float:
    """The slowest process's elapsed seconds, so that under DDP all stop at the same step
    (a wait for every process, so only where a time budget needs it)."""
    if world == 1:
        return seconds
    t = torch.tensor([seconds], dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return float(t.item())


def _cell(value: object) -> str:
    return f"{value:.5g}" if isinstance(value, float) else str(value)


class MseObjective:
    """Stage 1: rate + MSE on random crops."""

    def __init__(self, cfg: TrainConfig, device: torch.device) -> None:
        self.cfg, self.device = cfg, device
        self.sampler = CropSampler(cfg.data, cfg.patch, seed=cfg.seed)

    def reseed(self, seed: int) -> None:
        self.stream = batches(self.sampler, self.cfg.batch, seed, self.cfg.workers,
                              pin_memory=self.device.type == "cuda")

    def loss(self, net: torch.nn.Module, level: int, lam: float, step: int
             ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        x = next(self.stream).to(self.device, non_blocking=True)
        result = net(x, torch.full((x.shape[0],), level, device=self.device))
        bpp = (result["bits_y"] + result["bits_z"]).mean() / (x.shape[-1] * x.shape[-2])
        mse = torch.mean((result["x_hat"] - x) ** 2)
        return bpp + lam * 255**2 * mse, {"bpp": bpp.detach(), "mse": mse.detach()}

    def discriminator_step(self) -> torch.Tensor:
        return torch.zeros((), device=self.device)

    def save(self, step: int, metadata: dict[str, str]) -> None:
        """Stage 1 has nothing besides the model to keep."""


def warn_slow_bf16(cfg: TrainConfig, device: torch.device) -> None:
    """bf16 autocast pays only where the CPU has bfloat16 instructions (AVX512-BF16, AMX):
    on an AVX2-only CPU a stage-1 step took 11 s against 1.3 s in float32 (session 10)."""
    if cfg.bf16 and device.type == "cpu" and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        warnings.warn("bf16 is set but this CPU has no native bfloat16: training will be "
                      "several times slower than with bf16 off", stacklevel=2)


def train(cfg: TrainConfig, progress: bool = True) -> Path:
    """Run (or resume) training; returns the checkpoint path."""
    rank, world = _distributed()
    device = torch.device(cfg.device)
    if device.type == "cuda" and world > 1:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed + rank)

    out = Path(cfg.out)
    ckpt = out / CHECKPOINT
    model = PicoModel(model_config(cfg, ckpt)).to(device)
    warn_slow_bf16(cfg, device)
    model.low_precision = torch.bfloat16 if cfg.bf16 else None
    optimizer = torch.optim.Adam(parameter_groups(model, cfg))
    start = 0
    if ckpt.exists():
        start = load_checkpoint(ckpt, model, optimizer)
    elif cfg.init:
        load_checkpoint(Path(cfg.init), model)
    net = DistributedDataParallel(model) if world > 1 else model
    if cfg.compile:
        net = torch.compile(net)

    perceptual = cfg.stage == "perceptual"
    objective: MseObjective | PerceptualObjective
    if perceptual:
        objective = PerceptualObjective(cfg, device, out, progress and rank == 0, world)
    else:
        objective = MseObjective(cfg, device)
    objective.reseed(cfg.seed * 1_000_003 + start * 31 + rank)
    rng = np.random.default_rng(cfg.seed + start + 7919 * rank)
    metadata = {"train_config": cfg.to_json(), "model_config": model.config.to_json()}
    saved = read_metadata(ckpt) if start else {}
    balance = LevelBalance(cfg.levels, saved.get(BALANCE_KEY, ""), device)

    writer = None
    fields = LOG_FIELDS + (PERCEPTUAL_LOG_FIELDS if perceptual else [])
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(cfg.to_json())
        log_path = out / "log.csv"
        new_log = not log_path.exists()
        log_file = log_path.open("a", newline="")
        writer = csv.writer(log_file)
        if new_log:
            writer.writerow(fields)
    bar = None
    if progress and rank == 0:
        from tqdm import tqdm

        bar = tqdm(total=cfg.steps, initial=start, dynamic_ncols=True)

    seconds_before = float(saved.get(SECONDS_KEY, 0))
    t0 = time.time()
    done = run_fraction(cfg, start, seconds_before)
    for step in range(start, cfg.steps):
        if done >= 1:  # a resumed run whose time budget was already spent
            break
        lr = learning_rate(cfg, done)
        for group in optimizer.param_groups:
            group["lr"] = lr * group["lr_scale"]
        level = int(rng.integers(cfg.levels))
        loss, logs = objective.loss(net, level, cfg.lambdas[level], step)
        optimizer.zero_grad(set_to_none=True)
        (loss * balance.weight(level, loss) if cfg.balance_levels else loss).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_grad)
        optimizer.step()
        logs.update(loss=loss.detach(), d_loss=objective.discriminator_step())
        elapsed = time.time() - t0
        if cfg.minutes > 0:
            elapsed = _agreed(elapsed, world, device)
        seconds = seconds_before + elapsed
        done = run_fraction(cfg, step + 1, seconds)

        if rank == 0 and writer is not None:
            if step % 10 == 0:  # reading the logs waits for the GPU: only on the steps logged
                row = {k: v.item() for k, v in logs.items()}
                row.update(step=step, level=level, lr=f"{lr:.3g}", seconds=f"{time.time() - t0:.1f}",
                           psnr=-10 * math.log10(max(row["mse"], 1e-10)))
                writer.writerow([_cell(row.get(f, "")) for f in fields])
                log_file.flush()
                if bar is not None:
                    bar.set_postfix(level=level, bpp=f"{row['bpp']:.3f}", psnr=f"{row['psnr']:.2f}")
            if bar is not None:
                bar.update(1)
            keep = cfg.keep_every > 0 and (step + 1) % cfg.keep_every == 0
            if keep or (step + 1) % cfg.checkpoint_every == 0 or done >= 1:
                metadata[BALANCE_KEY] = balance.state()
                metadata[SECONDS_KEY] = f"{seconds:.1f}"
                save_checkpoint(ckpt, model, optimizer, step + 1, metadata)
                objective.save(step + 1, metadata)
                if keep:
                    shutil.copyfile(ckpt, out / f"checkpoint-{step + 1}.safetensors")
    if bar is not None:
        bar.close()
    if writer is not None:
        log_file.close()
    if world > 1:
        dist.destroy_process_group()
    return ckpt
