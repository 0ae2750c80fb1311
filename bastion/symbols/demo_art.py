"""Fictional emblems drawn by code for the demo and the tests: the invented Crimson Dawn Brigade's badge and
an ordinary look-alike (a made-up harbour festival's badge in the same colours). Neither is any real group's."""

from __future__ import annotations

import cv2
import numpy as np

CRIMSON = (40, 20, 190)  # BGR
GOLD = (40, 170, 230)
NIGHT = (40, 30, 30)


def crimson_dawn_emblem(side: int = 256) -> np.ndarray:
    """The invented group's badge: a crimson disc, a rising half-sun with rays over a gate, made-up letters."""
    image = np.full((256, 256, 3), NIGHT, np.uint8)
    cv2.circle(image, (128, 128), 118, CRIMSON, -1)
    cv2.circle(image, (128, 128), 118, GOLD, 5)
    cv2.ellipse(image, (128, 150), (62, 62), 0, 180, 360, GOLD, -1)
    for angle in range(195, 346, 25):
        ray = np.deg2rad(angle)
        tip = (int(128 + 104 * np.cos(ray)), int(150 + 104 * np.sin(ray)))
        cv2.line(image, (128, 150), tip, GOLD, 4)
    cv2.rectangle(image, (78, 150), (178, 210), NIGHT, -1)
    cv2.rectangle(image, (108, 170), (148, 210), CRIMSON, -1)
    cv2.putText(image, "CDB", (84, 236), cv2.FONT_HERSHEY_TRIPLEX, 1.1, (240, 240, 240), 2)
    cv2.putText(image, "QZV", (96, 70), cv2.FONT_HERSHEY_SCRIPT_COMPLEX, 0.9, NIGHT, 2)
    return cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)


def harbour_festival_badge(side: int = 256) -> np.ndarray:
    """An ordinary look-alike: the same colours and a sun, but a boat, waves and other made-up lettering."""
    image = np.full((256, 256, 3), NIGHT, np.uint8)
    cv2.circle(image, (128, 128), 118, CRIMSON, -1)
    cv2.circle(image, (128, 90), 40, GOLD, -1)
    for row in range(150, 220, 18):
        points = np.array([[x, row + int(8 * np.sin(x / 12))] for x in range(30, 230, 4)], np.int32)
        cv2.polylines(image, [points], False, (230, 230, 230), 3)
    cv2.fillPoly(image, [np.array([[70, 140], [190, 140], [165, 165], [95, 165]], np.int32)], NIGHT)
    cv2.putText(image, "HFX", (92, 240), cv2.FONT_HERSHEY_COMPLEX, 1.0, GOLD, 2)
    return cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)


def scene_with(
    symbol: np.ndarray, width: int = 800, height: int = 600, fraction: float = 0.25, seed: int = 1
) -> np.ndarray:
    """A made-up street scene (gradient, shapes, noise) with the symbol placed at `fraction` of its width."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    start, end = rng.integers(40, 200, 3), rng.integers(40, 200, 3)
    scene = (start + (end - start) * ramp).repeat(height, axis=0)
    scene = np.clip(scene + rng.normal(0, 8, scene.shape), 0, 255).astype(np.uint8)
    for _ in range(8):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(scene, (x, y), (x + int(rng.integers(20, 200)), y + int(rng.integers(20, 150))), colour, -1)
    side = max(16, int(width * fraction))
    placed = cv2.resize(symbol, (side, side), interpolation=cv2.INTER_AREA)
    x, y = int(rng.integers(0, width - side)), int(rng.integers(0, height - side))
    scene[y : y + side, x : x + side] = placed
    return scene


def png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def sunrise_town_badge(side: int = 256) -> np.ndarray:
    """A hard look-alike: a made-up town's badge sharing the rising sun over a gate, with its own lettering.
    The group's symbol matches it too; registered in an allow bank, it vetoes that match."""
    image = crimson_dawn_emblem(256)
    cv2.rectangle(image, (70, 205), (190, 245), NIGHT, -1)
    cv2.putText(image, "HFX", (84, 236), cv2.FONT_HERSHEY_TRIPLEX, 1.1, (240, 240, 240), 2)
    cv2.circle(image, (128, 60), 14, GOLD, -1)
    return cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)
