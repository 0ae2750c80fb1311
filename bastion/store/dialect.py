"""Every place where SQLite and PostgreSQL need different SQL, in one module.

Both speak `INSERT ... ON CONFLICT DO UPDATE`, but SQLAlchemy builds it from each
dialect's own `insert`. A new backend adds its branch here (and its engine
options in `db.py`); no other module looks at the dialect's name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


class UnsupportedDatabase(RuntimeError):
    """The configured database is neither SQLite nor PostgreSQL."""


def name_of(session: Session) -> str:
    return session.get_bind().dialect.name


def upsert_insert(dialect: str) -> Any:
    """The dialect's `insert` construct, which offers `on_conflict_do_update`."""
    try:
        return _INSERTS[dialect]
    except KeyError:
        raise UnsupportedDatabase(f"Bastion runs on SQLite or PostgreSQL, not {dialect!r}") from None


def is_postgresql(session: Session) -> bool:
    return name_of(session) == "postgresql"
