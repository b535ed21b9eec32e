"""A shop's customer, with consents, interests, B2B group and the aggregates kept on ingestion."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from lojal.db.base import Base, ShopScoped
from lojal.db.types import BigIntegerId, JSONType, UTCDateTime


class Customer(ShopScoped, Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index("uq_customers_shop_external", "shop_id", "external_id", unique=True),
        Index(
            "uq_customers_shop_email",
            "shop_id",
            "email",
            unique=True,
            sqlite_where=text("email IS NOT NULL"),
            postgresql_where=text("email IS NOT NULL"),
        ),
        Index("ix_customers_shop_updated", "shop_id", "updated_at", "id"),
        Index("ix_customers_shop_customer_group", "shop_id", "customer_group"),
    )

    shop_id: Mapped[int] = mapped_column(BigIntegerId, primary_key=True)  # no key to shops: migration 0006
    external_id: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(16))
    birth_date: Mapped[date | None] = mapped_column(Date)
    country: Mapped[str | None] = mapped_column(String(2))
    company_name: Mapped[str | None] = mapped_column(String(255))
    customer_group: Mapped[str | None] = mapped_column(String(100))
    interests: Mapped[list[str]] = mapped_column(JSONType, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    email_consent: Mapped[bool | None] = mapped_column()
    email_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_consent_source: Mapped[str | None] = mapped_column(String(100))
    sms_consent: Mapped[bool | None] = mapped_column()
    sms_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_consent_source: Mapped[str | None] = mapped_column(String(100))
    is_guest: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When the customer was created in the shop (or first seen, for guests)."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When Lojal last changed this record."""
    order_count: Mapped[int] = mapped_column(BigInteger, default=0)
    first_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    """Net of refunds, in the shop's currency, minor units; cancelled orders excluded."""
    average_order_value: Mapped[int] = mapped_column(BigInteger, default=0)


class CustomerTombstone(Base):
    """An erased customer's former keys (the shop's id and the e-mail), as keyed hashes: a replayed
    order or customer webhook finds the erased record instead of bringing the person back."""

    __tablename__ = "customer_tombstones"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
