"""Running `bastion` in-process (CliRunner) against a test's own data directory and database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bastion.cli import _context


@contextmanager
def cli_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str | None = None) -> Iterator[None]:
    """The CLI's cached settings, database and service made afresh for `data_dir` (and `database_url`, else the
    data directory's SQLite), and closed and forgotten afterwards so the next test starts clean."""
    monkeypatch.setenv("BASTION_DATA_DIR", str(data_dir))
    if database_url:
        monkeypatch.setenv("BASTION_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("BASTION_DATABASE_URL", raising=False)
    _forget()
    try:
        yield
    finally:
        _context.database().dispose()
        _forget()


def _forget() -> None:
    for cached in (_context.settings, _context.database, _context.service):
        cached.cache_clear()
