"""Order ingestion: a full-state upsert in batches. The same order sent again, or sent later with
a new status, converges to one order; its lines are matched by their external ids."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from datetime import datetime
from typing import Any, get_args

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lojal.customers import repository as customer_repository  # aggregates live with customers
from lojal.customers import service as customers
from lojal.customers.schemas import CustomerRef
from lojal.db.ids import allocate_ids
from lojal.db.upsert import raw_converter
from lojal.errors import Conflict, ValidationFailed
from lojal.events.domain import NewDomainEvent, RawEvents, record_domain_events
from lojal.models import Shop
from lojal.orders import repository
from lojal.orders.rules import PAID_STATUSES, status_events
from lojal.orders.schemas import OrderIn, OrderLineIn, OrderStatus, check_consistency

ORDER_FIELDS = ("order_number", "email", "placed_at", "currency", "status", "subtotal",
                "discount_total", "shipping_total", "tax_total", "taxes_included", "total",
                "discount_codes", "attributes")
LINE_FIELDS = ("product_external_id", "variant_external_id", "sku", "name", "quantity",
               "unit_price", "discount", "total")


NEW_ORDER_EVENTS = {status: tuple(status_events(None, status, was_paid=False))
                    for status in get_args(OrderStatus)}
"""The events a new order records, by its status."""


@dataclass
class OrderResult:
    external_id: str
    order_id: int
    created: bool
    changed: bool


def check_order(shop: Shop, order: OrderIn) -> None:
    """What can be checked without the database (bulk ingestion checks each line up front)."""
    check_order_without_shop(shop.currency, order)


def check_order_without_shop(currency: str, order: OrderIn) -> None:
    """``check_order`` given the shop's currency (for threads that must not touch the session)."""
    check_consistency(order)
    if order.currency != currency:
        raise ValidationFailed(
            f"this shop keeps its books in {currency}; the order is in {order.currency}",
            field="currency")


def customer_reference(order: OrderIn) -> CustomerRef:
    if order.customer is not None:
        return order.customer
    return CustomerRef(email=order.email)


def ingest_orders(session: Session, shop: Shop, items: list[tuple[str, OrderIn]], now: datetime, *,
                  checked: bool = False, known_customers: dict[tuple[str, str], int] | None = None,
                  probably_new: bool = False, counted: frozenset[str] = frozenset(),
                  events: list[NewDomainEvent] | None = None) -> list[OrderResult]:
    """``checked``: the caller ran ``check_order`` on every order already (bulk ingestion does, line
    by line). ``known_customers``: customer keys resolved earlier in this transaction.
    ``probably_new``: the caller expects none of these orders to exist (a bulk file's previous
    batch held only new ones): they are inserted without looking them up first, and only if one
    of them turns out to exist is the batch taken back and looked up. ``counted``: external ids
    of orders whose customer was created in this transaction with them in its aggregates already
    (``customers.resolve(totals=)``): new ones add nothing more; if one existed after all, its
    customer's aggregates are recounted from the orders, as for every update. ``events``: the
    caller's domain events not recorded yet, recorded with the orders' own (one statement and one
    dispatch job fewer)."""
    if not checked:
        for _, order in items:
            check_order(shop, order)
    results: list[OrderResult] = []
    for chunk in _without_repeats(items):
        results.extend(_ingest_unique(session, shop, chunk, now, known_customers, probably_new, counted, events))
        events = None
    return results


def _without_repeats(items: list[tuple[str, OrderIn]]) -> Iterator[list[tuple[str, OrderIn]]]:
    """Split where an external id repeats, so a batch never holds the same order twice."""
    chunk: list[tuple[str, OrderIn]] = []
    seen: set[str] = set()
    for external_id, order in items:
        if external_id in seen:
            yield chunk
            chunk, seen = [], set()
        chunk.append((external_id, order))
        seen.add(external_id)
    if chunk:
        yield chunk


