"""What the integrations API takes and gives. A secret goes in and never comes back out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Platform = Literal["shopify", "woocommerce"]
PLATFORMS: tuple[str, ...] = ("shopify", "woocommerce")
DeliveryStatus = Literal["received", "applied", "recorded", "ignored", "failed"]


class SecretIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"secret": "0f3c...e91a"}]})

    secret: str = Field(min_length=8, max_length=500, pattern=r"^\S(.*\S)?$")
    """Shopify: the key shown under Settings > Notifications > Webhooks ("Your webhooks will be
    signed with ..."), or the app's client secret. WooCommerce: the webhook's Secret field."""


class ConnectionOut(BaseModel):
    platform: Platform
    connected: bool
    secret_set: bool
    """Whether a secret is stored; the secret itself is never shown."""
    connected_at: datetime | None
    webhook_url: str
    """Paste this into the platform as the webhook's delivery URL."""
    topics: list[str]


class DeliveryOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    key: str
    platform: Platform
    topic: str
    status: DeliveryStatus
    reason: str | None = None
    problems: list[str] = []
    result: dict[str, Any] = {}
    webhook_id: str | None = None
    event_id: str | None = None
    received_at: datetime
    finished_at: datetime | None = None


class WebhookAnswer(BaseModel):
    """What Lojal answers a platform: 200 whenever the delivery is verified, so it is not sent
    again; what became of it is in the delivery list (GET /api/v1/integrations/deliveries)."""

    status: Literal["accepted", "pong"]
