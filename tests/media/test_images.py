"""Untrusted image bytes: decoded within limits, or refused with a clear message."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from bastion.core import ContentError
from bastion.media.images import open_image


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny real PNG whose header claims a huge size: a decompression bomb's shape."""
    data = bytearray(_png(1, 1))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_a_good_image_opens() -> None:
    assert open_image(_png(40, 30)).size == (40, 30)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"GIF89a not really", "not a decodable image"),
        (b"%PDF-1.7 a document, not an image", "not a decodable image"),
        (_png(64, 64)[:60], "not a decodable image"),  # truncated
        (_png_header_claiming(100_000, 100_000), "too large|limit is"),
        (_png_header_claiming(9_000, 9_000), "limit is"),
    ],
)
def test_bad_images_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(ContentError, match=message):
        open_image(data)


def test_an_animation_of_many_frames_costs_one_frame() -> None:
    frames = [Image.new("L", (8, 8), shade) for shade in range(0, 250, 1)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    image = open_image(buffer.getvalue())
    assert image.tell() == 0 and image.size == (8, 8)
