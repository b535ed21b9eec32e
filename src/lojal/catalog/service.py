"""Catalogue ingestion: products with variants, a full-state upsert by external id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lojal.catalog import repository
from lojal.catalog.schemas import ProductIn, VariantIn
from lojal.db.ids import allocate_ids
from lojal.errors import Conflict, NotFound
from lojal.models import Product, Shop

PRODUCT_FIELDS = ("name", "sku", "category_path", "brand", "price", "currency", "cost", "consumable",
                  "days_of_use", "url", "image_url", "attributes")
VARIANT_FIELDS = ("sku", "name", "price", "cost")


@dataclass
class ProductResult:
    external_id: str
    product_id: int
    created: bool
    changed: bool


def ingest_products(session: Session, shop: Shop, items: list[tuple[str, ProductIn]], now: datetime) -> list[ProductResult]:
    latest = dict(items)  # the last state sent for a product wins
    existing = repository.find_products(session, shop.id, list(latest))
    results: dict[str, ProductResult] = {}
    new = [(external_id, product) for external_id, product in latest.items() if external_id not in existing]
    results.update({result.external_id: result for result in _insert(session, shop, new, now)})
    stored_variants = repository.variants_of(session, shop.id, [row.id for row in existing.values()])
    for external_id, row in existing.items():
        product = latest[external_id]
        results[external_id] = _update(session, shop.id, row, stored_variants[row.id], product, now)
    return [results[external_id] for external_id, _ in items]


def _check_variants_free(session: Session, shop_id: int, variants: list[VariantIn], product_id: int | None) -> None:
    taken = repository.find_variants(session, shop_id, [variant.external_id for variant in variants])
    for variant in taken.values():
        if variant.product_id != product_id:
            raise Conflict(f"variant {variant.external_id!r} belongs to another product", field="variants")


def _insert(session: Session, shop: Shop, new: list[tuple[str, ProductIn]], now: datetime) -> list[ProductResult]:
    if not new:
        return []
    all_variants = [variant for _, product in new for variant in product.variants]
    _check_variants_free(session, shop.id, all_variants, None)
    product_ids = allocate_ids(session, "products", len(new))
    variant_ids = iter(allocate_ids(session, "product_variants", len(all_variants)))
    product_rows, variant_rows = [], []
    for product_id, (external_id, product) in zip(product_ids, new, strict=True):
        row = {name: getattr(product, name) for name in PRODUCT_FIELDS}
        row.update(shop_id=shop.id, id=product_id, external_id=external_id,
                   currency=product.currency or shop.currency, created_at=product.created_at or now, updated_at=now)
        product_rows.append(row)
        for variant in product.variants:
            variant_rows.append(_variant_row(shop.id, next(variant_ids), product_id, variant, now))
    repository.insert(session, product_rows, variant_rows)
    return [ProductResult(external_id, product_id, True, True) for product_id, (external_id, _) in zip(product_ids, new, strict=True)]


def _variant_row(shop_id: int, variant_id: int, product_id: int, variant: VariantIn, now: datetime) -> dict[str, Any]:
    row = {name: getattr(variant, name) for name in VARIANT_FIELDS}
    row.update(shop_id=shop_id, id=variant_id, product_id=product_id, external_id=variant.external_id,
               created_at=now, updated_at=now)
    return row


def _update(session: Session, shop_id: int, row: Any, stored: list[Any], product: ProductIn, now: datetime) -> ProductResult:
    values = {name: getattr(product, name) for name in PRODUCT_FIELDS}
    values["currency"] = product.currency or row.currency
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    by_external = {variant.external_id: variant for variant in stored}
    new_variants = [variant for variant in product.variants if variant.external_id not in by_external]
    _check_variants_free(session, shop_id, new_variants, row.id)
    variants_changed = bool(new_variants)
    for variant in product.variants:
        current = by_external.pop(variant.external_id, None)
        if current is None:
            continue
        difference = {name: getattr(variant, name) for name in VARIANT_FIELDS
                      if getattr(current, name) != getattr(variant, name)}
        if difference:
            repository.update_variant(session, shop_id, current.id, {**difference, "updated_at": now})
            variants_changed = True
    if by_external:
        repository.delete_variants(session, shop_id, [variant.id for variant in by_external.values()])
        variants_changed = True
    if new_variants:
        ids = allocate_ids(session, "product_variants", len(new_variants))
        repository.insert(session, [], [_variant_row(shop_id, variant_id, row.id, variant, now)
                                        for variant_id, variant in zip(ids, new_variants, strict=True)])
    if changed or variants_changed:
        repository.update_product(session, shop_id, row.id, {**changed, "updated_at": now})
    return ProductResult(row.external_id, row.id, False, bool(changed or variants_changed))


def get(session: Session, shop: Shop, product_id: int) -> Product:
    product = repository.get(session, shop.id, product_id)
    if product is None:
        raise NotFound(f"no product {product_id}", field="product_id")
    return product


def category_paths(session: Session, shop: Shop, product_ids: list[int]) -> dict[int, list[str]]:
    """Each product's category path (``["Sport", "Tennis"]``), for rules that match by category."""
    return repository.category_paths(session, shop.id, product_ids)


def category_paths_by_external_id(session: Session, shop: Shop, external_ids: list[str]) -> dict[str, list[str]]:
    """Category paths keyed by the shop's product ids (for orders not stored yet, e.g. a simulation)."""
    found = repository.find_products(session, shop.id, sorted(set(external_ids)))
    return {external_id: list(row.category_path or []) for external_id, row in found.items()}
