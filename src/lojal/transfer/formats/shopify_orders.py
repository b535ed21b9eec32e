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
from lojal.transfer.formats.base import Context, LineMappingError, order_sums
from lojal.transfer.values import amount, cell, flag, moment, quantity, tags

ORDER_COLUMNS = ("Currency", "Id", "Name", "Created at", "Shipping", "Taxes", "Total", "Subtotal", "Cancelled at",
                 "Paid at", "Fulfilled at", "Financial Status", "Fulfillment Status", "Discount Code", "Tags", "Source",
                 "Discount Amount", "Refunded Amount", "Email", "Billing Name", "Shipping Name", "Accepts Marketing",
                 "Phone", "Billing Phone", "Shipping Phone", "Billing Company", "Billing Country")
"""The order-level columns, read once from the order's first row."""


def _filled(row: dict[str, str], columns: tuple[str, ...]) -> dict[str, str]:
    """The row's non-blank cells among ``columns``, stripped (``cell()`` for many columns at once)."""
    found = {}
    for column in columns:
        value = row.get(column)
        if value and (value := value.strip()):
            found[column] = value
    return found


class ShopifyOrders:
    kind = "order"
    required = ("Name", "Lineitem quantity", "Lineitem price", "Total", "Created at")

    def key(self, row: dict[str, str]) -> str | None:
        return cell(row, "Name")

    def map(self, rows: list[tuple[int, dict[str, str]]], context: Context) -> list[dict[str, Any]]:
        first = _filled(rows[0][1], ORDER_COLUMNS)
        get = first.get
        currency = (get("Currency") or context.currency).upper()
        external_id = _order_id(get("Id")) or get("Name")
        placed_at = moment(get("Created at"), "Created at", context.zone)
        if placed_at is None:
            raise MappingError("the order's first row has no Created at", "Created at")
        lines = [_line(line, row, currency, context) for line, row in rows]
        money = lambda column: amount(get(column), currency, column, decimal_comma=context.decimal_comma)  # noqa: E731
        shipping, tax, total, subtotal = money("Shipping"), money("Taxes"), money("Total"), money("Subtotal")
        taxes_included = tax > 0 and subtotal + shipping == total
        cancelled_at = moment(get("Cancelled at"), "Cancelled at", context.zone)
        paid_at = moment(get("Paid at"), "Paid at", context.zone)
        fulfilled_at = moment(get("Fulfilled at"), "Fulfilled at", context.zone)
        financial, fulfillment = _lower(get("Financial Status")), _lower(get("Fulfillment Status"))
        status = order_status(financial, fulfillment, cancelled_at)
        order = {
            "type": "order", "external_id": external_id, "order_number": get("Name"),
            "customer": _customer(first, placed_at), "placed_at": placed_at, "currency": currency,
            "status": status, "discount_codes": tags(get("Discount Code"))[:50],
            "paid_at": paid_at if status in ("paid", "fulfilled") else None,
            "fulfilled_at": fulfilled_at if status == "fulfilled" else None,
            "cancelled_at": cancelled_at if status == "cancelled" else None,
            "attributes": mapping.compact({"source": "shopify-csv", "shopify": mapping.compact({
                "financial_status": financial, "fulfillment_status": fulfillment,
                "tags": get("Tags"), "source_name": get("Source"),
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


LINE_COLUMNS = ("Lineitem quantity", "Lineitem price", "Lineitem discount", "Lineitem sku", "Lineitem name")


def _line(line: int, row: dict[str, str], currency: str, context: Context) -> dict[str, Any]:
    """A line item as a bulk record (what ``LineItem.as_record`` makes), its errors naming ``line``."""
    cells = _filled(row, LINE_COLUMNS)
    get = cells.get
    try:
        decimal_comma = context.decimal_comma
        count = quantity(get("Lineitem quantity"), "Lineitem quantity", decimal_comma=decimal_comma)
        unit = amount(get("Lineitem price"), currency, "Lineitem price", decimal_comma=decimal_comma)
        discount = amount(get("Lineitem discount"), currency, "Lineitem discount", decimal_comma=decimal_comma)
        total = count * unit - discount
        if total < 0:
            raise MappingError(f"the line's discount {discount} is more than {count} x {unit}", "discount")
    except MappingError as error:
        message = str(error).removeprefix(f"{error.field}: ") if error.field else str(error)
        raise LineMappingError(message, error.field, line) from error
    record: dict[str, Any] = {}
    if sku := get("Lineitem sku"):  # stripped and not blank: mapping.text() would only cut it
        record["sku"] = sku[:255]
    if name := get("Lineitem name"):
        record["name"] = name[:500]
    record.update(quantity=count, unit_price=unit, discount=discount, total=total)
    return record


def _customer(first: dict[str, str], placed_at: Any) -> dict[str, Any]:
    """From the first row's filled cells (``_filled``)."""
    get = first.get
    email = mapping.email(get("Email"))
    if email is None:
        raise MappingError("the order has no valid Email, so it belongs to nobody in Lojal", "Email")
    first_name, last_name = _split_name(get("Billing Name") or get("Shipping Name"))
    accepts = flag(get("Accepts Marketing"), "Accepts Marketing")
    customer: dict[str, Any] = mapping.compact({
        "email": email, "first_name": first_name, "last_name": last_name,
        "phone": mapping.phone(get("Phone"), get("Billing Phone"), get("Shipping Phone")),
        "company_name": mapping.text(get("Billing Company"), 255),
        "country": mapping.country(get("Billing Country")),
    })
    if accepts is not None:
        customer["email_consent"] = {"granted": accepts, "at": placed_at, "source": "shopify-csv"}
    return customer


def _split_name(name: str | None) -> tuple[str | None, str | None]:
    if not name:
        return None, None
    first, _, last = name.strip().rpartition(" ")
    return (first[:200] or last[:200], last[:200] if first else None)
