"""Outgoing webhooks: a shop's subscriptions (a URL and the domain event types it wants) and one
delivery per (subscription, domain event), with its attempts and last response."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lojal.db.base import Base, ShopScoped
from lojal.db.types import JSONType, UTCDateTime

DELIVERY_STATUSES = ("pending", "retrying", "delivered", "dead", "cancelled")


class WebhookSubscription(ShopScoped, Base):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_shop_active", "shop_id", "active"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    """Exact types (``order.paid``), a family (``order.*``) or everything (``*``)."""
    secret: Mapped[str] = mapped_column(String(100))
    """Signs the deliveries; shown once when the subscription is created."""
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDelivery(ShopScoped, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        ForeignKeyConstraint(["shop_id", "subscription_id"],
                             ["webhook_subscriptions.shop_id", "webhook_subscriptions.id"]),
        Index("uq_webhook_deliveries_event", "shop_id", "subscription_id", "domain_event_id", unique=True),
        Index("ix_webhook_deliveries_shop_created", "shop_id", "created_at", "id"),
        Index("ix_webhook_deliveries_shop_event", "shop_id", "domain_event_id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(BigInteger)
    domain_event_id: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    """pending, retrying, delivered, dead (gave up), cancelled (the subscription went away)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_response_excerpt: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
