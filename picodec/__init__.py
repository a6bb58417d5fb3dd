"""picodec: a perceptual learned image codec after Apple's PICO.

    >>> import picodec
    >>> data = picodec.encode("photo.png", level=4)   # -> .pico bytes
    >>> image = picodec.decode(data)                  # -> PIL.Image

Importing picodec also teaches Pillow the format: ``Image.open("photo.pico")``,
``image.save("photo.pico", level=4)`` (``picodec.pillow``).
"""

from picodec.codec import decode, encode, info
from picodec.errors import PicodecError
from picodec.pillow import register as _register_pillow

_register_pillow()

__all__ = ["PicodecError", "decode", "encode", "info"]
__version__ = "0.14.0"
