"""`bastion banks ...` given hostile or sloppy input: a one-line error naming the line, never a traceback."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.cli import app

runner = CliRunner()
PDQ = "f" * 16 + "0" * 48
OTHER = "0" * 16 + "f" * 48


def _refused(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output  # an uncaught exception would be exit code 1
    return result.output


def _import(cli_env: Path, name: str, content: str | bytes, fmt: str) -> str:
    path = cli_env / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    result = runner.invoke(app, ["banks", "import", "share", str(path), "--format", fmt])
    assert "Traceback" not in result.output, result.output
    return result.output


def _exported(cli_env: Path) -> str:
    out = cli_env / "export.csv"
    assert runner.invoke(app, ["banks", "export", "share", "--format", "csv", "-o", str(out)]).exit_code == 0
    return out.read_text()


@pytest.fixture
def share(cli_env: Path) -> Path:
    assert runner.invoke(app, ["banks", "create", "share"]).exit_code == 0
    return cli_env


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        (
            '{"hash": "' + PDQ + '", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "line 2: malformed JSON: nested too deeply",
        ),
        ('{"hash": "' + PDQ + '", "confidence": 1' + "0" * 5000 + "}", "line 2: malformed JSON: a number has too many"),
    ],
)
def test_jsonl_nested_too_deeply_or_with_huge_numbers_names_the_line(share: Path, bad_line: str, message: str) -> None:
    output = _import(share, "deep.jsonl", json.dumps({"hash": OTHER}) + "\n" + bad_line + "\n", "jsonl")
    assert message in output
    assert OTHER not in _exported(share)  # the good first line was not imported either


@pytest.mark.parametrize("confidence", ["nan", "inf", "-5", "1e308"])
def test_a_confidence_outside_0_to_1_is_refused_with_its_line(share: Path, confidence: str) -> None:
    csv_out = _import(share, "c.csv", f"hash,label,confidence\n{PDQ},x,{confidence}\n", "csv")
    assert "c.csv: line 2: confidence" in csv_out and "between 0 and 1" in csv_out
    jsonl = (
        '{"hash": "' + PDQ + '", "confidence": ' + {"nan": "NaN", "inf": "Infinity"}.get(confidence, confidence) + "}"
    )
    assert "c.jsonl: line 1: confidence" in _import(share, "c.jsonl", jsonl + "\n", "jsonl")
    assert PDQ not in _exported(share)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ('"source": {"a": 1}', "'source' must be a string, not an object"),
        ('"source": [1]', "'source' must be a string, not a list"),
        ('"source": "\\udc00"', "source is not valid Unicode"),
        ('"labels": ["\\ud800"]', "a label is not valid Unicode"),
        ('"labels": "abc"', "'labels' must be a list of strings, not a string"),
        ('"labels": [["nested"]]', "a label must be a string"),
    ],
)
def test_jsonl_sources_and_labels_must_be_strings_without_surrogates(share: Path, field: str, message: str) -> None:
    output = _import(share, "bad.jsonl", '{"hash": "' + PDQ + '", ' + field + "}\n", "jsonl")
    assert f"line 1: {message}" in output
    assert PDQ not in _exported(share)


def test_a_csv_cell_over_the_field_limit_is_named_not_a_traceback(share: Path) -> None:
    output = _import(share, "huge.csv", f'hash,label\n{PDQ},"{"L" * 200_000}"\n', "csv")
    assert "huge.csv: line 2: a field is too large" in output


@pytest.mark.parametrize(
    ("fmt", "text"),
    [("csv", f"hash,label\n{PDQ},attack footage\n"), ("hma", f"signal_type,signal_value,labels\npdq,{PDQ},x\n")],
)
def test_files_excel_saved_with_a_utf8_bom_are_read(share: Path, fmt: str, text: str) -> None:
    assert "1 entries added" in _import(share, f"excel.{fmt}", b"\xef\xbb\xbf" + text.encode(), fmt)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [("pytx", f"pdq {PDQ}\rpdq {OTHER}\r"), ("csv", f"hash,label\r{PDQ},attack footage\r{OTHER},x\r")],
)
def test_files_with_old_mac_line_ends_are_read_line_by_line(share: Path, fmt: str, text: str) -> None:
    assert "2 entries added" in _import(share, f"mac.{fmt}", text, fmt)


def test_a_bad_row_after_thousands_of_good_ones_imports_nothing(share: Path) -> None:
    rng = random.Random(7)
    good = [f"pdq {rng.getrandbits(256):064x}" for _ in range(5_000)]  # more than one write batch
    assert "line 5001: 'nothex' is not a pdq hash" in _import(
        share, "big.txt", "\n".join([*good, "pdq nothex"]), "pytx"
    )
    assert _exported(share).count("\n") == 1  # the header: nothing was added
    output = _import(share, "big.txt", "\n".join([*good, *good[:10]]), "pytx")
    assert "5000 entries added to 'share' (10 already there)" in output


def test_a_vpdq_frame_with_a_nan_timestamp_or_non_hex_digits_is_refused(share: Path) -> None:
    for frame in (f"{PDQ},50,nan", "\u0661" * 64 + ",50,1.0", "0x" + "f" * 62 + ",50,1.0"):
        output = _import(share, "v.txt", "vpdq " + json.dumps([frame]) + "\n", "pytx")
        assert "line 1:" in output and "is not a vPDQ frame" in output


HUGE_ID = "99999999999999999999999"


@pytest.mark.parametrize("command", [["remove", HUGE_ID], ["release", HUGE_ID], ["feedback", HUGE_ID, "confirm"]])
def test_an_entry_id_too_large_for_the_database_is_no_such_entry(cli_env: Path, command: list[str]) -> None:
    assert f"no bank entry {HUGE_ID}" in _refused("banks", *command)


def test_match_retro_hours_are_bounded(cli_env: Path) -> None:
    assert "--hours" in _refused("banks", "match-retro", "--hours", "99999999999")
    assert "--days" in _refused("banks", "match-retro", "--days", "99999999999")


@pytest.mark.parametrize("name", ["a b", "../x", "-x", "x" * 129])
def test_a_bad_bank_name_is_one_line_saying_the_rule(cli_env: Path, name: str) -> None:
    output = _refused("banks", "create", "--", name)
    assert "a bank name is 1 to 128 letters, digits, '.', '_' or '-'" in output
    assert "pydantic" not in output and len(output.strip().splitlines()) == 1
