"""EXIF and XMP: a photo's camera, capture time, position and credits travel with it."""

import io
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from PIL import ExifTags, Image

import picodec
from picodec import container, imageio
from picodec.cli import main
from picodec.errors import PicodecError
from tests.conftest import ROOT, photo_like

MAKE, ORIENTATION, WIDTH = ExifTags.Base.Make, ExifTags.Base.Orientation, ExifTags.Base.ImageWidth
TAKEN = ExifTags.Base.DateTimeOriginal
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
       b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       b'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
       b'tiff:Orientation="6" dc:creator="A. Photographer"/></rdf:RDF></x:xmpmeta>')


def camera_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "Canon"
    exif[ORIENTATION] = orientation
    exif.get_ifd(ExifTags.IFD.Exif)[TAKEN] = "2026:01:02 03:04:05"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 0.0)
    return exif


def camera_photo(path, orientation: int = 6) -> None:
    """A 64x48 JPEG, as a phone held upright writes it: pixels on their side, EXIF turns them."""
    Image.fromarray(photo_like(48, 64)).save(path, exif=camera_exif(orientation), xmp=XMP)


def assert_camera_exif(exif: Image.Exif) -> None:
    assert exif[MAKE] == "Canon"
    assert exif.get_ifd(ExifTags.IFD.Exif)[TAKEN] == "2026:01:02 03:04:05"
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (51.0, 30.0, 0.0)


def test_exif_and_xmp_come_back_and_the_orientation_is_spent(tmp_path):
    """The pixels are stored upright, so neither EXIF nor XMP may turn them again."""
    camera_photo(tmp_path / "in.jpg")
    data = picodec.encode(tmp_path / "in.jpg", level=0)
    decoded = picodec.decode(data)
    assert decoded.size == (48, 64)
    exif = decoded.getexif()
    assert_camera_exif(exif)
    assert ORIENTATION not in exif
    assert b'dc:creator="A. Photographer"' in decoded.info["xmp"]
    assert b"tiff:Orientation" not in decoded.info["xmp"]
    fields = picodec.info(data)
    assert fields["exif_bytes"] > 0 and fields["xmp_bytes"] == len(decoded.info["xmp"])
    assert fields["exif_tags"] == ["Make", "DateTimeOriginal", "GPSLatitude"]


def test_metadata_costs_only_itself_and_can_be_left_out(tmp_path):
    """Left out, the file is byte for byte the one of the same pixels without metadata."""
    camera_photo(tmp_path / "in.jpg", orientation=1)
    with Image.open(tmp_path / "in.jpg") as image:
        bare = picodec.encode(np.asarray(image), level=0)
    without = picodec.encode(tmp_path / "in.jpg", level=0, keep_exif=False, keep_xmp=False)
    assert without == bare
    exif_only = picodec.encode(tmp_path / "in.jpg", level=0, keep_xmp=False)
    assert "xmp" not in picodec.decode(exif_only).info
    assert_camera_exif(picodec.decode(exif_only).getexif())
    assert len(exif_only) > len(bare)


def test_a_tiff_keeps_the_photo_tags_not_its_own_layout(tmp_path):
    """A TIFF's first directory mixes the photo's tags with the file's (size, strips...)."""
    exif = camera_exif(orientation=1).tobytes()  # as bytes: Pillow's TIFF writer keeps sub-IFDs
    Image.fromarray(photo_like(48, 64)).save(tmp_path / "in.tif", exif=exif)
    with Image.open(tmp_path / "in.tif") as tiff:
        assert WIDTH in tiff.getexif()
    decoded = picodec.decode(picodec.encode(tmp_path / "in.tif", level=0))
    assert_camera_exif(decoded.getexif())
    assert WIDTH not in decoded.getexif()


@pytest.mark.parametrize("ext", [".png", ".jpg", ".webp", ".tif"])
def test_every_output_format_with_room_carries_them(tmp_path, ext):
    camera_photo(tmp_path / "in.jpg")
    decoded = picodec.decode(picodec.encode(tmp_path / "in.jpg", level=0))
    imageio.write_atomic(tmp_path / f"out{ext}", decoded)
    with Image.open(tmp_path / f"out{ext}") as image:
        assert_camera_exif(image.getexif())
        assert ORIENTATION not in image.getexif()
        assert image.info["xmp"] == decoded.info["xmp"]


