"""Webhooks in from Shopify and WooCommerce: verify, deduplicate, store, enqueue, and answer
at once; the job in ``apply.py`` does the work. And the shop owner's connections: the secret
each platform signs with, kept in ``shop.settings["integrations"]`` and never shown again.

What is answered, and why:

* unknown shop: 404; no secret set, missing or wrong signature: 401, nothing stored;
* a verified delivery: 200, always. A retry (same ``X-Shopify-Webhook-Id`` or
  ``X-Shopify-Event-Id``, same ``X-WC-Webhook-Delivery-ID``) changes nothing and answers the
  same. A topic Lojal does not use is recorded as ``ignored`` and logged. A payload the hub
  refuses (broken JSON, an amount with too many decimals, another currency) is recorded as
  ``failed`` with the reason, logged, and still answered 200: the platform would only send the
  same bytes again (Shopify 8 times over 4 hours, then it removes the subscription), which
  cannot succeed, while the failure stays visible in the delivery list.
* WooCommerce's ping when a webhook is created (``webhook_id=<n>``, form-encoded, unsigned):
  200, so WooCommerce saves the webhook."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from lojal.errors import LojalError, NotFound, Unauthorized, ValidationFailed
from lojal.integrations import repository, shopify, woocommerce
from lojal.integrations.mapping import MappingError
from lojal.integrations.schemas import PLATFORMS
from lojal.kit.crypto import constant_time_equals, hmac_sha256_base64, sha256_hex
from lojal.models import Shop
from lojal.shops.service import get_shop
from lojal.worker import enqueue

logger = logging.getLogger("lojal.integrations")

APPLY_TASK = "integrations.apply_delivery"
PRIVACY_TASK = "integrations.apply_privacy_request"
"""customers/redact and customers/data_request: handled by lojal.privacy (registered in privacy/tasks.py)."""
PRIVACY_APPLIED_TOPICS = ("customers/redact", "customers/data_request")
MAX_ATTEMPTS = 8
"""A job that cannot apply yet (a refund before its order) retries with backoff this often."""
MAX_BODY_BYTES = 5 * 1024 * 1024
PING = re.compile(rb"^webhook_id=\d+$")
TOPICS = {"shopify": shopify.APPLIED_TOPICS + shopify.PRIVACY_TOPICS, "woocommerce": woocommerce.APPLIED_TOPICS}
NAMES = {"shopify": "Shopify", "woocommerce": "WooCommerce"}


@dataclass(frozen=True)
class Receipt:
    status: str
    """accepted (stored, and queued if the topic is one Lojal uses), duplicate, or pong."""
    keep: bool
    """Whether the edge commits (False: a concurrent copy won the race; roll back)."""


@dataclass(frozen=True)
class Connection:
    platform: str
    secret_set: bool
    connected_at: str | None


# -- connections ---------------------------------------------------------------------------

def connect(session: Session, shop: Shop, platform: str, secret: str, now: datetime) -> Connection:
    """Store (or replace) the secret the platform signs this shop's webhooks with."""
    _check_platform(platform)
    secret = secret.strip()
    if len(secret) < 8:
        raise ValidationFailed("the secret is shorter than 8 characters; paste the whole key", field="secret")
    settings = dict(shop.settings or {})
    integrations = dict(settings.get("integrations") or {})
    integrations[platform] = {"secret": secret, "connected_at": now.isoformat()}
    settings["integrations"] = integrations
    shop.settings = settings
    session.flush()
    logger.info("integration connected", extra={"shop_id": shop.id, "platform": platform})
    return connection(shop, platform)


def disconnect(session: Session, shop: Shop, platform: str) -> None:
    _check_platform(platform)
    settings = dict(shop.settings or {})
    integrations = dict(settings.get("integrations") or {})
    if integrations.pop(platform, None) is not None:
        settings["integrations"] = integrations
        shop.settings = settings
        session.flush()


def connection(shop: Shop, platform: str) -> Connection:
    stored = ((shop.settings or {}).get("integrations") or {}).get(platform) or {}
    return Connection(platform, bool(stored.get("secret")), stored.get("connected_at"))