def _ingest_unique(session: Session, shop: Shop, items: list[tuple[str, OrderIn]], now: datetime,
                   known_customers: dict[tuple[str, str], int] | None = None,
                   probably_new: bool = False, counted: frozenset[str] = frozenset(),
                   earlier_events: list[NewDomainEvent] | None = None) -> list[OrderResult]:
    # The caller's and the new customers' events first, then the orders': recorded at once.
    events: list[NewDomainEvent] = list(earlier_events or [])
    resolved = customers.resolve(session, shop, [customer_reference(order) for _, order in items], now,
                                 occurred_at=[order.placed_at for _, order in items], known=known_customers,
                                 events=events)
    if resolved.erased:  # a replayed order of an erased customer: the facts, not the person
        items = [(external_id, _without_person(order) if customer_id in resolved.erased else order)
                 for (external_id, order), customer_id in zip(items, resolved.ids, strict=True)]
    # A customer this transaction just inserted is invisible to every other one until the commit:
    # no lock needed (saves a statement for every new customer's first order).
    just_created = set(resolved.created)
    customer_repository.lock(session, shop.id,
                             [customer_id for customer_id in resolved.ids if customer_id not in just_created])
    catalogue = _Catalogue.load(session, shop.id, [order for _, order in items])
    all_new = [(external_id, order, customer_id)
               for (external_id, order), customer_id in zip(items, resolved.ids, strict=True)]
    inserted = _insert_if_all_new(session, shop, all_new, catalogue, now) if probably_new else None
    if inserted is not None:
        existing: dict[str, Any] = {}
        new_items = all_new
    else:
        existing = repository.find_orders(session, shop.id, [external_id for external_id, _ in items])
        new_items = [item for item in all_new if item[0] not in existing]
        inserted = _insert_new(session, shop, new_items, catalogue, now)
    results_by_id = {result.external_id: result for result in inserted}
    touched = {customer_id for (external_id, _), customer_id in zip(items, resolved.ids, strict=True)
               if external_id in existing}
    if existing:
        stored_lines = repository.lines_of(session, shop.id, [row.id for row in existing.values()])
        for (external_id, order), customer_id in zip(items, resolved.ids, strict=True):
            if external_id in existing:
                row = existing[external_id]
                touched.add(row.customer_id)
                results_by_id[external_id] = _update_existing(
                    session, shop, row, stored_lines[row.id], order, customer_id, catalogue, now, events)
    added: dict[int, tuple[int, int, datetime, datetime]] = {}
    new_events: list[tuple[Any, ...]] = []  # after ``events``, as the ids go
    raw_events = RawEvents(session.get_bind().dialect.name, now)
    for external_id, order, customer_id in new_items:
        result = results_by_id[external_id]
        new_events.extend(raw_events.rows(NEW_ORDER_EVENTS[order.status], "order", result.order_id, customer_id,
                                          _event_payload(result.order_id, external_id, order)))
        if order.status != "cancelled" and customer_id not in touched and external_id not in counted:
            count, spent, first, last = added.get(customer_id, (0, 0, order.placed_at, order.placed_at))
            added[customer_id] = (count + 1, spent + order.total, min(first, order.placed_at),
                                  max(last, order.placed_at))
    customer_repository.refresh_aggregates(session, shop.id, sorted(touched), now)
    customer_repository.add_new_orders(session, shop.id, added, now)
    record_domain_events(session, shop.id, events, new_events)
    return [results_by_id[external_id] for external_id, _ in items]


@dataclass
class _Catalogue:
    products: dict[str, int]
    variants: dict[str, tuple[int, int]]

    @classmethod
    def load(cls, session: Session, shop_id: int, orders: list[OrderIn]) -> _Catalogue:
        products: set[str | None] = set()
        variants: set[str | None] = set()
        for order in orders:
            for line in order.lines:
                products.add(line.product_external_id)
                variants.add(line.variant_external_id)
        products.discard(None)
        variants.discard(None)
        return cls(products=repository.product_ids(session, shop_id, products),  # type: ignore[arg-type]
                   variants=repository.variant_ids(session, shop_id, variants))  # type: ignore[arg-type]

    def ids_for(self, line: OrderLineIn) -> tuple[int | None, int | None]:
        if self.variants and line.variant_external_id is not None:
            variant = self.variants.get(line.variant_external_id)
            if variant is not None:
                return variant[1], variant[0]
        if self.products and line.product_external_id is not None:
            return self.products.get(line.product_external_id), None
        return None, None


def _without_person(order: OrderIn) -> OrderIn:
    return order.model_copy(update={"email": None, "attributes": {}, "customer": None})


def _order_values(order: OrderIn) -> dict[str, Any]:
    return dict(zip(ORDER_FIELDS, _order_field_values(order), strict=True))


ORDER_TAIL = (*ORDER_FIELDS, "refunded_total", "source", "source_updated_at", "created_at", "updated_at", "paid_at",
              "fulfilled_at", "cancelled_at")
