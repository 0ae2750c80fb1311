"""The declarative base every table derives from, portable column types, and core execution of many rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Insert, MetaData, String, TypeDecorator, column, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.schema import Column, Table

from bastion.store.dialect import is_postgresql

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
    On PostgreSQL an insert goes as one statement for all its rows (`_insert_unnested`): the rows of an
    `ON CONFLICT DO UPDATE` must then have distinct keys, as PostgreSQL updates a row once per statement.
    """
    session.flush()
    if rows and isinstance(statement, Insert) and is_postgresql(session):
        return _insert_unnested(session.connection(), statement, rows)
    return session.connection().execute(statement, rows)  # type: ignore[return-value]


def _insert_unnested(connection: Connection, statement: Insert, rows: list[dict[str, Any]]) -> CursorResult[Any]:
    """`INSERT ... SELECT ... FROM unnest(one array per column)`: psycopg's `executemany` sends each row as
    its own statement, half of recording's CPU; the parameters here are as many as the columns whatever the
    number of rows, so the SQL is compiled once and PostgreSQL prepares it once."""
    sql, columns = _unnesting(statement, tuple(rows[0]))
    arrays = {
        a.name: [row.get(a.name, a.absent) for row in rows]
        if a.convert is None
        else [a.convert(row.get(a.name, a.absent)) for row in rows]
        for a in columns
    }
    return connection.exec_driver_sql(sql, arrays)


_Converter = Callable[[Any], Any]
_PG = psycopg_dialect()


@dataclass(frozen=True)
class _Array:
    """One column's array: which column, its value in rows that leave it out, and the bind processing."""

    name: str
    absent: Any
    convert: _Converter | None  # None: the value goes as it is


# Bounded: a caller building its statement anew for each call would otherwise grow it for ever.
@lru_cache(maxsize=64)
def _unnesting(statement: Insert, names: tuple[str, ...]) -> tuple[str, list[_Array]]:
    """The statement's SQL with its rows as arrays, and how to build each array. Built once per statement
    and set of columns. A column the rows leave out that has a Python-side default (a case's `version`)
    gets that default, as the core insert gives it."""
    table: Table = statement.table  # type: ignore[assignment]
    given = [table.c[name] for name in names]
    defaulted = [c for c in table.columns if c.name not in names and c.default is not None]
    columns = given + defaulted
    quote = _PG.identifier_preparer.quote
    listed = ", ".join(quote(c.name) for c in columns)
    arrays = ", ".join(f"CAST(:{c.name} AS {_array_type(c)})" for c in columns)
    rows = text(
        f"SELECT {listed} FROM unnest({arrays}) WITH ORDINALITY AS unnested ({listed}, unnested_position)"
        " ORDER BY unnested_position"  # rows go in (and take ids and row locks) in the caller's order
    ).columns(*(column(c.name) for c in columns))
    insert = statement.from_select([c.name for c in columns], rows, include_defaults=False)
    plans = [_Array(c.name, None, _converter(c)) for c in given]
    plans += [_Array(c.name, _scalar_default(c), _converter(c)) for c in defaulted]
    sql = str(insert.compile(dialect=_PG))
    for c in columns:  # binary: psycopg writes a text array's elements escaped, one regex each
        sql = sql.replace(f"%({c.name})s", f"%({c.name})b")
    return sql, plans


def _array_type(column: Column[Any]) -> str:
    # Text, not VARCHAR(n): an explicit cast would cut a value too long for the column where the insert's
    # own conversion refuses it, as it does for one row.
    element = "TEXT" if isinstance(column.type, String) else column.type.compile(dialect=_PG)
    return f"{element}[]"


def _scalar_default(column: Column[Any]) -> Any:
    default = column.default
    if default is None or not default.is_scalar:
        raise ValueError(f"give {column.table.name}.{column.name} in every row: its default is computed")
    return default.arg  # type: ignore[attr-defined]


def _converter(column: Column[Any]) -> _Converter | None:
    """What SQLAlchemy's bind processing does to a value of the column: JSON serialised (None as JSON null,
    the JSON type's default), timestamps checked to be aware and put in UTC; and numbers made floats in a
    float column, as psycopg refuses an array that mixes ints and floats."""
    if isinstance(column.type, JSON):
        return serialise_json
    if isinstance(column.type, UTCDateTime):
        return column.type.to_utc
    if isinstance(column.type, Float):
        return _float
    return None


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return self.to_utc(value)

    @staticmethod
    def to_utc(value: datetime | None) -> datetime | None:
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
