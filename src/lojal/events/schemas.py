"""Behaviour events the shop sends: carts, checkouts, product views, custom events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lojal.customers.schemas import CustomerRef
from lojal.kit.validation import Currency, ExternalId, MinorUnits

STANDARD_EVENTS = ("cart_updated", "checkout_started", "product_viewed")
"""Event names with a meaning of their own; any other name is a custom event."""


class CartItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_external_id: ExternalId | None = None
    variant_external_id: ExternalId | None = None
    sku: str | None = Field(default=None, max_length=255)
    name: str | None = Field(default=None, max_length=500)
    quantity: int = Field(gt=0, strict=True)
    unit_price: MinorUnits


class CartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: Currency
    total: MinorUnits
    items: list[CartItemIn] = Field(default_factory=list, max_length=500)


class CustomerEventIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "evt-7781",
                    "name": "checkout_started",
                    "customer": {"email": "kari.nordmann@example.no"},
                    "occurred_at": "2026-03-14T18:02:00+01:00",
                    "cart": {"currency": "NOK", "total": 7980, "items": [
                        {"product_external_id": "p-100", "sku": "KF-4-100", "quantity": 2,
                         "unit_price": 3990}]},
                    "recovery_url": "https://butikk.example.no/cart/recover/abc123",
                }
            ]
        },
    )

    external_id: ExternalId | None = None
    """The shop's id of the event; an event sent again with the same id is stored once."""
    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:\- ]+$")
    """``cart_updated`` and ``checkout_started`` (with ``cart`` and ``recovery_url``),
    ``product_viewed`` (with ``product_external_id``), or any other name for a custom event
    (e.g. ``wishlist_added``)."""
    customer: CustomerRef
    occurred_at: AwareDatetime
    properties: dict[str, Any] = Field(default_factory=dict)
    product_external_id: ExternalId | None = Field(default=None, validate_default=True)
    cart: CartIn | None = Field(default=None, validate_default=True)
    recovery_url: str | None = Field(default=None, max_length=2000)

    @property
    def type(self) -> str:
        return self.name if self.name in STANDARD_EVENTS else "custom"

    @field_validator("cart")
    @classmethod
    def _cart_when_needed(cls, cart: CartIn | None, info: ValidationInfo) -> CartIn | None:
        if cart is None and info.data.get("name") in ("cart_updated", "checkout_started"):
            raise ValueError(f"a {info.data['name']} event needs a cart")
        return cart

    @field_validator("product_external_id")
    @classmethod
    def _product_when_viewed(cls, product: str | None, info: ValidationInfo) -> str | None:
        if product is None and info.data.get("name") == "product_viewed":
            raise ValueError("a product_viewed event needs product_external_id")
        return product


class CustomerEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    customer_id: int | None
    type: str
    name: str
    properties: dict[str, Any]
    cart: dict[str, Any] | None
    recovery_url: str | None
    occurred_at: datetime
    created_at: datetime
