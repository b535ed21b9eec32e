"""The job that applies a stored delivery through the hub's own services (orders, refunds,
customers, events), and records what became of it on the delivery.

Each delivery is applied in a savepoint: a payload the hub refuses leaves nothing half-written
and the delivery is marked ``failed`` with the reason. A refund whose order Lojal has not seen
yet (webhooks arrive in any order) raises ``NotYet``, so the job is retried with backoff; on
the last attempt it is marked failed. Orders are full-state upserts by the platform's id, and an
update older than the stored one (by the platform's ``updated_at``) is ignored by the hub, so
out-of-order deliveries converge."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from pydantic import ValidationError
from sqlalchemy.orm import Session

from lojal.customers import service as customers
from lojal.customers.schemas import CustomerRef
from lojal.errors import LojalError, validation_failed_from
from lojal.events import service as events
from lojal.integrations import repository, shopify, woocommerce
from lojal.integrations.mapping import Ignored, MappedOrder, MappingError
from lojal.models import Shop
from lojal.orders import service as orders
from lojal.orders.refunds import ingest_refund
from lojal.orders.schemas import OrderIn, RefundIn
from lojal.privacy import service as privacy
from lojal.shops.service import get_shop

logger = logging.getLogger("lojal.integrations")


class NotYet(Exception):
    """The delivery depends on something that has not arrived yet; retry later."""


@dataclass
class Outcome:
    status: str
    reason: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


Applier = Callable[[Session, Shop, dict[str, Any], str, datetime], Outcome]


def apply_delivery(session: Session, shop_id: int, payload: dict[str, Any], *, final_attempt: bool,
                   now: datetime) -> None:
    shop = get_shop(session, shop_id)
    key = payload["delivery_key"]
    document = repository.document(session, shop_id, key)
    if document is None or document.get("status") != "received":
        return  # applied already (a job run again after a lost lease), or not a delivery
    outcome = _outcome(session, shop, payload, final_attempt, now)
    document.update(status=outcome.status, finished_at=now.isoformat())
    for name in ("reason", "result", "problems"):
        if getattr(outcome, name):
            document[name] = getattr(outcome, name)
    repository.update_document(session, shop_id, key, document)
    extra = {"shop_id": shop_id, "key": key, "topic": payload["topic"], "status": outcome.status}
    if outcome.status == "failed" or outcome.problems:
        logger.warning("webhook delivery not applied in full: %s", outcome.reason or outcome.problems, extra=extra)
    else:
        logger.info("webhook delivery %s", outcome.status, extra=extra)


def apply_privacy_request(session: Session, shop_id: int, payload: dict[str, Any], *, now: datetime) -> None:
    """Shopify's customers/redact erases the customer, customers/data_request produces the data
    document (fetched with ``GET /api/v1/customers/{customer}/data`` or ``lojal customer
    export``); both are logged by lojal.privacy. The outcome is recorded on the delivery, and the
    request's e-mail and phone are not kept once it is handled."""
    shop = get_shop(session, shop_id)
    key = payload["delivery_key"]
    document = repository.document(session, shop_id, key)
    if document is None or document.get("status") != "recorded":
        return  # handled already
    request = document.get("request") or {}
    customer = privacy.find_for_platform_request(session, shop, request.get("customer_external_id"),
                                                 request.get("customer_email"))
    actor, reference = f"shopify:{key}", request.get("data_request_id")
    if customer is None:
        outcome = Outcome("applied", "no such customer in Lojal: nothing is held about them", {"customer_found": False})
    elif payload["topic"] == "customers/redact":
        erased = privacy.erase_customer(session, shop, customer, actor=actor, source="shopify", now=now,
                                        reference=reference)
        outcome = Outcome("applied", result={"customer_id": erased.customer_id, "erased": True,
                                             "privacy_request": erased.request.id})
    else:
        export = privacy.export_customer(session, shop, customer, actor=actor, source="shopify", now=now,
                                         reference=reference)
        outcome = Outcome("applied", result={"customer_id": customer.id, "privacy_request": export.request.id,
                                             "sections": privacy.section_counts(export.document),
                                             "document": f"GET /api/v1/customers/id:{customer.id}/data"})
    document = repository.document(session, shop_id, key) or document  # the erasure may have rewritten it
    document["request"] = {name: value for name, value in (document.get("request") or {}).items()
                           if name not in ("customer_email", "customer_phone")}
    document.update(status=outcome.status, finished_at=now.isoformat(), result=outcome.result)
    if outcome.reason:
        document["reason"] = outcome.reason
    else:
        document.pop("reason", None)
    repository.update_document(session, shop_id, key, document)
    logger.info("Shopify privacy request handled", extra={"shop_id": shop_id, "key": key, "topic": payload["topic"]})


