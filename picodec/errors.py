"""The one exception type picodec raises for bad input."""


class PicodecError(Exception):
    """A problem with the caller's input: a bad file, image, level or option."""
