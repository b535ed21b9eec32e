"""WooCommerce's webhook payloads (the REST API v3 order and customer JSON) mapped to the hub's
inputs. Pure: no database, no clock.

WooCommerce gives line amounts without tax (``subtotal`` before coupons, ``total`` after) and the
tax beside them. A shop whose prices include VAT (``prices_include_tax``, usual in Norway) gets
lines and shipping with their tax added back and ``taxes_included``, so the hub sees the prices
the shop shows; otherwise lines are without tax and the tax is added to the total. Fees (positive
or negative ``fee_lines``) are what is left between the parts and WooCommerce's ``total``."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from lojal.customers.schemas import CustomerIn, CustomerRef
from lojal.integrations.mapping import (
    Ignored,
    MappedOrder,
    MappingError,
    balance,
    compact,
    country,
    email,
    identifier,
    line_prices,
    minor,
    phone,
    quantity,
    text,
    when,
)
from lojal.orders.schemas import OrderIn, OrderLineIn, OrderStatus, RefundIn

ORDER_TOPICS = ("order.created", "order.updated")
DELETE_TOPICS = ("order.deleted",)
CUSTOMER_TOPICS = ("customer.created", "customer.updated")
APPLIED_TOPICS = ORDER_TOPICS + DELETE_TOPICS + CUSTOMER_TOPICS

STATUSES: dict[str, OrderStatus] = {
    "pending": "placed",        # awaiting payment
    "on-hold": "placed",        # awaiting confirmation of payment (bank transfer, cheque)
    "processing": "paid",       # paid, not yet shipped
    "completed": "fulfilled",   # paid and shipped
    "refunded": "paid",         # paid, then refunded in full: the refunds carry the money back
    "cancelled": "cancelled",
    "failed": "cancelled",      # the payment failed; a retried payment reinstates the order
    "trash": "cancelled",
}
"""WooCommerce's order statuses as the hub's. A status a plugin adds is placed."""


def order_status(status: str | None) -> OrderStatus:
    if status in ("checkout-draft", "draft", "auto-draft"):
        raise Ignored(f"the order is a {status}, not an order yet")
    return STATUSES.get(status or "", "placed")


def map_order(payload: dict[str, Any], shop_zone: tzinfo) -> MappedOrder:
    external_id = identifier(payload.get("id"))
    if external_id is None:
        raise MappingError("the order has no id", "id")
    status = order_status(text(payload.get("status")))
    currency = text(payload.get("currency"))
    if currency is None:
        raise MappingError("the order has no currency", "currency")
    placed_at = _moment(payload, "date_created", shop_zone)
    if placed_at is None:
        raise MappingError("the order has no date_created", "date_created")
    with_tax = bool(payload.get("prices_include_tax"))
    lines = [_line(item, currency, with_tax, f"line_items.{index}")
             for index, item in enumerate(payload.get("line_items") or [])]
    if not lines:
        raise MappingError("the order has no line items", "line_items")
    subtotal = sum(line.total for line in lines)
    shipping = sum(minor(item.get("total"), currency, f"shipping_lines.{index}.total")
                   + (minor(item.get("total_tax"), currency, f"shipping_lines.{index}.total_tax") if with_tax else 0)
                   for index, item in enumerate(payload.get("shipping_lines") or []))
    tax = minor(payload.get("total_tax"), currency, "total_tax")
    total = minor(payload.get("total"), currency, "total")
    sums = balance(subtotal=subtotal, shipping=shipping, tax=tax, taxes_included=with_tax, total=total)
    modified_at = _moment(payload, "date_modified", shop_zone)
    order = OrderIn.model_validate({
        "order_number": text(payload.get("number"), 100),
        "customer": order_customer(payload),
        "placed_at": placed_at,
        "currency": currency,
        "status": status,
        "discount_codes": [code for code in (text(line.get("code"), 100) for line in payload.get("coupon_lines") or [])
                           if code][:50],
        "paid_at": _moment(payload, "date_paid", shop_zone),
        "fulfilled_at": _moment(payload, "date_completed", shop_zone) if status == "fulfilled" else None,
        "cancelled_at": modified_at if status == "cancelled" else None,
        "updated_at": modified_at,
        "attributes": {"source": "woocommerce", "woocommerce": compact({
            "status": payload.get("status"), "payment_method": text(payload.get("payment_method")),
            "created_via": text(payload.get("created_via")), "other_charges": sums.other_charges or None})},
        "lines": lines,
        "subtotal": subtotal,
        "discount_total": sums.discount_total,
        "shipping_total": sums.shipping_total,
        "tax_total": tax,
        "taxes_included": with_tax,
        "total": total,
    })
    refunds = [_refund(refund, external_id, modified_at or placed_at, currency, f"refunds.{index}")
               for index, refund in enumerate(payload.get("refunds") or [])]
    return MappedOrder(external_id, order, refunds)


def _moment(payload: dict[str, Any], name: str, shop_zone: tzinfo) -> Any:
    """``<name>_gmt`` (UTC without an offset), else ``<name>`` in the shop's time zone."""
    return when(payload.get(f"{name}_gmt"), f"{name}_gmt") or when(payload.get(name), name, naive_zone=shop_zone)


