"""Refund ingestion: per line and quantity; an order's net value and its customer's aggregates
follow. A refund sent again (same external id) changes nothing and answers like the first time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lojal.customers import repository as customer_repository
from lojal.db.ids import allocate_ids
from lojal.errors import Conflict, ValidationFailed
from lojal.kit.clock import ensure_utc
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.models import Shop
from lojal.orders import repository
from lojal.orders.schemas import RefundIn


@dataclass
class RefundResult:
    refund_id: int
    external_id: str
    order_id: int
    order_external_id: str
    amount: int
    currency: str
    reason: str | None
    refunded_at: datetime
    order_refunded_total: int
    order_net_total: int
    created: bool


def ingest_refund(session: Session, shop: Shop, refund: RefundIn, now: datetime) -> RefundResult:
    existing = repository.find_refunds(session, shop.id, [refund.external_id]).get(refund.external_id)
    orders = repository.find_orders(session, shop.id, [refund.order_external_id])
    order = orders.get(refund.order_external_id)
    if order is None:
        raise ValidationFailed(f"no order with external_id {refund.order_external_id!r} in this shop",
                               field="order_external_id")
    if existing is not None:
        if existing.order_id != order.id:
            raise Conflict(f"refund {refund.external_id!r} belongs to another order", field="external_id")
        return _result(existing, order, created=False)
    currency = refund.currency or order.currency
    if currency != order.currency:
        raise ValidationFailed(f"the order is in {order.currency}, the refund in {currency}", field="currency")
    assert refund.amount is not None
    remaining = order.total - order.refunded_total
    if refund.amount > remaining:
        raise ValidationFailed(f"amount {refund.amount} is more than the {remaining} left to refund on the order",
                               field="amount")
    line_rows, line_updates = _refund_lines(session, shop.id, order, refund)
    refund_id = allocate_ids(session, "refunds", 1)[0]
    for row, line_id in zip(line_rows, allocate_ids(session, "refund_lines", len(line_rows)), strict=True):
        row.update(id=line_id, refund_id=refund_id)
    refund_row = {"shop_id": shop.id, "id": refund_id, "external_id": refund.external_id,
                  "order_id": order.id, "customer_id": order.customer_id, "amount": refund.amount,
                  "currency": currency, "reason": refund.reason, "refunded_at": refund.refunded_at,
                  "created_at": now}
    repository.insert_refund(session, refund_row, line_rows)
    for line_id, values in line_updates:
        repository.update_line(session, shop.id, line_id, values)
    refunded_total = order.refunded_total + refund.amount
    repository.update_order(session, shop.id, order.id, {"refunded_total": refunded_total, "updated_at": now})
    customer_repository.lock(session, shop.id, [order.customer_id])
    customer_repository.refresh_aggregates(session, shop.id, [order.customer_id], now)
    record_domain_events(session, shop.id, [NewDomainEvent(
        "order.refunded", "refund", refund_id, order.customer_id, now,
        {"refund_id": refund_id, "order_id": order.id, "external_id": refund.external_id,
         "order_external_id": order.external_id, "amount": refund.amount, "currency": currency,
         "lines": [{"order_line_id": row["order_line_id"], "quantity": row["quantity"],
                    "amount": row["amount"]} for row in line_rows],
         "fully_refunded": refunded_total >= order.total})])
    return RefundResult(refund_id, refund.external_id, order.id, order.external_id, refund.amount, currency,
                        refund.reason, ensure_utc(refund.refunded_at), refunded_total, order.total - refunded_total, True)


def _refund_lines(session: Session, shop_id: int, order: Any, refund: RefundIn) -> tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]:
    stored = {line.external_id: line for line in repository.lines_of(session, shop_id, [order.id])[order.id]}
    rows: list[dict[str, Any]] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, line in enumerate(refund.lines):
        field = f"lines.{index}"
        current = stored.get(line.line_external_id)
        if current is None:
            raise ValidationFailed(f"the order has no line {line.line_external_id!r}", field=f"{field}.line_external_id")
        if line.line_external_id in seen:
            raise ValidationFailed(f"line {line.line_external_id!r} appears twice", field=f"{field}.line_external_id")
        seen.add(line.line_external_id)
        quantity_left = current.quantity - current.refunded_quantity
        if line.quantity > quantity_left:
            raise ValidationFailed(f"quantity {line.quantity} is more than the {quantity_left} left to refund on the line",
                                   field=f"{field}.quantity")
        amount_left = current.total - current.refunded_amount
        if line.amount > amount_left:
            raise ValidationFailed(f"amount {line.amount} is more than the {amount_left} left to refund on the line",
                                   field=f"{field}.amount")
        rows.append({"shop_id": shop_id, "order_line_id": current.id, "quantity": line.quantity, "amount": line.amount})
        updates.append((current.id, {"refunded_quantity": current.refunded_quantity + line.quantity,
                                     "refunded_amount": current.refunded_amount + line.amount}))
    return rows, updates


def _result(refund: Any, order: Any, created: bool) -> RefundResult:
    return RefundResult(refund.id, refund.external_id, order.id, order.external_id, refund.amount, refund.currency,
                        refund.reason, refund.refunded_at, order.refunded_total,
                        order.total - order.refunded_total, created)
