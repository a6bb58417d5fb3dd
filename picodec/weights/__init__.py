"""The models shipped inside the package: ``<name>.safetensors`` with ``<name>.md`` cards.

A ``.pico`` header names its model by the hash of the weights file, never by name or by
position in this folder, so renaming or adding models never breaks old files. Finding a
model's name needs no torch; only ``load`` imports it (``picodec.model.runtime``).

Models of your own (``picodec export``) are found too when their folder is listed in the
PICODEC_MODEL_PATH environment variable (folders separated by ``os.pathsep``); a shipped
model's name wins over theirs.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from picodec.errors import PicodecError

if TYPE_CHECKING:
    from picodec.model.runtime import CodecModel

FOLDER = Path(__file__).parent
DEFAULT_MODEL = "perceptual"
MODEL_ID_BYTES = 8


def model_id(path: str | Path) -> bytes:
    """The first bytes of the SHA-256 of a weights file: the id written in headers."""
    return hashlib.sha256(Path(path).read_bytes()).digest()[:MODEL_ID_BYTES]


def available() -> dict[str, Path]:
    """Model names and their weights files: shipped ones, then PICODEC_MODEL_PATH's."""
    extra = [Path(f) for f in os.environ.get("PICODEC_MODEL_PATH", "").split(os.pathsep) if f]
    models: dict[str, Path] = {}
    for folder in [*reversed(extra), FOLDER]:
        models.update({p.stem: p for p in sorted(folder.glob("*.safetensors"))})
    return models


@cache
def _ids() -> dict[bytes, str]:
    return {model_id(path): name for name, path in available().items()}


def name_of(identifier: bytes) -> str | None:
    """The shipped model with this id, if any."""
    return _ids().get(identifier)


@cache
def load(name: str = DEFAULT_MODEL) -> CodecModel:
    """A shipped model by name (loaded once per process)."""
    from picodec.model.runtime import CodecModel

    models = available()
    if name not in models:
        known = ", ".join(models) or "none"
        raise PicodecError(f"unknown model '{name}' (shipped models: {known})")
    return CodecModel(models[name])


def load_by_id(identifier: bytes) -> CodecModel:
    """The shipped model that wrote a file, found from the id in its header."""
    name = name_of(identifier)
    if name is None:
        raise PicodecError(f"this file was made with a model that is not installed "
                           f"(model id {identifier.hex()}; an earlier release's weights decode "
                           f"it from a folder listed in PICODEC_MODEL_PATH)")
    return load(name)
