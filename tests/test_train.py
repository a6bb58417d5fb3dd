"""Stage-1 training: a few real steps, resume, export to a working codec, and DDP."""

import csv
import importlib.util
import json
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from picodec.cli import main
from picodec.model.config import ModelConfig
from picodec.model.export import export
from picodec.model.pico import PicoModel
from picodec.model.runtime import CodecModel
from picodec.train.checkpoint import load_checkpoint, read_metadata
from picodec.train.config import TrainConfig, geometric
from picodec.train.data import CropSampler, batches
from picodec.train.trainer import (
    BALANCE_KEY,
    SECONDS_KEY,
    LevelBalance,
    learning_rate,
    run_fraction,
    train,
    warn_slow_bf16,
)
from picodec.train.widen import widen
from tests.conftest import photo_like


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    for i in range(3):
        Image.fromarray(photo_like(96, 120, seed=i)).save(folder / f"{i}.png")
    Image.fromarray(photo_like(80, 90, seed=9)).save(folder / "sub.jpg")
    return folder


def _config(data_dir, out, steps):
    return TrainConfig(data=str(data_dir), out=str(out), patch=64, batch=2, steps=steps,
                       checkpoint_every=2, threads=1)


def test_train_resume_and_export(tmp_path, data_dir):
    out = tmp_path / "run"
    ckpt = train(_config(data_dir, out, 3), progress=False)
    model = PicoModel(ModelConfig())
    assert load_checkpoint(ckpt, model) == 3
    before = {k: v.clone() for k, v in model.state_dict().items()}
    train(replace(_config(data_dir, out, 5), workers=1), progress=False)  # crops from a worker
    assert load_checkpoint(ckpt, model) == 5
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
    rows = list(csv.DictReader((out / "log.csv").open()))
    assert [int(r["step"]) for r in rows] == [0]  # logged every 10 steps
    assert np.isfinite(float(rows[0]["loss"]))

    weights = tmp_path / "tiny.safetensors"
    assert main(["export", str(ckpt), str(weights), "--name", "tiny"]) == 0
    codec = CodecModel(weights)
    tile = photo_like(64, 128)
    payload = codec.compress_tile(tile, 2)
    assert codec.decompress_tile(payload, 64, 128, 2).shape == (64, 128, 3)


def test_keep_every_keeps_a_snapshot_of_each_such_step(tmp_path, data_dir):
    out = tmp_path / "run"
    train(replace(_config(data_dir, out, 3), keep_every=1), progress=False)
    kept = sorted(out.glob("checkpoint-*.safetensors"))
    assert [p.name for p in kept] == [f"checkpoint-{s}.safetensors" for s in (1, 2, 3)]
    model = PicoModel(ModelConfig())
    assert [load_checkpoint(p, model) for p in kept] == [1, 2, 3]


def test_a_spent_time_budget_ends_the_run_with_a_checkpoint(tmp_path, data_dir):
    cfg = replace(_config(data_dir, tmp_path / "run", 50), minutes=1e-9, checkpoint_every=100)
    ckpt = train(cfg, progress=False)
    model = PicoModel(ModelConfig())
    assert load_checkpoint(ckpt, model) == 1  # the first step spent the budget
    assert float(read_metadata(ckpt)[SECONDS_KEY]) > 0
    train(cfg, progress=False)  # resumed: the budget is still spent, so no more steps
    assert load_checkpoint(ckpt, model) == 1
    train(replace(cfg, minutes=0, steps=3), progress=False)  # a new budget goes on
    assert load_checkpoint(ckpt, model) == 3


def test_level_balance_gives_every_level_a_unit_loss_and_survives_a_resume(tmp_path, data_dir):
    balance = LevelBalance(2)
    for _ in range(300):  # level 1's loss is 100x level 0's: after balancing both are ~1
        w0, w1 = balance.weight(0, torch.tensor(0.3)), balance.weight(1, torch.tensor(30.0))
    assert 0.3 * w0.item() == pytest.approx(1) and 30.0 * w1.item() == pytest.approx(1)
    assert torch.equal(LevelBalance(2, balance.state()).means, balance.means)

    out = tmp_path / "balanced"
    ckpt = train(replace(_config(data_dir, out, 4), balance_levels=True), progress=False)
    means = LevelBalance(8, read_metadata(ckpt)[BALANCE_KEY]).means
    assert (means > 0).sum() >= 1 and torch.isfinite(means).all()


def test_training_lowers_the_loss_on_one_batch(data_dir):
    torch.manual_seed(0)
    model = PicoModel(ModelConfig())
    x = torch.from_numpy(photo_like(64, 64)).permute(2, 0, 1)[None].float() / 255
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    level = torch.tensor([4])
    losses = []
    for _ in range(30):
        out = model(x, level)
        loss = (out["bits_y"] + out["bits_z"]).mean() / 4096 + 0.01 * 255**2 * torch.mean(
            (out["x_hat"] - x) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])


