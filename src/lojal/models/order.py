"""Orders with their lines, and refunds with theirs. An order's net value follows its refunds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lojal.db.base import Base, ShopScoped
from lojal.db.types import BigIntegerId, JSONType, UTCDateTime

ORDER_STATUSES = ("placed", "paid", "fulfilled", "cancelled")


class Order(ShopScoped, Base):
    __tablename__ = "orders"
    __table_args__ = (  # no key to customers, checked row by row: migration 0007
        Index("uq_orders_shop_external", "shop_id", "external_id", unique=True),
        Index("ix_orders_shop_customer_placed", "shop_id", "customer_id", "placed_at"),
        Index("ix_orders_shop_placed", "shop_id", "placed_at", "id"),
    )

    shop_id: Mapped[int] = mapped_column(BigIntegerId, primary_key=True)  # no key to shops: migration 0006
    external_id: Mapped[str] = mapped_column(String(255))
    order_number: Mapped[str | None] = mapped_column(String(100))
    customer_id: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str | None] = mapped_column(String(320))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount_total: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_total: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_total: Mapped[int] = mapped_column(BigInteger, default=0)
    taxes_included: Mapped[bool] = mapped_column(default=False)
    total: Mapped[int] = mapped_column(BigInteger)
    refunded_total: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(32), default="api")
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def net_total(self) -> int:
        return self.total - self.refunded_total


class OrderLine(ShopScoped, Base):
    __tablename__ = "order_lines"
    __table_args__ = (  # no key to orders, checked row by row: migration 0007
        Index("uq_order_lines_order_external", "shop_id", "order_id", "external_id", unique=True),
        Index("ix_order_lines_shop_product", "shop_id", "product_id"),
    )

    shop_id: Mapped[int] = mapped_column(BigIntegerId, primary_key=True)  # no key to shops: migration 0006
    order_id: Mapped[int] = mapped_column(BigInteger)
    external_id: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(BigInteger)
    variant_id: Mapped[int | None] = mapped_column(BigInteger)
    product_external_id: Mapped[str | None] = mapped_column(String(255))
    variant_external_id: Mapped[str | None] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(500))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)


class Refund(ShopScoped, Base):
    __tablename__ = "refunds"
    __table_args__ = (
        ForeignKeyConstraint(["shop_id", "order_id"], ["orders.shop_id", "orders.id"]),
        Index("uq_refunds_shop_external", "shop_id", "external_id", unique=True),
        Index("ix_refunds_shop_order", "shop_id", "order_id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255))
    order_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(Text)
    refunded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RefundLine(ShopScoped, Base):
    __tablename__ = "refund_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["shop_id", "refund_id"], ["refunds.shop_id", "refunds.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["shop_id", "order_line_id"], ["order_lines.shop_id", "order_lines.id"]
        ),
        Index("ix_refund_lines_shop_refund", "shop_id", "refund_id"),
        Index("ix_refund_lines_shop_order_line", "shop_id", "order_line_id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    refund_id: Mapped[int] = mapped_column(BigInteger)
    order_line_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
