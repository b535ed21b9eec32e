"""Order and refund endpoints."""

from __future__ import annotations

import logging
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Header, Path, Query, Request, Response
from pydantic import AwareDatetime
from sqlalchemy.orm import Session, sessionmaker

from lojal.api.batching import WriteBatcher
from lojal.api.deps import Ingest, Read, SessionDependency
from lojal.api.fast_route import FastJsonRoute
from lojal.api.idempotency import run_idempotently
from lojal.api.pagination import Cursor, Limit, Page, next_cursor, time_and_id
from lojal.api.responses import model_response
from lojal.kit.clock import utcnow
from lojal.models import Shop
from lojal.orders import service
from lojal.orders.refunds import ingest_refund
from lojal.orders.schemas import OrderIn, OrderOut, OrderStatus, RefundIn, RefundOut
from lojal.shops.service import Principal

logger = logging.getLogger("lojal.orders")
router = APIRouter(prefix="/api/v1", tags=["orders"])

EXTERNAL_ID_MAX_LENGTH = 255
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", description="Makes a retried POST safe: a replay answers like the first call")]


@router.put("/orders/{external_id}", response_model=OrderOut, summary="Create or update an order",
            responses={201: {"model": OrderOut, "description": "Created"}})
async def put_order(external_id: Annotated[str, Path(max_length=EXTERNAL_ID_MAX_LENGTH, examples=["o-10234"])],
                    data: Annotated[OrderIn, Body()], principal: Ingest, request: Request) -> Response:
    """Full-state upsert: send the whole order each time (on creation, payment, fulfilment,
    cancellation). The same state sent again changes nothing; an update with an ``updated_at``
    older than the stored one is ignored. A guest order (``email`` without ``customer``) finds
    or creates the customer by e-mail."""
    return await submit_order(request.app, external_id, data, principal)


async def submit_order(app: FastAPI, external_id: str, data: OrderIn, principal: Principal) -> Response:
    """The PUT's work, for the route and for its short path (``add_put_order_short_path``).
    Orders arriving while others are being written are written together (api/batching.py)."""
    return await _order_writer(app).submit(principal.shop.id, principal.shop, (external_id, data))


def add_put_order_short_path(app: FastAPI) -> None:
    """Most PUT orders skip FastAPI's request machinery (api/fast_route.py); call after every
    other middleware is added, so the short path is outside them."""
    app.add_middleware(FastJsonRoute, method="PUT", prefix="/api/v1/orders/", max_parameter_length=EXTERNAL_ID_MAX_LENGTH,
                       model=OrderIn, scope="ingest", handler=submit_order)


def _order_writer(app: FastAPI) -> WriteBatcher[tuple[str, OrderIn]]:
    state = app.state
    if getattr(state, "order_writer", None) is None:
        state.order_writer = WriteBatcher(partial(write_orders, state.session_factory),
                                          max_batch=state.settings.put_batch_max, writers=state.settings.put_writers,
                                          gather_seconds=state.settings.put_batch_gather_ms / 1000)
    return state.order_writer


def write_orders(session_factory: sessionmaker[Session], shop: Shop,
                 items: list[tuple[str, OrderIn]]) -> list[Response | Exception]:
    """PUT orders in one transaction, each answered as alone; if that fails, again one transaction
    per order, so each gets the answer or the error it would have had alone."""
    if len(items) > 1 and len({external_id for external_id, _ in items}) == len(items):  # a repeated order
        # is written alone: each answer shows the order as that request left it. The batch goes in
        # the order of its customers' keys, so concurrent batches insert new customers in the same
        # order and cannot deadlock on them.
        by_customer = sorted(range(len(items)), key=lambda index: _customer_key(items[index][1]))
        try:
            written = _write_together(session_factory, shop, [items[index] for index in by_customer])
        except Exception as error:  # rolled back
            logger.debug("a batch of %d PUT orders failed (%r); writing them one by one", len(items), error)
        else:
            answers_in_order: list[Response | Exception] = list(written)
            for position, index in enumerate(by_customer):
                answers_in_order[index] = written[position]
            return answers_in_order
    answers: list[Response | Exception] = []
    for item in items:
        try:
            answers.extend(_write_together(session_factory, shop, [item]))
        except Exception as error:
            answers.append(error)
    return answers


def _customer_key(order: OrderIn) -> tuple[str, str]:
    reference = service.customer_reference(order)
    return reference.external_id or "", reference.email or ""


def _write_together(session_factory: sessionmaker[Session], shop: Shop,
                    items: list[tuple[str, OrderIn]]) -> list[Response]:
    with session_factory() as session:
        results = service.ingest_orders(session, shop, items, utcnow())
        # The answers are read in the same transaction, before the commit.
        if len(items) == 1:
            views = {results[0].order_id: service.order_view(session, shop, items[0][0])}
        else:
            views = service.order_views_by_id(session, shop, [result.order_id for result in results])
        session.commit()
    return [model_response(OrderOut, views[result.order_id], 201 if result.created else 200) for result in results]


@router.get("/orders", response_model=Page[OrderOut], summary="List orders, newest first")
def list_orders(principal: Read, session: SessionDependency, limit: Limit = 100, cursor: Cursor = None,
                status: Annotated[OrderStatus | None, Query()] = None,
                placed_since: Annotated[AwareDatetime | None, Query()] = None) -> Any:
    rows = service.list_orders(session, principal.shop, limit=limit, after=time_and_id(cursor), status=status,
                               placed_since=placed_since)
    return {"data": service.order_views(session, principal.shop, rows), "next_cursor": next_cursor(rows, limit, "placed_at", "id")}


@router.get("/orders/{external_id}", response_model=OrderOut, summary="One order with its lines")
def get_order(external_id: str, principal: Read, session: SessionDependency) -> Any:
    return service.order_views(session, principal.shop, [service.get_order(session, principal.shop, external_id)])[0]


@router.post("/refunds", response_model=RefundOut, status_code=201, summary="Record a refund",
             responses={200: {"model": RefundOut, "description": "Already recorded (same external_id)"}})
def post_refund(data: Annotated[RefundIn, Body()], principal: Ingest, session: SessionDependency, request: Request,
                idempotency_key: IdempotencyKey = None) -> Response:
    """A refund of whole lines or part of their quantity, and/or an amount (e.g. shipping). The
    order's net value and the customer's aggregates follow. Sent again with the same
    ``external_id`` it changes nothing and answers 200 with the stored refund."""
    def work() -> tuple[int, Any]:
        result = ingest_refund(session, principal.shop, data, utcnow())
        body = RefundOut(id=result.refund_id, external_id=result.external_id, order_id=result.order_id,
                         order_external_id=result.order_external_id, amount=result.amount, currency=result.currency,
                         reason=result.reason, refunded_at=result.refunded_at,
                         order_refunded_total=result.order_refunded_total, order_net_total=result.order_net_total)
        return (201 if result.created else 200), body.model_dump(mode="json")

    return run_idempotently(session, principal.shop.id, idempotency_key, "POST", request.url.path,
                            data.model_dump_json().encode(), work)