def connections(shop: Shop) -> list[Connection]:
    return [connection(shop, platform) for platform in PLATFORMS]


def _check_platform(platform: str) -> None:
    if platform not in PLATFORMS:
        raise NotFound(f"no integration {platform!r}; there are {', '.join(PLATFORMS)}", field="platform")


def _secret(shop: Shop, platform: str) -> str | None:
    stored = ((shop.settings or {}).get("integrations") or {}).get(platform) or {}
    secret = stored.get("secret")
    return secret if isinstance(secret, str) and secret else None


# -- receiving -----------------------------------------------------------------------------

def shop_for_webhook(session: Session, slug: str) -> Shop:
    """The shop a webhook URL names, by slug only (a slug of digits is not taken for an id)."""
    try:
        shop = get_shop(session, slug)
    except NotFound:
        shop = None
    if shop is None or shop.slug != slug:
        raise NotFound(f"no shop {slug!r}; check the webhook URL", field="shop")
    return shop


def verify(shop: Shop, platform: str, signature: str | None, body: bytes) -> None:
    """HMAC-SHA256 of the raw body with the shop's secret, base64, compared in constant time."""
    secret = _secret(shop, platform)
    if secret is None:
        raise Unauthorized(f"{NAMES[platform]} is not connected to this shop: set its webhook secret first "
                           f"(lojal shop connect {platform} --shop {shop.slug})")
    if not signature or not constant_time_equals(hmac_sha256_base64(secret, body), signature.strip()):
        raise Unauthorized(f"the {NAMES[platform]} webhook signature does not match this shop's secret")


def receive_shopify(session: Session, slug: str, headers: Mapping[str, str], body: bytes,
                    now: datetime) -> Receipt:
    """``headers`` with lower-case names."""
    shop = shop_for_webhook(session, slug)
    _check_size(body)
    verify(shop, "shopify", headers.get("x-shopify-hmac-sha256"), body)
    topic = (headers.get("x-shopify-topic") or "").strip()
    webhook_id = _header_id(headers.get("x-shopify-webhook-id"))
    event_id = _header_id(headers.get("x-shopify-event-id"))
    keys = [f"webhook:shopify:{webhook_id or 'sha256-' + sha256_hex(body)}"]
    if event_id:
        keys.append(f"webhook:shopify:event:{topic}:{event_id}"[:255])
    document = _document("shopify", topic, keys[0], now, webhook_id=webhook_id, event_id=event_id,
                         triggered_at=headers.get("x-shopify-triggered-at"),
                         api_version=headers.get("x-shopify-api-version"),
                         shop_domain=headers.get("x-shopify-shop-domain"))
    if topic in shopify.PRIVACY_TOPICS:
        _record_privacy_request(document, body)
    receipt = _store(session, shop, keys, document, body, applies=topic in shopify.APPLIED_TOPICS, now=now)
    if receipt.status == "accepted" and topic in PRIVACY_APPLIED_TOPICS and document["status"] == "recorded":
        enqueue(session, PRIVACY_TASK, {"delivery_key": keys[0], "topic": topic}, shop_id=shop.id,
                dedupe_key=f"{PRIVACY_TASK}:{shop.id}:{keys[0]}"[:255], max_attempts=MAX_ATTEMPTS)
    return receipt


def receive_woocommerce(session: Session, slug: str, headers: Mapping[str, str], body: bytes,
                        now: datetime) -> Receipt:
    shop = shop_for_webhook(session, slug)
    _check_size(body)
    signature = headers.get("x-wc-webhook-signature")
    if not signature and PING.match(body.strip()):
        logger.info("WooCommerce ping answered", extra={"shop_id": shop.id, "body": body.decode()[:40]})
        return Receipt("pong", keep=False)
    verify(shop, "woocommerce", signature, body)
    topic = (headers.get("x-wc-webhook-topic") or "").strip()
    delivery_id = _header_id(headers.get("x-wc-webhook-delivery-id"))
    key = f"webhook:woocommerce:{delivery_id or 'sha256-' + sha256_hex(body)}"
    document = _document("woocommerce", topic, key, now, webhook_id=delivery_id,
                         woocommerce_webhook=_header_id(headers.get("x-wc-webhook-id")),
                         source=(headers.get("x-wc-webhook-source") or "")[:255] or None)
    return _store(session, shop, [key], document, body, applies=topic in woocommerce.APPLIED_TOPICS, now=now)


