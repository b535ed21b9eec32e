"""NDJSON bulk ingestion: one ``{"type": "order"|"customer"|"product"|"refund"|"event", ...}``
per line. Lines are validated one by one and stored in batches; a line that fails is reported
with its line number and reason and neither stops nor corrupts the others.

Within a batch, records are applied by kind in dependency order (products, customers, orders,
refunds, events), so a refund may follow its order in the same batch. A batch is tried whole
inside a savepoint; if anything in it is refused, it is retried record by record, each in a
savepoint of its own, so only the refused records are left out.

With ``pipelined=True`` a batch is stored by a writer thread while the caller parses and
validates the next one (the database works without Python's lock held: SQLite's steps and
PostgreSQL's network waits). At most one batch is in flight, so memory stays bounded and
batches are stored in the order they were fed. While a batch is in flight the session belongs
to the writer: the caller must not use it until ``finish()`` (or ``close()``) returns."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lojal.catalog.schemas import BulkProductIn
from lojal.catalog.service import ingest_products
from lojal.customers.schemas import BulkCustomerIn, CustomerRef
from lojal.customers.service import resolve
from lojal.db.maintenance import is_analyse_point, refresh_planner_statistics
from lojal.errors import NUL_MESSAGE, LojalError, validation_failed_from
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.events.schemas import CustomerEventIn
from lojal.events.service import ingest_events
from lojal.kit import collection
from lojal.kit.clock import utcnow
from lojal.models import Shop
from lojal.orders.refunds import ingest_refund
from lojal.orders.schemas import BulkOrderIn, RefundIn
from lojal.orders.service import check_order_without_shop, ingest_orders

KINDS: dict[str, type[BaseModel]] = {"product": BulkProductIn, "customer": BulkCustomerIn, "order": BulkOrderIn,
                                     "refund": RefundIn, "event": CustomerEventIn}
ORDER_OF_KINDS = ("product", "customer", "order", "refund", "event")
MAX_LISTED_ERRORS = 1000
DEFAULT_BATCH_SIZE = 5000  # as Settings.bulk_batch_size


@dataclass
class LineError:
    line: int
    type: str | None
    external_id: str | None
    field: str | None
    message: str


@dataclass
class BulkReport:
    received: int = 0
    succeeded: int = 0
    failed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[LineError] = field(default_factory=list)
    errors_not_listed: int = 0

    def add_error(self, error: LineError) -> None:
        self.failed += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(error)
        else:
            self.errors_not_listed += 1

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, "succeeded": self.succeeded, "failed": self.failed, "counts": self.counts,
                "errors": [error.__dict__ for error in self.errors], "errors_not_listed": self.errors_not_listed}


@dataclass
class _Record:
    line: int
    kind: str
    data: Any


def pipelining_pays(session: Session) -> bool:
    """Whether storing batches in a writer thread while the caller parses the next one makes a
    load faster. On PostgreSQL it does (a little: the writer waits for the server without
    Python's lock held). On SQLite it does not: SQLite's steps are short, and each time the
    writer takes Python's lock back from the busy parsing thread it waits for it, so both threads
    take turns and the load was 8-13 % slower pipelined than in one thread (100,000 orders in
    process, alternating runs; benchmarks/README.md)."""
    return session.get_bind().dialect.name != "sqlite"


class BulkIngestor:
    """Feed it lines (or already-parsed records); it applies them every ``batch_size`` records and
    calls ``after_batch`` (the edge's commit) after each batch."""

    def __init__(self, session: Session, shop: Shop, *, batch_size: int = DEFAULT_BATCH_SIZE,
                 after_batch: Callable[[], None] | None = None, now: Callable[[], datetime] = utcnow,
                 pipelined: bool = False) -> None:
        self.session, self.shop, self.batch_size = session, shop, batch_size
        self.currency = shop.currency  # read once: the feeding thread must not touch the session
        self.after_batch = after_batch or (lambda: None)
        self.now = now
        self.report = BulkReport()
        self.pending: list[_Record] = []
        self.batches = 0
        self._orders_new = True  # until a batch holds an order that exists (only the writer reads it)
        self._report_lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lojal-bulk") if pipelined else None
        self._in_flight: Future[None] | None = None
        collection.raise_thresholds()
        self._restore = weakref.finalize(self, collection.restore_thresholds)  # once, even if never finished

    def __enter__(self) -> BulkIngestor:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def _error(self, error: LineError) -> None:
        with self._report_lock:
            self.report.add_error(error)

    def refuse(self, error: LineError) -> None:
        """Count a line the caller refused before feeding it (a CSV row that maps to nothing)."""
        with self._report_lock:
            self.report.received += 1
            self.report.add_error(error)

    def pass_over(self) -> None:
        """Count a line the caller leaves out on purpose (unchanged, or after a refusal)."""
        with self._report_lock:
            self.report.received += 1

    def feed_line(self, line_number: int, raw: bytes | str) -> None:
        if not raw.strip():
            return
        self.report.received += 1
        if (b"\\u0000" if isinstance(raw, bytes) else "\\u0000") in raw:
            self._error(LineError(line_number, None, None, None, NUL_MESSAGE))
            return
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            self._error(LineError(line_number, None, None, None, f"not valid JSON: {error}"))
            return
        self.feed_record(line_number, record, counted=True)

    def feed_record(self, line_number: int, record: Any, *, counted: bool = False) -> None:
        if not counted:
            self.report.received += 1
        if not isinstance(record, dict):
            self._error(LineError(line_number, None, None, None, "a line must be a JSON object"))
            return
        kind = record.pop("type", None)
        external_id = record.get("external_id") if isinstance(record.get("external_id"), str) else None
        self._validated(line_number, kind, external_id, record, None)

    def feed_json(self, line_number: int, kind: str, external_id: str | None, raw: bytes) -> None:
        """Feed one record given as its JSON object without ``type`` (validated straight from the
        JSON: a record mapped in another process)."""
        self.report.received += 1
        self._validated(line_number, kind, external_id, None, raw)

    def _validated(self, line_number: int, kind: Any, external_id: str | None, record: dict[str, Any] | None,
                   raw: bytes | None) -> None:
        if kind not in KINDS:
            self._error(LineError(line_number, kind if isinstance(kind, str) else None, external_id, "type",
                                            f"type must be one of {', '.join(ORDER_OF_KINDS)}"))
            return
        try:
            data = KINDS[kind].model_validate(record) if raw is None else KINDS[kind].model_validate_json(raw)
            if kind == "order":
                check_order_without_shop(self.currency, data)
            elif kind == "customer":  # here, not in the writer thread: it is the busier one
                data = _as_reference(data)
        except ValidationError as error:
            failure = validation_failed_from(list(error.errors()))
            self._error(LineError(line_number, kind, external_id, failure.field, failure.message))
            return
        except LojalError as error:
            self._error(LineError(line_number, kind, external_id, error.field, error.message))
            return
        self.pending.append(_Record(line_number, kind, data))
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        records, self.pending = self.pending, []
        if self._writer is None:
            self._store(records)
            return
        self._wait()
        self._in_flight = self._writer.submit(self._store, records)

    def finish(self) -> BulkReport:
        self.flush()
        self.close()
        self.report.errors.sort(key=lambda error: error.line)  # the writer reports its batch later
        return self.report

    def close(self) -> None:
        """Wait for the batch in flight (re-raising what it raised) and stop the writer."""
        try:
            if self._writer is not None:
                try:
                    self._wait()
                finally:
                    self._writer.shutdown(wait=True)
                    self._writer = None
        finally:
            self._restore()

    def _wait(self) -> None:
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            in_flight.result()

    def _store(self, records: list[_Record]) -> None:
        now = self.now()
        try:
            with self.session.begin_nested():
                self._apply(records, now)
            self._succeeded(records)
        except (LojalError, IntegrityError):
            for record in records:
                try:
                    with self.session.begin_nested():
                        self._apply([record], now)
                    self._succeeded([record])
                except (LojalError, IntegrityError) as error:
                    self._failed(record, error)
        self.after_batch()
        self.batches += 1
        if is_analyse_point(self.batches):
            refresh_planner_statistics(self.session)
            self.after_batch()

    def _succeeded(self, records: list[_Record]) -> None:
        with self._report_lock:
            self.report.succeeded += len(records)
            for record in records:
                self.report.counts[record.kind] = self.report.counts.get(record.kind, 0) + 1

    def _failed(self, record: _Record, error: Exception) -> None:
        external_id = getattr(record.data, "external_id", None)
        if isinstance(error, LojalError):
            self._error(LineError(record.line, record.kind, external_id, error.field, error.message))
        else:
            self._error(LineError(record.line, record.kind, external_id, None,
                                  "conflicts with data stored meanwhile (a unique key is taken); send it again"))

    def _apply(self, records: list[_Record], now: datetime) -> None:
        by_kind: dict[str, list[Any]] = {kind: [] for kind in ORDER_OF_KINDS}
        for record in records:
            by_kind[record.kind].append(record.data)
        # New customers' rows start with their new orders in the aggregates (no UPDATE after them).
        named = [_counted_for(order) for order in by_kind["order"]] if by_kind["customer"] else []
        totals = _new_customers_totals(by_kind["customer"], by_kind["order"], named)
        known: dict[tuple[str, str], int] = {}
        counted: frozenset[str] = frozenset()
        events: list[NewDomainEvent] = []  # new customers' events, recorded with their orders' events
        if by_kind["product"]:
            ingest_products(self.session, self.shop, [(item.external_id, item) for item in by_kind["product"]], now)
        if by_kind["customer"]:
            latest = {item.external_id: item for item in by_kind["customer"]}
            resolved = resolve(self.session, self.shop, list(latest.values()), now, totals=totals, events=events)
            known = {("external_id", external_id): customer_id  # orders of these need no second look-up
                     for external_id, customer_id in zip(latest, resolved.ids, strict=True)
                     if customer_id not in resolved.erased}
            if totals:
                new_ids = set(resolved.created)
                created = {external_id for external_id, customer_id in zip(latest, resolved.ids, strict=True)
                           if customer_id in new_ids}
                counted = frozenset(order.external_id for order, external_id in zip(by_kind["order"], named, strict=True)
                                    if external_id in created)
        if by_kind["order"]:
            results = ingest_orders(self.session, self.shop, [(item.external_id, item) for item in by_kind["order"]],
                                    now, checked=True, known_customers=known, probably_new=self._orders_new,
                                    counted=counted, events=events)
            # A file of new orders skips their look-ups; a replayed or updating one looks them up.
            self._orders_new = all(result.created for result in results)
        else:
            record_domain_events(self.session, self.shop.id, events)
        for refund in by_kind["refund"]:
            ingest_refund(self.session, self.shop, refund, now)
        if by_kind["event"]:
            ingest_events(self.session, self.shop, by_kind["event"], now)


def _counted_for(order: BulkOrderIn) -> str | None:
    """The customer line (external id) whose new row may count this order in its aggregates: an
    order that names its customer by external id alone and is not cancelled."""
    reference = order.customer
    if (order.status == "cancelled" or reference is None or reference.external_id is None
            or not reference.model_fields_set <= {"external_id"}):
        return None
    return reference.external_id


def _new_customers_totals(customers: list[CustomerRef], orders: list[BulkOrderIn], named: list[str | None],
                          ) -> dict[tuple[str, str], tuple[int, int, datetime, datetime]] | None:
    """Per customer line, the aggregates of the batch's orders that name it (``named``: each
    order's ``_counted_for``), as if every order were new (one that is not gets its customer
    recounted: see ``ingest_orders(counted=)``). None when an order appears twice (the second one
    updates the first) or no order names a customer line."""
    if not customers:
        return None
    lines = {customer.external_id for customer in customers}
    totals: dict[tuple[str, str], tuple[int, int, datetime, datetime]] = {}
    seen: set[str] = set()
    for order, external_id in zip(orders, named, strict=True):
        if order.external_id in seen:
            return None
        seen.add(order.external_id)
        if external_id is None or external_id not in lines:
            continue
        key = ("external_id", external_id)
        count, spent, first, last = totals.get(key, (0, 0, order.placed_at, order.placed_at))
        totals[key] = (count + 1, spent + order.total, min(first, order.placed_at), max(last, order.placed_at))
    return totals or None


def _as_reference(customer: BulkCustomerIn) -> CustomerRef:
    """The customer line as the reference ``resolve`` takes: the same validated values and the
    same set fields (validating them again cost a third of a customer line)."""
    values = {name: getattr(customer, name) for name in CustomerRef.model_fields}
    return CustomerRef.model_construct(_fields_set=customer.model_fields_set | {"external_id"}, **values)
