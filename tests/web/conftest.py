"""Web tests run on SQLite only: they test pages, roles and CSRF over HTTP, while tests/review
runs every review rule on both databases."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion.settings import Settings


@pytest.fixture
def db_url(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    target = tmp_path / "data" / "bastion.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(sqlite_template, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """TestClient speaks plain http, where a Secure session cookie would never be sent back."""
    return Settings(data_dir=tmp_path / "data", database_url=db_url, secure_cookies=False)
