"""Folding (ConvScale, Haar) and the integer-only scale decoder."""

import numpy as np
import torch

from picodec.model.config import ModelConfig
from picodec.model.export import integer_scale_decoder
from picodec.model.pico import PicoModel
from picodec.nn.blocks import fold
from picodec.nn.haar import HAAR, HaarDown, HaarUp

SMALL = ModelConfig(channels=(8, 8, 16, 16), latent=16, hyper=8, hyper_hidden=16, prior=16,
                    context_hidden=16, scale_hidden=16)


def _randomise(module: torch.nn.Module, seed: int = 0) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=gen))


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Equal up to float rounding, relative to the tensor's overall magnitude."""
    return bool((a - b).abs().max() <= 1e-5 * a.abs().max())


def test_haar_is_orthogonal_and_its_own_inverse():
    assert torch.allclose(HAAR @ HAAR, torch.eye(4))


def test_haar_resamplers_fold_exactly():
    torch.manual_seed(0)
    x = torch.randn(2, 6, 16, 16)
    for layer in (HaarDown(6, 5), HaarUp(6, 5)):
        _randomise(layer)
        assert _close(layer(x), layer.fold()(x))


def test_folded_model_computes_the_same_function():
    torch.manual_seed(0)
    model = PicoModel(SMALL).eval()
    _randomise(model)
    x, level = torch.rand(1, 3, 128, 128), torch.tensor([3])
    with torch.no_grad():
        y, z = model.encode_latents(x, level)
        x_hat = model.reconstruct(y, level)
        p = model.context_decoder(z)
        for part in ("analysis", "hyper_analysis", "synthesis", "context_decoder", "context"):
            fold(getattr(model, part))
        y2, z2 = model.encode_latents(x, level)
        assert not any(type(m).__name__ == "ConvScale" for m in model.synthesis.modules())
        assert _close(y, y2) and _close(z, z2)
        assert _close(x_hat, model.reconstruct(y, level))
        assert _close(p, model.context_decoder(z))


def test_integer_scale_decoder_matches_its_quantisation_aware_float_form():
    torch.manual_seed(1)
    model = PicoModel(SMALL).eval()
    _randomise(model, seed=1)
    with torch.no_grad():
        model.level_sigma.weight[2] = torch.linspace(-3, 3, SMALL.latent)
    z = torch.randint(-6, 7, (1, SMALL.hyper, 4, 4)).float()
    with torch.no_grad():
        reference = model.scale_index_float(z, torch.tensor([2])).clamp(0, SMALL.n_scales - 1)
        reference = reference.round()[0].numpy()
    net = integer_scale_decoder(model)
    out = net(z[0].numpy().astype(np.int64), 200)  # level 2, in hundredths
    assert out.dtype == np.int64 and out.shape == reference.shape
    assert all(layer.weight.dtype == np.int8 and layer.bias.dtype == np.int32 for layer in net.layers)
    # fixed-point requantisation may round a step differently from the float emulation
    assert np.mean(np.abs(out - reference) <= 1) > 0.99
    assert np.mean(out == reference) > 0.8


def test_integer_scale_decoder_output_shape_and_range():
    torch.manual_seed(2)
    model = PicoModel(SMALL)
    _randomise(model, seed=2)
    net = integer_scale_decoder(model)
    z = np.random.default_rng(0).integers(-5, 6, (SMALL.hyper, 3, 5))
    out = net(z, 0)
    assert out.shape == (SMALL.latent, 12, 20)
    assert np.issubdtype(out.dtype, np.integer)
    assert out.min() >= 0 and out.max() <= SMALL.n_scales - 1
