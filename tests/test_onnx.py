"""ONNX export: the exported graphs, run by onnxruntime, decode a real .pico file."""

import json

import numpy as np
import pytest

import picodec
from picodec import container
from picodec.cli import main
from picodec.model.pico import PHASES
from tests.conftest import photo_like

pytest.importorskip("onnxscript", reason="the onnx extra is not installed (pip install 'picodec[onnx]')")
ort = pytest.importorskip("onnxruntime")

LEVEL = 3.5  # between two trained levels: the graphs blend their tables as picodec does


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx") / "perceptual"
    assert main(["export-onnx", str(folder)]) == 0
    sessions = {path.stem: ort.InferenceSession(str(path)) for path in folder.glob("*.onnx")}
    return sessions, json.loads((folder / "manifest.json").read_text())


def run(sessions, name, **inputs):
    return sessions[name].run(None, inputs)


def decode_tile_with_onnx(model, sessions, payload, h, w, level):
    """The float half of the decoder in onnxruntime; symbols from picodec's integer half."""
    symbols = model.decode_symbols(payload, h, w, level)
    lv = np.array([level], dtype=np.float32)
    (p,) = run(sessions, "context_decoder", z_hat=symbols.z[None].astype(np.float32))
    y_hat = np.zeros((1, model.config.latent, h // 16, w // 16), dtype=np.float32)
    for k, (dy, dx) in enumerate(PHASES):
        known = {"y_known": y_hat.copy()} if k else {}
        mu, q = run(sessions, f"phase{k}", p=p, level=lv, **known)
        grid = (0, slice(None), slice(dy, None, 2), slice(dx, None, 2))
        y_hat[grid] = q[grid] * symbols.s[:, dy::2, dx::2] + mu[grid]
    (image,) = run(sessions, "synthesis", y_hat=y_hat, level=lv)
    return np.round(image[0] * 255).astype(np.uint8).transpose(1, 2, 0)


def test_onnx_graphs_decode_a_real_file_to_the_same_pixels(graphs, model):
    sessions, manifest = graphs
    data = picodec.encode(photo_like(128, 192, seed=5), level=LEVEL, model=model)
    header, (payload,) = container.unpack(data)
    assert manifest["model_id"] == header.model_id.hex() == model.id.hex()
    ours = decode_tile_with_onnx(model, sessions, payload, 128, 192, LEVEL)
    reference = np.asarray(picodec.decode(data, model=model))
    difference = np.abs(ours.astype(int) - reference)
    assert difference.max() <= 1 and (difference == 0).mean() > 0.99


def test_onnx_analysis_matches_the_encoder(graphs, model):
    import torch

    sessions, _ = graphs
    x = photo_like(64, 128, seed=6).transpose(2, 0, 1)[None].astype(np.float32) / 255
    for batch in (x, np.concatenate([x, x[..., ::-1].copy()])):
        levels = np.arange(len(batch), dtype=np.float32) + 0.25
        y, z = run(sessions, "analysis", x=batch, level=levels)
        with torch.no_grad():
            y_ref, z_ref = model.net.encode_latents(torch.from_numpy(batch), torch.from_numpy(levels))
        assert np.abs(y - y_ref.numpy()).max() < 1e-3 and np.abs(z - z_ref.numpy()).max() < 1e-3


def test_an_existing_folder_needs_force(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    assert main(["export-onnx", str(tmp_path / "taken")]) == 1
    assert "exists" in capsys.readouterr().err
