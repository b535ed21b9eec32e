"""Shopify's customers export (Admin > Customers > Export): one row per customer.

``Customer ID`` is the external id (the webhooks' id too). ``Accepts Email Marketing`` and
``Accepts SMS Marketing`` become consents (source ``shopify-csv``); ``Tags`` become interests;
``Default Address Company`` the company, its country code the country. ``Total Spent`` and
``Total Orders`` are not taken: the hub computes them from the orders (import the orders export)."""

from __future__ import annotations

from typing import Any

from lojal.integrations import mapping
from lojal.integrations.mapping import MappingError
from lojal.transfer.formats.base import Context
from lojal.transfer.values import cell, flag, tags


class ShopifyCustomers:
    kind = "customer"
    required = ("Customer ID", "Email")

    def key(self, row: dict[str, str]) -> str | None:
        value = cell(row, "Customer ID")
        return value.lstrip("'") if value else None

    def map(self, rows: list[tuple[int, dict[str, str]]], context: Context) -> list[dict[str, Any]]:
        return [customer_record(row, self.key(row), context) for _, row in rows]


def customer_record(row: dict[str, str], external_id: str | None, context: Context) -> dict[str, Any]:
    raw_email = cell(row, "Email")
    email = mapping.email(raw_email)
    if raw_email and email is None:
        raise MappingError(f"not an e-mail address: {raw_email!r}", "Email")
    record: dict[str, Any] = {"type": "customer", "external_id": external_id, **mapping.compact({
        "email": email,
        "first_name": mapping.text(cell(row, "First Name"), 200),
        "last_name": mapping.text(cell(row, "Last Name"), 200),
        "phone": mapping.phone(cell(row, "Phone"), cell(row, "Default Address Phone")),
        "company_name": mapping.text(cell(row, "Default Address Company"), 255),
        "country": mapping.country(cell(row, "Default Address Country Code")),
        "interests": tags(cell(row, "Tags")),
    })}
    for column, name in (("Accepts Email Marketing", "email_consent"), ("Accepts SMS Marketing", "sms_consent")):
        granted = flag(cell(row, column), column)
        if granted is not None:
            record[name] = {"granted": granted, "source": "shopify-csv"}
    return record
