"""Resumable training checkpoints in safetensors (model, Adam moments by name, step, configs)."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn


def save_checkpoint(path: Path, model: nn.Module, optimizer: torch.optim.Optimizer,
                    step: int, metadata: dict[str, str]) -> None:
    """Write atomically: a crash mid-write never leaves a broken checkpoint behind."""
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    for name, p in model.named_parameters():
        state = optimizer.state.get(p)
        if state:
            tensors[f"adam.{name}.exp_avg"] = state["exp_avg"].cpu().contiguous()
            tensors[f"adam.{name}.exp_avg_sq"] = state["exp_avg_sq"].cpu().contiguous()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata={**metadata, "step": str(step)})
    os.replace(tmp, path)


def read_metadata(path: Path) -> dict[str, str]:
    """The string metadata of a checkpoint or weights file."""
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        return dict(f.metadata() or {})


def load_checkpoint(path: Path, model: nn.Module,
                    optimizer: torch.optim.Optimizer | None = None) -> int:
    """Restore model (and optimizer) state from a checkpoint or shipped weights file.

    Returns the step the checkpoint was taken at (0 for a weights file).
    """
    step = int(read_metadata(path).get("step", 0))
    tensors = load_file(str(path))
    # a training checkpoint stores "model.*"; a shipped weights file stores "net.*"
    prefix = "model." if any(k.startswith("model.") for k in tensors) else "net."
    model.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
    if optimizer is not None:
        for name, p in model.named_parameters():
            if f"adam.{name}.exp_avg" in tensors:
                optimizer.state[p] = {
                    "step": torch.tensor(float(step)),
                    "exp_avg": tensors[f"adam.{name}.exp_avg"].to(p.device),
                    "exp_avg_sq": tensors[f"adam.{name}.exp_avg_sq"].to(p.device)}
    return step
