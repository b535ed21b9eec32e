"""What the outgoing-webhook endpoints take and answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"url": "https://crm.example.com/hooks/lojal", "event_types": ["order.paid", "points.*", "tier.changed"],
         "description": "CRM: paid orders and club changes"}]})

    url: str = Field(max_length=2000, examples=["https://crm.example.com/hooks/lojal"])
    event_types: list[str] = Field(min_length=1, max_length=50, examples=[["order.paid", "customer.*"]])
    description: str | None = Field(default=None, max_length=200)


class SubscriptionOut(BaseModel):
    id: int
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: datetime


class CreatedSubscriptionOut(SubscriptionOut):
    secret: str = Field(description="Signs every delivery. Shown once: store it with the receiver now.")


class DeliveryOut(BaseModel):
    id: int
    subscription_id: int
    domain_event_id: int
    event_type: str
    status: str = Field(description="pending, retrying, delivered, dead, cancelled")
    attempts: int
    last_status_code: int | None
    last_response_excerpt: str | None
    last_error: str | None
    last_duration_ms: int | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
