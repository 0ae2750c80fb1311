"""The files that hold secrets or moderation data are the owner's alone: 0600 files, 0700 directories."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion.media.preserve import preserve
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.web.auth import session_secret


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    """The usual 022 umask: what is private must be made so by the code, not by the test's environment."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_sqlite_database_its_wal_shm_and_lock_are_0600_and_the_data_dir_0700(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    db = Database.from_settings(settings)
    db.migrate()
    with db.transaction() as tx:
        tx.audit.append(action="test.write", subject="test:1", actor="test")
    with db.snapshot() as tx:
        tx.audit.count()
    data = settings.data_dir
    files = [data / name for name in ("bastion.db", "bastion.db-wal", "bastion.db-shm", "bastion.db.writer-lock")]
    assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
    assert _mode(data) == 0o700
    db.dispose()


def test_the_session_secret_is_0600_in_a_0700_dir(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    secret = session_secret(data, None)
    assert len(secret) > 40 and session_secret(data, None) == secret
    assert _mode(data / "session-secret") == 0o600 and _mode(data) == 0o700


def test_preserved_media_and_their_dir_are_the_owners_alone(tmp_path: Path) -> None:
    media = tmp_path / "media"
    digest = preserve(media, b"fictional bytes")
    assert _mode(media) == 0o700 and _mode(media / digest) == 0o600


def test_the_demo_key_is_0600(tmp_path: Path) -> None:
    from bastion.demo import load_demo

    settings = Settings(data_dir=tmp_path / "data", detectors=["termlist"])
    db = Database.from_settings(settings)
    db.migrate()
    load_demo(settings, db)
    assert _mode(settings.data_dir / "demo-api-key") == 0o600
    db.dispose()


def test_files_an_older_release_left_readable_by_all_become_private_when_opened(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    db = Database.from_settings(settings)
    db.migrate()
    db.dispose()
    data = settings.data_dir
    data.chmod(0o755)
    for path in data.iterdir():
        path.chmod(0o644)
    reopened = Database.from_settings(settings)
    with reopened.transaction() as tx:
        tx.audit.append(action="test.write", subject="test:1", actor="test")
    assert _mode(data) == 0o700
    assert {path.name: _mode(path) for path in data.iterdir()} == {path.name: 0o600 for path in data.iterdir()}
    reopened.dispose()