def test_batch_stream_in_process_and_in_workers(data_dir):
    sampler = CropSampler(data_dir, 32, seed=0)
    sampler.reseed(5)
    expected = [sampler.batch(2) for _ in range(2)]
    stream = batches(sampler, 2, seed=5)
    assert all(torch.equal(next(stream), e) for e in expected)  # workers 0: the same stream

    def first(n: int) -> list[torch.Tensor]:
        stream = batches(CropSampler(data_dir, 32, seed=0), 2, seed=5, workers=2)
        return [next(stream) for _ in range(n)]

    a, b = first(4), first(4)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))  # reproducible
    assert a[0].shape == (2, 3, 32, 32) and not torch.equal(a[0], a[1])  # workers differ


def test_config_validation_and_schedule(tmp_path):
    with pytest.raises(ValueError, match="lambdas"):
        TrainConfig(levels=4)
    with pytest.raises(ValueError, match="multiple of 64"):
        TrainConfig(patch=100)
    with pytest.raises(ValueError, match="workers"):
        TrainConfig(workers=-1)
    with pytest.raises(ValueError, match="minutes"):
        TrainConfig(minutes=-1)
    cfg = TrainConfig(steps=100, decay_from=0.5, lr=1e-3, lr_min=1e-5)
    assert learning_rate(cfg, 0.1) == 1e-3 and learning_rate(cfg, 1.0) == pytest.approx(1e-5)
    assert 1e-5 < learning_rate(cfg, 0.75) < 1e-3
    assert run_fraction(cfg, 25, seconds=1e6) == 0.25  # no time budget: steps only
    timed = replace(cfg, minutes=2)
    assert run_fraction(timed, 25, seconds=90) == 0.75  # time runs out first
    assert run_fraction(timed, 80, seconds=90) == 0.8
    lam = geometric(0.001, 0.1, 8)
    assert lam[0] == pytest.approx(0.001) and lam[-1] == pytest.approx(0.1)
    path = tmp_path / "c.json"
    path.write_text('{"steps": 7, "lambdas": [1, 2, 3, 4, 5, 6, 7, 8]}')
    assert TrainConfig.load(path).steps == 7
    path.write_text('{"stepz": 7}')
    with pytest.raises(ValueError, match="unknown"):
        TrainConfig.load(path)


def test_loss_weights_are_one_value_or_one_per_level(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"w_tiling": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.1], "w_gan": 0}')
    cfg = TrainConfig.load(path)
    assert [cfg.weight("w_tiling", level) for level in (0, 6, 7)] == [0.5, 0.5, 0.1]
    assert cfg.weight("w_text", 3) == cfg.w_text and not cfg.uses("w_gan")
    assert TrainConfig(w_gan=(0,) * 7 + (0.01,)).uses("w_gan")
    path.write_text(cfg.to_json())
    assert TrainConfig.load(path) == cfg
    with pytest.raises(ValueError, match="w_text has 3 values for 8 levels"):
        TrainConfig(w_text=(0.1, 0.2, 0.3))


def test_two_process_ddp_training_on_cpu(tmp_path, data_dir):
    out = tmp_path / "ddp"
    script = ("from picodec.train.config import TrainConfig\n"
              "from picodec.train.trainer import train\n"
              f"train(TrainConfig(data={str(data_dir)!r}, out={str(out)!r}, patch=64, batch=1, "
              "steps=2, checkpoint_every=2, threads=1), progress=False)\n")
    (tmp_path / "run.py").write_text(script)
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
                             "--master_port=29517", str(tmp_path / "run.py")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert load_checkpoint(out / "checkpoint.safetensors", PicoModel(ModelConfig())) == 2