def without_nul(value: Any) -> Any:
    """PostgreSQL stores no NUL character in text: a platform's ``\\u0000`` is dropped from every string."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value


def _outcome(session: Session, shop: Shop, payload: dict[str, Any], final_attempt: bool, now: datetime) -> Outcome:
    applier = APPLIERS.get((payload["platform"], payload["topic"]))
    if applier is None:
        return Outcome("ignored", f"topic {payload['topic']!r} is not one Lojal uses")
    try:
        data = without_nul(orjson.loads(payload["body"]))
        if not isinstance(data, dict):
            raise MappingError("the body is not a JSON object")
        with session.begin_nested():
            return applier(session, shop, data, payload["topic"], now)
    except Ignored as error:
        return Outcome("ignored", str(error))
    except NotYet as error:
        if not final_attempt:
            raise
        return Outcome("failed", f"{error} (gave up after the last retry)")
    except orjson.JSONDecodeError as error:
        return Outcome("failed", f"the body is not valid JSON: {error}")
    except (MappingError, LojalError, ValidationError) as error:
        return Outcome("failed", describe(error))
    except Exception as error:  # a bug or an outage: retried; recorded on the last attempt
        if not final_attempt:
            raise
        logger.exception("webhook delivery failed unexpectedly", extra={"key": payload["delivery_key"]})
        return Outcome("failed", f"unexpected error: {error!r}")


def describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return validation_failed_from(list(error.errors())).message
    if isinstance(error, LojalError):
        return f"{error.field}: {error.message}" if error.field and error.field not in error.message else error.message
    return str(error)


# -- appliers ------------------------------------------------------------------------------

def _apply_order(session: Session, shop: Shop, mapped: MappedOrder, now: datetime) -> Outcome:
    [result] = orders.ingest_orders(session, shop, [(mapped.external_id, mapped.order)], now)
    problems: list[str] = []
    created_refunds = 0
    for refund in mapped.refunds:
        try:
            with session.begin_nested():
                created_refunds += ingest_refund(session, shop, refund, now).created
        except LojalError as error:
            problems.append(f"refund {refund.external_id}: {describe(error)}")
    return Outcome("applied", result={"order": mapped.external_id, "created": result.created,
                                      "changed": result.changed, "refunds_created": created_refunds},
                   problems=problems)


def shopify_order(session: Session, shop: Shop, data: dict[str, Any], topic: str, now: datetime) -> Outcome:
    return _apply_order(session, shop, shopify.map_order(data), now)


def shopify_refund(session: Session, shop: Shop, data: dict[str, Any], topic: str, now: datetime) -> Outcome:
    return _apply_refund(session, shop, shopify.map_refund(data, shop.currency), now)


def _apply_refund(session: Session, shop: Shop, refund: RefundIn, now: datetime) -> Outcome:
    if orders.order_by_external_id(session, shop, refund.order_external_id) is None:
        raise NotYet(f"order {refund.order_external_id} is not in Lojal yet")
    result = ingest_refund(session, shop, refund, now)
    return Outcome("applied", result={"refund": refund.external_id, "order": refund.order_external_id,
                                      "created": result.created})


def shopify_customer(session: Session, shop: Shop, data: dict[str, Any], topic: str, now: datetime) -> Outcome:
    external_id, customer = shopify.map_customer(data)
    _, created = customers.upsert(session, shop, external_id, customer, now)
    return Outcome("applied", result={"customer": external_id, "created": created})


def shopify_checkout(session: Session, shop: Shop, data: dict[str, Any], topic: str, now: datetime) -> Outcome:
    event = shopify.map_checkout(data, topic)
    [result] = events.ingest_events(session, shop, [event], now)
    return Outcome("applied", result={"event": event.external_id, "name": event.name, "created": result.created})


def woocommerce_order(session: Session, shop: Shop, data: dict[str, Any], topic: str, now: datetime) -> Outcome:
    return _apply_order(session, shop, woocommerce.map_order(data, ZoneInfo(shop.timezone)), now)


def woocommerce_deleted_order(session: Session, shop: Shop, data: dict[str, Any], topic: str,
                              now: datetime) -> Outcome:
    """The hub keeps orders (the shop's numbers must not change behind its back), so an order
    deleted or trashed in WooCommerce is cancelled."""
    external_id = woocommerce.deleted_order_id(data)
    stored = orders.order_by_external_id(session, shop, external_id)
    if stored is None:
        raise Ignored(f"order {external_id} is not in Lojal")
    [view] = orders.order_views(session, shop, [stored])
    [result] = orders.ingest_orders(session, shop, [(external_id, cancelled(view))], now)
    return Outcome("applied", result={"order": external_id, "cancelled": result.changed})


def cancelled(view: dict[str, Any]) -> OrderIn:
    """The stored order as the hub's input again, with status cancelled."""
    reference = ({"external_id": view["customer_external_id"]} if view["customer_external_id"]
                 else {"email": view["email"]})
    lines = [{name: getattr(line, name) for name in ("external_id", "product_external_id", "variant_external_id",
                                                     "sku", "name", "quantity", "unit_price", "discount", "total")}
             for line in view["lines"]]
    values = {name: view[name] for name in ("order_number", "placed_at", "currency", "discount_codes", "attributes",
                                            "subtotal", "discount_total", "shipping_total", "tax_total",
                                            "taxes_included", "total")}
    return OrderIn.model_validate({**values, "customer": CustomerRef.model_validate(reference), "status": "cancelled",
                                   "lines": lines})


def woocommerce_customer(session: Session, shop: Shop, data: dict[str, Any], topic: str, now: datetime) -> Outcome:
    external_id, customer = woocommerce.map_customer(data, ZoneInfo(shop.timezone))
    _, created = customers.upsert(session, shop, external_id, customer, now)
    return Outcome("applied", result={"customer": external_id, "created": created})


APPLIERS: dict[tuple[str, str], Applier] = {
    **{("shopify", topic): shopify_order for topic in shopify.ORDER_TOPICS},
    **{("shopify", topic): shopify_refund for topic in shopify.REFUND_TOPICS},
    **{("shopify", topic): shopify_customer for topic in shopify.CUSTOMER_TOPICS},
    **{("shopify", topic): shopify_checkout for topic in shopify.CHECKOUT_TOPICS},
    **{("woocommerce", topic): woocommerce_order for topic in woocommerce.ORDER_TOPICS},
    **{("woocommerce", topic): woocommerce_deleted_order for topic in woocommerce.DELETE_TOPICS},
    **{("woocommerce", topic): woocommerce_customer for topic in woocommerce.CUSTOMER_TOPICS},
}
