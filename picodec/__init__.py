"""picodec: a perceptual learned image codec after Apple's PICO.

    >>> import picodec
    >>> data = picodec.encode("photo.png", level=4)   # -> .pico bytes
    >>> image = picodec.decode(data)                  # -> PIL.Image
"""

from picodec.codec import decode, encode, info
from picodec.errors import PicodecError

__all__ = ["PicodecError", "decode", "encode", "info"]
__version__ = "0.3.0"
