"""Queries for shops, API keys and memberships."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.models import ApiKey, Shop, ShopMembership


def get_shop(session: Session, shop_id: int) -> Shop | None:
    return session.get(Shop, shop_id)


def get_shop_by_slug(session: Session, slug: str) -> Shop | None:
    return session.scalars(select(Shop).where(Shop.slug == slug)).first()


def list_shops(session: Session, shop_ids: list[int] | None = None) -> list[Shop]:
    query = select(Shop).order_by(Shop.name)
    if shop_ids is not None:
        query = query.where(Shop.id.in_(shop_ids))
    return list(session.scalars(query))


def get_api_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()


def list_api_keys(session: Session, shop_id: int) -> list[ApiKey]:
    return list(
        session.scalars(select(ApiKey).where(ApiKey.shop_id == shop_id).order_by(ApiKey.id))
    )


def get_api_key(session: Session, shop_id: int, key_id: int) -> ApiKey | None:
    return session.get(ApiKey, (shop_id, key_id))


def memberships_of_user(session: Session, user_id: int) -> list[ShopMembership]:
    return list(session.scalars(select(ShopMembership).where(ShopMembership.user_id == user_id)))


def get_membership(session: Session, shop_id: int, user_id: int) -> ShopMembership | None:
    return session.get(ShopMembership, (shop_id, user_id))
