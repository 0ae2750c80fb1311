"""Logs never mix into what a command prints on stdout (verdict JSONL, `eval --json`)."""

from __future__ import annotations

import subprocess
import sys


def test_log_lines_go_to_stderr() -> None:
    program = "import bastion, structlog; structlog.get_logger().warning('rule_errors', item='x')"

    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)

    assert result.stdout == ""
    assert "rule_errors" in result.stderr
