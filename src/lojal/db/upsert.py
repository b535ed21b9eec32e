"""Batch writes for the ingestion path: INSERT ... ON CONFLICT DO NOTHING on both databases, and
plain batch inserts that skip SQLAlchemy's per-row parameter processing (COPY on PostgreSQL, a
raw executemany on SQLite) — measured 2-3x faster on the bulk benchmark."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Date, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lojal.db.types import UTCDateTime

COPY_THRESHOLD = 20


def insert_ignoring_conflicts(session: Session, table: Table, rows: list[dict[str, Any]],
                              index_elements: list[str] | None, index_where: Any = None) -> None:
    """``index_elements=None``: skip rows that conflict with any unique index."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).on_conflict_do_nothing(
        index_elements=index_elements, index_where=index_where
    )
    session.execute(statement, rows)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and len(rows) >= COPY_THRESHOLD:
        _copy_rows(session, table, rows)
    elif dialect == "sqlite":
        _sqlite_executemany(session, table, rows)
    else:
        session.execute(table.insert(), rows)


def _is_json(column_type: Any) -> bool:
    return isinstance(getattr(column_type, "impl", column_type), JSON) or isinstance(column_type, JSON)


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _copy_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    json_columns = {name for name in columns if _is_json(table.c[name].type)}
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([Jsonb(row[name], dumps=_json_text) if name in json_columns and row[name] is not None
                            else row[name] for name in columns])


def _sqlite_datetime(value: datetime) -> str:
    """The text form SQLAlchemy's SQLite DATETIME uses, so comparisons in SQL stay consistent."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_date(value: date) -> str:
    return value.isoformat()


@lru_cache(maxsize=256)
def _sqlite_converters(table: Table, columns: tuple[str, ...]) -> list[Callable[[Any], Any] | None]:
    converters: list[Callable[[Any], Any] | None] = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, UTCDateTime):
            converters.append(_sqlite_datetime)
        elif _is_json(column_type):
            converters.append(_json_text)
        elif isinstance(column_type, Date):
            converters.append(_sqlite_date)
        elif isinstance(column_type, Boolean):
            converters.append(int)
        else:
            converters.append(None)
    return converters


def _sqlite_executemany(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    columns = tuple(rows[0])
    conversions = [(position, convert) for position, convert in enumerate(_sqlite_converters(table, columns))
                   if convert is not None]
    values = []
    for row in rows:
        row_values = [row[name] for name in columns]
        for position, convert in conversions:
            value = row_values[position]
            if value is not None:
                row_values[position] = convert(value)
        values.append(row_values)
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.executemany(statement, values)
    finally:
        cursor.close()
