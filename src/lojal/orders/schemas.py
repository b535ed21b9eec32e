"""What the API takes and gives for orders and refunds.

Amounts are integer minor units in the order's currency. The sums must add up:
``line.total = quantity * unit_price - line.discount``; ``subtotal = sum(line.total)``;
``total = subtotal - discount_total + shipping_total + tax_total`` (without ``tax_total`` when
``taxes_included``, as for Norwegian prices with VAT)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from lojal.customers.schemas import CustomerRef
from lojal.errors import ValidationFailed
from lojal.kit.validation import Currency, Email, ExternalId, MinorUnits

OrderStatus = Literal["placed", "paid", "fulfilled", "cancelled"]


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId | None = None
    """The shop's id of the line; refunds name it. Defaults to the line's position (1, 2...)."""
    product_external_id: ExternalId | None = None
    variant_external_id: ExternalId | None = None
    sku: str | None = Field(default=None, max_length=255)
    name: str | None = Field(default=None, max_length=500)
    quantity: int = Field(gt=0, le=1_000_000, strict=True)
    unit_price: MinorUnits
    discount: MinorUnits = 0
    total: MinorUnits


ORDER_EXAMPLE = {
    "order_number": "#10234",
    "customer": {"external_id": "c-981", "email": "kari.nordmann@example.no", "first_name": "Kari"},
    "placed_at": "2026-03-14T18:22:05+01:00",
    "currency": "NOK",
    "status": "paid",
    "subtotal": 53880,
    "discount_total": 5000,
    "shipping_total": 4900,
    "tax_total": 10756,
    "taxes_included": True,
    "total": 53780,
    "discount_codes": ["VAR10"],
    "lines": [
        {"external_id": "l-1", "product_external_id": "p-100", "sku": "KF-4-100",
         "name": "Kaffefilter str. 4", "quantity": 2, "unit_price": 3990, "discount": 0,
         "total": 7980},
        {"external_id": "l-2", "product_external_id": "p-230", "sku": "TR-PRO",
         "name": "Tennisracket Pro", "quantity": 1, "unit_price": 45900, "discount": 0,
         "total": 45900},
    ],
}


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ORDER_EXAMPLE]})

    order_number: str | None = Field(default=None, max_length=100)
    customer: CustomerRef | None = None
    email: Email | None = None
    """For a guest order without ``customer``: finds or creates the customer by e-mail."""
    placed_at: AwareDatetime
    currency: Currency
    status: OrderStatus = "placed"
    discount_codes: list[str] = Field(default_factory=list, max_length=50)
    paid_at: AwareDatetime | None = None
    fulfilled_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    """The shop's last-modified time; an update older than the stored one is ignored."""
    attributes: dict[str, Any] = Field(default_factory=dict)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=1000)
    subtotal: MinorUnits
    """The sum of the lines' totals."""
    discount_total: MinorUnits = 0
    """Order-level discounts not already in the lines."""
    shipping_total: MinorUnits = 0
    tax_total: MinorUnits = 0
    taxes_included: bool = False
    """True when prices include VAT (tax_total is then informational, not added)."""
    total: MinorUnits


def check_consistency(order: OrderIn) -> None:
    """What the fields say together, checked after each field is valid on its own (one pass in
    Python instead of a validator per field and line: this runs on every line of a bulk file).
    Gives lines without an ``external_id`` their position (1, 2...) as id."""
    if order.email is None and order.customer is None:
        raise ValidationFailed("email: an order needs a customer (external_id or email) or a guest email",
                               field="email")
    seen: set[str] = set()
    line_sum = 0
    for index, line in enumerate(order.lines):
        if line.external_id is None:
            line.external_id = str(index + 1)
        if line.external_id in seen:
            raise ValidationFailed(f"lines: line external_id {line.external_id!r} appears twice", field="lines")
        seen.add(line.external_id)
        expected = line.quantity * line.unit_price - line.discount
        if line.total != expected:
            raise ValidationFailed(f"lines.{index}.total: total {line.total} is not quantity x unit_price - discount"
                                   f" = {expected}", field=f"lines.{index}.total")
        line_sum += line.total
    if order.subtotal != line_sum:
        raise ValidationFailed(f"subtotal: subtotal {order.subtotal} is not the sum of the line totals {line_sum}",
                               field="subtotal")
    tax = 0 if order.taxes_included else order.tax_total
    expected_total = order.subtotal - order.discount_total + order.shipping_total + tax
    if order.total != expected_total:
        raise ValidationFailed(f"total: total {order.total} is not subtotal - discount_total + shipping_total"
                               f"{'' if order.taxes_included else ' + tax_total'} = {expected_total}", field="total")


class BulkOrderIn(OrderIn):
    external_id: ExternalId


class RefundLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_external_id: ExternalId
    quantity: int = Field(ge=0, strict=True)
    amount: MinorUnits


class RefundIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "r-551",
                    "order_external_id": "o-10234",
                    "refunded_at": "2026-03-20T12:00:00+01:00",
                    "reason": "Feil størrelse",
                    "lines": [{"line_external_id": "l-1", "quantity": 1, "amount": 3990}],
                    "amount": 3990,
                }
            ]
        },
    )

    external_id: ExternalId
    order_external_id: ExternalId
    refunded_at: AwareDatetime
    amount: MinorUnits | None = None
    """The money returned; defaults to the sum of the lines' amounts. May include shipping."""
    currency: Currency | None = None
    reason: str | None = Field(default=None, max_length=2000)
    lines: list[RefundLineIn] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _has_an_amount(self) -> RefundIn:
        if self.amount is None:
            if not self.lines:
                raise ValueError("a refund needs an amount or lines")
            self.amount = sum(line.amount for line in self.lines)
        return self


class OrderLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    product_external_id: str | None
    variant_external_id: str | None
    sku: str | None
    name: str | None
    quantity: int
    unit_price: int
    discount: int
    total: int
    refunded_quantity: int
    refunded_amount: int


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    order_number: str | None
    customer_id: int
    customer_external_id: str | None = None
    email: str | None
    placed_at: datetime
    currency: str
    status: str
    subtotal: int
    discount_total: int
    shipping_total: int
    tax_total: int
    taxes_included: bool
    total: int
    refunded_total: int
    net_total: int
    discount_codes: list[str]
    paid_at: datetime | None
    fulfilled_at: datetime | None
    cancelled_at: datetime | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    lines: list[OrderLineOut] = []


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    order_id: int
    order_external_id: str
    amount: int
    currency: str
    reason: str | None
    refunded_at: datetime
    order_refunded_total: int
    order_net_total: int
