"""`bastion banks ...` as a user types it: create, add files, import and export every format, round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.banks.entries import BankError, NewEntry
from bastion.banks.formats import FORMATS, read_entries, write_entries
from bastion.cli import app
from tests.banks.conftest import encode, poster

runner = CliRunner()
PDQ = "f" * 16 + "0" * 48
MD5 = "0123456789abcdef" * 2


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips(fmt: str) -> None:
    entries = [
        NewEntry("pdq", PDQ, ["attack footage"], "fictional-share", 1.0),
        NewEntry("md5", MD5, [], "fictional-share", 1.0),
    ]
    back = read_entries(write_entries(entries, fmt), fmt, source="fictional-share")
    assert {(e.kind, e.value) for e in back} == {(e.kind, e.value) for e in entries}
    if fmt in ("hma", "csv", "jsonl"):
        assert next(e for e in back if e.kind == "pdq").labels == ["attack footage"]


def test_pytx_signal_files_read_as_threatexchange_writes_them() -> None:
    text = f"pdq {PDQ}\nvideo_md5 {MD5}\n\n"
    assert [(e.kind, e.value) for e in read_entries(text, "pytx")] == [("pdq", PDQ), ("md5", MD5)]


@pytest.mark.parametrize(
    ("fmt", "text", "message"),
    [
        ("pytx", f"pdq {PDQ}\ntmk abc\n", "line 2: unknown signal type"),
        ("csv", f"hash,label\n{PDQ},x\nnot-hex,y\n", "line 3"),
        ("csv", "label\nx\n", "header lacks"),
        ("jsonl", '{"hash": "' + PDQ + '"}\n{oops\n', "line 2"),
        ("hma", "signal_type,signal_value\nmystery,abc\n", "unknown signal type"),
        ("xml", "", "unknown format"),
    ],
)
def test_bad_bank_files_name_the_line(fmt: str, text: str, message: str) -> None:
    with pytest.raises(BankError, match=message):
        read_entries(text, fmt)


def test_create_add_import_list_export(cli_env: Path) -> None:
    _run("banks", "create", "demo-share", "--description", "fictional test bank")
    image = cli_env / "poster.png"
    image.write_bytes(encode(poster(4)))
    assert "3 entries added" in _run("banks", "add", "demo-share", str(image), "--label", "branded terrorist content")
    csv_file = cli_env / "share.csv"
    csv_file.write_text(f"hash,label\n{PDQ},attack footage\n")
    assert "1 entries added" in _run("banks", "import", "demo-share", str(csv_file), "--format", "csv")
    assert "0 entries added" in _run("banks", "import", "demo-share", str(csv_file), "--format", "csv")
    assert "demo-share" in _run("banks", "list")
    out = cli_env / "out.pytx"
    _run("banks", "export", "demo-share", "--format", "pytx", "-o", str(out))
    assert f"pdq {PDQ}" in out.read_text()


def test_cli_errors_are_one_line_not_tracebacks(cli_env: Path) -> None:
    result = runner.invoke(app, ["banks", "add", "nowhere", str(cli_env / "missing.png")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    runner.invoke(app, ["banks", "create", "b"])
    bad = cli_env / "bad.png"
    bad.write_bytes(b"\x89PNG truncated")
    result = runner.invoke(app, ["banks", "add", "b", str(bad)])
    assert result.exit_code == 2 and "not a decodable image" in result.output
