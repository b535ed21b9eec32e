"""Products and their variants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lojal.db.base import Base, ShopScoped
from lojal.db.types import JSONType, UTCDateTime


class Product(ShopScoped, Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("uq_products_shop_external", "shop_id", "external_id", unique=True),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(500))
    sku: Mapped[str | None] = mapped_column(String(255))
    category_path: Mapped[list[str]] = mapped_column(JSONType, default=list)
    brand: Mapped[str | None] = mapped_column(String(255))
    price: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    cost: Mapped[int | None] = mapped_column(BigInteger)
    consumable: Mapped[bool] = mapped_column(default=False)
    days_of_use: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(2000))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProductVariant(ShopScoped, Base):
    __tablename__ = "product_variants"
    __table_args__ = (
        ForeignKeyConstraint(["shop_id", "product_id"], ["products.shop_id", "products.id"]),
        Index("uq_product_variants_shop_external", "shop_id", "external_id", unique=True),
        Index("ix_product_variants_shop_sku", "shop_id", "sku"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger)
    external_id: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(500))
    price: Mapped[int | None] = mapped_column(BigInteger)
    cost: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
