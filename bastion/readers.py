"""Read items from JSONL, CSV or Parquet files (or stdin), row by row, with line numbers.

A row that is not a valid item becomes a `BadRow` naming its line and what is
wrong with it; the reader carries on with the next row.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from bastion.core import Item


@dataclass(frozen=True)
class BadRow:
    line: int
    problem: str


Row = tuple[int, Item | BadRow]

_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def detect_format(path: str, explicit: str | None) -> str:
    if explicit:
        return explicit
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
            value = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            yield line, BadRow(line, f"not valid UTF-8 (byte {error.start})")
            continue
        except json.JSONDecodeError as error:
            yield line, BadRow(line, f"malformed JSON: {error.msg} at column {error.colno}")
            continue
        yield line, value if isinstance(value, dict) else BadRow(line, "a row must be a JSON object")


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | BadRow]]:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="")
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
        for fields in batch.to_pylist():
            line += 1
            yield line, {k: v for k, v in fields.items() if v is not None}


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
    file = (base / str(media["path"])).resolve()
    if not file.is_relative_to(base.resolve()):
        raise ValueError(f"media path {media['path']!r} leaves the input file's folder")
    if not file.is_file():
        raise ValueError(f"media file {media['path']!r} does not exist")
    if file.stat().st_size > max_media_bytes:
        raise ValueError(f"media file {media['path']!r} is over the limit of {max_media_bytes} bytes")
    encoded = base64.b64encode(file.read_bytes()).decode()
    return {**fields, "media": {**media, "base64": encoded}}