def test_widen_keeps_the_decoded_image_and_trains_as_the_wider_model(tmp_path, data_dir):
    torch.manual_seed(0)
    small = ModelConfig(channels=(8, 8, 16, 16), latent=16, hyper=8, hyper_hidden=16, prior=16,
                        context_hidden=16, scale_hidden=16)
    old = PicoModel(small)
    with torch.no_grad():  # a "trained" model: no zero or unit parameters left
        for p in old.parameters():
            p.add_(0.05 * torch.randn_like(p))
    new = widen(old, latent=24, features=24)
    x = torch.rand(2, 3, 64, 64)
    level = torch.tensor([1, 5])
    before, after = old(x, level), new(x, level)
    assert (new.config.latent, new.config.channels[3]) == (24, 24)
    assert torch.allclose(after["x_hat"], before["x_hat"], atol=1e-5)
    y_old, _ = old.encode_latents(x, level)
    y_new, _ = new.encode_latents(x, level)
    assert torch.allclose(y_new[:, :16], y_old[:, :16], atol=1e-5)
    assert not y_new[:, 16:].any()  # the new channels start empty...

    torch.nn.functional.mse_loss(after["x_hat"], x).backward()
    for weight in (new.analysis[-1].conv.weight, new.analysis[-4].proj.conv.weight):
        assert weight.grad[16:].abs().sum() > 0  # ...but their zero rows get a gradient

    init = export(new, tmp_path / "wide.safetensors", "wide")
    cfg = TrainConfig(data=str(data_dir), out=str(tmp_path / "run"), patch=64, batch=2,
                      steps=1, checkpoint_every=1, threads=1, init=str(init))
    trained = ModelConfig.from_json(read_metadata(train(cfg, progress=False))["model_config"])
    assert (trained.latent, trained.channels[3]) == (24, 24)


def test_bf16_training_pass_stays_close_and_keeps_rates_in_float32(tmp_path, data_dir):
    torch.manual_seed(1)
    model = PicoModel(ModelConfig(channels=(8, 8, 16, 16), latent=16, hyper=8, hyper_hidden=16,
                                  prior=16, context_hidden=16, scale_hidden=16))
    x, level = torch.rand(2, 3, 64, 64), torch.tensor([2, 6])
    torch.manual_seed(2)
    full = model(x, level)
    model.low_precision = torch.bfloat16
    torch.manual_seed(2)
    low = model(x, level)
    assert all(v.dtype == torch.float32 for v in low.values())
    assert (low["x_hat"] - full["x_hat"]).abs().max() < 0.02
    assert torch.allclose(low["bits_y"], full["bits_y"], rtol=0.05)
    cfg = TrainConfig(data=str(data_dir), out=str(tmp_path / "run"), patch=64, batch=2, steps=2,
                      checkpoint_every=2, threads=1, bf16=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the slow-bf16 warning, tested below
        assert load_checkpoint(train(cfg, progress=False), PicoModel(ModelConfig())) == 2


@pytest.mark.parametrize("bf16", [False, True])
def test_bf16_warns_only_where_the_cpu_lacks_bfloat16(bf16):
    slow = bf16 and not torch.ops.mkldnn._is_mkldnn_bf16_supported()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_slow_bf16(TrainConfig(bf16=bf16), torch.device("cpu"))
    assert any("bfloat16" in str(w.message) for w in caught) == slow


def test_the_gpu_kit_keeps_a_call_for_the_next_to_go_on_from(tmp_path, data_dir):
    """training/gpu/keep.py: a call's pair in float16, its steps and seed added up."""
    spec = importlib.util.spec_from_file_location(
        "keep", Path(__file__).resolve().parents[1] / "training" / "gpu" / "keep.py")
    keep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(keep)
    small = ModelConfig(channels=(8, 8, 16, 16), latent=16, hyper=8, hyper_hidden=16, prior=16,
                        context_hidden=16, scale_hidden=16)
    resume = tmp_path / "resume"
    for call, (seed, steps) in enumerate([(3, 2491), (4, 2101)]):  # logged every 10 steps
        returned = tmp_path / f"call{call}"
        (returned / "models").mkdir(parents=True)
        torch.manual_seed(call)
        models = {arm: PicoModel(small) for arm in keep.ARMS}
        for arm, model in models.items():
            export(model, returned / "models" / f"{arm}.safetensors", arm)
            rows = "".join(f"{s},3\n" for s in range(0, steps, 10))
            (returned / f"{arm}.csv").write_text("step,level\n" + rows)
        (returned / "gpu.json").write_text(json.dumps({"seed": seed, "batch": 32}))
        history = keep.keep(returned, resume)
    assert history["next_seed"] == 5 and len(history["calls"]) == 2
    assert history["steps"] == {"gpu": 2491 + 2101, "gpu-notext": 2491 + 2101}

    kept = resume / "gpu.safetensors"
    loaded = PicoModel(small)
    load_checkpoint(kept, loaded)
    for name, value in models["gpu"].state_dict().items():  # the last call's weights
        assert torch.allclose(loaded.state_dict()[name], value, rtol=1e-3, atol=1e-4), name
    cfg = TrainConfig(data=str(data_dir), out=str(tmp_path / "run"), patch=64, batch=2,
                      steps=1, checkpoint_every=1, threads=1, init=str(kept))
    trained = ModelConfig.from_json(read_metadata(train(cfg, progress=False))["model_config"])
    assert trained == small
