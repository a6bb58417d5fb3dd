"""A loaded model, ready to compress and decompress single tiles.

compress_tile:    tile ─► y, z ─► ẑ = round(z) ─► integer scale net ─► σ index
                                  └► context decoder ─► p ─► 4 phases ─► s
                  range coder: ẑ (per-channel tables), then s (tables by σ index, escapes
                  for symbols beyond their table: ``picodec.entropy.coder``)
                  (with refine steps, y is refined before the phases: ``picodec.model.refine``)
decompress_tile:  range decoder: ẑ ─► σ index ─► every s ─► 4 phases ─► ŷ ─► synthesis

Payloads of format versions 1-2 carry no escapes (their encoder clamped s into the tables):
the decoder is told which kind it reads. A level may lie between the trained ones, in
hundredths (``picodec.levels``).

The weights file's SHA-256 is the model id written in every ``.pico`` header.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.numpy import load_file

from picodec import levels
from picodec.entropy.coder import TableCoder, finish, new_decoder, new_encoder
from picodec.entropy.tables import CdfTables
from picodec.model.config import ModelConfig
from picodec.model.export import FORMAT
from picodec.model.pico import DOWNSAMPLE, LATENT_STRIDE, PHASES, PicoModel
from picodec.model.refine import Picture, Refiner, Region
from picodec.nn.blocks import fold
from picodec.nn.integer import IntegerNet
from picodec.weights import model_id


@dataclass(frozen=True)
class TileSymbols:
    """Everything entropy-decoded from one tile, before any float network runs."""

    z: np.ndarray      # int64 [Cz, h/64, w/64]
    sigma: np.ndarray  # int64 [M, h/16, w/16], σ indices from the integer scale decoder
    s: np.ndarray      # int64 [M, h/16, w/16]


class CodecModel:
    """Folded float networks + integer scale decoder + integer tables of one weights file."""

    def __init__(self, path: str | Path, dtype: torch.dtype = torch.float32) -> None:
        path = Path(path)
        with safe_open(str(path), "np") as f:
            meta = f.metadata() or {}
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path} is not a picodec model file")
        self.name = meta["name"]
        self.path = path
        self.id = model_id(path)
        self.config = ModelConfig.from_json(meta["model_config"])
        tensors = load_file(str(path))
        net = PicoModel(self.config)
        net.load_state_dict({k[4:]: torch.from_numpy(v) for k, v in tensors.items()
                             if k.startswith("net.")})
        for part in ("analysis", "hyper_analysis", "synthesis", "context_decoder", "context"):
            fold(getattr(net, part))
        del net.scale_layers  # replaced by the integer network below
        self.net = net.eval().requires_grad_(False).to(dtype)
        self.dtype = dtype
        self.scale_net = IntegerNet.from_state(tensors, "int.scale")
        self.z_coder = TableCoder(CdfTables.from_state(tensors, "tables.z"))
        self.y_coder = TableCoder(CdfTables.from_state(tensors, "tables.y"))

    @property
    def levels(self) -> int:
        return self.config.levels

    def _z_ids(self, h: int, w: int) -> np.ndarray:
        shape = (self.config.hyper, h // DOWNSAMPLE, w // DOWNSAMPLE)
        return np.broadcast_to(np.arange(shape[0])[:, None, None], shape)

    @staticmethod
    def _level(level: float) -> tuple[torch.Tensor, int]:
        """A level as the float networks take it and in steps, for the integer network."""
        steps = levels.to_steps(level)
        return torch.tensor([steps / levels.STEPS]), steps

    def _phases(self, p: torch.Tensor, level: torch.Tensor, sigma: np.ndarray,
                symbols: np.ndarray | None, y: torch.Tensor | None) -> tuple[torch.Tensor, np.ndarray]:
        """Run the 4 context phases; encode (from y) or decode (from given symbols)."""
        h, w = p.shape[-2:]
        y_hat = torch.zeros(1, self.config.latent, h, w, dtype=self.dtype)
        s_all = np.zeros((self.config.latent, h, w), dtype=np.int64) if symbols is None else symbols
        for k, (dy, dx) in enumerate(PHASES):
            mu, q = self.net.phase_params(k, p, y_hat, level)
            mu, q = mu[0, :, dy::2, dx::2], q[0, :, dy::2, dx::2]
            if y is not None:
                s = torch.round((y[0, :, dy::2, dx::2] - mu) / q).numpy().astype(np.int64)
                s_all[:, dy::2, dx::2] = self.y_coder.clamp(s, sigma[:, dy::2, dx::2], escapes=True)
            s_k = torch.from_numpy(s_all[:, dy::2, dx::2]).to(self.dtype)
            y_hat[0, :, dy::2, dx::2] = q * s_k + mu
        return y_hat, s_all

    @torch.no_grad()
    def compress_tile(self, tile: np.ndarray, level: float, refine_steps: int = 0,
                      region: Region | None = None, picture: Picture | None = None) -> bytes:
        """tile: uint8 [H, W, 3] with H, W multiples of 64 -> payload bytes. With
        ``refine_steps``, y is refined that many gradient steps first (``picodec.model.refine``)
        for the pixels in ``region`` (default: all), or for the resized ``picture``."""
        h, w, _ = tile.shape
        x = torch.from_numpy(np.ascontiguousarray(tile)).permute(2, 0, 1)[None].to(self.dtype) / 255
        lv, steps = self._level(level)
        y, z = self.net.encode_latents(x, lv)
        z_ids = self._z_ids(h, w)
        z_int = self.z_coder.clamp(torch.round(z[0]).numpy().astype(np.int64), z_ids, escapes=False)
        sigma = self.scale_net(z_int, steps)
        p = self.net.context_decoder(torch.from_numpy(z_int)[None].to(self.dtype))
        if refine_steps:
            sigma_values = self.net.sigma_table().to(self.dtype)[torch.from_numpy(sigma)][None]
            with torch.enable_grad():
                y = Refiner(self.net, x, lv, p, sigma_values, region, picture).refine(y, refine_steps)
        _, s = self._phases(p, lv, sigma, None, y)
        encoder = new_encoder()
        self.z_coder.encode(encoder, z_int, z_ids, escapes=False)
        self.y_coder.encode(encoder, s, sigma, escapes=True)
        return finish(encoder)

    def decode_symbols(self, payload: bytes, h: int, w: int, level: float,
                       escapes: bool = True) -> TileSymbols:
        """Entropy-decode every symbol of a tile; no float arithmetic is involved.
        ``escapes``: the payload escape-codes out-of-table symbols (format version ≥ 3)."""
        decoder = new_decoder(payload)
        z = self.z_coder.decode(decoder, self._z_ids(h, w), escapes=False)
        sigma = self.scale_net(z, levels.to_steps(level))
        if sigma.shape != (self.config.latent, h // LATENT_STRIDE, w // LATENT_STRIDE):
            raise ValueError("scale decoder output has the wrong shape")
        return TileSymbols(z, sigma, self.y_coder.decode(decoder, sigma, escapes=escapes))

    @torch.no_grad()
    def decompress_tile(self, payload: bytes, h: int, w: int, level: float,
                        escapes: bool = True) -> np.ndarray:
        """payload -> uint8 [h, w, 3]."""
        symbols = self.decode_symbols(payload, h, w, level, escapes)
        lv, _ = self._level(level)
        p = self.net.context_decoder(torch.from_numpy(symbols.z)[None].to(self.dtype))
        y_hat, _ = self._phases(p, lv, symbols.sigma, symbols.s, None)
        x_hat = self.net.reconstruct(y_hat, lv)[0].clamp(0, 1)
        return torch.round(x_hat * 255).to(torch.uint8).permute(1, 2, 0).numpy()
