"""Product endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from lojal.api.deps import Ingest, Read, SessionDependency
from lojal.api.pagination import Limit, Page
from lojal.catalog import repository, service
from lojal.catalog.schemas import ProductIn, ProductOut
from lojal.errors import NotFound
from lojal.kit.clock import utcnow
from lojal.kit.pagination import decode_cursor, encode_cursor

router = APIRouter(prefix="/api/v1/products", tags=["catalogue"])


def product_views(session: Any, shop_id: int, products: list[Any]) -> list[ProductOut]:
    variants = repository.variants_by_product(session, shop_id, [product.id for product in products])
    return [ProductOut.model_validate({**{name: getattr(product, name) for name in ProductOut.model_fields if name != "variants"},
                                       "variants": variants[product.id]}) for product in products]


@router.put("/{external_id}", response_model=ProductOut, summary="Create or update a product",
            responses={201: {"model": ProductOut, "description": "Created"}})
def put_product(external_id: Annotated[str, Path(max_length=255, examples=["p-100"])], data: Annotated[ProductIn, Body()],
                principal: Ingest, session: SessionDependency, response: Response) -> Any:
    """Full-state upsert of a product and its variants (variants left out are removed)."""
    [result] = service.ingest_products(session, principal.shop, [(external_id, data)], utcnow())
    session.commit()
    response.status_code = 201 if result.created else 200
    return product_views(session, principal.shop.id, [service.get(session, principal.shop, result.product_id)])[0]


@router.get("", response_model=Page[ProductOut], summary="List products")
def list_products(principal: Read, session: SessionDependency, limit: Limit = 100, cursor: str | None = None,
                  consumable: Annotated[bool | None, Query()] = None) -> Any:
    after = decode_cursor(cursor)
    rows = repository.page(session, principal.shop.id, limit=limit, after_id=int(after[0]) if after else None,
                           consumable=consumable)
    return {"data": product_views(session, principal.shop.id, rows),
            "next_cursor": encode_cursor([rows[-1].id]) if len(rows) == limit else None}


@router.get("/{external_id}", response_model=ProductOut, summary="One product")
def get_product(external_id: str, principal: Read, session: SessionDependency) -> Any:
    found = repository.find_products(session, principal.shop.id, [external_id]).get(external_id)
    if found is None:
        raise NotFound(f"no product with external_id {external_id!r}", field="external_id")
    return product_views(session, principal.shop.id, [service.get(session, principal.shop, found.id)])[0]
