"""The matching engine finds an invented emblem in a new picture and nothing in a picture without it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bastion.symbols.demo_art import crimson_dawn_emblem
from bastion.symbols.engine import Reference, describe_query, describe_reference, find


def _emblem() -> np.ndarray:
    image = np.full((200, 200, 3), (30, 30, 200), np.uint8)
    cv2.circle(image, (100, 100), 85, (20, 160, 220), -1)
    cv2.fillPoly(image, [np.array([[40, 150], [100, 30], [160, 150]], np.int32)], (40, 40, 40))
    cv2.putText(image, "QXVR", (35, 125), cv2.FONT_HERSHEY_SCRIPT_COMPLEX, 1.2, (250, 250, 250), 2)
    return image


def _scene(with_emblem: bool) -> np.ndarray:
    scene = np.full((400, 500, 3), 90, np.uint8)
    cv2.rectangle(scene, (10, 10), (120, 90), (200, 60, 60), -1)
    if with_emblem:
        scene[120:280, 250:410] = cv2.resize(_emblem(), (160, 160))
    return scene


def test_an_emblem_is_found_with_its_outline_where_it_was_placed() -> None:
    reference = Reference.from_bytes(describe_reference(_emblem()).to_bytes())
    match = find(reference, describe_query(_scene(with_emblem=True)))
    assert match is not None
    xs, ys = zip(*match.polygon, strict=True)
    assert 235 < min(xs) < 265 and 395 < max(xs) < 425
    assert 105 < min(ys) < 135 and 265 < max(ys) < 295


def test_a_picture_without_the_emblem_matches_nothing() -> None:
    assert find(describe_reference(_emblem()), describe_query(_scene(with_emblem=False))) is None


def test_a_plain_image_cannot_be_registered() -> None:
    with pytest.raises(ValueError, match="too little structure"):
        describe_reference(np.full((100, 100, 3), 128, np.uint8))


def test_an_emblem_at_five_percent_of_the_width_is_found_where_it_is() -> None:
    scene = np.full((768, 1024, 3), 120, np.uint8)
    cv2.rectangle(scene, (40, 40), (300, 200), (200, 60, 60), -1)
    cv2.putText(scene, "market day", (500, 600), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 2)
    scene[400:452, 700:752] = cv2.resize(crimson_dawn_emblem(), (52, 52), interpolation=cv2.INTER_AREA)
    match = find(describe_reference(crimson_dawn_emblem()), describe_query(scene))
    assert match is not None and match.score >= 0.35
    xs, ys = zip(*match.polygon, strict=True)
    assert min(xs) > 690 and max(xs) < 762 and min(ys) > 390 and max(ys) < 462


def test_references_written_before_thumbnails_still_load() -> None:
    reference = describe_reference(_emblem())
    blob = reference.to_bytes()
    older = Reference.from_bytes(blob[: len(blob) - 32 * 32])
    assert older.thumbnail is None and len(older.points) == len(reference.points)
