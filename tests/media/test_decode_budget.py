"""The decode budget: the pixels decoded at once stay under it, however many images arrive together."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from PIL import Image

from bastion.core import ContentError
from bastion.media.hashing import hash_image
from bastion.media.images import DecodeBudget, decoded_image


def _png(width: int, height: int) -> bytes:
    """A large pixel count in few bytes: the shape of the sixteen PNGs that took the server to 7.4 GB."""
    buffer = io.BytesIO()
    Image.new("L", (width, height), 200).save(buffer, "PNG")
    return buffer.getvalue()


class _Watched(DecodeBudget):
    """A budget that remembers the most pixels it ever had out at once."""

    def __init__(self, pixels: int) -> None:
        super().__init__(pixels)
        self.peak = 0
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        with super().hold(pixels):
            with self._lock:
                self.peak = max(self.peak, self.in_use)
            yield


def test_parallel_images_never_exceed_the_budget() -> None:
    image = _png(1500, 1000)  # 1.5 MP each
    budget = _Watched(4_000_000)  # room for two at a time

    with ThreadPoolExecutor(max_workers=8) as pool:
        hashes = list(pool.map(lambda _: hash_image(image, budget=budget), range(16)))

    assert len({h.pdq[0] for h in hashes}) == 1
    assert 1_500_000 <= budget.peak <= 4_000_000
    assert budget.in_use == 0  # every hold was given back


def test_an_image_larger_than_the_budget_waits_for_all_of_it_and_is_decoded() -> None:
    budget = DecodeBudget(1_000_000)

    with decoded_image(_png(2000, 1000), budget=budget) as image:
        assert image.size == (2000, 1000)
        assert budget.in_use == 1_000_000

    assert budget.in_use == 0


def test_a_refused_image_holds_nothing() -> None:
    budget = DecodeBudget(1_000_000)

    with pytest.raises(ContentError, match="the limit is 100 pixels"), decoded_image(_png(20, 20), 100, budget):
        pass

    assert budget.in_use == 0
