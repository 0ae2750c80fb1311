"""`bastion keys`: a platform a person can read back, scopes checked by name, a listing without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_scan import run_bastion


@pytest.mark.parametrize("platform", ["", "forum\n", "forum\x1b[31m", "x" * 65])
def test_a_platform_name_must_be_short_and_printable(tmp_path: Path, platform: str) -> None:
    result = run_bastion(["keys", "create", "--platform", platform], tmp_path)

    assert result.returncode == 2
    assert b"printable" in result.stderr
    assert result.stdout == b""


def test_unknown_scopes_are_refused_in_one_line_naming_the_valid_ones(tmp_path: Path) -> None:
    result = run_bastion(["keys", "create", "--platform", "forum", "--scopes", "check,banks:delete"], tmp_path)

    assert result.returncode == 2
    assert result.stdout == b""
    message = result.stderr.decode().strip()
    assert "\n" not in message
    assert "unknown scope 'banks:delete'" in message
    assert "check, report, appeal, notice, banks:read, banks:write, admin" in message


def test_keys_list_shows_each_key_with_its_scopes_and_never_the_secret(tmp_path: Path) -> None:
    default = run_bastion(["keys", "create", "--platform", "forum"], tmp_path)
    banks = run_bastion(["keys", "create", "--platform", "hashes", "--scopes", "banks:write, banks:read"], tmp_path)
    assert default.returncode == banks.returncode == 0
    assert b"with scopes check,report,appeal;" in default.stderr
    default_key, banks_key = default.stdout.decode().strip(), banks.stdout.decode().strip()
    assert run_bastion(["keys", "revoke", banks_key.split("_")[1]], tmp_path).returncode == 0

    listed = run_bastion(["keys", "list"], tmp_path)

    assert listed.returncode == 0
    rows = [line.split("│")[1:-1] for line in listed.stdout.decode().splitlines() if line.count("│") == 6]
    assert [[cell.strip() for cell in row[:3]] + [row[4].strip()] for row in rows] == [
        [default_key.split("_")[1], "forum", "check,report,appeal", "no"],
        [banks_key.split("_")[1], "hashes", "banks:read,banks:write", "yes"],
    ]
    for key in (default_key, banks_key):
        assert key.split("_", 2)[2].encode() not in listed.stdout + listed.stderr
