"""The privacy log: one row per access (data export) or erasure of a customer's data, saying who
asked, when, through what, and what was done, and never holding the data itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lojal.db.base import Base, ShopScoped
from lojal.db.types import JSONType, UTCDateTime

PRIVACY_REQUEST_KINDS = ("access", "erasure")


class PrivacyRequest(ShopScoped, Base):
    __tablename__ = "privacy_requests"
    __table_args__ = (
        Index("ix_privacy_requests_shop_customer", "shop_id", "customer_id", "kind"),
        Index("ix_privacy_requests_shop_created", "shop_id", "created_at", "id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    """access (the data document was produced) or erasure."""
    customer_id: Mapped[int] = mapped_column(BigInteger)
    """Lojal's id of the customer; after an erasure it names an anonymous record."""
    source: Mapped[str] = mapped_column(String(32))
    """api, cli, shopify (a privacy webhook), admin."""
    actor: Mapped[str] = mapped_column(String(320))
    """Who asked: api:key-<id>, cli:<user>, shopify:<delivery key>, admin:<e-mail>."""
    reference: Mapped[str | None] = mapped_column(String(255))
    """The platform's id of the request (Shopify's data_request id), when there is one."""
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """Counts only: rows cleared per table (erasure) or rows per section (access)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
