"""The matching engine: ORB features of a reference emblem, found in an image by a RANSAC homography.

A hash finds copies of a known picture; a symbol (a flag, a logo, an insignia) turns up in pictures
nobody has seen, at any size, rotated, in perspective, partly hidden. Local features survive all of
that; the homography check is what keeps a few coincidental descriptor matches from counting.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# References are described at a fixed size so their features are computed once, at registration.
_REFERENCE_SIDE = 256
# Images are searched at most this wide/high: enough for a symbol at 5% of the width to keep detail.
_QUERY_SIDE = 1024
_REFERENCE_FEATURES = 500
_REFERENCE_SCALES = (1.0, 0.3)
_QUERY_FEATURES = 3000
# Lowe's ratio test: a match must be clearly better than the second best to count.
_RATIO = 0.8
_MIN_INLIERS = 12
_MIN_INLIER_RATIO = 0.3
# A symbol found this small (side in searched pixels, about 12% of a 1024 px image) cannot supply more than a
# few dozen keypoints, most of the ratio test's survivors are chance: it needs fewer inliers, in a smaller
# share, and the region's look (below) makes up the difference. Measured in bench/symbols.py.
_SMALL_SIDE = 128
_MIN_INLIERS_SMALL = 10
_MIN_INLIER_RATIO_SMALL = 0.12
# A homography stretching the reference by more than this in one direction than another is a degenerate fit.
_MAX_ANISOTROPY = 4.0
# A found region, warped back into the reference's frame, is compared with it at this size (grey, normalised).
_THUMB = 32
# True regions correlate 0.3-0.95 with their reference in the benchmark (occluded ones lowest); chance fits
# on texture near 0.
_MIN_LIKENESS = 0.2


@dataclass(frozen=True)
class Reference:
    """A registered symbol's precomputed features: keypoint positions and binary descriptors."""

    points: np.ndarray  # (n, 2) float32, in reference pixels
    descriptors: np.ndarray  # (n, 32) uint8
    width: int
    height: int
    thumbnail: np.ndarray | None = None  # (_THUMB, _THUMB) uint8 grey: what a found region must look like

    def to_bytes(self) -> bytes:
        header = np.array([self.width, self.height, len(self.points)], dtype=np.int32).tobytes()
        thumbnail = b"" if self.thumbnail is None else self.thumbnail.astype(np.uint8).tobytes()
        return (
            header + self.points.astype(np.float32).tobytes() + self.descriptors.astype(np.uint8).tobytes() + thumbnail
        )

    @classmethod
    def from_bytes(cls, blob: bytes) -> Reference:
        width, height, count = (int(v) for v in np.frombuffer(blob[:12], dtype=np.int32))
        points_end = 12 + count * 8
        points = np.frombuffer(blob[12:points_end], dtype=np.float32).reshape(count, 2)
        descriptors_end = points_end + count * 32
        descriptors = np.frombuffer(blob[points_end:descriptors_end], dtype=np.uint8).reshape(count, 32)
        rest = blob[descriptors_end:]
        thumbnail = np.frombuffer(rest, dtype=np.uint8).reshape(_THUMB, _THUMB) if len(rest) == _THUMB**2 else None
        return cls(points=points, descriptors=descriptors, width=width, height=height, thumbnail=thumbnail)


@dataclass(frozen=True)
class Match:
    """Where a reference was found: its outline in the image's own pixels, and how well it held."""

    polygon: list[tuple[float, float]]
    inliers: int
    inlier_ratio: float
    likeness: float = 1.0  # the region's correlation with the reference, in its frame
    required: int = _MIN_INLIERS  # the inliers a region of its size needs

    @property
    def score(self) -> float:
        """Half how alike the region looks, half how far its inliers pass what its size requires (twice is full)."""
        geometry = min(1.0, self.inliers / (2 * self.required))
        return round(0.5 * min(1.0, max(0.0, self.likeness)) + 0.5 * geometry, 4)


