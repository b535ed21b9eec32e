"""What the privacy endpoints answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class CustomerDataDocument(BaseModel):
    """Everything Lojal holds about one customer. Rows carry every column Lojal stores."""

    format: str = Field(examples=["lojal.customer-data/1"])
    generated_at: datetime
    shop: dict[str, Any]
    erased_at: datetime | None
    customer: dict[str, Any]
    consents: dict[str, Any]
    orders: list[dict[str, Any]] = Field(description="With their lines")
    refunds: list[dict[str, Any]] = Field(description="With their lines")
    events: list[dict[str, Any]] = Field(description="Carts, checkouts, product views and custom events")
    activity: list[dict[str, Any]] = Field(description="Lojal's own domain events about the customer")
    loyalty: dict[str, Any] = Field(description="account, ledger, lots, redemptions")
    predictions: dict[str, Any] | None
    privacy_requests: list[dict[str, Any]]


class PrivacyRequestOut(BaseModel):
    id: int
    kind: str
    customer_id: int
    source: str
    actor: str
    reference: str | None
    summary: dict[str, int]
    created_at: datetime


class ErasureOut(BaseModel):
    customer_id: int
    erased_at: datetime
    privacy_request_id: int
    summary: dict[str, int] = Field(description="Rows whose personal data was cleared, per kind")
