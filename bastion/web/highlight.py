"""Split a text into plain and highlighted pieces from the detectors' evidence spans."""

from __future__ import annotations

from typing import Any


def highlighted(text: str, signals: list[dict[str, Any]], field: str) -> list[tuple[str, str | None]]:
    """(piece, detector that flagged it or None), covering the whole text in order; overlaps merge."""
    marks: list[str | None] = [None] * len(text)
    for signal in signals:
        for span in (signal.get("evidence") or {}).get("spans") or []:
            if span.get("field") != field:
                continue
            start, end = max(0, int(span["start"])), min(len(text), int(span["end"]))
            for index in range(start, end):
                marks[index] = marks[index] or signal["detector"]
    pieces: list[tuple[str, str | None]] = []
    for char, mark in zip(text, marks, strict=True):
        if pieces and pieces[-1][1] == mark:
            pieces[-1] = (pieces[-1][0] + char, mark)
        else:
            pieces.append((char, mark))
    return pieces
