"""Phone and modern formats as inputs: HEIC and JPEG XL through optional plugins, AVIF
through Pillow itself. Each case runs the command in a fresh process, so what registers
the plugin is picodec, not an earlier test."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import picodec
from tests.conftest import ROOT, photo_like

pillow_heif = pytest.importorskip("pillow_heif")
pytest.importorskip("pillow_jxl")


def run(*code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "\n".join(code)], capture_output=True,
                          text=True, cwd=ROOT)


@pytest.mark.parametrize("ext", [".heic", ".avif", ".jxl"])
def test_the_command_reads_them(tmp_path, ext):
    pillow_heif.register_heif_opener()  # to write the test file here
    source = tmp_path / f"photo{ext}"
    Image.fromarray(photo_like(48, 64)).save(source, quality=90)
    done = run("import sys; from picodec.cli import main",
               f"sys.exit(main(['encode', r'{source}', r'{tmp_path / 'photo.pico'}', '-l', '0']))")
    assert done.returncode == 0, done.stderr
    decoded = np.asarray(picodec.decode((tmp_path / "photo.pico").read_bytes()), np.float64)
    assert decoded.shape == (48, 64, 3)
    assert np.abs(decoded - photo_like(48, 64)).mean() < 20


def test_a_missing_plugin_says_what_to_install(tmp_path):
    pillow_heif.register_heif_opener()
    source = tmp_path / "photo.heic"
    Image.fromarray(photo_like(48, 64)).save(source)
    done = run("import sys; sys.modules['pillow_heif'] = None  # as where it is not installed",
               "from picodec.cli import main",
               f"sys.exit(main(['encode', r'{source}', r'{tmp_path / 'photo.pico'}']))")
    assert done.returncode == 1
    assert done.stderr.strip() == (f"picodec: error: cannot read {source}: HEIC/HEIF needs "
                                   "pillow-heif (pip install 'picodec[formats]')")
    assert not (tmp_path / "photo.pico").exists()
