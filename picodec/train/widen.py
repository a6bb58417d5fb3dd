"""Widen a trained model's 1/16 stage without changing what it decodes.

The 96-channel latent caps the top levels: a linear transform of 16x16x3 blocks that keeps
96 numbers per block (the best one for the training photos, PCA) reconstructs Kodak at
31.6 dB with no quantisation at all, 128 numbers at 33.6 dB, 192 at 37.7 dB; JPEG reaches
33.5 dB at the top level's 1.13 bpp (docs/DESIGN.md, "What caps the high levels"). So the
latent ``M`` and the features at 1/16 (``channels[3]``) grow together.

The trained weights are copied into the wider model, and every new *channel* starts at
zero: each weight row that writes a new channel is zero, each column that reads one is
random.

    features ─► new feature rows = 0 ─► new features ≡ 0 ─► (random columns read them)
    analysis ─► new latent rows  = 0 ─► y[M:] ≡ 0 ─► ŷ[M:] ≡ 0 ─► synthesis (random columns)
    context phase ─► μ, q of y[M:]: zero rows (μ = 0, q from the level alone)
    scale decoder ─► σ index of y[M:]: zero rows and bias (σ index 0, the smallest σ)

So x̂ and the rate start exactly as before (zeros cost almost nothing at the smallest σ),
and no path is a product of two zeros: the random columns carry a gradient back to every
zero row from the first step (quantisation is straight-through), and training decides what
the new channels carry.

    python -m picodec.train.widen IN.safetensors OUT.safetensors --latent 192 --features 192
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import torch

from picodec.model.config import ModelConfig
from picodec.model.export import export
from picodec.model.pico import PicoModel
from picodec.train.checkpoint import load_checkpoint, read_metadata

FRESH = ("s_in", "s_out", "gain.weight")  # scales and level gains: new entries keep their 1


@torch.no_grad()
def widen(old: PicoModel, latent: int, features: int | None = None) -> PicoModel:
    """A model with ``latent`` latent channels and ``features`` channels at 1/16 (default:
    unchanged) that decodes like ``old`` (see the module doc)."""
    c = old.config
    features = features or c.channels[3]
    if latent < c.latent or features < c.channels[3] or (latent, features) == (c.latent,
                                                                              c.channels[3]):
        raise ValueError(f"widths must grow: latent {c.latent} -> {latent}, "
                         f"features {c.channels[3]} -> {features}")
    new = PicoModel(replace(c, latent=latent, channels=(*c.channels[:3], features)))
    old_state = old.state_dict()
    for name, tensor in new.state_dict().items():
        source = old_state[name]
        if tensor.shape == source.shape:
            tensor.copy_(source)
            continue
        if not name.endswith(FRESH):
            _zero_new_rows(name, tensor, source.shape)
        if _is_phase_output(name):
            # a phase's output is [μ (M), raw q (M)]: each trained half moves to its place
            m = c.latent
            tensor[:m] = source[:m]
            tensor[latent:latent + m] = source[m:]
        else:
            tensor[tuple(slice(0, n) for n in source.shape)] = source
    return new


def _is_phase_output(name: str) -> bool:
    return name.startswith("context.") and name.split(".")[2] == "4"


def _zero_new_rows(name: str, tensor: torch.Tensor, old_shape: torch.Size) -> None:
    """Zero every entry that writes a new channel: new output rows of a weight or bias, new
    columns of a per-level latent table (``level_log_q``, ``level_sigma``)."""
    if name.startswith("level_"):
        tensor[:, old_shape[1]:] = 0
    elif _is_phase_output(name):
        tensor.zero_()  # new μ and raw-q rows sit in both halves; the trained ones go back
    else:
        tensor[old_shape[0]:] = 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="a weights file or training checkpoint")
    parser.add_argument("output", type=Path)
    parser.add_argument("--latent", type=int, required=True, help="channels of y")
    parser.add_argument("--features", type=int, help="channels at 1/16 (default: unchanged)")
    parser.add_argument("--name", default="widened")
    args = parser.parse_args(argv)
    old = PicoModel(ModelConfig.from_json(read_metadata(args.input)["model_config"]))
    load_checkpoint(args.input, old)
    wide = widen(old, args.latent, args.features)
    print(f"wrote {export(wide, args.output, args.name)}")


if __name__ == "__main__":
    main()