def test_bmp_and_an_oversized_jpeg_segment_drop_them_with_a_warning(tmp_path):
    image = Image.fromarray(photo_like(48, 64))
    image.info.update(exif=camera_exif().tobytes(), xmp=b"<x>" + b" " * 70_000 + b"</x>")
    with pytest.warns(UserWarning) as warned:
        imageio.write_atomic(tmp_path / "out.bmp", image)
    assert [str(w.message).split(" (")[0] for w in warned] == [
        "BMP cannot carry this image's EXIF", "BMP cannot carry this image's XMP"]
    with pytest.warns(UserWarning, match="JPEG cannot carry this image's XMP"):
        imageio.write_atomic(tmp_path / "out.jpg", image)
    with Image.open(tmp_path / "out.jpg") as jpeg:
        assert_camera_exif(jpeg.getexif())  # the EXIF fits and stays
        assert "xmp" not in jpeg.info


def test_the_command_keeps_them_and_its_ignore_flags_drop_them(tmp_path, capsys):
    camera_photo(tmp_path / "in.jpg")
    assert main(["encode", str(tmp_path / "in.jpg"), str(tmp_path / "all.pico"), "-l", "0"]) == 0
    assert main(["encode", str(tmp_path / "in.jpg"), str(tmp_path / "none.pico"), "-l", "0",
                 "--ignore-exif", "--ignore-xmp"]) == 0
    capsys.readouterr()
    assert main(["info", str(tmp_path / "none.pico")]) == 0
    out = capsys.readouterr().out
    assert '"exif_bytes": 0' in out and '"xmp_bytes": 0' in out and '"exif_tags": []' in out
    piped = subprocess.run([sys.executable, "-m", "picodec", "decode", str(tmp_path / "all.pico"), "-"],
                           capture_output=True, check=True, cwd=ROOT).stdout
    with Image.open(io.BytesIO(piped)) as png:  # standard output is PNG, metadata included
        assert png.format == "PNG"
        assert_camera_exif(png.getexif())


def test_pillow_reads_them_from_the_header_and_takes_the_keep_options(tmp_path):
    camera_photo(tmp_path / "in.jpg")
    with Image.open(tmp_path / "in.jpg") as photo:
        photo.save(tmp_path / "all.pico", level=0)
        photo.save(tmp_path / "no-exif.pico", level=0, keep_exif=False)
    with Image.open(tmp_path / "all.pico") as image:
        assert_camera_exif(image.getexif())  # before any pixel is decoded
        assert image.info["xmp"].startswith(b"<x:xmpmeta")
    with Image.open(tmp_path / "no-exif.pico") as image:
        assert "exif" not in image.info and "xmp" in image.info


def test_pillow_saves_the_exif_and_xmp_it_is_given_as_for_other_formats():
    image = Image.fromarray(photo_like(48, 64))
    buffer = io.BytesIO()
    image.save(buffer, format="PICO", level=0, exif=camera_exif(orientation=1), xmp=XMP)
    with Image.open(io.BytesIO(buffer.getvalue())) as saved:
        assert_camera_exif(saved.getexif())
        assert b"A. Photographer" in saved.info["xmp"]
    assert image.info == {}  # the image itself is left as it was


def test_unreadable_exif_is_ignored_with_a_warning_and_the_input_untouched():
    image = Image.fromarray(photo_like(48, 64))
    image.info["exif"] = b"Exif\x00\x00not a TIFF stream"
    with pytest.warns(UserWarning, match="unreadable EXIF ignored"):
        data = picodec.encode(image, level=0)
    assert picodec.info(data)["exif_bytes"] == 0
    assert image.info["exif"] == b"Exif\x00\x00not a TIFF stream"


def test_a_crafted_exif_block_is_a_clear_error_in_info_and_harmless_on_decode(tmp_path):
    """Garbage EXIF under a valid header checksum (no picodec writes it)."""
    header, payloads = container.unpack(picodec.encode(photo_like(16, 16), level=0))
    crafted = container.pack(replace(header, exif=b"not a TIFF stream"), payloads)
    with pytest.raises(PicodecError, match="EXIF block unreadable"):
        picodec.info(crafted)
    imageio.write_atomic(tmp_path / "out.tif", picodec.decode(crafted))
    with Image.open(tmp_path / "out.tif") as image:
        assert image.size == (16, 16)


def test_a_size_limit_that_metadata_breaks_says_so(tmp_path):
    camera_photo(tmp_path / "in.jpg")
    cost = (len(picodec.encode(tmp_path / "in.jpg", level=0))
            - len(picodec.encode(tmp_path / "in.jpg", level=0, keep_exif=False, keep_xmp=False)))
    with pytest.raises(PicodecError, match=f"{cost} of them EXIF and XMP, which --ignore-exif"):
        picodec.encode(tmp_path / "in.jpg", max_bytes=100)
    with pytest.raises(PicodecError, match=r"needs \d+\)$"):
        picodec.encode(tmp_path / "in.jpg", max_bytes=100, keep_exif=False, keep_xmp=False)