ORDER_COLUMNS = ("shop_id", "id", "external_id", "customer_id", *ORDER_TAIL)
"""A new order's row: what only the database knows first (ids, customer), then the tail."""
LINE_TAIL = ("external_id", "position", *LINE_FIELDS, "refunded_quantity", "refunded_amount")
LINE_COLUMNS = ("shop_id", "id", "order_id", "product_id", "variant_id", *LINE_TAIL)
_order_fields = attrgetter(*ORDER_FIELDS)
_line_fields = attrgetter(*LINE_FIELDS)
_EMAIL = ORDER_FIELDS.index("email")


def _order_field_values(order: OrderIn) -> tuple[Any, ...]:
    """The ``ORDER_FIELDS`` values; the e-mail is the customer's when the order names none."""
    fields = _order_fields(order)
    if fields[_EMAIL] is None and order.customer is not None:
        fields = (*fields[:_EMAIL], order.customer.email, *fields[_EMAIL + 1:])
    return fields


def _order_tail(order: OrderIn, now: datetime) -> tuple[Any, ...]:
    """A new order's ``ORDER_TAIL`` values, not converted."""
    placed, status = order.placed_at, order.status
    return (*_order_field_values(order), 0, "api", order.updated_at, now, now,
            order.paid_at or (placed if status in PAID_STATUSES else None),
            order.fulfilled_at or (placed if status == "fulfilled" else None),
            order.cancelled_at or (placed if status == "cancelled" else None))


def _line_tail(line: OrderLineIn, position: int) -> tuple[Any, ...]:
    """A new line's ``LINE_TAIL`` values, not converted."""
    return (line.external_id, position, *_line_fields(line), 0, 0)


class NewOrderRows:
    """Makes new orders' rows for one batch (one ``now``), less what only the database knows
    (ids, customer, catalogue), in the form the raw batch insert sends
    (``insert_tuples(converted=True)``): ``ORDER_TAIL`` values and ``LINE_TAIL`` values per line."""

    def __init__(self, dialect: str, now: datetime) -> None:
        self.now = now
        self._order = raw_converter(dialect, repository.orders, ORDER_TAIL)
        self._line = raw_converter(dialect, repository.lines, LINE_TAIL)

    def __call__(self, order: OrderIn) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        convert_line = self._line
        return self._order(_order_tail(order, self.now)), [
            convert_line(_line_tail(line, position)) for position, line in enumerate(order.lines, start=1)]


def _line_row(shop_id: int, line_id: int, order_id: int, position: int, line: OrderLineIn,
              catalogue: _Catalogue) -> tuple[Any, ...]:
    """A new line in the order of ``LINE_COLUMNS``, not converted."""
    return (shop_id, line_id, order_id, *catalogue.ids_for(line), *_line_tail(line, position))


def _insert_new(session: Session, shop: Shop, new_items: list[tuple[str, OrderIn, int]],
                catalogue: _Catalogue, now: datetime) -> list[OrderResult]:
    if not new_items:
        return []
    order_ids = allocate_ids(session, "orders", len(new_items))
    line_ids = iter(allocate_ids(session, "order_lines", sum(len(order.lines) for _, order, _ in new_items)))
    rows_of = NewOrderRows(session.get_bind().dialect.name, now)
    order_rows, line_rows, results = [], [], []
    shop_id, ids_for = shop.id, catalogue.ids_for if catalogue.products or catalogue.variants else None
    for order_id, (external_id, order, customer_id) in zip(order_ids, new_items, strict=True):
        order_tail, line_tails = rows_of(order)
        order_rows.append((shop_id, order_id, external_id, customer_id, *order_tail))
        if ids_for is None:
            line_rows.extend([(shop_id, next(line_ids), order_id, None, None, *tail) for tail in line_tails])
        else:
            line_rows.extend([(shop_id, next(line_ids), order_id, *ids_for(line), *tail)
                              for line, tail in zip(order.lines, line_tails, strict=True)])
        results.append(OrderResult(external_id, order_id, created=True, changed=True))
    repository.insert_orders(session, ORDER_COLUMNS, order_rows, LINE_COLUMNS, line_rows, converted=True)
    return results


def _insert_if_all_new(session: Session, shop: Shop, items: list[tuple[str, OrderIn, int]], catalogue: _Catalogue,
                       now: datetime) -> list[OrderResult] | None:
    """Insert the orders as new ones, or nothing and None if one of them exists (its key is
    taken: the unique index answers what a look-up would have, without the look-up). On
    PostgreSQL an order another transaction is inserting makes this wait for it, as a look-up
    with FOR UPDATE would."""
    try:
        with session.begin_nested():
            return _insert_new(session, shop, items, catalogue, now)
    except IntegrityError:
        return None


