"""One database handle for SQLite (embedded default) and PostgreSQL, same code path."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Engine, Row, TextClause, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from bastion.settings import STALLED_TRANSACTION_SECONDS, Settings
from bastion.store.base import serialise_json
from bastion.store.transaction import Transaction
from bastion.store.writer_lock import WriterLockTimedOut, WriterLockUnavailable, stopped_holders, writer_lock

_MIGRATIONS = Path(__file__).parent / "migrations"
# PostgreSQL sessions are named, so that a writer ends only Bastion's own stalled sessions (`end_stalled_sessions`).
APPLICATION_NAME = "bastion"
_LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of a lock wait that outlasted `lock_timeout`
_SQLITE_UNAVAILABLE = {5, 6, 10, 13, 14}  # SQLITE_BUSY, _LOCKED, _IOERR, _FULL, _CANTOPEN

log = structlog.get_logger(__name__)


class DatabaseUnavailable(RuntimeError):
    """The database could not take a unit of work (away, busy, full, or a session it ended): nothing of it was
    committed, or its commit was cut off. Retrying is the answer; a check retried is a re-check, never a copy."""


class LockWaitTimedOut(DatabaseUnavailable):
    """A lock stayed held for longer than the stall limit. On PostgreSQL, Bastion's sessions found stalled
    (`end_stalled_sessions`) were ended meanwhile, the holder among them when a stalled writer held it; on SQLite
    the writer lock's holder cannot be ended, and the writers go on once it resumes or is stopped."""


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    stalled_transaction_seconds: float = STALLED_TRANSACTION_SECONDS

    @classmethod
    def from_url(cls, url: str, stalled_transaction_seconds: float = STALLED_TRANSACTION_SECONDS) -> Database:
        """`stalled_transaction_seconds` (`Settings.database_stalled_transaction_seconds`): how long a writer waits for
        a lock another holds, on either database, and how long PostgreSQL lets a session sit idle in a transaction."""
        engine = _create_engine(url, True, stalled_transaction_seconds)
        reader = _create_engine(url, False, stalled_transaction_seconds) if url.startswith("sqlite") else engine
        return cls(
            engine,
            sessionmaker(engine, expire_on_commit=False),
            sessionmaker(reader, expire_on_commit=False),
            stalled_transaction_seconds,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        if not settings.database_url:
            settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            _make_private(0o700, settings.data_dir)
        return cls.from_url(settings.resolved_database_url, settings.database_stalled_transaction_seconds)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any error.

        Raises `DatabaseUnavailable` when the database cannot take it. On PostgreSQL a lock waited for longer than
        the stall limit fails the transaction (`LockWaitTimedOut`), and the sessions found stalled are ended first,
        so that the caller's retry finds the lock free when a stalled writer held it."""
        with (
            self._unavailable_raised(ending_stalled=True),
            self._writer_lock(),
            self.sessions() as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def _unavailable_raised(self, ending_stalled: bool) -> Iterator[None]:
        """The database's refusals as Bastion's own (`DatabaseUnavailable`): what a retry may cure, told from the
        statement's own errors (a constraint, a missing table), which pass unchanged."""
        try:
            yield
        except PoolTimeout as error:  # every connection taken, by requests queued behind a held lock most likely
            raise DatabaseUnavailable(_first_line(error)) from error
        except WriterLockTimedOut as error:
            raise LockWaitTimedOut(str(error)) from error
        except WriterLockUnavailable as error:
            raise DatabaseUnavailable(str(error)) from error
        except DBAPIError as error:
            if _sqlstate(error) == _LOCK_NOT_AVAILABLE:
                if ending_stalled:
                    self._end_stalled_quietly()
                raise LockWaitTimedOut(_first_line(error)) from error
            if _unavailable(error):
                raise DatabaseUnavailable(_first_line(error)) from error
            raise

    def _end_stalled_quietly(self) -> None:
        """Ending stalled sessions is a courtesy to the retry: when it fails (a role without `pg_signal_backend`,
        no connection left), the lock timeout is still what the caller must hear."""
        try:
            self.end_stalled_sessions()
        except (DBAPIError, PoolTimeout) as error:
            log.warning("stalled_sessions_not_ended", error=_first_line(error))

    def stalled_sessions(self) -> list[tuple[int, float]]:
        """Bastion's PostgreSQL sessions that have held a transaction open for longer than the stall limit while
        waiting for their client, as (process id, seconds waited): writers stopped mid-transaction."""
        return [(row.pid, row.seconds) for row in self._on_stalled(_LIST_STALLED)]

    def stopped_writers(self) -> list[int]:
        """SQLite: the processes holding the writer lock while stopped (SIGSTOP, a debugger); every writer waits for
        them, and gives up after the stall limit (`bastion.store.writer_lock`). PostgreSQL: see `stalled_sessions`."""
        path = self.writer_lock_path
        return stopped_holders(path) if path else []

    def end_stalled_sessions(self) -> list[int]:
        """End the stalled sessions (`stalled_sessions`) and return their process ids; their transactions roll back.

        PostgreSQL's own `idle_in_transaction_session_timeout` ends a session that waits between statements, but
        not one that waits in the middle of a statement's exchange (its parse sent, its sync not yet): a writer
        stopped there (SIGSTOP, `docker pause`, a frozen VM) kept the audit chain's lock, and with it every other
        writer, until it was resumed."""
        ended = [row.pid for row in self._on_stalled(_END_STALLED)]
        if ended:
            log.warning("stalled_sessions_ended", pids=ended, stalled_seconds=self.stalled_transaction_seconds)
        return ended

    def _on_stalled(self, statement: TextClause) -> list[Row[Any]]:
        if self.is_sqlite:
            return []
        with self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            return list(connection.execute(statement, {"seconds": self.stalled_transaction_seconds}))

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write unit of work over every repository: committed when the block ends, rolled back on any error."""
        with self.session() as session:
            yield Transaction(session)

    @contextmanager
    def snapshot(self) -> Iterator[Transaction]:
        """A read-only unit of work that never waits for writers (WAL snapshot on SQLite)."""
        with self.reader() as session:
            yield Transaction(session)

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """SQLite's writers one at a time, queued by the kernel (`bastion.store.writer_lock`); LockWaitTimedOut
        when another held the lock for longer than the stall limit."""
        path = self.writer_lock_path
        if path is None:
            yield
            return
        with writer_lock(path, self.stalled_transaction_seconds):
            yield

    @property
    def writer_lock_path(self) -> str | None:
        """SQLite's writer lock file, beside the database; None where there is none (PostgreSQL, in memory)."""
        path = self.engine.url.database
        return f"{path}.writer-lock" if self.is_sqlite and path and path != ":memory:" else None

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only transaction that never waits for writers (WAL snapshot on SQLite); raises
        `DatabaseUnavailable` when the database cannot take it."""
        with self._unavailable_raised(ending_stalled=False), self.read_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_sessions.kw["bind"].dispose()

    def migrate(self) -> None:
        """Bring the schema to the newest revision of every branch (idempotent)."""
        from alembic import command

        with self.engine.connect() as connection:
            # SQLite rebuilds a table to change its keys; with foreign keys on, dropping the old copy would
            # delete every row that refers to it (ON DELETE CASCADE). SQLite's own advice: turn them off
            # (possible only outside a transaction), rebuild, then check nothing was left dangling.
            raw = connection.connection.driver_connection if self.is_sqlite else None
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    if not self.is_sqlite:  # a schema change waits behind whatever holds its tables, as it always did
                        connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
                    config = alembic_config(self.engine.url.render_as_string(hide_password=False))
                    config.attributes["connection"] = connection
                    command.upgrade(config, "heads")
                    if raw is not None and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise RuntimeError("the migration left rows referring to rows that are gone")
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")

    def migration_state(self) -> tuple[set[str], set[str]]:
        """(the revisions this database is at, the newest revisions this release has): equal when up to date."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(alembic_config(self.engine.url.render_as_string(hide_password=False)))
        with self.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        return current, set(script.get_heads())

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # readiness must answer, whatever the driver raises
            return False


def _create_private(path: str | None) -> Callable[..., None]:
    """Before SQLite opens the file (and would create it 0644), create it readable by its owner only (0600).

    SQLite gives -wal and -shm the database file's mode. The file holds moderators' password hashes,
    API key hashes and what was reported: not for other local users.
    """

    def before_connect(*_: Any) -> None:
        if not path or path == ":memory:":
            return
        if not os.path.exists(path) and os.path.isdir(os.path.dirname(path) or "."):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        _make_private(0o600, path, f"{path}-wal", f"{path}-shm", f"{path}.writer-lock")

    return before_connect


def _make_private(mode: int, *paths: str | Path) -> None:
    """Files and directories an older release created readable by all become the owner's alone when opened:
    upgrading closes the hole too, not only a fresh install."""
    for path in paths:
        try:
            status = os.stat(path)
        except FileNotFoundError:
            continue
        if status.st_uid == os.getuid() and stat.S_IMODE(status.st_mode) & 0o077:
            os.chmod(path, mode)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _create_engine(url: str, writer: bool, stalled_transaction_seconds: float) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, json_serializer=serialise_json
        )
        event.listen(engine, "do_connect", _create_private(engine.url.database))
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate if writer else _sqlite_begin)
        return engine
    limit = round(stalled_transaction_seconds * 1000)
    stalled = f"-c idle_in_transaction_session_timeout={limit} -c lock_timeout={limit}"
    return create_engine(
        url,
        connect_args={"options": stalled, "application_name": APPLICATION_NAME},
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        json_serializer=serialise_json,
    )


