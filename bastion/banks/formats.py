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
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from bastion.banks.entries import BankError, NewEntry, valid_entry
from bastion.wire import MalformedJSON, loads

FORMATS = ("pytx", "hma", "csv", "jsonl")
# python-threatexchange's signal type names (SignalType.get_name()); HMA uses the same.
_PYTX_TYPES = {"pdq": "pdq", "vpdq": "vpdq", "video_md5": "md5", "photo_md5": "md5", "video_sha256": "sha256"}
_PYTX_NAMES = {"pdq": "pdq", "vpdq": "vpdq", "md5": "video_md5", "sha256": "video_sha256"}
_HMA_TYPES = {**_PYTX_TYPES, "md5": "md5", "sha256": "sha256"}
_BOM = "\ufeff"  # Excel starts its UTF-8 CSV files with one


def read_entries(text: str, fmt: str, default_kind: str = "pdq", source: str | None = None) -> list[NewEntry]:
    """Every entry of a bank file held in memory, or a BankError naming the first bad line."""
    return list(iter_entries(io.StringIO(text, newline=""), fmt, default_kind, source))


def iter_entries(
    lines: Iterable[str], fmt: str, default_kind: str = "pdq", source: str | None = None
) -> Iterator[NewEntry]:
    """Validated entries as the file's lines are read (a BOM is skipped); a BankError names the first bad line.

    Lines keep their endings, as a file opened with newline="" gives them (the csv module needs that)."""
    readers = {"pytx": _read_pytx, "hma": _read_hma, "csv": _read_csv, "jsonl": _read_jsonl}
    if fmt not in readers:
        raise BankError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    return _validated(readers[fmt](_without_bom(lines), default_kind), source)


def decoded_lines(stream: IO[bytes]) -> Iterator[str]:
    """A binary file's lines as UTF-8 text for `iter_entries`, one at a time; a BankError names an undecodable line."""
    for line, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BankError(f"line {line}: not valid UTF-8 (byte {error.start + 1} of the line)") from None
        yield from _LONE_CR.split(text)  # files saved with old Mac line ends (a bare \r) hold many lines in one


_LONE_CR = re.compile(r"(?<=\r)(?!\n)(?=.)", re.DOTALL)


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    iterator = iter(lines)
    first = next(iterator, None)
    if first is not None:
        yield first.removeprefix(_BOM)
        yield from iterator


def _validated(rows: Iterator[tuple[int, NewEntry]], source: str | None) -> Iterator[NewEntry]:
    for line, entry in rows:
        try:
            yield valid_entry(NewEntry(entry.kind, entry.value, entry.labels, entry.source or source, entry.confidence))
        except BankError as error:
            raise BankError(f"line {line}: {error}") from None


def write_entries(entries: Iterable[NewEntry], fmt: str) -> str:
    writers = {"pytx": _write_pytx, "hma": _write_hma, "csv": _write_csv, "jsonl": _write_jsonl}
    if fmt not in writers:
        raise BankError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    return writers[fmt](list(entries))


def _read_pytx(lines: Iterable[str], default_kind: str) -> Iterator[tuple[int, NewEntry]]:
    for line, raw in enumerate(lines, start=1):
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


def _rows(lines: Iterable[str], required: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(lines)
    try:
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise BankError(f"line 1: the header lacks {sorted(missing)}")
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}
    except csv.Error as error:
        # DictReader updates its own line_num only after a row is read whole; its reader's counts the bad one.
        raise BankError(f"line {reader.reader.line_num}: {_csv_problem(error)}") from None


def _csv_problem(error: csv.Error) -> str:
    if "field limit" in str(error):
        return f"a field is too large (over {csv.field_size_limit():,} characters)"
    return f"malformed CSV ({error})"


def _labels(value: str) -> list[str]:
    return [label.strip() for label in value.split(";") if label.strip()]


def _read_hma(lines: Iterable[str], _default_kind: str) -> Iterator[tuple[int, NewEntry]]:
    for line, row in _rows(lines, {"signal_type", "signal_value"}):
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


def _read_csv(lines: Iterable[str], default_kind: str) -> Iterator[tuple[int, NewEntry]]:
    for line, row in _rows(lines, {"hash"}):
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


def _read_jsonl(lines: Iterable[str], default_kind: str) -> Iterator[tuple[int, NewEntry]]:
    for line, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            yield line, _json_entry(loads(raw), default_kind)
        except (MalformedJSON, BankError) as error:
            raise BankError(f"line {line}: {error}") from None


def _json_entry(row: Any, default_kind: str) -> NewEntry:
    """A JSONL row as an entry, its fields' types checked (valid_entry checks their values)."""
    if not isinstance(row, dict):
        raise BankError(f"a bank entry is a JSON object, not {_json_type(row)}")
    if "hash" not in row:
        raise BankError("the entry has no 'hash'")
    labels = row.get("labels") or ([row["label"]] if row.get("label") else [])
    if not isinstance(labels, list):
        raise BankError(f"'labels' must be a list of strings, not {_json_type(labels)}")
    return NewEntry(
        _json_string(row, "kind", default_kind),
        _json_string(row, "hash", ""),
        labels,
        _json_string(row, "source", None),
        row.get("confidence", 1.0),
    )


def _json_string(row: dict[str, Any], key: str, default: Any) -> Any:
    value = row.get(key)
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise BankError(f"{key!r} must be a string, not {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number", float: "a number"}
    return names.get(type(value), "null")


def _write_jsonl(entries: list[NewEntry]) -> str:
    return "".join(
        json.dumps(
            {"hash": e.value, "kind": e.kind, "labels": e.labels, "source": e.source, "confidence": e.confidence}
        )
        + "\n"
        for e in entries
    )
