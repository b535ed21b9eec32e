"""Payloads modelled on the platforms' documented examples, signed as the platforms sign them."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.models import Customer, CustomerEvent, IdempotencyRecord, Job, Order, OrderLine, Refund
from lojal.worker import Worker

PAYLOADS = Path(__file__).parent / "payloads"
SHOPIFY_SECRET = "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"
WOOCOMMERCE_SECRET = "wc-hemmelig-nøkkel-2026"


def payload(fixture: str, /, **changes: Any) -> dict[str, Any]:
    data = json.loads((PAYLOADS / f"{fixture}.json").read_text())
    return copy.deepcopy(data) | changes


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_body(data: dict[str, Any]) -> bytes:
    """Shopify sends compact UTF-8 JSON."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def woocommerce_body(data: dict[str, Any]) -> bytes:
    """WooCommerce sends trim(wp_json_encode($payload)): ASCII with \\uXXXX escapes and \\/."""
    return json.dumps(data, separators=(",", ":")).replace("/", "\\/").encode()


def post_shopify(client: TestClient, topic: str, data: dict[str, Any] | bytes, *, webhook_id: str | None = None,
                 event_id: str | None = None, secret: str = SHOPIFY_SECRET, slug: str = "nordlys-sport",
                 hmac_header: str | None = None) -> Response:
    body = data if isinstance(data, bytes) else shopify_body(data)
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": hmac_header if hmac_header is not None else signature(secret, body),
        "X-Shopify-Shop-Domain": "nordlys-sport.myshopify.com",
        "X-Shopify-API-Version": "2025-01",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-03-14T17:22:07.123456789Z",
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
    }
    return client.post(f"/webhooks/shopify/{slug}", content=body, headers=headers)


def post_woocommerce(client: TestClient, topic: str, data: dict[str, Any] | bytes, *, delivery_id: str | None = None,
                     secret: str = WOOCOMMERCE_SECRET, slug: str = "nordlys-sport",
                     signature_header: str | None = None) -> Response:
    body = data if isinstance(data, bytes) else woocommerce_body(data)
    resource, event = topic.split(".", 1)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/8.6.1 Hookshot (WordPress/6.4.3)",
        "X-WC-Webhook-Source": "https://butikk.example.no/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": signature_header if signature_header is not None else signature(secret, body),
        "X-WC-Webhook-ID": "14",
        "X-WC-Webhook-Delivery-ID": delivery_id or uuid.uuid4().hex,
    }
    return client.post(f"/webhooks/woocommerce/{slug}", content=body, headers=headers)


def run_jobs(worker: Worker) -> None:
    while worker.run_once():
        pass


def count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def snapshot(session: Session) -> dict[str, Any]:
    """Everything a delivery can change, to prove that a refused or replayed one changed nothing."""
    session.expire_all()
    return {
        "orders": [(row.external_id, row.status, row.total, row.refunded_total, row.updated_at)
                   for row in session.scalars(select(Order).order_by(Order.id))],
        "lines": count(session, OrderLine),
        "refunds": count(session, Refund),
        "customers": [(row.external_id, row.email, row.email_consent, row.updated_at)
                      for row in session.scalars(select(Customer).order_by(Customer.id))],
        "events": count(session, CustomerEvent),
        "deliveries": count(session, IdempotencyRecord),
        "jobs": count(session, Job),
    }