def _gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def _fit(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """Shrink (never enlarge) so the longer side is at most `side`; returns the image and its scale."""
    height, width = image.shape[:2]
    scale = min(1.0, side / max(height, width))
    if scale < 1.0:
        image = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    return image, scale


def describe_reference(image: np.ndarray) -> Reference:
    """Features of a symbol at two sizes, computed once when it is registered.

    ORB's own pyramid covers about 3.5x of scale; a second, small copy of the reference reaches
    symbols at 5% of a 1024 px image, whose detail the full-size copy no longer shares.
    """
    gray = _gray(image)
    height, width = gray.shape
    scale = _REFERENCE_SIDE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    points, descriptors = [], []
    for shrink in _REFERENCE_SCALES:
        scaled = (max(1, round(size[0] * shrink)), max(1, round(size[1] * shrink)))
        copy = cv2.resize(gray, scaled, interpolation=cv2.INTER_AREA)
        orb = cv2.ORB.create(nfeatures=_REFERENCE_FEATURES, edgeThreshold=15, patchSize=15, fastThreshold=10)
        keypoints, found = orb.detectAndCompute(copy, None)
        if found is None:
            continue
        points.append(np.array([kp.pt for kp in keypoints], dtype=np.float32) / shrink)
        descriptors.append(found)
    if not descriptors or sum(len(d) for d in descriptors) < _MIN_INLIERS:
        raise ValueError("the symbol has too little structure to be recognised (too plain or too small)")
    thumbnail = cv2.resize(gray, (_THUMB, _THUMB), interpolation=cv2.INTER_AREA)
    return Reference(
        points=np.vstack(points), descriptors=np.vstack(descriptors), width=size[0], height=size[1], thumbnail=thumbnail
    )


@dataclass(frozen=True)
class QueryFeatures:
    """An image's features, computed once and matched against every reference."""

    points: np.ndarray
    descriptors: np.ndarray | None
    scale: float
    gray: np.ndarray | None = None  # the searched pixels, for the look of a candidate region


def describe_query(image: np.ndarray) -> QueryFeatures:
    gray, scale = _fit(_gray(image), _QUERY_SIDE)
    orb = cv2.ORB.create(nfeatures=_QUERY_FEATURES, edgeThreshold=15, patchSize=15, fastThreshold=10)
    keypoints, descriptors = orb.detectAndCompute(gray, None)
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32).reshape(-1, 2)
    return QueryFeatures(points=points, descriptors=descriptors, scale=scale, gray=gray)


def _plausible(homography: np.ndarray, reference: Reference) -> list[tuple[float, float]] | None:
    """The reference's outline under the homography, or None if the fit is degenerate."""
    corners = np.array(
        [[0, 0], [reference.width, 0], [reference.width, reference.height], [0, reference.height]], dtype=np.float32
    ).reshape(-1, 1, 2)
    outline = cv2.perspectiveTransform(corners, homography).reshape(-1, 2)
    if not cv2.isContourConvex(outline.astype(np.float32)):
        return None
    linear = homography[:2, :2] / homography[2, 2]
    singular = np.linalg.svd(linear, compute_uv=False)
    if np.linalg.det(linear) <= 0 or singular[1] <= 1e-6 or singular[0] / singular[1] > _MAX_ANISOTROPY:
        return None
    area = cv2.contourArea(outline.astype(np.float32))
    if area < 64:  # smaller than 8x8 pixels: nothing a person would recognise either
        return None
    return [(float(x), float(y)) for x, y in outline]


