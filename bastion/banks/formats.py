"""Bank files in the formats the ecosystem already uses.

| format | shape |
|--------|-------|
| `pytx` | python-threatexchange's signal file: `<signal_type> <value>` (`pdq`, `vpdq`, `video_md5`, `video_sha256`) |
| `hma`  | Hasher-Matcher-Actioner bank content as CSV: `signal_type,signal_value` columns, plus optional `labels` |
| `csv`  | plain `hash,label` CSV (optional `kind`, `source`, `confidence`; several labels `;`-separated) |
| `jsonl`| one `{"hash", "kind", "labels", "source", "confidence"}` object per line |

Readers name the line of any bad row; writers emit what readers read back.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from bastion.banks.store import BankError, NewEntry, valid_hash

FORMATS = ("pytx", "hma", "csv", "jsonl")
# python-threatexchange's signal type names (SignalType.get_name()); HMA uses the same.
_PYTX_TYPES = {"pdq": "pdq", "vpdq": "vpdq", "video_md5": "md5", "photo_md5": "md5", "video_sha256": "sha256"}
_PYTX_NAMES = {"pdq": "pdq", "vpdq": "vpdq", "md5": "video_md5", "sha256": "video_sha256"}
_HMA_TYPES = {**_PYTX_TYPES, "md5": "md5", "sha256": "sha256"}


def read_entries(text: str, fmt: str, default_kind: str = "pdq", source: str | None = None) -> list[NewEntry]:
    """Entries from a bank file, or a BankError naming the first bad line."""
    readers = {"pytx": _read_pytx, "hma": _read_hma, "csv": _read_csv, "jsonl": _read_jsonl}
    if fmt not in readers:
        raise BankError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    entries = []
    for line, entry in readers[fmt](text, default_kind):
        try:
            value = valid_hash(entry.kind, entry.value)
        except BankError as error:
            raise BankError(f"line {line}: {error}") from None
        entries.append(NewEntry(entry.kind, value, entry.labels, entry.source or source, entry.confidence))
    return entries


def write_entries(entries: Iterable[NewEntry], fmt: str) -> str:
    writers = {"pytx": _write_pytx, "hma": _write_hma, "csv": _write_csv, "jsonl": _write_jsonl}
    if fmt not in writers:
        raise BankError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    return writers[fmt](list(entries))


def _read_pytx(text: str, default_kind: str) -> Iterator[tuple[int, NewEntry]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        # As pytx's LocalFileSignalExchangeAPI reads it: the type, one space, the rest (vPDQ JSON has spaces).
        signal_type, _, value = raw.strip().partition(" ")
        if not signal_type or signal_type.startswith("#"):
            continue
        if not value:
            yield line, NewEntry(default_kind, signal_type)
        elif signal_type in _PYTX_TYPES:
            yield line, NewEntry(_PYTX_TYPES[signal_type], value.strip())
        else:
            raise BankError(f"line {line}: unknown signal type {signal_type!r}; expected one of {sorted(_PYTX_TYPES)}")


def _write_pytx(entries: list[NewEntry]) -> str:
    return "".join(f"{_PYTX_NAMES[e.kind]} {e.value}\n" for e in entries)


def _rows(text: str, required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise BankError(f"line 1: the header lacks {sorted(missing)}")
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def _labels(value: str) -> list[str]:
    return [label.strip() for label in value.split(";") if label.strip()]


def _read_hma(text: str, _default_kind: str) -> Iterator[tuple[int, NewEntry]]:
    for line, row in _rows(text, {"signal_type", "signal_value"}):
        kind = _HMA_TYPES.get(row["signal_type"])
        if kind is None:
            raise BankError(f"line {line}: unknown signal type {row['signal_type']!r}")
        yield line, NewEntry(kind, row["signal_value"], _labels(row.get("labels", "")))


def _write_hma(entries: list[NewEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["signal_type", "signal_value", "labels"])
    for entry in entries:
        writer.writerow([_PYTX_NAMES[entry.kind], entry.value, ";".join(entry.labels)])
    return out.getvalue()


def _read_csv(text: str, default_kind: str) -> Iterator[tuple[int, NewEntry]]:
    for line, row in _rows(text, {"hash"}):
        try:
            confidence = float(row.get("confidence") or 1.0)
        except ValueError:
            raise BankError(f"line {line}: confidence {row['confidence']!r} is not a number") from None
        yield (
            line,
            NewEntry(
                row.get("kind") or default_kind,
                row["hash"],
                _labels(row.get("label", "")),
                row.get("source") or None,
                confidence,
            ),
        )


def _write_csv(entries: list[NewEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["hash", "label", "kind", "source", "confidence"])
    for entry in entries:
        writer.writerow([entry.value, ";".join(entry.labels), entry.kind, entry.source or "", entry.confidence])
    return out.getvalue()


def _read_jsonl(text: str, default_kind: str) -> Iterator[tuple[int, NewEntry]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
            labels = row.get("labels") or ([row["label"]] if row.get("label") else [])
            yield (
                line,
                NewEntry(
                    str(row.get("kind") or default_kind),
                    str(row["hash"]),
                    [str(x) for x in labels],
                    row.get("source"),
                    float(row.get("confidence", 1.0)),
                ),
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
            raise BankError(f"line {line}: not a bank entry ({type(error).__name__}: {error})") from None


def _write_jsonl(entries: list[NewEntry]) -> str:
    return "".join(
        json.dumps(
            {"hash": e.value, "kind": e.kind, "labels": e.labels, "source": e.source, "confidence": e.confidence}
        )
        + "\n"
        for e in entries
    )
