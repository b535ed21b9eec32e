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
    columns = tuple(rows[0])
    insert_tuples(session, table, columns, [tuple(row[name] for name in columns) for row in rows])


def insert_tuples(session: Session, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows given as tuples in the order of ``columns`` (the ingestion path builds them so,
    without a dict per row)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and len(rows) >= COPY_THRESHOLD:
        _copy_rows(session, table, columns, rows)
    elif dialect == "sqlite":
        _sqlite_executemany(session, table, columns, rows)
    else:
        session.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


def _is_json(column_type: Any) -> bool:
    return isinstance(getattr(column_type, "impl", column_type), JSON) or isinstance(column_type, JSON)


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _copy_rows(session: Session, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """COPY in text format; JSON goes as its text, which the server parses into the column."""
    json_positions = [position for position, name in enumerate(columns) if _is_json(table.c[name].type)]
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        if not json_positions:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            values = list(row)
            for position in json_positions:
                if values[position] is not None:
                    values[position] = _json_text(values[position])
            copy.write_row(values)


def _sqlite_datetime(value: datetime) -> str:
    """The text form SQLAlchemy's SQLite DATETIME uses, so comparisons in SQL stay consistent."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("naive datetime given to a UTC column")
    if not offset:  # UTC already: the text without its "+00:00"
        return value.isoformat(" ", "microseconds")[:-6]
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


sqlite_datetime = _sqlite_datetime
"""For raw statements on SQLite: a UTC datetime in the text form the columns hold."""


def _sqlite_datetime_memo() -> Callable[[datetime], str]:
    """``_sqlite_datetime`` remembering its answers for one batch: a batch repeats the same
    moments (its ``created_at``/``updated_at``) on every row."""
    seen: dict[datetime, str] = {}

    def convert(value: datetime) -> str:
        text = seen.get(value)
        if text is None:
            text = seen[value] = _sqlite_datetime(value)
        return text

    return convert


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


def _sqlite_executemany(session: Session, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    datetime_text = _sqlite_datetime_memo()
    conversions = [(position, datetime_text if convert is _sqlite_datetime else convert)
                   for position, convert in enumerate(_sqlite_converters(table, columns)) if convert is not None]
    values: list[Any] = rows
    if conversions:
        values = []
        for row in rows:
            row_values = list(row)
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
