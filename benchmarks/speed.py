"""Encode/decode time and peak memory for a 12 MP (4032x3024) image, and model cost.

    python benchmarks/speed.py [--level 4] [--threads N] [--effort E]

Each of encode and decode runs in a fresh process, so its peak resident memory is its own.
The test image is generated (smooth gradients plus fine texture), so no data is needed.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

WIDTH, HEIGHT = 4032, 3024


def test_image() -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.stack([128 + 90 * np.sin(xx / (97 + 13 * c)) * np.cos(yy / (61 + 7 * c))
                     for c in range(3)], -1)
    texture = rng.normal(0, 8, (HEIGHT, WIDTH, 1)).astype(np.float32)
    return np.clip(base + texture, 0, 255).astype(np.uint8)


def run_child(mode: str, level: int, threads: int | None, path: str, effort: int = 0) -> dict[str, float]:
    import picodec

    picodec.decode(picodec.encode(test_image()[:64, :64], level=level))  # load + warm up
    if mode == "encode":
        image = test_image()
        t0 = time.perf_counter()
        data = picodec.encode(image, level=level, threads=threads, effort=effort)
        seconds = time.perf_counter() - t0
        Path(path).write_bytes(data)
        extra = {"bytes": len(data), "bpp": 8 * len(data) / (WIDTH * HEIGHT)}
    else:
        data = Path(path).read_bytes()
        t0 = time.perf_counter()
        picodec.codec.decode(data, threads=threads)
        seconds = time.perf_counter() - t0
        extra = {}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb, **extra}


def model_cost() -> dict[str, float]:
    from picodec import weights
    from picodec.nn.macs import count_macs

    net = weights.load().net
    x, level, px = torch.rand(1, 3, 512, 512), torch.tensor([4]), 512 * 512
    with torch.no_grad():
        y, z = net.encode_latents(x, level)
        p = net.context_decoder(z)
    phases = lambda: [net.phase_params(k, p, y, level) for k in range(4)]  # noqa: E731
    analysis = count_macs(net, lambda: net.encode_latents(x, level)) / px
    synthesis = count_macs(net.synthesis, lambda: net.reconstruct(y, level)) / px
    context = count_macs(net.context, phases) / px
    hyper = count_macs(net.context_decoder, lambda: net.context_decoder(z)) / px
    params = lambda *parts: sum(p.numel() for m in parts for p in m.parameters())  # noqa: E731
    return {"encoder_kmac_per_px": (analysis + context + hyper) / 1e3,
            "decoder_kmac_per_px": (synthesis + context + hyper) / 1e3,
            "encoder_params_M": params(net.analysis, net.hyper_analysis, net.context,
                                       net.context_decoder) / 1e6,
            "decoder_params_M": params(net.synthesis, net.context, net.context_decoder) / 1e6}


def cpu_name() -> str:
    """The CPU's model name where Linux tells it (timings differ by 2x between machines)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--effort", type=int, default=0)
    parser.add_argument("--child", choices=["encode", "decode"], help=argparse.SUPPRESS)
    parser.add_argument("--file", default="/tmp/picodec-speed.pico", help="where the .pico goes")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.level, args.threads, args.file, args.effort)))
        return
    results = {"image": f"{WIDTH}x{HEIGHT}", "level": args.level, "effort": args.effort,
               "cpu": cpu_name(), "cores": torch.get_num_threads()}
    for mode in ("encode", "decode"):
        cmd = [sys.executable, __file__, "--child", mode, "--level", str(args.level),
               "--effort", str(args.effort), "--file", args.file]
        cmd += ["--threads", str(args.threads)] if args.threads else []
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        results[mode] = json.loads(out.strip().splitlines()[-1])
    results["model"] = model_cost()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
