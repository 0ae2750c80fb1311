"""`bastion keys create` names a platform a person can read back."""

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
