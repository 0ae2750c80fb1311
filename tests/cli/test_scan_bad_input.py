"""`bastion scan` and `bastion serve` given hostile or unusual input: a line named, never a traceback or a hang."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bastion.readers import BadRow, read_items


def run_bastion(args: list[str], tmp_path: Path, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "BASTION_DATA_DIR": str(tmp_path / "data")}
    env.pop("BASTION_DATABASE_URL", None)
    command = [sys.executable, "-m", "bastion", *args]
    return subprocess.run(command, capture_output=True, env=env, timeout=timeout, cwd=tmp_path)


def _scan(tmp_path: Path, source: Path, *args: str) -> tuple[int, str, list[str]]:
    """Exit status, stderr and the ids of the verdicts written."""
    out = tmp_path / "out.jsonl"
    result = run_bastion(["scan", str(source), "-o", str(out), *args], tmp_path)
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()] if out.exists() else []
    errors = result.stderr.decode()
    assert "Traceback" not in errors, errors
    return result.returncode, errors, ids


def _stored_metadata(tmp_path: Path, item_id: str) -> dict[str, Any]:
    with sqlite3.connect(tmp_path / "data" / "bastion.db") as connection:
        row = connection.execute("SELECT metadata FROM items WHERE id = ?", (item_id,)).fetchone()
    return dict(json.loads(row[0]))


def test_rows_nested_too_deeply_or_with_huge_numbers_are_skipped_and_the_rest_scanned(tmp_path: Path) -> None:
    source = tmp_path / "hostile.jsonl"
    deep = '{"id": "deep", "text": "x", "m": ' + "[" * 10_000 + "]" * 10_000 + "}"
    huge = '{"id": "huge", "text": "x", "n": ' + "9" * 5_000 + "}"
    rows = [json.dumps({"id": "ok1", "text": "fine"}), deep, json.dumps({"id": "ok2", "text": "fine"}), huge]
    source.write_text("\n".join(rows) + "\n")
    status, errors, ids = _scan(tmp_path, source)
    assert status == 1
    assert "line 2: skipped: malformed JSON: nested too deeply" in errors
    assert "line 4: skipped: malformed JSON: a number has too many digits" in errors
    assert ids == ["ok1", "ok2"]


def test_parquet_extra_columns_of_any_common_type_are_kept_as_json(tmp_path: Path) -> None:
    source = tmp_path / "typed.parquet"
    columns = {
        "id": ["p1"],
        "text": ["fine"],
        "digest": pa.array([b"\x00\xff"], pa.binary()),
        "price": pa.array([Decimal("1.50")], pa.decimal128(10, 2)),
        "at": pa.array([3600], pa.time32("s")),
        "took": pa.array([90], pa.duration("s")),
        "seen": pa.array([dt.datetime(2024, 5, 1, 12)], pa.timestamp("us")),
        "day": pa.array([dt.date(2024, 5, 1)], pa.date32()),
        "ref": pa.array([uuid.UUID(int=1).bytes], pa.uuid()),
        "parts": pa.array([[b"\x01"]], pa.list_(pa.binary())),
    }
    pq.write_table(pa.table(columns), source)
    status, errors, ids = _scan(tmp_path, source)
    assert status == 0, errors
    assert ids == ["p1"]
    assert _stored_metadata(tmp_path, "p1") == {
        "digest": "00ff",
        "price": "1.50",
        "at": "01:00:00",
        "took": 90.0,
        "seen": "2024-05-01T12:00:00",
        "day": "2024-05-01",
        "ref": str(uuid.UUID(int=1)),
        "parts": ["01"],
    }


def test_a_parquet_timestamp_out_of_range_skips_only_its_row(tmp_path: Path) -> None:
    source = tmp_path / "times.parquet"
    created = pa.array([0, -(10**17), 0], pa.timestamp("us"))
    pq.write_table(pa.table({"id": ["t1", "t2", "t3"], "text": ["a", "b", "c"], "created_at": created}), source)
    status, errors, ids = _scan(tmp_path, source)
    assert status == 1
    assert "line 2: skipped: column 'created_at' holds a value out of range" in errors
    assert ids == ["t1", "t3"]


class _ComplexScalar(pa.ExtensionScalar):
    def as_py(self, **_: Any) -> complex:
        return complex(self.value.as_py(), 1)


class _ComplexType(pa.ExtensionType):
    """A column type whose values are Python objects JSON cannot hold (a plugin's, a future pyarrow's)."""

    def __init__(self) -> None:
        super().__init__(pa.int64(), "bastion-test.complex")

    def __arrow_ext_serialize__(self) -> bytes:
        return b""

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type: pa.DataType, serialized: bytes) -> _ComplexType:
        return cls()

    def __arrow_ext_scalar_class__(self) -> type[pa.ExtensionScalar]:
        return _ComplexScalar


def test_a_parquet_column_of_an_unsupported_type_skips_the_row_naming_the_column(tmp_path: Path) -> None:
    source = tmp_path / "odd.parquet"
    odd = pa.ExtensionArray.from_storage(_ComplexType(), pa.array([3]))
    pq.write_table(pa.table({"id": ["o1"], "text": ["x"], "z": odd}), source)
    pa.register_extension_type(_ComplexType())
    try:
        rows = list(read_items(str(source), "parquet", io.BytesIO(), 1000))
    finally:
        pa.unregister_extension_type("bastion-test.complex")
    assert rows == [(1, BadRow(1, "column 'z' has an unsupported type (complex)"))]


def test_a_media_path_too_long_skips_the_row_with_a_reason(tmp_path: Path) -> None:
    source = tmp_path / "media.jsonl"
    rows = [{"id": "long", "kind": "image", "media": {"path": "a" * 5000}}, {"id": "ok", "text": "fine"}]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    status, errors, ids = _scan(tmp_path, source)
    assert status == 1
    assert "line 1: skipped: media file 'aaaa" in errors and "cannot be read (file name too long)" in errors
    assert ids == ["ok"]


@pytest.mark.parametrize(
    ("output", "says"),
    [(".", "is a directory"), ("missing/verdicts.jsonl", "no such file or directory")],
)
def test_an_output_that_cannot_be_written_exits_2_with_a_message(tmp_path: Path, output: str, says: str) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text(json.dumps({"id": "r1", "text": "fine"}) + "\n")
    result = run_bastion(["scan", str(source), "-o", str(tmp_path / output)], tmp_path)
    errors = result.stderr.decode()
    assert result.returncode == 2
    assert f"error: cannot write {tmp_path / output}: {says}" in errors
    assert "Traceback" not in errors


@pytest.mark.parametrize("output", ["posts.jsonl", "./posts.jsonl", "link.jsonl"])
def test_writing_verdicts_over_the_input_is_refused_and_the_input_kept(tmp_path: Path, output: str) -> None:
    source = tmp_path / "posts.jsonl"
    content = json.dumps({"id": "r1", "text": "fine"}) + "\n"
    source.write_text(content)
    (tmp_path / "link.jsonl").symlink_to(source)
    result = run_bastion(["scan", "posts.jsonl", "-o", output], tmp_path)
    assert result.returncode == 2
    assert "is the input file" in result.stderr.decode()
    assert source.read_text() == content


def test_an_unknown_format_exits_2_naming_the_formats(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text(json.dumps({"id": "r1", "text": "fine"}) + "\n")
    result = run_bastion(["scan", str(source), "--format", "xml"], tmp_path)
    assert result.returncode == 2
    assert "error: unknown format 'xml'; use jsonl, csv or parquet" in result.stderr.decode()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("excel.csv", b"id,text\r\nr1,fine\r\nr2,also fine\r\n"),
        ("notepad.jsonl", b'{"id": "r1", "text": "fine"}\r\n{"id": "r2", "text": "also fine"}\r\n'),
    ],
)
def test_a_file_starting_with_a_byte_order_mark_is_read(tmp_path: Path, name: str, content: bytes) -> None:
    source = tmp_path / name
    source.write_bytes(b"\xef\xbb\xbf" + content)
    status, errors, ids = _scan(tmp_path, source)
    assert status == 0, errors
    assert ids == ["r1", "r2"]


def test_serve_refuses_a_port_out_of_range_at_once(tmp_path: Path) -> None:
    result = run_bastion(["serve", "--port", "99999"], tmp_path, timeout=30)
    assert result.returncode == 2
    assert "--port" in result.stderr.decode()


def test_serve_exits_when_it_cannot_start(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_bastion(["serve", "--port", str(busy.getsockname()[1])], tmp_path, timeout=60)
    assert result.returncode != 0
    assert "address already in use" in result.stderr.decode()


def test_an_image_item_whose_file_is_empty_is_skipped_not_allowed(tmp_path: Path) -> None:
    (tmp_path / "zero.png").write_bytes(b"")
    source = tmp_path / "zero.jsonl"
    rows = [{"id": "z1", "kind": "image", "media": {"path": "zero.png"}}, {"id": "t1", "text": "hello"}]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))

    status, errors, ids = _scan(tmp_path, source)

    assert status == 1
    assert "line 1: skipped: image items need their media bytes" in errors
    assert ids == ["t1"]
