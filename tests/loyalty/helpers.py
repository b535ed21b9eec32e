"""Building blocks for the club's tests: a programme, orders and refunds through the hub's own
services, and the ledger's invariants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lojal.loyalty import accrual, ledger, repository
from lojal.loyalty.program import set_up
from lojal.loyalty.schemas import ProgramIn
from lojal.models import LoyaltyAccount, Shop
from lojal.orders import service as orders
from lojal.orders.refunds import ingest_refund
from lojal.orders.schemas import OrderIn, RefundIn

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def club(session: Session, shop: Shop, **settings: Any) -> None:
    set_up(session, shop, ProgramIn(**({"pending_days": 14, "expiry_months": 24} | settings)), "test", T0)
    session.flush()


def order_body(customer: str, lines: list[tuple[str, int, int]], *, placed_at: datetime = T0, status: str = "paid",
               discount_codes: list[str] | None = None, **changes: Any) -> OrderIn:
    """Lines are (line id, quantity, unit price)."""
    line_items = [{"external_id": line_id, "sku": f"SKU-{line_id}", "quantity": quantity, "unit_price": price,
                   "total": quantity * price} for line_id, quantity, price in lines]
    total = sum(item["total"] for item in line_items)
    body = {"customer": {"external_id": customer, "email": f"{customer}@example.no"}, "placed_at": placed_at.isoformat(),
            "currency": "NOK", "status": status, "subtotal": total, "total": total, "lines": line_items,
            "discount_codes": discount_codes or []} | changes
    return OrderIn.model_validate(body)


def put_order(session: Session, shop: Shop, external_id: str, body: OrderIn, now: datetime = T0) -> int:
    """Ingest the order and run what the loyalty.orders reaction runs; returns the order id."""
    [result] = orders.ingest_orders(session, shop, [(external_id, body)], now)
    accrual.sync_order(session, shop, result.order_id, now)
    session.flush()
    return result.order_id


def refund(session: Session, shop: Shop, external_id: str, order_external_id: str, line_id: str, quantity: int,
           amount: int, now: datetime = T0) -> None:
    result = ingest_refund(session, shop, RefundIn(external_id=external_id, order_external_id=order_external_id,
                                                   refunded_at=now, lines=[{"line_external_id": line_id,
                                                                            "quantity": quantity, "amount": amount}]),
                           now)
    accrual.sync_order(session, shop, result.order_id, now)
    session.flush()


def account_of(session: Session, shop: Shop, customer_id: int) -> LoyaltyAccount:
    account = repository.account(session, shop.id, customer_id)
    assert account is not None
    session.flush()
    session.refresh(account)
    return account


def assert_ledger_adds_up(session: Session, shop: Shop, customer_id: int) -> None:
    program = repository.program(session, shop.id)
    account = account_of(session, shop, customer_id)
    assert ledger.check_invariants(session, account, program) == []


def later(days: float) -> datetime:
    return T0 + timedelta(days=days)
