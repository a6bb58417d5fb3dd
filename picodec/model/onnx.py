"""ONNX export of a model's float networks, for running picodec outside PyTorch.

A ``.pico`` tile is decoded in two halves; only the float half becomes graphs:

    payload ─► range decoder ─► ẑ ─► integer scale decoder ─► σ index ─► s     (integers:
                                                                              picodec.entropy,
                                                                              picodec.nn.integer)
    ẑ ─► context_decoder.onnx ─► p
    for k, (dy, dx) in enumerate(PHASES):          ŷ starts at zero
        phase{k}.onnx (p, ŷ, level) ─► μ, q         (phase0 takes p and level only)
        ŷ[dy::2, dx::2] = q · s + μ                 (on those positions of the 2x2 grid)
    ŷ ─► synthesis.onnx (ŷ, level) ─► x̂ in [0, 1] ─► round(255 x̂)

and an encoder adds analysis.onnx (x in [0, 1], level) ─► y, z, then z ─► ẑ = round(z) and
s = round((y − μ) / q) through the same phases. The graphs are the folded float32
networks with dynamic batch and spatial sizes (tile sides are multiples of 64; latents are
at 1/16, ẑ at 1/64). Because the tables depend on σ alone, a runtime's float differences
move pixels slightly but can never change which symbols a file decodes to.
``manifest.json`` records the model's name, id and configuration, the phase order, and
each graph's inputs and outputs.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import tempfile
import warnings
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from picodec.errors import PicodecError
from picodec.model.pico import PHASES, PicoModel
from picodec.model.runtime import CodecModel


class _Analysis(nn.Module):
    def __init__(self, net: PicoModel) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, level: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.net.encode_latents(x, level)


class _Phase(nn.Module):
    def __init__(self, net: PicoModel, k: int) -> None:
        super().__init__()
        self.net, self.k = net, k

    def forward(self, p: torch.Tensor, y_known: torch.Tensor,
                level: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.net.phase_params(self.k, p, y_known, level)


class _FirstPhase(_Phase):
    """Phase 0 sees no decoded latents yet: its graph takes p and the level only."""

    def forward(self, p: torch.Tensor, level: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        return self.net.phase_params(0, p, p, level)


class _Synthesis(nn.Module):
    def __init__(self, net: PicoModel) -> None:
        super().__init__()
        self.net = net

    def forward(self, y_hat: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        return self.net.reconstruct(y_hat, level).clamp(0, 1)


def _graphs(model: CodecModel) -> dict[str, tuple[nn.Module, dict[str, torch.Tensor], list[str]]]:
    """name -> (module, example inputs by name, output names)."""
    c, net = model.config, model.net
    level = torch.tensor([0.0])  # a float level: between two trained ones, their blend
    x = torch.zeros(1, 3, 128, 128)
    y = torch.zeros(1, c.latent, 8, 8)
    p = torch.zeros(1, c.prior, 8, 8)
    graphs = {
        "analysis": (_Analysis(net), {"x": x, "level": level}, ["y", "z"]),
        "context_decoder": (net.context_decoder, {"z_hat": torch.zeros(1, c.hyper, 2, 2)}, ["p"]),
        "synthesis": (_Synthesis(net), {"y_hat": y, "level": level}, ["image"]),
    }
    for k in range(len(PHASES)):
        if k:
            graphs[f"phase{k}"] = (_Phase(net, k), {"p": p, "y_known": y, "level": level}, ["mu", "q"])
        else:
            graphs["phase0"] = (_FirstPhase(net, 0), {"p": p, "level": level}, ["mu", "q"])
    return graphs


def _dynamic_shapes(inputs: dict[str, torch.Tensor]) -> tuple[dict[int, object], ...]:
    """Batch and spatial sizes free; images in steps of 64, latents in steps of 4 (a 2x2
    grid of phases at 1/16 of a 64-multiple tile)."""
    batch = torch.export.Dim("batch", min=1, max=1024)
    image_h, image_w = torch.export.Dim("tile_h", min=1, max=64), torch.export.Dim("tile_w", min=1, max=64)
    latent_h, latent_w = torch.export.Dim("h", min=1, max=256), torch.export.Dim("w", min=1, max=256)
    spatial = {"x": (64 * image_h, 64 * image_w), "z_hat": (latent_h, latent_w)}
    shapes: list[dict[int, object]] = []
    for name in inputs:
        if name == "level":
            shapes.append({0: batch})
        else:
            h, w = spatial.get(name, (4 * latent_h, 4 * latent_w))
            shapes.append({0: batch, 2: h, 3: w})
    return tuple(shapes)


def export_onnx(model: CodecModel, folder: str | Path, force: bool = False) -> list[str]:
    """Write the float graphs of ``model`` and a manifest as the folder ``folder``.

    The folder appears whole or not at all (written beside it, then renamed); an existing
    one is replaced only with ``force``. Returns the names of the files. Needs the ``onnx``
    extra (onnx and onnxscript).
    """
    if model.dtype != torch.float32:
        raise PicodecError("export a float32 model")
    folder = Path(folder)
    if folder.exists() and not force:
        raise PicodecError(f"{folder} exists (use --force to replace it)")
    if not folder.parent.is_dir():
        raise PicodecError(f"cannot write {folder}: folder {folder.parent} does not exist")
    try:
        import onnxscript  # noqa: F401  (torch's ONNX exporter needs it)
    except ImportError as err:
        raise PicodecError("ONNX export needs the onnx extra: pip install 'picodec[onnx]'") from err
    manifest = {}
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for name, (module, inputs, outputs) in _graphs(model).items():
            _export(module, inputs, outputs, tmp / f"{name}.onnx")
            manifest[name] = {"inputs": list(inputs), "outputs": outputs}
        info = {"name": model.name, "model_id": model.id.hex(), "config": asdict(model.config),
                "phases": [list(phase) for phase in PHASES], "graphs": manifest}
        (tmp / "manifest.json").write_text(json.dumps(info, indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(path.name for path in folder.iterdir())


def _export(module: nn.Module, inputs: dict[str, torch.Tensor], outputs: list[str], path: Path) -> None:
    """One graph through torch's dynamo ONNX exporter, its chatter silenced."""
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            program = torch.onnx.export(module.eval(), tuple(inputs.values()), dynamo=True,
                                        input_names=list(inputs), output_names=outputs,
                                        dynamic_shapes=_dynamic_shapes(inputs), verbose=False)
    finally:
        quiet.setLevel(level)
    program.save(str(path))
