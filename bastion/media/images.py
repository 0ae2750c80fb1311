"""Open untrusted image bytes with explicit limits: a clear ContentError, never a crash or a bomb.

Two limits: one image's pixels (`max_pixels`, read from the header before
decoding), and the pixels being decoded at once in the process (a
`DecodeBudget`). The first alone let sixteen parallel 0.19 MB PNGs of large
pixel counts take the server to 7.4 GB; with a budget they wait their turn.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

from PIL import Image, UnidentifiedImageError

from bastion.core import ContentError

DEFAULT_MAX_PIXELS = 50_000_000
# About 10 bytes a pixel are alive while an image is decoded, converted and hashed or read: ~0.6 GB.
DEFAULT_DECODE_BUDGET_PIXELS = 60_000_000


class DecodeBudget:
    """The pixels this process may decode at once, across threads; a request waits for room instead of the
    process growing. An image larger than the whole budget waits until it has the budget to itself."""

    def __init__(self, pixels: int = DEFAULT_DECODE_BUDGET_PIXELS) -> None:
        self.capacity = pixels
        self._free = pixels
        self._room = threading.Condition()

    @property
    def in_use(self) -> int:
        return self.capacity - self._free

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        need = min(pixels, self.capacity)
        with self._room:
            self._room.wait_for(lambda: self._free >= need)
            self._free -= need
        try:
            yield
        finally:
            with self._room:
                self._free += need
                idle = self._free == self.capacity
                self._room.notify_all()
            if idle:
                _return_freed_memory()


SHARED_BUDGET = DecodeBudget()  # for callers without a context of their own (bank imports, the demo)


@contextmanager
def decoded_image(
    data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, budget: DecodeBudget = SHARED_BUDGET
) -> Iterator[Image.Image]:
    """The first frame of an image, decoded within the process's budget; the pixels are held until the block
    ends, so the caller's conversions and copies count against the budget too."""
    image = _opened(data, max_pixels)
    width, height = image.size
    try:
        with budget.hold(width * height):
            _decode(image)
            yield image
    finally:
        image.close()


def open_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The first frame of an image, fully decoded, after checking its size from the header (no budget: for
    one-off callers; serving code uses `decoded_image`)."""
    image = _opened(data, max_pixels)
    _decode(image)
    return image


def _opened(data: bytes, max_pixels: int) -> Image.Image:
    """The image with its header read and its size checked, not yet decoded."""
    if not data:
        raise ContentError("the image is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 MP on; our own limit, checked just below, is the one that counts.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ContentError(f"the image is {width}x{height} pixels; the limit is {max_pixels} pixels")
            image.seek(0)  # animated images: the first frame only, whatever the frame count
    except ContentError:
        raise
    except Image.DecompressionBombError:
        # Pillow refuses images over twice its own limit inside `Image.open`, before our check can read the size.
        limit = min(max_pixels, 2 * (Image.MAX_IMAGE_PIXELS or max_pixels))
        raise ContentError(f"the image is too large to decode safely; the limit is {limit} pixels") from None
    except UnidentifiedImageError:
        raise ContentError("the media is not a decodable image: no image format recognised in its bytes") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ContentError(f"the media is not a decodable image: {error}") from None
    return image


def _decode(image: Image.Image) -> None:
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ContentError(f"the media is not a decodable image: {error}") from None


def _return_freed_memory() -> None:
    """Give the memory of decoded images back to the system once no decode is in flight.

    glibc keeps freed blocks in per-thread arenas (and raises its mmap threshold after each large free), so
    without a trim the process stayed at 6.5 GB after a burst of large images."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
