"""WooCommerce's payloads mapped to the hub's inputs: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from lojal.integrations import woocommerce
from lojal.integrations.mapping import Ignored, MappingError, line_prices
from tests.integrations.helpers import payload

OSLO = ZoneInfo("Europe/Oslo")


def test_an_order_with_prices_including_vat_maps_exactly_to_ore() -> None:
    mapped = woocommerce.map_order(payload("woocommerce_order"), OSLO)
    order = mapped.order
    assert (mapped.external_id, order.order_number, order.status, order.currency) == ("727", "727", "paid", "NOK")
    assert order.placed_at == datetime(2026, 3, 14, 18, 28, 2, tzinfo=UTC)  # date_created_gmt
    assert order.paid_at == datetime(2026, 3, 14, 18, 28, 8, tzinfo=UTC)
    # lines with their VAT added back: 1 x 1499.00 less 149.90, 2 x 199.00 less 39.80
    assert [(line.external_id, line.product_external_id, line.variant_external_id, line.sku, line.quantity,
             line.unit_price, line.discount, line.total) for line in order.lines] == [
        ("315", "93", "101", "FS-TROLL-42", 1, 149900, 14990, 134910),
        ("316", "94", None, "US-2PK", 2, 19900, 3980, 35820),
    ]
    assert (order.subtotal, order.discount_total, order.shipping_total, order.tax_total, order.taxes_included,
            order.total) == (170730, 0, 7900, 35726, True, 178630)
    assert order.discount_codes == ["var10"]


def test_a_guest_order_is_found_by_its_billing_email() -> None:
    customer = woocommerce.map_order(payload("woocommerce_order"), OSLO).order.customer
    assert customer is not None and customer.external_id is None
    assert (customer.email, customer.first_name, customer.phone, customer.country) == (
        "per.hansen@example.no", "Per", "+4791234568", "NO")


def test_a_registered_customers_order_names_the_customer() -> None:
    customer = woocommerce.map_order(payload("woocommerce_order", customer_id=25), OSLO).order.customer
    assert customer is not None and (customer.external_id, customer.email) == ("25", "per.hansen@example.no")


def test_prices_without_vat_keep_lines_net_and_add_the_tax() -> None:
    order = woocommerce.map_order(payload("woocommerce_order", prices_include_tax=False), OSLO).order
    assert [(line.unit_price, line.discount, line.total) for line in order.lines] == [
        (119920, 11992, 107928), (15920, 3184, 28656)]
    assert (order.subtotal, order.shipping_total, order.tax_total, order.taxes_included, order.total) == (
        136584, 6320, 35726, False, 178630)


@pytest.mark.parametrize(("status", "expected"), [
    ("pending", "placed"), ("on-hold", "placed"), ("processing", "paid"), ("completed", "fulfilled"),
    ("cancelled", "cancelled"), ("refunded", "paid"), ("failed", "cancelled"), ("a-plugin-status", "placed"),
])
def test_statuses_become_the_hubs(status: str, expected: str) -> None:
    assert woocommerce.order_status(status) == expected


def test_a_draft_checkout_is_not_an_order() -> None:
    with pytest.raises(Ignored, match="checkout-draft"):
        woocommerce.map_order(payload("woocommerce_order", status="checkout-draft"), OSLO)


def test_refunds_in_the_order_become_refunds_dated_by_the_orders_last_change() -> None:
    data = payload("woocommerce_order", status="refunded", date_modified_gmt="2026-03-20T11:00:00",
                   refunds=[{"id": 812, "reason": "Feil størrelse", "total": "-358.20"},
                            {"id": 813, "reason": "", "total": "-1428.10"}])
    refunds = woocommerce.map_order(data, OSLO).refunds
    assert [(refund.external_id, refund.order_external_id, refund.amount, refund.reason, refund.lines)
            for refund in refunds] == [("812", "727", 35820, "Feil størrelse", []), ("813", "727", 142810, None, [])]
    assert refunds[0].refunded_at == datetime(2026, 3, 20, 11, tzinfo=UTC)


def test_fees_and_negative_fees_balance_the_total() -> None:
    with_fee = woocommerce.map_order(payload("woocommerce_order", total="1836.30"), OSLO).order
    assert (with_fee.shipping_total, with_fee.attributes["woocommerce"]["other_charges"]) == (7900 + 5000, 5000)
    with_credit = woocommerce.map_order(payload("woocommerce_order", total="1736.30"), OSLO).order
    assert (with_credit.discount_total, with_credit.total) == (5000, 173630)


def test_a_date_without_gmt_is_read_in_the_shops_time_zone() -> None:
    order = woocommerce.map_order(payload("woocommerce_order", date_created_gmt=None), OSLO).order
    assert order.placed_at == datetime(2026, 3, 14, 19, 28, 2, tzinfo=OSLO)


def test_a_customer_maps_and_a_local_phone_number_is_left_out() -> None:
    external_id, customer = woocommerce.map_customer(payload("woocommerce_customer"), OSLO)
    assert external_id == "25"
    assert customer.model_dump(exclude_unset=True) == {
        "email": "ingrid.berg@example.no", "first_name": "Ingrid", "last_name": "Berg", "country": "NO",
        "company_name": "Berg Frisør AS", "created_at": datetime(2026, 2, 1, 9, 15, tzinfo=UTC)}


def test_an_uneven_line_rounds_the_unit_up_and_the_discount_absorbs_it() -> None:
    assert line_prices(1000, 900, 3, "line") == (334, 102)
    with pytest.raises(MappingError, match="more than its subtotal"):
        line_prices(1000, 1100, 1, "line")
