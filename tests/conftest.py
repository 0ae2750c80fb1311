"""Shared fixtures: real databases (a SQLite file, a fresh PostgreSQL database) and the app.

Tests that take the `db_url` fixture run once on SQLite and once on PostgreSQL.
PostgreSQL is skipped with a clear message only when it is unreachable; CI sets
BASTION_REQUIRE_POSTGRES=1 so that an unreachable server fails instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from bastion.api.app import create_app
from bastion.api.scopes import Scope
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database

PG_ADMIN = os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
_UNREACHABLE = "PostgreSQL is not reachable at"


def _pg_reachable() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test copies (CREATE DATABASE ... TEMPLATE)."""
    if not _pg_reachable():
        message = f"{_UNREACHABLE} {PG_ADMIN}"
        if os.environ.get("BASTION_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message + "; PostgreSQL variants skipped")
    name = f"bastion_tmpl_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    db = Database.from_url(_pg_url(name))
    db.migrate()
    db.dispose()
    yield name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A box at the end of the run when PostgreSQL tests were skipped: a green run must not hide them."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if _UNREACHABLE in str(r.longrepr)]
    if not skipped:
        return
    tests = "test was" if len(skipped) == 1 else "tests were"
    terminalreporter.write_sep("!", "PostgreSQL SKIPPED", red=True, bold=True)
    terminalreporter.write_line(
        f"PostgreSQL was not reachable at {PG_ADMIN}: {len(skipped)} PostgreSQL {tests} SKIPPED; CI requires them "
        "(BASTION_REQUIRE_POSTGRES=1 makes this a failure). Start a server or set BASTION_TEST_PG.",
        red=True,
        bold=True,
    )
    terminalreporter.write_sep("!", red=True, bold=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "bastion.db"
    db = Database.from_url(f"sqlite:///{path}")
    db.migrate()
    db.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database of each kind, private to one test."""
    if request.param == "sqlite":
        target = tmp_path / "data" / "bastion.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    yield request.getfixturevalue("pg_databases")()


@pytest.fixture
def pg_databases(pg_template: str) -> Iterator[Callable[[], str]]:
    """Makes migrated, empty PostgreSQL databases, each a copy of the template, dropped after the test."""
    names: list[str] = []

    def create() -> str:
        names.append(f"bastion_t_{uuid.uuid4().hex[:10]}")
        _pg_admin(f'CREATE DATABASE "{names[-1]}" TEMPLATE "{pg_template}"')
        return _pg_url(names[-1])

    yield create
    for name in names:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=db_url)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    yield database
    database.dispose()


@pytest.fixture
def service(settings: Settings, db: Database) -> Service:
    return Service.from_settings(settings, db)


@pytest.fixture
def api_key(db: Database) -> str:
    with db.transaction() as tx:
        return tx.keys.create("test-platform", Scope).secret


@pytest.fixture
def client(settings: Settings, service: Service, api_key: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings, service)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {api_key}"
        yield test_client


def _pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def _pg_admin(statement: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]
