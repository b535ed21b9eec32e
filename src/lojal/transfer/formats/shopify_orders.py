"""Shopify's orders export (Admin > Orders > Export, "CSV for Excel, Numbers or other
spreadsheet programs"): one row per line item; the order's own columns (``Email``, ``Financial
Status``, ``Total``...) only on its first row, ``Name`` on every row.

The order's external id is Shopify's ``Id`` (the same id the webhooks use, so a file and the
webhooks converge on one order), or its ``Name`` when the file has no ``Id``. The customer is found
by e-mail (the export has no customer id; a customers import links e-mail to Shopify's customer).
``Refunded Amount`` becomes one refund of the whole amount (the export has no refund date: it
is dated at the order's last known time)."""

from __future__ import annotations

from typing import Any

from lojal.integrations import mapping
from lojal.integrations.mapping import MappingError
from lojal.integrations.shopify import order_status
from lojal.transfer.formats.base import Context, LineItem, on_line, order_sums
from lojal.transfer.values import amount, cell, flag, moment, quantity, tags


class ShopifyOrders:
    kind = "order"
    required = ("Name", "Lineitem quantity", "Lineitem price", "Total", "Created at")

    def key(self, row: dict[str, str]) -> str | None:
        return cell(row, "Name")

    def map(self, rows: list[tuple[int, dict[str, str]]], context: Context) -> list[dict[str, Any]]:
        first = rows[0][1]
        currency = (cell(first, "Currency") or context.currency).upper()
        external_id = _order_id(cell(first, "Id")) or cell(first, "Name")
        placed_at = moment(cell(first, "Created at"), "Created at", context.zone)
        if placed_at is None:
            raise MappingError("the order's first row has no Created at", "Created at")
        lines = [on_line(line, lambda row=row: _line(row, currency, context).as_record()) for line, row in rows]
        money = lambda column: amount(cell(first, column), currency, column, decimal_comma=context.decimal_comma)  # noqa: E731
        shipping, tax, total, subtotal = money("Shipping"), money("Taxes"), money("Total"), money("Subtotal")
        taxes_included = tax > 0 and subtotal + shipping == total
        cancelled_at = moment(cell(first, "Cancelled at"), "Cancelled at", context.zone)
        paid_at = moment(cell(first, "Paid at"), "Paid at", context.zone)
        fulfilled_at = moment(cell(first, "Fulfilled at"), "Fulfilled at", context.zone)
        status = order_status(_lower(cell(first, "Financial Status")), _lower(cell(first, "Fulfillment Status")),
                              cancelled_at)
        order = {
            "type": "order", "external_id": external_id, "order_number": cell(first, "Name"),
            "customer": _customer(first, placed_at), "placed_at": placed_at, "currency": currency,
            "status": status, "discount_codes": [code for code in tags(cell(first, "Discount Code"))][:50],
            "paid_at": paid_at if status in ("paid", "fulfilled") else None,
            "fulfilled_at": fulfilled_at if status == "fulfilled" else None,
            "cancelled_at": cancelled_at if status == "cancelled" else None,
            "attributes": mapping.compact({"source": "shopify-csv", "shopify": mapping.compact({
                "financial_status": _lower(cell(first, "Financial Status")),
                "fulfillment_status": _lower(cell(first, "Fulfillment Status")),
                "tags": cell(first, "Tags"), "source_name": cell(first, "Source"),
                "discount_amount": money("Discount Amount") or None})}),
            "lines": lines, **order_sums(lines, shipping=shipping, tax=tax, taxes_included=taxes_included, total=total),
        }
        records = [order]
        refunded = money("Refunded Amount")
        if refunded:
            refunded_at = cancelled_at or fulfilled_at or paid_at or placed_at
            records.append({"type": "refund", "external_id": f"shopify-csv-refund-{external_id}",
                            "order_external_id": external_id, "refunded_at": refunded_at, "amount": refunded,
                            "currency": currency, "reason": "Refunded Amount in Shopify's orders export"})
        return records


def _order_id(value: str | None) -> str | None:
    """Shopify's order id; one Excel turned into ``4,50123E+12`` is lost, and the Name serves."""
    return value if value and value.isdigit() and value != "0" else None


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None


def _line(row: dict[str, str], currency: str, context: Context) -> LineItem:
    count = quantity(cell(row, "Lineitem quantity"), "Lineitem quantity", decimal_comma=context.decimal_comma)
    unit = amount(cell(row, "Lineitem price"), currency, "Lineitem price", decimal_comma=context.decimal_comma)
    discount = amount(cell(row, "Lineitem discount"), currency, "Lineitem discount", decimal_comma=context.decimal_comma)
    return LineItem(sku=mapping.text(cell(row, "Lineitem sku"), 255), name=mapping.text(cell(row, "Lineitem name"), 500),
                    quantity=count, unit_price=unit, discount=discount)


def _customer(first: dict[str, str], placed_at: Any) -> dict[str, Any]:
    email = mapping.email(cell(first, "Email"))
    if email is None:
        raise MappingError("the order has no valid Email, so it belongs to nobody in Lojal", "Email")
    first_name, last_name = _split_name(cell(first, "Billing Name") or cell(first, "Shipping Name"))
    accepts = flag(cell(first, "Accepts Marketing"), "Accepts Marketing")
    customer: dict[str, Any] = mapping.compact({
        "email": email, "first_name": first_name, "last_name": last_name,
        "phone": mapping.phone(cell(first, "Phone"), cell(first, "Billing Phone"), cell(first, "Shipping Phone")),
        "company_name": mapping.text(cell(first, "Billing Company"), 255),
        "country": mapping.country(cell(first, "Billing Country")),
    })
    if accepts is not None:
        customer["email_consent"] = {"granted": accepts, "at": placed_at, "source": "shopify-csv"}
    return customer


def _split_name(name: str | None) -> tuple[str | None, str | None]:
    if not name:
        return None, None
    first, _, last = name.strip().rpartition(" ")
    return (first[:200] or last[:200], last[:200] if first else None)