def find(reference: Reference, query: QueryFeatures) -> Match | None:
    """The reference in the image, verified by a homography, or None."""
    if query.descriptors is None or len(query.points) < _MIN_INLIERS_SMALL:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(reference.descriptors, query.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < _RATIO * p[1].distance]
    if len(good) < _MIN_INLIERS_SMALL:
        return None
    source = reference.points[[m.queryIdx for m in good]].reshape(-1, 1, 2)
    target = query.points[[m.trainIdx for m in good]].reshape(-1, 1, 2)
    fitted = _homography(source, target, reference) or _similarity(source, target, reference)
    if fitted is None:
        return None
    outline, inliers, transform = fitted
    likeness = _likeness(transform, reference, query)
    if likeness < _MIN_LIKENESS:
        return None
    polygon = [(round(x / query.scale, 1), round(y / query.scale, 1)) for x, y in outline]
    return Match(
        polygon=polygon,
        inliers=inliers,
        inlier_ratio=round(inliers / len(good), 4),
        likeness=round(likeness, 4),
        required=_required(transform, reference)[0],
    )


Fit = tuple[list[tuple[float, float]], int, np.ndarray]


def _homography(source: np.ndarray, target: np.ndarray, reference: Reference) -> Fit | None:
    """A full perspective fit: what a flag on a wall photographed at an angle needs."""
    homography, mask = cv2.findHomography(source, target, cv2.RANSAC, 5.0)
    return _accepted(homography, mask, source, target, reference)


def _similarity(source: np.ndarray, target: np.ndarray, reference: Reference) -> Fit | None:
    """Rotation, scale and shift only: four parameters where a homography has eight, so a small symbol's few,
    noisy points still pin it down (a homography fitted to them bends the outline out of shape)."""
    similarity, mask = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC, ransacReprojThreshold=3.0)
    if similarity is None:
        return None
    return _accepted(np.vstack([similarity, [0.0, 0.0, 1.0]]), mask, source, target, reference)


def _accepted(
    transform: np.ndarray | None, mask: np.ndarray | None, source: np.ndarray, target: np.ndarray, reference: Reference
) -> Fit | None:
    """The outline, the number of inliers and the transform, if the fit holds: enough inliers for its size."""
    if transform is None or mask is None:
        return None
    kept = mask.ravel().astype(bool)
    inliers = int(kept.sum())
    needed, share = _required(transform, reference)
    if inliers < needed or inliers / len(source) < share:
        return None
    outline = _plausible(transform, reference)
    return None if outline is None else (outline, inliers, transform)


def _required(transform: np.ndarray, reference: Reference) -> tuple[int, float]:
    """(inliers, share of the matches) a fit must reach: less for a region too small to supply more."""
    side = float(np.sqrt(abs(cv2.contourArea(_corners(reference, transform)))))
    return (_MIN_INLIERS_SMALL, _MIN_INLIER_RATIO_SMALL) if side <= _SMALL_SIDE else (_MIN_INLIERS, _MIN_INLIER_RATIO)


def _likeness(transform: np.ndarray, reference: Reference, query: QueryFeatures) -> float:
    """Normalised correlation of the found region, warped back into the reference's frame, with the reference:
    geometry alone can agree by chance on a patch of texture; the region must also look like the symbol."""
    if reference.thumbnail is None or query.gray is None:
        return 1.0
    side = int(np.clip(np.sqrt(abs(cv2.contourArea(_corners(reference, transform)))), _THUMB, 8 * _THUMB))
    to_reference = np.diag([side / reference.width, side / reference.height, 1.0]) @ np.linalg.inv(transform)
    region = cv2.warpPerspective(query.gray, to_reference, (side, side), flags=cv2.INTER_LINEAR)
    region = cv2.resize(region, (_THUMB, _THUMB), interpolation=cv2.INTER_AREA).astype(np.float32)
    thumb = reference.thumbnail.astype(np.float32)
    region, thumb = region - region.mean(), thumb - thumb.mean()
    norm = float(np.linalg.norm(region) * np.linalg.norm(thumb))
    return float((region * thumb).sum() / norm) if norm > 0 else 0.0


def _corners(reference: Reference, transform: np.ndarray) -> np.ndarray:
    corners = np.array(
        [[0, 0], [reference.width, 0], [reference.width, reference.height], [0, reference.height]], dtype=np.float32
    ).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(corners, transform).reshape(-1, 2)
