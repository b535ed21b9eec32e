"""WooCommerce orders as the "Advanced Order Export For WooCommerce" plugin (AlgolPlus, the most
used order export) writes them with its default field labels, one row per item and the order's
fields repeated (or only on the first row; both are read). The columns read:

``Order ID`` (or ``Order Number``), ``Order Number``, ``Order Status``, ``Order Date``,
``Customer User ID``, ``Email (Billing)``, ``First Name (Billing)``, ``Last Name (Billing)``,
``Company (Billing)``, ``Phone (Billing)``, ``Country Code (Billing)``, ``Order Currency``,
``Cart Discount Amount``, ``Order Shipping Amount``, ``Order Total Tax Amount``,
``Order Total Amount``, ``Order Refund Amount``, ``Coupon Code``, ``Item #``, ``Item Name``,
``SKU``, ``Product Id``, ``Variation Id``, ``Quantity``, ``Item Cost`` (the unit price before
coupons, without tax, as WooCommerce stores it).

WooCommerce keeps line prices without tax, so the tax is added to the total; what the total
holds beyond items, shipping and tax is the coupons' discount. A guest order (``Customer User ID``
0 or blank) belongs to its billing e-mail."""

from __future__ import annotations

from typing import Any

from lojal.integrations import mapping
from lojal.integrations.mapping import Ignored, MappingError
from lojal.integrations.woocommerce import order_status
from lojal.transfer.formats.base import Context, LineItem, on_line, order_sums
from lojal.transfer.values import amount, cell, moment, quantity, tags


class WooCommerceOrders:
    kind = "order"
    required = ("Order Number", "Order Date", "Quantity", "Item Cost", "Order Total Amount")

    def key(self, row: dict[str, str]) -> str | None:
        return cell(row, "Order ID") or cell(row, "Order Number")

    def map(self, rows: list[tuple[int, dict[str, str]]], context: Context) -> list[dict[str, Any]]:
        first = rows[0][1]
        currency = (cell(first, "Order Currency") or context.currency).upper()
        external_id = self.key(first)
        placed_at = moment(cell(first, "Order Date"), "Order Date", context.zone)
        if placed_at is None:
            raise MappingError("the order has no Order Date", "Order Date")
        raw_status = (cell(first, "Order Status") or "").lower().removeprefix("wc-").replace(" ", "-")
        try:
            status = order_status(raw_status)
        except Ignored as error:
            raise MappingError(str(error), "Order Status") from error
        money = lambda column: amount(cell(first, column), currency, column, decimal_comma=context.decimal_comma)  # noqa: E731
        lines = [on_line(line, lambda row=row, position=position: _line(row, position, currency, context).as_record())
                 for position, (line, row) in enumerate(rows, start=1)]
        order = {
            "type": "order", "external_id": external_id, "order_number": cell(first, "Order Number"),
            "customer": _customer(first), "placed_at": placed_at, "currency": currency, "status": status,
            "discount_codes": tags(cell(first, "Coupon Code"))[:50],
            "attributes": {"source": "woocommerce-csv", "woocommerce": {"status": raw_status}},
            "lines": lines,
            **order_sums(lines, shipping=money("Order Shipping Amount"), tax=money("Order Total Tax Amount"),
                         taxes_included=False, total=money("Order Total Amount")),
        }
        records = [order]
        refunded = money("Order Refund Amount")
        if refunded:
            records.append({"type": "refund", "external_id": f"woocommerce-csv-refund-{external_id}",
                            "order_external_id": external_id, "refunded_at": placed_at, "amount": refunded,
                            "currency": currency, "reason": "Order Refund Amount in the WooCommerce export"})
        return records


def _line(row: dict[str, str], position: int, currency: str, context: Context) -> LineItem:
    return LineItem(
        external_id=cell(row, "Item #") or str(position),
        sku=mapping.text(cell(row, "SKU"), 255), name=mapping.text(cell(row, "Item Name"), 500),
        product_external_id=mapping.identifier(cell(row, "Product Id")),
        variant_external_id=mapping.identifier(cell(row, "Variation Id")),
        quantity=quantity(cell(row, "Quantity"), "Quantity", decimal_comma=context.decimal_comma),
        unit_price=amount(cell(row, "Item Cost"), currency, "Item Cost", decimal_comma=context.decimal_comma))


def _customer(first: dict[str, str]) -> dict[str, Any]:
    email = mapping.email(cell(first, "Email (Billing)"))
    user_id = mapping.identifier(cell(first, "Customer User ID"))
    if email is None and user_id is None:
        raise MappingError("a guest order without a valid billing e-mail belongs to nobody", "Email (Billing)")
    return mapping.compact({
        "external_id": user_id, "email": email,
        "first_name": mapping.text(cell(first, "First Name (Billing)"), 200),
        "last_name": mapping.text(cell(first, "Last Name (Billing)"), 200),
        "company_name": mapping.text(cell(first, "Company (Billing)"), 255),
        "phone": mapping.phone(cell(first, "Phone (Billing)")),
        "country": mapping.country(cell(first, "Country Code (Billing)")),
    })