def _update_existing(session: Session, shop: Shop, row: Any, stored_lines: list[Any], order: OrderIn,
                     customer_id: int, catalogue: _Catalogue, now: datetime,
                     events: list[NewDomainEvent]) -> OrderResult:
    if order.updated_at and row.source_updated_at and order.updated_at < row.source_updated_at:
        return OrderResult(row.external_id, row.id, created=False, changed=False)
    values = _order_values(order)
    values["customer_id"] = customer_id
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    if row.status != order.status:
        changed.update(_status_times(row, order, now))
    if order.updated_at is not None and order.updated_at != row.source_updated_at:
        changed["source_updated_at"] = order.updated_at
    if order.total < row.refunded_total:
        raise Conflict(f"the order's total {order.total} is below what was refunded ({row.refunded_total})",
                       field="total")
    lines_changed = _sync_lines(session, shop.id, row.id, stored_lines, order.lines, catalogue)
    if not changed and not lines_changed:
        return OrderResult(row.external_id, row.id, created=False, changed=False)
    changed["updated_at"] = now
    repository.update_order(session, shop.id, row.id, changed)
    was_paid = row.paid_at is not None or row.status in PAID_STATUSES
    new_events = status_events(row.status, order.status, was_paid) if row.status != order.status else []
    if lines_changed or set(changed) & {"total", "subtotal", "customer_id", "discount_codes"}:
        new_events.append("order.updated")
    for event_type in new_events:
        events.append(_order_event(event_type, row.id, customer_id, row.external_id, order, now))
    return OrderResult(row.external_id, row.id, created=False, changed=True)


def _status_times(row: Any, order: OrderIn, now: datetime) -> dict[str, Any]:
    times: dict[str, Any] = {}
    if order.status in PAID_STATUSES and row.paid_at is None:
        times["paid_at"] = order.paid_at or order.updated_at or now
    if order.status == "fulfilled" and row.fulfilled_at is None:
        times["fulfilled_at"] = order.fulfilled_at or order.updated_at or now
    if order.status == "cancelled":
        times["cancelled_at"] = order.cancelled_at or order.updated_at or now
    elif row.cancelled_at is not None:
        times["cancelled_at"] = None
    return times


def _sync_lines(session: Session, shop_id: int, order_id: int, stored: list[Any],
                incoming: list[OrderLineIn], catalogue: _Catalogue) -> bool:
    by_external = {line.external_id: line for line in stored}
    changed = False
    new_lines: list[tuple[int, OrderLineIn]] = []
    for position, line in enumerate(incoming, start=1):
        current = by_external.pop(line.external_id, None)
        if current is None:
            new_lines.append((position, line))
            continue
        if line.quantity < current.refunded_quantity:
            raise Conflict(f"line {line.external_id!r}: quantity {line.quantity} is below the "
                           f"{current.refunded_quantity} already refunded", field="lines")
        product_id, variant_id = catalogue.ids_for(line)
        wanted = {name: getattr(line, name) for name in LINE_FIELDS}
        wanted.update(position=position, product_id=product_id if product_id is not None else current.product_id,
                      variant_id=variant_id if variant_id is not None else current.variant_id)
        difference = {name: value for name, value in wanted.items() if getattr(current, name) != value}
        if difference:
            repository.update_line(session, shop_id, current.id, difference)
            changed = True
    refunded = [line.external_id for line in by_external.values() if line.refunded_quantity or line.refunded_amount]
    if refunded:
        raise Conflict(f"line {refunded[0]!r} has refunds and cannot be removed from the order", field="lines")
    if by_external:
        repository.delete_lines(session, shop_id, [line.id for line in by_external.values()])
        changed = True
    if new_lines:
        ids = allocate_ids(session, "order_lines", len(new_lines))
        repository.insert_orders(session, ORDER_COLUMNS, [], LINE_COLUMNS,
                                 [_line_row(shop_id, line_id, order_id, position, line, catalogue)
                                  for line_id, (position, line) in zip(ids, new_lines, strict=True)])
        changed = True
    return changed


def _order_event(event_type: str, order_id: int, customer_id: int, external_id: str, order: OrderIn,
                 now: datetime) -> NewDomainEvent:
    return NewDomainEvent(event_type, "order", order_id, customer_id, now, _event_payload(order_id, external_id, order))


