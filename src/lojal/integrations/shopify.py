"""Shopify's REST webhook payloads mapped to the hub's inputs. Pure: no database, no clock.

Amounts are read in the shop's currency (``*_set.shop_money`` where Shopify gives it, else the
plain decimal string), exactly, into minor units. A line's discount is what Shopify allocated to
it (``discount_allocations``, which also carry order-level discounts spread "across" the lines;
the deprecated ``total_discount`` when there are none), so the lines add up to Shopify's
``subtotal_price``. Shipping is what was charged after shipping discounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lojal.customers.schemas import ConsentIn, CustomerIn, CustomerRef
from lojal.events.schemas import CartIn, CartItemIn, CustomerEventIn
from lojal.integrations.mapping import (
    Ignored,
    MappedOrder,
    MappingError,
    balance,
    compact,
    country,
    email,
    identifier,
    locale,
    minor,
    phone,
    quantity,
    text,
    when,
)
from lojal.orders.schemas import OrderIn, OrderLineIn, OrderStatus, RefundIn, RefundLineIn

ORDER_TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/cancelled")
REFUND_TOPICS = ("refunds/create",)
CUSTOMER_TOPICS = ("customers/create", "customers/update")
CHECKOUT_TOPICS = ("checkouts/create", "checkouts/update")
PRIVACY_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")
APPLIED_TOPICS = ORDER_TOPICS + REFUND_TOPICS + CUSTOMER_TOPICS + CHECKOUT_TOPICS

CONSENT_STATES = {"subscribed": True, "unsubscribed": False, "not_subscribed": False}
"""Shopify's marketing consent states the hub records; ``pending`` (double opt-in not yet
confirmed), ``invalid`` and ``redacted`` leave the stored consent as it is."""


def shop_amount(item: dict[str, Any], key: str, currency: str, field: str) -> int:
    """``item[key]`` in the shop's currency: ``<key>_set.shop_money.amount`` when present."""
    money_set = item.get(f"{key}_set")
    if isinstance(money_set, dict) and isinstance(money_set.get("shop_money"), dict):
        return minor(money_set["shop_money"].get("amount"), currency, field)
    return minor(item.get(key), currency, field)


def order_status(financial_status: str | None, fulfillment_status: str | None,
                 cancelled_at: Any) -> OrderStatus:
    """Shopify's two statuses as the hub's one. Cancelled wins; ``voided`` (the authorisation
    was voided) is cancelled too. An order is paid when Shopify captured the money (``paid``,
    and the refund states, which say money was taken first: the refunds carry what came back),
    and fulfilled when it is also shipped. ``pending``, ``authorized``, ``partially_paid`` and
    ``expired`` are placed."""
    if cancelled_at or financial_status == "voided":
        return "cancelled"
    if financial_status in ("paid", "partially_refunded", "refunded"):
        return "fulfilled" if fulfillment_status == "fulfilled" else "paid"
    return "placed"


def map_order(payload: dict[str, Any]) -> MappedOrder:
    external_id = identifier(payload.get("id"))
    if external_id is None:
        raise MappingError("the order has no id", "id")
    currency = text(payload.get("currency"))
    if currency is None:
        raise MappingError("the order has no currency", "currency")
    placed_at = when(payload.get("processed_at"), "processed_at") or when(payload.get("created_at"), "created_at")
    if placed_at is None:
        raise MappingError("the order has no created_at", "created_at")
    lines = [_line(item, currency, f"line_items.{index}") for index, item in enumerate(payload.get("line_items") or [])]
    if not lines:
        raise MappingError("the order has no line items", "line_items")
    subtotal = sum(line.total for line in lines)
    shipping = sum(_shipping(item, currency, f"shipping_lines.{index}")
                   for index, item in enumerate(payload.get("shipping_lines") or []))
    tax = shop_amount(payload, "total_tax", currency, "total_tax")
    taxes_included = bool(payload.get("taxes_included"))
    total = shop_amount(payload, "total_price", currency, "total_price")
    sums = balance(subtotal=subtotal, shipping=shipping, tax=tax, taxes_included=taxes_included, total=total)
    customer = order_customer(payload, placed_at)
    order = OrderIn.model_validate({
        "order_number": text(payload.get("name"), 100),
        "customer": customer,
        "placed_at": placed_at,
        "currency": currency,
        "status": order_status(payload.get("financial_status"), payload.get("fulfillment_status"),
                               payload.get("cancelled_at")),
        "discount_codes": _discount_codes(payload.get("discount_codes")),
        "cancelled_at": when(payload.get("cancelled_at"), "cancelled_at"),
        "updated_at": when(payload.get("updated_at"), "updated_at"),
        "attributes": {"source": "shopify", "shopify": _order_attributes(payload, sums.other_charges, currency)},
        "lines": lines,
        "subtotal": subtotal,
        "discount_total": sums.discount_total,
        "shipping_total": sums.shipping_total,
        "tax_total": tax,
        "taxes_included": taxes_included,
        "total": total,
    })
    refunds = [map_refund(refund, currency) for refund in payload.get("refunds") or []]
    return MappedOrder(external_id, order, refunds)


