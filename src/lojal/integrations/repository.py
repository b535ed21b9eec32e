"""Queries for webhook deliveries.

A delivery is kept as a row of ``idempotency_records`` (unique on shop and key) so that a
platform's retry is a no-op without a table of its own: the key is ``webhook:<platform>:<id>``,
``content_type`` marks the row as a delivery, ``status_code`` mirrors its state for filtering,
and ``response_body`` holds the delivery's JSON document (topic, ids, status, reason)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lojal.models import IdempotencyRecord

DELIVERY_TYPE = "application/vnd.lojal.webhook-delivery+json"
ALIAS_TYPE = "application/vnd.lojal.webhook-event+json"
"""A second key for the same delivery (Shopify's event id beside its webhook id)."""

STATUS_CODES = {"received": 202, "applied": 200, "recorded": 201, "ignored": 204, "failed": 422}
records = IdempotencyRecord.__table__


def insert(session: Session, shop_id: int, key: str, path: str, request_hash: str, document: dict[str, Any],
           now: datetime, *, alias: bool = False) -> bool:
    """Insert the record unless the key is taken; True when this call inserted it."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = module.insert(records).values(
        shop_id=shop_id, key=key, method="POST", path=path[:500], request_hash=request_hash,
        status_code=STATUS_CODES.get(document.get("status", ""), 202), response_body=orjson.dumps(document),
        content_type=ALIAS_TYPE if alias else DELIVERY_TYPE, created_at=now,
    ).on_conflict_do_nothing(index_elements=["shop_id", "key"]).returning(records.c.key)
    return session.execute(statement).first() is not None  # (rowcount is -1 here on psycopg)


def taken(session: Session, shop_id: int, keys: list[str]) -> bool:
    query = select(records.c.key).where(records.c.shop_id == shop_id, records.c.key.in_(keys)).limit(1)
    return session.execute(query).first() is not None


def document(session: Session, shop_id: int, key: str) -> dict[str, Any] | None:
    query = select(records.c.response_body).where(records.c.shop_id == shop_id, records.c.key == key,
                                                  records.c.content_type == DELIVERY_TYPE)
    body = session.execute(query).scalar()
    return orjson.loads(body) if body is not None else None


def update_document(session: Session, shop_id: int, key: str, new_document: dict[str, Any]) -> None:
    session.execute(update(records).where(records.c.shop_id == shop_id, records.c.key == key)
                    .values(status_code=STATUS_CODES[new_document["status"]],
                            response_body=orjson.dumps(new_document)))


def deliveries(session: Session, shop_id: int, *, platform: str | None, status: str | None,
               limit: int) -> list[dict[str, Any]]:
    """The newest deliveries first, as their documents."""
    query = (select(records.c.response_body).where(records.c.shop_id == shop_id,
                                                   records.c.content_type == DELIVERY_TYPE)
             .order_by(records.c.created_at.desc(), records.c.key).limit(limit))
    if platform is not None:
        query = query.where(records.c.key.startswith(f"webhook:{platform}:", autoescape=True))
    if status is not None:
        query = query.where(records.c.status_code == STATUS_CODES[status])
    return [orjson.loads(body) for body in session.execute(query).scalars()]
