"""Customer endpoints. ``{customer}`` in a path is the shop's external id, or ``id:<n>`` for
Lojal's own id (guests, who have no external id)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import AwareDatetime, BaseModel

from lojal.api.deps import Ingest, Read, SessionDependency
from lojal.api.pagination import Cursor, Limit, Page, next_cursor, time_and_id
from lojal.api.responses import model_response
from lojal.customers import service
from lojal.customers.schemas import CustomerIn, CustomerOut
from lojal.customers.timeline import timeline
from lojal.kit.clock import utcnow
from lojal.models import Customer, Shop
from lojal.orders import service as orders
from lojal.orders.schemas import OrderOut

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

CustomerPath = Annotated[str, Path(description="The shop's external id, or id:<n> for Lojal's id", examples=["c-981"])]


class TimelineEntry(BaseModel):
    kind: str
    at: datetime
    id: int
    external_id: str | None
    title: str | None
    status: str | None
    amount: int | None
    currency: str | None
    recovery_url: str | None = None


def customer_out(customer: Customer, shop: Shop) -> CustomerOut:
    return CustomerOut.model_validate({**{name: getattr(customer, name) for name in CustomerOut.model_fields
                                          if name != "currency"}, "currency": shop.currency})


find_customer = service.find


@router.put("/{external_id}", response_model=CustomerOut, summary="Create or update a customer",
            responses={201: {"model": CustomerOut, "description": "Created"}})
def put_customer(external_id: Annotated[str, Path(max_length=255, examples=["c-981"])],
                 data: Annotated[CustomerIn, Body()], principal: Ingest, session: SessionDependency) -> Response:
    """Full-state upsert by the shop's id. Fields left out keep their stored value; sending the
    same state again changes nothing."""
    customer, created = service.upsert(session, principal.shop, external_id, data, utcnow())
    answer = customer_out(service.get(session, principal.shop, customer.id), principal.shop)  # before the
    session.commit()  # commit: one transaction per request, not a second one to read the answer
    return model_response(CustomerOut, answer, 201 if created else 200)


@router.get("", response_model=Page[CustomerOut], summary="List customers")
def list_customers(principal: Read, session: SessionDependency, limit: Limit = 100, cursor: Cursor = None,
                   email: Annotated[str | None, Query(description="Exact e-mail")] = None,
                   external_id: str | None = None,
                   updated_since: Annotated[AwareDatetime | None, Query(description="Only customers changed since")] = None,
                   q: Annotated[str | None, Query(description="Search name, e-mail, phone, company")] = None) -> Any:
    """Customers in id order, or in change order with ``updated_since`` (for syncing)."""
    by_update = updated_since is not None
    rows = service.page(session, principal.shop, limit=limit, after=time_and_id(cursor),
                           email=email.strip().lower() if email else None, external_id=external_id,
                           updated_since=updated_since, search=q, order_by_updated=by_update)
    keys = ("updated_at", "id") if by_update else ("created_at", "id")
    return {"data": [customer_out(row, principal.shop) for row in rows], "next_cursor": next_cursor(rows, limit, *keys)}


@router.get("/{customer}", response_model=CustomerOut, summary="One customer with aggregates")
def get_customer(customer: CustomerPath, principal: Read, session: SessionDependency) -> Any:
    return customer_out(find_customer(session, principal.shop, customer), principal.shop)


@router.get("/{customer}/orders", response_model=Page[OrderOut], summary="A customer's orders, newest first")
def customer_orders(customer: CustomerPath, principal: Read, session: SessionDependency, limit: Limit = 50,
                    cursor: Cursor = None) -> Any:
    found = find_customer(session, principal.shop, customer)
    rows = orders.list_orders(session, principal.shop, limit=limit, after=time_and_id(cursor), customer_id=found.id)
    return {"data": orders.order_views(session, principal.shop, rows), "next_cursor": next_cursor(rows, limit, "placed_at", "id")}


@router.get("/{customer}/timeline", response_model=list[TimelineEntry], summary="Orders, refunds and events, newest first")
def customer_timeline(customer: CustomerPath, principal: Read, session: SessionDependency,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    return timeline(session, principal.shop, find_customer(session, principal.shop, customer), limit)
