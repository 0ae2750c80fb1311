"""Web tests run on SQLite only: they test pages, roles and CSRF over HTTP, while tests/review
runs every review rule on both databases."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def db_url(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    target = tmp_path / "data" / "bastion.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(sqlite_template, target)
    yield f"sqlite:///{target}"
