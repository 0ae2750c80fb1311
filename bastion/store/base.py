"""The declarative base every table derives from, portable column types, and core execution of many rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql import Executable

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


class SerialisedJSON(str):
    """A JSON column's value already written as JSON text (the audit chain serialises each payload to hash
    it): stored as it is instead of being serialised a second time."""


def serialise_json(value: Any) -> str:
    """Every engine's JSON serialiser: `json.dumps`, except for text the caller already serialised."""
    return str.__str__(value) if isinstance(value, SerialisedJSON) else json.dumps(value)


def execute_core(session: Session, statement: Executable, rows: list[dict[str, Any]]) -> CursorResult[Any]:
    """Run a core statement over many rows on the session's connection, in its transaction.

    `session.execute` sends an insert on a mapped table through the ORM's bulk path, which maps every row
    onto the entity first: for the record path's few-row batches that cost more than the statement. What the
    session holds unflushed is flushed first, as the ORM would, so rows the statement refers to exist.
    """
    session.flush()
    return session.connection().execute(statement, rows)  # type: ignore[return-value]


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)
