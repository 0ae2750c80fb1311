"""Open untrusted image bytes with explicit limits: a clear ContentError, never a crash or a bomb."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from bastion.core import ContentError

DEFAULT_MAX_PIXELS = 50_000_000


def open_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The first frame of an image, fully decoded, after checking its size from the header."""
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
            image.load()
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
