"""What the API takes and gives for customers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from lojal.kit.validation import Country, Email, ExternalId, Phone, Tag


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    granted: bool
    at: AwareDatetime | None = None
    """When the customer gave or withdrew consent; defaults to the time Lojal receives it."""
    source: str | None = Field(default=None, max_length=100)


class CustomerFields(BaseModel):
    """Every field is optional: a field left out keeps its stored value."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    phone: Phone | None = None
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    locale: str | None = Field(default=None, max_length=16, pattern=r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$")
    birth_date: date | None = None
    country: Country | None = None
    company_name: str | None = Field(default=None, max_length=255)
    customer_group: str | None = Field(default=None, max_length=100)
    interests: list[Tag] | None = Field(default=None, max_length=100)
    attributes: dict[str, Any] | None = None
    email_consent: ConsentIn | None = None
    sms_consent: ConsentIn | None = None
    created_at: AwareDatetime | None = None


class CustomerIn(CustomerFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "kari.nordmann@example.no",
                    "phone": "+4791234567",
                    "first_name": "Kari",
                    "last_name": "Nordmann",
                    "locale": "nb-NO",
                    "birth_date": "1988-04-12",
                    "country": "NO",
                    "interests": ["tennis", "running"],
                    "customer_group": "frisør",
                    "company_name": "Klipp og Krøll AS",
                    "email_consent": {"granted": True, "at": "2026-01-05T10:00:00Z", "source": "checkout"},
                    "created_at": "2025-11-02T09:30:00+01:00",
                }
            ]
        },
    )


class CustomerRef(CustomerFields):
    """The customer an order, refund or event belongs to: by the shop's id, or by e-mail
    (which finds or creates a guest customer). Other fields update the customer."""

    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _needs_a_key(self) -> CustomerRef:
        if self.external_id is None and self.email is None:
            raise ValueError("a customer needs external_id or email")
        return self


class BulkCustomerIn(CustomerIn):
    external_id: ExternalId


class CustomerOut(BaseModel):
    id: int
    external_id: str | None
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    locale: str | None
    birth_date: date | None
    country: str | None
    company_name: str | None
    customer_group: str | None
    interests: list[str]
    attributes: dict[str, Any]
    email_consent: bool | None
    email_consent_at: datetime | None
    email_consent_source: str | None
    sms_consent: bool | None
    sms_consent_at: datetime | None
    sms_consent_source: str | None
    is_guest: bool
    created_at: datetime
    updated_at: datetime
    order_count: int
    first_order_at: datetime | None
    last_order_at: datetime | None
    total_spent: int
    average_order_value: int
    currency: str

    model_config = ConfigDict(from_attributes=True)
