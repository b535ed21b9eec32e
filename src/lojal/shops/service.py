"""Use cases for shops (tenants) and their API keys. Services flush; the edge commits."""

from __future__ import annotations

import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from lojal.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from lojal.kit.clock import utcnow
from lojal.kit.crypto import constant_time_equals, sha256_hex
from lojal.models import ApiKey, Shop
from lojal.shops import repository
from lojal.shops.schemas import ALL_SCOPES, ShopIn

KEY_PREFIX = "lojal"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.replace("ø", "o").replace("Ø", "o").replace("æ", "ae")
                                 .replace("Æ", "ae").replace("å", "a").replace("Å", "a"))
    text = text.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60] or "shop"


def create_shop(session: Session, data: ShopIn) -> Shop:
    slug = data.slug or slugify(data.name)
    if repository.get_shop_by_slug(session, slug) is not None:
        raise Conflict(f"a shop with slug {slug!r} exists already", field="slug")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(data.timezone)
    except Exception as error:
        raise ValidationFailed(f"unknown time zone {data.timezone!r}", field="timezone") from error
    shop = Shop(slug=slug, name=data.name, currency=data.currency, timezone=data.timezone,
                locale=data.locale, settings={}, created_at=utcnow())
    session.add(shop)
    session.flush()
    return shop


def get_shop(session: Session, reference: str | int) -> Shop:
    """A shop by id or slug."""
    shop = None
    if isinstance(reference, int) or str(reference).isdigit():
        shop = repository.get_shop(session, int(reference))
    if shop is None:
        shop = repository.get_shop_by_slug(session, str(reference))
    if shop is None:
        raise NotFound(f"no shop {reference!r}", field="shop")
    return shop


@dataclass(frozen=True)
class IssuedKey:
    key: str
    api_key: ApiKey


def create_api_key(session: Session, shop: Shop, name: str, scopes: list[str]) -> IssuedKey:
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown or not scopes:
        raise ValidationFailed(
            f"scopes must be some of {', '.join(ALL_SCOPES)}; got {', '.join(unknown) or 'none'}",
            field="scopes",
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = f"{KEY_PREFIX}_{prefix}_{secret}"
    api_key = ApiKey(shop_id=shop.id, prefix=prefix, key_hash=sha256_hex(key), name=name,
                     scopes=sorted(set(scopes)), created_at=utcnow())
    session.add(api_key)
    session.flush()
    return IssuedKey(key=key, api_key=api_key)


def revoke_api_key(session: Session, shop: Shop, key_id: int) -> ApiKey:
    api_key = repository.get_api_key(session, shop.id, key_id)
    if api_key is None:
        raise NotFound(f"no API key {key_id} in this shop", field="key_id")
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        session.flush()
    forget_cached_keys()
    return api_key


@dataclass(frozen=True)
class Principal:
    """Who is calling the API: a shop, through one of its keys, with its scopes."""

    shop: Shop
    api_key_id: int
    scopes: frozenset[str]


@dataclass(frozen=True)
class _CachedKey:
    principal: Principal
    checked_at: float


AUTH_CACHE_SECONDS = 5.0
"""How long a verified key is trusted in-process without a database read. A revoked key is
refused everywhere within this time; the process that revoked it forgets it at once."""
_auth_cache: dict[str, _CachedKey] = {}
_auth_cache_lock = threading.Lock()


def forget_cached_keys() -> None:
    with _auth_cache_lock:
        _auth_cache.clear()


def cached_principal(presented: str) -> Principal | None:
    """The principal of a key verified in the last ``AUTH_CACHE_SECONDS`` (no database read), or
    None: then call ``authenticate_api_key``."""
    cached = _auth_cache.get(sha256_hex(presented))
    if cached is not None and time.monotonic() - cached.checked_at < AUTH_CACHE_SECONDS:
        return cached.principal
    return None


def authenticate_api_key(session: Session, presented: str) -> Principal:
    principal = cached_principal(presented)
    if principal is not None:
        return principal
    digest = sha256_hex(presented)
    principal = _authenticate_from_database(session, presented, digest)
    with _auth_cache_lock:
        if len(_auth_cache) > 10_000:
            _auth_cache.clear()
        _auth_cache[digest] = _CachedKey(principal, time.monotonic())
    return principal


def _authenticate_from_database(session: Session, presented: str, digest: str) -> Principal:
    parts = presented.split("_")
    if len(parts) < 3 or parts[0] != KEY_PREFIX:
        raise Unauthorized("the API key is not in the form lojal_<prefix>_<secret>")
    api_key = repository.get_api_key_by_prefix(session, parts[1])
    if api_key is None or not constant_time_equals(api_key.key_hash, digest):
        raise Unauthorized("unknown API key")
    if api_key.revoked_at is not None:
        raise Unauthorized("this API key was revoked")
    now = utcnow()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        api_key.last_used_at = now
    shop = repository.get_shop(session, api_key.shop_id)
    assert shop is not None
    session.expunge(shop)
    return Principal(shop=shop, api_key_id=api_key.id, scopes=frozenset(api_key.scopes))
