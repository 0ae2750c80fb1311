"""A run without PostgreSQL says so at the end, loudly: a green run must not hide the skipped half."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
ONE_TEST = "tests/store/test_audit.py::test_an_untouched_chain_verifies"  # a sqlite and a postgresql variant


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider"]
    return subprocess.run([*command, ONE_TEST], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_skipped_postgresql_tests_are_named_in_a_box_at_the_end() -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")} | {"BASTION_TEST_PG": url}

    result = _run(env)

    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout[result.stdout.index("PostgreSQL SKIPPED") :]
    assert f"PostgreSQL was not reachable at {url}: 1 PostgreSQL test was SKIPPED; CI requires them" in summary
    assert "1 passed, 1 skipped" in summary


def test_a_required_but_unreachable_postgresql_fails_the_run() -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}

    result = _run(env | {"BASTION_TEST_PG": url, "BASTION_REQUIRE_POSTGRES": "1"})

    assert result.returncode == 1
    assert f"PostgreSQL is not reachable at {url}" in result.stdout
