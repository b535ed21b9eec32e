"""Webhooks in (``POST /webhooks/shopify/{shop}``, ``POST /webhooks/woocommerce/{shop}``, signed by
the platform, no API key) and the shop owner's connections (``/api/v1/integrations``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from lojal.api.deps import Admin, Read, SessionDependency
from lojal.api.idempotency import json_bytes
from lojal.integrations import service
from lojal.integrations.schemas import ConnectionOut, DeliveryOut, DeliveryStatus, Platform, SecretIn, WebhookAnswer
from lojal.kit.clock import utcnow
from lojal.shops.service import get_shop

webhooks = APIRouter(prefix="/webhooks", tags=["webhooks"])
api = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])

ShopSlug = Annotated[str, Path(max_length=64, description="The shop's slug", examples=["nordlys-sport"])]
WEBHOOK_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No secret set for this platform, or the signature does not match; nothing stored"},
    404: {"description": "No shop with this slug"},
}


async def raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def _answer(receipt: service.Receipt) -> Response:
    body = json_bytes({"status": "pong" if receipt.status == "pong" else "accepted"})
    headers = {"Idempotent-Replayed": "true"} if receipt.status == "duplicate" else None
    return Response(body, status_code=200, media_type="application/json", headers=headers)


def _finish(session: Any, receipt: service.Receipt) -> Response:
    if receipt.keep:
        session.commit()
    else:
        session.rollback()
    return _answer(receipt)


@webhooks.post("/shopify/{shop}", response_model=WebhookAnswer, responses=WEBHOOK_RESPONSES,
               summary="Receive a Shopify webhook")
def shopify_webhook(shop: ShopSlug, request: Request, body: RawBody, session: SessionDependency) -> Response:
    """Verifies ``X-Shopify-Hmac-Sha256`` over the raw body, stores the delivery once per
    ``X-Shopify-Webhook-Id`` (and ``X-Shopify-Event-Id``), queues it and answers 200 at once."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    return _finish(session, service.receive_shopify(session, shop, headers, body, utcnow()))


@webhooks.post("/woocommerce/{shop}", response_model=WebhookAnswer, responses=WEBHOOK_RESPONSES,
               summary="Receive a WooCommerce webhook")
def woocommerce_webhook(shop: ShopSlug, request: Request, body: RawBody, session: SessionDependency) -> Response:
    """Verifies ``X-WC-Webhook-Signature``, stores the delivery once per
    ``X-WC-Webhook-Delivery-ID``, queues it and answers 200; answers WooCommerce's unsigned
    ping (``webhook_id=<n>``) when a webhook is created."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    return _finish(session, service.receive_woocommerce(session, shop, headers, body, utcnow()))


def _connection_out(request: Request, slug: str, connection: service.Connection) -> ConnectionOut:
    return ConnectionOut(platform=connection.platform, connected=connection.secret_set,  # type: ignore[arg-type]
                         secret_set=connection.secret_set, connected_at=connection.connected_at,
                         webhook_url=str(request.url_for(f"{connection.platform}_webhook", shop=slug)),
                         topics=list(service.TOPICS[connection.platform]))


@api.get("", response_model=list[ConnectionOut], summary="The shop's platform connections")
def list_connections(request: Request, principal: Admin, session: SessionDependency) -> Any:
    shop = get_shop(session, principal.shop.id)
    return [_connection_out(request, shop.slug, connection) for connection in service.connections(shop)]


@api.put("/{platform}", response_model=ConnectionOut, summary="Connect a platform: set its webhook secret")
def put_connection(platform: Platform, data: Annotated[SecretIn, Body()], request: Request, principal: Admin,
                   session: SessionDependency) -> Any:
    """Stores the secret the platform signs webhooks with (replacing one set before). The
    answer shows only that a secret is set, and the URL to paste into the platform."""
    shop = get_shop(session, principal.shop.id)
    connection = service.connect(session, shop, platform, data.secret, utcnow())
    session.commit()
    return _connection_out(request, shop.slug, connection)


@api.delete("/{platform}", status_code=204, summary="Disconnect a platform (its webhooks are refused)")
def delete_connection(platform: Platform, principal: Admin, session: SessionDependency) -> Response:
    service.disconnect(session, get_shop(session, principal.shop.id), platform)
    session.commit()
    return Response(status_code=204)


@api.get("/deliveries", response_model=list[DeliveryOut], summary="Webhook deliveries received, newest first")
def list_deliveries(principal: Read, session: SessionDependency, platform: Platform | None = None,
                    status: Annotated[DeliveryStatus | None, Query()] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    """What became of each delivery: applied, ignored (a topic Lojal does not use, an order
    without any customer), recorded (privacy requests), failed (with the reason), or still
    received (queued)."""
    return service.deliveries(session, principal.shop, platform=platform, status=status, limit=limit)


router = APIRouter()
router.include_router(webhooks)
router.include_router(api)
