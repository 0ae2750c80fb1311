"""Whether an item presents what it shows as news or research: then a symbol in it is context, not accusation.

The cues are data (`bastion/data/symbols/context-cues.yaml`); the item's own `context` field, when the
platform sends one, says it outright. Either way the evidence names what was read, so a moderator sees why.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from bastion.core import Category

CUES_FILE = Path(__file__).resolve().parents[1] / "data" / "symbols" / "context-cues.yaml"
_DECLARED = {"news": Category.NEWS, "research_education": Category.RESEARCH_EDUCATION}


@cache
def _patterns() -> dict[Category, re.Pattern[str]]:
    cues = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))
    return {
        _DECLARED[name]: re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)
        for name, words in cues.items()
    }


def protected_context(texts: list[str], declared: object) -> tuple[Category, str] | None:
    """(the protected context, the cue that says so) or None."""
    if isinstance(declared, str) and declared in _DECLARED:
        return _DECLARED[declared], f"context: {declared}"
    for category, pattern in _patterns().items():
        for text in texts:
            if found := pattern.search(text):
                return category, found.group(0)
    return None
