"""``Idempotency-Key`` on POST: the first answer is stored with the request's fingerprint in the
same transaction as the work; a replay gets that answer back and changes nothing. The same key
with a different request is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lojal.errors import ValidationFailed
from lojal.kit.clock import utcnow
from lojal.kit.crypto import sha256_hex
from lojal.models import IdempotencyRecord

JSON = "application/json"


def json_bytes(body: Any) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)


def _stored(session: Session, shop_id: int, key: str) -> IdempotencyRecord | None:
    return session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.shop_id == shop_id,
                                                           IdempotencyRecord.key == key)).first()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise ValidationFailed("this Idempotency-Key was used for a different request", field="Idempotency-Key")
    return Response(record.response_body, status_code=record.status_code, media_type=record.content_type,
                    headers={"Idempotent-Replayed": "true"})


def run_idempotently(session: Session, shop_id: int, key: str | None, method: str, path: str, request_body: bytes,
                     work: Callable[[], tuple[int, Any]]) -> Response:
    """Run ``work`` (which returns status and a JSON-able body) once per key, and commit."""
    if key is None:
        status, body = work()
        session.commit()
        return Response(json_bytes(body), status_code=status, media_type=JSON)
    if len(key) > 255:
        raise ValidationFailed("Idempotency-Key is longer than 255 characters", field="Idempotency-Key")
    fingerprint = sha256_hex(method.encode() + b" " + path.encode() + b"\n" + request_body)
    record = _stored(session, shop_id, key)
    if record is not None:
        return _replay(record, fingerprint)
    status, body = work()
    content = json_bytes(body)
    session.add(IdempotencyRecord(shop_id=shop_id, key=key, method=method, path=path, request_hash=fingerprint,
                                  status_code=status, response_body=content, content_type=JSON, created_at=utcnow()))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # a concurrent request with the same key won; answer as it did
        record = _stored(session, shop_id, key)
        if record is None:
            raise
        return _replay(record, fingerprint)
    return Response(content, status_code=status, media_type=JSON)
