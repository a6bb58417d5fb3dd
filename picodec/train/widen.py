"""Widen a trained model's latent y from M to M' channels without changing what it decodes.

A model whose transforms are near their ceiling (coded quality stops rising with rate)
needs more latent channels, not more training. Rather than start again, the trained
weights are copied into a wider model and every path *out of* a new channel starts at zero:

    analysis ─► y[:M]  (trained)    ─► synthesis, context phases  (trained weights)
             └► y[M:]  (random rows, ─► synthesis, context phases  (zero weights: no effect)
                        trained size)
    context phase ─► μ, q of y[M:]: zero weights (μ = 0, q from the level alone)
    scale decoder ─► σ index of y[M:]: zero weights, the fresh bias

So x̂ starts exactly as before, and only the rate of the new channels is added. Because
the new channels carry symbols as large as the old ones, the synthesis's new weights get
gradients from the first step, and training decides what the new channels carry.

    python -m picodec.train.widen IN.safetensors OUT.safetensors --latent 192
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import torch

from picodec.model.config import ModelConfig
from picodec.model.export import export
from picodec.model.pico import PicoModel
from picodec.nn.convscale import ConvScale
from picodec.train.checkpoint import load_checkpoint, read_metadata


@torch.no_grad()
def widen(old: PicoModel, latent: int) -> PicoModel:
    """A model with ``latent`` latent channels that decodes like ``old`` (see module doc)."""
    m = old.config.latent
    if latent <= m:
        raise ValueError(f"latent must grow: {latent} <= {m}")
    new = PicoModel(replace(old.config, latent=latent))
    old_state = old.state_dict()
    zero_from_m = ("synthesis.0.", "context.", "scale_layers.3.", "level_")
    for name, tensor in new.state_dict().items():
        source = old_state[name]
        if tensor.shape == source.shape:
            tensor.copy_(source)
            continue
        if name.startswith(zero_from_m) and not name.endswith(("s_in", "s_out")):
            tensor.zero_()
        if name.startswith("context.") and name.split(".")[2] == "4":
            # the phase's output is [μ (M), raw q (M)]: each half moves to its new place
            tensor[:m] = source[:m]
            tensor[latent:latent + m] = source[m:]
        elif name == "scale_layers.3.conv.conv.bias":
            tensor[4 * m:] = old.config.n_scales / 3  # the fresh model's starting σ index
            tensor[:4 * m] = source
        elif name.startswith("level_"):
            tensor[:, :m] = source
        else:
            # analysis rows, synthesis / context input columns, scale-decoder output rows
            tensor[tuple(slice(0, n) for n in source.shape)] = source
    _match_scale(new.analysis[-1], m)
    return new


def _match_scale(layer: ConvScale, m: int) -> None:
    """Give the new output rows (from ``m`` on) of ``layer`` the trained rows' size.

    A fresh row gives y values far below the quantisation width: they would all round to
    0, the synthesis would see only zeros there, and no gradient would ever reach the new
    channels. Random directions at the trained rows' norm and output scale avoid that.
    """
    weight = layer.conv.weight
    norm = weight[:m].flatten(1).norm(dim=1).mean()
    fresh = weight[m:].flatten(1)
    weight[m:] = (fresh * norm / fresh.norm(dim=1, keepdim=True)).view_as(weight[m:])
    layer.conv.bias[m:] = 0
    layer.s_out[m:] = layer.s_out[:m].mean()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="a weights file or training checkpoint")
    parser.add_argument("output", type=Path)
    parser.add_argument("--latent", type=int, required=True)
    parser.add_argument("--name", default="widened")
    args = parser.parse_args(argv)
    old = PicoModel(ModelConfig.from_json(read_metadata(args.input)["model_config"]))
    load_checkpoint(args.input, old)
    print(f"wrote {export(widen(old, args.latent), args.output, args.name)}")


if __name__ == "__main__":
    main()