def _line(item: dict[str, Any], currency: str, with_tax: bool, field: str) -> OrderLineIn:
    count = quantity(item.get("quantity"), f"{field}.quantity")
    line_subtotal = minor(item.get("subtotal"), currency, f"{field}.subtotal")
    line_total = minor(item.get("total"), currency, f"{field}.total")
    if with_tax:
        line_subtotal += minor(item.get("subtotal_tax"), currency, f"{field}.subtotal_tax")
        line_total += minor(item.get("total_tax"), currency, f"{field}.total_tax")
    unit_price, discount = line_prices(line_subtotal, line_total, count, field)
    return OrderLineIn(external_id=identifier(item.get("id")), product_external_id=identifier(item.get("product_id")),
                       variant_external_id=identifier(item.get("variation_id")), sku=text(item.get("sku"), 255),
                       name=text(item.get("name"), 500), quantity=count, unit_price=unit_price, discount=discount,
                       total=line_total)


def _refund(refund: dict[str, Any], order_id: str, seen_at: Any, currency: str, field: str) -> RefundIn:
    """The order's ``refunds`` summary holds id, reason and total (negative) only: no lines and
    no date, so the refund is dated by the order's last change, when it was first seen."""
    external_id = identifier(refund.get("id"))
    if external_id is None:
        raise MappingError("the refund has no id", f"{field}.id")
    return RefundIn(external_id=external_id, order_external_id=order_id, refunded_at=seen_at,
                    amount=abs(minor(refund.get("total"), currency, f"{field}.total")),
                    reason=text(refund.get("reason"), 2000))


def order_customer(payload: dict[str, Any]) -> CustomerRef:
    """A registered customer by WooCommerce's id; a guest order (``customer_id`` 0) by its
    billing e-mail."""
    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    external_id = identifier(payload.get("customer_id"))
    fields = compact({
        "external_id": external_id,
        "email": email(billing.get("email")),
        "first_name": text(billing.get("first_name"), 200),
        "last_name": text(billing.get("last_name"), 200),
        "phone": phone(billing.get("phone")),
        "country": country(billing.get("country")),
        "company_name": text(billing.get("company"), 255),
    })
    if "external_id" not in fields and "email" not in fields:
        raise Ignored("the order has no customer and no billing e-mail, so it belongs to nobody in Lojal")
    return CustomerRef.model_validate(fields)


def deleted_order_id(payload: dict[str, Any]) -> str:
    """order.deleted sends ``{"id": ...}`` only."""
    external_id = identifier(payload.get("id"))
    if external_id is None:
        raise MappingError("the deleted order has no id", "id")
    return external_id


def map_customer(payload: dict[str, Any], shop_zone: tzinfo) -> tuple[str, CustomerIn]:
    external_id = identifier(payload.get("id"))
    if external_id is None:
        raise MappingError("the customer has no id", "id")
    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    fields: dict[str, Any] = {}
    for name in ("first_name", "last_name"):
        if name in payload:
            fields[name] = text(payload[name], 200) or text(billing.get(name), 200)
    if "email" in payload:
        fields["email"] = email(payload["email"])
    fields.update(compact({
        "phone": phone(billing.get("phone")),
        "country": country(billing.get("country")),
        "company_name": text(billing.get("company"), 255),
        "created_at": _moment(payload, "date_created", shop_zone),
    }))
    return external_id, CustomerIn.model_validate(fields)
