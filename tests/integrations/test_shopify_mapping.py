"""Shopify's payloads mapped to the hub's inputs: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lojal.integrations import shopify
from lojal.integrations.mapping import Ignored, MappingError
from tests.integrations.helpers import payload

OSLO_WINTER = timezone(timedelta(hours=1))


def test_a_full_order_maps_exactly_to_ore() -> None:
    mapped = shopify.map_order(payload("shopify_order"))
    order = mapped.order
    assert mapped.external_id == "5820441297194" and mapped.refunds == []
    assert (order.order_number, order.currency, order.status) == ("#1001", "NOK", "paid")
    assert order.placed_at == datetime(2026, 3, 14, 18, 22, 4, tzinfo=OSLO_WINTER)  # processed_at
    assert order.updated_at == datetime(2026, 3, 14, 18, 22, 7, tzinfo=OSLO_WINTER)
    assert [(line.external_id, line.sku, line.quantity, line.unit_price, line.discount, line.total)
            for line in order.lines] == [
        ("14112000000001", "KF-4-100", 2, 3990, 798, 7182),
        ("14112000000002", "TR-PRO-G3", 1, 129900, 22990, 106910),  # 10 % code and the 100 kr campaign
        ("14112000000003", "TB-4", 3, 8900, 2670, 24030),
    ]
    assert [(line.product_external_id, line.variant_external_id) for line in order.lines][1] == (
        "8801000000230", "45001000000231")
    # subtotal_price 1381.22 + shipping 99.00, VAT 296.04 included: total_price 1480.22
    assert (order.subtotal, order.discount_total, order.shipping_total, order.tax_total, order.taxes_included,
            order.total) == (138122, 0, 9900, 29604, True, 148022)
    assert order.discount_codes == ["VAR10"]
    assert order.attributes == {"source": "shopify", "shopify": {
        "financial_status": "paid", "created_at": "2026-03-14T18:22:05+01:00", "source_name": "web",
        "total_discounts": 26458}}


def test_the_orders_customer_carries_consents_locale_and_country() -> None:
    customer = shopify.map_order(payload("shopify_order")).order.customer
    assert customer is not None
    assert (customer.external_id, customer.email, customer.first_name, customer.phone, customer.locale,
            customer.country) == ("7390231773482", "kari.nordmann@example.no", "Kari", "+4791234567", "nb-NO", "NO")
    assert customer.email_consent is not None and customer.email_consent.granted is True
    assert customer.email_consent.at == datetime(2026, 1, 5, 10, tzinfo=OSLO_WINTER)
    assert customer.email_consent.source == "shopify:confirmed_opt_in"
    assert customer.sms_consent is not None and customer.sms_consent.granted is False  # not_subscribed


@pytest.mark.parametrize(("financial", "fulfillment", "cancelled_at", "expected"), [
    ("pending", None, None, "placed"),
    ("authorized", None, None, "placed"),
    ("partially_paid", None, None, "placed"),
    ("paid", None, None, "paid"),
    ("paid", "partial", None, "paid"),
    ("paid", "fulfilled", None, "fulfilled"),
    ("partially_refunded", "fulfilled", None, "fulfilled"),
    ("refunded", None, None, "paid"),
    ("voided", None, None, "cancelled"),
    ("refunded", None, "2026-03-15T10:00:00+01:00", "cancelled"),
])
def test_financial_and_fulfillment_status_become_the_hubs_status(financial: str, fulfillment: str | None,
                                                                  cancelled_at: str | None, expected: str) -> None:
    assert shopify.order_status(financial, fulfillment, cancelled_at) == expected


def test_a_guest_order_belongs_to_its_email_and_a_tip_is_a_non_goods_charge() -> None:
    data = payload("shopify_order", customer=None, email="Ola.Gjest@Example.no", buyer_accepts_marketing=True,
                   total_tip_received="20.00", total_price="1500.22", total_price_set=None)
    order = shopify.map_order(data).order
    assert order.customer is not None and order.customer.external_id is None
    assert order.customer.email == "ola.gjest@example.no"
    assert order.customer.email_consent is not None and order.customer.email_consent.source == "shopify:checkout"
    assert (order.shipping_total, order.total) == (9900 + 2000, 150022)
    assert order.attributes["shopify"]["other_charges"] == 2000


def test_an_order_without_customer_or_email_is_ignored() -> None:
    with pytest.raises(Ignored, match="belongs to nobody"):
        shopify.map_order(payload("shopify_order", customer=None, email="", contact_email=None))


def test_an_unallocated_order_discount_is_the_orders_discount() -> None:
    data = payload("shopify_order")
    for line in data["line_items"]:
        line["discount_allocations"] = []
    order = shopify.map_order(data).order
    assert (order.subtotal, order.discount_total, order.total) == (164580, 26458, 148022)


def test_a_b2b_order_is_excluding_vat_and_names_the_company() -> None:
    data = payload("shopify_order", company={"id": 98765, "location_id": 43210}, taxes_included=False,
                   financial_status="pending", total_tax="370.06", total_tax_set=None, total_price="1850.28",
                   total_price_set=None)
    data["billing_address"]["company"] = "Klipp og Krøll AS"
    order = shopify.map_order(data).order
    assert (order.status, order.taxes_included, order.tax_total, order.total) == ("placed", False, 37006, 185028)
    assert (order.subtotal, order.discount_total, order.shipping_total) == (138122, 0, 9900)
    assert order.customer is not None
    assert (order.customer.company_name, order.customer.customer_group) == ("Klipp og Krøll AS", "b2b")
    assert order.attributes["shopify"]["company"] == {"id": "98765", "location_id": "43210"}


def test_an_amount_with_more_decimals_than_the_currency_is_refused() -> None:
    data = payload("shopify_order")
    data["line_items"][0]["price_set"]["shop_money"]["amount"] = "39.905"
    with pytest.raises(MappingError, match=r"line_items.0.price: '39.905' has more decimals than NOK allows"):
        shopify.map_order(data)


def test_a_refund_maps_lines_and_the_money_returned() -> None:
    refund = shopify.map_refund(payload("shopify_refund"), "NOK")
    assert (refund.external_id, refund.order_external_id, refund.amount, refund.reason) == (
        "1021000000001", "5820441297194", 8010, "Feil størrelse")
    assert refund.refunded_at == datetime(2026, 3, 20, 11, tzinfo=UTC)
    assert [(line.line_external_id, line.quantity, line.amount) for line in refund.lines] == [("14112000000003", 1, 8010)]


def test_a_refund_without_money_returns_quantities_only() -> None:
    refund = shopify.map_refund(payload("shopify_refund", transactions=[]), "NOK")
    assert refund.amount == 0 and [(line.quantity, line.amount) for line in refund.lines] == [(1, 0)]


def test_a_customer_maps_consents_and_keeps_left_out_fields_untouched() -> None:
    external_id, customer = shopify.map_customer(payload("shopify_customer"))
    assert external_id == "7390231773482"
    assert customer.model_fields_set == {"first_name", "last_name", "email", "phone", "country", "created_at",
                                         "email_consent", "sms_consent"}
    assert customer.sms_consent is not None and (customer.sms_consent.granted, customer.sms_consent.source) == (
        True, "shopify:single_opt_in")


def test_an_unsubscribed_customer_withdraws_and_pending_changes_nothing() -> None:
    _, unsubscribed = shopify.map_customer(payload("shopify_customer", email_marketing_consent={
        "state": "unsubscribed", "opt_in_level": "single_opt_in", "consent_updated_at": "2026-03-02T09:00:00+01:00"}))
    assert unsubscribed.email_consent is not None and unsubscribed.email_consent.granted is False
    _, pending = shopify.map_customer(payload("shopify_customer", email_marketing_consent={
        "state": "pending", "opt_in_level": "confirmed_opt_in", "consent_updated_at": None}))
    assert "email_consent" not in pending.model_fields_set


def test_an_abandoned_checkout_is_a_cart_event_with_its_recovery_url() -> None:
    event = shopify.map_checkout(payload("shopify_checkout"), "checkouts/create")
    assert event.name == "checkout_started" and event.customer.external_id == "7390231773482"
    assert event.recovery_url is not None and event.recovery_url.endswith("/recover?key=5e78c8fd0898957d")
    assert event.cart is not None and (event.cart.currency, event.cart.total) == ("NOK", 138800)
    assert [(item.sku, item.quantity, item.unit_price) for item in event.cart.items] == [
        ("TR-PRO-G3", 1, 129900), ("TB-4", 1, 8900)]
    assert shopify.map_checkout(payload("shopify_checkout"), "checkouts/update").name == "cart_updated"


def test_a_completed_or_anonymous_checkout_is_ignored() -> None:
    with pytest.raises(Ignored, match="completed"):
        shopify.map_checkout(payload("shopify_checkout", completed_at="2026-03-14T18:22:04+01:00"), "checkouts/update")
    with pytest.raises(Ignored, match="no customer"):
        shopify.map_checkout(payload("shopify_checkout", customer=None, email=None), "checkouts/create")
