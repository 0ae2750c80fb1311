"""`bastion scan` through its real entry point, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROWS = [
    {"id": "r1", "text": "Nice weather for a walk"},
    {"id": "r2", "text": "join the crimson dawn brigade, brothers"},
    {"id": "r3", "text": "Visit crimson-dawn-media[.]example for the new release"},
]


def run_bastion(args: list[str], tmp_path: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "BASTION_DATA_DIR": str(tmp_path / "data")}
    env.pop("BASTION_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bastion", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )


def _verdicts(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_jsonl_scan_writes_one_verdict_per_row_in_order(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    result = run_bastion(["scan", str(source), "-o", str(tmp_path / "out.jsonl")], tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    verdicts = _verdicts(tmp_path / "out.jsonl")
    assert [v["id"] for v in verdicts] == ["r1", "r2", "r3"]
    assert [v["action"] for v in verdicts] == ["allow", "review", "review"]
    assert b"total rows" in result.stdout


def test_malformed_rows_are_reported_by_line_and_skipped(tmp_path: Path) -> None:
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(
        b'{"id": "ok1", "text": "fine"}\n'
        b'{"id": "broken", "text": \n'
        b'{"text": "no id"}\n'
        b'{"id": "bad-utf8", "text": "\xff"}\n'
        b"\n"
        b'{"id": "ok2", "text": "also fine"}\n'
    )
    result = run_bastion(["scan", str(source), "-o", str(tmp_path / "out.jsonl")], tmp_path)
    assert result.returncode == 1
    errors = result.stderr.decode()
    assert "line 2:" in errors and "line 3:" in errors and "line 4:" in errors
    assert [v["id"] for v in _verdicts(tmp_path / "out.jsonl")] == ["ok1", "ok2"]
    assert "Traceback" not in errors


def test_stdin_to_stdout_has_no_progress_bar(tmp_path: Path) -> None:
    stdin = ("\n".join(json.dumps(r) for r in ROWS) + "\n").encode()
    result = run_bastion(["scan", "-"], tmp_path, stdin=stdin)
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["r1", "r2", "r3"]
    assert "scanning" not in result.stderr.decode()


def test_csv_and_parquet_give_the_same_verdicts(tmp_path: Path) -> None:
    csv_file = tmp_path / "posts.csv"
    csv_file.write_text("id,text,author\n" + "".join(f'{r["id"]},"{r["text"]}",a\n' for r in ROWS))
    parquet_file = tmp_path / "posts.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), parquet_file)
    actions = []
    for source in (csv_file, parquet_file):
        out = tmp_path / f"{source.suffix}.out"
        assert run_bastion(["scan", str(source), "-o", str(out)], tmp_path).returncode == 0
        actions.append([v["action"] for v in _verdicts(out)])
    assert actions[0] == actions[1] == ["allow", "review", "review"]


def test_media_paths_resolve_relative_to_the_input_file(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.bin").write_bytes(b"some bytes")
    source = tmp_path / "media.jsonl"
    source.write_text(
        json.dumps({"id": "m1", "text": "x", "media": {"path": "media/a.bin"}})
        + "\n"
        + json.dumps({"id": "m2", "text": "x", "media": {"path": "../../etc/passwd"}})
        + "\n"
        + json.dumps({"id": "m3", "text": "x", "media": {"path": "media/missing.bin"}})
        + "\n"
    )
    result = run_bastion(["scan", str(source), "-o", str(tmp_path / "out.jsonl")], tmp_path)
    assert [v["id"] for v in _verdicts(tmp_path / "out.jsonl")] == ["m1"]
    assert "leaves the input file's folder" in result.stderr.decode()
    assert "does not exist" in result.stderr.decode()


@pytest.mark.parametrize("args", [["scan", "nope.jsonl"], ["scan", "file.xlsx"]])
def test_unusable_input_exits_2_with_a_message(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "file.xlsx").write_text("x")
    result = run_bastion(args, tmp_path)
    assert result.returncode == 2
    assert "error:" in result.stderr.decode()


def test_keys_and_audit_verify(tmp_path: Path) -> None:
    created = run_bastion(["keys", "create", "--platform", "forum"], tmp_path)
    assert created.returncode == 0
    assert created.stdout.decode().startswith("bst_")
    verified = run_bastion(["audit", "verify"], tmp_path)
    assert verified.returncode == 0
    assert "intact: 1 records" in verified.stdout.decode()


def test_audit_verify_names_a_tampered_record(tmp_path: Path) -> None:
    import sqlite3

    for platform in ("one", "two", "three"):
        assert run_bastion(["keys", "create", "--platform", platform], tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "data" / "bastion.db") as connection:
        connection.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    result = run_bastion(["audit", "verify"], tmp_path)
    assert result.returncode == 1
    assert "BROKEN at record 2" in result.stdout.decode()
