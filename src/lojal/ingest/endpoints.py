"""``POST /api/v1/bulk``: NDJSON in, streamed and stored in batches, a per-line report out."""

from __future__ import annotations

import hashlib
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.api.deps import Ingest, get_session
from lojal.api.idempotency import JSON, json_bytes
from lojal.errors import ValidationFailed
from lojal.ingest.bulk import BulkIngestor, pipelining_pays
from lojal.kit.clock import utcnow
from lojal.models import IdempotencyRecord

router = APIRouter(prefix="/api/v1", tags=["bulk"])
logger = logging.getLogger("lojal.ingest")


class BulkLineErrorOut(BaseModel):
    line: int
    type: str | None
    external_id: str | None
    field: str | None
    message: str


class BulkReportOut(BaseModel):
    received: int
    succeeded: int
    failed: int
    counts: dict[str, int]
    errors: list[BulkLineErrorOut]
    errors_not_listed: int


EXAMPLE = (
    '{"type": "customer", "external_id": "c-1", "email": "kari@example.no", "first_name": "Kari"}\n'
    '{"type": "order", "external_id": "o-1", "customer": {"external_id": "c-1"}, "placed_at": "2026-03-14T18:22:05+01:00", '
    '"currency": "NOK", "status": "paid", "subtotal": 7980, "total": 7980, "lines": [{"sku": "KF-4", "quantity": 2, '
    '"unit_price": 3990, "total": 7980}]}\n'
    '{"type": "refund", "external_id": "r-1", "order_external_id": "o-1", "refunded_at": "2026-03-20T12:00:00+01:00", '
    '"lines": [{"line_external_id": "1", "quantity": 1, "amount": 3990}]}\n'
)


@router.post("/bulk", response_model=BulkReportOut, summary="Send many records as NDJSON",
             openapi_extra={"requestBody": {"required": True, "content": {"application/x-ndjson": {
                 "schema": {"type": "string"}, "example": EXAMPLE}}}})
async def bulk(request: Request, principal: Ingest, session: Annotated[Session, Depends(get_session)],
               idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Response:
    """One JSON object per line, each with ``type``: ``product``, ``customer``, ``order``,
    ``refund`` or ``event`` and the fields of the matching single-record endpoint (plus
    ``external_id``). Stored in batches as the body streams in; a bad line is reported with its
    line number and reason and the others go on. Sending the same file again changes nothing."""
    stored = None
    if idempotency_key is not None:
        stored = await run_in_threadpool(_stored, session, principal.shop.id, idempotency_key)
    ingestor = BulkIngestor(session, principal.shop, batch_size=request.app.state.settings.bulk_batch_size,
                            after_batch=session.commit,
                            pipelined=stored is None and pipelining_pays(session))
    fingerprint = hashlib.sha256(b"POST " + request.url.path.encode() + b"\n")
    line_number, buffer, batch = 0, b"", []
    try:
        async for chunk in request.stream():
            fingerprint.update(chunk)
            if stored is not None:
                continue
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                line_number += 1
                batch.append((line_number, raw))
            if len(batch) >= ingestor.batch_size:
                await run_in_threadpool(_feed, ingestor, batch)
                batch = []
    except BaseException:  # the client went away: let the batch in flight end before the session does
        await run_in_threadpool(_abandon, ingestor)
        raise
    if stored is not None:
        if stored.request_hash != fingerprint.hexdigest():
            raise ValidationFailed("this Idempotency-Key was used for a different request", field="Idempotency-Key")
        return Response(stored.response_body, status_code=stored.status_code, media_type=stored.content_type,
                        headers={"Idempotent-Replayed": "true"})
    if buffer.strip():
        line_number += 1
        batch.append((line_number, buffer))
    report = await run_in_threadpool(_finish, ingestor, batch, session, principal.shop.id, idempotency_key,
                                     request.url.path, fingerprint.hexdigest())
    return Response(report, status_code=200, media_type=JSON)


def _stored(session: Session, shop_id: int, key: str) -> IdempotencyRecord | None:
    return session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.shop_id == shop_id,
                                                           IdempotencyRecord.key == key)).first()


def _feed(ingestor: BulkIngestor, batch: list[tuple[int, bytes]]) -> None:
    for line_number, raw in batch:
        ingestor.feed_line(line_number, raw)


def _abandon(ingestor: BulkIngestor) -> None:
    try:
        ingestor.close()
    except Exception:  # noqa: BLE001 - the request is failing already; its own error is the one to report
        logger.warning("bulk_batch_failed_after_abort", exc_info=True)


def _finish(ingestor: BulkIngestor, batch: list[tuple[int, bytes]], session: Session, shop_id: int,
            key: str | None, path: str, fingerprint: str) -> bytes:
    _feed(ingestor, batch)
    report = json_bytes(ingestor.finish().as_dict())
    if key is not None:
        session.add(IdempotencyRecord(shop_id=shop_id, key=key, method="POST", path=path, request_hash=fingerprint,
                                      status_code=200, response_body=report, content_type=JSON, created_at=utcnow()))
        session.commit()
    return report