# Waiting on its client (ClientRead) inside a transaction since before the stall limit: between statements, or in
# the middle of one's exchange. A session at work waits on something else (I/O, a lock, the CPU), never its client.
_STALLED = """
    FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = :name AND pid <> pg_backend_pid()
      AND xact_start IS NOT NULL AND wait_event = 'ClientRead'
      AND state_change < now() - make_interval(secs => :seconds)
"""
_LIST_STALLED = text(f"SELECT pid, extract(epoch FROM now() - state_change)::float8 AS seconds {_STALLED}").bindparams(
    name=APPLICATION_NAME
)
_END_STALLED = text(f"SELECT pid, pg_terminate_backend(pid) {_STALLED}").bindparams(name=APPLICATION_NAME)


def _sqlstate(error: DBAPIError) -> str:
    return str(getattr(error.orig, "sqlstate", None) or "")


def _unavailable(error: DBAPIError) -> bool:
    """An error of the database's state, not of the statement: the server or file away, busy or full, or the
    session ended (by the server's idle timeout or an administrator). PostgreSQL's by SQLSTATE class: connection
    exceptions (08), insufficient resources (53), operator intervention (57), transaction rollbacks such as a
    deadlock (40), and the idle-in-transaction timeout (25P03); SQLite's by its own result code."""
    if error.connection_invalidated:
        return True
    code = getattr(error.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_UNAVAILABLE  # extended codes keep the primary one in their low byte
    state = _sqlstate(error)
    return state[:2] in {"08", "40", "53", "57"} or state == "25P03"


def _first_line(error: Exception) -> str:
    """The driver's own words (the SQL and parameters SQLAlchemy appends are not for logs or clients)."""
    return (str(getattr(error, "orig", None) or error).strip().splitlines() or ["the database refused"])[0][:300]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, issue BEGIN, so writers can take the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def _sqlite_begin_immediate(connection: Any) -> None:
    # BEGIN IMMEDIATE serialises writers at the start of a transaction, so two
    # writers never read the same audit-chain head and then both append to it.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
