"""Outgoing webhooks (admin scope): subscriptions, their deliveries with the last response, and
redelivery."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response

from lojal.api.deps import Admin, SessionDependency
from lojal.kit.clock import utcnow
from lojal.webhooks_out import service
from lojal.webhooks_out.rules import EVENT_TYPES
from lojal.webhooks_out.schemas import CreatedSubscriptionOut, DeliveryOut, SubscriptionIn, SubscriptionOut

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


def subscription_view(subscription: Any) -> dict[str, Any]:
    return SubscriptionOut.model_validate(subscription, from_attributes=True).model_dump()


@router.get("/event-types", response_model=list[str], summary="The event types a subscription can name")
def event_types(principal: Admin) -> Any:
    return list(EVENT_TYPES)


@router.post("/subscriptions", status_code=201, response_model=CreatedSubscriptionOut,
             summary="Subscribe a URL to domain events (the secret is shown once)")
def create_subscription(data: Annotated[SubscriptionIn, Body()], principal: Admin, session: SessionDependency,
                        request: Request) -> Any:
    created = service.subscribe(session, principal.shop, data.url, data.event_types, utcnow(),
                                settings=request.app.state.settings.webhooks, description=data.description)
    session.commit()
    return {**subscription_view(created.subscription), "secret": created.secret}


@router.get("/subscriptions", response_model=list[SubscriptionOut], summary="The shop's subscriptions")
def list_subscriptions(principal: Admin, session: SessionDependency) -> Any:
    return [subscription_view(subscription) for subscription in service.subscriptions(session, principal.shop)]


@router.delete("/subscriptions/{subscription_id}", status_code=204, summary="Remove a subscription")
def delete_subscription(subscription_id: Annotated[int, Path(ge=1)], principal: Admin,
                        session: SessionDependency) -> Response:
    service.unsubscribe(session, principal.shop, subscription_id)
    session.commit()
    return Response(status_code=204)


@router.get("/deliveries", response_model=list[DeliveryOut], summary="Deliveries with their last response, newest first")
def list_deliveries(principal: Admin, session: SessionDependency,
                    subscription_id: Annotated[int | None, Query(ge=1)] = None,
                    status: Annotated[str | None, Query(pattern="^(pending|retrying|delivered|dead|cancelled)$")] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    rows = service.list_deliveries(session, principal.shop, subscription_id=subscription_id, status=status, limit=limit)
    return [DeliveryOut.model_validate(row, from_attributes=True) for row in rows]


@router.post("/deliveries/{delivery_id}/redeliver", status_code=202, response_model=DeliveryOut,
             summary="Send a delivery again")
def redeliver(delivery_id: Annotated[int, Path(ge=1)], principal: Admin, session: SessionDependency,
              request: Request) -> Any:
    delivery = service.redeliver(session, principal.shop, delivery_id, utcnow(),
                                 max_attempts=request.app.state.settings.webhooks.max_attempts)
    session.commit()
    return DeliveryOut.model_validate(delivery, from_attributes=True)
