"""A trained model's name: `text-<date>-<digest>` of everything that decides a verdict, so that two models that
judge alike are named alike, and a model whose lines moved (`relined`) is named anew."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import numpy as np

from bastion.text.model import DeepRoute, LinearHead


def model_version(
    fast: LinearHead,
    deep: LinearHead | None,
    deep_from: float,
    thresholds: dict[str, float],
    deep_weight: float,
    route: DeepRoute | None = None,
    faith_neutral: bool = False,
    route_deep: LinearHead | None = None,
) -> str:
    """Named by everything that decides a verdict: the weights as saved, how the deep tier reads a text,
    and where the lines are drawn (a loaded model gives the same name)."""
    lines: dict[str, object] = {"deep_from": deep_from, "thresholds": thresholds, "deep_weight": deep_weight}
    if fast.trained_one_vs_rest:
        lines["fast_one_vs_rest"] = True
    if faith_neutral:
        lines["deep_faith_neutral"] = True
    if route is not None:
        lines["deep_route"] = route.as_json()
    decisions = json.dumps(lines, sort_keys=True)
    weights = b"".join(
        [
            fast.coef.astype(np.float16).tobytes(),
            deep.coef.tobytes() if deep else b"",
            route_deep.coef.tobytes() if route_deep else b"",
        ]
    )
    return f"text-{datetime.now(UTC):%Y%m%d}-{hashlib.sha256(weights + decisions.encode()).hexdigest()[:8]}"
