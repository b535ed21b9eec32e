"""Cursor pages: ``{"data": [...], "next_cursor": "..."}``; pass ``cursor`` back for the next page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from lojal.errors import ValidationFailed
from lojal.kit.pagination import decode_cursor, encode_cursor

Item = TypeVar("Item")

Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page (1-500)")]
Cursor = Annotated[str | None, Query(description="The next_cursor of the previous page")]


class Page(BaseModel, Generic[Item]):
    data: list[Item]
    next_cursor: str | None


def time_and_id(cursor: str | None) -> tuple[datetime, int] | None:
    values = decode_cursor(cursor)
    if values is None:
        return None
    try:
        return datetime.fromisoformat(values[0]), int(values[1])
    except (IndexError, TypeError, ValueError) as error:
        raise ValidationFailed("cursor is not one this API gave out", field="cursor") from error


def next_cursor(rows: list[object], limit: int, *key_names: str) -> str | None:
    if len(rows) < limit:
        return None
    last = rows[-1]
    return encode_cursor([getattr(last, name).isoformat() if isinstance(getattr(last, name), datetime)
                          else getattr(last, name) for name in key_names])
