"""Queries for products and variants."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lojal.db.upsert import insert_rows
from lojal.models import Product, ProductVariant

products = Product.__table__
variants = ProductVariant.__table__


def find_products(session: Session, shop_id: int, external_ids: list[str]) -> dict[str, Any]:
    if not external_ids:
        return {}
    rows = session.execute(select(products).where(products.c.shop_id == shop_id,
                                                  products.c.external_id.in_(external_ids)))
    return {row.external_id: row for row in rows}


def variants_of(session: Session, shop_id: int, product_ids: list[int]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {product_id: [] for product_id in product_ids}
    if product_ids:
        rows = session.execute(select(variants).where(variants.c.shop_id == shop_id,
                                                      variants.c.product_id.in_(product_ids)))
        for row in rows:
            grouped[row.product_id].append(row)
    return grouped


def find_variants(session: Session, shop_id: int, external_ids: list[str]) -> dict[str, Any]:
    if not external_ids:
        return {}
    rows = session.execute(select(variants).where(variants.c.shop_id == shop_id,
                                                  variants.c.external_id.in_(external_ids)))
    return {row.external_id: row for row in rows}


def insert(session: Session, product_rows: list[dict[str, Any]], variant_rows: list[dict[str, Any]]) -> None:
    insert_rows(session, products, product_rows)
    insert_rows(session, variants, variant_rows)


def update_product(session: Session, shop_id: int, product_id: int, values: dict[str, Any]) -> None:
    session.execute(update(products).where(products.c.shop_id == shop_id, products.c.id == product_id).values(**values))


def update_variant(session: Session, shop_id: int, variant_id: int, values: dict[str, Any]) -> None:
    session.execute(update(variants).where(variants.c.shop_id == shop_id, variants.c.id == variant_id).values(**values))


def delete_variants(session: Session, shop_id: int, variant_ids: list[int]) -> None:
    if variant_ids:
        session.execute(delete(variants).where(variants.c.shop_id == shop_id, variants.c.id.in_(variant_ids)))


def get(session: Session, shop_id: int, product_id: int) -> Product | None:
    return session.get(Product, (shop_id, product_id))


def page(session: Session, shop_id: int, *, limit: int, after_id: int | None = None,
         category: str | None = None, consumable: bool | None = None) -> list[Product]:
    query = select(Product).where(Product.shop_id == shop_id)
    if after_id is not None:
        query = query.where(Product.id > after_id)
    if consumable is not None:
        query = query.where(Product.consumable.is_(consumable))
    rows = list(session.scalars(query.order_by(Product.id).limit(limit if category is None else limit * 20)))
    if category is not None:
        rows = [row for row in rows if category in row.category_path][:limit]
    return rows


def variants_by_product(session: Session, shop_id: int, product_ids: list[int]) -> dict[int, list[ProductVariant]]:
    grouped: dict[int, list[ProductVariant]] = {product_id: [] for product_id in product_ids}
    if product_ids:
        query = select(ProductVariant).where(ProductVariant.shop_id == shop_id,
                                             ProductVariant.product_id.in_(product_ids))
        for variant in session.scalars(query.order_by(ProductVariant.id)):
            grouped[variant.product_id].append(variant)
    return grouped


def category_paths(session: Session, shop_id: int, product_ids: list[int]) -> dict[int, list[str]]:
    if not product_ids:
        return {}
    rows = session.execute(select(Product.id, Product.category_path)
                           .where(Product.shop_id == shop_id, Product.id.in_(sorted(set(product_ids)))))
    return {product_id: list(path or []) for product_id, path in rows}
