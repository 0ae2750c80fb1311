"""Symbol matching benchmark: invented emblems composited into generated scenes.

Every emblem here is drawn by this file (shapes and invented lettering); none is a real group's.
Prints recall by symbol size and by transform, false positives on plain negatives and on
look-alikes (other emblems, the same colours without the shape), images/s on one core at 1024 px;
the last line is JSON.   python bench/symbols.py [--small]
"""

from __future__ import annotations

import json
import sys
import time

import cv2
import numpy as np

from bastion.symbols.engine import describe_query, describe_reference, find

SIDE = 1024
COLOURS = [(30, 30, 200), (20, 160, 220), (40, 40, 40), (200, 200, 200), (150, 40, 110), (40, 140, 60)]
TRANSFORMS = ["plain", "rotate", "perspective", "occlude", "colour", "jpeg"]
SIZES = [0.05, 0.10, 0.20, 0.35, 0.50]


def emblem(seed: int) -> np.ndarray:
    """An invented emblem: a filled badge, a few shapes and made-up letters, all from `seed`."""
    rng = np.random.default_rng(seed)
    image = np.full((256, 256, 3), COLOURS[seed % len(COLOURS)], np.uint8)
    centre = (128, 128)
    cv2.circle(image, centre, 110, COLOURS[(seed + 1) % len(COLOURS)], -1)
    for _ in range(4):
        points = rng.integers(40, 216, size=(int(rng.integers(3, 6)), 2)).astype(np.int32)
        cv2.fillPoly(image, [points], tuple(int(c) for c in rng.integers(0, 255, 3)))
    letters = "".join(chr(int(c)) for c in rng.integers(65, 91, 4))
    cv2.putText(image, letters, (40, 150), cv2.FONT_HERSHEY_SCRIPT_COMPLEX, 1.6, (250, 250, 250), 3)
    cv2.ellipse(image, centre, (100, 60), int(rng.integers(0, 180)), 0, 270, (0, 0, 0), 4)
    return image


def background(rng: np.random.Generator) -> np.ndarray:
    height = int(rng.integers(600, 1024))
    ramp = np.linspace(0, 1, SIDE, dtype=np.float32)[None, :, None]
    start, end = rng.integers(0, 255, 3), rng.integers(0, 255, 3)
    image = (start + (end - start) * ramp).repeat(height, axis=0).astype(np.float32)
    image += rng.normal(0, 12, image.shape)
    image = np.clip(image, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(3, 12))):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        x, y = int(rng.integers(0, SIDE)), int(rng.integers(0, height))
        if rng.random() < 0.5:
            cv2.rectangle(image, (x, y), (x + int(rng.integers(20, 300)), y + int(rng.integers(20, 200))), colour, -1)
        else:
            cv2.circle(image, (x, y), int(rng.integers(10, 150)), colour, -1)
    for _ in range(int(rng.integers(1, 4))):
        words = "".join(chr(int(c)) for c in rng.integers(97, 123, int(rng.integers(4, 12))))
        cv2.putText(
            image,
            words,
            (int(rng.integers(0, 700)), int(rng.integers(30, height))),
            cv2.FONT_HERSHEY_SIMPLEX,
            float(rng.uniform(0.6, 2.0)),
            (255, 255, 255),
            2,
        )
    return image


