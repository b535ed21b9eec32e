"""Behaviour event endpoint."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, Response
from pydantic import BaseModel

from lojal.api.deps import Ingest, SessionDependency
from lojal.api.idempotency import run_idempotently
from lojal.events.schemas import CustomerEventIn
from lojal.events.service import ingest_events
from lojal.kit.clock import utcnow

router = APIRouter(prefix="/api/v1", tags=["events"])


class EventAccepted(BaseModel):
    id: int
    external_id: str | None
    customer_id: int
    created: bool


@router.post("/events", response_model=EventAccepted, status_code=201, summary="Record a behaviour event",
             responses={200: {"model": EventAccepted, "description": "Already recorded (same external_id)"}})
def post_event(data: Annotated[CustomerEventIn, Body()], principal: Ingest, session: SessionDependency, request: Request,
               idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Response:
    """A cart update or started checkout (with the cart and its recovery URL), a product view,
    or a custom event. Events with the same ``external_id`` are stored once."""
    def work() -> tuple[int, Any]:
        [result] = ingest_events(session, principal.shop, [data], utcnow())
        body = EventAccepted(id=result.event_id, external_id=result.external_id, customer_id=result.customer_id,
                             created=result.created)
        return (201 if result.created else 200), body.model_dump()

    return run_idempotently(session, principal.shop.id, idempotency_key, "POST", request.url.path,
                            data.model_dump_json().encode(), work)
