"""PDQ: copies that were resized, recompressed, cropped, watermarked or greyed still match; others do not."""

from __future__ import annotations

import numpy as np
import pdqhash
import pytest
from PIL import Image

from bastion.banks import index as index_module
from bastion.banks.index import PdqIndex, hamming
from bastion.media.hashing import bits_to_hex, hash_image, pdq_of_image
from tests.banks.conftest import encode, poster, transformed


def test_hex_matches_python_threatexchange_bit_order() -> None:
    bits = np.zeros(256, dtype=np.uint8)
    bits[0] = bits[7] = bits[255] = 1
    assert bits_to_hex(bits) == "81" + "00" * 30 + "01"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_transformed_copies_stay_within_31(seed: int) -> None:
    original = hash_image(encode(poster(seed)))
    for name, data in transformed(poster(seed)).items():
        copy = hash_image(data)
        assert hamming(original.pdq[0], copy.pdq[0]) <= 31, name


def test_unrelated_images_are_far_apart() -> None:
    hashes = [hash_image(encode(poster(seed))).pdq[0] for seed in range(10, 20)]
    distances = [hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > 31


def test_the_index_finds_exactly_what_brute_force_finds() -> None:
    rng = np.random.default_rng(3)
    bank = [rng.bytes(32).hex() for _ in range(2000)]
    query = bytearray(bytes.fromhex(bank[17]))
    for bit in rng.choice(256, 20, replace=False):
        query[bit // 8] ^= 1 << (bit % 8)
    index = PdqIndex()
    index.add(list(range(1000, 3000)), bank)
    [found] = index.near([query.hex()], 31)
    brute = sorted((hamming(query.hex(), h), 1000 + i) for i, h in enumerate(bank) if hamming(query.hex(), h) <= 31)
    assert [(entry, distance) for distance, entry in brute] == found
    assert found[0] == (1017, 20)


def test_quality_is_reported_and_flat_images_score_low() -> None:
    from PIL import Image

    flat = hash_image(encode(Image.new("RGB", (200, 200), "grey")))
    busy = hash_image(encode(poster(5)))
    assert flat.quality[0] < 50 <= busy.quality[0]


def _bank(clustered: bool, size: int, rng: np.random.Generator) -> np.ndarray:
    base = rng.integers(0, 256, (5 if clustered else size, 32), dtype=np.uint8)
    bank = base[rng.integers(0, len(base), size)] if clustered else base
    return bank ^ np.packbits(rng.random((size, 256)) < (0.04 if clustered else 0.0), axis=1)


def _near_copy(row: np.ndarray, bits: int, rng: np.random.Generator) -> str:
    query = bytearray(row.tobytes())
    for bit in rng.choice(256, bits, replace=False):
        query[bit // 8] ^= 1 << (bit % 8)
    return query.hex()


def _brute_force(query: str, hexes: list[str], radius: int) -> list[tuple[int, int]]:
    return [(i, d) for d, i in sorted((hamming(query, h), i) for i, h in enumerate(hexes)) if d <= radius]


@pytest.mark.parametrize("shape", [16, 12, 11])
@pytest.mark.parametrize("clustered", [False, True])
@pytest.mark.parametrize("radius", [31, 12, 40])  # 40: past the pigeonhole bound, answered by a scan
def test_the_multi_index_and_its_fallback_agree_with_brute_force(
    shape: int, clustered: bool, radius: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "_SHAPES", ((0, shape),))
    rng = np.random.default_rng(11)
    bank = _bank(clustered, 3000, rng)
    hexes = [row.tobytes().hex() for row in bank]
    index = PdqIndex()
    index.add(list(range(2500)), hexes[:2500])
    index.compact()
    index.add(list(range(2500, 3000)), hexes[2500:])  # the delta, not yet compacted
    for target in rng.integers(0, 3000, 25):
        query = _near_copy(bank[target], int(rng.integers(0, radius + 1)), rng)
        assert index.near([query], radius)[0] == _brute_force(query, hexes, radius)


def test_a_growing_delta_is_folded_in_the_background_without_losing_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "_DELTA_LIMIT", 200)
    rng = np.random.default_rng(5)
    bank = _bank(False, 3000, rng)
    hexes = [row.tobytes().hex() for row in bank]
    index = PdqIndex()
    queries = [_near_copy(bank[t], 25, rng) for t in rng.integers(0, 3000, 20)]
    for start in range(0, 3000, 150):  # adds cross the limit again and again, while queries run
        index.add(list(range(start, start + 150)), hexes[start : start + 150])
        seen = hexes[: start + 150]
        for query in queries[:3]:
            assert index.near([query], 31)[0] == _brute_force(query, seen, 31)
    index.wait()
    assert len(index) == 3000
    for query in queries:
        assert index.near([query], 31)[0] == _brute_force(query, hexes, 31)


def _reference_pdq(data: bytes) -> tuple[str, int]:
    """Meta's C++ PDQ (through pdqhash, as python-threatexchange calls it) on the full-size image."""
    import io

    import pdqhash
    from PIL import Image

    bits, quality = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    return bits_to_hex(bits), int(quality)


@pytest.mark.parametrize("size", [(320, 240), (1600, 1200)])
def test_images_under_2048_pixels_hash_exactly_as_the_reference(size: tuple[int, int]) -> None:
    data = encode(poster(7, size))
    assert hash_image(data).pdq[0] == _reference_pdq(data)[0]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_large_images_hash_within_the_published_tolerance_of_the_reference(seed: int) -> None:
    """Meta's pdq/README.md: an implementation is within distance 10 of the reference (at quality >= 80;
    these made-up posters hold to it at every quality)."""
    data = encode(poster(seed, (2400, 1800)), "JPEG", quality=90)
    assert hamming(hash_image(data).pdq[0], _reference_pdq(data)[0]) <= 10


@pytest.mark.parametrize("mode", ["L", "RGB"])
@pytest.mark.parametrize("size", [(2100, 1500), (3333, 2049), (900, 700)])
def test_a_large_grey_or_colour_image_hashes_as_its_rgb_copy_would(mode: str, size: tuple[int, int]) -> None:
    """Reduced before the RGB conversion (no full-size copy), the hash is the one the copy gave, bit for bit."""
    channels = (size[1], size[0]) if mode == "L" else (size[1], size[0], 3)
    image = Image.fromarray(np.random.default_rng(sum(size)).integers(0, 256, channels, dtype=np.uint8), mode)
    rgb = image.convert("RGB")
    factor = max(rgb.size) // 1024
    through_a_copy = pdqhash.compute(np.asarray(rgb.reduce(factor) if factor >= 2 else rgb))

    digest, quality = pdq_of_image(image)

    assert (digest, quality) == (bits_to_hex(through_a_copy[0]), int(through_a_copy[1]))
