"""Filters the ingestion path builds for whole batches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def one_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)``. On PostgreSQL it is ``column = ANY(:values)`` with one array
    parameter: a batch of thousands of keys then sends one parameter, not thousands of
    placeholders that SQLAlchemy renders and psycopg parses again for every statement (a tenth
    of the bulk path's time)."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