def _line(item: dict[str, Any], currency: str, field: str) -> OrderLineIn:
    count = quantity(item.get("quantity"), f"{field}.quantity")
    unit_price = shop_amount(item, "price", currency, f"{field}.price")
    allocations = item.get("discount_allocations") or []
    if allocations:
        discount = sum(shop_amount(allocation, "amount", currency, f"{field}.discount_allocations")
                       for allocation in allocations)
    else:
        discount = shop_amount(item, "total_discount", currency, f"{field}.total_discount")
    total = count * unit_price - discount
    if total < 0:
        raise MappingError(f"the discount {discount} is more than the line's {count} x {unit_price}", field)
    return OrderLineIn(external_id=identifier(item.get("id")), product_external_id=identifier(item.get("product_id")),
                       variant_external_id=identifier(item.get("variant_id")), sku=text(item.get("sku"), 255),
                       name=text(item.get("name") or item.get("title"), 500), quantity=count,
                       unit_price=unit_price, discount=discount, total=total)


def _shipping(item: dict[str, Any], currency: str, field: str) -> int:
    if item.get("discounted_price") is not None or item.get("discounted_price_set") is not None:
        return shop_amount(item, "discounted_price", currency, f"{field}.discounted_price")
    price = shop_amount(item, "price", currency, f"{field}.price")
    discounts = sum(shop_amount(allocation, "amount", currency, f"{field}.discount_allocations")
                    for allocation in item.get("discount_allocations") or [])
    return max(price - discounts, 0)


def _discount_codes(codes: Any) -> list[str]:
    found = [text(code.get("code"), 100) for code in codes or [] if isinstance(code, dict)]
    return [code for code in found if code][:50]


def _order_attributes(payload: dict[str, Any], other_charges: int, currency: str) -> dict[str, Any]:
    company = payload.get("company") if isinstance(payload.get("company"), dict) else None
    return compact({
        "financial_status": payload.get("financial_status"),
        "fulfillment_status": payload.get("fulfillment_status"),
        "created_at": payload.get("created_at"),
        "source_name": payload.get("source_name"),
        "tags": text(payload.get("tags")),
        "presentment_currency": payload.get("presentment_currency") if payload.get("presentment_currency") != currency else None,
        "total_discounts": shop_amount(payload, "total_discounts", currency, "total_discounts"),
        "other_charges": other_charges or None,
        "company": compact({"id": identifier(company.get("id")), "location_id": identifier(company.get("location_id"))})
        if company else None,
    })


def order_customer(payload: dict[str, Any], placed_at: datetime) -> CustomerRef:
    """The customer an order belongs to: Shopify's customer by id, or a guest by the order's
    e-mail. An order with neither (a walk-in point-of-sale sale) has nobody to belong to."""
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    billing = payload.get("billing_address") if isinstance(payload.get("billing_address"), dict) else {}
    address = customer.get("default_address") if isinstance(customer.get("default_address"), dict) else {}
    external_id = identifier(customer.get("id"))
    order_email = email(payload.get("email")) or email(payload.get("contact_email"))
    fields: dict[str, Any] = {
        "external_id": external_id,
        "email": email(customer.get("email")) if external_id else order_email,
        "first_name": text(customer.get("first_name") or billing.get("first_name"), 200),
        "last_name": text(customer.get("last_name") or billing.get("last_name"), 200),
        "phone": phone(customer.get("phone"), payload.get("phone"), address.get("phone"), billing.get("phone")),
        "locale": locale(payload.get("customer_locale")),
        "country": country(address.get("country_code") or billing.get("country_code")),
        "company_name": text(billing.get("company") or address.get("company"), 255),
        "customer_group": "b2b" if isinstance(payload.get("company"), dict) else None,
        "email_consent": email_consent(customer, placed_at) or _checkout_opt_in(payload, placed_at),
        "sms_consent": sms_consent(customer),
    }
    if fields["external_id"] is None and fields["email"] is None:
        raise Ignored("the order has no customer and no e-mail, so it belongs to nobody in Lojal")
    return CustomerRef.model_validate({key: value for key, value in fields.items() if value is not None})