def _check_size(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise LojalError(f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB", field="body",
                         status_code=413, code="too_large")


def _header_id(value: str | None) -> str | None:
    """A delivery id from a header; an unusually long one is hashed to fit the key."""
    value = (value or "").strip()
    if not value:
        return None
    return value if len(value) <= 150 and value.isprintable() else "sha256-" + sha256_hex(value)


def _document(platform: str, topic: str, key: str, now: datetime, **extra: Any) -> dict[str, Any]:
    return {"key": key, "platform": platform, "topic": topic[:100], "status": "received",
            "received_at": now.isoformat(), **{name: value for name, value in extra.items() if value}}


def _record_privacy_request(document: dict[str, Any], body: bytes) -> None:
    """customers/data_request, customers/redact, shop/redact: recorded with what they ask for.
    The first two are then handled by a job (``PRIVACY_TASK``: the data document, the erasure),
    which records the outcome on the delivery and drops the e-mail and phone from it; shop/redact
    (the whole shop, 48 hours after the app is uninstalled) is kept for the shop owner to act on."""
    try:
        request = shopify.privacy_request(orjson.loads(body))
        topic = document["topic"]
        reason = ("queued for the privacy job" if topic in PRIVACY_APPLIED_TOPICS
                  else "kept for the shop owner: erase the shop's data with the shop's removal")
        document.update(status="recorded", request=request, reason=reason)
    except (orjson.JSONDecodeError, AttributeError, MappingError) as error:
        document.update(status="failed", reason=f"the privacy request is not a JSON object: {error}")
    logger.warning("Shopify privacy request received", extra={"topic": document["topic"], "key": document["key"]})


def _store(session: Session, shop: Shop, keys: list[str], document: dict[str, Any], body: bytes, *,
           applies: bool, now: datetime) -> Receipt:
    if repository.taken(session, shop.id, keys):
        logger.info("webhook replay ignored", extra={"shop_id": shop.id, "key": keys[0]})
        return Receipt("duplicate", keep=False)
    platform = document["platform"]
    if document["status"] == "received" and not applies:
        document.update(status="ignored", reason=f"topic {document['topic']!r} is not one Lojal uses",
                        finished_at=now.isoformat())
        logger.info("webhook topic ignored", extra={"shop_id": shop.id, "platform": platform,
                                                    "topic": document["topic"]})
    text = _text(body, document)
    path = f"/webhooks/{platform}/{shop.slug}"
    fingerprint = sha256_hex(body)
    for index, key in enumerate(keys):
        alias = {"key": key, "status": document["status"], "alias_of": keys[0]} if index else document
        if not repository.insert(session, shop.id, key, path, fingerprint, alias, now, alias=index > 0):
            return Receipt("duplicate", keep=False)  # a concurrent copy was stored first
    if document["status"] == "received" and text is not None:
        enqueue(session, APPLY_TASK, {"delivery_key": keys[0], "platform": platform, "topic": document["topic"],
                                      "body": text}, shop_id=shop.id, dedupe_key=f"{APPLY_TASK}:{shop.id}:{keys[0]}"[:255],
                max_attempts=MAX_ATTEMPTS)
    return Receipt("accepted", keep=True)


def _text(body: bytes, document: dict[str, Any]) -> str | None:
    """The body as text for the job; one that is not UTF-8 fails here and is not queued."""
    if document["status"] != "received":
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        document.update(status="failed", reason="the body is not UTF-8 text", finished_at=document["received_at"])
        logger.warning("webhook body is not UTF-8", extra={"key": document["key"]})
        return None
    if "\x00" in text:
        document.update(status="failed", reason="the body contains a NUL character", finished_at=document["received_at"])
        return None
    return text


def deliveries(session: Session, shop: Shop, *, platform: str | None = None, status: str | None = None,
               limit: int = 100) -> list[dict[str, Any]]:
    return repository.deliveries(session, shop.id, platform=platform, status=status, limit=limit)
