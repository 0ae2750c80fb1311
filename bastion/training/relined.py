"""A trained model with some of its lines moved by the platform: the same heads, new lines, a new name.

Training draws each language's line at 1% of its negatives; where a platform's users write what the
training data does not hold, the platform may run a stricter or a looser line, knowing its price
(`line_costs`, shown by `bastion model lines`). The result is a candidate like any trained model:
registered, run in shadow, compared on the platform's decisions, promoted or rolled back, each step
audited, and every verdict names its version. The rule training keeps holds here too: no language's
line under the reference line ("*", or "route:*" among the languages the deep tier judges alone),
which would put the speakers of a language under more scrutiny than everyone else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bastion.text.model import DeepRoute, TextModel, named_lines
from bastion.training.naming import model_version
from bastion.training.thresholds import script_lines

ROUTE_REFERENCE = "route:*"


class LineError(ValueError):
    """A line that cannot be set as asked; the message says why."""


def relined(model: TextModel, lines: Mapping[str, float], reason: str, at: datetime) -> TextModel:
    """`model` with each named line (a language, "*" or "route:*") at the given score, renamed."""
    if not lines:
        raise LineError("name at least one line to set (LANG=LINE)")
    if not reason.strip():
        raise LineError("say why the lines move (--reason): it is recorded with the model")
    thresholds = {key: value for key, value in model.thresholds.items() if not key.startswith("*") or key == "*"}
    route = dict(model.route.thresholds) if model.route else {}
    for key, line in lines.items():
        if not 0 < line <= 1:
            raise LineError(f"{key}={line}: a line is a score above 0 and at most 1")
        target, name = _home(model, key)
        table = route if target == "route" else thresholds
        if abs(table.get(name, model.threshold_for(name)) - line) < 1e-9:
            raise LineError(f"{key} is already judged at {line}: nothing would move")
        table[name] = line
    thresholds |= script_lines(thresholds)
    _the_reference_is_the_lowest(thresholds, model.thresholds, "*")
    _the_reference_is_the_lowest(route, model.route.thresholds if model.route else {}, ROUTE_REFERENCE)
    new_route = DeepRoute(model.route.languages, route) if model.route else None
    moved = _changes(model, thresholds, new_route, reason, at)
    version = model_version(
        model.fast,
        model.deep,
        model.deep_from,
        thresholds,
        model.deep_weight,
        new_route,
        model.faith_neutral,
        model.route_deep,
    )
    earlier: list[object] = list(model.metrics.get("lines_set") or [])  # type: ignore[call-overload]
    metrics = model.metrics | {"lines_set": [*earlier, {"from_model": model.version, "changes": moved}]}
    return dataclasses.replace(model, thresholds=thresholds, route=new_route, version=version, metrics=metrics)


def _home(model: TextModel, key: str) -> tuple[str, str]:
    """Which table a named line lives in, and its name there."""
    if key == ROUTE_REFERENCE:
        if model.route is None:
            raise LineError("this model has no route: no language is judged by the deep tier alone")
        return "route", "*"
    if key == "*":
        return "cascade", "*"
    if key.startswith("*"):
        raise LineError(f"{key} is drawn from its languages' lines: set theirs (for example ar=0.9)")
    if not key.isalpha() or not key.islower() or not 2 <= len(key) <= 3:
        raise LineError(f"{key!r} is not a line: give a language code (en, ar, fr), * or {ROUTE_REFERENCE}")
    if model.route is not None and key in model.route.languages:
        return "route", key
    return "cascade", key


def _the_reference_is_the_lowest(table: dict[str, float], source: dict[str, float], reference: str) -> None:
    """Training's rule: every language without a line of its own is judged at the reference line, and no language
    more strictly. So no language's line goes under it, and the languages that drew it (`source`: those at it
    before) cannot all leave it: the rest would then be judged more strictly than they are."""
    if "*" not in table:
        return
    own = {key: line for key, line in table.items() if not key.startswith("*")}
    under = sorted(f"{key} ({line:.4g})" for key, line in own.items() if line < table["*"])
    if under:
        raise LineError(
            f"under the reference line {reference} ({table['*']:.4g}): {', '.join(under)}; a language judged "
            "more strictly than the reference would scrutinise its speakers more than anyone else's (raise them too)"
        )
    drew = sorted(key for key, line in source.items() if not key.startswith("*") and abs(line - source["*"]) < 1e-9)
    if drew and all(own[key] > table["*"] + 1e-9 for key in drew):
        names = ", ".join(drew)
        raise LineError(
            f"{names} drew the reference line {reference} ({table['*']:.4g}) and would leave it: every language "
            f"without a line of its own would then be judged more strictly than {names}; move {reference} with it"
        )


def _changes(
    model: TextModel, thresholds: dict[str, float], route: DeepRoute | None, reason: str, at: datetime
) -> list[dict[str, Any]]:
    """Every line that moved, those that follow the ones named (a script's line follows its languages') too."""
    before, after = named_lines(model.thresholds, model.route), named_lines(thresholds, route)
    return [
        {
            "line": key,
            "from": round(before[key], 6) if key in before else None,
            "to": round(line, 6),
            "reason": reason,
            "at": at.isoformat(),
        }
        for key, line in sorted(after.items())
        if key not in before or abs(before[key] - line) > 1e-9
    ]
