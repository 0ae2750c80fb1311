"""Labelled files as training and evaluation read them: JSON lines of `text` and `label`, checked.

A row may also name its `lang`, `source`, `basis` (how its label was given:
`text` or `curated` by a person reading it, `account` by who posted it),
`category`, `collection` and a training `weight` (a number, 1 when absent:
`bastion train` gives people's decisions and judged rows their own). Reading stops at the first row that is not a
labelled text, naming its file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bastion.core import MAX_LANG_TAG
from bastion.wire import MalformedJSON, loads, without_surrogates

WEAK_BASES = {"account"}  # a label given by who posted the text, not by reading it


class LabelledFileError(ValueError):
    """The labelled file cannot be read as the evaluation needs."""


_OPTIONAL_TEXT_FIELDS = ("lang", "source", "basis", "category", "collection")


def read_labelled(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every row with its line number; the first row that is not a labelled text stops the reading, named."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")  # a BOM, as some editors write
            except UnicodeDecodeError:
                raise LabelledFileError(f"{where}: not UTF-8 text") from None
            if not line.strip():
                continue
            try:
                row = without_surrogates(loads(line))  # half an emoji where a post was cut: repaired, as in the API
            except MalformedJSON as error:
                raise LabelledFileError(f"{where}: not JSON ({error})") from None
            yield number, _checked(row, where)


def _checked(row: object, where: str) -> dict[str, Any]:
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        raise LabelledFileError(f"{where}: a labelled row needs 'text' and 'label'")
    label = row.get("label")
    if not isinstance(label, str) or not label.strip():
        raise LabelledFileError(f"{where}: 'label' must be a non-empty string")
    for field in _OPTIONAL_TEXT_FIELDS:
        if row.get(field) is not None and not isinstance(row[field], str):
            raise LabelledFileError(f"{where}: '{field}' must be a string or null")
    weight = row.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 100:
        raise LabelledFileError(f"{where}: 'weight' must be a number above 0 (at most 100)")
    if len(row.get("lang") or "") > MAX_LANG_TAG or not (row.get("lang") or "").isprintable():
        raise LabelledFileError(f"{where}: 'lang' is not a language tag")
    return {**row, "label": label.strip().lower()}
