"""Behaviour events sent by the shop, and domain events Lojal records about its own changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from lojal.db.base import Base, ShopScoped
from lojal.db.types import BigIntegerId, JSONType, UTCDateTime

CUSTOMER_EVENT_TYPES = ("cart_updated", "checkout_started", "product_viewed", "custom")


class CustomerEvent(ShopScoped, Base):
    """Something a customer did in the shop: a cart, a checkout, a product view, a custom event."""

    __tablename__ = "customer_events"
    __table_args__ = (
        Index(
            "uq_customer_events_shop_external",
            "shop_id",
            "external_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL"),
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index("ix_customer_events_shop_customer_occurred", "shop_id", "customer_id", "occurred_at"),
        Index("ix_customer_events_shop_type_occurred", "shop_id", "type", "occurred_at"),
    )

    shop_id: Mapped[int] = mapped_column(BigIntegerId, primary_key=True)  # no key to shops: migration 0006
    external_id: Mapped[str | None] = mapped_column(String(255))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    properties: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    cart: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    recovery_url: Mapped[str | None] = mapped_column(String(2000))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DomainEvent(ShopScoped, Base):
    """``order.paid``, ``customer.created``...: recorded in the transaction of the change that
    caused it; a ``events.dispatch`` job (enqueued in the same transaction) fans it out."""

    __tablename__ = "domain_events"
    __table_args__ = (Index("ix_domain_events_shop_customer", "shop_id", "customer_id"),)

    shop_id: Mapped[int] = mapped_column(BigIntegerId, primary_key=True)  # no key to shops: migration 0006
    type: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # json, not jsonb: migration 0008
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
