"""Read items from JSONL, CSV or Parquet files (or stdin), row by row, with line numbers.

A row that is not a valid item becomes a `BadRow` naming its line and what is
wrong with it; the reader carries on with the next row.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

from pydantic import ValidationError

from bastion.core import Item
from bastion.wire import MalformedJSON, loads

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class BadRow:
    line: int
    problem: str


Row = tuple[int, Item | BadRow]

# The item's own fields, whose values validation judges; every other column becomes metadata, stored as JSON.
_VALIDATED = Item.FIELDS - {"metadata"}

_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def detect_format(path: str, explicit: str | None) -> str:
    if explicit:
        if explicit.lower() not in _FORMATS.values():
            raise ValueError(f"unknown format {explicit!r}; use jsonl, csv or parquet")
        return explicit.lower()
    if path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(f"cannot tell the format of {path!r} from its suffix; pass --format jsonl|csv|parquet")
    return _FORMATS[suffix]


def read_items(path: str, fmt: str, stdin: IO[bytes], max_media_bytes: int) -> Iterator[Row]:
    """Items of a file in order; `path` is '-' for stdin (JSONL or CSV)."""
    base = Path(".") if path == "-" else Path(path).resolve().parent
    raw_rows = _raw_rows(path, fmt, stdin)
    for line, fields in raw_rows:
        yield line, _to_item(line, fields, base, max_media_bytes)


def _raw_rows(path: str, fmt: str, stdin: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    if fmt == "parquet":
        if path == "-":
            raise ValueError("Parquet cannot be read from stdin; give a file path")
        yield from _parquet_rows(Path(path))
        return
    with ExitStack() as stack:
        stream = stdin if path == "-" else stack.enter_context(Path(path).open("rb"))
        yield from (_jsonl_rows(stream) if fmt == "jsonl" else _csv_rows(stream))


def _jsonl_rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    for line, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            # Decoded here, not by `loads`: given bytes, json would also take UTF-16 and encoded surrogates.
            # A byte-order mark (Excel, Notepad) can only open the file.
            value = loads(raw.rstrip(b"\r\n").decode("utf-8-sig" if line == 1 else "utf-8"))
        except UnicodeDecodeError as error:
            yield line, BadRow(line, f"not valid UTF-8 (byte {error.start})")
            continue
        except MalformedJSON as error:
            # The row is one line, already named: its column is all the position a reader needs.
            yield line, BadRow(line, str(error).replace(" at line 1 column ", " at column "))
            continue
        yield line, value if isinstance(value, dict) else BadRow(line, "a row must be a JSON object")


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    # utf-8-sig: Excel opens its CSV with a byte-order mark, which would become part of the first column's name.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.DictReader(text)
    try:
        for fields in reader:
            line = reader.line_num
            if None in fields:
                yield line, BadRow(line, "more cells than header columns")
                continue
            yield line, {k: v for k, v in fields.items() if v not in (None, "")}
    except UnicodeDecodeError as error:
        yield reader.line_num + 1, BadRow(reader.line_num + 1, f"not valid UTF-8 (byte {error.start}); stopped here")
    except csv.Error as error:
        yield reader.line_num, BadRow(reader.line_num, f"malformed CSV: {error}; stopped here")


def _parquet_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    import pyarrow.parquet as pq

    line = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        for fields in _python_rows(batch):
            line += 1
            yield line, _plain_fields(line, fields)


def _python_rows(batch: pa.RecordBatch) -> list[dict[str, Any] | str]:
    """The batch's rows as Python values; a row holding a value Python cannot (a timestamp past year 9999) becomes
    the problem with it, so that only that row is skipped."""
    try:
        return batch.to_pylist()
    except (OverflowError, ValueError):
        return [_python_row(batch, index) for index in range(batch.num_rows)]


def _python_row(batch: pa.RecordBatch, index: int) -> dict[str, Any] | str:
    fields: dict[str, Any] = {}
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        try:
            fields[name] = column[index].as_py()
        except (OverflowError, ValueError) as error:
            return f"column {name!r} holds a value out of range ({error})"
    return fields


def _plain_fields(line: int, fields: dict[str, Any] | str) -> dict[str, Any] | BadRow:
    """Extra columns (kept as metadata) as JSON values; the item's own fields are left for validation to judge."""
    if isinstance(fields, str):
        return BadRow(line, fields)
    plain: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        try:
            plain[name] = value if name in _VALIDATED else _json_value(value)
        except TypeError as error:
            return BadRow(line, f"column {name!r} has an unsupported type ({error})")
    return plain


def _json_value(value: Any) -> Any:
    """A Parquet value as JSON holds it: bytes in hex (how digests are written), decimals, uuids and dates as
    text, durations in seconds."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(key): _json_value(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(inner) for inner in value]
    raise TypeError(type(value).__name__)


def _to_item(line: int, fields: dict[str, Any] | BadRow, base: Path, max_media_bytes: int) -> Item | BadRow:
    if isinstance(fields, BadRow):
        return fields
    try:
        fields = _resolve_media(fields, base, max_media_bytes)
        return Item.model_validate(fields)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in error.errors()[:3])
        return BadRow(line, problems)
    except ValueError as error:
        return BadRow(line, str(error))


def _resolve_media(fields: dict[str, Any], base: Path, max_media_bytes: int) -> dict[str, Any]:
    """Turn `{"path": ...}` (or a CSV `media_path` column) into inline bytes."""
    media = fields.get("media")
    if "media_path" in fields:
        media = {"path": fields.pop("media_path")}
    if not isinstance(media, dict) or "path" not in media or media.get("base64"):
        return fields
    shown = _shortened(str(media["path"]))
    try:
        data = _media_bytes(base, str(media["path"]), shown, max_media_bytes)
    except OSError as error:  # a name too long, a folder it may not enter, ...
        reason = (error.strerror or str(error)).lower()
        raise ValueError(f"media file {shown!r} cannot be read ({reason})") from None
    return {**fields, "media": {**media, "base64": base64.b64encode(data).decode()}}


def _media_bytes(base: Path, path: str, shown: str, max_media_bytes: int) -> bytes:
    file = (base / path).resolve()
    if not file.is_relative_to(base.resolve()):
        raise ValueError(f"media path {shown!r} leaves the input file's folder")
    if not file.is_file():
        raise ValueError(f"media file {shown!r} does not exist")
    if file.stat().st_size > max_media_bytes:
        raise ValueError(f"media file {shown!r} is over the limit of {max_media_bytes} bytes")
    return file.read_bytes()


def _shortened(path: str, keep: int = 80) -> str:
    """A path short enough for a one-line message (a 5,000-character name would fill the screen)."""
    return path if len(path) <= keep else path[:keep] + "…"
