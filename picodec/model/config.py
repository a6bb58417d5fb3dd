"""The architecture hyper-parameters of a picodec model, stored with its weights."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ModelConfig:
    """Channel widths and sizes of the PICO-style transforms.

    ``channels`` are the widths at 1/2, 1/4, 1/8 and 1/16 resolution; ``repeats`` the number
    of ConvScale311 blocks at each (decoder and encoder alike).
    """

    levels: int = 8
    channels: tuple[int, int, int, int] = (32, 64, 96, 128)
    repeats: tuple[int, int, int, int] = (1, 1, 1, 1)
    expand: int = 2
    latent: int = 96          # M: channels of y at 1/16
    hyper: int = 48           # channels of z at 1/64
    hyper_hidden: int = 96    # width of the hyper transforms
    prior: int = 96           # channels of the context decoder's output p
    context_hidden: int = 96  # width of each context-model phase
    scale_hidden: int = 64    # width of the integer scale decoder
    n_scales: int = 64        # σ table size
    sigma_min: float = 0.11
    sigma_max: float = 48.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelConfig:
        fields = json.loads(text)
        for key in ("channels", "repeats"):
            fields[key] = tuple(fields[key])
        return cls(**fields)