def composite(scene: np.ndarray, symbol: np.ndarray, size: float, transform: str, rng: np.random.Generator) -> None:
    width = max(12, int(SIDE * size))
    symbol = cv2.resize(symbol, (width, width), interpolation=cv2.INTER_AREA)
    if transform == "colour":
        symbol = np.clip(symbol.astype(np.int16) + rng.integers(-40, 40, 3), 0, 255).astype(np.uint8)
    corners = np.float32([[0, 0], [width, 0], [width, width], [0, width]])
    if transform == "rotate":
        angle = np.deg2rad(rng.uniform(-45, 45))
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
        target = (corners - width / 2) @ rotation.T + width / 2
    elif transform == "perspective":
        target = corners + rng.uniform(-0.15, 0.15, corners.shape).astype(np.float32) * width
    else:
        target = corners.copy()
    height = scene.shape[0]
    spread = target.max(axis=0) - target.min(axis=0)
    room = (max(1.0, SIDE - spread[0]), max(1.0, height - spread[1]))
    offset = np.array([rng.uniform(0, room[0]), rng.uniform(0, room[1])], np.float32)
    target = (target - target.min(axis=0) + offset).astype(np.float32)
    warp = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(symbol, warp, (SIDE, height))
    mask = cv2.warpPerspective(np.full((width, width), 255, np.uint8), warp, (SIDE, height))
    scene[mask > 0] = warped[mask > 0]
    if transform == "occlude":
        x, y = int(target[0][0]), int(target[0][1])
        cv2.rectangle(scene, (x, y), (x + width // 3, y + width), tuple(int(c) for c in rng.integers(0, 255, 3)), -1)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    _, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def main(small: bool) -> dict[str, float]:
    cv2.setNumThreads(1)
    rng = np.random.default_rng(7)
    targets = [emblem(seed) for seed in range(4)]
    lookalikes = [emblem(seed) for seed in range(100, 104)]
    references = [describe_reference(t) for t in targets]
    per = 2 if small else 8
    hits: dict[tuple[float, str], list[bool]] = {}
    seconds, images = 0.0, 0
    for index, target in enumerate(targets):
        for size in SIZES:
            for transform in TRANSFORMS:
                for _ in range(per):
                    scene = background(rng)
                    composite(scene, target, size, transform, rng)
                    scene = jpeg(scene, 40 if transform == "jpeg" else 90)
                    started = time.process_time()
                    query = describe_query(scene)
                    found = find(references[index], query) is not None
                    seconds += time.process_time() - started
                    images += 1
                    hits.setdefault((size, transform), []).append(found)
    negatives = lookalike_negatives = false_plain = false_lookalike = 0
    for kind in ("plain", "lookalike", "colours"):
        for n in range(per * 30 if kind == "plain" else per * 15):
            scene = background(rng)
            if kind == "lookalike":
                composite(scene, lookalikes[n % len(lookalikes)], float(rng.choice(SIZES)), "plain", rng)
            elif kind == "colours":
                patch = np.full((256, 256, 3), COLOURS[n % 4], np.uint8)
                cv2.circle(patch, (128, 128), 110, COLOURS[(n + 1) % 4], -1)
                composite(scene, patch, float(rng.choice(SIZES)), "plain", rng)
            query = describe_query(jpeg(scene, 85))
            fired = any(find(ref, query) is not None for ref in references)
            if kind == "plain":
                negatives += 1
                false_plain += fired
            else:
                lookalike_negatives += 1
                false_lookalike += fired
    for size in SIZES:
        found = [h for (s, _), v in hits.items() if s == size for h in v]
        print(f"recall at {size:.0%} width: {np.mean(found):.3f}  ({len(found)} images)")
    for transform in TRANSFORMS:
        found = [h for (_, t), v in hits.items() if t == transform for h in v]
        print(f"recall under {transform}: {np.mean(found):.3f}")
    result = {
        "recall_10pct": round(float(np.mean([h for (s, _), v in hits.items() if s >= 0.10 for h in v])), 4),
        "recall_5pct": round(float(np.mean([h for (s, _), v in hits.items() if s == 0.05 for h in v])), 4),
        "fpr": round(false_plain / negatives, 4),
        "fpr_lookalike": round(false_lookalike / lookalike_negatives, 4),
        "images_per_s": round(images / seconds, 1),
    }
    print(f"false positives: {false_plain}/{negatives} plain, {false_lookalike}/{lookalike_negatives} look-alikes")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(small="--small" in sys.argv)