def _event_payload(order_id: int, external_id: str, order: OrderIn) -> dict[str, Any]:
    return {"order_id": order_id, "external_id": external_id, "status": order.status, "total": order.total,
            "currency": order.currency, "placed_at": order.placed_at.isoformat()}


def get_order(session: Session, shop: Shop, external_id: str) -> Any:
    from lojal.errors import NotFound

    order = repository.get_order_by_external_id(session, shop.id, external_id)
    if order is None:
        raise NotFound(f"no order with external_id {external_id!r}", field="external_id")
    return order


def order_views(session: Session, shop: Shop, orders: list[Any]) -> list[dict[str, Any]]:
    """Orders with their lines and their customer's external id, as the API shows them."""
    lines = repository.order_lines(session, shop.id, [order.id for order in orders])
    external_ids = repository.external_ids_of_customers(session, shop.id, [order.customer_id for order in orders])
    return [_view(order, lines[order.id], external_ids.get(order.customer_id)) for order in orders]


def order_view(session: Session, shop: Shop, external_id: str) -> dict[str, Any]:
    """One order as the API shows it, in two queries (the answer to a PUT)."""
    from lojal.errors import NotFound

    order = repository.order_and_customer_external_id(session, shop.id, external_id)
    if order is None:
        raise NotFound(f"no order with external_id {external_id!r}", field="external_id")
    return _view(order, repository.lines_of_order(session, shop.id, order.id), order.customer_external_id)


def order_views_by_id(session: Session, shop: Shop, order_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Orders as the API shows them, by id, in three queries (the answers to a batch of PUTs)."""
    rows = repository.orders_by_id(session, shop.id, order_ids)
    lines = repository.lines_of(session, shop.id, [row.id for row in rows])
    external_ids = repository.external_ids_of_customers(session, shop.id, [row.customer_id for row in rows])
    return {row.id: _view(row, lines[row.id], external_ids.get(row.customer_id)) for row in rows}


def _view(order: Any, lines: list[Any], customer_external_id: str | None) -> dict[str, Any]:
    view = {column: getattr(order, column) for column in (
        "id", "external_id", "order_number", "customer_id", "email", "placed_at", "currency", "status",
        "subtotal", "discount_total", "shipping_total", "tax_total", "taxes_included", "total",
        "refunded_total", "discount_codes", "paid_at", "fulfilled_at", "cancelled_at", "attributes",
        "created_at", "updated_at")}
    view["net_total"] = order.total - order.refunded_total
    view["customer_external_id"] = customer_external_id
    view["lines"] = lines
    return view


def list_orders(session: Session, shop: Shop, *, limit: int, after: tuple[datetime, int] | None = None,
                customer_id: int | None = None, status: str | None = None,
                placed_since: datetime | None = None) -> list[Any]:
    return repository.page_orders(session, shop.id, limit=limit, after=after, customer_id=customer_id,
                                  status=status, placed_since=placed_since)


def order_with_lines(session: Session, shop: Shop, order_id: int) -> tuple[Any, list[Any]] | None:
    """One order by id with its lines in position order, or None."""
    order = repository.get_order(session, shop.id, order_id)
    if order is None:
        return None
    return order, repository.order_lines(session, shop.id, [order_id])[order_id]


def order_by_external_id(session: Session, shop: Shop, external_id: str) -> Any | None:
    return repository.get_order_by_external_id(session, shop.id, external_id)


def net_spend(session: Session, shop: Shop, customer_id: int, since: datetime | None = None,
              until: datetime | None = None) -> int:
    return repository.net_spend(session, shop.id, customer_id, since, until)


def orders_with_lines(session: Session, shop: Shop, order_ids: list[int]) -> list[tuple[Any, list[Any]]]:
    """Many orders by id with their lines (plain rows, in id and position order), in two queries."""
    rows = repository.orders_by_id(session, shop.id, order_ids)
    grouped = repository.lines_of(session, shop.id, [row.id for row in rows])
    return [(row, grouped[row.id]) for row in rows]


def net_spend_by_customer(session: Session, shop: Shop, customer_ids: list[int], since: datetime | None = None,
                          ) -> dict[int, int]:
    """Spend net of refunds per customer since a time, cancelled orders left out, in one query."""
    return repository.net_spend_by_customer(session, shop.id, customer_ids, since)


def order_ids(session: Session, shop: Shop) -> list[int]:
    """Every order id of the shop, oldest id first (for back-fills such as crediting points)."""
    return repository.order_ids(session, shop.id)
