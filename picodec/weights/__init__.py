"""The models shipped inside the package: ``<name>.safetensors`` with ``<name>.md`` cards.

A ``.pico`` header names its model by the hash of the weights file, never by name or by
position in this folder, so renaming or adding models never breaks old files. Finding a
model's name needs no torch; only ``load`` imports it (``picodec.model.runtime``).

Models of your own (``picodec export``) are found too when their folder is listed in the
PICODEC_MODEL_PATH environment variable (folders separated by ``os.pathsep``); a shipped
model's name wins over theirs.

When a release ships new weights under an old name, the weights they replace move to
``retired/`` as ``<name>-<last release>.safetensors``: files written with them still
decode, found by their id, but ``encode`` offers only the current models.
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
RETIRED = FOLDER / "retired"
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
def _ids() -> dict[bytes, tuple[str, Path]]:
    """Every model that can decode, by id: the retired ones, then the available ones."""
    ids = {model_id(path): (path.stem, path) for path in sorted(RETIRED.glob("*.safetensors"))}
    ids.update({model_id(path): (name, path) for name, path in available().items()})
    return ids


def name_of(identifier: bytes) -> str | None:
    """The name of the installed model with this id (a retired one's carries its release)."""
    found = _ids().get(identifier)
    return found[0] if found else None


@cache
def _load_file(path: Path) -> CodecModel:
    from picodec.model.runtime import CodecModel

    return CodecModel(path)


def load(name: str = DEFAULT_MODEL) -> CodecModel:
    """A shipped model by name (loaded once per process)."""
    models = available()
    if name not in models:
        known = ", ".join(models) or "none"
        raise PicodecError(f"unknown model '{name}' (shipped models: {known})")
    return _load_file(models[name])


def load_by_id(identifier: bytes) -> CodecModel:
    """The installed model that wrote a file, found from the id in its header."""
    found = _ids().get(identifier)
    if found is None:
        raise PicodecError(f"this file was made with a model that is not installed "
                           f"(model id {identifier.hex()}; an earlier release's weights decode "
                           f"it from a folder listed in PICODEC_MODEL_PATH)")
    return _load_file(found[1])