def email_consent(customer: dict[str, Any], fallback_at: datetime | None) -> ConsentIn | None:
    """From ``email_marketing_consent`` (API 2022-04 and later), else the older
    ``accepts_marketing`` flag; both are the customer's state of record, so false withdraws."""
    state = customer.get("email_marketing_consent")
    if isinstance(state, dict):
        return _consent(state, fallback_at)
    if isinstance(customer.get("accepts_marketing"), bool):
        at = when(customer.get("accepts_marketing_updated_at"), "accepts_marketing_updated_at") or fallback_at
        return ConsentIn(granted=customer["accepts_marketing"], at=at, source="shopify")
    return None


def sms_consent(customer: dict[str, Any]) -> ConsentIn | None:
    state = customer.get("sms_marketing_consent")
    return _consent(state, when(customer.get("created_at"), "created_at")) if isinstance(state, dict) else None


def _consent(state: dict[str, Any], fallback_at: datetime | None) -> ConsentIn | None:
    granted = CONSENT_STATES.get(str(state.get("state")))
    if granted is None:
        return None
    level = text(state.get("opt_in_level"), 80)
    at = when(state.get("consent_updated_at"), "consent_updated_at") or fallback_at
    return ConsentIn(granted=granted, at=at, source=f"shopify:{level}" if level else "shopify")


def _checkout_opt_in(payload: dict[str, Any], placed_at: datetime) -> ConsentIn | None:
    """``buyer_accepts_marketing`` alone: a ticked box at checkout grants consent; an unticked
    one is not a withdrawal (the customer may have subscribed before)."""
    if payload.get("buyer_accepts_marketing") is True:
        return ConsentIn(granted=True, at=placed_at, source="shopify:checkout")
    return None


def map_refund(payload: dict[str, Any], currency: str) -> RefundIn:
    """A refund: its lines (quantity and the line's refunded subtotal) and the money that went
    back (the successful refund transactions in the shop's currency). A refund without money
    (a restock of an unpaid order) returns quantities only."""
    external_id = identifier(payload.get("id"))
    order_id = identifier(payload.get("order_id"))
    if external_id is None or order_id is None:
        raise MappingError("the refund has no id or order_id", "id")
    refunded_at = when(payload.get("processed_at"), "processed_at") or when(payload.get("created_at"), "created_at")
    if refunded_at is None:
        raise MappingError("the refund has no created_at", "created_at")
    recorded = payload.get("transactions")
    successful = [transaction for transaction in recorded or []
                  if transaction.get("kind") == "refund" and transaction.get("status") == "success"]
    money_back = bool(successful) or recorded is None
    lines = []
    for index, item in enumerate(payload.get("refund_line_items") or []):
        field = f"refund_line_items.{index}"
        lines.append(RefundLineIn(line_external_id=identifier(item.get("line_item_id")) or "",
                                  quantity=quantity(item.get("quantity"), f"{field}.quantity"),
                                  amount=shop_amount(item, "subtotal", currency, f"{field}.subtotal") if money_back else 0))
    amount: int | None = None
    if successful and all(text(transaction.get("currency")) in (None, currency) for transaction in successful):
        amount = sum(minor(transaction.get("amount"), currency, "transactions.amount") for transaction in successful)
    elif not money_back or not lines:
        amount = 0
    return RefundIn(external_id=external_id, order_external_id=order_id, refunded_at=refunded_at, amount=amount,
                    reason=text(payload.get("note"), 2000), lines=lines)


