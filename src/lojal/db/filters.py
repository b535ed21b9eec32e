"""Filters the ingestion path builds for whole batches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import ColumnElement, String, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import Session


def one_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` with the values as one JSON text parameter: a batch of thousands of
    keys then sends one parameter, not thousands of placeholders that SQLAlchemy renders and the
    driver parses again for every statement, and the statement text stays the same.

    On PostgreSQL it is ``column = ANY(ARRAY(SELECT json_array_elements_text(:values)::type))``:
    the array is made once by the server (an InitPlan) and the index is searched for its
    elements as for an array parameter. An array parameter cost psycopg 0.5 us per element to
    send (its list dumper runs in Python): 2.3-3.6 ms of the writer's CPU for 5,000 keys, against
    0.1-0.2 ms for ``orjson.dumps`` (measured; benchmarks/README.md)."""
    text = bindparam(None, orjson.dumps(list(values)).decode(), type_=String())
    if session.get_bind().dialect.name == "postgresql":
        elements = select(cast(func.json_array_elements_text(cast(text, JSON)), column.type)).scalar_subquery()
        return column == any_(func.array(elements))
    # SQLite: ``column IN (SELECT value FROM json_each(:values))``.
    each = func.json_each(text).table_valued("value")
    return column.in_(select(each.c.value))
