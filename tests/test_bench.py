"""A real bench run (2 images x 2 codecs), then BD-rate and the report from its file."""

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from picodec.cli import main
from picodec.eval.bench import PER_IMAGE_METRICS
from picodec.weights import DEFAULT_MODEL
from tests.conftest import photo_like


def test_bench_bdrate_plot(tmp_path, capsys):
    data = tmp_path / "images"
    data.mkdir()
    for i, suffix in enumerate((".png", ".tiff")):  # any lossless format picodec writes
        Image.fromarray(photo_like(128, 192, seed=i)).save(data / f"img{i}{suffix}")
    out = tmp_path / "results.json"
    assert main(["bench", str(data), "--codecs", "picodec,jpeg", "--out", str(out), "--jobs", "2"]) == 0
    results = json.loads(out.read_text())
    assert set(results["codecs"]) == {f"picodec-{DEFAULT_MODEL}", "jpeg"}
    assert len(results["records"]) == 2 * (8 + len(results["codecs"]["jpeg"]["points"]))
    for r in results["records"]:
        assert r["bytes"] > 0 and r["bpp"] == 8 * r["bytes"] / (128 * 192)
        assert all(m in r for m in set(results["metrics"]) - PER_IMAGE_METRICS)
        assert "seam_error" not in r  # 128x192 images have no seam on the 256 grid

    # a second run reuses the cache and gives the same records
    main(["bench", str(data), "--codecs", "picodec,jpeg", "--out", str(out), "--jobs", "1"])
    assert json.loads(out.read_text())["records"] == results["records"]

    capsys.readouterr()
    assert main(["bdrate", str(out), "--anchor", "jpeg"]) == 0
    assert f"picodec-{DEFAULT_MODEL}" in capsys.readouterr().out
    assert main(["plot", str(out), "--out", str(tmp_path / "report")]) == 0
    page = (tmp_path / "report" / "report.html").read_text()
    assert "rd_psnr.png" in page and (tmp_path / "report" / "rd_psnr.png").stat().st_size > 1000


def test_unknown_codec_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "a.png").write_bytes(b"")
    assert main(["bench", str(tmp_path), "--codecs", "nope", "--out", str(tmp_path / "r.json")]) == 1
    assert "unknown codec" in capsys.readouterr().err


def test_metrics_can_be_restricted(tmp_path, capsys):
    Image.fromarray(photo_like(64, 64, seed=3)).save(tmp_path / "a.png")
    out = tmp_path / "r.json"
    assert main(["bench", str(tmp_path), "--codecs", "jpeg", "--out", str(out), "--jobs", "1",
                 "--metrics", "psnr,butteraugli"]) == 0
    results = json.loads(out.read_text())
    assert set(results["metrics"]) <= {"psnr", "butteraugli", "butteraugli_p3"}
    assert all("ms_ssim" not in r and "psnr" in r for r in results["records"])
    assert main(["bench", str(tmp_path), "--codecs", "jpeg", "--out", str(out), "--metrics", "vmaf"]) == 1
    assert "unknown metrics" in capsys.readouterr().err


def test_cached_points_without_a_seam_metric_are_redone(tmp_path):
    Image.fromarray(photo_like(300, 300, seed=4)).save(tmp_path / "a.png")
    out = tmp_path / "r.json"
    common = ["bench", str(tmp_path), "--codecs", "jpeg", "--out", str(out), "--jobs", "1"]
    assert main([*common, "--metrics", "psnr"]) == 0
    assert all("seam_excess" not in r for r in json.loads(out.read_text())["records"])
    assert main([*common, "--metrics", "psnr,seam_error,seam_excess"]) == 0
    records = json.loads(out.read_text())["records"]
    assert records and all("seam_error" in r and "seam_excess" in r for r in records)


def test_a_cache_seeded_from_results_is_reused_without_coding_again(tmp_path):
    """benchmarks/seed_cache.py: a fresh checkout re-benches only what it must."""
    data = tmp_path / "images"
    data.mkdir()
    Image.fromarray(photo_like(64, 96, seed=5)).save(data / "a.png")
    out, cache = tmp_path / "r.json", tmp_path / "seeded"
    common = ["bench", str(data), "--codecs", "jpeg", "--out", str(out), "--jobs", "1", "--metrics", "psnr"]
    assert main(common) == 0
    first = json.loads(out.read_text())["records"]
    seed = Path(__file__).resolve().parents[1] / "benchmarks" / "seed_cache.py"
    subprocess.run([sys.executable, str(seed), "--results", str(out), "--cache", str(cache)], check=True)
    assert main([*common, "--cache", str(cache)]) == 0
    assert json.loads(out.read_text())["records"] == first  # the same timings: nothing was coded again
