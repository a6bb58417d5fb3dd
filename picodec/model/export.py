"""Export a trained model to the shipped safetensors form.

One file holds everything a decoder needs, so nothing is recomputed in float at run time:

    net.*             float weights of the transforms (unfolded: stage 2 resumes from them)
    int.scale.*       the integer scale decoder (int8 weights, int32 biases, multipliers)
    tables.y.*        one integer CDF table per σ index
    tables.z.*        one integer CDF table per z channel
    metadata          model config (JSON), name, format
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from picodec.entropy.tables import gaussian_tables, logistic_tables
from picodec.model.pico import PicoModel
from picodec.nn.integer import IntegerNet, convert

FORMAT = "picodec-model-1"


def integer_scale_decoder(model: PicoModel) -> IntegerNet:
    return convert(list(model.scale_layers), model.scale_shuffles,
                   model.level_sigma.weight.detach(), model.config.n_scales - 1)


def export(model: PicoModel, path: str | Path, name: str) -> Path:
    """Write ``model`` as a self-contained, deterministic weights file."""
    path = Path(path)
    tensors: dict[str, np.ndarray] = {
        f"net.{k}": v.detach().cpu().contiguous().numpy() for k, v in model.state_dict().items()}
    tensors.update(integer_scale_decoder(model).state("int.scale"))
    tensors.update(gaussian_tables(model.sigma_table().numpy()).state("tables.y"))
    prior = model.z_prior
    tensors.update(logistic_tables(prior.loc.detach().double().numpy(),
                                   prior.log_scale.detach().double().exp().numpy()).state("tables.z"))
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata={
        "format": FORMAT, "name": name, "model_config": model.config.to_json()})
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path
