"""A symbol bank as a file: JSON lines, one symbol a line, its reference images as base64 PNG.

    {"label": "...", "labels": [...], "source": "...", "sensitivity": 0.7, "references": ["<base64 PNG>", ...]}

Features are never exchanged: they are computed again from the images on import, by this version's engine.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from bastion.store.transaction import Transaction
from bastion.symbols.registry import DEFAULT_SENSITIVITY, SymbolError, symbols_of


@dataclass(frozen=True)
class SymbolRecord:
    label: str
    images: list[bytes]
    labels: list[str]
    source: str | None
    sensitivity: float


def export_lines(tx: Transaction, bank_name: str, platform: str | None = None) -> Iterator[str]:
    """The bank's active symbols, one JSON line each (of a bank `platform` sees)."""
    symbols = [s for s in symbols_of(tx, bank_name, platform) if s.state == "active"]
    references = tx.symbols.references([s.id for s in symbols])
    for symbol in symbols:
        yield json.dumps(
            {
                "label": symbol.label,
                "labels": symbol.labels,
                "source": symbol.source,
                "sensitivity": symbol.sensitivity,
                "references": [base64.b64encode(r.image).decode() for r in references.get(symbol.id, [])],
            },
            ensure_ascii=False,
        )


def read_lines(lines: Iterable[str]) -> Iterator[SymbolRecord]:
    """Symbols from JSON lines; a line that is not one stops the import with its number."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield _record(json.loads(line))
        except (ValueError, TypeError, KeyError, binascii.Error) as error:
            raise SymbolError(f"line {number}: not a symbol ({error})") from None


def _record(row: Any) -> SymbolRecord:
    if not isinstance(row, dict) or not isinstance(row.get("label"), str):
        raise ValueError("a JSON object with a string 'label' is expected")
    references = row.get("references")
    if not isinstance(references, list) or not references or not all(isinstance(r, str) for r in references):
        raise ValueError("'references' is a non-empty list of base64 images")
    labels = row.get("labels") or []
    if not isinstance(labels, list):
        raise ValueError("'labels' is a list of strings")
    return SymbolRecord(
        label=row["label"],
        images=[base64.b64decode(r, validate=True) for r in references],
        labels=labels,
        source=row.get("source"),
        sensitivity=row.get("sensitivity", DEFAULT_SENSITIVITY),
    )