def map_customer(payload: dict[str, Any]) -> tuple[str, CustomerIn]:
    """A customer as customers/create and customers/update send it. Fields the payload carries
    are set (null clears them); fields it leaves out keep their stored value."""
    external_id = identifier(payload.get("id"))
    if external_id is None:
        raise MappingError("the customer has no id", "id")
    address = payload.get("default_address") if isinstance(payload.get("default_address"), dict) else {}
    fields: dict[str, Any] = {}
    for name in ("first_name", "last_name"):
        if name in payload:
            fields[name] = text(payload[name], 200)
    if "email" in payload:
        fields["email"] = email(payload["email"])
    if payload.get("phone") is None and "phone" in payload:
        fields["phone"] = None
    elif phone(payload.get("phone")):
        fields["phone"] = phone(payload.get("phone"))
    created_at = when(payload.get("created_at"), "created_at")
    optional = {
        "country": country(address.get("country_code")),
        "company_name": text(address.get("company"), 255),
        "locale": locale(payload.get("locale")),
        "created_at": created_at,
        "email_consent": email_consent(payload, created_at),
        "sms_consent": sms_consent(payload),
    }
    fields.update({key: value for key, value in optional.items() if value is not None})
    return external_id, CustomerIn.model_validate(fields)


def map_checkout(payload: dict[str, Any], topic: str) -> CustomerEventIn:
    """An open checkout as a cart event with the link that brings the customer back to it:
    ``checkout_started`` when created, ``cart_updated`` when it changes. A completed checkout
    is the order (which arrives as orders/create); one without customer or e-mail belongs to
    nobody yet."""
    token = text(payload.get("token")) or identifier(payload.get("id"))
    if token is None:
        raise MappingError("the checkout has no token or id", "token")
    if payload.get("completed_at"):
        raise Ignored("the checkout is completed; its order arrives as orders/create")
    currency = text(payload.get("currency")) or text(payload.get("presentment_currency"))
    if currency is None:
        raise MappingError("the checkout has no currency", "currency")
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    reference = compact({"external_id": identifier(customer.get("id")),
                         "email": email(customer.get("email")) or email(payload.get("email")),
                         "first_name": text(customer.get("first_name"), 200),
                         "last_name": text(customer.get("last_name"), 200)})
    if "external_id" not in reference and "email" not in reference:
        raise Ignored("the checkout has no customer and no e-mail yet")
    occurred_at = when(payload.get("updated_at"), "updated_at") or when(payload.get("created_at"), "created_at")
    items = [CartItemIn(product_external_id=identifier(item.get("product_id")),
                        variant_external_id=identifier(item.get("variant_id")), sku=text(item.get("sku"), 255),
                        name=text(item.get("title") or item.get("presentment_title"), 500),
                        quantity=quantity(item.get("quantity"), f"line_items.{index}.quantity"),
                        unit_price=minor(item.get("price"), currency, f"line_items.{index}.price"))
             for index, item in enumerate(payload.get("line_items") or [])]
    return CustomerEventIn(
        external_id=f"shopify-checkout-{token}-{occurred_at.isoformat() if occurred_at else 'first'}"[:255],
        name="checkout_started" if topic == "checkouts/create" else "cart_updated",
        customer=CustomerRef.model_validate(reference),
        occurred_at=occurred_at,
        cart=CartIn(currency=currency, total=minor(payload.get("total_price"), currency, "total_price"), items=items),
        recovery_url=text(payload.get("abandoned_checkout_url"), 2000),
        properties=compact({"source": "shopify", "checkout_token": token,
                            "discount_codes": _discount_codes(payload.get("discount_codes"))}),
    )


def privacy_request(payload: dict[str, Any]) -> dict[str, Any]:
    """What a privacy topic asks for, kept until erasure and export are built (issue 3, item 6)."""
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    data_request = payload.get("data_request") if isinstance(payload.get("data_request"), dict) else {}
    return compact({
        "shopify_shop_id": identifier(payload.get("shop_id")),
        "shop_domain": text(payload.get("shop_domain"), 255),
        "customer_external_id": identifier(customer.get("id")),
        "customer_email": email(customer.get("email")),
        "customer_phone": text(customer.get("phone"), 50),
        "orders": [identifier(order) for order in (payload.get("orders_requested") or payload.get("orders_to_redact") or [])],
        "data_request_id": identifier(data_request.get("id")),
    })
